// The results file: layout, provenance, atomic writing, interrupted runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <hdf5.h>

#include <atomic>
#include <cmath>
#include <filesystem>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/results.hpp"
#include "tegenmacht/simulation.hpp"

using namespace tegenmacht;
namespace fs = std::filesystem;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;

std::string read_string_attr(hid_t obj, const char* name) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  EXPECT_GE(a, 0) << name;
  hid_t t = H5Aget_type(a);
  std::string s;
  if (H5Tis_variable_str(t) > 0) {  // files of earlier versions
    char* p = nullptr;
    EXPECT_GE(H5Aread(a, t, &p), 0) << name;
    s = p ? p : "";
    H5free_memory(p);
  } else {  // fixed-length, NUL-padded (what this version writes)
    std::vector<char> buf(H5Tget_size(t), '\0');
    EXPECT_GE(H5Aread(a, t, buf.data()), 0) << name;
    s.assign(buf.begin(), std::find(buf.begin(), buf.end(), '\0'));
  }
  H5Tclose(t);
  H5Aclose(a);
  return s;
}

template <class T>
T read_scalar_attr(hid_t obj, const char* name, hid_t type) {
  T v{};
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  H5Aread(a, type, &v);
  H5Aclose(a);
  return v;
}

std::vector<double> read_dataset(hid_t file, const char* path, std::vector<hsize_t>& dims) {
  hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  EXPECT_GE(d, 0) << path;
  hid_t sp = H5Dget_space(d);
  dims.resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(sp)));
  H5Sget_simple_extent_dims(sp, dims.data(), nullptr);
  hsize_t n = 1;
  for (auto x : dims) n *= x;
  std::vector<double> v(n);
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Sclose(sp);
  H5Dclose(d);
  return v;
}

struct Results : ::testing::Test {
  void SetUp() override {
    register_builtin_models();
    dir = fs::temp_directory_path() / ("tgm_results_" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};
}  // namespace

TEST_F(Results, LayoutValuesAndProvenance) {
  auto cfg = load_scenario(kSrc + "/scenarios/threshold.yaml", {"replicates=3", "steps=20", "output.snapshot_every=10"});
  auto par = std::make_shared<Parallel>(2);
  const EnsembleResult res = run_ensemble(cfg, par);
  ASSERT_TRUE(res.complete);
  const std::string path = (dir / "out.h5").string();
  write_results(path, cfg, res, Provenance{"tegenmacht run test", 2});
  EXPECT_FALSE(fs::exists(path + ".partial"));

  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_EQ(read_string_attr(f, "model"), "threshold");
  EXPECT_EQ(read_string_attr(f, "command_line"), "tegenmacht run test");
  EXPECT_FALSE(read_string_attr(f, "tegenmacht_version").empty());
  EXPECT_FALSE(read_string_attr(f, "git_commit").empty());
  EXPECT_FALSE(read_string_attr(f, "created").empty());
  EXPECT_EQ(read_scalar_attr<std::uint64_t>(f, "seed", H5T_NATIVE_UINT64), 1u);
  EXPECT_EQ(read_scalar_attr<std::int64_t>(f, "threads", H5T_NATIVE_INT64), 2);
  EXPECT_EQ(read_scalar_attr<std::int64_t>(f, "schema_version", H5T_NATIVE_INT64), 1);
  EXPECT_EQ(read_scalar_attr<std::uint8_t>(f, "complete", H5T_NATIVE_UINT8), 1);

  std::vector<hsize_t> dims;
  const auto active = read_dataset(f, "/metrics/active_count", dims);
  ASSERT_EQ(dims, (std::vector<hsize_t>{3, 21}));
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t t = 0; t < 21; ++t)
      EXPECT_EQ(active[r * 21 + t], res.recorders[r].find("active_count")->data[t]);
  hid_t d = H5Dopen2(f, "/metrics/active_count", H5P_DEFAULT);
  EXPECT_EQ(read_string_attr(d, "unit"), "agents");
  EXPECT_FALSE(read_string_attr(d, "description").empty());
  H5Dclose(d);
  const auto snap = read_dataset(f, "/snapshots/10/threshold", dims);
  EXPECT_EQ(dims, (std::vector<hsize_t>{3, 100}));

  // the stored config is the resolved scenario and loads back to the same run
  hid_t c = H5Dopen2(f, "/config", H5P_DEFAULT);
  hid_t mem = H5Dget_type(c);
  ASSERT_EQ(H5Tis_variable_str(mem), 0);  // fixed-length text: no global heap to trust
  std::vector<char> text(H5Tget_size(mem) + 1, '\0');
  H5Dread(c, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data());
  const Config again = load_scenario_text(text.data(), "<stored>");
  H5Tclose(mem);
  H5Dclose(c);
  H5Fclose(f);
  EXPECT_EQ(again.to_yaml(), cfg.to_yaml());
}

TEST_F(Results, ReplicatesDoNotDependOnThreads) {
  auto cfg = load_scenario(kSrc + "/scenarios/threshold.yaml", {"replicates=5", "steps=30"});
  const auto a = run_ensemble(cfg, std::make_shared<Parallel>(1));
  const auto b = run_ensemble(cfg, std::make_shared<Parallel>(3));
  for (std::size_t r = 0; r < 5; ++r)
    EXPECT_EQ(a.recorders[r].find("active_count")->data, b.recorders[r].find("active_count")->data);
}

TEST_F(Results, InterruptedRunIsMarkedIncomplete) {
  auto cfg = load_scenario(kSrc + "/scenarios/threshold.yaml", {"replicates=2", "steps=20"});
  std::atomic<bool> stop{true};
  const auto res = run_ensemble(cfg, std::make_shared<Parallel>(1), &stop);
  EXPECT_FALSE(res.complete);
  const std::string path = (dir / "partial.h5").string();
  write_results(path, cfg, res, Provenance{"t", 1});
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_EQ(read_scalar_attr<std::uint8_t>(f, "complete", H5T_NATIVE_UINT8), 0);
  std::vector<hsize_t> dims;
  const auto v = read_dataset(f, "/metrics/active", dims);
  EXPECT_FALSE(std::isnan(v[0]));  // the initial state was observed
  EXPECT_TRUE(std::isnan(v[5]));   // later steps were not
  H5Fclose(f);
}

TEST_F(Results, UnwritablePathLeavesNothing) {
  EXPECT_THROW(check_writable("/nonexistent-dir/out.h5"), IoError);
  auto cfg = load_scenario(kSrc + "/scenarios/threshold.yaml", {"steps=1"});
  const auto res = run_ensemble(cfg, std::make_shared<Parallel>(1));
  EXPECT_THROW(write_results("/nonexistent-dir/out.h5", cfg, res, Provenance{}), IoError);
  EXPECT_FALSE(fs::exists("/nonexistent-dir/out.h5.partial"));
}
