#pragma once
// The built-in datasets' registrations, each defined beside its reader; the registry
// (dataset.cpp) lists them once.
#include <string>
#include <utility>

#include "wsnas/data/dataset.h"

namespace wsnas::data {

/// The entry of a dataset with a training and a test set, `read(dir, train)` reading either:
/// the training set first (its errors come first), then the protocol's splits.
template <class Read>
DatasetEntry train_test_entry(std::string name, std::string default_dir, std::string summary,
                              Read read) {
  DatasetEntry e;
  e.name = std::move(name);
  e.default_dir = std::move(default_dir);
  e.summary = std::move(summary);
  e.load = [read](const std::string& dir, const BundleOptions& o) {
    auto train = read(dir, true);
    return make_bundle(std::move(train), read(dir, false), o.protocol, o.limit_train, o.limit_eval);
  };
  return e;  // the caller adds its files and where to get it
}

DatasetEntry cifar10_entry();        // cifar.cpp
DatasetEntry cifar100_entry();       // cifar.cpp
DatasetEntry imagenet16_entry();     // cifar.cpp
DatasetEntry fashion_mnist_entry();  // idx.cpp
DatasetEntry mnist_entry();          // idx.cpp
DatasetEntry imagenet_entry();       // image_folder.cpp
DatasetEntry ptb_entry();            // text.cpp
DatasetEntry wikitext2_entry();      // text.cpp

}  // namespace wsnas::data
