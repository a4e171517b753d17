// Plugins: shared libraries named by WSNAS_PLUGINS that add spaces (and their networks) to the
// registries without a rebuild (docs/engine.md, "A space from a plugin").
#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "wsnas/core/error.h"
#include "wsnas/core/strings.h"
#include "wsnas/space/search_space.h"

namespace wsnas::space {

void load_plugins() {
  static bool loaded = false;
  if (loaded) return;
  loaded = true;  // before the entry points run: they call the registries
  const char* env = std::getenv("WSNAS_PLUGINS");
  if (env == nullptr) return;
  for (const auto& path : split(env, ':')) {
    if (path.empty()) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      throw InputError("WSNAS_PLUGINS: cannot load '" + path + "': " + (why ? why : "unknown"));
    }
    auto* entry = reinterpret_cast<void (*)()>(dlsym(handle, "wsnas_register"));
    WSNAS_CHECK_INPUT(entry != nullptr, "WSNAS_PLUGINS: '", path,
                      "' has no entry point: expected extern \"C\" void wsnas_register()");
    entry();
  }
}

}  // namespace wsnas::space
