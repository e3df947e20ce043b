// The interface every model implements, and the context the engine hands it.
//
// A model owns its populations (struct-of-arrays columns) and its step rule;
// the engine owns time, randomness, threads and output. A model never opens
// files, prints or starts threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tegenmacht/config.hpp"
#include "tegenmacht/network.hpp"
#include "tegenmacht/parallel.hpp"
#include "tegenmacht/recorder.hpp"
#include "tegenmacht/rng.hpp"

namespace tegenmacht {

class State;

/// What a model receives for one step.
struct StepContext {
  std::uint32_t step;  ///< 1-based index of the step being computed
  const Rng& rng;
  Parallel& parallel;
};

/// A read-only view of one agent column (for snapshots, Python and plots).
struct ColumnView {
  enum class Type { F64, I32, U32, U8 };
  std::string name;
  Type type;
  const void* data;
  std::size_t size;
  std::string description;
};

class Model {
 public:
  virtual ~Model() = default;
  /// Builds the populations from a validated config. Draws use rng with step kInitStep.
  virtual void init(const Config& config, const Rng& rng, Parallel& parallel) = 0;
  /// Declares the metrics (called once, after init).
  virtual void declare(Recorder& recorder) = 0;
  /// Advances one step.
  virtual void step(const StepContext& ctx) = 0;
  /// Writes the current row of every declared metric.
  virtual void observe(Recorder& recorder) = 0;
  /// Agent columns, for snapshots and Python.
  virtual std::vector<ColumnView> columns() const { return {}; }
  /// The contact network, if the model has one.
  virtual const Network* network() const { return nullptr; }
  /// Declares every piece of persistent state (state.hpp): what checkpoints,
  /// restores and forks copy. The default throws ArgumentError: a model
  /// that declares nothing cannot be checkpointed.
  virtual void state(State& s);
  /// Scenario keys a run may change between steps (timeline `set` events,
  /// Simulation::set, `--set` on a restore).
  virtual std::vector<std::string> settable() const { return {}; }
  /// Sets one of settable() to `value`, already checked against the key's
  /// schema declaration (type, range, choices). Throws ArgumentError if the
  /// value does not fit (e.g. a list of the wrong length).
  virtual void set(const std::string& key, const YAML::Node& value);
};

/// Copies snapshots of every column into the recorder (used by Simulation).
void take_snapshot(const Model& model, std::uint32_t step, Recorder& recorder);

/// A small helper for models: a column written by a synchronous step. Read
/// cur(), write nxt(), then swap() once the step is done.
template <class T>
class DoubleBuffer {
 public:
  void assign(std::size_t n, T value) {
    a_.assign(n, value);
    b_.assign(n, value);
  }
  std::vector<T>& cur() noexcept { return a_; }
  const std::vector<T>& cur() const noexcept { return a_; }
  std::vector<T>& nxt() noexcept { return b_; }
  const std::vector<T>& nxt() const noexcept { return b_; }
  void swap() noexcept { a_.swap(b_); }
  std::size_t size() const noexcept { return a_.size(); }

 private:
  std::vector<T> a_, b_;
};

}  // namespace tegenmacht
