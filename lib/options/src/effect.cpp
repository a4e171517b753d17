#include "wsnas/options/effect.h"

namespace wsnas::options {

Effect effect_of(const po::option_description& option) {
  const auto* declared = dynamic_cast<const Declared*>(option.semantic().get());
  return declared != nullptr ? declared->effect() : kNoEffect;
}

std::vector<std::string> result_keys(const po::options_description& options, Stage stage) {
  std::vector<std::string> out;
  for (const auto& o : options.options()) {
    if ((effect_of(*o).results & stage) != 0) out.push_back(o->long_name());
  }
  return out;
}

std::vector<std::string> inherited_keys(const po::options_description& options) {
  std::vector<std::string> out;
  for (const auto& o : options.options()) {
    if (effect_of(*o).inherited) out.push_back(o->long_name());
  }
  return out;
}

}  // namespace wsnas::options
