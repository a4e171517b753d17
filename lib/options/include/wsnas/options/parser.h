#pragma once
/// Options: Boost.ProgramOptions groups declared once per component, read from the command line
/// and from INI config files (`--config FILE`, repeatable; later files override earlier ones and
/// the command line overrides every file).

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "wsnas/options/effect.h"

namespace wsnas::options {

namespace po = boost::program_options;

/// Collects the option groups of an app and parses them.
class Parser {
 public:
  /// `program` is the app name, `usage` the synopsis line(s) shown by --help.
  Parser(std::string program, std::string usage);
  /// Adds a component's group (copied).
  void add(const po::options_description& group);
  /// Adds a group that is parsed but not shown by --help: options a stage accepts so that one
  /// config file serves every stage, and does not use (documented in docs/options.md).
  void add_hidden(const po::options_description& group);
  /// Positional arguments map to this option (e.g. a sub-command).
  void positional(const std::string& name, int max_count);
  /// Parses argv and config files into `vm` and runs notifiers. Returns false when --help was
  /// asked for (the help text is then in help()). Throws UsageError on any problem, naming the
  /// option or the config file and line.
  bool parse(int argc, const char* const* argv, po::variables_map& vm);
  /// The full help text.
  std::string help() const;
  /// Every option added, with what each declares (options::effect_of).
  const po::options_description& options() const { return all_; }

 private:
  std::string program_;
  std::string usage_;
  po::options_description all_;
  po::options_description visible_;
  po::positional_options_description positional_;
};

/// An option's default as the presets write it: "0.05" where Boost prints 0.050000000000000003,
/// "true"/"false" for a bool's 1/0; "" without a default. --help and docs/options.md print this.
std::string default_text(const po::option_description& option);

/// Reads an INI file into (line number, key, value) triples. `[section]` headers group keys for
/// readability only: a key belongs to whichever group declares it. '#' and ';' start comments.
/// A key given twice is a UsageError naming both lines; with `unique_per_section` only within one
/// section (wsnas-study's `[variant NAME]` sections each set their own options).
struct ConfigEntry {
  int line;
  std::string key;
  std::string value;
  std::string section;  ///< the `[section]` header above it, trimmed ("" before any)
};
std::vector<ConfigEntry> read_config_file(const std::string& path, bool unique_per_section = false);

/// Notifier factories for range checks: the error names the option and the accepted range.
std::function<void(double)> in_range(const std::string& option, double lo, double hi);
std::function<void(int)> at_least(const std::string& option, int lo);
std::function<void(const std::string&)> one_of(const std::string& option,
                                               const std::vector<std::string>& values);

}  // namespace wsnas::options
