#include "test_support.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "wsnas/core/error.h"

namespace wsnas::test {

std::string source_dir() { return WSNAS_TEST_SOURCE_DIR; }
std::string data_file(const std::string& relative) { return source_dir() + "/data/" + relative; }

namespace {
/// Only the folder WSNAS_REFERENCE_DATA names: a test never reads outside the repository on its
/// own (the developers point it at their reference folder; data/README.md).
std::string reference_dir() {
  const char* d = std::getenv("WSNAS_REFERENCE_DATA");
  return d ? d : "";
}
}  // namespace

std::string reference_file(const std::string& relative) {
  if (reference_dir().empty()) return "";
  const std::string path = reference_dir() + "/" + relative;
  return exists(path) ? path : "";
}

std::string missing_reference(const std::string& relative) {
  if (reference_dir().empty())
    return "reference data '" + relative + "': WSNAS_REFERENCE_DATA is not set (data/README.md)";
  return "reference data '" + reference_dir() + "/" + relative +
         "' is absent (set WSNAS_REFERENCE_DATA to a folder holding " + relative +
         "; data/README.md)";
}
std::string bin_dir() { return WSNAS_TEST_BIN_DIR; }

namespace {
struct ScratchRoot {
  std::string path;
  ScratchRoot() {
    char tmpl[] = "/tmp/wsnas-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~ScratchRoot() {
    if (!std::getenv("WSNAS_KEEP_TMP")) std::system(("rm -rf '" + path + "'").c_str());
  }
};
}  // namespace

std::string scratch_dir(const std::string& name) {
  static ScratchRoot root;
  std::string dir = root.path + "/" + name;
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  return dir;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<ReferenceCase> run_reference(const std::string& script, const std::string& cases_h5) {
  const auto probe = run("/usr/bin/python3 -c 'import torch, h5py'");
  if (probe.exit_code != 0) {
    ADD_FAILURE() << "python3-torch and python3-h5py are needed (scripts/install-deps.sh installs "
                     "them): "
                  << probe.err;
    return {};
  }
  const auto r =
      run("/usr/bin/python3 " + source_dir() + "/tests/reference/" + script + " " + cases_h5);
  if (r.exit_code != 0) {
    ADD_FAILURE() << script << " failed: " << r.err;
    return {};
  }
  std::cout << r.out;  // the figures, for the record
  std::vector<ReferenceCase> out;
  std::istringstream in(r.out);
  ReferenceCase c;
  std::string label;
  while (in >> c.name >> label >> c.diff >> label >> c.tensors) out.push_back(c);
  return out;
}

RunResult run(const std::string& command) {
  static int counter = 0;
  std::string base = scratch_dir("run" + std::to_string(++counter));
  std::string full = command + " >'" + base + "/out' 2>'" + base + "/err'";
  int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(base + "/out");
  r.err = read_file(base + "/err");
  return r;
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

void start_background(const std::string& command, const std::string& dir) {
  std::remove((dir + "/bg.rc").c_str());
  const std::string full = "(" + command + " >'" + dir + "/bg.out' 2>'" + dir +
                           "/bg.err'; echo $? >'" + dir + "/bg.rc') &";
  std::system(full.c_str());
}

bool wait_until(const std::function<bool()>& done, double timeout_s) {
  const auto t0 = std::chrono::steady_clock::now();
  while (!done()) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > timeout_s)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

int wait_background(const std::string& dir) {
  if (!wait_until([&] { return exists(dir + "/bg.rc"); }, 600)) return -1;
  return std::atoi(read_file(dir + "/bg.rc").c_str());
}

std::vector<int> find_processes(const std::string& binary, const std::string& needle) {
  std::vector<int> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::string cmd = read_file("/proc/" + std::string(e->d_name) + "/cmdline");
    for (char& c : cmd) {
      if (c == '\0') c = ' ';
    }
    if (cmd.rfind(binary + " ", 0) == 0 && cmd.find(needle) != std::string::npos)
      out.push_back(pid);
  }
  closedir(d);
  return out;
}

int signal_processes(const std::string& binary, const std::string& needle, int sig) {
  int n = 0;
  for (int pid : find_processes(binary, needle)) n += kill(pid, sig) == 0;
  return n;
}

std::string input_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

void expect_strict_json_architecture(const std::string& json,
                                     const std::function<void(const std::string&)>& parse) {
  ASSERT_NO_THROW(parse(json)) << json;
  // The first integer value: after a ':' and before the next ',' or '}'.
  std::size_t at = 0;
  while ((at = json.find(':', at)) != std::string::npos &&
         !std::isdigit(static_cast<unsigned char>(json[at + 1])))
    ++at;
  ASSERT_NE(at, std::string::npos) << "no integer value in " << json;
  const std::size_t end = json.find_first_of(",}", at);
  std::string wide = json;
  wide.replace(at + 1, end - at - 1, "4294967298");  // 2^32 + 2, which an int cast reads as 2
  std::string msg = input_error_of([&] { parse(wide); });
  EXPECT_NE(msg.find("is 4294967298, expected a 32-bit integer"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  // The first key and value repeated at the front of the object.
  const std::size_t comma = json.find(',');
  ASSERT_NE(comma, std::string::npos) << json;
  const std::string twice = "{" + json.substr(1, comma) + json.substr(1);
  msg = input_error_of([&] { parse(twice); });
  EXPECT_NE(msg.find("appears twice in one object"), std::string::npos) << twice << "\n" << msg;
}

}  // namespace wsnas::test
