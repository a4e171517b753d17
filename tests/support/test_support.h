#pragma once
/// Helpers shared by the tests: where things are, scratch directories, running an app.

#include <functional>
#include <string>
#include <vector>

/// Declares `var` as the path of a reference file (test::reference_file), or skips the test with
/// one line naming the missing file. Tests using it belong to a suite named *Reference, which CTest
/// runs as its own test and counts as skipped (wsnas_add_test ... REFERENCE).
#define WSNAS_REFERENCE_FILE(var, relative)                        \
  const std::string var = ::wsnas::test::reference_file(relative); \
  if (var.empty()) GTEST_SKIP() << ::wsnas::test::missing_reference(relative)

namespace wsnas::test {

/// DARTS (Liu et al., ICLR 2019), genotypes.py: DARTS_V2, "3.3M" parameters in its Table 1;
/// DARTS' train.py logs "param size = 3.349342MB" for it (utils.count_parameters_in_MB leaves the
/// auxiliary head out).
inline constexpr const char* kDartsV2 =
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
    "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

/// The repository root.
std::string source_dir();
/// A file of the repository's data/ folder (published tables with their licences: data/README.md).
std::string data_file(const std::string& relative);
/// A file of the reference data the repository may not redistribute (data/README.md, "Not
/// shipped"): under $WSNAS_REFERENCE_DATA; "" when that is unset or the file is absent. Use through
/// WSNAS_REFERENCE_FILE, which skips the test.
std::string reference_file(const std::string& relative);
/// The one line a test skipped for want of reference data prints.
std::string missing_reference(const std::string& relative);
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

/// One case of an independent reference script (tests/reference/*.py, run by Debian's Python
/// with torch and h5py): its line "<case> max_abs_diff <d> tensors <n>".
struct ReferenceCase {
  std::string name;
  double diff = 0;
  int tensors = 0;
};
/// Runs tests/reference/`script` on `cases_h5` and returns its cases, printing its output for the
/// record; a failure of the test (with the script's stderr) when Python, torch or h5py is missing
/// or the script fails.
std::vector<ReferenceCase> run_reference(const std::string& script, const std::string& cases_h5);
/// True if the path exists.
bool exists(const std::string& path);

// ---- background jobs, for interrupting runs ----
/// Starts `command` through /bin/sh in the background; stdout, stderr and, when it ends, its exit
/// status land in dir/bg.out, dir/bg.err and dir/bg.rc.
void start_background(const std::string& command, const std::string& dir);
/// Polls `done` every 50 ms for up to `timeout_s` seconds.
bool wait_until(const std::function<bool()>& done, double timeout_s);
/// The message of the wsnas::InputError `f` throws; "" when it throws none.
std::string input_error_of(const std::function<void()>& f);
/// Issue 23's strict JSON: `json`, a space's compact JSON architecture (as its to_json writes it),
/// once with its first integer value widened past 32 bits and once with its first key repeated;
/// `parse` must refuse both with one line (not narrow 4294967298 to 2, not keep the last key).
void expect_strict_json_architecture(const std::string& json,
                                     const std::function<void(const std::string&)>& parse);
/// Waits (up to 10 minutes) for a background job and returns its exit status (-1 on timeout).
int wait_background(const std::string& dir);
/// Sends `sig` to every process whose command line starts with `binary` and contains `needle`
/// (the app processes, not the mpiexec launching them); returns how many were signalled.
int signal_processes(const std::string& binary, const std::string& needle, int sig);
/// Process ids of those processes, in /proc order.
std::vector<int> find_processes(const std::string& binary, const std::string& needle);

}  // namespace wsnas::test
