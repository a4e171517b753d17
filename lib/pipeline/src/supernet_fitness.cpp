#include "wsnas/pipeline/supernet_fitness.h"

#include "arch_scorer.h"
#include "evaluate_inputs.h"
#include "task_for.h"
#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/io/h5file.h"
#include "wsnas/io/results.h"
#include "wsnas/space/split.h"
#include "wsnas/train/run_config.h"

namespace wsnas::pipeline {

struct SupernetFitness::Impl {
  EvaluateJob job;
  Checkpoints ck;
  std::unique_ptr<space::SearchSpace> sp;
  std::unique_ptr<train::Task> task;
  std::vector<space::Split> parts;
  std::unique_ptr<ArchScorer> scorer;  // after the members it refers to
};

SupernetFitness::SupernetFitness(app::Context& ctx, EvaluateJob job)
    : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.job = std::move(job);
  m.ck = read_checkpoints(m.job);
  m.sp = space::make_space(m.ck.model.space);
  m.task = task_for(m.ck.model.space, {});
  for (std::size_t c = 0; c < m.ck.paths.size(); ++c)
    m.parts.push_back(
        space::parse_split(*m.sp, m.ck.splits[c], "checkpoint '" + m.ck.paths[c] + "'"));
  m.scorer = std::make_unique<ArchScorer>(ctx, m.job, m.ck, *m.task);
}

SupernetFitness::~SupernetFitness() = default;

double SupernetFitness::operator()(const space::Arch& arch) {
  auto& m = *impl_;
  std::size_t c = 0;
  while (c < m.parts.size() && !m.parts[c].matches(arch)) ++c;
  WSNAS_CHECK_INPUT(c < m.parts.size(), "--fitness-checkpoint: no sub-supernet owns architecture ",
                    m.sp->to_string(arch));
  Record r;
  r.checkpoint = m.ck.paths[c];
  r.checkpoint_id = m.ck.ids[c];
  r.epoch = m.ck.epochs[c];
  r.schedule_epochs = m.ck.schedule_epochs[c];
  r.arch = m.sp->to_string(arch);
  m.scorer->score(r);
  const double v = r.metrics.front();
  return m.task->score().higher_is_better ? v : -v;
}

std::string SupernetFitness::source() const {
  return impl_->job.checkpoints.front() + ":" + impl_->task->score().name;
}

const space::SearchSpace& SupernetFitness::space() const { return *impl_->sp; }

std::string SupernetFitness::space_of(const std::string& checkpoint) {
  check_input_file(checkpoint, "--fitness-checkpoint");
  auto f = io::File::open(checkpoint);
  io::check_results(f);
  const std::string what = "--fitness-checkpoint '" + checkpoint + "'";
  return train::config_value(train::read_config(f, "/config"), "space", what);
}

}  // namespace wsnas::pipeline
