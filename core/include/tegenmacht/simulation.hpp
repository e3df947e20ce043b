// A run of a model: owns the model, its randomness and its recorder, and
// steps it. An Ensemble runs replicates of a scenario.
//
//   auto cfg = tegenmacht::load_scenario("scenarios/default.yaml");
//   auto par = std::make_shared<tegenmacht::Parallel>(2);
//   tegenmacht::Simulation sim(cfg, /*replicate=*/0, par);
//   sim.run();
//   const auto* active = sim.recorder().find("active");
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "tegenmacht/config.hpp"
#include "tegenmacht/model.hpp"
#include "tegenmacht/parallel.hpp"
#include "tegenmacht/recorder.hpp"
#include "tegenmacht/rng.hpp"
#include "tegenmacht/state.hpp"

namespace tegenmacht {

struct CheckpointPlan;

class Simulation {
 public:
  /// Creates and initialises the model named in the (validated) config.
  Simulation(const Config& config, std::uint32_t replicate, std::shared_ptr<Parallel> parallel);

  /// Advances n steps (never beyond the scenario's `steps`). Returns the steps taken.
  std::uint32_t step(std::uint32_t n = 1);
  /// Runs to the end, or until *stop becomes true. Returns true when complete.
  /// With a plan, writes a checkpoint file whenever the step is one of
  /// plan->at (IoError stops the run).
  bool run(const std::atomic<bool>* stop = nullptr, const CheckpointPlan* plan = nullptr);

  /// Everything needed to continue this run bit for bit: the model's declared
  /// state (Model::state), the recorder so far, the resolved scenario, seed,
  /// replicate and step. Throws ArgumentError if the model declares no state.
  Checkpoint checkpoint();
  /// A run continued from `ckpt`, bit for bit as if it had never stopped: the
  /// model is built from the checkpoint's scenario, then its state, the
  /// recorder and the step are restored. `steps` > 0 replaces the scenario's
  /// number of steps (it must be at least the checkpoint's step). Throws
  /// ArgumentError naming `what` (the file) if the checkpoint does not fit the
  /// model (another model, version or list lengths).
  static Simulation restore(const Checkpoint& ckpt, std::shared_ptr<Parallel> parallel, std::uint32_t steps = 0,
                            const std::string& what = "checkpoint");
  /// An independent copy that continues on the same random streams (so the
  /// copy and the original, stepped alike, stay bit-identical).
  Simulation fork();
  /// Changes a parameter between steps: `key` must be one of the model's
  /// settable() keys (or `strategy`), `value` YAML text checked against the
  /// key's schema declaration (type, range, choices) exactly as the scenario
  /// is. Throws ConfigError naming `where` and the key. The change is kept in
  /// changes() and in checkpoints.
  void set(const std::string& key, const std::string& value, const SourceLocation& where = {"set", 0, 0});
  /// The changes made by set() so far, as "step: key=value".
  const std::vector<std::string>& changes() const noexcept { return changes_; }

  std::uint32_t current_step() const noexcept { return step_; }
  std::uint32_t replicate() const noexcept { return replicate_; }
  std::uint32_t total_steps() const noexcept { return steps_; }
  bool done() const noexcept { return step_ >= steps_; }
  const Config& config() const noexcept { return config_; }
  const Rng& rng() const noexcept { return rng_; }
  Model& model() noexcept { return *model_; }
  const Model& model() const noexcept { return *model_; }
  const Recorder& recorder() const noexcept { return recorder_; }
  Parallel& parallel() noexcept { return *parallel_; }
  /// Bytes of the model's declared state (agent columns, network, tables), after init.
  double state_bytes() const noexcept { return state_bytes_; }
  /// Bytes the recorder will hold at the end (every enabled series, every step, and snapshots).
  double record_bytes() const noexcept { return record_bytes_; }

 private:
  void observe();
  Config config_;
  std::shared_ptr<Parallel> parallel_;
  Rng rng_;
  std::unique_ptr<Model> model_;
  Recorder recorder_;
  std::uint32_t step_ = 0;
  std::uint32_t steps_ = 0;
  std::uint32_t snapshot_every_ = 0;
  std::uint32_t replicate_ = 0;
  std::vector<std::string> changes_;
  double state_bytes_ = 0;
  double record_bytes_ = 0;
};

/// Bytes of memory this process may still use: the least of the system's
/// MemAvailable, a cgroup v2 limit less its use (batch jobs) and RLIMIT_AS;
/// infinity when none is known. Runs needing more than 90 % of it are refused
/// up front (Error naming the scenario file) instead of ending in bad_alloc.
double available_memory_bytes();

/// The outcome of running every replicate of a scenario.
struct EnsembleResult {
  std::vector<Recorder> recorders;          ///< one per replicate
  std::vector<std::uint32_t> steps_done;    ///< per replicate
  bool complete = true;
  double seconds = 0;
};

/// Checkpoints an ensemble writes while it runs.
struct CheckpointPlan {
  std::vector<std::uint32_t> at;  ///< steps (weeks) after which to write one (0: the initial state)
  /// The file of replicate r at step t.
  std::function<std::string(std::uint32_t replicate, std::uint32_t step)> path;
};

/// Runs `replicates` replicates (from the config) of the scenario, several at
/// a time on the shared thread pool. Replicate r is keyed by (seed, r), so
/// results do not depend on how many run at once. With a plan, every
/// replicate writes a checkpoint file at each of plan.at (write_checkpoint;
/// IoError stops the run). `accepted`, if given, is called once replicate 0
/// has been built, i.e. once the model has accepted the scenario (the
/// command line prints the scenario's warnings then, and not before an error).
EnsembleResult run_ensemble(const Config& config, std::shared_ptr<Parallel> parallel,
                            const std::atomic<bool>* stop = nullptr, const CheckpointPlan* plan = nullptr,
                            const std::function<void()>& accepted = {});

}  // namespace tegenmacht
