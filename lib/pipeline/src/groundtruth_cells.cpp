#include "groundtruth_cells.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "wsnas/core/error.h"
#include "wsnas/core/random.h"
#include "wsnas/core/strings.h"
#include "wsnas/io/results.h"
#include "wsnas/nn/network.h"
#include "wsnas/train/optimizer.h"
#include "wsnas/train/schedule.h"
#include "wsnas/train/setup.h"
#include "wsnas/train/state_io.h"

namespace wsnas::pipeline {

std::string cell_key(const std::string& arch, std::int64_t index) {
  char buf[40];
  if (index >= 0) {
    std::snprintf(buf, sizeof buf, "cell_%06lld", static_cast<long long>(index));
  } else {
    std::snprintf(buf, sizeof buf, "cell_%016llx", static_cast<unsigned long long>(fnv1a(arch)));
  }
  return buf;
}

io::Table<Run> cell_table() {
  io::Table<Run> t;
  t.text("arch", &Run::arch, "the architecture string")
      .integer("arch_index", &Run::arch_index, "index in the space's benchmark order (-1 if none)")
      .integer("params", &Run::params, "parameters of the trained network (at inference)")
      .real("flops", &Run::flops, "the space's analytic FLOPs (multiply-adds; 0 if none)")
      .integer("epoch", &Run::epoch, "epochs trained")
      .real("seconds", &Run::seconds, "training and per-epoch evaluation time");
  return t;
}

io::Table<CurveRow> curves_table(const std::string& score) {
  io::Table<CurveRow> t;
  t.real("train_loss", &CurveRow::train_loss, "mean training loss of the epoch")
      .real("train_" + score, &CurveRow::train_score, "mean training score of the epoch")
      .real("valid_loss", &CurveRow::valid_loss, "loss on the validation split after the epoch")
      .real("valid_" + score, &CurveRow::valid_score,
            "score on the validation split after the epoch")
      .real("test_" + score, &CurveRow::test_score, "score on the test split after the epoch");
  return t;
}

void write_run(const std::string& path, const std::string& kind, const Provenance& prov,
               const train::RunConfig& cfg, const std::string& score, const Run& c,
               nn::Network* net, train::Optimizer* opt) {
  const std::size_t epochs = c.train_loss.size();
  WSNAS_ASSERT(c.train_score.size() == epochs && c.valid_loss.size() == epochs &&
                   c.valid_score.size() == epochs && c.test_score.size() == epochs,
               "write_run: learning curves of different lengths");
  std::vector<CurveRow> curves;
  for (std::size_t e = 0; e < epochs; ++e)
    curves.push_back(
        {c.train_loss[e], c.train_score[e], c.valid_loss[e], c.valid_score[e], c.test_score[e]});
  io::write_results_file(path, kind, prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    cell_table().write_attributes(f, "/cell", c);
    curves_table(score).write(f, "/curves", curves);
    if (net) train::write_module(f, "/model", *net);
    if (opt) train::write_optimizer(f, "/optimizer", *opt);
  });
}

Run read_run(const io::File& f, const std::string& score) {
  Run c = cell_table().read_attributes(f, "/cell");
  for (const auto& r : curves_table(score).read(f, "/curves")) {
    c.train_loss.push_back(r.train_loss);
    c.train_score.push_back(r.train_score);
    c.valid_loss.push_back(r.valid_loss);
    c.valid_score.push_back(r.valid_score);
    c.test_score.push_back(r.test_score);
  }
  return c;
}

io::Table<MergedRow> groundtruth_table(const std::string& score) {
  io::Table<MergedRow> t;
  t.text("arch", &MergedRow::arch, "the architecture string")
      .integer("arch_index", &MergedRow::arch_index,
               "index in the space's benchmark order (-1 if none)")
      .integer("params", &MergedRow::params, "parameters of the trained network (at inference)")
      .real("flops", &MergedRow::flops, "the space's analytic FLOPs (multiply-adds; 0 if none)")
      .real("final_valid_" + score, &MergedRow::final_valid,
            "the score on the validation split after the last epoch (with `--keep-best`: at the "
            "best validation epoch)")
      .real("best_valid_" + score, &MergedRow::best_valid, "the best validation score")
      .integer("best_epoch", &MergedRow::best_epoch,
               "the epoch of the best validation score (1-based)")
      .real("final_test_" + score, &MergedRow::final_test,
            "the score on the test split after the last epoch (with `--keep-best`: at the best "
            "validation epoch)")
      .real("test_at_best_valid", &MergedRow::test_at_best,
            "the test score at the best validation epoch")
      .real("seconds", &MergedRow::seconds, "training and per-epoch evaluation time");
  return t;
}

void merge(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
           const train::Metric& score, const std::vector<Run>& runs, std::int64_t epochs,
           bool keep_best) {
  const std::size_t n = runs.size(), E = static_cast<std::size_t>(epochs);
  const std::string s = score.name;
  std::vector<MergedRow> rows;
  std::vector<double> flat[5];
  for (const auto& r : runs) {
    const std::size_t best = train::best_index(r.valid_score, score.higher_is_better);
    MergedRow m;
    m.arch = r.arch;
    m.arch_index = r.arch_index;
    m.params = r.params;
    m.flops = r.flops;
    m.best_epoch = static_cast<std::int64_t>(best) + 1;
    m.final_valid = keep_best ? r.valid_score[best] : r.valid_score.back();
    m.best_valid = r.valid_score[best];
    m.final_test = keep_best ? r.test_score[best] : r.test_score.back();
    m.test_at_best = r.test_score[best];
    m.seconds = r.seconds;
    rows.push_back(m);
    const std::vector<double>* curves[5] = {&r.train_loss, &r.train_score, &r.valid_loss,
                                            &r.valid_score, &r.test_score};
    for (int k = 0; k < 5; ++k) flat[k].insert(flat[k].end(), curves[k]->begin(), curves[k]->end());
  }
  io::write_results_file(path, "groundtruth", prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    groundtruth_table(s).write(f, "/results", rows);
    f.set_attr("/results", "score", s);
    f.set_attr("/results", "higher_is_better", static_cast<std::int64_t>(score.higher_is_better));
    const std::string names[5] = {"train_loss", "train_" + s, "valid_loss", "valid_" + s,
                                  "test_" + s};
    const std::vector<std::int64_t> shape = {static_cast<std::int64_t>(n),
                                             static_cast<std::int64_t>(E)};
    for (int k = 0; k < 5; ++k) f.write_f64("/curves/" + names[k], flat[k], shape);
  });
}

CellCheckpoint::CellCheckpoint(Run& run, std::string path, Provenance& prov,
                               const train::RunConfig& cfg)
    : run_(run), path_(std::move(path)), prov_(prov), cfg_(cfg) {}

void CellCheckpoint::on_epoch_end(train::Trainer& trainer) {
  const auto& p = trainer.progress();
  run_.epoch = p.epoch;
  run_.train_loss = p.log_loss;
  run_.train_score = p.log_score;
  run_.seconds = trainer.seconds();
  if (p.complete) return;
  train::record_skipped_images(prov_);
  write_run(path_, "groundtruth-state", prov_, cfg_, trainer.task().score().name, run_,
            &trainer.net(), &trainer.opt());
}

}  // namespace wsnas::pipeline
