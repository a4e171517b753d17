// wsnas-supernet: trains a weight-sharing supernet (single-path one-shot by default; FairNAS,
// multi-path and per-replica sampling by --sampler) over data-parallel replicas, with HDF5
// checkpoints and resume. The work is lib/pipeline (pipeline::train_supernet).
#include "wsnas/pipeline/stage_main.h"
#include "wsnas/pipeline/supernet.h"

int main(int argc, char** argv) {
  return wsnas::pipeline::stage_main<wsnas::pipeline::SupernetJob>(
      argc, argv, "wsnas-supernet",
      "--out DIR [--config configs/SPACE.ini] [options]\nTrains a supernet; resumes from "
      "DIR/supernet.h5.",
      &wsnas::pipeline::train_supernet);
}
