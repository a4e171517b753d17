// wsnas-evaluate: scores architectures on supernet checkpoints: BN calibration (paper Table 2),
// then the task's metrics on the validation (or test) split; pairs sharded over ranks, results
// resumable. The work is lib/pipeline (pipeline::evaluate).
#include "wsnas/pipeline/evaluate.h"
#include "wsnas/pipeline/stage_main.h"

int main(int argc, char** argv) {
  return wsnas::pipeline::stage_main<wsnas::pipeline::EvaluateJob>(
      argc, argv, "wsnas-evaluate",
      "--checkpoint FILE... --archs FILE --out FILE [options]\n"
      "Scores architectures on supernet checkpoints with BN calibration; resumes FILE.",
      &wsnas::pipeline::evaluate);
}
