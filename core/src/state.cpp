#include "tegenmacht/state.hpp"

#include <hdf5.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>

#include "hdf5_util.hpp"
#include "tegenmacht/error.hpp"
#include "tegenmacht/results.hpp"
#include "tegenmacht/version.hpp"

namespace tegenmacht {

using detail::H;
using detail::check;
using detail::checked;
using detail::Writer;

const char* to_string(StateType t) noexcept {
  switch (t) {
    case StateType::F64: return "f64";
    case StateType::F32: return "f32";
    case StateType::I64: return "i64";
    case StateType::U64: return "u64";
    case StateType::I32: return "i32";
    case StateType::U32: return "u32";
    case StateType::I16: return "i16";
    case StateType::U16: return "u16";
    case StateType::I8: return "i8";
    case StateType::U8: return "u8";
    case StateType::Bytes: return "bytes";
  }
  return "?";
}

void State::push(StateField f) {
  if (f.name.empty()) throw Error("state: a field needs a name");
  if (find(f.name)) throw Error("state: field '" + f.name + "' declared twice");
  fields_.push_back(std::move(f));
}

const StateField* State::find(const std::string& name) const {
  for (const auto& f : fields_)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<Checkpoint::Field> save_state(Model& model) {
  State s;
  model.state(s);
  std::vector<Checkpoint::Field> out;
  out.reserve(s.fields().size());
  for (const auto& f : s.fields()) {
    if (f.scratch) continue;
    Checkpoint::Field c{f.name, f.type, f.elem_size, {}};
    const std::size_t bytes = f.count() * f.elem_size;
    c.bytes.resize(bytes);
    if (bytes) std::memcpy(c.bytes.data(), f.data(), bytes);
    out.push_back(std::move(c));
  }
  return out;
}

void load_state(Model& model, const std::vector<Checkpoint::Field>& fields, const std::string& what) {
  State s;
  model.state(s);
  std::map<std::string, const Checkpoint::Field*> given;
  for (const auto& f : fields) given[f.name] = &f;
  for (const auto& f : s.fields()) {
    if (f.scratch) continue;
    auto it = given.find(f.name);
    if (it == given.end())
      throw ArgumentError(what, "has no state field '" + f.name +
                                    "' (it was written by another model or version, or for a scenario "
                                    "with other lists)");
    const Checkpoint::Field& c = *it->second;
    if (c.type != f.type || c.elem_size != f.elem_size)
      throw ArgumentError(what, "state field '" + f.name + "' holds " + to_string(c.type) + " (" +
                                    std::to_string(c.elem_size) + " bytes each), the model keeps " +
                                    to_string(f.type) + " (" + std::to_string(f.elem_size) + " bytes each)");
    if (c.bytes.size() % f.elem_size != 0)
      throw ArgumentError(what, "state field '" + f.name + "' is truncated");
    const std::size_t n = c.bytes.size() / f.elem_size;
    if (!f.resizable && n != f.count())
      throw ArgumentError(what, "state field '" + f.name + "' has " + std::to_string(n) +
                                    " elements; the model built from the checkpoint's scenario has " +
                                    std::to_string(f.count()) + " (an edited or damaged checkpoint?)");
    void* dst = f.resize(n);
    if (!dst && n > 0)
      throw ArgumentError(what, "state field '" + f.name + "' has " + std::to_string(n) +
                                    " elements; the model keeps " + std::to_string(f.count()));
    if (n) std::memcpy(dst, c.bytes.data(), c.bytes.size());
    given.erase(it);
  }
  if (!given.empty())
    throw ArgumentError(what, "has state field '" + given.begin()->first +
                                  "' that this model does not declare (written by another model or version?)");
}

// ------------------------------------------------------------------ the file

namespace {

/// A 64-bit checksum of everything a checkpoint holds (FNV-1a over 8-byte
/// words): a file changed after it was written, or damaged, is refused.
struct Sum {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, b + i, 8);
      h = (h ^ w) * 0x100000001b3ull;
    }
    for (; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    h = (h ^ n) * 0x100000001b3ull;  // lengths separate the parts
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  template <class T>
  void value(T v) { bytes(&v, sizeof v); }
};

std::uint64_t checksum(const Checkpoint& c) {
  Sum s;
  s.text(c.model);
  s.text(c.version);
  s.value<std::int64_t>(c.format);
  s.text(c.scenario);
  s.value(c.seed);
  s.value(c.replicate);
  s.value(c.step);
  for (const auto& x : c.changes) s.text(x);
  for (const auto& f : c.state) {
    s.text(f.name);
    s.value(static_cast<std::uint8_t>(f.type));
    s.value<std::uint64_t>(f.elem_size);
    s.bytes(f.bytes.data(), f.bytes.size());
  }
  s.value<std::uint64_t>(c.recorder.rows());
  for (const auto& r : c.recorder.series()) {
    s.text(r.name);
    s.value<std::uint64_t>(r.width);
    s.value<std::uint8_t>(r.enabled ? 1 : 0);
    s.bytes(r.data.data(), r.data.size() * sizeof(double));
  }
  for (const auto& [axis, labels] : c.recorder.labels()) {
    s.text(axis);
    for (const auto& l : labels) s.text(l);
  }
  for (const auto& sn : c.recorder.snapshots()) {
    s.value(sn.step);
    for (const auto& [col, v] : sn.columns) {
      s.text(col);
      s.bytes(v.data(), v.size() * sizeof(double));
    }
  }
  return s.h;
}

void write_file(const std::string& path, const Checkpoint& c) {
  Writer w{path};
  H fapl(detail::checksummed_access(), H5Pclose);
  H file(checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), path, "file"), H5Fclose);
  H g(checked(H5Gcreate2(file, "checkpoint", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/checkpoint"),
      H5Gclose);
  w.attr_string(g, "model", c.model);
  w.attr_string(g, "tegenmacht_version", c.version);
  w.attr_string(g, "git_commit", git_commit());
  w.attr_string(g, "created", detail::iso_now());
  w.attr_scalar<std::int64_t>(g, "format", H5T_NATIVE_INT64, c.format);
  w.attr_scalar<std::uint64_t>(g, "seed", H5T_NATIVE_UINT64, c.seed);
  w.attr_scalar<std::int64_t>(g, "replicate", H5T_NATIVE_INT64, c.replicate);
  w.attr_scalar<std::int64_t>(g, "step", H5T_NATIVE_INT64, c.step);
  w.dataset_string(g, "scenario", c.scenario);
  w.attr_strings(g, "changes", c.changes);
  w.attr_scalar<std::uint64_t>(g, "checksum", H5T_NATIVE_UINT64, checksum(c));

  H st(checked(H5Gcreate2(g, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/checkpoint/state"),
       H5Gclose);
  // field names may contain '/': intermediate groups are created as needed
  H lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  std::vector<std::string> order;
  for (const auto& f : c.state) {
    order.push_back(f.name);
    const hsize_t n = f.bytes.size();
    H space(n ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_NULL), H5Sclose);
    H d(checked(H5Dcreate2(st, f.name.c_str(), H5T_NATIVE_UINT8, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), path,
                f.name.c_str()),
        H5Dclose);
    if (n) check(H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, f.bytes.data()), path, f.name.c_str());
    w.attr_string(d, "type", to_string(f.type));
    w.attr_scalar<std::int64_t>(d, "elem_size", H5T_NATIVE_INT64, static_cast<std::int64_t>(f.elem_size));
  }
  w.attr_strings(st, "fields", order);

  const Recorder& r = c.recorder;
  H rec(checked(H5Gcreate2(g, "recorder", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "/checkpoint/recorder"),
        H5Gclose);
  w.attr_scalar<std::int64_t>(rec, "rows", H5T_NATIVE_INT64, static_cast<std::int64_t>(r.rows()));
  std::vector<std::string> names;
  for (const auto& s : r.series()) {
    names.push_back(s.name);
    const hsize_t rows = s.width ? s.data.size() / s.width : 0;
    H d(w.dataset_f64(rec, s.name, {rows, s.width}, s.data.data()), H5Dclose);
    w.attr_string(d, "unit", s.unit);
    w.attr_string(d, "description", s.description);
    w.attr_string(d, "axis", s.axis);
    w.attr_scalar<std::uint8_t>(d, "enabled", H5T_NATIVE_UINT8, s.enabled ? 1 : 0);
  }
  w.attr_strings(rec, "series", names);
  H lab(checked(H5Gcreate2(rec, "_labels", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "labels"), H5Gclose);
  for (const auto& [axis, labels] : r.labels()) w.dataset_strings(lab, axis.c_str(), labels);
  H snaps(checked(H5Gcreate2(rec, "_snapshots", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path, "snapshots"),
          H5Gclose);
  for (std::size_t i = 0; i < r.snapshots().size(); ++i) {
    const Snapshot& sn = r.snapshots()[i];
    H sg(checked(H5Gcreate2(snaps, std::to_string(i).c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path,
                 "snapshot"),
         H5Gclose);
    w.attr_scalar<std::int64_t>(sg, "step", H5T_NATIVE_INT64, sn.step);
    for (const auto& [col, v] : sn.columns) H d(w.dataset_f64(sg, col, {v.size()}, v.data()), H5Dclose);
  }
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), path, "file");
}

std::int64_t read_int_attr(hid_t obj, const char* name, const std::string& path) {
  H a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  std::int64_t v = 0;
  if (a.id < 0 || H5Aread(a, H5T_NATIVE_INT64, &v) < 0)
    throw IoError(path, std::string("is not a complete checkpoint (attribute ") + name + " is missing)");
  return v;
}

std::string read_string_dataset(hid_t loc, const char* name, const std::string& path) {
  H d(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  if (d.id < 0) throw IoError(path, std::string("is not a complete checkpoint (") + name + " is missing)");
  const auto v = detail::read_text_values(d, false, path, name);
  return v.empty() ? std::string() : v.front();
}

std::vector<std::string> read_strings_dataset(hid_t loc, const char* name, const std::string& path) {
  return detail::read_strings_dataset(loc, name, path, std::string("is not a complete checkpoint (") + name + " is missing)");
}

std::vector<double> read_f64(hid_t loc, const std::string& name, const std::string& path) {
  H d(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id < 0) throw IoError(path, "is not a complete checkpoint (" + name + " is missing)");
  H space(H5Dget_space(d), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<double> v(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (!v.empty() && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw IoError(path, "cannot read " + name + " (a damaged checkpoint?)");
  return v;
}

}  // namespace

namespace {
// HDF5 (Debian's build) is not thread-safe: replicates write their checkpoints one at a time
std::mutex g_hdf5;
}  // namespace

void write_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  std::lock_guard<std::mutex> lock(g_hdf5);
  prepare_hdf5();
  check_writable(path);  // a missing folder or no permission: said plainly, before HDF5 is asked
  detail::write_via_partial(path, "checkpoint file", [&](const std::string& partial) { write_file(partial, ckpt); });
}

Checkpoint read_checkpoint(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_hdf5);
  prepare_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw IoError(path, "no such checkpoint file");
  if (std::filesystem::is_directory(path, ec)) throw IoError(path, "is a folder, not a checkpoint file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(path, "is not an HDF5 file (a damaged or truncated checkpoint?)");
  H file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (file.id < 0) throw IoError(path, "cannot be opened as HDF5 (a damaged or truncated checkpoint?)");
  if (H5Lexists(file, "checkpoint", H5P_DEFAULT) <= 0)
    throw IoError(path, "is not a checkpoint file (no /checkpoint group; a results file is not a checkpoint: "
                        "write one with `tegenmacht run --checkpoint-at WEEK`)");
  H g(H5Gopen2(file, "checkpoint", H5P_DEFAULT), H5Gclose);
  Checkpoint c;
  c.format = static_cast<int>(read_int_attr(g, "format", path));
  c.version = detail::read_string_attr(g, "tegenmacht_version");
  if (c.format > kCheckpointFormat)
    throw IoError(path, "was written in checkpoint format " + std::to_string(c.format) + " by tegenmacht " +
                            c.version + "; this is tegenmacht " + version() + ", which reads format " +
                            std::to_string(kCheckpointFormat) + " (use a newer tegenmacht)");
  c.model = detail::read_string_attr(g, "model");
  if (c.model.empty()) throw IoError(path, "is not a complete checkpoint (no model)");
  {
    H a(H5Aopen(g, "seed", H5P_DEFAULT), H5Aclose);
    if (a.id < 0 || H5Aread(a, H5T_NATIVE_UINT64, &c.seed) < 0)
      throw IoError(path, "is not a complete checkpoint (attribute seed is missing)");
  }
  c.replicate = static_cast<std::uint32_t>(read_int_attr(g, "replicate", path));
  c.step = static_cast<std::uint32_t>(read_int_attr(g, "step", path));
  c.scenario = read_string_dataset(g, "scenario", path);
  if (H5Aexists(g, "changes") > 0) c.changes = detail::read_strings_attr(g, "changes", path);

  H st(H5Gopen2(g, "state", H5P_DEFAULT), H5Gclose);
  if (st.id < 0) throw IoError(path, "is not a complete checkpoint (no state)");
  for (const auto& name : detail::read_strings_attr(st, "fields", path)) {
    H d(H5Dopen2(st, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (d.id < 0) throw IoError(path, "is not a complete checkpoint (state field " + name + " is missing)");
    Checkpoint::Field f;
    f.name = name;
    const std::string type = detail::read_string_attr(d, "type");
    bool known = false;
    for (int t = 0; t <= static_cast<int>(StateType::Bytes); ++t)
      if (type == to_string(static_cast<StateType>(t))) {
        f.type = static_cast<StateType>(t);
        known = true;
      }
    if (!known) throw IoError(path, "state field " + name + " has an unknown type '" + type + "'");
    f.elem_size = static_cast<std::size_t>(read_int_attr(d, "elem_size", path));
    H space(H5Dget_space(d), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    f.bytes.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (!f.bytes.empty() && H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, f.bytes.data()) < 0)
      throw IoError(path, "cannot read state field " + name + " (a damaged or truncated checkpoint?)");
    c.state.push_back(std::move(f));
  }

  H rec(H5Gopen2(g, "recorder", H5P_DEFAULT), H5Gclose);
  if (rec.id < 0) throw IoError(path, "is not a complete checkpoint (no recorder)");
  const auto rows = static_cast<std::size_t>(read_int_attr(rec, "rows", path));
  std::vector<Series> series;
  for (const auto& name : detail::read_strings_attr(rec, "series", path)) {
    H d(H5Dopen2(rec, name.c_str(), H5P_DEFAULT), H5Dclose);
    if (d.id < 0) throw IoError(path, "is not a complete checkpoint (series " + name + " is missing)");
    Series s;
    s.name = name;
    s.unit = detail::read_string_attr(d, "unit");
    s.description = detail::read_string_attr(d, "description");
    s.axis = detail::read_string_attr(d, "axis");
    H space(H5Dget_space(d), H5Sclose);
    hsize_t dims[2] = {0, 1};
    if (H5Sget_simple_extent_ndims(space) != 2) throw IoError(path, "series " + name + " is not a table");
    H5Sget_simple_extent_dims(space, dims, nullptr);
    s.width = static_cast<std::size_t>(dims[1]);
    std::uint8_t enabled = 1;
    H a(H5Aopen(d, "enabled", H5P_DEFAULT), H5Aclose);
    if (a.id >= 0) H5Aread(a, H5T_NATIVE_UINT8, &enabled);
    s.enabled = enabled != 0;
    s.data = read_f64(rec, name, path);
    if (s.enabled && s.data.size() != rows * s.width)
      throw IoError(path, "series " + name + " has " + std::to_string(s.data.size() / std::max<std::size_t>(s.width, 1)) +
                              " rows, not " + std::to_string(rows) + " (a damaged checkpoint?)");
    series.push_back(std::move(s));
  }
  std::map<std::string, std::vector<std::string>> labels;
  {
    H lab(H5Gopen2(rec, "_labels", H5P_DEFAULT), H5Gclose);
    if (lab.id >= 0) {
      H5G_info_t gi;
      H5Gget_info(lab, &gi);
      for (hsize_t i = 0; i < gi.nlinks; ++i) {
        char name[512] = {0};
        H5Lget_name_by_idx(lab, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
        labels[name] = read_strings_dataset(lab, name, path);
      }
    }
  }
  std::vector<Snapshot> snapshots;
  {
    H snaps(H5Gopen2(rec, "_snapshots", H5P_DEFAULT), H5Gclose);
    if (snaps.id >= 0) {
      H5G_info_t gi;
      H5Gget_info(snaps, &gi);
      for (hsize_t i = 0; i < gi.nlinks; ++i) {
        H sg(H5Gopen2(snaps, std::to_string(i).c_str(), H5P_DEFAULT), H5Gclose);
        if (sg.id < 0) throw IoError(path, "snapshot " + std::to_string(i) + " is missing (a damaged checkpoint?)");
        Snapshot sn;
        sn.step = static_cast<std::uint32_t>(read_int_attr(sg, "step", path));
        H5G_info_t si;
        H5Gget_info(sg, &si);
        for (hsize_t k = 0; k < si.nlinks; ++k) {
          char name[512] = {0};
          H5Lget_name_by_idx(sg, ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name, H5P_DEFAULT);
          sn.columns[name] = read_f64(sg, name, path);
        }
        snapshots.push_back(std::move(sn));
      }
    }
  }
  c.recorder.load(std::move(series), std::move(labels), std::move(snapshots), rows);
  std::uint64_t stored = 0;
  {
    H a(H5Aopen(g, "checksum", H5P_DEFAULT), H5Aclose);
    if (a.id < 0 || H5Aread(a, H5T_NATIVE_UINT64, &stored) < 0)
      throw IoError(path, "is not a complete checkpoint (no checksum)");
  }
  if (stored != checksum(c))
    throw IoError(path, "its contents do not match its checksum: the file was changed after it was written, or is "
                        "damaged; write a new checkpoint");
  return c;
}

}  // namespace tegenmacht
