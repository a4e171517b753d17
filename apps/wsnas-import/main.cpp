// wsnas-import: a published benchmark's own data file as a wsnas ground-truth table (HDF5,
// results format), so wsnas-analyze can score supernets against it without the internet.
#include <iostream>

#include "wsnas/app/app.h"
#include "wsnas/benchmark/nb101.h"
#include "wsnas/core/error.h"

namespace {

using namespace wsnas;
namespace po = options::po;

int body(app::Context& ctx) {
  std::string benchmark, input, out;
  benchmark::Nb101ImportOptions o;
  options::Parser parser(
      ctx.name,
      ctx.name +
          " BENCHMARK FILE --out TABLE.h5 [options]\n"
          "Benchmarks:\n"
          "  nb101   NAS-Bench-101's nasbench_only108.tfrecord (or nasbench_full.tfrecord):\n"
          "          one row per graph hash of the sub-space (--all: of the file)\n");
  po::options_description g("Import");
  g.add_options()("benchmark", po::value(&benchmark), "nb101 (or first positional)")(
      "input", po::value(&input), "the benchmark's file (or second positional)")(
      "out", po::value(&out), "ground-truth table to write (HDF5)")(
      "all", po::bool_switch(&o.all),
      "every cell of the file, not only the NAS-Bench-101 sub-space's classes")(
      "epochs", po::value(&o.epochs)->default_value(108)->notifier(options::at_least("epochs", 1)),
      "the epoch budget to keep (nasbench_full has 4, 12, 36, 108)")(
      "progress-seconds", po::value(&o.progress_seconds)->default_value(10),
      "seconds between progress lines");
  parser.add(g);
  parser.positional("benchmark", 1);
  parser.positional("input", 1);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  WSNAS_CHECK_USAGE(!benchmark.empty(), "missing BENCHMARK (nb101; see --help)");
  WSNAS_CHECK_USAGE(benchmark == "nb101", "unknown benchmark '", benchmark, "' (expected nb101)");
  WSNAS_CHECK_USAGE(!input.empty(), "missing FILE (the benchmark's data file)");
  WSNAS_CHECK_USAGE(!out.empty(), "--out TABLE.h5 is required");
  app::require_serial(ctx);
  ctx.provenance.set("import.benchmark", benchmark);
  ctx.provenance.set("import.source", input);
  const auto sum = benchmark::import_nb101(
      input, out, o, ctx.provenance,
      [&](const std::string& s) { std::cout << ctx.name << ": " << s << std::endl; });
  std::cout << ctx.name << ": " << sum.records << " records read, " << sum.kept_records << " of "
            << o.epochs << " epochs kept; wrote " << sum.rows << " rows to " << out;
  if (sum.incomplete > 0) std::cout << " (" << sum.incomplete << " rows without 3 repeats)";
  std::cout << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-import", body); }
