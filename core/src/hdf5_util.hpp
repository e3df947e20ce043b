// HDF5 helpers shared by the results writers of core and experiments (not
// installed: HDF5 stays behind the libraries' .cpp files).
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <ctime>
#include <cstdint>
#include <string>
#include <vector>

#include "tegenmacht/error.hpp"

namespace tegenmacht::detail {

/// Closes an HDF5 handle on scope exit.
struct H {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  H(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  H(const H&) = delete;
  H& operator=(const H&) = delete;
  ~H() {
    if (id >= 0 && close) close(id);
  }
  operator hid_t() const { return id; }  // NOLINT
};

inline void check(herr_t status, const std::string& path, const char* what) {
  if (status < 0) throw IoError(path, std::string("HDF5 error while writing ") + what + " (is the disk full?)");
}
inline hid_t checked(hid_t id, const std::string& path, const char* what) {
  if (id < 0) throw IoError(path, std::string("HDF5 error while creating ") + what + " (is the disk full?)");
  return id;
}

inline hid_t vlen_string_type() {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

struct Writer {
  std::string path;

  void attr_string(hid_t obj, const char* name, const std::string& value) {
    H type(vlen_string_type(), H5Tclose);
    H space(H5Screate(H5S_SCALAR), H5Sclose);
    H a(checked(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Aclose);
    const char* p = value.c_str();
    check(H5Awrite(a, type, &p), path, name);
  }
  void attr_strings(hid_t obj, const char* name, const std::vector<std::string>& values) {
    H type(vlen_string_type(), H5Tclose);
    const hsize_t n = values.size();
    // an empty list is a null dataspace (a simple one cannot have size 0)
    H space(n ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_NULL), H5Sclose);
    H a(checked(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Aclose);
    if (!n) return;
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    check(H5Awrite(a, type, ptrs.data()), path, name);
  }
  template <class T>
  void attr_scalar(hid_t obj, const char* name, hid_t type, T value) {
    H space(H5Screate(H5S_SCALAR), H5Sclose);
    H a(checked(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Aclose);
    check(H5Awrite(a, type, &value), path, name);
  }
  void attr_ints(hid_t obj, const char* name, const std::vector<std::int64_t>& v) {
    const hsize_t n = v.size();
    H space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H a(checked(H5Acreate2(obj, name, H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Aclose);
    check(H5Awrite(a, H5T_NATIVE_INT64, v.data()), path, name);
  }
  void dataset_string(hid_t loc, const char* name, const std::string& text) {
    H type(vlen_string_type(), H5Tclose);
    H space(H5Screate(H5S_SCALAR), H5Sclose);
    H d(checked(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Dclose);
    const char* p = text.c_str();
    check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), path, name);
  }
  void dataset_strings(hid_t loc, const char* name, const std::vector<std::string>& values) {
    H type(vlen_string_type(), H5Tclose);
    const hsize_t n = values.size();
    H space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H d(checked(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Dclose);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    if (n) check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), path, name);
  }
  hid_t dataset_f64(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, const double* data) {
    H space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    H dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    bool nonempty = true;
    for (auto d : dims) nonempty &= d > 0;
    if (nonempty) {
      // chunks: up to 1024 steps and all of the later axes; along the first
      // axis as many rows as fit in about 8 k values (one row of a 1-D set: 8 k)
      std::vector<hsize_t> chunk(dims);
      if (dims.size() >= 2) chunk[1] = std::min<hsize_t>(dims[1], 1024);
      hsize_t rest = 1;
      for (std::size_t i = 1; i < chunk.size(); ++i) rest *= chunk[i];
      chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], 8192 / std::max<hsize_t>(rest, 1)));
      check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()), path, name.c_str());
      check(H5Pset_shuffle(dcpl), path, name.c_str());
      check(H5Pset_deflate(dcpl, 4), path, name.c_str());
    }
    hid_t d = checked(H5Dcreate2(loc, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), path,
                      name.c_str());
    if (nonempty) {
      if (H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        H5Dclose(d);
        throw IoError(path, "HDF5 error while writing dataset " + name);
      }
    }
    return d;
  }
};


/// Writes `path` through `path + ".partial"` (write(partial), then a rename), so
/// that a finished file appears whole or not at all; on failure the partial file
/// is removed and the error rethrown. `what` names the file in messages.
template <class Write>
void write_via_partial(const std::string& path, const char* what, Write&& write) {
  const std::string partial = path + ".partial";
  try {
    write(partial);
  } catch (const IoError&) {
    const std::string why = ::tegenmacht::write_failure_cause(partial);
    std::remove(partial.c_str());
    if (why.empty()) throw;
    throw IoError(path, std::string("cannot write the ") + what + ": " + why + "; nothing was written");
  } catch (...) {
    std::remove(partial.c_str());
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::remove(partial.c_str());
    throw IoError(path, "cannot rename " + partial + " to the " + what + ": " + ec.message());
  }
}

/// A dataset of variable-length strings; IoError naming `path` with `missing`
/// ("not a checkpoint (no x)") if it is absent, or if it cannot be read.
inline std::vector<std::string> read_strings_dataset(hid_t loc, const char* name, const std::string& path,
                                                     const std::string& missing) {
  H d(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  if (d.id < 0) throw IoError(path, missing);
  H space(H5Dget_space(d), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  H type(vlen_string_type(), H5Tclose);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  if (H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    throw IoError(path, std::string("cannot read ") + name + " (a damaged file?)");
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
  return out;
}

/// Now in UTC, ISO 8601 ("2026-11-29T16:29:16Z"), for the `created` attribute.
inline std::string iso_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// A variable-length string attribute, or "" if there is none.
inline std::string read_string_attr(hid_t obj, const char* name) {
  H a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (a.id < 0) return "";
  H type(vlen_string_type(), H5Tclose);
  char* p = nullptr;
  if (H5Aread(a, type, &p) < 0) return "";
  std::string s = p ? p : "";
  H5free_memory(p);
  return s;
}

/// A list-of-strings attribute (an empty list is a null dataspace). Throws
/// IoError naming `path` if the attribute is missing or unreadable.
inline std::vector<std::string> read_strings_attr(hid_t obj, const char* name, const std::string& path) {
  std::vector<std::string> out;
  H a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (a.id < 0) throw IoError(path, std::string("not a complete experiment results file (no attribute ") + name + ")");
  H space(H5Aget_space(a), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n <= 0) return out;
  H type(vlen_string_type(), H5Tclose);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  if (H5Aread(a, type, ptrs.data()) < 0) throw IoError(path, std::string("cannot read attribute ") + name);
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
  return out;
}

}  // namespace tegenmacht::detail
