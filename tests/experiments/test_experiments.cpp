// The experiments library: designs, experiment files and their errors,
// common random numbers, order independence, streaming and resume.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <set>

#include "models.hpp"
#include "tegenmacht/experiments/analysis.hpp"
#include "tegenmacht/experiments/design.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

namespace fs = std::filesystem;
namespace tg = tegenmacht;
namespace ex = tegenmacht::experiments;

namespace {

const std::string kSrc = TEGENMACHT_SOURCE_DIR;

struct Exp : ::testing::Test {
  void SetUp() override {
    tg::register_builtin_models();
    dir = fs::temp_directory_path() /
          ("tgm_exp_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  /// Loads an experiment from text; the error message if it fails ("" if it loads).
  std::string error_of(const std::string& text) {
    try {
      ex::Experiment::load(write("e.yaml", text));
    } catch (const tg::Error& e) {
      return e.what();
    }
    return "";
  }
  /// Runs and returns the error message of the run ("" if it runs).
  std::string run_error_of(const std::string& text) {
    try {
      auto e = ex::Experiment::load(write("e.yaml", text));
      ex::RunOptions o;
      o.output = (dir / "out.h5").string();
      ex::run_experiment(e, std::make_shared<tg::Parallel>(2), o);
    } catch (const tg::Error& e) {
      return e.what();
    }
    return "";
  }
  ex::RunReport run(const ex::Experiment& e, const std::string& out, int threads = 2,
                    const std::atomic<bool>* stop = nullptr, bool resume = false,
                    std::function<void(const ex::Progress&)> progress = nullptr) {
    ex::RunOptions o;
    o.output = (dir / out).string();
    o.stop = stop;
    o.resume = resume;
    o.progress = std::move(progress);
    return ex::run_experiment(e, std::make_shared<tg::Parallel>(threads), o);
  }
  fs::path dir;
};

std::vector<double> read_all(const std::string& path, const std::string& dataset) {
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  if (d < 0) {
    H5Fclose(f);
    ADD_FAILURE() << "no dataset " << dataset << " in " << path;
    return {};
  }
  hid_t s = H5Dget_space(d);
  std::vector<double> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  return v;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

const std::string kIshigami = "scenario: " + kSrc + "/scenarios/ishigami.yaml\n";
const char* kPi = "3.141592653589793";

}  // namespace

// ------------------------------------------------------------------ designs

TEST(Designs, GridIsTheProductFirstFactorSlowest) {
  tg::register_builtin_models();
  const auto e = ex::Experiment::from_text(
      "scenario: ishigami.yaml\nfactors:\n  - {key: ishigami.a, values: [1, 2]}\n"
      "  - {key: ishigami.b, range: [0, 1], levels: 3}\n",
      "<grid>", kSrc + "/scenarios");
  const auto d = ex::expand_design(e);
  ASSERT_EQ(d.points, 6u);
  const std::vector<std::pair<std::string, std::string>> want{{"1", "0"}, {"1", "0.5"}, {"1", "1"},
                                                              {"2", "0"}, {"2", "0.5"}, {"2", "1"}};
  for (std::size_t p = 0; p < 6; ++p) {
    EXPECT_EQ(d.value(p, 0).Scalar(), want[p].first) << p;
    EXPECT_EQ(d.value(p, 1).Scalar(), want[p].second) << p;
  }
}

TEST(Designs, LatinHypercubeHasOnePointPerStratum) {
  const std::size_t n = 50, k = 4;
  const auto x = ex::latin_hypercube(n, k, 7);
  for (std::size_t j = 0; j < k; ++j) {
    std::set<std::size_t> strata;
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_GE(x[i][j], 0.0);
      ASSERT_LT(x[i][j], 1.0);
      strata.insert(static_cast<std::size_t>(x[i][j] * n));
    }
    EXPECT_EQ(strata.size(), n) << "factor " << j;
  }
  EXPECT_EQ(ex::latin_hypercube(n, k, 7), x);  // deterministic for a seed
  EXPECT_NE(ex::latin_hypercube(n, k, 8), x);
  // the pairing across factors is random: columns are not sorted alike
  std::size_t same_order = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) same_order += (x[i][0] < x[i + 1][0]) == (x[i][1] < x[i + 1][1]);
  EXPECT_LT(same_order, n - 5);
}

TEST(Designs, SobolSequenceMatchesPublishedPoints) {
  // points 1..7 of the unscrambled Sobol' sequence in 3 dimensions (Joe & Kuo
  // 2008 direction numbers; the same as scipy.stats.qmc.Sobol(3, scramble=False))
  const double want[7][3] = {{0.5, 0.5, 0.5},     {0.75, 0.25, 0.25},   {0.25, 0.75, 0.75}, {0.375, 0.375, 0.625},
                             {0.875, 0.875, 0.125}, {0.625, 0.125, 0.875}, {0.125, 0.625, 0.375}};
  const auto x = ex::sobol_sequence(7, 3);
  for (std::size_t i = 0; i < 7; ++i)
    for (std::size_t j = 0; j < 3; ++j) EXPECT_DOUBLE_EQ(x[i][j], want[i][j]) << i << "," << j;
}

TEST(Designs, SaltelliBlocks) {
  const std::size_t n = 16, k = 3;
  const auto x = ex::saltelli(n, k);
  ASSERT_EQ(x.size(), n * (k + 2));
  const auto ab = ex::sobol_sequence(n, 2 * k);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t c = 0; c < k; ++c) {
      EXPECT_EQ(x[j][c], ab[j][c]);          // A
      EXPECT_EQ(x[n + j][c], ab[j][k + c]);  // B
      for (std::size_t i = 0; i < k; ++i)    // AB_i: A with column i from B
        EXPECT_EQ(x[(2 + i) * n + j][c], c == i ? ab[j][k + c] : ab[j][c]);
    }
}

TEST(Designs, MorrisTrajectoriesMoveOneFactorByDelta) {
  const std::size_t r = 20, k = 5, p = 4;
  const auto d = ex::morris(r, k, p, 3);
  ASSERT_EQ(d.points.size(), r * (k + 1));
  EXPECT_DOUBLE_EQ(d.delta, 4.0 / 6.0);
  for (std::size_t t = 0; t < r; ++t) {
    std::set<int> moved;
    EXPECT_EQ(d.changed[t * (k + 1)], -1);
    for (std::size_t m = 1; m <= k; ++m) {
      const auto& a = d.points[t * (k + 1) + m - 1];
      const auto& b = d.points[t * (k + 1) + m];
      std::size_t differ = 0;
      for (std::size_t i = 0; i < k; ++i)
        if (a[i] != b[i]) {
          ++differ;
          EXPECT_NEAR(std::abs(a[i] - b[i]), d.delta, 1e-12);
          EXPECT_EQ(static_cast<int>(i), d.changed[t * (k + 1) + m]);
        }
      EXPECT_EQ(differ, 1u);
      moved.insert(d.changed[t * (k + 1) + m]);
    }
    EXPECT_EQ(moved.size(), k);  // every factor moves once per trajectory
  }
  for (const auto& row : d.points)
    for (double v : row) {  // on the grid {0, 1/3, 2/3, 1}
      EXPECT_GE(v, 0.0);
      EXPECT_LE(v, 1.0);
      EXPECT_NEAR(v * 3, std::round(v * 3), 1e-9);
    }
  EXPECT_THROW(ex::morris(2, 2, 3, 1), tg::ArgumentError);
}

TEST(Designs, FactorMapsUnitValues) {
  ex::Factor lin;
  lin.has_range = true;
  lin.lo = -2;
  lin.hi = 6;
  EXPECT_EQ(lin.at_unit(0.25).Scalar(), "0");
  ex::Factor lg = lin;
  lg.lo = 1;
  lg.hi = 100;
  lg.log = true;
  EXPECT_NEAR(std::stod(lg.at_unit(0.5).Scalar()), 10.0, 1e-12);
  ex::Factor in = lin;
  in.lo = 1;
  in.hi = 4;
  in.integer = true;  // 1..4 equally likely
  std::vector<int> count(5, 0);
  for (int i = 0; i < 400; ++i) ++count[std::stoi(in.at_unit((i + 0.5) / 400).Scalar())];
  EXPECT_EQ(count, (std::vector<int>{0, 100, 100, 100, 100}));
  EXPECT_EQ(in.at_unit(1.0).Scalar(), "4");
  ex::Factor cat;
  cat.values = {YAML::Node("a"), YAML::Node("b")};
  EXPECT_EQ(cat.at_unit(0.49).Scalar(), "a");
  EXPECT_EQ(cat.at_unit(0.5).Scalar(), "b");
  EXPECT_EQ(cat.at_unit(1.0).Scalar(), "b");
}

// ------------------------------------------------------------- experiment files

TEST_F(Exp, FileErrorsNameFileLineColumnAndKey) {
  const std::string base = kIshigami;
  EXPECT_NE(error_of(base + "replicate: 3\n").find("e.yaml:2:1: key 'replicate': unknown key; did you mean 'replicates'?"),
            std::string::npos)
      << error_of(base + "replicate: 3\n");
  EXPECT_NE(error_of(base + "replicates: many\n").find("e.yaml:2:13: key 'replicates': expected an integer"),
            std::string::npos);
  EXPECT_NE(error_of("scenario: nope.yaml\n").find("e.yaml:1:11: key 'scenario': cannot open scenario file"),
            std::string::npos);
  EXPECT_NE(error_of("replicates: 2\n").find("key 'scenario': required key is missing"), std::string::npos);
  EXPECT_NE(error_of(base + "set: {ishigami.x9: 1}\n").find("e.yaml:2:20: key 'ishigami.x9': unknown key"),
            std::string::npos)
      << error_of(base + "set: {ishigami.x9: 1}\n");
  EXPECT_NE(error_of(base + "arms: [{name: a}, {name: a}]\n").find("duplicate arm name 'a'"), std::string::npos);
  EXPECT_NE(error_of(base + "arms: {key: ishigami.a, values: [1, 1]}\n").find("duplicate arm '1'"), std::string::npos);
  EXPECT_NE(error_of(base + "baseline: z\narms: {key: ishigami.a, values: [1, 2]}\n").find("'z' is not an arm"),
            std::string::npos);
  EXPECT_NE(error_of(base + "outcomes: [{metric: y}, {metric: y}]\n").find("duplicate outcome name 'y'"),
            std::string::npos);
  EXPECT_NE(error_of(base + "outcomes: [{metric: y, reduce: median}]\n").find("'median' is not one of"),
            std::string::npos);
  EXPECT_NE(error_of(base + "outcomes: [{metric: y, reduce: at}]\n").find("reduce: at needs at: STEP"),
            std::string::npos);
  EXPECT_NE(error_of(base + "factors: [{key: steps, values: [1, 2]}]\n").find("'steps' cannot be varied"),
            std::string::npos);
  EXPECT_NE(error_of(base + "factors: [{key: ishigami.x1, range: [0, 1]}]\n").find("a grid needs the factor's values"),
            std::string::npos);
  EXPECT_NE(error_of(base + "factors: [{key: ishigami.a, range: [0, 2], log: true}]\n").find("log needs a range with lo > 0"),
            std::string::npos);
  EXPECT_NE(error_of(base + "factors: [{key: ishigami.a, range: [2, 1], levels: 3}]\n").find("expected lo < hi"),
            std::string::npos);
  EXPECT_NE(error_of(base + "design: {type: latin_hypercube}\nfactors: [{key: ishigami.a, range: [0, 1]}]\n")
                .find("needs n >= 1"),
            std::string::npos);
  EXPECT_NE(error_of(base + "design: {type: list, rows: [[1, 2]]}\nfactors: [{key: ishigami.a}]\n")
                .find("expected 1 values (one per factor), got 2"),
            std::string::npos);
  EXPECT_NE(error_of(base + "design: {type: list, rows: [{ishigami.b: 1}]}\nfactors: [{key: ishigami.a}]\n")
                .find("not a factor of this experiment"),
            std::string::npos);
  EXPECT_NE(error_of(base + "factors: [{key: ishigami.a, values: [1]}]\narms: [{name: x, set: {ishigami.a: 2}}]\n")
                .find("is both a factor and set by arm 'x'"),
            std::string::npos);
  EXPECT_NE(error_of(base + "design: {type: latin_hypercube, n: 10000000}\nfactors: [{key: ishigami.a, range: [0, 1]}]\n")
                .find("the design has 1e+07 points; at most 1e+06"),
            std::string::npos);
  EXPECT_NE(error_of(base + "replicates: 1000000\nfactors: [{key: ishigami.a, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}]\n")
                .find("jobs; at most 1e+07"),
            std::string::npos);
  EXPECT_NE(error_of(base + "design: {type: list, rows: [{ishigami.x1: 0.2}, {ishigami.x2: 0.3}]}\n")
                .find("e.yaml:2:29: key 'design.rows.0': the row gives no value for factor 'ishigami.x2'"),
            std::string::npos)
      << error_of(base + "design: {type: list, rows: [{ishigami.x1: 0.2}, {ishigami.x2: 0.3}]}\n");
  EXPECT_NE(error_of(base + "set: {ishigami.a: 3}\nfactors: [{key: ishigami.a, values: [1, 2]}]\n")
                .find("e.yaml:2:19: key 'ishigami.a': 'ishigami.a' is varied by factor 'ishigami.a', so a value given here "
                      "would have no effect"),
            std::string::npos);
  // a key inside a varied section counts too (the section's value would replace it)
  EXPECT_NE(error_of(base + "factors: [{key: ishigami, values: [{a: 1}]}]\narms: [{name: x, set: {ishigami.b: 1}}]\n")
                .find("'ishigami.b' is both varied by factor 'ishigami' (through 'ishigami') and set by arm 'x'"),
            std::string::npos);
  EXPECT_NE(error_of(base + "description: caf\xe9\n").find("e.yaml:2:17: not valid UTF-8 (byte 0xE9)"), std::string::npos);
  EXPECT_NE(error_of(base + "factors: [{key: ishigami.a, values: [1]}, {key: ishigami.b, name: ishigami.a, values: [1]}]\n")
                .find("duplicate factor name 'ishigami.a'"),
            std::string::npos);
  EXPECT_NE(error_of(base + "record: everything\n").find("expected none, outcomes, all or a list"), std::string::npos);
  EXPECT_NE(error_of("- 1\n").find("e.yaml:1:1"), std::string::npos);
}

TEST_F(Exp, RunErrorsComeBeforeAnyJob) {
  const std::string base = kIshigami;
  // a factor value out of the scenario key's range: the experiment file's line
  std::string e = run_error_of(base + "factors:\n  - {key: ishigami.x1, values: [0, 9]}\n");
  EXPECT_NE(e.find("e.yaml:3:36: key 'ishigami.x1': value 9 is out of range"), std::string::npos) << e;
  EXPECT_NE(e.find("(design point 1)"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
  EXPECT_FALSE(fs::exists(dir / "out.h5.partial"));
  e = run_error_of(base + "outcomes: [{metric: why}]\n");
  EXPECT_NE(e.find("unknown metric 'why'"), std::string::npos) << e;
  EXPECT_NE(e.find("model 'ishigami' records: y"), std::string::npos) << e;
  e = run_error_of(base + "outcomes: [{metric: y, group: a}]\n");
  EXPECT_NE(e.find("has no groups"), std::string::npos) << e;
  e = run_error_of(base + "outcomes: [{metric: y, at: 5}]\n");
  EXPECT_NE(e.find("step 5 is after the last step (0)"), std::string::npos) << e;
  e = run_error_of(base + "set: {output.snapshot_every: 5}\n");
  EXPECT_NE(e.find("e.yaml:2:30: key 'output.snapshot_every': experiments keep no agent snapshots"), std::string::npos) << e;
  e = run_error_of(base + "record: [y, z]\n");
  EXPECT_NE(e.find("unknown metric 'z'"), std::string::npos) << e;
  // an error only the model sees (lists of different lengths), at the 3rd point
  e = run_error_of("scenario: " + kSrc + "/scenarios/sobol_g.yaml\nfactors: [{key: sobol_g.a, values: [[1,2,3,4], [1,2,3,4], [1]]}]\n");
  EXPECT_NE(e.find("key 'sobol_g.a'"), std::string::npos) << e;
  EXPECT_NE(e.find("(design point 2)"), std::string::npos) << e;
  // an organizing grouped outcome with an unknown group
  e = run_error_of("scenario: " + kSrc + "/scenarios/default.yaml\nsteps: 1\noutcomes: [{metric: member_by_group, group: poor}]\n");
  EXPECT_NE(e.find("'poor' is not a group of metric 'member_by_group' (established, mixed, marginalised)"),
            std::string::npos) << e;
  // a list item that does not exist, named where the factor is written
  e = run_error_of("scenario: " + kSrc + "/scenarios/sobol_g.yaml\nfactors: [{key: sobol_g.x.9, values: [0.1]}]\n");
  EXPECT_NE(e.find("e.yaml:2:39: key 'sobol_g.x.9': '9' is not an item of 'sobol_g.x' (it has 4 items, numbered from 0)"),
            std::string::npos) << e;
  // names in the results must be unique: an outcome and a factor both called y
  e = run_error_of(kIshigami + "factors: [{key: ishigami.a, name: y, values: [1]}]\n");
  EXPECT_NE(e.find("the name 'y' is taken (outcome); give this factor another name"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
  EXPECT_FALSE(fs::exists(dir / "out.h5.partial"));
}

TEST_F(Exp, OutputMustBeAFileName) {
  auto e = ex::Experiment::load(write("e.yaml", kIshigami));
  fs::create_directories(dir / "folder");
  EXPECT_THROW(run(e, "folder"), tg::IoError);
  EXPECT_THROW(run(e, "x.h5.partial"), tg::ArgumentError);
  ex::RunOptions o;
  o.output = "/dev/null";
  try {
    ex::run_experiment(e, std::make_shared<tg::Parallel>(1), o);
    FAIL();
  } catch (const tg::IoError& err) {
    EXPECT_NE(std::string(err.what()).find("is not a regular file"), std::string::npos) << err.what();
  }
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_THROW(std::make_shared<tg::Parallel>(100000), tg::ArgumentError);
}

TEST_F(Exp, IshigamiOutcomesAreTheFunction) {
  auto e = ex::Experiment::load(write("e.yaml", kIshigami + "design: {type: latin_hypercube, n: 40, seed: 3}\nfactors:\n"
                                                            "  - {key: ishigami.x1, range: [-" + kPi + ", " + kPi + "]}\n"
                                                            "  - {key: ishigami.x2, range: [-" + kPi + ", " + kPi + "]}\n"
                                                            "  - {key: ishigami.x3, range: [-" + kPi + ", " + kPi + "]}\n"));
  const auto rep = run(e, "i.h5");
  ASSERT_TRUE(rep.complete);
  EXPECT_EQ(rep.jobs_total, 40u);
  const auto y = read_all(rep.path, "/outcomes/y");
  const auto x1 = read_all(rep.path, "/design/ishigami.x1"), x2 = read_all(rep.path, "/design/ishigami.x2"),
             x3 = read_all(rep.path, "/design/ishigami.x3");
  for (std::size_t i = 0; i < 40; ++i) {
    const double f = std::sin(x1[i]) + 7 * std::pow(std::sin(x2[i]), 2) + 0.1 * std::pow(x3[i], 4) * std::sin(x1[i]);
    EXPECT_NEAR(y[i], f, 1e-12);
  }
}

TEST_F(Exp, OutcomeReductions) {
  // threshold model: "active" share per step; reductions checked against the recorded series
  auto e = ex::Experiment::load(write("e.yaml", "scenario: " + kSrc + "/scenarios/threshold.yaml\nsteps: 12\nreplicates: 3\n"
                                                "outcomes:\n  - {metric: active}\n  - {metric: active, at: 3}\n"
                                                "  - {metric: active, reduce: mean, from: 2, to: 5}\n"
                                                "  - {metric: active, reduce: max}\n  - {metric: active, reduce: min, from: 1}\n"
                                                "  - {metric: active, reduce: sum}\nrecord: outcomes\n"));
  const auto rep = run(e, "t.h5");
  const auto s = read_all(rep.path, "/metrics/active");  // [1, 1, 3, 13]
  auto at = [&](std::size_t r, std::size_t t) { return s[r * 13 + t]; };
  const std::vector<std::string> names{"active", "active_at3", "active_mean", "active_max", "active_min", "active_sum"};
  for (std::size_t r = 0; r < 3; ++r) {
    double mean = 0, mx = -1, mn = 2, sum = 0;
    for (std::size_t t = 2; t <= 5; ++t) mean += at(r, t) / 4;
    for (std::size_t t = 0; t <= 12; ++t) {
      mx = std::max(mx, at(r, t));
      sum += at(r, t);
      if (t >= 1) mn = std::min(mn, at(r, t));
    }
    const double want[] = {at(r, 12), at(r, 3), mean, mx, mn, sum};
    for (std::size_t k = 0; k < names.size(); ++k)
      EXPECT_NEAR(read_all(rep.path, "/outcomes/" + names[k])[r], want[k], 1e-12) << names[k];
  }
}

// ------------------------------------------------ common random numbers, order

TEST_F(Exp, ArmsShareRandomNumbersReplicatesDoNot) {
  // the initial state (step 0, before any strategy acts) is drawn from the
  // same streams in every arm and point: identical across arms, not across replicates
  auto e = ex::Experiment::load(write("e.yaml", "scenario: " + kSrc + "/scenarios/default.yaml\nsteps: 3\nreplicates: 3\n"
                                                "arms: {key: strategy, values: [polder, alinsky]}\n"
                                                "factors: [{key: institutions.0.repression, values: [0.1, 0.6]}]\n"
                                                "outcomes: [{metric: trust, at: 0}, {metric: trust}]\n"));
  const auto rep = run(e, "c.h5");
  const auto t0 = read_all(rep.path, "/outcomes/trust_at0");  // [point 2, arm 2, replicate 3]
  const auto tf = read_all(rep.path, "/outcomes/trust");
  for (std::size_t p = 0; p < 2; ++p)
    for (std::size_t r = 0; r < 3; ++r) {
      EXPECT_EQ(t0[(p * 2 + 0) * 3 + r], t0[(p * 2 + 1) * 3 + r]);  // arms: same draws
      EXPECT_EQ(t0[(0 * 2 + 0) * 3 + r], t0[(p * 2 + 0) * 3 + r]);  // points: same draws
      EXPECT_NE(tf[(p * 2 + 0) * 3 + r], tf[(p * 2 + 1) * 3 + r]);  // but the strategies differ afterwards
    }
  EXPECT_NE(t0[0], t0[1]);
  EXPECT_NE(t0[1], t0[2]);
}

TEST_F(Exp, ResultsDoNotDependOnThreads) {
  const std::string text = "scenario: " + kSrc + "/scenarios/default.yaml\nsteps: 6\nreplicates: 2\n"
                           "arms: {key: strategy, values: [polder, coalition]}\n"
                           "design: {type: latin_hypercube, n: 3}\n"
                           "factors: [{key: network.homophily, range: [0.3, 0.9]}]\nrecord: [trust, member_by_group]\n";
  auto e = ex::Experiment::load(write("e.yaml", text));
  const auto a = run(e, "t1.h5", 1), b = run(e, "t2.h5", 2), c = run(e, "t4.h5", 4);
  for (const std::string d : {"/outcomes/concessions", "/outcomes/trust", "/outcomes/member", "/metrics/trust",
                              "/metrics/member_by_group"}) {
    EXPECT_TRUE(bitwise_equal(read_all(a.path, d), read_all(b.path, d))) << d;
    EXPECT_TRUE(bitwise_equal(read_all(a.path, d), read_all(c.path, d))) << d;
  }
}

// ------------------------------------------------------------ streaming, resume

TEST_F(Exp, StoppedExperimentResumesToTheSameFile) {
  const std::string text = "scenario: " + kSrc + "/scenarios/threshold.yaml\nsteps: 30\nreplicates: 5\n"
                           "factors: [{key: thresholds.sd, values: [5, 10, 15, 20]}]\nrecord: all\n";
  auto e = ex::Experiment::load(write("e.yaml", text));
  const auto ref = run(e, "ref.h5");
  // at most 2 jobs run when the stop comes (2 threads): stopping at 16 of 20 leaves at least 2 undone
  for (std::size_t stop_at : {1u, 7u, 16u}) {
    std::atomic<bool> stop{false};
    const std::string out = "r" + std::to_string(stop_at) + ".h5";
    const auto part = run(e, out, 2, &stop, false, [&](const ex::Progress& p) {
      if (p.done >= stop_at) stop.store(true);
    });
    ASSERT_FALSE(part.complete);
    EXPECT_GE(part.jobs_done, stop_at);
    EXPECT_LT(part.jobs_done, 20u);
    EXPECT_EQ(part.path, (dir / (out + ".partial")).string());
    const auto o = ex::read_outcomes(part.path);
    EXPECT_EQ(static_cast<std::size_t>(std::count(o.done.begin(), o.done.end(), 1)), part.jobs_done);
    for (std::size_t j = 0; j < o.done.size(); ++j)  // a job not done has no outcome
      EXPECT_EQ(o.done[j] != 0, !std::isnan(o.values[0][j])) << j;
    // without --resume the interrupted file is not overwritten
    EXPECT_THROW(run(e, out), tg::IoError);
    const auto fin = run(e, out, 1, nullptr, true);
    EXPECT_TRUE(fin.complete);
    EXPECT_EQ(fin.jobs_resumed, part.jobs_done);
    EXPECT_EQ(fin.jobs_run, 20u - part.jobs_done);
    EXPECT_FALSE(fs::exists(dir / (out + ".partial")));
    for (const std::string d : {"/outcomes/active", "/metrics/active", "/metrics/active_count"})
      EXPECT_TRUE(bitwise_equal(read_all(ref.path, d), read_all(fin.path, d))) << d << " stop at " << stop_at;
  }
  // a finished file resumes to itself, running nothing
  const auto again = run(e, "ref.h5", 2, nullptr, true);
  EXPECT_TRUE(again.complete);
  EXPECT_EQ(again.jobs_run, 0u);
  // another experiment cannot resume this file
  auto other = ex::Experiment::load(write("e2.yaml", text), {"population=40"});
  EXPECT_THROW(run(other, "ref.h5", 2, nullptr, true), tg::IoError);
}

TEST_F(Exp, StopBeforeAnyJobLeavesNoFile) {
  auto e = ex::Experiment::load(write("e.yaml", kIshigami + "replicates: 3\n"));
  std::atomic<bool> stop{true};
  const auto rep = run(e, "s.h5", 2, &stop);
  EXPECT_FALSE(rep.complete);
  EXPECT_TRUE(rep.path.empty());
  EXPECT_FALSE(fs::exists(dir / "s.h5"));
  EXPECT_FALSE(fs::exists(dir / "s.h5.partial"));
}

TEST_F(Exp, UnwritableOutputFailsBeforeRunning) {
  auto e = ex::Experiment::load(write("e.yaml", kIshigami));
  ex::RunOptions o;
  o.output = (dir / "no" / "such" / "dir" / "x.h5").string();
  try {
    ex::run_experiment(e, std::make_shared<tg::Parallel>(1), o);
    FAIL();
  } catch (const tg::IoError& err) {
    EXPECT_NE(std::string(err.what()).find("cannot write results file"), std::string::npos) << err.what();
  }
}

// ------------------------------------------------------------------ statistics

TEST(Paired, DifferenceAndStudentInterval) {
  // d = 1, 2, 3, 4: mean 2.5, sd sqrt(5/3); t(0.975, 3) = 3.182446305284263 (Student's table)
  const auto d = ex::paired_comparison({2, 4, 6, 8}, {1, 2, 3, 4});
  EXPECT_EQ(d.n, 4u);
  EXPECT_DOUBLE_EQ(d.mean, 2.5);
  EXPECT_NEAR(d.sd, std::sqrt(5.0 / 3.0), 1e-14);
  const double half = 3.182446305284263 * std::sqrt(5.0 / 3.0) / 2.0;
  EXPECT_NEAR(d.lo, 2.5 - half, 1e-9);
  EXPECT_NEAR(d.hi, 2.5 + half, 1e-9);
  EXPECT_NEAR(d.effect_size, 2.5 / std::sqrt(5.0 / 3.0), 1e-12);
  // large samples approach the normal quantile 1.959964
  std::vector<double> x(2001), y(2001, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i % 2);  // sd ≈ 0.5
  const auto big = ex::paired_comparison(x, y);
  EXPECT_NEAR((big.hi - big.mean) / (big.sd / std::sqrt(2001.0)), 1.9612, 1e-3);
  // NaN pairs are skipped; one pair has no interval
  const auto one = ex::paired_comparison({1, NAN}, {0, 3});
  EXPECT_EQ(one.n, 1u);
  EXPECT_TRUE(std::isnan(one.lo));
  EXPECT_THROW(ex::paired_comparison({1}, {1, 2}), tg::ArgumentError);
}

// ------------------------------------------------------------ branching

TEST_F(Exp, BranchEqualsATimelineSwitchArmByArm) {
  // the dilemma town's own timeline (a rent rise in week 20) stays; the switch is added to it
  const std::string scenario = kSrc + "/scenarios/independence_dilemma.yaml";
  const std::string text = "scenario: " + scenario +
                           "\nsteps: 24\nreplicates: 2\nset: {strategy: polder}\n"
                           "arms: {key: strategy, values: [polder, alinsky, coalition]}\n"
                           "branch: {at: 12}\nrecord: all\n";
  auto e = ex::Experiment::load(write("e.yaml", text));
  EXPECT_EQ(e.branch_at, 12u);
  EXPECT_NE(e.to_yaml().find("branch: {at: 12}"), std::string::npos) << e.to_yaml();
  for (int threads : {1, 2}) {
    const auto rep = run(e, "b" + std::to_string(threads) + ".h5", threads);
    ASSERT_TRUE(rep.complete);
    const std::vector<std::string> arms{"polder", "alinsky", "coalition"};
    const std::size_t A = arms.size(), R = 2, T = 25;
    for (std::size_t a = 0; a < A; ++a)
      for (std::uint32_t r = 0; r < R; ++r) {
        // the same town run once, switching strategy by a timeline event in week 12
        const tg::Config cfg = tg::load_scenario(
            scenario, {"steps=24", "strategy=polder",
                       "timeline=[{week: 20, type: structural, issue: housing, size: 0.15}, "
                       "{week: 12, type: strategy, strategy: " + arms[a] + "}]"});
        tg::Simulation sim(cfg, r, std::make_shared<tg::Parallel>(1));
        sim.run();
        for (const auto& s : sim.recorder().series()) {
          const auto all = read_all(rep.path, "/metrics/" + s.name);
          const std::size_t n = T * s.width, first = (a * R + r) * n;
          ASSERT_EQ(all.size(), A * R * n) << s.name;
          const std::vector<double> job(all.begin() + static_cast<std::ptrdiff_t>(first),
                                        all.begin() + static_cast<std::ptrdiff_t>(first + n));
          EXPECT_TRUE(bitwise_equal(job, s.data)) << s.name << ", arm " << arms[a] << ", replicate " << r
                                                  << ", threads " << threads;
        }
      }
  }
}

TEST_F(Exp, BranchRefusesWhatCannotChangeDuringARun) {
  const std::string head = "scenario: " + kSrc + "/scenarios/independence_dilemma.yaml\nsteps: 24\n";
  const std::string past = error_of(head + "arms: {key: strategy, values: [polder, alinsky]}\nbranch: {at: 30}\n");
  EXPECT_NE(past.find("branch.at"), std::string::npos) << past;
  EXPECT_NE(past.find("past the last week (24)"), std::string::npos) << past;
  EXPECT_NE(error_of(head + "arms: {key: strategy, values: [polder]}\nbranch: {}\n").find("branch.at"),
            std::string::npos);
  const std::string size =
      run_error_of(head + "arms: {key: neighbourhoods.0.size, values: [100, 200]}\nbranch: {at: 5}\n");
  EXPECT_NE(size.find("cannot change at the branch"), std::string::npos) << size;
  EXPECT_NE(size.find("e.yaml:"), std::string::npos) << size;  // where the arm is written
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
  // an arm's value is checked as a run-time change would be
  const std::string bad = run_error_of(head + "arms: {key: tactics.patience, values: [4, 0]}\nbranch: {at: 5}\n");
  EXPECT_NE(bad.find("out of range"), std::string::npos) << bad;
}
