#include "evaluate_results.h"

#include <map>
#include <utility>

#include "wsnas/core/error.h"
#include "wsnas/io/results.h"

namespace wsnas::pipeline {

io::Table<Record> evaluation_table(const train::Task& task) {
  io::Table<Record> t;
  t.text("checkpoint", &Record::checkpoint, "absolute path of the supernet checkpoint")
      .text("checkpoint_id", &Record::checkpoint_id,
            "what the checkpoint was when scored: `<run_id>@<step>`; a rerun rescores rows whose "
            "checkpoint has changed since")
      .optional()
      .integer("epoch", &Record::epoch, "the checkpoint's training epoch")
      .integer("schedule_epochs", &Record::schedule_epochs,
               "the epochs of the schedule it belongs to (equal to `epoch` unless a snapshot)")
      .text("arch", &Record::arch, "architecture string")
      .integer("arch_index", &Record::arch_index,
               "index in the space's benchmark order (-1 if none)");
  for (std::size_t m = 0; m < task.metrics().size(); ++m) {
    const auto& metric = task.metrics()[m];
    t.real_at(metric.name, &Record::metrics, m,
              "the task's metric `" + metric.name + "` on the split after BN calibration" +
                  (m == 0 ? " (the score)" : ""));
  }
  t.real("seconds", &Record::seconds, "time to calibrate and score the architecture");
  return t;
}

void write_results(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
                   const train::Task& task, const std::vector<Record>& recs) {
  io::write_results_file(path, "evaluation", prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    evaluation_table(task).write(f, "/results", recs);
    f.set_attr("/results", "score", task.score().name);
    f.set_attr("/results", "higher_is_better",
               static_cast<std::int64_t>(task.score().higher_is_better));
  });
}

std::vector<Record> read_results(const std::string& path, const train::RunConfig& cfg,
                                 const std::vector<std::string>& keys, const train::Task& task) {
  auto f = io::File::open(path);
  io::check_results(f, "evaluation");
  train::check_same_config(train::read_config(f, "/config"), cfg, keys, "'" + path + "'");
  return evaluation_table(task).read(f, "/results");
}

std::vector<Record> merge_records(const std::vector<Record>& pairs, const std::vector<Record>& done,
                                  const std::vector<Record>& fresh) {
  std::vector<Record> out;
  std::map<std::pair<std::string, std::string>, const Record*> all;
  for (const auto& r : done) all[{r.checkpoint, r.arch}] = &r;
  for (const auto& r : fresh) all[{r.checkpoint, r.arch}] = &r;
  for (const auto& p : pairs) {
    auto it = all.find({p.checkpoint, p.arch});
    if (it != all.end()) {
      out.push_back(*it->second);
      all.erase(it);
    }
  }
  // Results of earlier runs for architectures not asked for now: kept.
  for (const auto& r : done) {
    if (all.count({r.checkpoint, r.arch})) out.push_back(r);
  }
  return out;
}

}  // namespace wsnas::pipeline
