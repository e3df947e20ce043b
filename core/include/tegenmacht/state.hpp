// State as data: a model declares every piece of its persistent state once,
// and the engine saves, restores and copies it without model-specific code.
//
//   void MyModel::state(tegenmacht::State& s) {
//     s.add("opinion", opinion_);        // an agent column (std::vector<double>)
//     s.add("state", state_);            // a DoubleBuffer: both halves
//     s.add("week", week_);              // a scalar
//     s.add("params", params_);          // a trivially copyable record (all doubles, ...)
//     s.scratch("partials", partials_);  // rewritten before it is read, every step: not saved
//   }
//
// What a model must declare: everything a step reads that an earlier step may
// have written (agent columns, per-neighbourhood and per-institution tables,
// counters, parameters a timeline event may change). What it need not declare:
// what init() rebuilds the same way from the scenario and no step changes
// (names, the network, the timeline). A restored model is first initialised
// from the checkpoint's scenario, then every declared field is overwritten, so
// a field that is forgotten keeps its week-0 value: the round-trip tests
// (checkpoint at week t, restore, continue, compare bit for bit with a run
// that never stopped) catch that.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "tegenmacht/model.hpp"
#include "tegenmacht/recorder.hpp"

namespace tegenmacht {

/// The element type of a state field (stored with the checkpoint; a restore
/// into a field of another type is refused).
enum class StateType : std::uint8_t { F64 = 0, F32, I64, U64, I32, U32, I16, U16, I8, U8, Bytes };

const char* to_string(StateType t) noexcept;

template <class T>
constexpr StateType state_type_of() {
  if constexpr (std::is_same_v<T, double>) return StateType::F64;
  else if constexpr (std::is_same_v<T, float>) return StateType::F32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return StateType::I64;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return StateType::U64;
  else if constexpr (std::is_same_v<T, std::int32_t>) return StateType::I32;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return StateType::U32;
  else if constexpr (std::is_same_v<T, std::int16_t>) return StateType::I16;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return StateType::U16;
  else if constexpr (std::is_same_v<T, std::int8_t>) return StateType::I8;
  else if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, bool>) return StateType::U8;
  else return StateType::Bytes;
}

/// One declared piece of state: a named, typed, resizable array of bytes.
struct StateField {
  std::string name;
  StateType type = StateType::Bytes;
  std::size_t elem_size = 1;                     ///< bytes per element
  bool scratch = false;                          ///< not saved: rewritten before it is read
  std::function<std::size_t()> count;            ///< elements now
  std::function<const void*()> data;             ///< the elements
  std::function<void*(std::size_t n)> resize;    ///< resize to n elements (fixed-size fields refuse)
  bool resizable = false;                        ///< its length may change during a run (else fixed by init)
};

/// The registry a model fills in Model::state(). Names must be unique; a name
/// may contain '/' (a table's column: "institutions/resistance").
class State {
 public:
  /// A column or table.
  template <class T>
  State& add(const std::string& name, std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>, "state columns hold trivially copyable values");
    push(vector_field(name, v));
    return *this;
  }
  /// A column whose length changes during a run (a list of this week's
  /// members, ...); every other field keeps the length init gives it, and a
  /// checkpoint with another length is refused.
  template <class T>
  State& add_resizable(const std::string& name, std::vector<T>& v) {
    add(name, v);
    fields_.back().resizable = true;
    return *this;
  }
  /// Both halves of a double-buffered column.
  template <class T>
  State& add(const std::string& name, DoubleBuffer<T>& v) {
    add(name, v.cur());
    return add(name + "_next", v.nxt());
  }
  /// A list of columns ([issue][resident], ...): "name/0", "name/1", ... (the
  /// list's length comes from the scenario; a checkpoint with another length
  /// has other field names and is refused).
  template <class T>
  State& add(const std::string& name, std::vector<std::vector<T>>& v) {
    for (std::size_t k = 0; k < v.size(); ++k) add(name + "/" + std::to_string(k), v[k]);
    return *this;
  }
  /// A scalar or a trivially copyable record (a struct of parameters, a
  /// fixed-size array); stored as one element of its type, or as bytes.
  template <class T>
  std::enable_if_t<std::is_trivially_copyable_v<T>, State&> add(const std::string& name, T& x) {
    constexpr StateType t = std::is_arithmetic_v<T> ? state_type_of<T>() : StateType::Bytes;
    constexpr std::size_t es = t == StateType::Bytes ? 1 : sizeof(T);
    constexpr std::size_t n = sizeof(T) / es;
    push({name, t, es, false, [] { return n; }, [&x]() -> const void* { return &x; },
          [&x](std::size_t m) -> void* { return m == n ? static_cast<void*>(&x) : nullptr; }});
    return *this;
  }
  /// A buffer rewritten before it is read in every step (partial sums, a
  /// draw of this week): declared so that nothing is forgotten, not saved.
  template <class T>
  State& scratch(const std::string& name, std::vector<T>& v) {
    StateField f = vector_field(name, v);
    f.scratch = true;
    push(std::move(f));
    return *this;
  }

  const std::vector<StateField>& fields() const noexcept { return fields_; }
  const StateField* find(const std::string& name) const;

 private:
  template <class T>
  static StateField vector_field(const std::string& name, std::vector<T>& v) {
    return {name, state_type_of<T>(), sizeof(T), false, [&v] { return v.size(); },
            [&v]() -> const void* { return v.data(); },
            [&v](std::size_t n) -> void* {
              v.resize(n);
              return v.data();
            }};
  }
  void push(StateField f);
  std::vector<StateField> fields_;
};

/// A model's saved state and the recorder so far: everything a run needs to
/// continue bit for bit as if it had never stopped.
struct Checkpoint {
  struct Field {
    std::string name;
    StateType type = StateType::Bytes;
    std::size_t elem_size = 1;
    std::vector<std::uint8_t> bytes;
  };
  std::string model;          ///< registry name
  std::string version;        ///< tegenmacht version that wrote it
  int format = 1;             ///< checkpoint layout version (kCheckpointFormat)
  std::string scenario;       ///< the resolved scenario (YAML)
  std::uint64_t seed = 0;
  std::uint32_t replicate = 0;
  std::uint32_t step = 0;     ///< steps done
  std::vector<std::string> changes;  ///< Simulation::set() so far ("step: key=value")
  std::vector<Field> state;
  Recorder recorder;          ///< the rows 0..step and the snapshots so far
};

/// Version of the checkpoint layout; a file with a larger one is refused.
inline constexpr int kCheckpointFormat = 1;

/// Copies every declared, non-scratch field of `model` into fields.
std::vector<Checkpoint::Field> save_state(Model& model);
/// Overwrites the declared fields of `model` (initialised from the same
/// scenario) with `fields`. Throws ArgumentError naming the field if one is
/// missing, extra, of another type, or of a size the model cannot take.
void load_state(Model& model, const std::vector<Checkpoint::Field>& fields, const std::string& what);

/// Writes a checkpoint file atomically (path + ".partial", renamed on
/// success): group /checkpoint with attributes model, version, format, seed,
/// replicate, step and the scenario, /checkpoint/state/<field> (one dataset
/// per field, raw bytes with attributes type and elem_size) and
/// /checkpoint/recorder (as the results file's metrics). Throws IoError.
void write_checkpoint(const std::string& path, const Checkpoint& ckpt);
/// Reads a checkpoint file. Throws IoError naming the file if it is missing,
/// not HDF5, not a checkpoint, truncated, or of a newer format.
Checkpoint read_checkpoint(const std::string& path);

}  // namespace tegenmacht
