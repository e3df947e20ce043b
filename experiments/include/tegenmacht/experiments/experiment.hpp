// Experiments: a base scenario, a design over factors (scenario keys), arms
// compared on common random numbers, replicates and named outcomes. An
// experiment expands to jobs (point, arm, replicate); a job is a pure
// function of its resolved scenario, seed and replicate index, so jobs run in
// any order on any thread and are streamed, one by one, to a results file
// that an interrupted experiment resumes from.
//
//   tegenmacht::register_builtin_models();
//   auto exp = tegenmacht::experiments::Experiment::load("scenarios/experiments/strategies_by_context.yaml");
//   auto par = std::make_shared<tegenmacht::Parallel>(2);
//   RunOptions opts;  opts.output = "out.h5";
//   RunReport rep = run_experiment(exp, par, opts);      // writes out.h5
//   Summary s = summarise(read_outcomes("out.h5"));      // analysis.hpp: per-arm means, paired differences
//
// Anchors: FLAME GPU 2's RunPlanVector/CUDAEnsemble, Agents.jl's paramscan
// and ensemblerun!, NetLogo BehaviorSpace, the EMA Workbench.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tegenmacht/config.hpp"
#include "tegenmacht/parallel.hpp"

namespace tegenmacht::experiments {

/// Limits of one experiment file: design points, and points × arms × replicates.
inline constexpr double kMaxPoints = 1e6;
inline constexpr double kMaxJobs = 1e7;

/// A scenario key varied by the design.
struct Factor {
  std::string key;                ///< scenario key path, e.g. "organizing.responsiveness" or "sobol_g.x.2"
  std::vector<std::string> also;  ///< further keys set to the same value (linked, e.g. every institution's)
  std::string name;               ///< column name in results (default: the key)
  std::vector<YAML::Node> values; ///< discrete values (`values:`), or empty for a range
  bool has_range = false;
  double lo = 0, hi = 1;          ///< `range: [lo, hi]`
  bool log = false;               ///< sample log-uniformly (lo > 0)
  bool integer = false;           ///< round to integers (uniform over lo..hi)
  std::size_t levels = 0;         ///< grid on a range: this many evenly spaced values
  SourceLocation where;           ///< where the factor is written
  /// The scenario value for a unit-cube coordinate u in [0, 1].
  YAML::Node at_unit(double u) const;
};

/// One alternative compared on common random numbers: overrides of the scenario.
struct Arm {
  std::string name;
  std::vector<Override> overrides;
};

enum class DesignType { Grid, List, LatinHypercube, Sobol, Morris };
const char* to_string(DesignType t);

enum class Reduce { Final, At, Mean, Min, Max, Sum };
const char* to_string(Reduce r);

/// A named scalar per run, computed from one metric's time series.
struct OutcomeSpec {
  std::string name;
  std::string metric;
  std::string group;          ///< a label of the metric's axis; "" = mean over the axis
  Reduce reduce = Reduce::Final;
  std::int64_t at = -1;       ///< Reduce::At: the step (row) to read
  std::int64_t from = 0;      ///< first step of a window (mean/min/max/sum)
  std::int64_t to = -1;       ///< last step of a window (−1: the last step)
  /// Which direction is better, for comparisons and regime maps: +1 higher,
  /// −1 lower, 0 unspecified (then the model's `lower_is_better`, else higher).
  int better = 0;
  SourceLocation where;
};

/// What metric time series the results file keeps besides the outcomes.
enum class Record { None, Outcomes, All, Chosen };

/// A validated experiment description (an experiment file, or built in code).
struct Experiment {
  std::string source = "<experiment>";  ///< file name for messages
  std::string description;
  std::string scenario_text;     ///< the base scenario's YAML
  std::string scenario_source;   ///< its file name (or "<dict>")
  std::vector<Override> base;    ///< `set:` and command-line --set, applied to every job
  std::vector<Factor> factors;
  DesignType design = DesignType::Grid;
  std::size_t n = 0;                         ///< latin_hypercube points / sobol base samples
  std::size_t levels = 4;                    ///< morris p
  std::size_t trajectories = 10;             ///< morris r
  std::uint64_t design_seed = 0;             ///< seed of random designs
  std::vector<std::vector<YAML::Node>> rows; ///< list design: [point][factor]
  std::vector<SourceLocation> row_where;
  std::vector<Arm> arms;                     ///< never empty after load
  std::string baseline;                      ///< arm the others are compared with
  std::uint32_t replicates = 1;
  std::uint64_t seed = 1;
  std::vector<OutcomeSpec> outcomes;         ///< empty: the model's default outcomes
  /// `branch: {at: W}`: every (point, replicate) runs weeks 1..W−1 once (the
  /// base scenario with the point's factors, without the arms' changes); each
  /// arm continues from that state with its changes applied before week W,
  /// exactly as a timeline event `{week: W, ...}` would apply them, on the same
  /// random streams. 0: no branch (every job runs from week 0).
  std::uint32_t branch_at = 0;
  SourceLocation branch_where;
  Record record = Record::None;
  std::vector<std::string> record_metrics;   ///< Record::Chosen
  SourceLocation record_where;               ///< where `record:` is written

  /// Reads and validates an experiment file. `sets` are scenario overrides
  /// ("key=value", applied after the file's `set:`). Throws IoError,
  /// ConfigError (file:line:column, key path, "did you mean").
  static Experiment load(const std::string& path, const std::vector<std::string>& sets = {});
  /// The same from YAML text; a relative `scenario:` path is taken from `base_dir`.
  static Experiment from_text(const std::string& text, const std::string& source, const std::string& base_dir,
                              const std::vector<std::string>& sets = {});
  /// An experiment of one point and one arm ("base") over a scenario file,
  /// with its replicates and seed; callers add arms, factors and outcomes
  /// (the `compare` and `sweep` commands are built this way).
  static Experiment for_scenario(const std::string& path, const std::vector<std::string>& sets = {});
  /// The schema of experiment files (for `tegenmacht info --experiment-keys` and docs).
  static Schema schema();
  /// Checks what the keys of factors, arms and base overrides may be (model,
  /// seed, replicates and steps cannot vary; a key is varied by at most one
  /// factor or by the arms; a base override of a varied key would have no
  /// effect) and that names are unique. from_text calls it; code that builds
  /// an experiment field by field gets it from run_experiment. Throws ConfigError.
  void check() const;
  /// This experiment as YAML (what results files store).
  std::string to_yaml() const;
};

/// The design points. Values are made on demand from the unit coordinates (or
/// the grid's level indices, or the list's rows), so memory grows with the
/// points only by the unit coordinates.
struct DesignPoints {
  std::size_t points = 0;
  std::vector<std::vector<double>> unit;        ///< [point][factor] for sampling designs, else empty
  std::vector<int> morris_changed;              ///< morris: factor moved from the previous row (−1: first)
  double morris_delta = 0;
  /// The scenario value of factor j at point p (as written, with its source mark, where it is written).
  YAML::Node value(std::size_t p, std::size_t j) const;

  const Experiment* experiment = nullptr;       ///< the experiment the points belong to (must outlive them)
  std::vector<std::size_t> grid_levels;         ///< grid: values per factor
};
/// Expands the design (deterministic for design_seed).
DesignPoints expand_design(const Experiment& exp);

/// The scenario overrides of one job's (point, arm): base, then the point's
/// factor values, then the arm's overrides, then seed and replicates.
std::vector<Override> job_overrides(const Experiment& exp, const DesignPoints& d, std::size_t point, std::size_t arm);

/// The overrides of a branched experiment's burn-in at a point: job_overrides
/// without the arm's.
std::vector<Override> burn_in_overrides(const Experiment& exp, const DesignPoints& d, std::size_t point);
/// A job's coordinates. Job index = (point · arms + arm) · replicates + replicate.
struct Job {
  std::size_t point, arm;
  std::uint32_t replicate;
};

/// Progress of a running experiment (called from worker threads, serialised).
struct Progress {
  std::size_t done = 0;      ///< jobs finished (including those of a resumed file)
  std::size_t total = 0;
  std::size_t run = 0;       ///< jobs finished in this call
  double seconds = 0;        ///< since the start of this call
};

class Cluster;

/// What run_experiment computes into /analysis of a finished file (analysis.hpp).
struct AnalysisOptions {
  double level = 0.95;              ///< of every interval
  double adequacy = 0.05;           ///< the wanted CI half-width for the adequacy table
  bool adequacy_relative = true;    ///< ... relative to |mean| (else in outcome units)
  std::size_t bootstrap = 1000;     ///< resamples for Sobol' intervals
  std::uint64_t seed = 0;           ///< of the bootstrap
};
struct RunOptions {
  std::string output;                 ///< results file (required); streamed to output + ".partial"
  bool resume = false;                ///< continue output(.partial), running only the missing jobs
  std::string command_line;           ///< provenance
  const std::atomic<bool>* stop = nullptr;  ///< set to stop: running jobs are abandoned, the file stays resumable
  std::function<void(const Progress&)> progress;
  bool analyse = true;                ///< once every job is done, write /analysis (write_analysis)
  /// Called once per distinct scenario warning (registry.hpp, Warning) of any
  /// (point, arm), after validation and before the first job; the warnings
  /// are also stored in the file (attribute `warnings`) and in the report.
  std::function<void(const std::string&)> warning;
  AnalysisOptions analysis;
  /// Several processes (MPI ranks) share the jobs; every rank calls
  /// run_experiment with its own Cluster (cluster.hpp). nullptr: this process
  /// runs every job. On a rank other than 0 the report has an empty path.
  Cluster* cluster = nullptr;
};

struct RunReport {
  std::string path;          ///< the file holding the results (output, or output + ".partial" if incomplete;
                             ///< empty if stopped before any job finished: then no file is left)
  std::size_t jobs_total = 0, jobs_done = 0, jobs_run = 0, jobs_resumed = 0;
  bool complete = false;
  double seconds = 0;
  std::vector<std::string> warnings;  ///< scenario warnings of every (point, arm), each once
};

/// Validates every (point, arm) scenario (each model is built once, so errors
/// only a model sees also stop the experiment before its first job), then
/// runs every job not yet done on the pool and writes each to the file as it
/// finishes. Job results never depend on the thread count or order. Throws
/// ConfigError / IoError / ArgumentError before any job runs; an error inside
/// a job stops the experiment and is rethrown (the file stays resumable).
RunReport run_experiment(const Experiment& exp, std::shared_ptr<Parallel> parallel, const RunOptions& options);

/// Outcomes read back from a results file (or built from arrays, as the
/// Python bindings do): what the analyses of analysis.hpp work on.
struct Outcomes {
  std::size_t points = 0, arms = 0, replicates = 0;
  std::vector<std::string> names;            ///< outcome names
  std::vector<int> better;                   ///< [outcome] +1 higher is better, −1 lower
  std::vector<std::string> units;            ///< [outcome] the metric's unit ("" if none or unknown)
  std::vector<std::string> arm_names;
  std::string baseline;
  std::vector<std::vector<double>> values;   ///< [outcome][(point·arms + arm)·replicates + replicate], NaN if not done
  std::vector<std::uint8_t> done;            ///< [job]
  std::vector<std::string> factor_names;
  std::vector<std::vector<std::string>> factor_values;  ///< [factor][point], as text
  std::string design;                        ///< grid, list, latin_hypercube, sobol, morris
  std::size_t sobol_n = 0;                   ///< sobol: the base sample n (blocks of n rows)
  std::vector<double> unit;                  ///< sampling designs: [point·factors + factor] unit-cube coordinates
  std::vector<int> morris_changed;           ///< morris: [point] factor moved from the previous point (−1: start)
  double at(std::size_t o, std::size_t p, std::size_t a, std::size_t r) const {
    return values[o][(p * arms + a) * replicates + r];
  }
  /// Index of an outcome or arm by name; throws ArgumentError naming `what` and the choices.
  std::size_t outcome_index(const std::string& name) const;
  std::size_t arm_index(const std::string& name) const;
  std::size_t baseline_index() const;  ///< the baseline arm (0 if the file names none)
};
/// Reads the outcomes of an experiment file. Throws IoError for a missing or unreadable file.
Outcomes read_outcomes(const std::string& path);

}  // namespace tegenmacht::experiments
