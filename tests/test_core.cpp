// Core: errors, strings, portable random numbers (and CPython's Mersenne Twister), progress.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "test_support.h"
#include "wsnas/core/allocator.h"
#include "wsnas/core/error.h"
#include "wsnas/core/progress.h"
#include "wsnas/core/provenance.h"
#include "wsnas/core/random.h"
#include "wsnas/core/share.h"
#include "wsnas/core/strings.h"
#include "wsnas/core/text_reader.h"

using namespace wsnas;

TEST(PyRandom, MatchesCPythonStream) {
  // Values printed by CPython 3.11: random.Random(88).getrandbits(32) three times.
  PyRandom r(88);
  EXPECT_EQ(r.getrandbits(32), 1707201716u);
  EXPECT_EQ(r.getrandbits(32), 4182107318u);
  EXPECT_EQ(r.getrandbits(32), 813946014u);
}

TEST(PyRandom, RandomAndLargeSeedMatchCPython) {
  // CPython 3.11: random.Random(88).random() == 0.3974888769814575
  PyRandom r(88);
  EXPECT_DOUBLE_EQ(r.random(), 0.3974888769814575);
  // A seed above 2^32 is split into 32-bit words: random.Random(2**40 + 7).getrandbits(32) x2.
  PyRandom big((1ULL << 40) + 7);
  EXPECT_EQ(big.getrandbits(32), 2635837658u);
  EXPECT_EQ(big.getrandbits(32), 3209733218u);
}

TEST(PyRandom, ShuffleMatchesCPython) {
  // CPython 3.11: l = list(range(10)); random.seed(88); random.shuffle(l)
  std::vector<int> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  PyRandom r(88);
  r.shuffle(v);
  EXPECT_EQ(v, (std::vector<int>{8, 2, 9, 4, 0, 7, 1, 5, 3, 6}));
}

TEST(Rng, DeterministicAndSeedSensitive) {
  Rng a(42), b(42), c(43);
  std::vector<std::uint64_t> va, vb, vc;
  for (int i = 0; i < 5; ++i) {
    va.push_back(a.next());
    vb.push_back(b.next());
    vc.push_back(c.next());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
}

TEST(Rng, BelowIsInRangeAndCoversAllValues) {
  Rng r(7);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 7000; ++i) {
    auto v = r.below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) {
    EXPECT_GT(c, 850);  // 1000 expected each; 850 is > 4.5 sigma below
    EXPECT_LT(c, 1150);
  }
}

TEST(Rng, StateRoundTrip) {
  Rng a(5);
  a.next();
  Rng b(0);
  b.set_state(a.state());
  EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(Rng::derive(1, 0), Rng::derive(1, 1));
  EXPECT_NE(Rng::derive(1, 0), Rng::derive(2, 0));
}

TEST(Strings, SplitTrimParse) {
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(trim("  x y \t\n"), "x y");
  std::int64_t i = 0;
  EXPECT_TRUE(parse_int("-12", i));
  EXPECT_EQ(i, -12);
  EXPECT_FALSE(parse_int("12x", i));
  EXPECT_FALSE(parse_int("", i));
  double d = 0;
  EXPECT_TRUE(parse_double("1.5e2", d));
  EXPECT_DOUBLE_EQ(d, 150.0);
  EXPECT_FALSE(parse_double("1.5.2", d));
  EXPECT_EQ(join({"a", "b", "c"}, "+"), "a+b+c");
  std::string name = "-", value = "-";
  EXPECT_TRUE(split_assignment("cifar10=/x=y", name, value));  // at the first '='
  EXPECT_EQ(name + "|" + value, "cifar10|/x=y");
  for (const char* bad : {"cifar10", "=/x", "cifar10=", ""}) {
    EXPECT_FALSE(split_assignment(bad, name, value)) << bad;
    EXPECT_EQ(name + "|" + value, "cifar10|/x=y") << bad;
  }
}

TEST(Strings, DecimalOf128BitCounts) {
  // 2^64 = 18446744073709551616 and 2^127 - 1 (Python: str(2**64), str(2**127 - 1)).
  EXPECT_EQ(to_decimal(0), "0");
  EXPECT_EQ(to_decimal(static_cast<unsigned __int128>(1) << 64), "18446744073709551616");
  EXPECT_EQ(to_decimal((static_cast<unsigned __int128>(1) << 127) - 1),
            "170141183460469231731687303715884105727");
}

TEST(Strings, ErrorLinesStayOneReadableLine) {
  // Quoted parts longer than the limit are cut and say how long they were; control bytes are
  // escaped (a NUL, a tab, a newline would otherwise break or hide part of the line).
  const std::string long_cell(500, 'x');
  EXPECT_EQ(one_line_message("file 'f' holds '" + long_cell + "', expected a number", 10),
            "file 'f' holds 'xxxxxxxxxx... (500 characters in all)', expected a number");
  EXPECT_EQ(one_line_message(std::string("bad 'a\0b\tc'\nnext", 16)), "bad 'a\\0b\\tc'\\nnext");
  EXPECT_EQ(printable(std::string("\x01\x7f", 2)), "\\x01\\x7f");
  EXPECT_EQ(one_line_message("no quotes at all"), "no quotes at all");
  EXPECT_EQ(one_line_message("an 'unclosed quote"), "an 'unclosed quote");
  EXPECT_NO_THROW(check_text_line("plain text", "file 'f' line 1"));
  try {
    check_text_line(std::string("ab\0c", 4), "file 'f' line 7");
    ADD_FAILURE() << "a NUL byte passed";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "file 'f' line 7: a NUL byte at column 3 (expected text, not a binary file)");
  }
}

TEST(Errors, CheckMacrosThrowTheRightTypes) {
  EXPECT_THROW(WSNAS_CHECK(false, "x"), Error);
  EXPECT_THROW(WSNAS_CHECK_INPUT(false, "x"), InputError);
  EXPECT_THROW(WSNAS_CHECK_USAGE(false, "x"), UsageError);
  try {
    WSNAS_CHECK_INPUT(1 == 2, "file '", "a.bin", "': expected ", 3, " found ", 4);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "file 'a.bin': expected 3 found 4");
  }
}

TEST(Progress, PrintsStepRateAndEtaOnlyWhenEnabled) {
  std::ostringstream out;
  Progress p("train", 10, true, 0.0, "img");
  p.set_stream(&out);
  p.update(5, "loss=1.0");
  p.update(10);
  const std::string s = out.str();
  EXPECT_NE(s.find("train: 5/10 (50.0%)"), std::string::npos) << s;
  EXPECT_NE(s.find("img/s, ETA "), std::string::npos) << s;
  EXPECT_NE(s.find("loss=1.0"), std::string::npos) << s;
  EXPECT_NE(s.find("train: 10/10 (100.0%)"), std::string::npos) << s;

  std::ostringstream quiet;
  Progress q("train", 10, false, 0.0);
  q.set_stream(&quiet);
  q.update(5);
  q.finish();
  EXPECT_TRUE(quiet.str().empty());
  EXPECT_EQ(Progress::format_duration(3723), "1:02:03");
}

TEST(Provenance, RecordsCommandLineAndRevision) {
  const char* argv[] = {"wsnas-x", "--arch", "|a b|"};
  auto p = Provenance::collect(3, argv);
  EXPECT_EQ(p.entries.at("command_line"), "wsnas-x --arch '|a b|'");
  // Built from a git checkout (as CI and every clone is): the full commit hash, not the fallback
  // "unknown".
  const std::string rev = p.entries.at("git_revision");
  if (test::run("git -C '" + test::source_dir() + "' rev-parse HEAD").exit_code == 0) {
    EXPECT_TRUE(std::regex_match(rev, std::regex("[0-9a-f]{40}(-dirty)?"))) << rev;
  } else {
    EXPECT_EQ(rev, "unknown");
  }
  EXPECT_EQ(p.entries.at("created_utc").size(), 20u);
}

TEST(Strings, CsvQuotingRoundTrips) {
  // RFC 4180 quoting: a field with the separator or a quote is quoted, quotes doubled.
  const std::vector<std::string> fields = {"plain", "a,b", "say \"hi\"", "",
                                           "Genotype(x=[('a', 1)])"};
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_field(fields[i]);
  EXPECT_EQ(line, "plain,\"a,b\",\"say \"\"hi\"\"\",,\"Genotype(x=[('a', 1)])\"");
  bool ok = false;
  EXPECT_EQ(split_csv(line, ',', &ok), fields);
  EXPECT_TRUE(ok);
  split_csv("a,\"open", ',', &ok);
  EXPECT_FALSE(ok);
  EXPECT_EQ(split_csv("x\t\"y\tz\"", '\t'), (std::vector<std::string>{"x", "y\tz"}));
  // A quote inside an unquoted field is kept as it is.
  EXPECT_EQ(split_csv("5\",6", ','), (std::vector<std::string>{"5\"", "6"}));
}

namespace {
std::vector<std::string> read_lines(const std::string& path) {
  TextReader in(path);
  EXPECT_TRUE(in.ok()) << path;
  std::vector<std::string> lines;
  for (std::string line; in.getline(line);) lines.push_back(line);
  return lines;
}
}  // namespace

TEST(TextReader, ReadsGzipAndPlainFilesAlike) {
  // Lines as std::getline gives them: '\r' kept, a last line without '\n', a NUL byte kept (the
  // table readers name it), a line longer than the reader's 64 KiB chunks.
  const std::string dir = test::scratch_dir("text_reader");
  const std::string long_line(200000, 'x');
  std::string text = "a,b\r\n\n1,2\n";
  text += long_line + "\n";
  text += std::string("nul") + '\0' + "byte\nlast";
  { std::ofstream(dir + "/t.csv", std::ios::binary) << text; }
  ASSERT_EQ(test::run("gzip -k -9 '" + dir + "/t.csv'").exit_code, 0);
  const std::vector<std::string> want = {
      "a,b\r", "", "1,2", long_line, std::string("nul") + '\0' + "byte", "last"};
  EXPECT_EQ(read_lines(dir + "/t.csv"), want);
  EXPECT_EQ(read_lines(dir + "/t.csv.gz"), want);
  EXPECT_FALSE(TextReader(dir + "/absent.csv").ok());
  // A truncated gzip file is an error naming it, not a short table.
  {
    const std::string gz = test::read_file(dir + "/t.csv.gz");
    ASSERT_GT(gz.size(), 100u);
    std::ofstream(dir + "/cut.csv.gz", std::ios::binary) << gz.substr(0, 100);
  }
  try {
    read_lines(dir + "/cut.csv.gz");
    FAIL() << "a truncated gzip file was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.csv.gz"), std::string::npos) << e.what();
  }
}

TEST(Share, ShippedFilesAreFoundFromAnyFolder) {
  // A program of the build tree finds the source tree's configs, data and plot.py; a relative path
  // that exists where it is given wins; one that exists nowhere comes back unchanged.
  EXPECT_TRUE(test::exists(share_path("analysis/plot.py"))) << share_dir();
  EXPECT_TRUE(test::exists(share_path("data/README.md"))) << share_dir();
  EXPECT_EQ(find_shipped_file("/abs/olute.ini"), "/abs/olute.ini");
  EXPECT_EQ(find_shipped_file("configs/no-such-preset.ini"), "configs/no-such-preset.ini");
  const std::string dir = test::scratch_dir("share");
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(chdir(dir.c_str()), 0);
  EXPECT_EQ(find_shipped_file("configs/nb201.ini"), share_path("configs/nb201.ini"));
  std::system(("mkdir -p '" + dir + "/configs' && touch '" + dir + "/configs/nb201.ini'").c_str());
  EXPECT_EQ(find_shipped_file("configs/nb201.ini"), "configs/nb201.ini");  // the user's own
  setenv("WSNAS_SHARE_DIR", dir.c_str(), 1);
  EXPECT_EQ(share_dir(), dir);
  unsetenv("WSNAS_SHARE_DIR");
  ASSERT_EQ(chdir(cwd), 0);
}

namespace {
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}
}  // namespace

// With the apps' allocator settings, 80 MiB of 4 MiB blocks freed together (a step's activations),
// and blocks above glibc's mmap threshold, are taken again from the process's heap: filling them
// anew faults in no new pages. With glibc's
// defaults the freed top of the heap is returned to the system, and every round faults its
// 20,480 pages in again (81,824 faults for 4 rounds in a standalone check on this machine).
TEST(Allocator, FreedStepMemoryIsReusedWithoutNewPageFaults) {
  if (std::getenv("WSNAS_MALLOC") != nullptr || std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
      std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr)
    GTEST_SKIP() << "the environment chooses the allocator's settings";
  if (std::getenv("MALLOC_MMAP_MAX_") != nullptr)
    GTEST_SKIP() << "the environment chooses the allocator's settings";
  EXPECT_EQ(tune_allocator(), "mmap_threshold=33554432,trim_threshold=2147483647,mmap_max=0");
  for (const std::size_t n : {std::size_t{4} << 20, std::size_t{66} << 20}) {
    // 66 MiB: above glibc's largest mmap threshold (32 MiB), as a DARTS cell's output at batch
    // 112 (112 x 144 x 32 x 32 floats); mapped and unmapped at every use without mmap_max=0.
    const int count = n > (32u << 20) ? 2 : 20;
    volatile char sink = 0;
    auto round = [&] {
      std::vector<char*> blocks;
      for (int i = 0; i < count; ++i) {
        auto* p = static_cast<char*>(std::malloc(n));
        ASSERT_NE(p, nullptr);
        std::memset(p, 1, n);
        sink = sink + p[n - 1];
        blocks.push_back(p);
      }
      for (char* p : blocks) std::free(p);
    };
    round();  // the heap grows once
    const long before = minor_faults();
    for (int i = 0; i < 4; ++i) round();
    EXPECT_LT(minor_faults() - before, 2000)
        << "4 rounds of " << count << " blocks of " << (n >> 20) << " MiB";
  }
}

TEST(Allocator, AllocationFailuresBecomeOneLine) {
  // Issue 23: LibTorch's failure arrived as 7.3 KB of c10 text with 43 stack frames. The texts
  // below are LibTorch's own (c10/core/impl/alloc_cpu.cpp, "DefaultCPUAllocator: can't allocate
  // memory: you tried to allocate %d bytes"; c10/cuda/CUDACachingAllocator.cpp, "CUDA out of
  // memory. Tried to allocate %s").
  set_activity("supernet", 8);
  set_activity_step(2);
  EXPECT_EQ(activity(), "supernet, step 3 of 8");
  std::string m = out_of_memory_message(
      "[enforce fail at alloc_cpu.cpp:75] err == 0. DefaultCPUAllocator: can't allocate memory: "
      "you tried to allocate 3211264 bytes. Error code 12 (Cannot allocate memory)");
  EXPECT_EQ(m.rfind("out of memory while supernet, step 3 of 8: 3 MiB requested; ", 0), 0u) << m;
  EXPECT_NE(m.find(memory_limits_text()), std::string::npos) << m;
  m = out_of_memory_message("std::bad_alloc");
  EXPECT_EQ(m.rfind("out of memory while supernet, step 3 of 8: an allocation failed; ", 0), 0u)
      << m;
  m = out_of_memory_message(
      "CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 139.8 GiB");
  EXPECT_EQ(m,
            "out of GPU memory while supernet, step 3 of 8: 20.00 MiB requested; lower "
            "--batch-size, or use a GPU with more memory");
  EXPECT_EQ(out_of_memory_message("file 'x': cannot open"), "");
  set_activity("starting", 0);
}

namespace {
/// Runs `child` in a forked process with its stderr captured; returns (wait status, stderr).
std::pair<int, std::string> in_child(const std::function<void()>& child) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    child();
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {status, out};
}

long long mapped_now() {
  std::ifstream statm("/proc/self/statm");
  long long pages = 0;
  statm >> pages;
  return pages * sysconf(_SC_PAGESIZE);
}
}  // namespace

TEST(Allocator, ACrashNearTheAddressSpaceLimitIsOneLineAndExitOne) {
  // oneDNN dereferences a failed allocation under ulimit -v (issue 23: rc 139 and a 35-line
  // backtrace). Near the limit a SIGSEGV is that; far from it, it stays a crash.
  auto [status, err] = in_child([] {
    const auto limit = static_cast<rlim_t>(mapped_now() / 8 * 9);
    rlimit as{limit, limit};
    setrlimit(RLIMIT_AS, &as);
    install_out_of_memory_handler("wsnas-test");
    set_activity("evaluation", 20);
    set_activity_step(4);
    raise(SIGSEGV);
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_EQ(err.rfind("wsnas-test: error: out of memory while evaluation, step 5 of 20: a library "
                      "crashed on a failed allocation near the address-space limit of ",
                      0),
            0u)
      << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  std::tie(status, err) = in_child([] {
    const auto limit = static_cast<rlim_t>(mapped_now() * 8);
    rlimit as{limit, limit};
    setrlimit(RLIMIT_AS, &as);
    install_out_of_memory_handler("wsnas-test");
    raise(SIGSEGV);  // handled: the default action is back
    raise(SIGSEGV);
  });
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) << status;
  EXPECT_EQ(err, "");
}
