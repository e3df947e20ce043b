// The published results of the reference models, through the same checks as
// `tegenmacht validate --quick` (models/validation), plus the pieces those
// checks rely on: the embedded scenarios equal the files, the sign test, and
// a known wrong model failing the Granovetter criterion.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/stats.hpp"
#include "threshold/threshold.hpp"
#include "validation/validation.hpp"

using namespace tegenmacht;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;

class Published : public ::testing::TestWithParam<std::string> {};
}  // namespace

TEST(Validation, EveryReferenceScenarioIsCompiledIn) {
  register_builtin_models();
  ASSERT_FALSE(validation::reference_scenarios().empty());
  for (const auto& name : validation::reference_scenarios()) {
    const Config file = load_scenario(kSrc + "/scenarios/reference/" + name + ".yaml");
    EXPECT_EQ(file.to_yaml(), validation::reference_scenario(name).to_yaml()) << name;
  }
}

TEST(Validation, SignTest) {
  EXPECT_NEAR(validation::sign_test_p(15, 20), 0.0207, 1e-4);
  EXPECT_NEAR(validation::sign_test_p(10, 20), 0.5881, 1e-4);
  EXPECT_DOUBLE_EQ(validation::sign_test_p(0, 5), 1.0);
  EXPECT_NEAR(validation::sign_test_p(5, 5), 1.0 / 32, 1e-12);
}

TEST(Validation, GranovetterTrapFailsTheJumpCriterion) {
  // a normal CDF that divides by sd·sqrt(pi) instead of sd·sqrt(2) (a public
  // notebook's slip) puts the jump near 9.75: outside 12.2 ± 0.4
  auto jump = [](const std::function<double(double)>& cdf_of_z) {
    double lo = 5, hi = 15;
    while (hi - lo > 0.002) {
      const double mid = 0.5 * (lo + hi);
      const double eq = models::granovetter_equilibrium([&](double r) { return cdf_of_z((r - 25) / mid); }, 100);
      (eq > 50 ? hi : lo) = mid;
    }
    return 0.5 * (lo + hi);
  };
  const double right = jump([](double z) { return normal_cdf(z); });
  const double trap = jump([](double z) { return normal_cdf(z * std::sqrt(2.0 / std::numbers::pi)); });
  EXPECT_NEAR(right, 12.23, 0.01);
  EXPECT_NEAR(trap, 9.75, 0.05);
  EXPECT_GT(std::abs(trap - 12.2), 0.4);
}

TEST_P(Published, QuickCheckPasses) {
  const auto r = validation::run_check(GetParam(), /*quick=*/true, std::make_shared<Parallel>(1));
  EXPECT_TRUE(r.pass) << r.experiment << "\n  published: " << r.published << "\n  ours:      " << r.ours;
  EXPECT_FALSE(r.ours.empty());
  EXPECT_FALSE(r.seeds.empty());
}

INSTANTIATE_TEST_SUITE_P(Reference, Published, ::testing::ValuesIn(validation::check_ids()),
                         [](const auto& info) { return info.param; });

TEST(Validation, UnknownCheckIsAnArgumentError) {
  EXPECT_THROW(validation::run_check("no_such_check", true, std::make_shared<Parallel>(1)), ArgumentError);
}
