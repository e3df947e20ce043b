// Simulation and ensemble runs. Long work runs off the GIL (interrupt.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>

#include "tegenmacht/parallel.hpp"
#include "tegenmacht/results.hpp"
#include "tegenmacht/simulation.hpp"
#include "interrupt.hpp"
#include "tegenmacht_python.hpp"

namespace py = pybind11;
namespace tg = tegenmacht;

namespace {

using tegenmacht_python::interruptible;

}  // namespace

int resolve_threads(py::object threads) {
  if (threads.is_none()) return tg::Parallel::default_threads();
  const int t = threads.cast<int>();
  if (t < 1) throw tg::ArgumentError("threads", "must be at least 1 (got " + std::to_string(t) + ")");
  return t;
}

namespace {

std::shared_ptr<tg::Config> with_seed(const ScenarioHandle& sc, py::object seed) {
  if (seed.is_none()) return sc.config;
  // as digits, so that every unsigned 64-bit seed arrives exactly (the scenario checks the range)
  if (!py::isinstance<py::int_>(seed) || py::isinstance<py::bool_>(seed))
    throw tg::ArgumentError("seed", "must be an int");
  const std::string s = py::str(seed).cast<std::string>();
  if (!s.empty() && s[0] == '-') throw tg::ArgumentError("seed", "must be >= 0 (got " + s + ")");
  ScenarioHandle copy = sc;
  copy.overrides.push_back("seed=" + s);
  copy.resolve();
  return copy.config;
}

py::array column_copy(const tg::ColumnView& c) {
  switch (c.type) {
    case tg::ColumnView::Type::F64: {
      py::array_t<double> a(static_cast<py::ssize_t>(c.size));
      std::memcpy(a.mutable_data(), c.data, c.size * sizeof(double));
      return a;
    }
    case tg::ColumnView::Type::I32: {
      py::array_t<std::int32_t> a(static_cast<py::ssize_t>(c.size));
      std::memcpy(a.mutable_data(), c.data, c.size * sizeof(std::int32_t));
      return a;
    }
    case tg::ColumnView::Type::U32: {
      py::array_t<std::uint32_t> a(static_cast<py::ssize_t>(c.size));
      std::memcpy(a.mutable_data(), c.data, c.size * sizeof(std::uint32_t));
      return a;
    }
    case tg::ColumnView::Type::U8: {
      py::array_t<std::uint8_t> a(static_cast<py::ssize_t>(c.size));
      std::memcpy(a.mutable_data(), c.data, c.size);
      return a;
    }
  }
  return py::array();
}

void read_only(py::array& a) { a.attr("flags").attr("writeable") = false; }

struct SimulationHandle {
  std::shared_ptr<tg::Parallel> parallel;
  std::unique_ptr<tg::Simulation> sim;
  /// True while step or run works without the GIL: then every other call on this
  /// simulation, from any Python thread, raises instead of racing with it.
  std::atomic<bool> busy{false};
};

[[noreturn]] void busy_error() {
  throw tg::ArgumentError("simulation", "is stepping in another thread; a Simulation does one thing at a time "
                                        "(give each thread its own, e.g. sim.fork())");
}

/// Marks the handle busy for the lifetime of a step or run; another call meanwhile raises.
struct BusyGuard {
  SimulationHandle& h;
  explicit BusyGuard(SimulationHandle& handle) : h(handle) {
    bool idle = false;
    if (!h.busy.compare_exchange_strong(idle, true)) busy_error();
  }
  ~BusyGuard() { h.busy.store(false); }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;
};

/// For calls that keep the GIL: refuses while a step or run of this handle is under way.
SimulationHandle& idle(SimulationHandle& h) {
  if (h.busy.load()) busy_error();
  return h;
}
const SimulationHandle& idle(const SimulationHandle& h) {
  if (h.busy.load()) busy_error();
  return h;
}

py::dict ensemble_to_python(const tg::EnsembleResult& res, const tg::Config& cfg) {
  py::dict out, metrics, dims, units, descriptions, labels;
  const auto R = static_cast<py::ssize_t>(res.recorders.size());
  const auto T = static_cast<py::ssize_t>(cfg.get_int("steps") + 1);
  const tg::Recorder* proto = nullptr;
  for (const auto& r : res.recorders)
    if (!proto && !r.series().empty()) proto = &r;
  if (proto) {
    for (const auto& [axis, names] : proto->labels()) labels[py::str(axis)] = names;
    for (std::size_t si = 0; si < proto->series().size(); ++si) {
      const auto& s = proto->series()[si];
      if (!s.enabled) continue;
      const auto W = static_cast<py::ssize_t>(s.width);
      std::vector<py::ssize_t> shape{R, T};
      py::list dn;
      dn.append("replicate");
      dn.append("step");
      if (!s.axis.empty()) {
        shape.push_back(W);
        dn.append(s.axis);
      }
      py::array_t<double> a(shape);
      double* p = a.mutable_data();
      std::fill(p, p + R * T * W, std::numeric_limits<double>::quiet_NaN());
      for (py::ssize_t r = 0; r < R; ++r) {
        const auto& d = res.recorders[static_cast<std::size_t>(r)].series();
        if (d.size() <= si) continue;
        const auto& v = d[si].data;
        std::copy(v.begin(), v.begin() + std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(v.size()), T * W),
                  p + r * T * W);
      }
      metrics[py::str(s.name)] = a;
      dims[py::str(s.name)] = dn;
      units[py::str(s.name)] = s.unit;
      descriptions[py::str(s.name)] = s.description;
    }
  }
  out["metrics"] = metrics;
  out["dims"] = dims;
  out["units"] = units;
  out["descriptions"] = descriptions;
  out["labels"] = labels;
  out["steps_completed"] = res.steps_done;
  out["complete"] = res.complete;
  out["elapsed_seconds"] = res.seconds;
  out["config"] = cfg.to_yaml();
  return out;
}

}  // namespace

void init_simulation(py::module_& m) {
  py::class_<tg::Checkpoint, std::shared_ptr<tg::Checkpoint>>(m, "CheckpointHandle")
      .def_readonly("model", &tg::Checkpoint::model)
      .def_readonly("step", &tg::Checkpoint::step)
      .def_readonly("replicate", &tg::Checkpoint::replicate)
      .def_readonly("seed", &tg::Checkpoint::seed)
      .def_readonly("version", &tg::Checkpoint::version)
      .def_readonly("scenario", &tg::Checkpoint::scenario)
      .def_readonly("changes", &tg::Checkpoint::changes)
      .def("write", [](const tg::Checkpoint& c, const std::string& path) {
        py::gil_scoped_release unlock;
        tg::write_checkpoint(path, c);
      })
      .def_static("read", [](const std::string& path) {
        py::gil_scoped_release unlock;
        return std::make_shared<tg::Checkpoint>(tg::read_checkpoint(path));
      });

  py::class_<SimulationHandle>(m, "SimulationHandle")
      .def(py::init([](const ScenarioHandle& sc, py::object seed, py::object threads, int replicate) {
             if (replicate < 0) throw tg::ArgumentError("replicate", "must be >= 0");
             auto h = std::make_unique<SimulationHandle>();
             h->parallel = std::make_shared<tg::Parallel>(resolve_threads(threads));
             auto cfg = with_seed(sc, seed);
             h->sim = std::make_unique<tg::Simulation>(*cfg, static_cast<std::uint32_t>(replicate), h->parallel);
             return h;
           }),
           py::arg("scenario"), py::arg("seed") = py::none(), py::arg("threads") = py::none(),
           py::arg("replicate") = 0)
      .def(
          "step",
          [](SimulationHandle& h, long long n) {
            if (n < 0) throw tg::ArgumentError("n", "must be >= 0 (got " + std::to_string(n) + ")");
            BusyGuard guard(h);
            std::uint32_t taken = 0;
            interruptible([&](const std::atomic<bool>* stop) {
              for (long long i = 0; i < n && !stop->load() && !h.sim->done(); ++i) taken += h.sim->step(1);
            });
            return taken;
          },
          py::arg("n") = 1)
      .def("run",
           [](SimulationHandle& h) {
             BusyGuard guard(h);
             interruptible([&](const std::atomic<bool>* stop) { h.sim->run(stop); });
           })
      .def("checkpoint",
           [](SimulationHandle& h) { return std::make_shared<tg::Checkpoint>(idle(h).sim->checkpoint()); })
      .def_static(
          "restore",
          [](const tg::Checkpoint& c, py::object threads, long long steps, const std::string& what) {
            auto h = std::make_unique<SimulationHandle>();
            h->parallel = std::make_shared<tg::Parallel>(resolve_threads(threads));
            if (steps < 0) throw tg::ArgumentError("steps", "must be >= 0 (got " + std::to_string(steps) + ")");
            h->sim = std::make_unique<tg::Simulation>(
                tg::Simulation::restore(c, h->parallel, static_cast<std::uint32_t>(steps), what));
            return h;
          },
          py::arg("checkpoint"), py::arg("threads") = py::none(), py::arg("steps") = 0,
          py::arg("what") = "checkpoint")
      .def("fork",
           [](SimulationHandle& h) {
             idle(h);
             auto copy = std::make_unique<SimulationHandle>();
             copy->parallel = std::make_shared<tg::Parallel>(h.parallel->threads());
             tg::Checkpoint c = h.sim->checkpoint();
             copy->sim = std::make_unique<tg::Simulation>(tg::Simulation::restore(c, copy->parallel, h.sim->total_steps(), "fork"));
             return copy;
           })
      .def("set", [](SimulationHandle& h, const std::string& key,
                     const std::string& value) { idle(h).sim->set(key, value, {"set", 0, 0}); })
      .def("settable", [](const SimulationHandle& h) { return h.sim->model().settable(); })
      .def_property_readonly("changes", [](const SimulationHandle& h) { return h.sim->changes(); })
      .def_property_readonly("replicate", [](const SimulationHandle& h) { return h.sim->replicate(); })
      .def_property_readonly("week", [](const SimulationHandle& h) { return h.sim->current_step(); })
      .def_property_readonly("steps", [](const SimulationHandle& h) { return h.sim->total_steps(); })
      .def_property_readonly("threads", [](const SimulationHandle& h) { return h.parallel->threads(); })
      .def_property_readonly("config_yaml", [](const SimulationHandle& h) { return h.sim->config().to_yaml(); })
      .def(
          "metric",
          [](py::object self, const std::string& name) {
            auto& h = idle(self.cast<SimulationHandle&>());
            const tg::Series* s = h.sim->recorder().find(name);
            if (!s) throw py::key_error("unknown metric '" + name + "'");
            if (!s->enabled) throw py::key_error("metric '" + name + "' is not recorded (see output.metrics)");
            const auto rows = static_cast<py::ssize_t>(h.sim->recorder().rows());
            std::vector<py::ssize_t> shape{rows};
            if (!s->axis.empty()) shape.push_back(static_cast<py::ssize_t>(s->width));
            // a view of the engine's storage (reserved for every step up front, so it never moves)
            py::array a(py::dtype::of<double>(), shape, s->data.data(), self);
            read_only(a);
            return a;
          },
          py::arg("name"))
      .def("metric_info",
           [](const SimulationHandle& h) {
             py::dict d;
             for (const auto& s : h.sim->recorder().series())
               if (s.enabled) d[py::str(s.name)] = py::make_tuple(s.axis, s.unit, s.description);
             return d;
           })
      .def("labels", [](const SimulationHandle& h) { return h.sim->recorder().labels(); })
      .def("agents",
           [](const SimulationHandle& h) {
             idle(h);
             py::dict d;
             for (const auto& c : h.sim->model().columns()) {
               py::array a = column_copy(c);
               read_only(a);
               d[py::str(c.name)] = a;
             }
             return d;
           })
      .def("network", [](py::object self) -> py::object {
        auto& h = idle(self.cast<SimulationHandle&>());
        const tg::Network* g = h.sim->model().network();
        if (!g) return py::none();
        if (g->is_complete()) {
          const tg::Network full = g->materialised();
          py::array_t<std::uint64_t> off(static_cast<py::ssize_t>(full.offsets().size()));
          py::array_t<std::uint32_t> tgt(static_cast<py::ssize_t>(full.targets().size()));
          std::memcpy(off.mutable_data(), full.offsets().data(), full.offsets().size() * sizeof(std::uint64_t));
          std::memcpy(tgt.mutable_data(), full.targets().data(), full.targets().size() * sizeof(std::uint32_t));
          return py::make_tuple(off, tgt, true);
        }
        py::array off(py::dtype::of<std::uint64_t>(), {static_cast<py::ssize_t>(g->offsets().size())},
                      g->offsets().data(), self);
        py::array tgt(py::dtype::of<std::uint32_t>(), {static_cast<py::ssize_t>(g->targets().size())},
                      g->targets().data(), self);
        read_only(off);
        read_only(tgt);
        return py::make_tuple(off, tgt, false);
      });

  m.def(
      "run_ensemble",
      [](const ScenarioHandle& sc, py::object replicates, py::object seed, py::object threads, py::object output,
         const std::string& command_line) {
        ScenarioHandle copy = sc;
        if (!replicates.is_none()) {
          const long long r = replicates.cast<long long>();
          if (r < 1) throw tg::ArgumentError("replicates", "must be at least 1 (got " + std::to_string(r) + ")");
          copy.overrides.push_back("replicates=" + std::to_string(r));
          copy.resolve();
        }
        auto cfg = with_seed(copy, seed);
        const int t = resolve_threads(threads);
        std::string path;
        if (!output.is_none()) {
          path = py::str(output).cast<std::string>();
          tg::check_writable(path);
        }
        auto par = std::make_shared<tg::Parallel>(t);
        tg::EnsembleResult res;
        interruptible([&](const std::atomic<bool>* stop) {
          res = tg::run_ensemble(*cfg, par, stop);
          // an interrupted run never replaces a complete results file of the same name
          if (!path.empty())
            tg::write_results(res.complete ? path : tg::incomplete_results_path(path), *cfg, res,
                              tg::Provenance{command_line, t});
        });
        return ensemble_to_python(res, *cfg);
      },
      py::arg("scenario"), py::arg("replicates") = py::none(), py::arg("seed") = py::none(),
      py::arg("threads") = py::none(), py::arg("output") = py::none(), py::arg("command_line") = "python");
  m.def("default_threads", &tg::Parallel::default_threads);
}
