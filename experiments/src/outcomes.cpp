// Reading the outcomes of an experiment file back (what the analyses work on).
#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "hdf5_util.hpp"
#include "store.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/results.hpp"

namespace tegenmacht::experiments {

namespace {

using tegenmacht::detail::H;
using tegenmacht::detail::read_string_attr;
using tegenmacht::detail::read_strings_attr;

std::vector<std::string> read_strings_dataset(hid_t loc, const char* name, const std::string& path) {
  return tegenmacht::detail::read_strings_dataset(loc, name, path, std::string("not an experiment results file (no dataset ") + name + ")");
}

}  // namespace

Outcomes read_outcomes(const std::string& path) {
  prepare_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (std::filesystem::exists(path + ".partial", ec))
      throw IoError(path, "no such results file; an interrupted run left " + path +
                              ".partial (read that, or finish it with --resume)");
    throw IoError(path, "no such results file");
  }
  if (std::filesystem::is_directory(path, ec)) throw IoError(path, "is a folder, not a results file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "not an HDF5 file");
  H fapl(static_cast<hid_t>(detail::access_plist()), H5Pclose);
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
  o.better.assign(o.names.size(), 1);
  o.units.assign(o.names.size(), "");
  for (std::size_t k = 0; k < o.names.size(); ++k) {
    H d(H5Dopen2(g, o.names[k].c_str(), H5P_DEFAULT), H5Dclose);
    if (H5Aexists(d, "better") > 0 && read_string_attr(d, "better") == "lower") o.better[k] = -1;
    if (H5Aexists(d, "unit") > 0) o.units[k] = read_string_attr(d, "unit");
  }
  o.design = read_string_attr(design, "type");
  {
    std::int64_t n = 0;
    H a(H5Aopen(design, "n", H5P_DEFAULT), H5Aclose);
    if (a.id >= 0 && H5Aread(a, H5T_NATIVE_INT64, &n) >= 0 && n > 0) o.sobol_n = static_cast<std::size_t>(n);
  }
  auto read_f64 = [&](const char* name, std::size_t count, std::vector<double>& out) {
    if (H5Lexists(design, name, H5P_DEFAULT) <= 0) return;
    H d(H5Dopen2(design, name, H5P_DEFAULT), H5Dclose);
    out.assign(count, 0.0);
    if (d.id < 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
      throw IoError(path, std::string("cannot read /design/") + name);
  };
  read_f64("_unit", o.points * o.factor_names.size(), o.unit);
  std::vector<double> changed;
  read_f64("_morris_changed", o.points, changed);
  for (double c : changed) o.morris_changed.push_back(static_cast<int>(c));
  o.done.assign(jobs, 0);
  H jg(H5Gopen2(file, "jobs", H5P_DEFAULT), H5Gclose);
  H dd(H5Dopen2(jg, "done", H5P_DEFAULT), H5Dclose);
  if (dd.id < 0 || H5Dread(dd, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, o.done.data()) < 0)
    throw IoError(path, "cannot read /jobs/done");
  return o;
}

namespace {
std::size_t index_in(const std::vector<std::string>& names, const std::string& name, const char* what) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return i;
  std::string msg = "no " + std::string(what) + " '" + name + "' (the file has: ";
  for (std::size_t i = 0; i < names.size(); ++i) msg += (i ? ", " : "") + names[i];
  throw ArgumentError(what, msg + ")");
}
}  // namespace

std::size_t Outcomes::outcome_index(const std::string& name) const { return index_in(names, name, "outcome"); }
std::size_t Outcomes::arm_index(const std::string& name) const { return index_in(arm_names, name, "arm"); }
std::size_t Outcomes::baseline_index() const {
  for (std::size_t a = 0; a < arm_names.size(); ++a)
    if (arm_names[a] == baseline) return a;
  return 0;
}

}  // namespace tegenmacht::experiments
