#include "wsnas/io/results.h"

#include "wsnas/core/error.h"
#include "wsnas/io/atomic_file.h"

namespace wsnas::io {

void stamp_results(File& f, const std::string& kind, const Provenance& provenance) {
  f.set_attr("/", "schema", kSchemaName);
  f.set_attr("/", "schema_version", kSchemaVersion);
  f.set_attr("/", "kind", kind);
  write_provenance(f, provenance);
}

void write_results_file(const std::string& path, const std::string& kind,
                        const Provenance& provenance, const std::function<void(File&)>& fill) {
  AtomicPath out(path);
  {
    auto f = File::create(out.temp());
    stamp_results(f, kind, provenance);
    fill(f);
    f.close();
  }
  out.commit();
}

void check_results(const File& f, const std::string& kind) {
  const std::string ctx = "file '" + f.path() + "'";
  if (!f.has_attr("/", "schema") || f.attr_type("/", "schema") != AttrType::kString ||
      f.attr_string("/", "schema") != kSchemaName) {
    throw InputError(ctx + ": not a wsnas results file (root attribute schema=\"wsnas\" missing)");
  }
  WSNAS_CHECK_INPUT(f.has_attr("/", "schema_version"), ctx, ": missing attribute schema_version");
  auto version = f.attr_int("/", "schema_version");
  WSNAS_CHECK_INPUT(version == kSchemaVersion, ctx, ": schema_version ", version,
                    " is not supported (this build reads version ", kSchemaVersion, ")");
  if (!kind.empty()) {
    std::string found = f.has_attr("/", "kind") ? f.attr_string("/", "kind") : "(none)";
    WSNAS_CHECK_INPUT(found == kind, ctx, ": expected a '", kind, "' results file, found kind '",
                      found, "'");
  }
}

void write_provenance(File& f, const Provenance& provenance) {
  f.create_group("/provenance");
  for (const auto& [k, v] : provenance.entries) f.set_attr("/provenance", k, v);
}

Provenance read_provenance(const File& f) {
  Provenance p;
  if (!f.exists("/provenance")) return p;
  for (const auto& name : f.attr_names("/provenance")) {
    if (f.attr_type("/provenance", name) == AttrType::kString)
      p.set(name, f.attr_string("/provenance", name));
  }
  return p;
}

}  // namespace wsnas::io
