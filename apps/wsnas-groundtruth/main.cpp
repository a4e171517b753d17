// wsnas-groundtruth: trains each listed architecture stand-alone from scratch (the ground truth
// the supernet is judged against); ranks claim architectures, each resumes per epoch. The work is
// lib/pipeline (pipeline::train_ground_truth).
#include "wsnas/pipeline/groundtruth.h"
#include "wsnas/pipeline/stage_main.h"

int main(int argc, char** argv) {
  return wsnas::pipeline::stage_main<wsnas::pipeline::GroundTruthJob>(
      argc, argv, "wsnas-groundtruth",
      "--archs FILE --out DIR [options]\nTrains each architecture stand-alone (ground truth); "
      "resumes DIR.",
      &wsnas::pipeline::train_ground_truth);
}
