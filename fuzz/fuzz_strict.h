#pragma once
// The stricter refusal rule of the newer targets (tfrecord, jpeg, text, arch_json, study): a
// parser of outside input refuses with an InputError (UsageError included), the one-line error
// the apps report as exit status 2. Anything else escaping it is a finding: a plain wsnas::Error
// (WSNAS_CHECK, or WSNAS_ASSERT's "internal error": an invariant the input broke), nlohmann's or
// the standard library's exceptions (a bare stoi, json::value on the wrong type), as well as
// crashes and sanitizer reports.
#include <exception>
#include <string>
#include <typeinfo>

#include "fuzz_support.h"
#include "wsnas/core/error.h"

namespace wsnas::fuzz {

/// Runs `f`; an InputError is the parser refusing the input, any other exception a finding.
template <class F>
void refused_or_accepted(F&& f) {
  try {
    f();
  } catch (const wsnas::InputError&) {
  } catch (const wsnas::Error& e) {
    finding(std::string("a wsnas::Error that is not an InputError escaped: ") + e.what());
  } catch (const std::exception& e) {
    finding(std::string("exception ") + typeid(e).name() + " escaped: " + e.what());
  } catch (...) {
    finding("an exception of unknown type escaped");
  }
}

}  // namespace wsnas::fuzz
