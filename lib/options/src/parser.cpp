#include "wsnas/options/parser.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "wsnas/core/error.h"
#include "wsnas/core/files.h"
#include "wsnas/core/share.h"
#include "wsnas/core/strings.h"

namespace wsnas::options {

Parser::Parser(std::string program, std::string usage)
    : program_(std::move(program)), usage_(std::move(usage)), all_(""), visible_("") {
  po::options_description general("General");
  general.add_options()("help,h", "print this help and exit")(
      "version", "print the version, git revision and library versions, and exit")(
      "config", po::value<std::vector<std::string>>()->composing(),
      "INI config file (repeatable; later files win, the command line wins over all)");
  all_.add(general);
  visible_.add(general);
}

void Parser::add(const po::options_description& group) {
  all_.add(group);
  visible_.add(group);
}

void Parser::add_hidden(const po::options_description& group) { all_.add(group); }

void Parser::positional(const std::string& name, int max_count) {
  positional_.add(name.c_str(), max_count);
}

std::string default_text(const po::option_description& o) {
  const std::string p = o.format_parameter();
  const auto at = p.find("(=");
  if (at == std::string::npos) return "";
  std::string d = p.substr(at + 2, p.size() - at - 3);
  if (dynamic_cast<const po::typed_value<bool>*>(o.semantic().get()) != nullptr)
    return d == "1" ? "true" : d == "0" ? "false" : d;
  char* end = nullptr;
  const double v = std::strtod(d.c_str(), &end);
  if (d.find_first_of(".e") != std::string::npos && end != d.c_str() && *end == 0) {
    char buf[64];  // the shortest text that reads back as the same double
    for (int prec = 1; prec <= 17; ++prec) {
      std::snprintf(buf, sizeof buf, "%.*g", prec, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    d = buf;
  }
  return d;
}

std::string Parser::help() const {
  std::ostringstream os;
  os << "Usage: " << usage_ << "\n" << visible_;
  std::string text = os.str();
  // Defaults as written in the presets, not as Boost prints a double or a bool.
  for (const auto& o : visible_.options()) {
    const std::string boost_form = o->format_parameter();
    const auto at = boost_form.find("(=");
    if (at == std::string::npos) continue;
    const std::string ours = boost_form.substr(0, at + 2) + default_text(*o) + ")";
    if (ours == boost_form) continue;
    const std::string from = "--" + o->long_name() + " " + boost_form;
    const auto pos = text.find(from);
    if (pos == std::string::npos) continue;
    std::string to = "--" + o->long_name() + " " + ours;
    // Keep the description's column when it follows on the same line (at least 2 spaces).
    std::size_t span = from.size();
    if (text.compare(pos + span, 1, " ") == 0) {
      if (to.size() < from.size()) {
        to.append(from.size() - to.size(), ' ');
      } else {
        const std::size_t extra = to.size() - from.size();
        std::size_t spaces = 0;
        while (text.compare(pos + span + spaces, 1, " ") == 0) ++spaces;
        if (spaces >= extra + 2) span += extra;
      }
    }
    text.replace(pos, span, to);
  }
  return text;
}

std::vector<ConfigEntry> read_config_file(const std::string& path, bool unique_per_section) {
  std::ifstream in(path);
  if (!in) throw UsageError("--config '" + path + "': cannot open config file");
  try {  // a directory opens as an empty stream: refuse anything but a regular file
    check_input_file(path, "--config");
  } catch (const InputError& e) {
    throw UsageError(e.what());
  }
  std::vector<ConfigEntry> out;
  std::map<std::string, int> first_line;    // key -> line where it was first given
  std::map<std::string, int> section_line;  // section -> line of its header
  std::string line, section;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1) strip_bom(line);
    try {
      check_text_line(line, "config file '" + path + "' line " + std::to_string(lineno));
    } catch (const InputError& e) {
      throw UsageError(e.what());  // a config file is part of the command line
    }
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      WSNAS_CHECK_USAGE(t.back() == ']', "config file '", path, "' line ", lineno,
                        ": malformed section header '", t, "'");
      section = trim(t.substr(1, t.size() - 2));
      // A section given twice would merge silently (a study's [variant NAME] twice).
      const auto [at, first] = section_line.emplace(section, lineno);
      WSNAS_CHECK_USAGE(first, "config file '", path, "' line ", lineno, ": section '[", section,
                        "]' given again (first at line ", at->second, "); give each section once");
      continue;
    }
    auto eq = t.find('=');
    WSNAS_CHECK_USAGE(eq != std::string::npos, "config file '", path, "' line ", lineno,
                      ": expected 'key = value', found '", t, "'");
    std::string key = trim(t.substr(0, eq));
    std::string value = trim(t.substr(eq + 1));
    // Trailing comments after the value.
    auto hash = value.find(" #");
    if (hash != std::string::npos) value = trim(value.substr(0, hash));
    WSNAS_CHECK_USAGE(!key.empty(), "config file '", path, "' line ", lineno, ": empty key");
    // Sections only group keys for readers: a key given twice is ambiguous wherever it stands.
    const auto [it, fresh] =
        first_line.emplace(unique_per_section ? section + '\n' + key : key, lineno);
    WSNAS_CHECK_USAGE(fresh, "config file '", path, "' line ", lineno, ": key '", key,
                      "' given again (first at line ", it->second, "); give each key once");
    out.push_back({lineno, key, value, section});
  }
  return out;
}

bool Parser::parse(int argc, const char* const* argv, po::variables_map& vm) {
  try {
    po::store(po::command_line_parser(argc, argv).options(all_).positional(positional_).run(), vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see --help)");  // the app prefixes its name
  }
  if (vm.count("help")) return false;
  if (vm.count("config")) {
    // po::store keeps the first value stored: command line first, then the files from last to
    // first, so later files override earlier ones.
    auto files = vm["config"].as<std::vector<std::string>>();
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
      // configs/SPACE.ini from any folder once wsnas is installed (core/share.h).
      for (const auto& entry : read_config_file(find_shipped_file(*it))) {
        std::string arg = "--" + entry.key + (entry.value.empty() ? "" : "=" + entry.value);
        const char* args[] = {program_.c_str(), arg.c_str()};
        try {
          WSNAS_CHECK_USAGE(entry.key != "config", "config file '", *it, "' line ", entry.line,
                            ": config files cannot include others");
          po::store(po::command_line_parser(2, args).options(all_).run(), vm);
        } catch (const po::unknown_option&) {
          throw UsageError("config file '" + *it + "' line " + std::to_string(entry.line) +
                           ": unknown key '" + entry.key + "'");
        } catch (const po::error& e) {
          throw UsageError("config file '" + *it + "' line " + std::to_string(entry.line) + ": " +
                           e.what());
        }
      }
    }
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see --help)");  // the app prefixes its name
  }
  return true;
}

std::function<void(double)> in_range(const std::string& option, double lo, double hi) {
  return [option, lo, hi](double v) {
    WSNAS_CHECK_USAGE(v >= lo && v <= hi, "--", option, " ", v, " out of range (expected ", lo,
                      " to ", hi, ")");
  };
}

std::function<void(int)> at_least(const std::string& option, int lo) {
  return [option, lo](int v) {
    WSNAS_CHECK_USAGE(v >= lo, "--", option, " ", v, " out of range (expected at least ", lo, ")");
  };
}

std::function<void(const std::string&)> one_of(const std::string& option,
                                               const std::vector<std::string>& values) {
  return [option, values](const std::string& v) {
    for (const auto& x : values)
      if (v == x) return;
    throw UsageError("--" + option + " '" + v + "': expected one of " + join(values, ", "));
  };
}

}  // namespace wsnas::options
