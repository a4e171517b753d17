// wsnas-score: zero-cost scores (grad_norm, snip, grasp, synflow, jacob_cov, naswot) of
// architectures at initialisation on one training batch; architectures sharded over ranks, results
// resumable, read by wsnas-analyze like a supernet's. The work is lib/pipeline (pipeline::score).
#include "wsnas/pipeline/score.h"
#include "wsnas/pipeline/stage_main.h"

int main(int argc, char** argv) {
  return wsnas::pipeline::stage_main<wsnas::pipeline::ScoreJob>(
      argc, argv, "wsnas-score",
      "--archs FILE --out FILE [--scorer NAME[,NAME...]] [options]\n"
      "Scores architectures at initialisation with zero-cost scorers; resumes FILE.",
      &wsnas::pipeline::score);
}
