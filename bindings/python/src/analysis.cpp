// Analysis: the experiments library's statistics, called from Python
// (tegenmacht.analysis builds pandas / xarray objects from what these return).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>

#include "tegenmacht/error.hpp"
#include "tegenmacht/experiments/analysis.hpp"

namespace py = pybind11;
namespace tg = tegenmacht;
namespace ex = tegenmacht::experiments;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> vec(const Array& a) { return std::vector<double>(a.data(), a.data() + a.size()); }

template <class T>
py::array_t<double> arr(const std::vector<T>& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  auto* p = out.mutable_data();
  for (std::size_t i = 0; i < v.size(); ++i) p[i] = static_cast<double>(v[i]);
  return out;
}

/// An Outcomes from what tegenmacht.analysis passes: a dict with names,
/// better, arms, baseline, values (one (point, arm, replicate) array per
/// outcome), design, factors and, for sampling designs, unit and morris_changed.
ex::Outcomes outcomes_from(const py::dict& d) {
  ex::Outcomes o;
  o.names = d["names"].cast<std::vector<std::string>>();
  o.better = d["better"].cast<std::vector<int>>();
  o.arm_names = d["arms"].cast<std::vector<std::string>>();
  o.baseline = d["baseline"].cast<std::string>();
  o.design = d["design"].cast<std::string>();
  o.factor_names = d["factors"].cast<std::vector<std::string>>();
  const auto values = d["values"].cast<std::vector<Array>>();
  if (values.size() != o.names.size() || o.better.size() != o.names.size())
    throw tg::ArgumentError("results", "one array and one direction per outcome");
  for (const auto& v : values) {
    if (v.ndim() != 3) throw tg::ArgumentError("results", "each outcome must have dims (point, arm, replicate)");
    o.points = static_cast<std::size_t>(v.shape(0));
    o.arms = static_cast<std::size_t>(v.shape(1));
    o.replicates = static_cast<std::size_t>(v.shape(2));
    if (o.arms != o.arm_names.size()) throw tg::ArgumentError("results", "one name per arm");
    o.values.push_back(vec(v));
  }
  if (d.contains("unit") && !d["unit"].is_none()) o.unit = vec(d["unit"].cast<Array>());
  if (d.contains("sobol_n") && !d["sobol_n"].is_none()) o.sobol_n = d["sobol_n"].cast<std::size_t>();
  if (d.contains("morris_changed") && !d["morris_changed"].is_none())
    o.morris_changed = d["morris_changed"].cast<std::vector<int>>();
  o.done.assign(o.points * o.arms * o.replicates, 1);
  return o;
}

py::dict comparison(const ex::PairedComparison& c) {
  py::dict r;
  r["n"] = c.n;
  r["mean_arm"] = c.mean_arm;
  r["mean_baseline"] = c.mean_baseline;
  r["mean_diff"] = c.mean;
  r["sd"] = c.sd;
  r["lo"] = c.lo;
  r["hi"] = c.hi;
  r["effect_size"] = c.effect_size;
  r["share_better"] = c.share_better;
  r["sign_p"] = c.sign_p;
  r["wilcoxon_p"] = c.wilcoxon_p;
  r["p_holm"] = c.p_holm;
  return r;
}

py::dict sobol_dict(const ex::SobolIndices& s) {
  py::dict r;
  r["S1"] = arr(s.S1);
  r["S1_lo"] = arr(s.S1_lo);
  r["S1_hi"] = arr(s.S1_hi);
  r["ST"] = arr(s.ST);
  r["ST_lo"] = arr(s.ST_lo);
  r["ST_hi"] = arr(s.ST_hi);
  r["n"] = s.n;
  r["variance"] = s.variance;
  return r;
}

std::size_t opt_index(const py::object& v) { return v.is_none() ? SIZE_MAX : v.cast<std::size_t>(); }

}  // namespace

void init_analysis(py::module_& m) {
  m.def("sign_test_p", [](const Array& d) { return ex::sign_test_p(vec(d)); }, py::arg("d"));
  m.def("wilcoxon_p", [](const Array& d) { return ex::wilcoxon_p(vec(d)); }, py::arg("d"));
  m.def("holm", [](const Array& p) { return arr(ex::holm(vec(p))); }, py::arg("p"));
  m.def(
      "paired_comparison",
      [](const Array& x, const Array& y, int better, double level) {
        return comparison(ex::paired_comparison(vec(x), vec(y), better, level));
      },
      py::arg("arm"), py::arg("baseline"), py::arg("better") = 1, py::arg("level") = 0.95);
  m.def(
      "adequacy",
      [](const Array& v, double half_width, bool relative, double level) {
        const auto a = ex::adequacy(vec(v), half_width, relative, level);
        py::dict r;
        r["n"] = a.n;
        r["mean"] = a.mean;
        r["sd"] = a.sd;
        r["cv"] = a.cv;
        r["half_width"] = a.half_width;
        r["target"] = a.target;
        r["needed"] = a.needed;
        r["adequate"] = a.adequate;
        return r;
      },
      py::arg("values"), py::arg("half_width"), py::arg("relative") = true, py::arg("level") = 0.95);
  m.def(
      "running_mean_cv",
      [](const Array& v) {
        std::vector<double> mean, cv;
        ex::running_mean_cv(vec(v), mean, cv);
        return py::make_tuple(arr(mean), arr(cv));
      },
      py::arg("values"));
  m.def(
      "sobol_indices",
      [](const Array& y, std::size_t k, std::size_t bootstrap, double level, std::uint64_t seed) {
        const auto s = ex::sobol_indices(vec(y), k, bootstrap, level, seed);
        return sobol_dict(s);
      },
      py::arg("y"), py::arg("k"), py::arg("bootstrap") = 1000, py::arg("level") = 0.95, py::arg("seed") = 0);
  m.def(
      "analysis_paired",
      [](const py::dict& d, const py::object& baseline, double level, const py::object& point) {
        const ex::Outcomes o = outcomes_from(d);
        py::list rows;
        for (const auto& r : ex::paired_table(o, opt_index(baseline), level, opt_index(point))) {
          py::dict row = comparison(r.c);
          row["outcome"] = o.names[r.outcome];
          row["arm"] = o.arm_names[r.arm];
          rows.append(row);
        }
        return rows;
      },
      py::arg("results"), py::arg("baseline") = py::none(), py::arg("level") = 0.95, py::arg("point") = py::none());
  m.def(
      "analysis_adequacy",
      [](const py::dict& d, double half_width, bool relative, double level) {
        const ex::Outcomes o = outcomes_from(d);
        const auto rows = ex::adequacy_table(o, half_width, relative, level);
        const std::size_t n = rows.size();
        py::dict r;
        std::vector<double> cols[7];
        for (auto& c : cols) c.reserve(n);
        for (const auto& row : rows) {
          const auto& a = row.a;
          const double v[7] = {static_cast<double>(a.n), a.mean, a.sd, a.cv, a.half_width, a.target, a.needed};
          for (int i = 0; i < 7; ++i) cols[i].push_back(v[i]);
        }
        const char* names[7] = {"n", "mean", "sd", "cv", "half_width", "target", "needed"};
        for (int i = 0; i < 7; ++i) r[names[i]] = arr(cols[i]);  // [outcome][point][arm], flat
        return r;
      },
      py::arg("results"), py::arg("half_width"), py::arg("relative") = true, py::arg("level") = 0.95);
  m.def(
      "analysis_sobol",
      [](const py::dict& d, std::size_t outcome, std::size_t arm, const py::object& minus, std::size_t bootstrap,
         double level, std::uint64_t seed) {
        const auto s = ex::sobol(outcomes_from(d), outcome, arm, opt_index(minus), bootstrap, level, seed);
        return sobol_dict(s);
      },
      py::arg("results"), py::arg("outcome"), py::arg("arm"), py::arg("minus") = py::none(),
      py::arg("bootstrap") = 1000, py::arg("level") = 0.95, py::arg("seed") = 0);
  m.def(
      "analysis_morris",
      [](const py::dict& d, std::size_t outcome, std::size_t arm, const py::object& minus) {
        const auto s = ex::morris(outcomes_from(d), outcome, arm, opt_index(minus));
        py::dict r;
        r["mu"] = arr(s.mu);
        r["mu_star"] = arr(s.mu_star);
        r["sigma"] = arr(s.sigma);
        r["r"] = arr(s.r);
        return r;
      },
      py::arg("results"), py::arg("outcome"), py::arg("arm"), py::arg("minus") = py::none());
  m.def(
      "analysis_regime",
      [](const py::dict& d, std::size_t outcome, double level) {
        const auto s = ex::regime_map(outcomes_from(d), outcome, level);
        py::dict r;
        r["best"] = arr(s.best);
        r["runner_up"] = arr(s.runner_up);
        r["margin"] = arr(s.margin);
        r["lo"] = arr(s.lo);
        r["hi"] = arr(s.hi);
        r["status"] = arr(s.status);
        r["mean"] = arr(s.mean);
        return r;
      },
      py::arg("results"), py::arg("outcome"), py::arg("level") = 0.95);
}
