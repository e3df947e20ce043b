#include "store.hpp"

#include <hdf5.h>

#include <cmath>
#include <limits>

#include "hdf5_util.hpp"
#include "tegenmacht/error.hpp"
#include "tegenmacht/results.hpp"
#include "tegenmacht/version.hpp"

namespace tegenmacht::experiments::detail {

using tegenmacht::detail::check;
using tegenmacht::detail::checked;
using tegenmacht::detail::H;
using tegenmacht::detail::iso_now;
using tegenmacht::detail::read_string_attr;
using tegenmacht::detail::read_strings_attr;
using tegenmacht::detail::Writer;

std::uint64_t fnv1a(std::uint64_t h, const std::string& text) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  // a separator, so that ("ab", "c") and ("a", "bc") differ
  h ^= 0xffu;
  h *= 0x100000001b3ull;
  return h;
}

namespace {

/// A contiguous dataset allocated at creation and filled with `fill`.
hid_t create_fixed(hid_t loc, const std::string& name, hid_t type, const std::vector<hsize_t>& dims, const void* fill,
                   const std::string& path) {
  H space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  H dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  check(H5Pset_layout(dcpl, H5D_CONTIGUOUS), path, name.c_str());
  check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), path, name.c_str());
  check(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), path, name.c_str());
  check(H5Pset_fill_value(dcpl, type, fill), path, name.c_str());
  check(H5Pset_obj_track_times(dcpl, false), path, name.c_str());
  return checked(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), path, name.c_str());
}

/// An extendible, compressed 1-D dataset (appended to while validating).
hid_t create_growing(hid_t loc, const char* name, hid_t type, hsize_t chunk, const std::string& path) {
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  H space(H5Screate_simple(1, &zero, &unlimited), H5Sclose);
  H dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  check(H5Pset_chunk(dcpl, 1, &chunk), path, name);
  check(H5Pset_deflate(dcpl, 6), path, name);
  check(H5Pset_obj_track_times(dcpl, false), path, name);
  return checked(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), path, name);
}

void append(hid_t d, hid_t type, const void* data, hsize_t count, hsize_t at, const std::string& path) {
  const hsize_t size = at + count;
  check(H5Dset_extent(d, &size), path, "scenarios");
  H fspace(H5Dget_space(d), H5Sclose);
  check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &at, nullptr, &count, nullptr), path, "scenarios");
  H mspace(H5Screate_simple(1, &count, nullptr), H5Sclose);
  check(H5Dwrite(d, type, mspace, fspace, H5P_DEFAULT, data), path, "scenarios");
}

hid_t open_group(hid_t file, const char* name, const std::string& path) {
  hid_t g = H5Gopen2(file, name, H5P_DEFAULT);
  if (g < 0) throw IoError(path, std::string("not a complete experiment results file (no /") + name + ")");
  return g;
}

}  // namespace

std::unique_ptr<Store> Store::create(const std::string& path, const StoreLayout& L) {
  prepare_hdf5();
  std::unique_ptr<Store> s(new Store());
  s->path_ = path;
  s->jobs_ = L.jobs();
  s->points_ = L.points;
  s->arms_ = L.arms;
  H fapl(access_plist(), H5Pclose);
  H fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  s->file_ = checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl), path, "file");
  Writer w{path};
  const hid_t file = static_cast<hid_t>(s->file_);
  w.attr_string(file, "kind", "experiment");
  w.attr_string(file, "tegenmacht_version", version());
  w.attr_string(file, "git_commit", git_commit());
  w.attr_string(file, "build_type", build_type());
  w.attr_string(file, "created", iso_now());
  w.attr_string(file, "model", L.model);
  w.attr_string(file, "description", L.description);
  w.attr_scalar<std::uint64_t>(file, "seed", H5T_NATIVE_UINT64, L.seed);
  w.attr_scalar<std::int64_t>(file, "threads", H5T_NATIVE_INT64, L.threads);
  w.attr_scalar<std::int64_t>(file, "steps", H5T_NATIVE_INT64, L.steps);
  w.attr_scalar<std::int64_t>(file, "points", H5T_NATIVE_INT64, static_cast<std::int64_t>(L.points));
  w.attr_scalar<std::int64_t>(file, "arms", H5T_NATIVE_INT64, static_cast<std::int64_t>(L.arms));
  w.attr_scalar<std::int64_t>(file, "replicates", H5T_NATIVE_INT64, static_cast<std::int64_t>(L.replicates));
  w.attr_scalar<std::int64_t>(file, "jobs_total", H5T_NATIVE_INT64, static_cast<std::int64_t>(L.jobs()));
  w.attr_scalar<std::int64_t>(file, "jobs_done", H5T_NATIVE_INT64, 0);
  w.attr_scalar<std::uint8_t>(file, "complete", H5T_NATIVE_UINT8, 0);
  w.attr_scalar<double>(file, "elapsed_seconds", H5T_NATIVE_DOUBLE, 0.0);
  w.attr_string(file, "command_line", L.command_line);
  w.attr_string(file, "experiment_file", L.experiment_file);
  w.attr_string(file, "scenario_file", L.scenario_file);
  w.attr_string(file, "baseline", L.baseline);
  w.attr_scalar<std::int64_t>(file, "schema_version", H5T_NATIVE_INT64, kSchemaVersion);
  w.attr_string(file, "fingerprint", std::string(16, '0'));
  std::vector<std::string> onames, snames;
  for (const auto& o : L.outcomes) onames.push_back(o.name);
  for (const auto& m : L.series) snames.push_back(m.name);
  w.attr_strings(file, "outcome_names", onames);
  w.attr_strings(file, "recorded_metrics", snames);
  w.dataset_string(file, "experiment", L.experiment_yaml);
  w.dataset_string(file, "config", L.base_config_yaml);

  const hsize_t P = L.points, A = L.arms, R = L.replicates;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  {  // the design
    H g(checked(H5Gcreate2(file, "design", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/design"), H5Gclose);
    w.attr_string(g, "type", L.design);
    w.attr_scalar<std::int64_t>(g, "n", H5T_NATIVE_INT64, static_cast<std::int64_t>(L.n));
    w.attr_scalar<std::int64_t>(g, "levels", H5T_NATIVE_INT64, static_cast<std::int64_t>(L.levels));
    w.attr_scalar<std::int64_t>(g, "trajectories", H5T_NATIVE_INT64, static_cast<std::int64_t>(L.trajectories));
    w.attr_scalar<std::uint64_t>(g, "seed", H5T_NATIVE_UINT64, L.design_seed);
    w.attr_scalar<double>(g, "morris_delta", H5T_NATIVE_DOUBLE, L.morris_delta);
    std::vector<std::string> fnames, fkeys;
    for (const auto& f : L.factors) {
      fnames.push_back(f.name);
      fkeys.push_back(f.key);
    }
    w.attr_strings(g, "factors", fnames);
    w.attr_strings(g, "keys", fkeys);
    for (const auto& f : L.factors) {
      hid_t d = -1;
      if (f.is_numeric) {
        d = w.dataset_f64(g, f.name, {P}, f.numeric.data());
      } else {
        w.dataset_strings(g, f.name.c_str(), f.text);
        d = H5Dopen2(g, f.name.c_str(), H5P_DEFAULT);
      }
      H dh(d, H5Dclose);
      w.attr_string(dh, "key", f.key);
      w.attr_strings(dh, "also", f.also);
      w.attr_scalar<std::uint8_t>(dh, "log", H5T_NATIVE_UINT8, f.log ? 1 : 0);
      w.attr_scalar<std::uint8_t>(dh, "integer", H5T_NATIVE_UINT8, f.integer ? 1 : 0);
      if (f.has_range) {
        w.attr_scalar<double>(dh, "lo", H5T_NATIVE_DOUBLE, f.lo);
        w.attr_scalar<double>(dh, "hi", H5T_NATIVE_DOUBLE, f.hi);
      }
    }
    if (!L.unit.empty() && !L.factors.empty()) {
      const hsize_t k = L.factors.size();
      std::vector<double> flat;
      flat.reserve(P * k);
      for (const auto& row : L.unit) flat.insert(flat.end(), row.begin(), row.end());
      H d(w.dataset_f64(g, "_unit", {P, k}, flat.data()), H5Dclose);
      w.attr_strings(d, "dims", {"point", "factor"});
    }
    if (!L.morris_changed.empty()) {
      std::vector<double> ch(L.morris_changed.begin(), L.morris_changed.end());
      H d(w.dataset_f64(g, "_morris_changed", {P}, ch.data()), H5Dclose);
      w.attr_string(d, "description", "index of the factor moved from the previous point (-1: a trajectory's first point)");
    }
  }
  {  // the arms
    H g(checked(H5Gcreate2(file, "arms", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/arms"), H5Gclose);
    w.dataset_strings(g, "name", L.arm_names);
    w.dataset_strings(g, "overrides", L.arm_overrides);
  }
  {  // labels of the recorded series' axes and the outcomes' groups
    H g(checked(H5Gcreate2(file, "labels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/labels"), H5Gclose);
    for (const auto& [axis, names] : L.labels) w.dataset_strings(g, axis.c_str(), names);
  }
  {
    H g(checked(H5Gcreate2(file, "outcomes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/outcomes"), H5Gclose);
    for (const auto& o : L.outcomes) {
      H d(create_fixed(g, o.name, H5T_NATIVE_DOUBLE, {P, A, R}, &nan, path), H5Dclose);
      w.attr_strings(d, "dims", {"point", "arm", "replicate"});
      w.attr_string(d, "metric", o.metric);
      w.attr_string(d, "group", o.group);
      w.attr_string(d, "reduce", o.reduce);
      w.attr_scalar<std::int64_t>(d, "at", H5T_NATIVE_INT64, o.at);
      w.attr_scalar<std::int64_t>(d, "from", H5T_NATIVE_INT64, o.from);
      w.attr_scalar<std::int64_t>(d, "to", H5T_NATIVE_INT64, o.to);
      w.attr_string(d, "unit", o.unit);
      w.attr_string(d, "better", o.better < 0 ? "lower" : "higher");
      w.attr_string(d, "description", o.description);
    }
  }
  {
    H g(checked(H5Gcreate2(file, "metrics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/metrics"), H5Gclose);
    const hsize_t T = static_cast<hsize_t>(L.steps + 1);
    for (const auto& m : L.series) {
      std::vector<hsize_t> dims{P, A, R, T};
      std::vector<std::string> dn{"point", "arm", "replicate", "step"};
      if (!m.axis.empty()) {
        dims.push_back(m.width);
        dn.push_back(m.axis);
      }
      H d(create_fixed(g, m.name, H5T_NATIVE_DOUBLE, dims, &nan, path), H5Dclose);
      w.attr_strings(d, "dims", dn);
      w.attr_string(d, "unit", m.unit);
      w.attr_string(d, "description", m.description);
    }
  }
  {
    H g(checked(H5Gcreate2(file, "jobs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/jobs"), H5Gclose);
    const std::uint8_t zero = 0;
    H d(create_fixed(g, "done", H5T_NATIVE_UINT8, {P, A, R}, &zero, path), H5Dclose);
    w.attr_strings(d, "dims", {"point", "arm", "replicate"});
    H t(create_fixed(g, "seconds", H5T_NATIVE_DOUBLE, {P, A, R}, &nan, path), H5Dclose);
    w.attr_string(t, "description", "wall time of each job (depends on the machine; not part of the results)");
  }
  {
    H g(checked(H5Gcreate2(file, "scenarios", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/scenarios"),
        H5Gclose);
    w.attr_string(g, "description",
                  "resolved scenario of every (point, arm): text[offset[i]:offset[i+1]], i = point * arms + arm");
    H t(create_growing(g, "text", H5T_NATIVE_UINT8, 1 << 16, path), H5Dclose);
    H o(create_growing(g, "offset", H5T_NATIVE_INT64, 4096, path), H5Dclose);
    const std::int64_t zero = 0;
    append(o, H5T_NATIVE_INT64, &zero, 1, 0, path);
  }
  s->open_datasets();
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path, "file");
  return s;
}

std::unique_ptr<Store> Store::open(const std::string& path) {
  prepare_hdf5();
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "not an HDF5 file, so it cannot be resumed");
  std::unique_ptr<Store> s(new Store());
  s->path_ = path;
  H fapl(access_plist(), H5Pclose);
  s->file_ = H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl);
  if (s->file_ < 0) throw IoError(path, "cannot open the results file for writing (is it read-only or corrupt?)");
  const hid_t file = static_cast<hid_t>(s->file_);
  if (H5Aexists(file, "kind") <= 0) throw IoError(path, "not an experiment results file (no 'kind' attribute)");
  auto read_i64 = [&](const char* name) {
    std::int64_t v = 0;
    H a(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
    if (a.id < 0 || H5Aread(a, H5T_NATIVE_INT64, &v) < 0)
      throw IoError(path, std::string("not a complete experiment results file (attribute ") + name + ")");
    return v;
  };
  s->points_ = static_cast<std::size_t>(read_i64("points"));
  s->arms_ = static_cast<std::size_t>(read_i64("arms"));
  s->jobs_ = static_cast<std::size_t>(read_i64("jobs_total"));
  {
    H a(H5Aopen(file, "elapsed_seconds", H5P_DEFAULT), H5Aclose);
    if (a.id >= 0) H5Aread(a, H5T_NATIVE_DOUBLE, &s->elapsed_before_);
  }
  s->open_datasets();
  return s;
}

void Store::open_datasets() {
  const hid_t file = static_cast<hid_t>(file_);
  auto names_of = [&](const char* attr) { return read_strings_attr(file, attr, path_); };
  H outcomes(open_group(file, "outcomes", path_), H5Gclose);
  for (const auto& n : names_of("outcome_names")) {
    const hid_t d = H5Dopen2(outcomes, n.c_str(), H5P_DEFAULT);
    if (d < 0) throw IoError(path_, "not a complete experiment results file (no /outcomes/" + n + ")");
    outcome_sets_.push_back(d);
  }
  H metrics(open_group(file, "metrics", path_), H5Gclose);
  for (const auto& n : names_of("recorded_metrics")) {
    const hid_t d = H5Dopen2(metrics, n.c_str(), H5P_DEFAULT);
    if (d < 0) throw IoError(path_, "not a complete experiment results file (no /metrics/" + n + ")");
    series_sets_.push_back(d);
    H space(H5Dget_space(d), H5Sclose);
    hsize_t dims[5] = {0, 0, 0, 0, 1};
    const int rank = H5Sget_simple_extent_dims(space, dims, nullptr);
    series_block_.push_back(static_cast<std::size_t>(dims[3] * (rank == 5 ? dims[4] : 1)));
  }
  H jobs(open_group(file, "jobs", path_), H5Gclose);
  done_set_ = H5Dopen2(jobs, "done", H5P_DEFAULT);
  seconds_set_ = H5Dopen2(jobs, "seconds", H5P_DEFAULT);
  if (done_set_ < 0 || seconds_set_ < 0) throw IoError(path_, "not a complete experiment results file (no /jobs/done)");
  H scen(open_group(file, "scenarios", path_), H5Gclose);
  scen_text_ = H5Dopen2(scen, "text", H5P_DEFAULT);
  scen_offset_ = H5Dopen2(scen, "offset", H5P_DEFAULT);
}

Store::~Store() {
  try {
    close();
  } catch (...) {
  }
}

void Store::close() {
  if (file_ < 0) return;
  for (auto d : outcome_sets_) H5Dclose(static_cast<hid_t>(d));
  for (auto d : series_sets_) H5Dclose(static_cast<hid_t>(d));
  outcome_sets_.clear();
  series_sets_.clear();
  for (auto* d : {&done_set_, &seconds_set_, &scen_text_, &scen_offset_})
    if (*d >= 0) {
      H5Dclose(static_cast<hid_t>(*d));
      *d = -1;
    }
  const herr_t st = H5Fclose(static_cast<hid_t>(file_));
  file_ = -1;
  if (st < 0) throw IoError(path_, "HDF5 error while closing the results file (is the disk full?)");
}

void Store::append_scenario(const std::string& yaml) {
  append(static_cast<hid_t>(scen_text_), H5T_NATIVE_UINT8, yaml.data(), yaml.size(), scen_bytes_, path_);
  scen_bytes_ += yaml.size();
  ++scen_count_;
  const auto end = static_cast<std::int64_t>(scen_bytes_);
  append(static_cast<hid_t>(scen_offset_), H5T_NATIVE_INT64, &end, 1, scen_count_, path_);
}

void Store::set_fingerprint(const std::string& fingerprint) {
  const hid_t file = static_cast<hid_t>(file_);
  H5Adelete(file, "fingerprint");
  Writer{path_}.attr_string(file, "fingerprint", fingerprint);
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path_, "file");
}

void Store::set_warnings(const std::vector<std::string>& warnings) {
  const hid_t file = static_cast<hid_t>(file_);
  H5Adelete(file, "warnings");
  Writer{path_}.attr_strings(file, "warnings", warnings);
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path_, "file");
}

std::string Store::fingerprint() const { return read_string_attr(static_cast<hid_t>(file_), "fingerprint"); }

std::vector<std::uint8_t> Store::done() const {
  std::vector<std::uint8_t> d(jobs_, 0);
  if (jobs_ && H5Dread(static_cast<hid_t>(done_set_), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.data()) < 0)
    throw IoError(path_, "cannot read /jobs/done (corrupt file?)");
  return d;
}

void Store::write_job(std::size_t job, const std::vector<double>& outcomes, const std::vector<const double*>& series,
                      double seconds) {
  const std::size_t R = jobs_ / (points_ * arms_);
  const hsize_t p = job / (arms_ * R), a = (job / R) % arms_, r = job % R;
  auto write_at = [&](std::int64_t set, hid_t type, const void* data, std::size_t block, const char* what) {
    const hid_t d = static_cast<hid_t>(set);
    H fspace(H5Dget_space(d), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(fspace);
    hsize_t start[5] = {p, a, r, 0, 0}, count[5] = {1, 1, 1, 1, 1};
    if (rank >= 4) {
      hsize_t dims[5];
      H5Sget_simple_extent_dims(fspace, dims, nullptr);
      count[3] = dims[3];
      if (rank == 5) count[4] = dims[4];
    }
    check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr), path_, what);
    const hsize_t n = block;
    H mspace(H5Screate_simple(1, &n, nullptr), H5Sclose);
    check(H5Dwrite(d, type, mspace, fspace, H5P_DEFAULT, data), path_, what);
  };
  for (std::size_t i = 0; i < outcome_sets_.size(); ++i)
    write_at(outcome_sets_[i], H5T_NATIVE_DOUBLE, &outcomes[i], 1, "an outcome");
  for (std::size_t i = 0; i < series_sets_.size(); ++i)
    write_at(series_sets_[i], H5T_NATIVE_DOUBLE, series[i], series_block_[i], "a metric series");
  write_at(seconds_set_, H5T_NATIVE_DOUBLE, &seconds, 1, "/jobs/seconds");
  const std::uint8_t one = 1;
  write_at(done_set_, H5T_NATIVE_UINT8, &one, 1, "/jobs/done");  // last: the job counts once this is on disk
}

void Store::finish(bool complete, std::size_t jobs_done, double seconds) {
  const hid_t file = static_cast<hid_t>(file_);
  auto set = [&](const char* name, hid_t type, const void* v) {
    H a(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
    if (a.id < 0 || H5Awrite(a, type, v) < 0) throw IoError(path_, std::string("cannot update attribute ") + name);
  };
  const std::uint8_t c = complete ? 1 : 0;
  const auto n = static_cast<std::int64_t>(jobs_done);
  const double e = elapsed_before_ + seconds;
  set("jobs_done", H5T_NATIVE_INT64, &n);
  set("elapsed_seconds", H5T_NATIVE_DOUBLE, &e);
  set("complete", H5T_NATIVE_UINT8, &c);
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path_, "file");
}

/// File access: no sieve buffer (raw writes reach the OS in program order),
/// no file locking (the file can be read while the experiment runs).
std::int64_t access_plist() {
  hid_t fapl = tegenmacht::detail::checksummed_access();
  H5Pset_sieve_buf_size(fapl, 0);
#if H5_VERSION_GE(1, 10, 7)
  H5Pset_file_locking(fapl, false, true);
#endif
  return fapl;
}

}  // namespace tegenmacht::experiments::detail
