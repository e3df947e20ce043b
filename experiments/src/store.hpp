// The experiment results file (layout in README.md, "Experiment results file").
//
// Every dataset a job writes is created at full size when the file is made
// (contiguous, allocated early, NaN-filled, no filters), so a job's results
// are written in place and the file's structure never changes afterwards.
// HDF5's sieve buffer is off, so each write reaches the operating system in
// program order: a job's outcomes and series first, its `done` flag last. A
// process killed at any moment therefore leaves a readable file in which
// every job marked done is complete; --resume runs the others.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tegenmacht::experiments::detail {

struct OutcomeMeta {
  std::string name, metric, group, reduce, unit, description;
  std::int64_t at = -1, from = 0, to = -1;
  int better = 1;  ///< +1 higher is better, −1 lower
};
struct SeriesMeta {
  std::string name, axis, unit, description;
  std::size_t width = 1;
};
struct FactorMeta {
  std::string name, key;
  std::vector<std::string> also;
  std::vector<std::string> text;   ///< [point] value as YAML text
  std::vector<double> numeric;     ///< [point] value as a number (when every value is one)
  bool is_numeric = false;
  bool log = false, integer = false, has_range = false;
  double lo = 0, hi = 0;
};

struct StoreLayout {
  std::string model, description, experiment_yaml, base_config_yaml, experiment_file, scenario_file, command_line;
  std::string design, baseline;
  std::int64_t steps = 0, threads = 1;
  std::uint64_t seed = 0, design_seed = 0;
  std::size_t points = 0, arms = 0, replicates = 0;
  std::size_t n = 0, levels = 0, trajectories = 0;
  std::vector<OutcomeMeta> outcomes;
  std::vector<SeriesMeta> series;
  std::map<std::string, std::vector<std::string>> labels;
  std::vector<FactorMeta> factors;
  std::vector<std::vector<double>> unit;  ///< [point][factor], sampling designs
  std::vector<int> morris_changed;
  double morris_delta = 0;
  std::vector<std::string> arm_names, arm_overrides;
  std::size_t jobs() const { return points * arms * replicates; }
};

class Store {
 public:
  /// Creates `path` (truncating) with every dataset. Throws IoError.
  static std::unique_ptr<Store> create(const std::string& path, const StoreLayout& layout);
  /// Opens an experiment file to continue it. Throws IoError if it is not one.
  static std::unique_ptr<Store> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }
  /// Appends one (point, arm) resolved scenario (creation only, in job order of (point, arm)).
  void append_scenario(const std::string& yaml);
  /// Records the experiment's fingerprint once every scenario has been appended.
  void set_fingerprint(const std::string& fingerprint);
  /// The scenario warnings of every (point, arm), each once (attribute `warnings`).
  void set_warnings(const std::vector<std::string>& warnings);
  std::string fingerprint() const;
  std::vector<std::uint8_t> done() const;
  std::size_t jobs() const { return jobs_; }
  /// Writes one finished job: its outcomes, then its recorded series (rows ×
  /// width values each, in the layout's order), then its done flag.
  void write_job(std::size_t job, const std::vector<double>& outcomes, const std::vector<const double*>& series,
                 double seconds);
  /// Updates complete, jobs_done and elapsed_seconds.
  void finish(bool complete, std::size_t jobs_done, double seconds);
  void close();

 private:
  Store() = default;
  void open_datasets();
  std::string path_;
  std::int64_t file_ = -1;
  std::vector<std::int64_t> outcome_sets_, series_sets_;
  std::vector<std::size_t> series_block_;
  std::int64_t done_set_ = -1, seconds_set_ = -1, scen_text_ = -1, scen_offset_ = -1;
  std::size_t jobs_ = 0, scen_bytes_ = 0, scen_count_ = 0;
  std::size_t points_ = 0, arms_ = 0;
  double elapsed_before_ = 0;
};

/// File access for experiment files: no sieve buffer (raw writes reach the OS
/// in program order), no file locking (the file can be read while the
/// experiment runs). The caller closes it (H5Pclose).
std::int64_t access_plist();

/// FNV-1a 64-bit over text, continuing from h (start with kFnvOffset).
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
std::uint64_t fnv1a(std::uint64_t h, const std::string& text);

}  // namespace tegenmacht::experiments::detail
