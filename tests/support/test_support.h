#pragma once
/// Helpers shared by the tests: where things are, scratch directories, running an app.

#include <string>

namespace wsnas::test {

/// The repository root.
std::string source_dir();
/// ../shared/data relative to the repository root.
std::string shared_data(const std::string& relative);
/// Directory holding the built apps.
std::string bin_dir();
/// A fresh empty directory for one test (removed when the process exits unless WSNAS_KEEP_TMP).
std::string scratch_dir(const std::string& name);

/// Output and exit status of a shell command.
struct RunResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};
/// Runs `command` through /bin/sh, capturing stdout and stderr.
RunResult run(const std::string& command);
/// Reads a whole file.
std::string read_file(const std::string& path);

}  // namespace wsnas::test
