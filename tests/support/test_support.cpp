#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wsnas::test {

std::string source_dir() { return WSNAS_TEST_SOURCE_DIR; }
std::string shared_data(const std::string& relative) { return source_dir() + "/../shared/data/" + relative; }
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

}  // namespace wsnas::test
