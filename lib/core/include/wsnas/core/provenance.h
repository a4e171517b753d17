#pragma once
/// Provenance: what produced a result (command line, config, seeds, revision, versions).

#include <map>
#include <string>
#include <vector>

namespace wsnas {

/// Git revision of the source tree at build time ("<sha>[-dirty]" or "unknown").
const char* build_revision();
/// wsnas version (project version from CMake).
const char* build_version();

/// Key/value record written as attributes on every result file.
struct Provenance {
  std::map<std::string, std::string> entries;

  /// Fills command line, revision, version, compiler, host, UTC time; other modules add their
  /// library versions with set() (torch, MPI, HDF5) and apps their config and seeds.
  static Provenance collect(int argc, const char* const* argv);
  void set(const std::string& key, const std::string& value) { entries[key] = value; }
};

/// The current UTC time as ISO 8601 ("2026-11-28T20:39:33Z").
std::string utc_now_iso8601();
/// Joins argv into a shell-quoted command line.
std::string quote_command_line(int argc, const char* const* argv);

}  // namespace wsnas
