#pragma once
/// The versioned results schema (docs/results-format.md): every wsnas HDF5 file carries
/// root attributes `schema` = "wsnas", `schema_version`, `kind`, and a `/provenance` group whose
/// string attributes say what produced it.

#include <functional>
#include <string>

#include "wsnas/core/provenance.h"
#include "wsnas/io/h5file.h"

namespace wsnas::io {

inline constexpr const char* kSchemaName = "wsnas";
/// Bump when a change to the layout would mislead an older reader.
inline constexpr std::int64_t kSchemaVersion = 1;

/// Writes the schema attributes and the provenance of a new result file of the given kind
/// ("supernet", "evaluation", "groundtruth", "analysis", "test", ...).
void stamp_results(File& f, const std::string& kind, const Provenance& provenance);
/// Checks that `f` is a wsnas file of this schema version and of `kind` (any kind if empty);
/// throws InputError naming the file and what was found otherwise.
void check_results(const File& f, const std::string& kind = "");
/// Writes a whole result file atomically: creates it under a temporary name, stamps the schema,
/// `kind` and provenance, lets `fill` write the content, closes and renames it onto `path`. On any
/// error the previous file at `path` (if any) is untouched and the temporary file removed.
void write_results_file(const std::string& path, const std::string& kind,
                        const Provenance& provenance, const std::function<void(File&)>& fill);
/// Writes/replaces the attributes of the /provenance group.
void write_provenance(File& f, const Provenance& provenance);
/// Reads the /provenance group's attributes.
Provenance read_provenance(const File& f);

}  // namespace wsnas::io
