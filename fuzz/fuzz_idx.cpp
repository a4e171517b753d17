// IDX image and label files (MNIST, Fashion-MNIST), plain or gzip. The input is split in two: its
// first 4 bytes (little-endian, modulo the rest's length + 1) give the length of the images file;
// the labels file is what follows.
#include <cstring>

#include "fuzz_support.h"
#include "wsnas/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wsnas;
  if (size < 4) return 0;
  std::uint32_t head = 0;
  std::memcpy(&head, data, 4);
  const std::size_t rest = size - 4, cut = head % (rest + 1);
  const fuzz::MemFile images(data + 4, cut), labels(data + 4 + cut, rest - cut);
  fuzz::refused_or_parsed([&] {
    const auto d = data::read_idx(images.path(), labels.path(), "fuzz", 10);
    if (d.images.size() != static_cast<std::size_t>(d.size() * d.image_bytes()))
      fuzz::finding("pixels and labels disagree in count");
    for (auto label : d.labels)
      if (label < 0 || label >= d.classes) fuzz::finding("a label out of range was accepted");
  });
  return 0;
}
