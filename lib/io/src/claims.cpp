#include "wsnas/io/claims.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/atomic_file.h"

namespace wsnas::io {

Claims::Claims(std::string dir) : dir_(std::move(dir)) {}

bool Claims::claim(const std::string& key, int rank) const {
  const std::string path = dir_ + "/" + key + ".claim";
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) {
    WSNAS_CHECK(errno == EEXIST, "cannot create claim file '", path, "': ", std::strerror(errno));
    return false;
  }
  const std::string who =
      "rank " + std::to_string(rank) + " pid " + std::to_string(::getpid()) + "\n";
  // Created: it is this rank's, whether or not the note of who holds it could be written.
  static_cast<void>(::write(fd, who.data(), who.size()));
  ::close(fd);
  return true;
}

void Claims::release(const std::string& key) const {
  std::remove((dir_ + "/" + key + ".claim").c_str());
}

void Claims::clear() const {
  for (const auto& name : list_dir(dir_)) {
    if (ends_with(name, ".claim")) std::remove((dir_ + "/" + name).c_str());
  }
}

}  // namespace wsnas::io
