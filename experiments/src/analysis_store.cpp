// /analysis of an experiment results file: every analysis the design allows,
// written once all jobs are done (layout in README, "Experiment results file").
#include <hdf5.h>

#include <cmath>
#include <limits>

#include "hdf5_util.hpp"
#include "store.hpp"
#include "tegenmacht/experiments/analysis.hpp"
#include "tegenmacht/results.hpp"

namespace tegenmacht::experiments {

namespace {

using tegenmacht::detail::check;
using tegenmacht::detail::checked;
using tegenmacht::detail::H;
using tegenmacht::detail::Writer;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

hid_t group(hid_t loc, const std::string& name, const std::string& path) {
  return checked(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, name.c_str());
}

void put(Writer& w, hid_t g, const char* name, const std::vector<hsize_t>& dims, const std::vector<double>& v,
         const std::vector<std::string>& dim_names) {
  H d(w.dataset_f64(g, name, dims, v.data()), H5Dclose);
  w.attr_strings(d, "dims", dim_names);
}

template <class T>
std::vector<double> as_double(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace

bool write_analysis(const std::string& path, const AnalysisOptions& opt, const std::atomic<bool>* stop) {
  auto stopped = [&] { return stop && stop->load(); };
  const Outcomes o = read_outcomes(path);
  std::size_t missing = 0;
  for (auto d : o.done) missing += d ? 0 : 1;
  if (missing) throw IoError(path, std::to_string(missing) + " jobs are not done yet; finish them with --resume");
  prepare_hdf5();
  H fapl(static_cast<hid_t>(detail::access_plist()), H5Pclose);
  H file(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl), H5Fclose);
  if (file.id < 0) throw IoError(path, "cannot open the results file for writing");
  if (H5Lexists(file, "analysis", H5P_DEFAULT) > 0) check(H5Ldelete(file, "analysis", H5P_DEFAULT), path, "/analysis");
  Writer w{path};
  H root(group(file, "analysis", path), H5Gclose);
  const std::size_t A = o.arms, P = o.points, K = o.names.size(), F = o.factor_names.size();
  const std::size_t base = o.baseline_index();
  w.attr_scalar<double>(root, "level", H5T_NATIVE_DOUBLE, opt.level);
  w.attr_string(root, "baseline", A ? o.arm_names[base] : "");
  w.attr_strings(root, "arms", o.arm_names);

  // paired comparisons with the baseline: [arm] per outcome (the baseline's row NaN)
  if (A > 1) {
    H g(group(root, "paired", path), H5Gclose);
    w.attr_string(g, "description",
                  "each arm minus the baseline, paired by replicate (common random numbers), averaged over the "
                  "design points; Student-t interval, d_z, sign and Wilcoxon signed-rank tests, Holm over outcomes");
    const auto rows = paired_table(o, base, opt.level);
    for (std::size_t k = 0; k < K; ++k) {
      if (stopped()) return false;
      H gk(group(g, o.names[k], path), H5Gclose);
      w.attr_string(gk, "better", o.better[k] < 0 ? "lower" : "higher");
      std::vector<std::vector<double>> cols(12, std::vector<double>(A, kNaN));
      for (const auto& r : rows) {
        if (r.outcome != k) continue;
        const auto& c = r.c;
        const double v[12] = {static_cast<double>(c.n), c.mean_arm, c.mean_baseline, c.mean, c.sd, c.lo, c.hi,
                              c.effect_size, c.share_better, c.sign_p, c.wilcoxon_p, c.p_holm};
        for (int i = 0; i < 12; ++i) cols[static_cast<std::size_t>(i)][r.arm] = v[i];
      }
      const char* names[12] = {"n", "mean_arm", "mean_baseline", "mean_diff", "sd", "lo", "hi",
                               "effect_size", "share_better", "sign_p", "wilcoxon_p", "p_holm"};
      for (int i = 0; i < 12; ++i) put(w, gk, names[i], {A}, cols[static_cast<std::size_t>(i)], {"arm"});
    }
  }

  // replication adequacy: [point, arm] per outcome
  {
    H g(group(root, "adequacy", path), H5Gclose);
    w.attr_scalar<double>(g, "half_width", H5T_NATIVE_DOUBLE, opt.adequacy);
    w.attr_string(g, "relative", opt.adequacy_relative ? "yes" : "no");
    w.attr_string(g, "description",
                  "replicates needed for a t-interval of the wanted half-width (from the sd over the replicates run)");
    const auto rows = adequacy_table(o, opt.adequacy, opt.adequacy_relative, opt.level);
    for (std::size_t k = 0; k < K; ++k) {
      if (stopped()) return false;
      H gk(group(g, o.names[k], path), H5Gclose);
      std::vector<std::vector<double>> cols(6, std::vector<double>(P * A, kNaN));
      for (const auto& r : rows) {
        if (r.outcome != k) continue;
        const auto& a = r.a;
        const double v[6] = {a.mean, a.sd, a.cv, a.half_width, a.target, a.needed};
        for (int i = 0; i < 6; ++i) cols[static_cast<std::size_t>(i)][r.point * A + r.arm] = v[i];
      }
      const char* names[6] = {"mean", "sd", "cv", "half_width", "target", "needed"};
      for (int i = 0; i < 6; ++i) put(w, gk, names[i], {P, A}, cols[static_cast<std::size_t>(i)], {"point", "arm"});
    }
  }

  // regime maps: [point] per outcome
  if (A > 1) {
    H g(group(root, "regime", path), H5Gclose);
    w.attr_string(g, "description",
                  "per design point the best arm (index into /arms/name), the runner-up, best minus runner-up with "
                  "its paired interval; status 1 win (interval excludes 0), 0 tie, -1 unknown");
    for (std::size_t k = 0; k < K; ++k) {
      if (stopped()) return false;
      const auto m = regime_map(o, k, opt.level);
      H gk(group(g, o.names[k], path), H5Gclose);
      w.attr_string(gk, "better", o.better[k] < 0 ? "lower" : "higher");
      put(w, gk, "best", {P}, as_double(m.best), {"point"});
      put(w, gk, "runner_up", {P}, as_double(m.runner_up), {"point"});
      put(w, gk, "margin", {P}, m.margin, {"point"});
      put(w, gk, "lo", {P}, m.lo, {"point"});
      put(w, gk, "hi", {P}, m.hi, {"point"});
      put(w, gk, "status", {P}, as_double(m.status), {"point"});
      put(w, gk, "mean", {P, A}, m.mean, {"point", "arm"});
    }
  }

  // global sensitivity: [arm, factor] per outcome, of each arm and of each arm − baseline
  const bool sob = o.design == "sobol", mor = o.design == "morris";
  if ((sob || mor) && F > 0) {
    H g(group(root, sob ? "sobol" : "morris", path), H5Gclose);
    w.attr_strings(g, "factors", o.factor_names);
    if (sob) {
      w.attr_scalar<std::int64_t>(g, "bootstrap", H5T_NATIVE_INT64, static_cast<std::int64_t>(opt.bootstrap));
      w.attr_string(g, "description",
                    "first-order (Saltelli et al. 2010) and total (Jansen 1999) Sobol' indices of the mean over "
                    "replicates, with bootstrap percentile intervals");
    } else {
      w.attr_string(g, "description",
                    "Morris elementary effects of the mean over replicates in unit-cube coordinates: mu, mu_star "
                    "(Campolongo et al. 2007), sigma");
    }
    for (std::size_t k = 0; k < K; ++k) {
      if (stopped()) return false;
      H gk(group(g, o.names[k], path), H5Gclose);
      for (int diff = 0; diff < (A > 1 ? 2 : 1); ++diff) {
        const std::size_t ncol = sob ? 6 : 4;
        std::vector<std::vector<double>> cols(ncol, std::vector<double>(A * F, kNaN));
        for (std::size_t a = 0; a < A; ++a) {
          if (diff && a == base) continue;
          const std::size_t minus = diff ? base : SIZE_MAX;
          std::vector<const std::vector<double>*> src;
          SobolIndices s;
          MorrisIndices m;
          std::vector<double> r;
          try {
            if (sob) {
              s = sobol(o, k, a, minus, opt.bootstrap, opt.level, opt.seed);
              src = {&s.S1, &s.S1_lo, &s.S1_hi, &s.ST, &s.ST_lo, &s.ST_hi};
            } else {
              m = morris(o, k, a, minus);
              r = as_double(m.r);
              src = {&m.mu, &m.mu_star, &m.sigma, &r};
            }
          } catch (const ArgumentError&) {
            continue;  // e.g. an outcome without variance: its indices stay NaN
          }
          for (std::size_t c = 0; c < ncol; ++c)
            for (std::size_t f = 0; f < F; ++f) cols[c][a * F + f] = (*src[c])[f];
        }
        H gd(diff ? group(gk, "difference", path) : H5Gopen2(gk, ".", H5P_DEFAULT), H5Gclose);
        if (diff) w.attr_string(gd, "description", "indices of each arm minus the baseline (paired by replicate)");
        const char* sn[6] = {"S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"};
        const char* mn[4] = {"mu", "mu_star", "sigma", "r"};
        for (std::size_t c = 0; c < ncol; ++c) put(w, gd, sob ? sn[c] : mn[c], {A, F}, cols[c], {"arm", "factor"});
      }
    }
  }
  const std::uint8_t one = 1;
  H a(H5Aopen(file, "complete", H5P_DEFAULT), H5Aclose);
  if (a.id < 0 || H5Awrite(a, H5T_NATIVE_UINT8, &one) < 0) throw IoError(path, "cannot update attribute complete");
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path, "file");
  return true;
}

}  // namespace tegenmacht::experiments
