#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/darts.h"
#include "wsnas/space/darts_ptb.h"
#include "wsnas/space/nb101.h"
#include "wsnas/space/nb201.h"
#include "wsnas/space/proxyless.h"
#include "wsnas/space/search_space.h"

namespace wsnas::space {

namespace {

template <class S>
std::unique_ptr<SearchSpace> make() {
  return std::make_unique<S>();
}

/// The spaces by name: the paper's five, then those registered (plugins, app::load_plugins).
std::vector<std::pair<std::string, SpaceFactory>>& registry() {
  static std::vector<std::pair<std::string, SpaceFactory>> all = {
      {"nb201", &make<Nb201Space>},        {"nb101", &make<Nb101Space>},
      {"darts", &make<DartsSpace>},        {"proxyless", &make<ProxylessSpace>},
      {"darts-ptb", &make<DartsPtbSpace>},
  };
  return all;
}

}  // namespace

void register_space(const std::string& name, SpaceFactory factory) {
  load_plugins();
  for (const auto& [known, f] : registry()) {
    WSNAS_CHECK(known != name, "register_space: a space named '", name, "' exists already");
  }
  registry().emplace_back(name, factory);
}

std::vector<std::string> space_names() {
  load_plugins();
  std::vector<std::string> out;
  for (const auto& [name, f] : registry()) out.push_back(name);
  return out;
}

std::string default_space_name() { return space_names().front(); }

std::unique_ptr<SearchSpace> make_space(const std::string& name) {
  load_plugins();
  for (const auto& [known, factory] : registry()) {
    if (known == name) return factory();
  }
  throw InputError("--space '" + name +
                   "': unknown search space (expected one of: " + join(space_names(), ", ") + ")");
}

}  // namespace wsnas::space
