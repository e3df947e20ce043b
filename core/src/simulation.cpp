#include "tegenmacht/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <new>
#include <sstream>

#include <sys/resource.h>
#include <unistd.h>

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

double available_memory_bytes() {
  double avail = std::numeric_limits<double>::infinity();
  {
    std::ifstream in("/proc/meminfo");
    std::string key;
    double kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
      if (key == "MemAvailable:") avail = std::min(avail, kb * 1024.0);
  }
  // a batch job's memory limit (cgroup v2), less what the group already uses
  {
    std::ifstream max_in("/sys/fs/cgroup/memory.max"), cur_in("/sys/fs/cgroup/memory.current");
    std::string max_text;
    double cur = 0;
    if (max_in >> max_text && max_text != "max" && cur_in >> cur) {
      const double lim = std::strtod(max_text.c_str(), nullptr);
      if (lim > 0) avail = std::min(avail, std::max(0.0, lim - cur));
    }
  }
  // an address-space limit (ulimit -v), less the address space already in use
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    std::ifstream statm("/proc/self/statm");
    double pages = 0;
    statm >> pages;
    const double used = pages * static_cast<double>(sysconf(_SC_PAGESIZE));
    avail = std::min(avail, std::max(0.0, static_cast<double>(as.rlim_cur) - used));
  }
  return avail;
}

namespace {

std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, bytes >= 1e9 ? "%.1f GB" : "%.0f MB", bytes >= 1e9 ? bytes / 1e9 : std::ceil(bytes / 1e6));
  return buf;
}

/// Refuses (Error naming the scenario) a run that would need more memory than
/// this process may use, before the big allocations are made.
void check_fits(const Config& config, double need, const std::string& what) {
  // small needs are not judged: the memory available moves with everything else the
  // machine runs, and a refusal is for runs that cannot fit, not for a busy moment
  if (need < 64e6) return;
  const double avail = available_memory_bytes();
  if (need <= 0.9 * avail) return;
  throw Error(config.source() + ": this run needs about " + gigabytes(need) + " of memory (" + what + ") but " +
              gigabytes(avail) + " are available; use fewer agents, replicates, threads or steps, or record "
              "fewer metrics (output.metrics)");
}

}  // namespace

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
  if (info->memory_estimate) {
    const double est = info->memory_estimate(config_);
    check_fits(config_, est, "the agents and network of one replicate: " + gigabytes(est));
  }
  model_ = info->create();
  try {
    model_->init(config_, rng_, *parallel_);
  } catch (const std::bad_alloc&) {
    throw Error(config_.source() + ": not enough memory to build the agents and network of this scenario (" +
                gigabytes(available_memory_bytes()) + " available); use fewer agents or a sparser network");
  }
  model_->declare(recorder_);
  const auto wanted = config_.get_strings("output.metrics");
  const auto unknown = recorder_.select(wanted);
  if (!unknown.empty()) {
    std::string names;
    for (const auto& s : recorder_.series()) names += (names.empty() ? "" : ", ") + s.name;
    config_.fail("output.metrics", "unknown metric '" + unknown.front() + "' (model '" + name + "' records: " + names + ")");
  }
  // what this run will hold, known exactly now that the model is built: refused
  // before the recorder's rows are reserved if it cannot fit
  state_bytes_ = 0;
  try {
    State st;
    model_->state(st);
    for (const auto& f : st.fields()) state_bytes_ += static_cast<double>(f.count() * f.elem_size);
  } catch (const ArgumentError&) {  // a model that declares no state: its columns only
    for (const auto& c : model_->columns()) state_bytes_ += 8.0 * static_cast<double>(c.size);
  }
  double width = 0;
  for (const auto& s : recorder_.series())
    if (s.enabled) width += static_cast<double>(s.width);
  record_bytes_ = 8.0 * width * (static_cast<double>(steps_) + 1);
  if (snapshot_every_ > 0) {
    double agents = 0;
    for (const auto& c : model_->columns()) agents += static_cast<double>(c.size);
    record_bytes_ += 8.0 * agents * (std::floor(static_cast<double>(steps_) / snapshot_every_) + 1);
  }
  check_fits(config_, record_bytes_, "the recorded series of one replicate: " + gigabytes(record_bytes_));
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
                            const CheckpointPlan* plan, const std::function<void()>& accepted) {
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
  // replicate 0 is built first: its size says whether the whole ensemble fits
  // (`batch` models at a time, and every replicate's recorded series until the end)
  if (const ModelInfo* info = Registry::instance().find(config.get_string("model")); info && info->memory_estimate) {
    const double at_once = std::min<double>(batch, replicates);
    const double est = info->memory_estimate(resolved(config));
    check_fits(config, est * at_once,
               std::to_string(static_cast<int>(at_once)) + " replicate(s) at a time of about " + gigabytes(est) + " each");
  }
  auto first_sim = std::make_unique<Simulation>(config, 0, parallel);
  if (accepted) accepted();
  {
    // replicate 0 is already in memory: what must still fit is the others that run
    // beside it and every replicate's recorded series
    const double at_once = std::min<double>(batch, replicates);
    const double need = first_sim->state_bytes() * (at_once - 1) + first_sim->record_bytes() * replicates;
    std::ostringstream what;
    what << static_cast<int>(at_once) - 1 << " more replicate(s) at a time of " << gigabytes(first_sim->state_bytes())
         << " each, and the recorded series of " << replicates << " replicate(s): "
         << gigabytes(first_sim->record_bytes() * replicates);
    check_fits(config, need, what.str());
  }
  for (std::uint32_t first = 0; first < replicates; first += batch) {
    const std::uint32_t count = std::min(batch, replicates - first);
    parallel->for_blocks(count, 1, [&](std::size_t b, std::size_t, std::size_t) {
      const auto r = static_cast<std::uint32_t>(first + b);
      std::unique_ptr<Simulation> sim = r == 0 ? std::move(first_sim) : std::make_unique<Simulation>(config, r, parallel);
      complete[r] = sim->run(stop, plan) ? 1 : 0;
      res.steps_done[r] = sim->current_step();
      res.recorders[r] = sim->recorder();
    });
    if (stop && stop->load()) break;
  }
  res.complete = std::all_of(complete.begin(), complete.end(), [](char c) { return c != 0; });
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace tegenmacht
