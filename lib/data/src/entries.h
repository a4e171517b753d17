#pragma once
// The built-in datasets' registrations, each defined beside its reader; the registry
// (dataset.cpp) lists them once.
#include "wsnas/data/dataset.h"

namespace wsnas::data {

DatasetEntry cifar10_entry();        // cifar.cpp
DatasetEntry cifar100_entry();       // cifar.cpp
DatasetEntry fashion_mnist_entry();  // idx.cpp
DatasetEntry mnist_entry();          // idx.cpp
DatasetEntry imagenet_entry();       // image_folder.cpp
DatasetEntry ptb_entry();            // text.cpp
DatasetEntry wikitext2_entry();      // text.cpp

}  // namespace wsnas::data
