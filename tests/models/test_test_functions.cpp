// Spec tests of the test-function models: the Ishigami and Sobol' G values
// at known points, their analytic Sobol' indices against published values
// and against an independent Monte Carlo estimate, and the models as run by
// the engine.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/rng.hpp"
#include "tegenmacht/simulation.hpp"
#include "test_functions/test_functions.hpp"

using namespace tegenmacht;
using models::SobolIndices;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;
constexpr double kPi = std::numbers::pi;

Simulation run(const Config& cfg) {
  Simulation sim(cfg, 0, std::make_shared<Parallel>(1));
  sim.run();
  return sim;
}

/// Sobol' indices of f with k inputs, each uniform on [lo, hi], estimated
/// from n base points: matrices A and B of independent draws and, for every
/// input i, A with column i taken from B. First order by Saltelli et al.
/// (2010, Table 2 (b)), total by Jansen (1999, Table 2 (f)); the variance
/// from f(A) and f(B) together. Independent of the analytic formulas.
SobolIndices monte_carlo_indices(const std::function<double(const std::vector<double>&)>& f, std::size_t k,
                                 double lo, double hi, std::size_t n, std::uint64_t seed) {
  Rng rng(seed, 0);
  auto st = rng.stream(0, 0, kPurposeModelBase);
  std::vector<std::vector<double>> a(n, std::vector<double>(k)), b = a;
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t i = 0; i < k; ++i) {
      a[j][i] = st.uniform(lo, hi);
      b[j][i] = st.uniform(lo, hi);
    }
  std::vector<double> fa(n), fb(n);
  double sum = 0, sum2 = 0;
  for (std::size_t j = 0; j < n; ++j) {
    fa[j] = f(a[j]);
    fb[j] = f(b[j]);
    sum += fa[j] + fb[j];
    sum2 += fa[j] * fa[j] + fb[j] * fb[j];
  }
  const double m = static_cast<double>(2 * n);
  SobolIndices out{{}, {}, sum2 / m - (sum / m) * (sum / m), sum / m};
  for (std::size_t i = 0; i < k; ++i) {
    double first = 0, total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<double> abi = a[j];
      abi[i] = b[j][i];
      const double fabi = f(abi);
      first += fb[j] * (fabi - fa[j]);
      total += (fa[j] - fabi) * (fa[j] - fabi);
    }
    out.first.push_back(first / static_cast<double>(n) / out.variance);
    out.total.push_back(total / (2.0 * static_cast<double>(n)) / out.variance);
  }
  return out;
}

struct Registered : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};
using TestFunctions = Registered;
}  // namespace

TEST(TestFunctionValues, IshigamiAtKnownPoints) {
  EXPECT_EQ(models::ishigami(0, 0, 0, 7, 0.1), 0.0);
  // sin(π/2) = 1: 1 + 7·1 + 0.1·1⁴·1
  EXPECT_NEAR(models::ishigami(kPi / 2, kPi / 2, 1, 7, 0.1), 8.1, 1e-12);
  EXPECT_NEAR(models::ishigami(-kPi / 2, 0, 2, 7, 0.1), -1 - 0.1 * 16, 1e-12);
}

TEST(TestFunctionValues, SobolGAtTheCentre) {
  // |4·0.5 − 2| = 0, so each factor is a_i / (1 + a_i)
  const std::vector<double> x(4, 0.5), a{0, 1, 4.5, 9}, b{1, 2, 3};
  EXPECT_EQ(models::sobol_g(x, a), 0.0);
  EXPECT_NEAR(models::sobol_g(std::vector<double>(3, 0.5), b), 0.5 * (2.0 / 3) * 0.75, 1e-15);
  // at the corners every factor is (2 + a_i) / (1 + a_i)
  EXPECT_NEAR(models::sobol_g(std::vector<double>{0, 1, 1}, b), 1.5 * (4.0 / 3) * 1.25, 1e-15);
  EXPECT_EQ(models::sobol_g({}, {}), 1.0);
  EXPECT_THROW(models::sobol_g(x, b), ArgumentError);
}

TEST(TestFunctionIndices, IshigamiMatchesPublishedValues) {
  // a = 7, b = 0.1: Saltelli et al. (2008), Global Sensitivity Analysis. The
  // Primer, and the SALib documentation
  const SobolIndices s = models::ishigami_indices(7, 0.1);
  ASSERT_EQ(s.first.size(), 3u);
  ASSERT_EQ(s.total.size(), 3u);
  EXPECT_NEAR(s.first[0], 0.3139, 1e-3);
  EXPECT_NEAR(s.first[1], 0.4424, 1e-3);
  EXPECT_EQ(s.first[2], 0.0);
  EXPECT_NEAR(s.total[0], 0.5576, 1e-3);
  EXPECT_NEAR(s.total[1], 0.4424, 1e-3);
  EXPECT_NEAR(s.total[2], 0.2437, 1e-3);
  EXPECT_NEAR(s.variance, 13.8446, 1e-3);
  EXPECT_EQ(s.mean, 3.5);
  // the only interaction is between x1 and x3
  EXPECT_NEAR(s.total[0] - s.first[0], s.total[2], 1e-12);
}

TEST(TestFunctionIndices, SobolGClosedForms) {
  // one input with a = 0: y = |4x − 2|, all its variance is x's
  const std::vector<double> one{0};
  const SobolIndices s1 = models::sobol_g_indices(one);
  EXPECT_NEAR(s1.variance, 1.0 / 3, 1e-15);
  EXPECT_NEAR(s1.first[0], 1.0, 1e-15);
  EXPECT_NEAR(s1.total[0], 1.0, 1e-15);
  // a = [0, 1, 4.5, 9]: V_i = 1/3, 1/12, 1/90.75, 1/300
  const std::vector<double> a{0, 1, 4.5, 9};
  const SobolIndices s = models::sobol_g_indices(a);
  const double v[] = {1.0 / 3, 1.0 / 12, 1 / 90.75, 1.0 / 300};
  const double var = (1 + v[0]) * (1 + v[1]) * (1 + v[2]) * (1 + v[3]) - 1;
  EXPECT_NEAR(s.variance, var, 1e-15);
  EXPECT_EQ(s.mean, 1.0);
  double sum_first = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(s.first[i], v[i] / var, 1e-15) << i;
    EXPECT_GT(s.total[i], s.first[i]) << i;
    sum_first += s.first[i];
  }
  EXPECT_LT(sum_first, 1.0);  // the G function is not additive
  EXPECT_NEAR(s.total[0], v[0] * (1 + v[1]) * (1 + v[2]) * (1 + v[3]) / var, 1e-15);
}

TEST(TestFunctionIndices, IshigamiMonteCarloAgreesWithAnalytic) {
  const auto f = [](const std::vector<double>& x) { return models::ishigami(x[0], x[1], x[2], 7, 0.1); };
  const SobolIndices mc = monte_carlo_indices(f, 3, -kPi, kPi, 1 << 16, 2024);
  const SobolIndices exact = models::ishigami_indices(7, 0.1);
  EXPECT_NEAR(mc.mean, exact.mean, 0.05);
  EXPECT_NEAR(mc.variance / exact.variance, 1.0, 0.02);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(mc.first[i], exact.first[i], 0.02) << "S" << i + 1;
    EXPECT_NEAR(mc.total[i], exact.total[i], 0.02) << "ST" << i + 1;
  }
}

TEST(TestFunctionIndices, SobolGMonteCarloAgreesWithAnalytic) {
  const std::vector<double> a{0, 1, 4.5, 9};
  const auto f = [&](const std::vector<double>& x) { return models::sobol_g(x, a); };
  const SobolIndices mc = monte_carlo_indices(f, 4, 0, 1, 1 << 16, 2024);
  const SobolIndices exact = models::sobol_g_indices(a);
  EXPECT_NEAR(mc.mean, exact.mean, 0.01);
  EXPECT_NEAR(mc.variance / exact.variance, 1.0, 0.02);
  // S1 ≈ 0.72 is the noisiest estimate: over seeds 1–60 its largest error
  // was 0.021 (Ishigami: 0.013 for any index), hence 0.03 here
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(mc.first[i], exact.first[i], 0.03) << "S" << i + 1;
    EXPECT_NEAR(mc.total[i], exact.total[i], 0.03) << "ST" << i + 1;
  }
}

TEST_F(TestFunctions, IshigamiScenarioRecordsTheFunctionAtEveryStep) {
  auto cfg = load_scenario(kSrc + "/scenarios/ishigami.yaml",
                           {"steps=3", "ishigami.x1=1.2", "ishigami.x2=-0.4", "ishigami.x3=2.5"});
  const auto sim = run(cfg);
  const auto* y = sim.recorder().find("y");
  ASSERT_NE(y, nullptr);
  ASSERT_EQ(y->data.size(), 4u);  // row 0 and three steps
  const double expected = models::ishigami(1.2, -0.4, 2.5, 7, 0.1);
  for (double v : y->data) EXPECT_EQ(v, expected);
  EXPECT_EQ(Registry::instance().find("ishigami")->default_outcomes, std::vector<std::string>{"y"});
}

TEST_F(TestFunctions, ScenariosRunWithZeroSteps) {
  // the scenario files as shipped: steps 0, so only row 0
  const auto ish = run(load_scenario(kSrc + "/scenarios/ishigami.yaml"));
  ASSERT_EQ(ish.recorder().find("y")->data.size(), 1u);
  EXPECT_EQ(ish.recorder().find("y")->data[0], models::ishigami(0, 0, 0, 7, 0.1));
  const auto g = run(load_scenario(kSrc + "/scenarios/sobol_g.yaml"));
  ASSERT_EQ(g.recorder().find("y")->data.size(), 1u);
  EXPECT_EQ(g.recorder().find("y")->data[0], 0.0);  // x = 0.5 and a_1 = 0
}

TEST_F(TestFunctions, SobolGScenarioItemsAreFactors) {
  // single list items set as an experiment sets its factors
  auto cfg = load_scenario(kSrc + "/scenarios/sobol_g.yaml",
                           {"steps=2", "sobol_g.x.0=0.1", "sobol_g.x.1=0.9", "sobol_g.x.2=0.25", "sobol_g.x.3=1"});
  const auto sim = run(cfg);
  const std::vector<double> x{0.1, 0.9, 0.25, 1}, a{0, 1, 4.5, 9};
  const auto& y = sim.recorder().find("y")->data;
  ASSERT_EQ(y.size(), 3u);
  for (double v : y) EXPECT_EQ(v, models::sobol_g(x, a));
  EXPECT_EQ(Registry::instance().find("sobol_g")->default_outcomes, std::vector<std::string>{"y"});
}

TEST_F(TestFunctions, SobolGListsMustMatch) {
  const std::string text = "model: sobol_g\nsteps: 0\nsobol_g:\n  x: [0.5, 0.5]\n  a: [0, 1, 2]\n";
  try {
    Simulation sim(load_scenario_text(text, "g.yaml"), 0, std::make_shared<Parallel>(1));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "sobol_g.a") << e.what();
    EXPECT_EQ(e.where().file, "g.yaml") << e.what();
    EXPECT_EQ(e.where().line, 5) << e.what();
  }
  EXPECT_THROW(Simulation(load_scenario(kSrc + "/scenarios/sobol_g.yaml", {"sobol_g.a=[0, 1]"}), 0,
                          std::make_shared<Parallel>(1)),
               ConfigError);
  EXPECT_THROW(Simulation(load_scenario_text("model: sobol_g\nsobol_g: {x: [], a: []}\n", "g.yaml"), 0,
                          std::make_shared<Parallel>(1)),
               ConfigError);
}
