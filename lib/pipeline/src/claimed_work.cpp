#include "claimed_work.h"

#include <cstdio>
#include <iostream>

#include "wsnas/core/signals.h"
#include "wsnas/io/atomic_file.h"

namespace wsnas::pipeline {

namespace {

/// The message tag of a result, and of a rank's last message (empty: it is done).
constexpr int kResultTag = 71;

}  // namespace

ClaimedWork::ClaimedWork(app::Context& ctx, const std::string& out_path, const std::string& what)
    : ctx_(ctx),
      lock_(app::lock_output(ctx, out_path + ".lock", what)),
      claims_(out_path + ".claims"),
      stop_file_(claims_.dir() + "/STOP") {
  app::on_rank0(ctx, [&] {  // temporary files and claims a killed run left beside the output
    const auto slash = out_path.rfind('/');
    io::remove_stale_temps(slash == std::string::npos ? "." : out_path.substr(0, slash),
                           slash == std::string::npos ? out_path : out_path.substr(slash + 1));
    io::make_dirs(claims_.dir());
    claims_.clear();
    std::remove(stop_file_.c_str());
  });
}

bool ClaimedWork::run(std::size_t n,
                      const std::function<std::vector<std::uint8_t>(std::size_t)>& work,
                      const std::function<void(const std::vector<std::uint8_t>&)>& take,
                      const std::function<void()>& between) {
  const int world = ctx_.world.size(), rank = ctx_.world.rank();
  ctx_.world.barrier();          // rank 0 cleared the claims
  io::make_dirs(claims_.dir());  // seen from every node (a stale "missing" in an NFS cache)
  auto stop_requested = [&] {
    if (stop_signal() == 0) return io::path_exists(stop_file_);
    if (std::FILE* f = std::fopen(stop_file_.c_str(), "w")) std::fclose(f);
    return true;
  };
  std::size_t results = 0;  // rank 0
  std::vector<std::uint8_t> message;
  int finished = 0;  // rank 0: ranks whose last message came
  auto receive = [&](bool wait) {
    while (wait ? (ctx_.world.receive_bytes(kResultTag, message), true)
                : ctx_.world.try_receive_bytes(kResultTag, message).has_value()) {
      if (message.empty()) {
        ++finished;
      } else {
        take(message);
        ++results;
      }
      if (wait) return;
    }
  };
  // Items are claimed by their index, the same list on every rank.
  for (std::size_t i = 0; i < n && !stop_requested(); ++i) {
    if (!claims_.claim("item_" + std::to_string(i), rank)) continue;
    auto bytes = work(i);
    if (rank == 0) {
      take(bytes);
      ++results;
      receive(false);
      between();
    } else {
      ctx_.world.post_bytes(std::move(bytes), 0, kResultTag);
    }
  }
  if (rank == 0) {
    while (finished < world - 1) {
      receive(true);
      between();
    }
  } else {
    ctx_.world.post_bytes({}, 0, kResultTag);  // this rank's last message
    ctx_.world.wait_sends();
  }
  double complete = rank == 0 && results == n ? 1 : 0;
  ctx_.world.broadcast_bytes(&complete, sizeof complete, 0);
  return complete > 0;
}

std::optional<int> ClaimedWork::conclude(bool complete, std::size_t fresh,
                                         const std::string& out_path,
                                         const std::function<void()>& save) const {
  if (ctx_.world.rank() != 0) return complete ? 0 : kExitInterrupted;
  save();
  finish();
  if (complete) return std::nullopt;
  std::cerr << ctx_.name << ": stop signal received; " << fresh << " new results saved to "
            << out_path << "; rerun the same command to resume\n";
  return kExitInterrupted;
}

void ClaimedWork::finish() const {
  claims_.clear();
  std::remove(stop_file_.c_str());
  std::remove(claims_.dir().c_str());
}

}  // namespace wsnas::pipeline
