#include "fuzz_support.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace wsnas::fuzz {

MemFile::MemFile(const std::uint8_t* data, std::size_t size) {
  fd_ = memfd_create("wsnas-fuzz", MFD_CLOEXEC);
  if (fd_ < 0) finding("memfd_create failed");
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd_, data + done, size - done);
    if (n <= 0) finding("cannot write the input to the memory file");
    done += static_cast<std::size_t>(n);
  }
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

MemFile::~MemFile() {
  if (fd_ >= 0) ::close(fd_);
}

void finding(const std::string& what) {
  std::fprintf(stderr, "wsnas fuzz finding: %s\n", what.c_str());
  std::abort();
}

}  // namespace wsnas::fuzz
