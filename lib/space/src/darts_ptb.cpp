#include "wsnas/space/darts_ptb.h"

#include "json_arch.h"
#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"

namespace wsnas::space {

const std::array<const char*, 4> kDartsPtbActivations = {"tanh", "relu", "sigmoid", "identity"};

namespace {

const char* const kForm =
    " (expected Genotype(recurrent=[('act', input), ... 8 pairs], concat=[1, 2, 3, 4, 5, 6, 7, "
    "8]) with act one of tanh, relu, sigmoid, identity and input 0..i for node i = 0..7; or the "
    "CSV's JSON object of 16 keys \"act/0\".. \"act/7\" (0..3), \"switch/0\".. \"switch/7\" "
    "(0..i))";

int activation_id(const std::string& name) {
  for (int i = 0; i < 4; ++i)
    if (name == kDartsPtbActivations[static_cast<std::size_t>(i)]) return i;
  return -1;
}

}  // namespace

DartsPtbSpace::DartsPtbSpace() {
  const std::vector<std::string> acts(kDartsPtbActivations.begin(), kDartsPtbActivations.end());
  for (int i = 0; i < kDartsPtbNodes; ++i)
    decisions_.push_back({"node " + std::to_string(i) + " activation", acts});
  for (int i = 0; i < kDartsPtbNodes; ++i) {
    Decision d{"node " + std::to_string(i) + " input", {}};
    for (int j = 0; j <= i; ++j) d.options.push_back(std::to_string(j));
    decisions_.push_back(std::move(d));
  }
}

Arch DartsPtbSpace::parse(const std::string& text) const {
  const std::string t = trim(text);
  const std::string ctx = "darts-ptb architecture '" + printable(t, 120) + "'";
  Arch a;
  a.choices.assign(decisions_.size(), -1);
  auto set = [&](int node, int act, int input) {
    WSNAS_CHECK_INPUT(act >= 0 && act < 4, ctx, ": node ", node, " has an unknown activation",
                      kForm);
    WSNAS_CHECK_INPUT(input >= 0 && input <= node, ctx, ": node ", node, " has input ", input,
                      ", expected 0..", node, kForm);
    a.choices[decision_index(node, false)] = act;
    a.choices[decision_index(node, true)] = input;
  };
  if (!t.empty() && t.front() == '{') {
    const nlohmann::json j = parse_arch_json(t, ctx, kForm);
    WSNAS_CHECK_INPUT(j.is_object() && j.size() == 2 * kDartsPtbNodes, ctx, ": a JSON object of ",
                      j.size(), " keys, expected 16", kForm);
    for (int i = 0; i < kDartsPtbNodes; ++i) {
      const std::string act = "act/" + std::to_string(i), sw = "switch/" + std::to_string(i);
      WSNAS_CHECK_INPUT(j.contains(act) && j[act].is_number_integer() && j.contains(sw) &&
                            j[sw].is_number_integer(),
                        ctx, ": needs integers '", act, "' and '", sw, "'", kForm);
      set(i, json_int(j[act], ctx, "'" + act + "'", INT_MIN, INT_MAX, kForm),
          json_int(j[sw], ctx, "'" + sw + "'", INT_MIN, INT_MAX, kForm));
    }
    return a;
  }
  GenotypeCursor cur(t, ctx, kForm);
  cur.expect("Genotype(recurrent=[");
  for (int i = 0; i < kDartsPtbNodes; ++i) {
    if (i > 0) cur.expect(",");
    cur.expect("(");
    const std::string act = cur.quoted();
    cur.expect(",");
    const int input = cur.integer();
    cur.expect(")");
    WSNAS_CHECK_INPUT(activation_id(act) >= 0, ctx, ": unknown activation '", act, "'", kForm);
    set(i, activation_id(act), input);
  }
  cur.expect("],concat=");
  if (!cur.eat("[1,2,3,4,5,6,7,8]") && !cur.eat("range(1,9)"))
    throw InputError(ctx + ": concat must be [1, 2, 3, 4, 5, 6, 7, 8] (the paper's space)" + kForm);
  cur.expect(")");
  WSNAS_CHECK_INPUT(cur.at_end(), ctx, ": unexpected text after the Genotype", kForm);
  return a;
}

std::string DartsPtbSpace::to_string(const Arch& arch) const {
  check(arch);
  std::string s = "Genotype(recurrent=[";
  for (int i = 0; i < kDartsPtbNodes; ++i) {
    if (i > 0) s += ", ";
    s += "('" +
         std::string(kDartsPtbActivations[static_cast<std::size_t>(
             arch.choices[decision_index(i, false)])]) +
         "', " + std::to_string(arch.choices[decision_index(i, true)]) + ")";
  }
  return s + "], concat=[1, 2, 3, 4, 5, 6, 7, 8])";
}

std::string DartsPtbSpace::to_json(const Arch& arch) const {
  check(arch);
  nlohmann::json j = nlohmann::json::object();
  for (int i = 0; i < kDartsPtbNodes; ++i) {
    j["act/" + std::to_string(i)] = arch.choices[decision_index(i, false)];
    j["switch/" + std::to_string(i)] = arch.choices[decision_index(i, true)];
  }
  return j.dump();
}

std::optional<std::string> DartsPtbSpace::valid_count() const {
  return std::to_string(size().value());
}

}  // namespace wsnas::space
