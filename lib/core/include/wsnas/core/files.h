#pragma once
/// Checks on paths the user gives, before they are read.

#include <string>

namespace wsnas {

/// Throws InputError "<what> '<path>': <reason>" when `path` exists but is not a readable regular
/// file (after following symbolic links): a directory, another kind of file, or unreadable. A
/// missing path is left to the reader, whose message says what it expected there.
void check_input_file(const std::string& path, const std::string& what);

}  // namespace wsnas
