// Shared pieces of the Python bindings (tegenmacht._core).
//
// The bindings are thin: a resolved scenario, a simulation and an ensemble
// runner. Everything friendly (keyword arguments, xarray, plots) lives in the
// pure-Python package around this module.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tegenmacht/config.hpp"
#include "tegenmacht/recorder.hpp"

namespace tegenmacht::python {

namespace py = pybind11;

/// A scenario as the CLI sees it: YAML source text, where it came from, and
/// the `key=value` overrides applied on top; `config` is the resolved result.
/// Every change re-resolves from the source, exactly like `--set`, so that a
/// model's presets (e.g. a strategy's values) follow the changed keys.
struct Scenario {
  std::string text;
  std::string source;  ///< file path, "<dict>" or "<text>"
  std::vector<std::string> overrides;
  Config config;

  static Scenario from_file(const std::string& path, std::vector<std::string> overrides);
  static Scenario from_text(const std::string& text, const std::string& source, std::vector<std::string> overrides);
};

/// Converts a Python value (None, bool, int, float, str, numpy scalars, lists,
/// tuples, arrays, dicts) to YAML. Throws py::type_error naming `key`.
YAML::Node to_yaml_node(py::handle value, const std::string& key);
/// YAML text of a node in flow style (one line), as `--set` would take it.
std::string flow_yaml(const YAML::Node& node);

/// Runs `work` on a worker thread while the calling thread waits with the GIL
/// released, waking every 50 ms to take the GIL and run Python's signal
/// handlers. If a handler raises (Ctrl-C: KeyboardInterrupt), `stop` is set,
/// the worker is awaited, and the Python error is returned (not raised), so
/// the caller can save what was done before re-raising it. Exceptions thrown
/// by `work` are rethrown here.
std::optional<py::error_already_set> run_interruptible(const std::function<void()>& work, std::atomic<bool>& stop);

/// Copies one series of every recorder into a float64 array
/// [replicate, step(, width)], NaN where a replicate stopped early: the same
/// layout and padding as /metrics/<name> in the results file.
py::array_t<double> stack_series(const std::vector<const Recorder*>& recorders, std::size_t series_index,
                                 std::size_t rows);

void init_errors(py::module_& m);
void init_scenario(py::module_& m);
void init_simulation(py::module_& m);
void init_ensemble(py::module_& m);

}  // namespace tegenmacht::python
