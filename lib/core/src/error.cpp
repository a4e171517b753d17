#include "wsnas/core/error.h"

namespace wsnas::detail {

void throw_internal(const char* file, int line, const std::string& message) {
  throw Error(concat(message, " (", file, ":", line, ")"));
}

}  // namespace wsnas::detail
