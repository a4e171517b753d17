#pragma once
// What the fuzz targets share. A target is one LLVMFuzzerTestOneInput over a parser of outside
// input. A parser may refuse an input only with a wsnas::Error (one clear line for the user);
// anything else escaping it (std::out_of_range from a bare stoi, a crash, a sanitizer report, a
// broken round trip) is a finding.

#include <cstddef>
#include <cstdint>
#include <string>

#include "wsnas/core/error.h"

namespace wsnas::fuzz {

/// The input as a file (an anonymous in-memory file, /proc/self/fd/N), for parsers that read
/// paths. Closed (and gone) when the object dies.
class MemFile {
 public:
  MemFile(const std::uint8_t* data, std::size_t size);
  ~MemFile();
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

/// Runs `f`; a wsnas::Error is the parser refusing the input, as documented.
template <class F>
void refused_or_parsed(F&& f) {
  try {
    f();
  } catch (const wsnas::Error&) {
  }
}

/// A broken property: report it and abort, so the fuzzer keeps the input.
[[noreturn]] void finding(const std::string& what);

}  // namespace wsnas::fuzz
