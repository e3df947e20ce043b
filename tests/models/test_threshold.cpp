// Spec tests of the threshold model against Granovetter (1978) and the
// analytic fixed point of the crowd dynamics.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"
#include "tegenmacht/stats.hpp"
#include "threshold/threshold.hpp"

using namespace tegenmacht;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;

double final_value(const Simulation& sim, const std::string& metric) {
  return sim.recorder().find(metric)->data.back();
}

Simulation run(const Config& cfg, int threads = 1) {
  Simulation sim(cfg, 0, std::make_shared<Parallel>(threads));
  sim.run();
  return sim;
}

struct Registered : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};
using Threshold = Registered;
}  // namespace

TEST_F(Threshold, GranovetterUniformRiotEveryoneJoins) {
  auto cfg = load_scenario(kSrc + "/scenarios/reference/granovetter_riot.yaml");
  EXPECT_EQ(final_value(run(cfg), "active_count"), 100.0);
}

TEST_F(Threshold, GranovetterRiotFragility) {
  // the person with threshold 1 now has threshold 2: only the instigator acts
  auto cfg = load_scenario(kSrc + "/scenarios/reference/granovetter_riot.yaml", {"thresholds.values.1=2"});
  EXPECT_EQ(final_value(run(cfg), "active_count"), 1.0);
}

TEST_F(Threshold, CascadeAdvancesOnePersonPerStepInTheRiot) {
  auto cfg = load_scenario(kSrc + "/scenarios/reference/granovetter_riot.yaml", {"steps=10"});
  // nobody acts at step 0; at step t the people with thresholds 0..t-1 act
  EXPECT_EQ(final_value(run(cfg), "active_count"), 10.0);
}

TEST_F(Threshold, EquilibriumMatchesAnalyticFixedPoint) {
  // Quantile thresholds make the empirical CDF equal the normal CDF up to
  // 1/N, so the simulated equilibrium must equal the fixed point of
  // r = N F(r) from r = 0 up to a few people (N = 10^5). The sds avoid the
  // critical region where the fixed point itself jumps.
  const double n = 100000;
  for (double sd_share : {0.05, 0.08, 0.10, 0.20, 0.40, 1.0}) {
    const double mean = 0.25 * n, sd = sd_share * n;
    auto cfg = load_scenario(kSrc + "/scenarios/threshold.yaml",
                             {"population=100000", "steps=3000", "replicates=1", "thresholds.sampling=quantile",
                              "thresholds.mean=" + std::to_string(mean), "thresholds.sd=" + std::to_string(sd)});
    const double sim = final_value(run(cfg, 2), "active_count");
    const double analytic =
        models::granovetter_equilibrium([&](double r) { return normal_cdf((r - mean) / sd); }, n);
    EXPECT_NEAR(sim / n, analytic / n, 0.002) << "sd share " << sd_share;
  }
}

TEST_F(Threshold, BitwiseIdenticalFor1To4Threads) {
  auto cfg = load_scenario(kSrc + "/scenarios/reference/watts_cascade.yaml", {"replicates=1", "steps=50"});
  const auto a = run(cfg, 1), b = run(cfg, 2), c = run(cfg, 4);
  for (const auto& name : {"active", "active_count", "new_active"}) {
    const auto& x = a.recorder().find(name)->data;
    const auto& y = b.recorder().find(name)->data;
    const auto& z = c.recorder().find(name)->data;
    ASSERT_EQ(x.size(), y.size());
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(double)), 0) << name;
    EXPECT_EQ(std::memcmp(x.data(), z.data(), x.size() * sizeof(double)), 0) << name;
  }
}

TEST_F(Threshold, EmpiricalValuesMustMatchPopulation) {
  auto cfg = load_scenario(kSrc + "/scenarios/reference/granovetter_riot.yaml", {"population=99"});
  try {
    Simulation sim(cfg, 0, std::make_shared<Parallel>(1));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("thresholds.values"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("granovetter_riot.yaml:"), std::string::npos) << e.what();
  }
}

TEST_F(Threshold, NodeAndNeighboursSeedsAMooreBlock) {
  // Centola & Macy's seeding on a Moore lattice: node 0 and its 8 neighbours
  auto cfg = load_scenario(kSrc + "/scenarios/reference/centola_macy_lattice.yaml",
                           {"replicates=1", "steps=0", "seeding.node=0"});
  Simulation sim(cfg, 0, std::make_shared<Parallel>(1));
  const auto& m = dynamic_cast<const models::ThresholdModel&>(sim.model());
  EXPECT_EQ(m.active_count(), 9u);
  for (std::uint32_t j : sim.model().network()->neighbours(0)) EXPECT_EQ(m.active()[j], 1) << j;
}

TEST_F(Threshold, ComplexContagionCrossesTheUnrewiredLattice) {
  // threshold 3 of 8: a 3 x 3 seed block grows by wide bridges to everyone,
  // and never faster than one lattice step per step in each direction
  auto cfg = load_scenario(kSrc + "/scenarios/reference/centola_macy_lattice.yaml", {"replicates=1", "steps=200"});
  const auto sim = run(cfg);
  EXPECT_EQ(final_value(sim, "active_count"), 2500.0);
  const auto& count = sim.recorder().find("active_count")->data;
  for (std::size_t t = 1; t < count.size(); ++t)
    EXPECT_LE(count[t], std::pow(2.0 * (t + 1) + 1, 2)) << "step " << t;  // inside a (2t+3)^2 square
}
