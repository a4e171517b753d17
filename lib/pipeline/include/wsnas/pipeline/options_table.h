#pragma once
/// The table of every stage option in docs/options.md, generated from the options' declarations
/// (options/effect.h): which stages take it, its default, the stages whose results it changes
/// (a resume must agree) and whether evaluation takes it from the checkpoint.
#include <string>
#include <vector>

#include "wsnas/options/effect.h"

namespace wsnas::pipeline {

/// The options of `stage` (one stage bit) that change its results, as its resume checks them.
std::vector<std::string> declared_result_keys(options::Stage stage);
/// The options evaluation takes from a supernet checkpoint.
std::vector<std::string> declared_inherited_keys();
/// The Markdown table (one row per option, in the order the stages declare them).
std::string options_table();

}  // namespace wsnas::pipeline
