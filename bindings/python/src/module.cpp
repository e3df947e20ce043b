// The pybind11 module tegenmacht._core: a thin layer over the engine. Model
// logic stays in C++; analysis and plots live in the pure-Python package.
#include <pybind11/pybind11.h>

#include "tegenmacht/results.hpp"
#include "tegenmacht/version.hpp"

namespace py = pybind11;

void init_errors(py::module_& m);
void init_scenario(py::module_& m);
void init_simulation(py::module_& m);
void init_experiment(py::module_& m);
void init_analysis(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "tegenmacht engine (C++); use the `tegenmacht` package, not this module directly";
  m.attr("__version__") = tegenmacht::version();
  m.attr("git_commit") = tegenmacht::git_commit();
  m.def("schema_version", [] { return tegenmacht::kSchemaVersion; },
        "the newest results-file layout this build reads and writes (attribute schema_version)");
  tegenmacht::prepare_hdf5();  // before h5py (imported later by the package) initialises HDF5
  init_errors(m);
  init_scenario(m);
  init_simulation(m);
  init_experiment(m);
  init_analysis(m);
}
