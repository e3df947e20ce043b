// Reading outcomes back, paired differences and the one-screen summary.
#include <hdf5.h>

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <filesystem>
#include <limits>

#include "hdf5_util.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/results.hpp"

namespace tegenmacht::experiments {

namespace {

using tegenmacht::detail::H;
using tegenmacht::detail::read_string_attr;
using tegenmacht::detail::read_strings_attr;

std::vector<std::string> read_strings_dataset(hid_t loc, const char* name, const std::string& path) {
  H d(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  if (d.id < 0) throw IoError(path, std::string("not an experiment results file (no dataset ") + name + ")");
  H space(H5Dget_space(d), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  H type(tegenmacht::detail::vlen_string_type(), H5Tclose);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  if (H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) throw IoError(path, std::string("cannot read ") + name);
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
  return out;
}

}  // namespace

Outcomes read_outcomes(const std::string& path) {
  prepare_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw IoError(path, "no such results file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "not an HDF5 file");
  H fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
#if H5_VERSION_GE(1, 10, 7)
  H5Pset_file_locking(fapl, false, true);
#endif
  H file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl), H5Fclose);
  if (file.id < 0) throw IoError(path, "cannot open the results file (corrupt?)");
  if (read_string_attr(file, "kind") != "experiment") throw IoError(path, "not an experiment results file");
  Outcomes o;
  auto i64 = [&](const char* name) {
    std::int64_t v = 0;
    H a(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
    if (a.id < 0 || H5Aread(a, H5T_NATIVE_INT64, &v) < 0) throw IoError(path, std::string("no attribute ") + name);
    return static_cast<std::size_t>(v);
  };
  o.points = i64("points");
  o.arms = i64("arms");
  o.replicates = i64("replicates");
  o.baseline = read_string_attr(file, "baseline");
  o.names = read_strings_attr(file, "outcome_names", path);
  H arms(H5Gopen2(file, "arms", H5P_DEFAULT), H5Gclose);
  if (arms.id < 0) throw IoError(path, "not an experiment results file (no /arms)");
  o.arm_names = read_strings_dataset(arms, "name", path);
  const std::size_t jobs = o.points * o.arms * o.replicates;
  H g(H5Gopen2(file, "outcomes", H5P_DEFAULT), H5Gclose);
  for (const auto& n : o.names) {
    std::vector<double> v(jobs);
    H d(H5Dopen2(g, n.c_str(), H5P_DEFAULT), H5Dclose);
    if (d.id < 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      throw IoError(path, "cannot read /outcomes/" + n);
    o.values.push_back(std::move(v));
  }
  H design(H5Gopen2(file, "design", H5P_DEFAULT), H5Gclose);
  if (design.id < 0) throw IoError(path, "not an experiment results file (no /design)");
  o.factor_names = read_strings_attr(design, "factors", path);
  for (const auto& f : o.factor_names) {
    H d(H5Dopen2(design, f.c_str(), H5P_DEFAULT), H5Dclose);
    if (d.id < 0) throw IoError(path, "no /design/" + f);
    H type(H5Dget_type(d), H5Tclose);
    if (H5Tget_class(type) == H5T_STRING) {
      o.factor_values.push_back(read_strings_dataset(design, f.c_str(), path));
    } else {
      std::vector<double> v(o.points);
      if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
        throw IoError(path, "cannot read /design/" + f);
      std::vector<std::string> text;
      for (double x : v) text.push_back(format_double(x));
      o.factor_values.push_back(std::move(text));
    }
  }
  o.done.assign(jobs, 0);
  H jg(H5Gopen2(file, "jobs", H5P_DEFAULT), H5Gclose);
  H dd(H5Dopen2(jg, "done", H5P_DEFAULT), H5Dclose);
  if (dd.id < 0 || H5Dread(dd, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, o.done.data()) < 0)
    throw IoError(path, "cannot read /jobs/done");
  return o;
}

PairedDifference paired_difference(const std::vector<double>& x, const std::vector<double>& y, double level) {
  if (x.size() != y.size()) throw ArgumentError("y", "paired samples must have the same length");
  if (!(level > 0 && level < 1)) throw ArgumentError("level", "must be in (0, 1)");
  std::vector<double> d;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isnan(x[i]) && !std::isnan(y[i])) d.push_back(x[i] - y[i]);
  PairedDifference r;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  r.n = d.size();
  if (d.empty()) {
    r.mean = r.sd = r.lo = r.hi = r.effect_size = nan;
    return r;
  }
  double sum = 0;
  for (double v : d) sum += v;
  r.mean = sum / static_cast<double>(d.size());
  if (d.size() < 2) {
    r.sd = r.lo = r.hi = r.effect_size = nan;
    return r;
  }
  double ss = 0;
  for (double v : d) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / static_cast<double>(d.size() - 1));
  const double se = r.sd / std::sqrt(static_cast<double>(d.size()));
  const boost::math::students_t dist(static_cast<double>(d.size() - 1));
  const double t = boost::math::quantile(dist, 0.5 + level / 2.0);
  r.lo = r.mean - t * se;
  r.hi = r.mean + t * se;
  r.effect_size = r.sd > 0 ? r.mean / r.sd : (r.mean == 0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), r.mean));
  return r;
}

Summary summarise(const Outcomes& o, double level) {
  Summary s;
  s.outcomes = o.names;
  s.arms = o.arm_names;
  s.points = o.points;
  s.replicates = o.replicates;
  s.jobs_total = o.done.size();
  for (auto d : o.done) s.jobs_done += d ? 1 : 0;
  for (std::size_t a = 0; a < o.arm_names.size(); ++a)
    if (o.arm_names[a] == o.baseline) s.baseline = a;
  for (std::size_t k = 0; k < o.names.size(); ++k) {
    std::vector<Summary::Cell> cells(o.arms);
    std::vector<PairedDifference> diffs(o.arms);
    for (std::size_t a = 0; a < o.arms; ++a) {
      double sum = 0, ss = 0;
      std::size_t n = 0;
      for (std::size_t p = 0; p < o.points; ++p)
        for (std::size_t r = 0; r < o.replicates; ++r) {
          const double v = o.at(k, p, a, r);
          if (!std::isnan(v)) {
            sum += v;
            ++n;
          }
        }
      cells[a].n = n;
      cells[a].mean = n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
      for (std::size_t p = 0; p < o.points; ++p)
        for (std::size_t r = 0; r < o.replicates; ++r) {
          const double v = o.at(k, p, a, r);
          if (!std::isnan(v)) ss += (v - cells[a].mean) * (v - cells[a].mean);
        }
      cells[a].sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : std::numeric_limits<double>::quiet_NaN();
      if (a == s.baseline) continue;
      // per replicate: the arm's and the baseline's mean over the points both ran
      std::vector<double> x(o.replicates), y(o.replicates);
      for (std::size_t r = 0; r < o.replicates; ++r) {
        double sx = 0, sy = 0;
        std::size_t m = 0;
        for (std::size_t p = 0; p < o.points; ++p) {
          const double u = o.at(k, p, a, r), v = o.at(k, p, s.baseline, r);
          if (std::isnan(u) || std::isnan(v)) continue;
          sx += u;
          sy += v;
          ++m;
        }
        x[r] = m ? sx / static_cast<double>(m) : std::numeric_limits<double>::quiet_NaN();
        y[r] = m ? sy / static_cast<double>(m) : std::numeric_limits<double>::quiet_NaN();
      }
      diffs[a] = paired_difference(x, y, level);
    }
    s.cells.push_back(std::move(cells));
    s.differences.push_back(std::move(diffs));
  }
  return s;
}

}  // namespace tegenmacht::experiments
