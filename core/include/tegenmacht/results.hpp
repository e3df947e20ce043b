// The HDF5 results file (layout in README.md, "Results file").
#pragma once

#include <string>
#include <vector>

#include "tegenmacht/config.hpp"
#include "tegenmacht/simulation.hpp"

namespace tegenmacht {

struct Provenance {
  std::string command_line;
  int threads = 1;
};

/// Fails early (IoError) if `path` cannot be written, leaving nothing behind.
void check_writable(const std::string& path);

/// Writes `path` atomically: to path + ".partial", renamed on success; on any
/// failure the partial file is removed and IoError thrown.
void write_results(const std::string& path, const Config& config, const EnsembleResult& result,
                   const Provenance& provenance);

}  // namespace tegenmacht
