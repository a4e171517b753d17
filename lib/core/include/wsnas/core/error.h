#pragma once
/// Errors: exceptions carrying context. Library code throws; only an app's main reports and exits.

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace wsnas {

/// Base of every wsnas exception; what() is one line a user can act on.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A problem with what the user gave: an option, a config key, a file's content.
/// Apps exit with kExitUsage for these.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message) {}
};

/// A bad command line or config file: the same on every rank, so only rank 0 reports it and no
/// abort is needed.
class UsageError : public InputError {
 public:
  explicit UsageError(const std::string& message) : InputError(message) {}
};

/// Exit status for input errors (bad option, malformed file) and for other failures.
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 1;

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
[[noreturn]] void throw_internal(const char* file, int line, const std::string& message);
}  // namespace detail

}  // namespace wsnas

/// Throws wsnas::Error with the streamed arguments when `cond` is false.
#define WSNAS_CHECK(cond, ...)                                               \
  do {                                                                       \
    if (!(cond)) throw ::wsnas::Error(::wsnas::detail::concat(__VA_ARGS__)); \
  } while (0)

/// Throws wsnas::InputError with the streamed arguments when `cond` is false.
#define WSNAS_CHECK_INPUT(cond, ...)                                              \
  do {                                                                            \
    if (!(cond)) throw ::wsnas::InputError(::wsnas::detail::concat(__VA_ARGS__)); \
  } while (0)

/// Throws wsnas::UsageError (bad option or config) when `cond` is false.
#define WSNAS_CHECK_USAGE(cond, ...)                                              \
  do {                                                                            \
    if (!(cond)) throw ::wsnas::UsageError(::wsnas::detail::concat(__VA_ARGS__)); \
  } while (0)

/// Internal invariant (a bug if it fails): the message carries the source location.
#define WSNAS_ASSERT(cond, ...)                                                     \
  do {                                                                              \
    if (!(cond))                                                                    \
      ::wsnas::detail::throw_internal(                                              \
          __FILE__, __LINE__,                                                       \
          ::wsnas::detail::concat("internal error: ", #cond, ": ", ##__VA_ARGS__)); \
  } while (0)
