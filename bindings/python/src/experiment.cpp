// Experiments: the experiments library, called from Python. Parsing and
// validation, design expansion, running and the summary are the library's;
// this file converts arguments and results.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>

#include "interrupt.hpp"
#include "models.hpp"
#include "tegenmacht/experiments/analysis.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht_python.hpp"

namespace py = pybind11;
namespace tg = tegenmacht;
namespace ex = tegenmacht::experiments;

namespace {

/// Takes the base scenario from a Python Scenario: its original text and the
/// keys set on it, so that presets chosen by arms or factors stay live.
void use_scenario(ex::Experiment& e, const ScenarioHandle& sc) {
  e.scenario_text = sc.text;
  e.scenario_source = sc.source;
  std::vector<tg::Override> base;
  for (const auto& o : sc.overrides) base.push_back(tg::Override::parse(o, tg::SourceLocation{"Scenario.set()", 0, 0}));
  base.insert(base.end(), e.base.begin(), e.base.end());
  e.base = std::move(base);
  const tg::Config cfg = tg::load_scenario_text(e.scenario_text, e.scenario_source, e.base);
  (void)cfg;  // validates the combination now, not at the first job
}

py::dict summary_to_python(const ex::Summary& s) {
  py::dict d;
  d["outcomes"] = s.outcomes;
  d["arms"] = s.arms;
  d["baseline"] = s.arms.empty() ? std::string() : s.arms[s.baseline];
  py::list rows;
  for (std::size_t k = 0; k < s.outcomes.size(); ++k)
    for (std::size_t a = 0; a < s.arms.size(); ++a) {
      const auto& c = s.cells[k][a];
      const auto& df = s.differences[k][a];
      py::dict r;
      r["outcome"] = s.outcomes[k];
      r["arm"] = s.arms[a];
      r["n"] = c.n;
      r["mean"] = c.mean;
      r["sd"] = c.sd;
      const bool base = a == s.baseline;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      r["diff"] = base ? nan : df.mean;
      r["diff_lo"] = base ? nan : df.lo;
      r["diff_hi"] = base ? nan : df.hi;
      r["diff_sd"] = base ? nan : df.sd;
      r["effect_size"] = base ? nan : df.effect_size;
      r["pairs"] = base ? 0 : df.n;
      rows.append(r);
    }
  d["rows"] = rows;
  return d;
}

}  // namespace

void init_experiment(py::module_& m) {
  py::class_<ex::Experiment>(m, "ExperimentHandle")
      .def_static(
          "from_file",
          [](const std::string& path, const std::vector<std::string>& sets) {
            tg::register_builtin_models();
            return ex::Experiment::load(path, sets);
          },
          py::arg("path"), py::arg("sets") = std::vector<std::string>{})
      .def_static(
          "from_text",
          [](const std::string& text, const std::string& source, const std::string& base_dir,
             const std::vector<std::string>& sets, const ScenarioHandle* scenario) {
            tg::register_builtin_models();
            ex::Experiment e = ex::Experiment::from_text(text, source, base_dir, sets);
            if (scenario) use_scenario(e, *scenario);
            return e;
          },
          py::arg("text"), py::arg("source"), py::arg("base_dir"), py::arg("sets") = std::vector<std::string>{},
          py::arg("scenario") = nullptr)
      .def("to_yaml", &ex::Experiment::to_yaml)
      .def_property_readonly("arms", [](const ex::Experiment& e) {
        std::vector<std::string> n;
        for (const auto& a : e.arms) n.push_back(a.name);
        return n;
      })
      .def_property_readonly("factors", [](const ex::Experiment& e) {
        std::vector<std::string> n;
        for (const auto& f : e.factors) n.push_back(f.name);
        return n;
      })
      .def_property_readonly("baseline", [](const ex::Experiment& e) { return e.baseline; })
      .def_property_readonly("replicates", [](const ex::Experiment& e) { return e.replicates; })
      .def_property_readonly("seed", [](const ex::Experiment& e) { return e.seed; })
      .def_property_readonly("design", [](const ex::Experiment& e) { return std::string(ex::to_string(e.design)); })
      .def_property_readonly("points", [](const ex::Experiment& e) { return ex::expand_design(e).points; })
      .def_property_readonly("source", [](const ex::Experiment& e) { return e.source; })
      .def_property_readonly("description", [](const ex::Experiment& e) { return e.description; });

  m.def(
      "run_experiment",
      [](const ex::Experiment& e, const std::string& output, py::object threads, bool resume,
         const std::string& command_line, py::object progress, bool analyse) {
        auto par = std::make_shared<tg::Parallel>(resolve_threads(threads));
        std::mutex pm;
        ex::Progress latest;
        bool fresh = false;
        ex::RunOptions opt;
        opt.output = output;
        opt.resume = resume;
        opt.command_line = command_line;
        opt.analyse = analyse;
        opt.progress = [&](const ex::Progress& p) {
          std::lock_guard<std::mutex> lock(pm);
          latest = p;
          fresh = true;
        };
        ex::RunReport rep;
        auto tick = [&] {
          if (progress.is_none()) return;
          ex::Progress p;
          {
            std::lock_guard<std::mutex> lock(pm);
            if (!fresh) return;
            p = latest;
            fresh = false;
          }
          progress(p.done, p.total);
        };
        tegenmacht_python::interruptible(
            [&](const std::atomic<bool>* stop) {
              opt.stop = stop;
              rep = ex::run_experiment(e, par, opt);
            },
            tick);
        tick();
        py::dict d;
        d["path"] = rep.path;
        d["jobs_total"] = rep.jobs_total;
        d["jobs_done"] = rep.jobs_done;
        d["jobs_run"] = rep.jobs_run;
        d["jobs_resumed"] = rep.jobs_resumed;
        d["complete"] = rep.complete;
        d["seconds"] = rep.seconds;
        return d;
      },
      py::arg("experiment"), py::arg("output"), py::arg("threads") = py::none(), py::arg("resume") = false,
      py::arg("command_line") = "python", py::arg("progress") = py::none(), py::arg("analyse") = true);
  m.def(
      "summarise_arrays",
      [](const std::vector<std::string>& names, const std::vector<std::string>& arms, const std::string& baseline,
         const std::vector<py::array_t<double, py::array::c_style | py::array::forcecast>>& values, double level) {
        ex::Outcomes o;
        o.names = names;
        o.arm_names = arms;
        o.baseline = baseline;
        if (values.size() != names.size()) throw tg::ArgumentError("values", "one array per outcome");
        for (const auto& v : values) {
          if (v.ndim() != 3) throw tg::ArgumentError("values", "each outcome must have dims (point, arm, replicate)");
          o.points = static_cast<std::size_t>(v.shape(0));
          o.arms = static_cast<std::size_t>(v.shape(1));
          o.replicates = static_cast<std::size_t>(v.shape(2));
          if (o.arms != arms.size()) throw tg::ArgumentError("arms", "one name per arm");
          o.values.emplace_back(v.data(), v.data() + v.size());
        }
        o.done.assign(o.points * o.arms * o.replicates, 1);
        return summary_to_python(ex::summarise(o, level));
      },
      py::arg("names"), py::arg("arms"), py::arg("baseline"), py::arg("values"), py::arg("level") = 0.95);
}
