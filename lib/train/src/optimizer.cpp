#include "wsnas/train/optimizer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <stdexcept>

#include "wsnas/core/error.h"
#include "wsnas/io/h5file.h"
#include "wsnas/train/state_io.h"

namespace wsnas::train {

UnusedParams parse_unused_params(const std::string& text) {
  if (text == "decay") return UnusedParams::kDecay;
  if (text == "skip") return UnusedParams::kSkip;
  if (text == "decay-all") return UnusedParams::kDecayAll;
  throw UsageError("--unused-params '" + text + "': expected decay, skip or decay-all");
}

namespace {

std::vector<at::Tensor> clone_all(const std::vector<at::Tensor>& v) {
  std::vector<at::Tensor> out;
  out.reserve(v.size());
  for (const auto& t : v) out.push_back(t.defined() ? t.clone() : t);
  return out;
}

std::vector<at::Tensor> zeros_like_all(const std::vector<at::Tensor>& v, double fill = 0) {
  std::vector<at::Tensor> out;
  out.reserve(v.size());
  for (const auto& t : v) out.push_back(at::full_like(t, fill));
  return out;
}

template <class T>
const T* find(const std::vector<std::pair<std::string, T>>& entries, const std::string& name) {
  for (const auto& [n, v] : entries) {
    if (n == name) return &v;
  }
  return nullptr;
}

/// The entry `name` of `state`, which must be there (a state saved by the same optimizer kind).
template <class T>
const T& need(const std::vector<std::pair<std::string, T>>& entries, const std::string& name) {
  const T* v = find(entries, name);
  if (v == nullptr) throw std::logic_error("optimizer state without '" + name + "'");
  return *v;
}

}  // namespace

// ---- Optimizer ---------------------------------------------------------------------------------

Optimizer::Optimizer(std::vector<at::Tensor> params, double weight_decay, UnusedParams unused)
    : params_(std::move(params)), weight_decay_(weight_decay), unused_(unused) {
  touched_.assign(params_.size(), unused == UnusedParams::kDecayAll ? 1 : 0);
}

at::Tensor Optimizer::direction(std::size_t i) {
  const at::Tensor& p = params_[i];
  if (p.grad().defined()) {
    touched_[i] = 1;
    return weight_decay_ != 0 ? p.grad().add(p, weight_decay_) : p.grad();
  }
  if (unused_ != UnusedParams::kSkip && touched_[i]) return p.mul(weight_decay_);
  return {};  // left alone
}

void Optimizer::step(double lr) {
  at::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const at::Tensor d = direction(i);
    if (d.defined()) update(i, d, lr);
  }
}

void Optimizer::zero_grad() {
  for (auto& p : params_) p.mutable_grad().reset();
}

OptimizerState Optimizer::save() const {
  OptimizerState s;
  s.integers.emplace_back("touched", touched_);
  return s;
}

void Optimizer::restore(const OptimizerState& s) {
  const auto& touched = need(s.integers, "touched");
  WSNAS_CHECK_INPUT(touched.size() == params_.size(), "optimizer state: ", touched.size(),
                    " parameters, expected ", params_.size());
  touched_ = touched;
}

void Optimizer::start_averaging() {
  throw UsageError("--asgd: this optimizer does not switch to averaged SGD");
}

// ---- SGD ---------------------------------------------------------------------------------------

Sgd::Sgd(std::vector<at::Tensor> params, double momentum, bool nesterov, double weight_decay,
         UnusedParams unused)
    : Optimizer(std::move(params), weight_decay, unused),
      momentum_(momentum),
      nesterov_(nesterov),
      buffers_(zeros_like_all(params_)) {
  WSNAS_CHECK_USAGE(!nesterov_ || momentum_ > 0, "--nesterov needs --momentum > 0");
}

void Sgd::update(std::size_t i, const at::Tensor& d, double lr) {
  auto& p = params_[i];
  if (momentum_ == 0) {
    p.add_(d, -lr);
    return;
  }
  // With zero-initialised buffers, buf = m*buf + d equals PyTorch's first-step buf = d.
  auto& buf = buffers_[i];
  buf.mul_(momentum_).add_(d);
  p.add_(nesterov_ ? d.add(buf, momentum_) : buf, -lr);
}

OptimizerState Sgd::save() const {
  OptimizerState s = Optimizer::save();
  s.tensors.emplace_back("momentum", clone_all(buffers_));
  return s;
}

void Sgd::restore(const OptimizerState& s) {
  Optimizer::restore(s);
  buffers_ = clone_all(need(s.tensors, "momentum"));
}

// ---- RMSProp -----------------------------------------------------------------------------------

RmsProp::RmsProp(std::vector<at::Tensor> params, double momentum, double weight_decay, double decay,
                 double epsilon, UnusedParams unused)
    : Optimizer(std::move(params), weight_decay, unused),
      momentum_(momentum),
      decay_(decay),
      epsilon_(epsilon),
      buffers_(zeros_like_all(params_)),
      mean_squares_(zeros_like_all(params_, 1.0)) {}

void RmsProp::update(std::size_t i, const at::Tensor& d, double lr) {
  auto& ms = mean_squares_[i];
  ms.mul_(decay_).addcmul_(d, d, 1 - decay_);
  auto& buf = buffers_[i];
  buf.mul_(momentum_).add_(d / (ms + epsilon_).sqrt(), lr);
  params_[i].sub_(buf);
}

OptimizerState RmsProp::save() const {
  OptimizerState s = Optimizer::save();
  s.tensors.emplace_back("momentum", clone_all(buffers_));
  s.tensors.emplace_back("mean_square", clone_all(mean_squares_));
  return s;
}

void RmsProp::restore(const OptimizerState& s) {
  Optimizer::restore(s);
  buffers_ = clone_all(need(s.tensors, "momentum"));
  mean_squares_ = clone_all(need(s.tensors, "mean_square"));
}

// ---- ASGD --------------------------------------------------------------------------------------

Asgd::Asgd(std::unique_ptr<Sgd> inner)
    : Optimizer(inner->params(), 0, UnusedParams::kSkip), inner_(std::move(inner)) {
  touched_ = inner_->touched();
}

void Asgd::start_averaging() {
  WSNAS_CHECK_USAGE(inner_->momentum() == 0,
                    "--asgd needs --momentum 0 and --optimizer sgd (torch.optim.ASGD has no "
                    "momentum)");
  if (averaging_) return;
  averaging_ = true;
  averages_ = zeros_like_all(params_);
  steps_.assign(params_.size(), 0);
  etas_.assign(params_.size(), 0.0);
}

void Asgd::step(double lr) {
  if (!averaging_) {
    inner_->step(lr);
  } else {
    at::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const at::Tensor d = inner_->direction(i);  // the same gradient, decay and unused policy
      if (d.defined()) update(i, d, lr);
    }
  }
  touched_ = inner_->touched();
}

void Asgd::update(std::size_t i, const at::Tensor& d, double lr) {
  // torch.optim.ASGD with lambd = 0, t0 = 0; torch keeps eta and mu as float32 scalars: rounded
  // here the same way.
  auto& p = params_[i];
  const std::int64_t k = ++steps_[i];
  if (k == 1) etas_[i] = static_cast<float>(lr);
  p.add_(d, -etas_[i]);
  auto& ax = averages_[i];
  if (k <= 2) {
    ax.copy_(p);
  } else {
    ax.add_(p - ax, static_cast<float>(1.0 / static_cast<double>(k - 1)));
  }
  etas_[i] = static_cast<float>(lr);
}

std::vector<at::Tensor> Asgd::averages() const {
  std::vector<at::Tensor> out(params_.size());
  for (std::size_t i = 0; averaging_ && i < params_.size(); ++i) {
    if (steps_[i] > 0) out[i] = averages_[i];
  }
  return out;
}

OptimizerState Asgd::save() const {
  OptimizerState s = inner_->save();
  if (averaging_) {
    s.tensors.emplace_back("average", clone_all(averages_));
    s.integers.emplace_back("average_steps", steps_);
    s.reals.emplace_back("eta", etas_);
  }
  return s;
}

void Asgd::restore(const OptimizerState& s) {
  inner_->restore(s);
  touched_ = inner_->touched();
  const auto* averages = find(s.tensors, "average");
  averaging_ = averages != nullptr;
  if (!averaging_) return;
  averages_ = clone_all(*averages);
  steps_ = need(s.integers, "average_steps");
  etas_ = need(s.reals, "eta");
  WSNAS_CHECK_INPUT(steps_.size() == params_.size() && etas_.size() == params_.size(),
                    "optimizer state: ", steps_.size(), " averaged steps, expected ",
                    params_.size());
}

std::unique_ptr<Optimizer> make_optimizer(std::vector<at::Tensor> params,
                                          const options::HyperParameters& hp, UnusedParams unused) {
  if (hp.optimizer == options::OptimizerKind::kRmsProp) {
    WSNAS_CHECK_USAGE(!hp.nesterov, "--optimizer rmsprop does not take --nesterov true");
    WSNAS_CHECK_USAGE(hp.asgd == options::AsgdRule::kOff,
                      "--asgd needs --momentum 0 and --optimizer sgd (torch.optim.ASGD has no "
                      "momentum)");
    return std::make_unique<RmsProp>(std::move(params), hp.momentum, hp.weight_decay,
                                     hp.rmsprop_decay, hp.rmsprop_epsilon, unused);
  }
  auto sgd =
      std::make_unique<Sgd>(std::move(params), hp.momentum, hp.nesterov, hp.weight_decay, unused);
  if (hp.asgd == options::AsgdRule::kOff) return sgd;
  WSNAS_CHECK_USAGE(hp.momentum == 0,
                    "--asgd needs --momentum 0 and --optimizer sgd (torch.optim.ASGD has no "
                    "momentum)");
  auto asgd = std::make_unique<Asgd>(std::move(sgd));
  if (hp.asgd == options::AsgdRule::kAlways) asgd->start_averaging();
  return asgd;
}

// ---- checkpoints -------------------------------------------------------------------------------

void write_optimizer_state(io::File& f, const std::string& group, const OptimizerState& s) {
  f.create_group(group);
  for (const auto& [name, v] : s.tensors) write_tensor_list(f, group + "/" + name, v);
  for (const auto& [name, v] : s.integers) f.write_i64(group + "/" + name, v);
  for (const auto& [name, v] : s.reals) f.write_f64(group + "/" + name, v);
}

OptimizerState read_optimizer_state(const io::File& f, const std::string& group,
                                    const Optimizer& like) {
  WSNAS_CHECK_INPUT(f.exists(group), f.where(group), ": missing");
  OptimizerState s = like.save();
  const std::size_t n = like.params().size();
  if (!f.exists(group + "/average")) {
    // A state saved before ASGD's switch, read by an optimizer averaging since (a best state to
    // roll back to): not averaging.
    auto named = [](const auto& e) {
      return e.first == "average" || e.first == "average_steps" || e.first == "eta";
    };
    s.tensors.erase(std::remove_if(s.tensors.begin(), s.tensors.end(), named), s.tensors.end());
    s.integers.erase(std::remove_if(s.integers.begin(), s.integers.end(), named), s.integers.end());
    s.reals.erase(std::remove_if(s.reals.begin(), s.reals.end(), named), s.reals.end());
  }
  for (auto& [name, v] : s.tensors) read_tensor_list(f, group + "/" + name, v);
  for (auto& [name, v] : s.integers) {
    if (!f.exists(group + "/" + name)) continue;  // "touched" is older than the others
    v = f.read_i64(group + "/" + name);
    WSNAS_CHECK_INPUT(v.size() == n, f.where(group + "/" + name), ": ", v.size(),
                      " entries, expected ", n);
  }
  for (auto& [name, v] : s.reals) {
    v = f.read_f64(group + "/" + name);
    WSNAS_CHECK_INPUT(v.size() == n, f.where(group + "/" + name), ": ", v.size(),
                      " entries, expected ", n);
  }
  // ASGD's averages in a state of an optimizer not averaging yet (a best state saved after the
  // switch, read by a run resumed before it): the parameters' shapes.
  if (f.exists(group + "/average") && find(s.tensors, "average") == nullptr) {
    std::vector<at::Tensor> averages = zeros_like_all(like.params());
    read_tensor_list(f, group + "/average", averages);
    s.tensors.emplace_back("average", std::move(averages));
    s.integers.emplace_back("average_steps", f.read_i64(group + "/average_steps"));
    s.reals.emplace_back("eta", f.read_f64(group + "/eta"));
    WSNAS_CHECK_INPUT(s.integers.back().second.size() == n && s.reals.back().second.size() == n,
                      f.where(group + "/average_steps"), ": entries for ",
                      s.integers.back().second.size(), " parameters, expected ", n);
  }
  return s;
}

void write_optimizer(io::File& f, const std::string& group, const Optimizer& opt) {
  write_optimizer_state(f, group, opt.save());
}

void read_optimizer(const io::File& f, const std::string& group, Optimizer& opt) {
  if (f.exists(group + "/average")) opt.start_averaging();  // checks momentum 0
  opt.restore(read_optimizer_state(f, group, opt));
}

AveragedWeights::AveragedWeights(Optimizer& opt) : opt_(opt) {
  if (!opt_.averaging()) return;
  at::NoGradGuard g;
  const auto averages = opt_.averages();
  for (std::size_t i = 0; i < opt_.params().size(); ++i) {
    saved_.push_back(opt_.params()[i].clone());
    if (averages[i].defined()) opt_.params()[i].copy_(averages[i]);
  }
}

AveragedWeights::~AveragedWeights() {
  at::NoGradGuard g;
  for (std::size_t i = 0; i < saved_.size(); ++i) opt_.params()[i].copy_(saved_[i]);
}

}  // namespace wsnas::train
