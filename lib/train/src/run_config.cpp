#include "wsnas/train/run_config.h"

#include <boost/program_options.hpp>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/nn/device.h"
#include "wsnas/options/hyper_parameters.h"

namespace wsnas::train {

namespace po = boost::program_options;

namespace {

std::string shortest(double v) {
  char buf[64];
  for (int prec = 6; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string text_of(const boost::any& v) {
  if (const auto* s = boost::any_cast<std::string>(&v)) return *s;
  if (const auto* i = boost::any_cast<int>(&v)) return std::to_string(*i);
  if (const auto* l = boost::any_cast<std::int64_t>(&v)) return std::to_string(*l);
  if (const auto* u = boost::any_cast<std::uint64_t>(&v)) return std::to_string(*u);
  if (const auto* d = boost::any_cast<double>(&v)) return shortest(*d);
  if (const auto* b = boost::any_cast<bool>(&v)) return *b ? "true" : "false";
  if (const auto* l = boost::any_cast<std::vector<std::string>>(&v)) return join(*l, ",");
  if (const auto* e = boost::any_cast<options::LrSchedule>(&v)) return options::to_string(*e);
  if (const auto* e = boost::any_cast<options::OptimizerKind>(&v)) return options::to_string(*e);
  if (const auto* e = boost::any_cast<options::AsgdRule>(&v)) return options::to_string(*e);
  return "?";
}

}  // namespace

RunConfig config_of(const po::variables_map& vm) {
  RunConfig c;
  for (const auto& [name, value] : vm) {
    if (name == "help" || name == "config" || value.empty()) continue;
    c[name] = text_of(value.value());
  }
  return c;
}

void record_config(Provenance& provenance, const RunConfig& config) {
  for (const auto& [k, v] : config) provenance.set("config." + k, v);
  provenance.set("torch", nn::torch_version());
}

void write_config(io::File& f, const std::string& group, const RunConfig& config) {
  if (!f.exists(group)) f.create_group(group);
  for (const auto& [k, v] : config) f.set_attr(group, k, v);
}

RunConfig read_config(const io::File& f, const std::string& group) {
  WSNAS_CHECK_INPUT(f.exists(group), f.where(group),
                    ": missing (not written by this pipeline stage?)");
  RunConfig c;
  for (const auto& name : f.attr_names(group)) {
    if (f.attr_type(group, name) == io::AttrType::kString) c[name] = f.attr_string(group, name);
  }
  return c;
}

void check_same_config(const RunConfig& stored, const RunConfig& wanted,
                       const std::vector<std::string>& keys, const std::string& what) {
  for (const auto& k : keys) {
    auto a = stored.find(k), b = wanted.find(k);
    const std::string sa = a == stored.end() ? "" : a->second,
                      sb = b == wanted.end() ? "" : b->second;
    WSNAS_CHECK_USAGE(sa == sb, what, " was made with --", k, " '", sa, "'; this run asks for '",
                      sb, "' (use the same options to resume, or another output)");
  }
}

std::string config_value(const RunConfig& config, const std::string& key, const std::string& what) {
  auto it = config.find(key);
  WSNAS_CHECK_INPUT(it != config.end(), what, ": /config has no '", key, "'");
  return it->second;
}

}  // namespace wsnas::train
