#pragma once
/// Where wsnas finds the files it ships beside its programs (analysis/plot.py, configs/, data/).

#include <string>

namespace wsnas {

/// The folder holding analysis/, configs/, data/ and slurm/: $WSNAS_SHARE_DIR when set; else
/// <prefix>/share/wsnas when the running program is an installed one (<prefix>/bin/<app>, as
/// `cmake --install` and the .deb lay it out); else, for a program of the build tree, the source
/// tree it was built from; else (another program linking wsnas) the share folder of the
/// installation prefix configured at build time.
std::string share_dir();

/// share_dir() + "/" + relative.
std::string share_path(const std::string& relative);

/// A file the user named: `path` itself when it exists or is absolute; else, when the relative
/// path exists under share_dir() (e.g. `configs/nb201.ini` from an installed wsnas), that file;
/// else `path` unchanged, so the caller's error names what the user wrote.
std::string find_shipped_file(const std::string& path);

}  // namespace wsnas
