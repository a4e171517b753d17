#include "wsnas/core/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wsnas/core/error.h"

namespace wsnas {

void check_input_file(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;  // the reader's own "cannot open" message says what it expected
    throw InputError(what + " '" + path + "': " + std::strerror(errno) +
                     "; expected a readable regular file");
  }
  WSNAS_CHECK_INPUT(!S_ISDIR(st.st_mode), what, " '", path,
                    "': is a directory; expected a readable regular file");
  WSNAS_CHECK_INPUT(S_ISREG(st.st_mode), what, " '", path,
                    "': not a regular file; expected a readable regular file");
  if (::access(path.c_str(), R_OK) != 0) {
    throw InputError(what + " '" + path + "': " + std::strerror(errno) +
                     "; expected a readable regular file");
  }
}

bool is_path_error(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case EROFS:
    case ENAMETOOLONG:
    case ELOOP:
    case EEXIST:
      return true;
    default:
      return false;
  }
}

void throw_system_error(const std::string& message, int err) {
  const std::string m = message + ": " + std::strerror(err);
  if (is_path_error(err)) throw InputError(m);
  throw Error(m);
}

}  // namespace wsnas
