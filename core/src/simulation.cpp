#include "tegenmacht/simulation.hpp"

#include <algorithm>
#include <chrono>

#include "tegenmacht/registry.hpp"
#include "tegenmacht/version.hpp"

namespace tegenmacht {

void Model::state(State&) {
  throw ArgumentError("checkpoint", "this model does not declare its state (Model::state), so it cannot be "
                                    "checkpointed, restored or forked");
}

void Model::set(const std::string& key, const YAML::Node&) {
  throw ArgumentError(key, "'" + key + "' cannot be changed during a run");
}

void take_snapshot(const Model& model, std::uint32_t step, Recorder& recorder) {
  Snapshot snap;
  snap.step = step;
  for (const auto& c : model.columns()) {
    std::vector<double> v(c.size);
    for (std::size_t i = 0; i < c.size; ++i) {
      switch (c.type) {
        case ColumnView::Type::F64: v[i] = static_cast<const double*>(c.data)[i]; break;
        case ColumnView::Type::I32: v[i] = static_cast<const std::int32_t*>(c.data)[i]; break;
        case ColumnView::Type::U32: v[i] = static_cast<const std::uint32_t*>(c.data)[i]; break;
        case ColumnView::Type::U8: v[i] = static_cast<const std::uint8_t*>(c.data)[i]; break;
      }
    }
    snap.columns.emplace(c.name, std::move(v));
  }
  recorder.snapshots().push_back(std::move(snap));
}

namespace {
Config resolved(const Config& c) {
  Config x = c;
  if (!x.validated()) resolve_scenario(x);
  return x;
}
}  // namespace

Simulation::Simulation(const Config& config, std::uint32_t replicate, std::shared_ptr<Parallel> parallel)
    : config_(resolved(config)),
      parallel_(std::move(parallel)),
      rng_(static_cast<std::uint64_t>(config_.node("seed").as<unsigned long long>()), replicate),
      replicate_(replicate) {
  if (!parallel_) throw ArgumentError("parallel", "a thread pool is required");
  const std::string name = config_.get_string("model");
  const ModelInfo* info = Registry::instance().find(name);
  if (!info) config_.fail("model", "unknown model '" + name + "'");
  steps_ = static_cast<std::uint32_t>(config_.get_int("steps"));
  snapshot_every_ = static_cast<std::uint32_t>(config_.get_int("output.snapshot_every"));
  model_ = info->create();
  model_->init(config_, rng_, *parallel_);
  model_->declare(recorder_);
  const auto wanted = config_.get_strings("output.metrics");
  const auto unknown = recorder_.select(wanted);
  if (!unknown.empty()) {
    std::string names;
    for (const auto& s : recorder_.series()) names += (names.empty() ? "" : ", ") + s.name;
    config_.fail("output.metrics", "unknown metric '" + unknown.front() + "' (model '" + name + "' records: " + names + ")");
  }
  recorder_.reserve(steps_ + 1);
  observe();
}

void Simulation::observe() {
  recorder_.begin_row();
  model_->observe(recorder_);
  if (snapshot_every_ > 0 && step_ % snapshot_every_ == 0) take_snapshot(*model_, step_, recorder_);
}

std::uint32_t Simulation::step(std::uint32_t n) {
  std::uint32_t taken = 0;
  while (taken < n && step_ < steps_) {
    ++step_;
    StepContext ctx{step_, rng_, *parallel_};
    model_->step(ctx);
    observe();
    ++taken;
  }
  return taken;
}

Checkpoint Simulation::checkpoint() {
  Checkpoint c;
  c.state = save_state(*model_);
  c.model = config_.get_string("model");
  c.version = version();
  c.format = kCheckpointFormat;
  c.scenario = config_.to_yaml();
  c.seed = config_.node("seed").as<std::uint64_t>();
  c.replicate = replicate_;
  c.step = step_;
  c.changes = changes_;
  c.recorder = recorder_;
  return c;
}

Simulation Simulation::restore(const Checkpoint& ckpt, std::shared_ptr<Parallel> parallel, std::uint32_t steps,
                               const std::string& what) {
  Config cfg = load_scenario_text(ckpt.scenario, what + " (its scenario)");
  if (cfg.get_string("model") != ckpt.model)
    throw ArgumentError(what, "was written by model '" + ckpt.model + "' but its scenario names '" +
                                  cfg.get_string("model") + "'");
  if (cfg.node("seed").as<std::uint64_t>() != ckpt.seed)
    throw ArgumentError(what, "its seed and its scenario's seed differ (a damaged checkpoint?)");
  if (steps > 0) {
    if (steps < ckpt.step)
      throw ArgumentError("steps", std::to_string(steps) + " steps are fewer than the " + std::to_string(ckpt.step) +
                                       " the checkpoint has done already");
    cfg.apply_override(Override{"steps", YAML::Node(steps), {"--steps", 0, 0}});
    resolve_scenario(cfg);
  }
  Simulation sim(cfg, ckpt.replicate, std::move(parallel));
  if (ckpt.step > sim.steps_)
    throw ArgumentError(what, "is at step " + std::to_string(ckpt.step) + ", past the scenario's last step " +
                                  std::to_string(sim.steps_) + " (give more steps)");
  load_state(*sim.model_, ckpt.state, what);
  if (const std::string why = sim.recorder_.restore_rows(ckpt.recorder); !why.empty())
    throw ArgumentError(what, "its recorder does not fit the model: " + why);
  if (sim.recorder_.rows() != static_cast<std::size_t>(ckpt.step) + 1)
    throw ArgumentError(what, "its recorder has " + std::to_string(sim.recorder_.rows()) + " rows at step " +
                                  std::to_string(ckpt.step) + " (a damaged checkpoint?)");
  sim.recorder_.reserve(sim.steps_ + 1);
  sim.step_ = ckpt.step;
  sim.changes_ = ckpt.changes;
  return sim;
}

Simulation Simulation::fork() {
  const Checkpoint c = checkpoint();
  Simulation copy = restore(c, parallel_, steps_, "fork");
  copy.config_ = config_;
  return copy;
}

void Simulation::set(const std::string& key, const std::string& value, const SourceLocation& where) {
  const std::string model = config_.get_string("model");
  const auto keys = model_->settable();
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
    std::string list;
    for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
    const std::string guess = suggest_key(key, keys);
    throw ConfigError(ConfigError::Kind::UnknownKey, where, key,
                      keys.empty() ? "model '" + model + "' has no parameters that can change during a run"
                      : !guess.empty()
                          ? "'" + key + "' cannot be changed during a run; did you mean '" + guess + "'?"
                          : "'" + key + "' cannot be changed during a run (settable: " + list + ")");
  }
  // validated exactly as the scenario: the value replaces the key in a copy of
  // the resolved scenario, which is checked against the whole schema
  const Override o = Override::parse(key + "=" + value, where);
  Config checked = Config::parse_text(config_.to_yaml(), config_.source(), std::vector<Override>{o});
  resolve_scenario(checked);
  try {
    model_->set(key, checked.node(key));
  } catch (const ArgumentError& e) {
    throw ConfigError(ConfigError::Kind::Invalid, where, key, e.what());
  }
  changes_.push_back(std::to_string(step_) + ": " + o.str());
}

bool Simulation::run(const std::atomic<bool>* stop, const CheckpointPlan* plan) {
  auto wanted = [&](std::uint32_t t) {
    return plan && std::find(plan->at.begin(), plan->at.end(), t) != plan->at.end();
  };
  while (true) {
    if (wanted(step_)) write_checkpoint(plan->path(replicate_, step_), checkpoint());
    if (step_ >= steps_) return true;
    if (stop && stop->load(std::memory_order_relaxed)) return false;
    step(1);
  }
}

EnsembleResult run_ensemble(const Config& config, std::shared_ptr<Parallel> parallel, const std::atomic<bool>* stop,
                            const CheckpointPlan* plan) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto replicates = static_cast<std::uint32_t>(config.get_int("replicates"));
  EnsembleResult res;
  res.recorders.resize(replicates);
  res.steps_done.assign(replicates, 0);
  std::vector<char> complete(replicates, 0);
  // Replicates run `threads` at a time; within a replicate the model's own
  // loops share the same pool, so nothing is oversubscribed and memory stays
  // bounded by `threads` live models.
  const std::uint32_t batch = std::max(1, parallel->threads());
  for (std::uint32_t first = 0; first < replicates; first += batch) {
    const std::uint32_t count = std::min(batch, replicates - first);
    parallel->for_blocks(count, 1, [&](std::size_t b, std::size_t, std::size_t) {
      const auto r = static_cast<std::uint32_t>(first + b);
      Simulation sim(config, r, parallel);
      complete[r] = sim.run(stop, plan) ? 1 : 0;
      res.steps_done[r] = sim.current_step();
      res.recorders[r] = sim.recorder();
    });
    if (stop && stop->load()) break;
  }
  res.complete = std::all_of(complete.begin(), complete.end(), [](char c) { return c != 0; });
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace tegenmacht
