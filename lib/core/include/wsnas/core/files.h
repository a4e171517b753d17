#pragma once
/// Checks on paths the user gives, before they are read.

#include <string>

namespace wsnas {

/// Throws InputError "<what> '<path>': <reason>" when `path` exists but is not a readable regular
/// file (after following symbolic links): a directory, another kind of file, or unreadable. A
/// missing path is left to the reader, whose message says what it expected there.
void check_input_file(const std::string& path, const std::string& what);

/// True for a system error the user fixes by naming another path or changing its permissions
/// (EACCES, EPERM, ENOENT, ENOTDIR, EISDIR, EROFS, ENAMETOOLONG, ELOOP, EEXIST): bad input, exit 2.
/// The others (ENOSPC, EFBIG, EDQUOT, EIO, ...) are failures of the machine: exit 1.
bool is_path_error(int err);

/// Throws "<message>: <strerror(err)>" as an InputError when is_path_error(err), else as an Error.
[[noreturn]] void throw_system_error(const std::string& message, int err);

}  // namespace wsnas
