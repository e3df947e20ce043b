// Commands written in Python (tegenmacht/reporting.py): report and export.
#pragma once

#include <string>
#include <vector>

namespace tegenmacht::cli {

/// Runs `python -c <entry> args...` in the Python the package was built for
/// (or $TEGENMACHT_PYTHON), with the build tree's package on PYTHONPATH when
/// it exists; forwards SIGINT and SIGTERM and returns the exit code (128 + the
/// signal if the child died of one). Throws IoError if Python cannot be run.
int run_python_command(const std::vector<std::string>& args);

}  // namespace tegenmacht::cli
