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

/// A fixed-length UTF-8 string type of `size` bytes (at least 1), padded with NULs.
/// Text is written this way, not as variable-length strings: reading a
/// variable-length string goes through HDF5's global heap, which carries no
/// checksum, and HDF5 1.10 crashes on some damaged heaps (found by
/// tests/fuzz/fuzz_results); fixed-length text lives in checksummed headers
/// or in the dataset itself.
inline hid_t fixed_string_type(std::size_t size) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, std::max<std::size_t>(1, size));
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

/// The values as one NUL-padded block of `width` bytes each (width >= 1).
inline std::vector<char> fixed_block(const std::vector<std::string>& values, std::size_t& width) {
  width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::vector<char> block(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), block.begin() + i * width);
  return block;
}

/// File access for new files: the HDF5 1.8 format or later, whose object
/// headers and indexes carry checksums, so that damage is reported as an
/// error instead of being parsed.
inline hid_t checksummed_access() {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  return fapl;
}

struct Writer {
  std::string path;

  void attr_string(hid_t obj, const char* name, const std::string& value) { attr_text(obj, name, {value}, true); }
  void attr_strings(hid_t obj, const char* name, const std::vector<std::string>& values) {
    attr_text(obj, name, values, false);
  }
  void attr_text(hid_t obj, const char* name, const std::vector<std::string>& values, bool scalar) {
    std::size_t width = 1;
    const std::vector<char> block = fixed_block(values, width);
    H type(fixed_string_type(width), H5Tclose);
    const hsize_t n = values.size();
    // an empty list is a null dataspace (a simple one cannot have size 0)
    H space(scalar ? H5Screate(H5S_SCALAR) : n ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_NULL), H5Sclose);
    H a(checked(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Aclose);
    if (!n) return;
    check(H5Awrite(a, type, block.data()), path, name);
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
  void dataset_string(hid_t loc, const char* name, const std::string& text) { dataset_text(loc, name, {text}, true); }
  void dataset_strings(hid_t loc, const char* name, const std::vector<std::string>& values) {
    dataset_text(loc, name, values, false);
  }
  void dataset_text(hid_t loc, const char* name, const std::vector<std::string>& values, bool scalar) {
    std::size_t width = 1;
    const std::vector<char> block = fixed_block(values, width);
    H type(fixed_string_type(width), H5Tclose);
    const hsize_t n = values.size();
    H space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
    H d(checked(H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, name), H5Dclose);
    if (n) check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, block.data()), path, name);
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

/// The text values of an attribute (is_attr) or dataset `id`: fixed-length
/// strings (what this version writes) or variable-length ones (older files).
/// Throws IoError naming `path` and `name` if it holds no text or cannot be read.
inline std::vector<std::string> read_text_values(hid_t id, bool is_attr, const std::string& path, const std::string& name) {
  H stored(is_attr ? H5Aget_type(id) : H5Dget_type(id), H5Tclose);
  H space(is_attr ? H5Aget_space(id) : H5Dget_space(id), H5Sclose);
  if (stored.id < 0 || space.id < 0 || H5Tget_class(stored) != H5T_STRING)
    throw IoError(path, name + " is not text (a damaged file?)");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  if (H5Tis_variable_str(stored) > 0) {
    H type(vlen_string_type(), H5Tclose);
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    const herr_t st = is_attr ? H5Aread(id, type, ptrs.data()) : H5Dread(id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    if (st < 0) throw IoError(path, "cannot read " + name + " (a damaged file?)");
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t width = H5Tget_size(stored);
  if (width == 0 || static_cast<double>(width) * static_cast<double>(n) > double(1u << 30))
    throw IoError(path, name + " has an impossible size (a damaged file?)");
  H type(fixed_string_type(width), H5Tclose);
  std::vector<char> block(width * static_cast<std::size_t>(n), '\0');
  const herr_t st = is_attr ? H5Aread(id, type, block.data()) : H5Dread(id, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, block.data());
  if (st < 0) throw IoError(path, "cannot read " + name + " (a damaged file?)");
  for (hssize_t i = 0; i < n; ++i) {
    const char* b = block.data() + static_cast<std::size_t>(i) * width;
    out.emplace_back(b, std::find(b, b + width, '\0'));
  }
  return out;
}

/// A dataset of strings; IoError naming `path` with `missing`
/// ("not a checkpoint (no x)") if it is absent, or if it cannot be read.
inline std::vector<std::string> read_strings_dataset(hid_t loc, const char* name, const std::string& path,
                                                     const std::string& missing) {
  H d(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  if (d.id < 0) throw IoError(path, missing);
  return read_text_values(d, false, path, name);
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
  try {
    const auto v = read_text_values(a, true, "", name);
    return v.empty() ? "" : v.front();
  } catch (const IoError&) {
    return "";
  }
}

/// A list-of-strings attribute (an empty list is a null dataspace). Throws
/// IoError naming `path` if the attribute is missing or unreadable.
inline std::vector<std::string> read_strings_attr(hid_t obj, const char* name, const std::string& path) {
  std::vector<std::string> out;
  H a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (a.id < 0) throw IoError(path, std::string("not a complete experiment results file (no attribute ") + name + ")");
  return read_text_values(a, true, path, std::string("attribute ") + name);
}

}  // namespace tegenmacht::detail
