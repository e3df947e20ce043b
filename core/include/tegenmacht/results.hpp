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
  /// A run continued from a checkpoint: the file, its week, the replicate
  /// index (attributes continued_from, continued_at_step, first_replicate) and
  /// the run-time changes (attribute changes).
  std::string continued_from;
  std::int64_t continued_at_step = -1;
  std::int64_t first_replicate = 0;
  std::vector<std::string> changes;
};

/// Sets up the HDF5 library for tegenmacht's readers and writers: errors are
/// reported as exceptions (not printed), and the library does not clean up at
/// exit (HDF5 1.10 crashes there after a file whose close failed, e.g. on a
/// full disk; every file is closed explicitly anyway). Every reader and
/// writer calls it; a program that also uses HDF5 itself calls it first.
void prepare_hdf5();

/// Fails (IoError, ArgumentError) if `path` cannot name a results file: a
/// folder, a device, pipe or socket (which renaming the finished file over
/// would replace), a name ending in .partial (the unfinished file's), or a
/// name not ending in .h5, .hdf5 or .he5 (so that -o never replaces a scenario).
void check_output_path(const std::string& path);

/// Fails early (IoError) if `path` cannot be written, leaving nothing behind
/// (check_output_path, then a trial write of path + ".partial").
void check_writable(const std::string& path);

/// Where the results of an interrupted run are written: `path`, unless `path`
/// already holds a complete results file (attribute complete = 1), which an
/// incomplete one never replaces; then <stem>.interrupted.h5 beside it.
std::string incomplete_results_path(const std::string& path);

/// Writes `path` atomically: to path + ".partial", renamed on success; on any
/// failure the partial file is removed and IoError thrown.
void write_results(const std::string& path, const Config& config, const EnsembleResult& result,
                   const Provenance& provenance);

/// The varied keys of a sweep and, per run, their values and resolved config.
struct SweepInfo {
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> values;  ///< [run][key], as given on the command line
  std::vector<std::string> configs;              ///< [run] resolved scenario (YAML)
};

/// Writes a sweep: metrics get a leading `run` axis ([run, replicate, step(, X)]),
/// /parameters/<key> holds each run's value of each varied key and
/// /parameters/_config each run's resolved scenario. Runs not in `results`
/// (an interrupted sweep) are NaN and the file is marked incomplete.
void write_sweep(const std::string& path, const Config& base, const SweepInfo& sweep,
                 const std::vector<EnsembleResult>& results, const Provenance& provenance);

}  // namespace tegenmacht
