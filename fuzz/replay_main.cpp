// A main for the fuzz targets when libFuzzer is not used (gcc builds, CTest label `fuzz`):
// replays every input file (or every file of a directory) given, then, with -max_total_time=S,
// mutates those inputs (byte flips, insertions, deletions, copies, boundary values) for S seconds
// with a fixed seed (-seed=N). A crash writes the input to ./fuzz-crash-input for replay:
// `fuzz_TARGET fuzz-crash-input` (the same command line works with a libFuzzer build).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::vector<std::uint8_t>* g_current = nullptr;

void on_crash(int sig) {
  if (g_current) {
    const int fd = ::open("fuzz-crash-input", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      const ssize_t ignored = ::write(fd, g_current->data(), g_current->size());
      (void)ignored;
      ::close(fd);
    }
    const char msg[] = "fuzz replay: crashed; the input is in ./fuzz-crash-input\n";
    const ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void add_inputs(const std::string& path, std::vector<std::vector<std::uint8_t>>& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "fuzz replay: '%s': no such file or directory\n", path.c_str());
    std::exit(2);
  }
  if (S_ISDIR(st.st_mode)) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') names.push_back(path + "/" + e->d_name);
      ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names) add_inputs(n, out);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::uint8_t> mutate(std::vector<std::uint8_t> v, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) {
    return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n);
  };
  static const std::uint8_t interesting[] = {0,   1,   0x7f, 0x80, 0xff, '\n', ',',
                                             '|', '~', '=',  '[',  '#',  '-',  '9'};
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!v.empty()) v[pick(v.size())] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1:  // insert a byte
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(pick(v.size() + 1)),
                 static_cast<std::uint8_t>(rng()));
        break;
      case 2: {  // delete a range
        if (v.empty()) break;
        const std::size_t at = pick(v.size()),
                          n = 1 + pick(std::min<std::size_t>(v.size() - at, 64));
        v.erase(v.begin() + static_cast<std::ptrdiff_t>(at),
                v.begin() + static_cast<std::ptrdiff_t>(at + n));
        break;
      }
      case 3: {  // copy a range elsewhere
        if (v.empty() || v.size() > (1u << 20)) break;
        const std::size_t at = pick(v.size()),
                          n = 1 + pick(std::min<std::size_t>(v.size() - at, 64));
        const std::vector<std::uint8_t> part(v.begin() + static_cast<std::ptrdiff_t>(at),
                                             v.begin() + static_cast<std::ptrdiff_t>(at + n));
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(pick(v.size() + 1)), part.begin(),
                 part.end());
        break;
      }
      case 4:  // a boundary or syntax byte
        if (!v.empty()) v[pick(v.size())] = interesting[rng() % sizeof interesting];
        break;
      default:  // truncate
        if (!v.empty()) v.resize(pick(v.size()));
        break;
    }
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  std::uint64_t seed = 1;
  std::vector<std::vector<std::uint8_t>> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("-max_total_time=", 0) == 0) {
      seconds = std::atof(a.c_str() + 16);
    } else if (a.rfind("-seed=", 0) == 0) {
      seed = std::strtoull(a.c_str() + 6, nullptr, 10);
    } else if (!a.empty() && a[0] == '-') {
      continue;  // other libFuzzer flags mean nothing here
    } else {
      add_inputs(a, inputs);
    }
  }
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, on_crash);
  for (const auto& in : inputs) {
    g_current = &in;
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::size_t runs = 0;
  if (seconds > 0 && !inputs.empty()) {
    std::mt19937_64 rng(seed);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      const auto in = mutate(inputs[rng() % inputs.size()], rng);
      g_current = &in;
      LLVMFuzzerTestOneInput(in.data(), in.size());
      ++runs;
    }
  }
  g_current = nullptr;
  std::printf(
      "fuzz replay: %zu inputs replayed, %zu mutated inputs in %.0f s (seed %llu), no finding\n",
      inputs.size(), runs, seconds, static_cast<unsigned long long>(seed));
  return 0;
}
