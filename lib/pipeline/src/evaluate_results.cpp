#include "evaluate_results.h"

#include <map>
#include <utility>

#include "wsnas/core/error.h"
#include "wsnas/io/results.h"

namespace wsnas::pipeline {

void write_results(const std::string& path, const Provenance& prov, const train::RunConfig& cfg,
                   const train::Task& task, const std::vector<Record>& recs) {
  io::write_results_file(path, "evaluation", prov, [&](io::File& f) {
    train::write_config(f, "/config", cfg);
    std::vector<std::string> ckpt, ckpt_id, arch;
    std::vector<std::int64_t> epoch, sched, index;
    std::vector<std::vector<double>> metrics(task.metrics().size());
    std::vector<double> secs;
    for (const auto& r : recs) {
      ckpt.push_back(r.checkpoint);
      ckpt_id.push_back(r.checkpoint_id);
      arch.push_back(r.arch);
      epoch.push_back(r.epoch);
      sched.push_back(r.schedule_epochs);
      index.push_back(r.arch_index);
      for (std::size_t m = 0; m < metrics.size(); ++m) metrics[m].push_back(r.metrics.at(m));
      secs.push_back(r.seconds);
    }
    f.create_group("/results");
    f.set_attr("/results", "rows", static_cast<std::int64_t>(recs.size()));
    f.set_attr("/results", "score", task.score().name);
    f.set_attr("/results", "higher_is_better",
               static_cast<std::int64_t>(task.score().higher_is_better));
    f.write_strings("/results/checkpoint", ckpt);
    f.write_strings("/results/checkpoint_id", ckpt_id);
    f.write_i64("/results/epoch", epoch);
    f.write_i64("/results/schedule_epochs", sched);
    f.write_strings("/results/arch", arch);
    f.write_i64("/results/arch_index", index);
    for (std::size_t m = 0; m < metrics.size(); ++m)
      f.write_f64("/results/" + task.metrics()[m].name, metrics[m]);
    f.write_f64("/results/seconds", secs);
  });
}

std::vector<Record> read_results(const std::string& path, const train::RunConfig& cfg,
                                 const std::vector<std::string>& keys, const train::Task& task) {
  auto f = io::File::open(path);
  io::check_results(f, "evaluation");
  train::check_same_config(train::read_config(f, "/config"), cfg, keys, "'" + path + "'");
  auto ckpt = f.read_strings("/results/checkpoint");
  // Files written before checkpoint identities: every row counts as of an unknown checkpoint.
  auto ckpt_id = f.exists("/results/checkpoint_id") ? f.read_strings("/results/checkpoint_id")
                                                    : std::vector<std::string>(ckpt.size());
  auto arch = f.read_strings("/results/arch");
  auto epoch = f.read_i64("/results/epoch");
  auto sched = f.read_i64("/results/schedule_epochs");
  auto index = f.read_i64("/results/arch_index");
  auto secs = f.read_f64("/results/seconds");
  std::vector<std::vector<double>> metrics;
  for (const auto& m : task.metrics()) metrics.push_back(f.read_f64("/results/" + m.name));
  const std::size_t n = ckpt.size();
  bool same = ckpt_id.size() == n && arch.size() == n && epoch.size() == n && sched.size() == n &&
              index.size() == n && secs.size() == n;
  for (const auto& m : metrics) same = same && m.size() == n;
  WSNAS_CHECK_INPUT(same, f.where("/results"), ": columns of different lengths");
  std::vector<Record> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {ckpt[i], ckpt_id[i], arch[i], epoch[i], sched[i], index[i], {}, secs[i]};
    for (const auto& m : metrics) out[i].metrics.push_back(m[i]);
  }
  return out;
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
