#include "tegenmacht/results.hpp"

#include <hdf5.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>

#include "hdf5_util.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/version.hpp"

namespace tegenmacht {

namespace {
using detail::H;
using detail::check;
using detail::checked;
using detail::Writer;
using detail::iso_now;

struct RunSet {
  std::vector<const EnsembleResult*> results;
  const SweepInfo* sweep = nullptr;  // null: one run, no run axis
};

void write_file(const std::string& path, const Config& config, const RunSet& runs, const Provenance& prov) {
  Writer w{path};
  H fapl(detail::checksummed_access(), H5Pclose);
  H file(checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), path, "file"), H5Fclose);
  const EnsembleResult& first = *runs.results.front();
  const auto nruns = static_cast<hsize_t>(runs.results.size());
  const auto replicates = static_cast<hsize_t>(first.recorders.size());
  const auto rows = static_cast<hsize_t>(config.get_int("steps") + 1);
  bool complete = true;
  double seconds = 0;
  std::vector<std::int64_t> done;
  for (const auto* r : runs.results) {
    complete &= r->complete;
    seconds += r->seconds;
    done.insert(done.end(), r->steps_done.begin(), r->steps_done.end());
  }
  if (runs.results.size() < (runs.sweep ? runs.sweep->values.size() : 1)) complete = false;

  w.attr_string(file, "tegenmacht_version", version());
  w.attr_string(file, "git_commit", git_commit());
  w.attr_string(file, "build_type", build_type());
  w.attr_string(file, "created", iso_now());
  w.attr_string(file, "model", config.get_string("model"));
  w.attr_scalar<std::uint64_t>(file, "seed", H5T_NATIVE_UINT64, config.node("seed").as<std::uint64_t>());
  w.attr_scalar<std::int64_t>(file, "threads", H5T_NATIVE_INT64, prov.threads);
  w.attr_scalar<std::int64_t>(file, "replicates", H5T_NATIVE_INT64, static_cast<std::int64_t>(replicates));
  w.attr_scalar<std::int64_t>(file, "steps", H5T_NATIVE_INT64, config.get_int("steps"));
  w.attr_string(file, "command_line", prov.command_line);
  w.attr_string(file, "scenario_file", config.source());
  w.attr_scalar<std::int64_t>(file, "schema_version", H5T_NATIVE_INT64, kSchemaVersion);
  w.attr_scalar<std::uint8_t>(file, "complete", H5T_NATIVE_UINT8, complete ? 1 : 0);
  w.attr_scalar<double>(file, "elapsed_seconds", H5T_NATIVE_DOUBLE, seconds);
  w.attr_ints(file, "steps_completed", done);  // [run ×] replicate, flattened

  w.dataset_string(file, "config", config.to_yaml());
  w.attr_strings(file, "warnings", scenario_warnings(config));
  if (!prov.continued_from.empty()) {
    w.attr_string(file, "continued_from", prov.continued_from);
    w.attr_scalar<std::int64_t>(file, "continued_at_step", H5T_NATIVE_INT64, prov.continued_at_step);
    w.attr_scalar<std::int64_t>(file, "first_replicate", H5T_NATIVE_INT64, prov.first_replicate);
    w.attr_strings(file, "changes", prov.changes);
  }

  if (runs.sweep) {
    const SweepInfo& sw = *runs.sweep;
    w.attr_scalar<std::int64_t>(file, "runs", H5T_NATIVE_INT64, static_cast<std::int64_t>(sw.values.size()));
    w.attr_strings(file, "sweep_keys", sw.keys);
    H params(checked(H5Gcreate2(file, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/parameters"),
             H5Gclose);
    for (std::size_t k = 0; k < sw.keys.size(); ++k) {
      std::vector<std::string> col;
      for (const auto& row : sw.values) col.push_back(row[k]);
      w.dataset_strings(params, sw.keys[k].c_str(), col);
    }
    w.dataset_strings(params, "_config", sw.configs);  // resolved scenario of each run
  }

  // The first replicate that ran declares the series; all replicates share them.
  const Recorder* proto = nullptr;
  for (const auto* run : runs.results)
    for (const auto& r : run->recorders)
      if (!proto && !r.series().empty()) proto = &r;
  H metrics(checked(H5Gcreate2(file, "metrics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/metrics"), H5Gclose);
  H labels(checked(H5Gcreate2(file, "labels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/labels"), H5Gclose);
  if (!proto) return;
  for (const auto& [axis, names] : proto->labels()) w.dataset_strings(labels, axis.c_str(), names);

  const hsize_t total_runs = runs.sweep ? static_cast<hsize_t>(runs.sweep->values.size()) : 1;
  for (std::size_t si = 0; si < proto->series().size(); ++si) {
    const Series& s = proto->series()[si];
    if (!s.enabled) continue;
    const hsize_t width = s.width, block = rows * width;
    std::vector<double> buf(total_runs * replicates * block, std::numeric_limits<double>::quiet_NaN());
    for (hsize_t u = 0; u < nruns; ++u)
      for (hsize_t r = 0; r < replicates && r < runs.results[u]->recorders.size(); ++r) {
        const auto& series = runs.results[u]->recorders[r].series();
        if (series.size() <= si || series[si].width != width) continue;
        const auto& d = series[si].data;
        std::copy(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(d.size(), block)),
                  buf.begin() + static_cast<std::ptrdiff_t>((u * replicates + r) * block));
      }
    std::vector<hsize_t> dims{replicates, rows};
    std::vector<std::string> dimnames{"replicate", "step"};
    if (runs.sweep) {
      dims.insert(dims.begin(), total_runs);
      dimnames.insert(dimnames.begin(), "run");
    }
    if (!s.axis.empty()) {
      dims.push_back(width);
      dimnames.push_back(s.axis);
    }
    H d(w.dataset_f64(metrics, s.name, dims, buf.data()), H5Dclose);
    w.attr_strings(d, "dims", dimnames);
    w.attr_string(d, "unit", s.unit);
    w.attr_string(d, "description", s.description);
  }

  if (!runs.sweep && !proto->snapshots().empty()) {
    const EnsembleResult& result = first;
    H snaps(checked(H5Gcreate2(file, "snapshots", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/snapshots"),
            H5Gclose);
    for (std::size_t k = 0; k < proto->snapshots().size(); ++k) {
      const Snapshot& snap0 = proto->snapshots()[k];
      const std::string gname = std::to_string(snap0.step);
      H g(checked(H5Gcreate2(snaps, gname.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "snapshot"),
          H5Gclose);
      for (const auto& [col, values] : snap0.columns) {
        const hsize_t n = values.size();
        std::vector<double> buf(replicates * n, std::numeric_limits<double>::quiet_NaN());
        for (hsize_t r = 0; r < replicates; ++r) {
          const auto& sn = result.recorders[r].snapshots();
          if (k < sn.size()) {
            auto it = sn[k].columns.find(col);
            if (it != sn[k].columns.end() && it->second.size() == n)
              std::copy(it->second.begin(), it->second.end(), buf.begin() + static_cast<std::ptrdiff_t>(r * n));
          }
        }
        H d(w.dataset_f64(g, col, {replicates, n}, buf.data()), H5Dclose);
        w.attr_strings(d, "dims", {"replicate", "agent"});
      }
    }
  }
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path, "file");
}

void write_atomically(const std::string& path, const Config& config, const RunSet& runs, const Provenance& prov) {
  prepare_hdf5();
  detail::write_via_partial(path, "results file",
                            [&](const std::string& partial) { write_file(partial, config, runs, prov); });
}

}  // namespace

void prepare_hdf5() {
  static const bool once = [] {
    H5dont_atexit();  // must come before the library initialises (any other call)
    return true;
  }();
  (void)once;
  // no printed error stack: errors become exceptions. The setting is per thread in
  // a thread-safe HDF5, and checkpoints are written from worker threads
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

void check_output_path(const std::string& path) {
  if (path.empty()) throw ArgumentError("output", "the results file needs a name");
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(st))
    throw IoError(path, "is a folder; give the results file's name, e.g. " +
                            (std::filesystem::path(path) / "results.h5").string());
  if (std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw IoError(path, "is not a regular file (a device, pipe or socket); give the results file's name");
  if (path.size() > 8 && path.compare(path.size() - 8, 8, ".partial") == 0)
    throw ArgumentError("output", "'" + path + "' ends in .partial, the name of an unfinished file; "
                                  "give the name of the finished file (the .partial is found from it)");
  // an HDF5 name, so that a slip (-o town.yaml) never replaces a scenario or another file
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext != ".h5" && ext != ".hdf5" && ext != ".he5")
    throw ArgumentError("output", "'" + path + "' does not end in .h5: results are HDF5 files (e.g. " +
                                      std::filesystem::path(path).replace_extension(".h5").string() +
                                      "); a name ending otherwise could replace a scenario or another file");
}

void check_writable(const std::string& path) {
  check_output_path(path);
  const std::string partial = path + ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  if (!f) throw IoError(path, std::string("cannot write results file: ") + std::strerror(errno));
  std::fclose(f);
  std::remove(partial.c_str());
}

std::string incomplete_results_path(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return path;
  prepare_hdf5();
  bool complete = false;
  if (H5Fis_hdf5(path.c_str()) > 0) {
    detail::H file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (file.id >= 0 && H5Aexists(file, "complete") > 0) {
      detail::H a(H5Aopen(file, "complete", H5P_DEFAULT), H5Aclose);
      std::uint8_t v = 0;
      complete = a.id >= 0 && H5Aread(a, H5T_NATIVE_UINT8, &v) >= 0 && v == 1;
    }
  }
  if (!complete) return path;
  std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + ".interrupted" + p.extension().string())).string();
}

void write_results(const std::string& path, const Config& config, const EnsembleResult& result,
                   const Provenance& provenance) {
  write_atomically(path, config, RunSet{{&result}, nullptr}, provenance);
}

void write_sweep(const std::string& path, const Config& base, const SweepInfo& sweep,
                 const std::vector<EnsembleResult>& results, const Provenance& provenance) {
  if (results.empty()) throw ArgumentError("results", "a sweep needs at least one finished run");
  RunSet runs{{}, &sweep};
  for (const auto& r : results) runs.results.push_back(&r);
  write_atomically(path, base, runs, provenance);
}

}  // namespace tegenmacht
