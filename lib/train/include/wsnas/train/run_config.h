#pragma once
/// The options a result was produced with, as name -> text, written as attributes of /config in
/// every result file. A rerun compares the options that change results and refuses to mix runs.

#include <boost/program_options/variables_map.hpp>
#include <map>
#include <string>
#include <vector>

#include "wsnas/core/provenance.h"
#include "wsnas/io/h5file.h"

namespace wsnas::train {

using RunConfig = std::map<std::string, std::string>;

/// Every option in `vm` as text (numbers in shortest round-trip form, lists comma-joined).
RunConfig config_of(const boost::program_options::variables_map& vm);
/// Records `config` in `provenance` (config.<option>), with the LibTorch version.
void record_config(Provenance& provenance, const RunConfig& config);
/// Writes `config` as string attributes of `group`.
void write_config(io::File& f, const std::string& group, const RunConfig& config);
/// Reads the string attributes of `group`.
RunConfig read_config(const io::File& f, const std::string& group);
/// Throws UsageError when `stored` and `wanted` differ in one of `keys` (missing counts as ""):
/// "<what> was made with --lr 0.05; this run asks for --lr 0.1 (use the same options or another
/// --out)".
void check_same_config(const RunConfig& stored, const RunConfig& wanted,
                       const std::vector<std::string>& keys, const std::string& what);
/// Value of `key` in `config`, or InputError naming `what` when absent.
std::string config_value(const RunConfig& config, const std::string& key, const std::string& what);

}  // namespace wsnas::train
