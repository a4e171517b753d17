#pragma once
// Every search space of this build, made once, for the targets that parse architectures.
#include <memory>
#include <vector>

#include "wsnas/space/search_space.h"

namespace wsnas::fuzz {

inline const std::vector<std::unique_ptr<space::SearchSpace>>& all_spaces() {
  static const auto spaces = [] {
    std::vector<std::unique_ptr<space::SearchSpace>> all;
    for (const auto& name : space::space_names()) all.push_back(space::make_space(name));
    return all;
  }();
  return spaces;
}

}  // namespace wsnas::fuzz
