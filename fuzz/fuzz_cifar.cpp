// CIFAR-10 and CIFAR-100 binary files: records of label byte(s) + 3072 pixel bytes.
#include "fuzz_support.h"
#include "wsnas/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  const fuzz::MemFile file(data, size);
  for (const auto& [cifar100, fine] :
       {std::pair{false, true}, std::pair{true, true}, std::pair{true, false}}) {
    fuzz::refused_or_parsed([&, cifar100 = cifar100, fine = fine] {
      const auto d = data::read_cifar_file(file.path(), cifar100, fine);
      if (d.images.size() != static_cast<std::size_t>(d.size() * d.image_bytes()))
        fuzz::finding("pixels and labels disagree in count");
      for (auto label : d.labels)
        if (label < 0 || label >= d.classes) fuzz::finding("a label out of range was accepted");
    });
  }
  return 0;
}
