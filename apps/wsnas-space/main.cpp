// wsnas-space: enumerate, sample, convert and describe architectures of a search space.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <numeric>
#include <set>
#include <sstream>

#include "wsnas/analysis/table.h"
#include "wsnas/app/app.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/search_space.h"

namespace {

using namespace wsnas;
namespace po = options::po;

struct Args {
  std::string command, space, format, from, archs, pool, best_by, arch_column;
  bool lowest = false, lowest_deprecated = false;
  double max_flops = 0, max_params = 0;
  std::vector<std::string> arch, index;
  std::int64_t n = 0;
  std::uint64_t seed = 0;
  bool valid_only = false, with_replacement = false, at_most = false;
  space::CostOptions cost;
};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// One row per architecture; the columns that apply to the space.
void print_rows(const space::SearchSpace& sp, const std::vector<space::Arch>& archs, const Args& a,
                bool with_canonical) {
  const bool csv = a.format == "csv";
  const bool indexed = sp.size().has_value() && sp.at(0).has_value();
  const bool costed = !archs.empty() && sp.cost(archs.front(), a.cost).has_value();
  if (csv) {
    std::vector<std::string> head;
    if (indexed) head.push_back("index");
    head.push_back("arch");
    head.push_back("valid");
    if (with_canonical) head.push_back("canonical");
    if (costed) {
      head.push_back("params_m");
      head.push_back("flops_m");
    }
    std::cout << join(head, ",") << '\n';
  }
  for (const auto& arch : archs) {
    std::vector<std::string> row;
    if (indexed) {  // an architecture outside the official list (not valid) has no index
      const auto idx = sp.index_of(arch);
      row.push_back(idx ? std::to_string(*idx) : "-");
    }
    row.push_back(csv ? csv_field(sp.to_string(arch)) : sp.to_string(arch));
    row.push_back(sp.is_valid(arch) ? "1" : "0");
    if (with_canonical) row.push_back(csv ? csv_field(sp.canonical(arch)) : sp.canonical(arch));
    if (costed) {
      auto c = *sp.cost(arch, a.cost);
      row.push_back(fmt(c.params_m()));
      row.push_back(fmt(c.flops_m()));
    }
    if (csv) {
      std::cout << join(row, ",") << '\n';
    } else if (!with_canonical) {
      std::cout << sp.to_string(arch) << '\n';  // plain list, readable back by --archs
    } else {
      std::size_t k = 0;
      if (indexed) std::cout << "index:     " << row[k++] << '\n';
      std::cout << "arch:      " << row[k++] << '\n';
      std::cout << "valid:     " << (row[k++] == "1" ? "yes" : "no") << '\n';
      std::cout << "canonical: " << row[k++] << '\n';
      if (costed) {
        std::cout << "params_m:  " << row[k++] << '\n';
        std::cout << "flops_m:   " << row[k++] << '\n';
      }
      for (const auto& [name, choice] : sp.describe(arch))
        std::cout << "  " << name << ": " << choice << '\n';
    }
  }
}

std::vector<space::Arch> given_archs(const space::SearchSpace& sp, const Args& a) {
  std::vector<space::Arch> out;
  for (const auto& s : a.arch) out.push_back(sp.parse(s));
  for (const auto& s : a.index) {
    std::int64_t i = 0;
    WSNAS_CHECK_USAGE(parse_int(s, i), "--index '", s, "': expected an integer");
    auto arch = sp.at(i);
    WSNAS_CHECK_USAGE(arch.has_value(), "--index: space ", sp.name(), " has no index order");
    out.push_back(*arch);
  }
  if (!a.from.empty()) {
    auto more = space::read_arch_list(sp, a.from);
    out.insert(out.end(), more.begin(), more.end());
  }
  WSNAS_CHECK_USAGE(!out.empty(), a.command,
                    ": give architectures with --arch STR, --index I or --archs FILE");
  return out;
}

int body(app::Context& ctx) {
  Args a;
  options::Parser parser(
      ctx.name, ctx.name +
                    " COMMAND [options]\n"
                    "Commands:\n"
                    "  count    number of architectures and of valid ones\n"
                    "  sample   draw -n K architectures (distinct unless --with-replacement)\n"
                    "  convert  index <-> string for --arch/--index/--archs\n"
                    "  info     everything about --arch/--index/--archs architectures\n");
  po::options_description g("Search space");
  g.add_options()("command", po::value(&a.command),
                  "count | sample | convert | info (or first positional)")(
      "space", po::value(&a.space)->default_value(space::default_space_name()),
      ("search space: " + join(space::space_names(), " | ")).c_str())(
      "arch", po::value(&a.arch)->composing(), "an architecture string (repeatable)")(
      "index", po::value(&a.index)->composing(), "an official index (repeatable)")(
      "archs", po::value(&a.archs),
      "convert, info: a file of architectures (strings or indices, one per line, or a CSV with "
      "an arch/index column)")("pool", po::value(&a.pool),
                               "sample: the file of architectures to draw from (as --archs)")(
      "from", po::value(&a.from), "deprecated: --archs, or --pool for sample")(
      ",n", po::value(&a.n)->default_value(10), "sample: how many")(
      "seed", po::value(&a.seed)->default_value(0), "sample: random seed")(
      "best-by", po::value(&a.best_by),
      "sample: instead of a random draw, the -n architectures of --pool (a CSV or wsnas HDF5 "
      "table) with the highest value in this column, ties in table order (the paper's pruned "
      "spaces, Fig. 5)")("lower-is-better", po::bool_switch(&a.lowest),
                         "sample --best-by: the lowest values are the best (perplexity)")(
      "lowest", po::bool_switch(&a.lowest_deprecated), "deprecated: --lower-is-better")(
      "max-flops",
      po::value(&a.max_flops)->default_value(0)->notifier(options::in_range("max-flops", 0, 1e12)),
      "sample: only architectures of at most this many million multiply-adds for the network "
      "shape of --classes, --in-channels, --input-size, --channels, --cells (0: no limit; the "
      "paper's ProxylessNAS evaluation: 600 at 224x224)")(
      "max-params",
      po::value(&a.max_params)
          ->default_value(0)
          ->notifier(options::in_range("max-params", 0, 1e12)),
      "sample: only architectures of at most this many million parameters (0: no limit)")(
      "arch-column", po::value(&a.arch_column)->default_value(""),
      "sample --best-by: the architecture column of --pool (default: arch, then index)")(
      "valid-only", po::bool_switch(&a.valid_only), "sample: only valid architectures")(
      "with-replacement", po::bool_switch(&a.with_replacement), "sample: allow repeats")(
      "at-most", po::bool_switch(&a.at_most),
      "sample: -n is an upper bound: all the candidates when there are fewer (a pool, or an "
      "enumerable space), instead of an error")(
      "format",
      po::value(&a.format)->default_value("text")->notifier(
          options::one_of("format", {"text", "csv"})),
      "text | csv")(
      "classes",
      po::value(&a.cost.classes)->default_value(0)->notifier(options::at_least("classes", 0)),
      "classes of the network head (params/FLOPs; 0: the space's dataset, nb201 100, nb101 10)")(
      "in-channels",
      po::value(&a.cost.in_channels)
          ->default_value(3)
          ->notifier(options::at_least("in-channels", 1)),
      "input channels (params/FLOPs)")(
      "input-size",
      po::value(&a.cost.input_size)->default_value(0)->notifier(options::at_least("input-size", 0)),
      "input height = width (FLOPs; 0: the space's dataset, 32; proxyless 224)")(
      "channels", po::value(&a.cost.channels)->default_value(0),
      "first-stage width C (0: space default)")("cells", po::value(&a.cost.cells)->default_value(0),
                                                "cells per stage N (0: space default)")(
      "width-mult",
      po::value(&a.cost.width_mult)
          ->default_value(0)
          ->notifier(options::in_range("width-mult", 0, 100)),
      "width multiplier (spaces that have one; 0: the space's, proxyless 1.35)");
  parser.add(g);
  parser.positional("command", 1);
  po::variables_map vm;
  if (!app::parse_options(ctx, parser, vm)) return 0;
  WSNAS_CHECK_USAGE(!a.command.empty(),
                    "missing COMMAND (count, sample, convert or info; see --help)");
  // One name per concept across the apps (docs/options.md): the old spellings still work, with
  // a note.
  const bool first = ctx.world.rank() == 0;
  WSNAS_CHECK_USAGE(a.archs.empty() + a.pool.empty() + a.from.empty() >= 2,
                    "give one of --archs, --pool (and the deprecated --from)");
  if (!a.from.empty() && first)
    std::cerr << ctx.name << ": note: --from is deprecated; use --archs (convert, info) or --pool "
              << "(sample)\n";
  if (a.from.empty()) a.from = a.archs.empty() ? a.pool : a.archs;
  if (a.lowest_deprecated) {
    if (first) std::cerr << ctx.name << ": note: --lowest is deprecated; use --lower-is-better\n";
    a.lowest = true;
  }
  auto sp = space::make_space(a.space);
  if (ctx.world.rank() != 0) return 0;  // a serial tool: under mpirun only rank 0 prints

  if (a.command == "count") {
    auto total = sp->size();
    if (const auto valid = sp->valid_count(); valid && !(total && *total <= 100000000ULL)) {
      // Too large to enumerate, counted by the space (DARTS: beyond 64 bits); the total is the
      // product of the decisions' options, in 128 bits.
      unsigned __int128 product = 1;
      for (const auto& d : sp->decisions()) product *= d.options.size();
      const std::string all = to_decimal(product);
      if (a.format == "csv") {
        std::cout << "space,total,valid\n" << sp->name() << ',' << all << ',' << *valid << '\n';
      } else {
        std::cout << "space: " << sp->name() << "\ntotal: " << all << "\nvalid: " << *valid << '\n';
      }
      return 0;
    }
    WSNAS_CHECK_USAGE(total && *total <= 100000000ULL, "count: space ", sp->name(),
                      " is too large to enumerate");
    std::uint64_t valid = 0;
    std::set<std::string> classes;  // isomorphism classes by the space's canonical string
    WSNAS_CHECK_USAGE(sp->at(0).has_value(), "count: space ", sp->name(),
                      " does not list its architectures by index (SearchSpace::at)");
    for (std::uint64_t i = 0; i < *total; ++i) {
      const auto arch = *sp->at(static_cast<std::int64_t>(i));
      valid += sp->is_valid(arch) ? 1 : 0;
      classes.insert(sp->canonical(arch));
    }
    const auto extra = sp->extra_counts();
    if (a.format == "csv") {
      std::cout << "space,total,valid,classes";
      for (const auto& [name, n] : extra) {
        std::string column = name;
        std::replace(column.begin(), column.end(), ' ', '_');
        std::cout << ',' << column;
      }
      std::cout << '\n' << sp->name() << ',' << *total << ',' << valid << ',' << classes.size();
      for (const auto& [name, n] : extra) std::cout << ',' << n;
      std::cout << '\n';
    } else {
      std::cout << "space: " << sp->name() << "\ntotal: " << *total << "\nvalid: " << valid
                << "\nclasses: " << classes.size() << " (distinct canonical strings)\n";
      for (const auto& [name, n] : extra) std::cout << name << ": " << n << '\n';
    }
  } else if (a.command == "sample") {
    WSNAS_CHECK_USAGE(a.n >= 0, "-n ", a.n, ": expected a non-negative count");
    if (!a.best_by.empty()) {
      WSNAS_CHECK_USAGE(!a.from.empty(), "--best-by needs --pool TABLE (the table to rank)");
      auto v = analysis::read_arch_values(*sp, a.from, a.best_by, a.arch_column);
      std::vector<std::size_t> order;
      for (std::size_t i = 0; i < v.archs.size(); ++i)
        if (!a.valid_only || sp->is_valid(v.archs[i])) order.push_back(i);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return a.lowest ? v.values[x] < v.values[y] : v.values[x] > v.values[y];
      });
      WSNAS_CHECK_INPUT(static_cast<std::size_t>(a.n) <= order.size(), "--pool '", a.from, "': -n ",
                        a.n, " but the table has ", order.size(), a.valid_only ? " valid" : "",
                        " architectures");
      std::vector<space::Arch> best;
      for (std::int64_t i = 0; i < a.n; ++i)
        best.push_back(v.archs[order[static_cast<std::size_t>(i)]]);
      print_rows(*sp, best, a, false);
      return 0;
    }
    Rng rng(a.seed);
    std::vector<space::Arch> pool;
    if (!a.from.empty()) pool = space::read_arch_list(*sp, a.from);
    std::function<bool(const space::Arch&)> within;
    if (a.max_flops > 0 || a.max_params > 0) {
      WSNAS_CHECK_USAGE(sp->cost(sp->sample(rng, true), a.cost).has_value(),
                        "--max-flops/--max-params: space ", sp->name(),
                        " has no parameter and FLOP counts");
      rng = Rng(a.seed);  // the draw above does not shift the sample
      within = [&](const space::Arch& arch) {
        const auto c = *sp->cost(arch, a.cost);
        return (a.max_flops <= 0 || c.flops_m() <= a.max_flops) &&
               (a.max_params <= 0 || c.params_m() <= a.max_params);
      };
    }
    auto archs = space::sample_architectures(*sp, static_cast<std::size_t>(a.n), rng, a.valid_only,
                                             a.with_replacement, a.from.empty() ? nullptr : &pool,
                                             within, a.at_most);
    print_rows(*sp, archs, a, false);
  } else if (a.command == "convert") {
    const bool indexed = sp->at(0).has_value();
    if (a.format == "csv") std::cout << (indexed ? "index,arch\n" : "arch\n");
    for (const auto& arch : given_archs(*sp, a)) {
      auto idx = sp->index_of(arch);
      if (a.format == "csv") {
        std::cout << (idx ? std::to_string(*idx) + "," : "") << csv_field(sp->to_string(arch))
                  << '\n';
      } else {
        std::cout << (idx ? std::to_string(*idx) + " " : "") << sp->to_string(arch) << '\n';
      }
    }
  } else if (a.command == "info") {
    print_rows(*sp, given_archs(*sp, a), a, true);
  } else {
    throw UsageError("unknown command '" + a.command +
                     "' (expected count, sample, convert or info)");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return wsnas::app::run(argc, argv, "wsnas-space", body); }
