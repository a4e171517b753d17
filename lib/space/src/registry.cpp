#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/darts.h"
#include "wsnas/space/darts_ptb.h"
#include "wsnas/space/nb101.h"
#include "wsnas/space/nb201.h"
#include "wsnas/space/proxyless.h"
#include "wsnas/space/search_space.h"

namespace wsnas::space {

std::vector<std::string> space_names() {
  return {"nb201", "nb101", "darts", "proxyless", "darts-ptb"};
}

std::string default_space_name() { return space_names().front(); }

std::unique_ptr<SearchSpace> make_space(const std::string& name) {
  if (name == "nb201") return std::make_unique<Nb201Space>();
  if (name == "nb101") return std::make_unique<Nb101Space>();
  if (name == "darts") return std::make_unique<DartsSpace>();
  if (name == "proxyless") return std::make_unique<ProxylessSpace>();
  if (name == "darts-ptb") return std::make_unique<DartsPtbSpace>();
  throw InputError("--space '" + name +
                   "': unknown search space (expected one of: " + join(space_names(), ", ") + ")");
}

}  // namespace wsnas::space
