// Spearman's rho between two columns of a published table, through an installed wsnas: the
// paper's DARTS-CIFAR10 stand-alone results, parameter count against accuracy, joined by genotype.
#include <cstdio>
#include <exception>

#include "wsnas/analysis/metrics.h"
#include "wsnas/analysis/table.h"
#include "wsnas/space/search_space.h"

int main(int argc, char** argv) {
  try {
    const char* table = argc > 1 ? argv[1] : WSNAS_TABLE;
    const auto space = wsnas::space::make_space("darts");
    const auto params = wsnas::analysis::read_arch_values(*space, table, "params", "genotype");
    const auto acc = wsnas::analysis::read_arch_values(*space, table, "accuracy", "genotype");
    const auto joined = wsnas::analysis::join_by_arch(*space, params, acc);
    std::printf("architectures %zu spearman %.10f\n", joined.a.size(),
                wsnas::analysis::spearman(joined.a, joined.b));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank_published: error: %s\n", e.what());
    return 1;
  }
}
