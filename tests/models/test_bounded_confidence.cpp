// Spec tests of the bounded-confidence model: the update rules of Deffuant et
// al. (2000) and Hegselmann & Krause (2002) on hand-checkable cases, the
// network variants, cluster detection and thread-count independence. The
// published results (consensus, cluster counts) are in test_validation.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "bounded_confidence/bounded_confidence.hpp"
#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

using namespace tegenmacht;
using models::BoundedConfidenceModel;

namespace {
struct BoundedConfidence : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};

Config scenario(const std::string& body, const std::vector<std::string>& sets = {}) {
  return load_scenario_text("model: bounded_confidence\nseed: 1\n" + body, "<test>", sets);
}
std::unique_ptr<Simulation> make(const Config& cfg, int threads = 1) {
  return std::make_unique<Simulation>(cfg, 0, std::make_shared<Parallel>(threads));
}
const std::vector<double>& opinions(const Simulation& s) {
  return dynamic_cast<const BoundedConfidenceModel&>(s.model()).opinions();
}
}  // namespace

TEST_F(BoundedConfidence, DeffuantStrictInequality) {
  // two agents exactly epsilon apart (0.25, dyadic, no rounding) never meet
  // successfully; a hair more confidence and they move
  const std::string two = "steps: 5\npopulation: 2\nrule: deffuant\nmu: 0.5\n"
                          "initial: {distribution: empirical, values: [0.25, 0.5]}\n";
  auto at = make(scenario(two + "epsilon: 0.25\n"));
  at->run();
  EXPECT_EQ(opinions(*at)[0], 0.25);
  EXPECT_EQ(opinions(*at)[1], 0.5);
  auto above = make(scenario(two + "epsilon: 0.2500001\n"));
  above->step(1);
  EXPECT_EQ(opinions(*above)[0], 0.375);
  EXPECT_EQ(opinions(*above)[1], 0.375);
}

TEST_F(BoundedConfidence, DeffuantBothMoveFromTheOldValues) {
  // one meeting: x0 += mu (x1 - x0), x1 += mu (x0 - x1), both from the old values
  auto sim = make(scenario("steps: 1\npopulation: 2\nrule: deffuant\nmu: 0.25\nepsilon: 1\nmeetings: 1\n"
                           "initial: {distribution: empirical, values: [0, 0.5]}\n"));
  sim->step(1);
  EXPECT_DOUBLE_EQ(opinions(*sim)[0], 0.125);
  EXPECT_DOUBLE_EQ(opinions(*sim)[1], 0.375);
}

TEST_F(BoundedConfidence, DeffuantConservesTheMeanAndContracts) {
  // symmetric moves keep the sum; every successful meeting shrinks the spread
  auto sim = make(scenario("steps: 30\npopulation: 2000\nrule: deffuant\nepsilon: 0.3\n"));
  const double m0 = sim->recorder().find("mean")->data[0], s0 = sim->recorder().find("sd")->data[0];
  sim->run();
  const auto& mean = sim->recorder().find("mean")->data;
  const auto& sd = sim->recorder().find("sd")->data;
  EXPECT_NEAR(mean.back(), m0, 1e-12);
  EXPECT_LT(sd.back(), s0);
  for (std::size_t t = 1; t < sd.size(); ++t) EXPECT_LE(sd[t], sd[t - 1] + 1e-12) << "step " << t;
  // one time unit is N meetings, and each moves opinions at most mu·epsilon
  EXPECT_LE(sim->recorder().find("changes")->data[1], 2000.0);
  EXPECT_LE(sim->recorder().find("max_change")->data[1], 0.5 * 0.3);
}

TEST_F(BoundedConfidence, HegselmannKrauseIncludesOwnOpinionAndBoundary) {
  // 0, 0.25, 0.5 with epsilon 0.25 (dyadic): the boundary |x_j - x_i| = eps
  // counts, and each agent's own opinion is part of its mean
  auto sim = make(scenario("steps: 1\npopulation: 3\nrule: hegselmann_krause\nepsilon: 0.25\n"
                           "initial: {distribution: empirical, values: [0, 0.25, 0.5]}\n"));
  sim->step(1);
  EXPECT_DOUBLE_EQ(opinions(*sim)[0], 0.125);  // (0 + 0.25) / 2; without itself: 0.25
  EXPECT_DOUBLE_EQ(opinions(*sim)[1], 0.25);   // (0 + 0.25 + 0.5) / 3
  EXPECT_DOUBLE_EQ(opinions(*sim)[2], 0.375);
}

TEST_F(BoundedConfidence, HegselmannKrauseIsSynchronous) {
  // everyone reads the old opinions: the result does not depend on agent order
  auto a = make(scenario("steps: 1\npopulation: 4\nrule: hegselmann_krause\nepsilon: 0.3\n"
                         "initial: {distribution: empirical, values: [0.1, 0.3, 0.5, 0.7]}\n"));
  auto b = make(scenario("steps: 1\npopulation: 4\nrule: hegselmann_krause\nepsilon: 0.3\n"
                         "initial: {distribution: empirical, values: [0.7, 0.5, 0.3, 0.1]}\n"));
  a->step(1);
  b->step(1);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(opinions(*a)[i], opinions(*b)[3 - i]);
}

TEST_F(BoundedConfidence, HegselmannKrauseSortedPathEqualsNetworkPath) {
  // the O(N log N) complete-graph path and the explicit-network path agree
  // (a complete network materialised as Watts–Strogatz with k = N - 1 ... is
  // odd; an Erdős–Rényi graph with mean degree N - 1 is complete)
  const std::string body = "steps: 10\npopulation: 301\nrule: hegselmann_krause\nepsilon: 0.12\n";
  auto implicit = make(scenario(body));
  auto explicit_net = make(scenario(body + "network: {type: erdos_renyi, mean_degree: 300}\n"));
  ASSERT_FALSE(explicit_net->model().network()->is_complete());
  ASSERT_EQ(explicit_net->model().network()->edge_count(), 301u * 300u / 2);
  implicit->run();
  explicit_net->run();
  for (std::size_t i = 0; i < 301; ++i) EXPECT_NEAR(opinions(*implicit)[i], opinions(*explicit_net)[i], 1e-12);
}

TEST_F(BoundedConfidence, HegselmannKrauseOnANetworkAveragesOnlyNeighbours) {
  // a ring where each node sees its two neighbours: node 0 (opinion 0) sees
  // 0.1 (node 1) and 0.4 (node 4, out of range)
  auto sim = make(scenario("steps: 1\npopulation: 5\nrule: hegselmann_krause\nepsilon: 0.15\n"
                           "network: {type: watts_strogatz, mean_degree: 2}\n"
                           "initial: {distribution: empirical, values: [0, 0.1, 0.2, 0.3, 0.4]}\n"));
  sim->step(1);
  EXPECT_DOUBLE_EQ(opinions(*sim)[0], 0.05);
  EXPECT_DOUBLE_EQ(opinions(*sim)[2], (0.1 + 0.2 + 0.3) / 3);
}

TEST_F(BoundedConfidence, DeffuantOnANetworkMeetsOnlyAlongEdges) {
  // two components {0, 1} and {2, 3}: each converges to its own mean
  const auto path = (std::filesystem::temp_directory_path() / "tegenmacht_bc_edges.txt").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("0 1\n2 3\n", f);
    std::fclose(f);
  }
  auto sim = make(scenario("steps: 60\npopulation: 4\nrule: deffuant\nepsilon: 1\n"
                           "network: {type: edgelist, path: '" + path + "'}\n"
                           "initial: {distribution: empirical, values: [0, 0.25, 0.5, 1]}\n"));
  sim->run();
  EXPECT_NEAR(opinions(*sim)[0], 0.125, 1e-12);
  EXPECT_NEAR(opinions(*sim)[1], 0.125, 1e-12);
  EXPECT_NEAR(opinions(*sim)[2], 0.75, 1e-12);
  EXPECT_NEAR(opinions(*sim)[3], 0.75, 1e-12);
  std::filesystem::remove(path);
}

TEST_F(BoundedConfidence, ClustersCutAtGapsAboveTolerance) {
  const std::vector<double> x{0.5004, 0.0, 1.0, 0.0005, 0.5};
  const auto c = models::find_clusters(x, 1e-3, 0.3);
  ASSERT_EQ(c.count, 3u);
  EXPECT_EQ(c.sizes, (std::vector<std::uint32_t>{2, 2, 1}));
  EXPECT_NEAR(c.centres[1], 0.5002, 1e-12);
  EXPECT_EQ(c.major, 2u);  // 2/5 >= 0.3, 1/5 < 0.3
  EXPECT_DOUBLE_EQ(c.largest_share, 0.4);
  EXPECT_EQ(models::find_clusters(x, 0.6, 0.05).count, 1u);
}

TEST_F(BoundedConfidence, BitwiseIdenticalFor1To4Threads) {
  // Deffuant: 2.5 million meetings a step are three pipelined batches of
  // pair-drawing chunks; HK on 200 000 agents spans many parallel blocks
  for (const std::string rule : {"deffuant", "hegselmann_krause"}) {
    const Config cfg = scenario("steps: 2\npopulation: 200000\nmeetings: 2500000\nepsilon: 0.2\nrule: " + rule + "\n");
    auto a = make(cfg, 1), b = make(cfg, 2), c = make(cfg, 4);
    a->run();
    b->run();
    c->run();
    ASSERT_EQ(opinions(*a).size(), 200000u);
    EXPECT_EQ(std::memcmp(opinions(*a).data(), opinions(*b).data(), 200000 * sizeof(double)), 0) << rule;
    EXPECT_EQ(std::memcmp(opinions(*a).data(), opinions(*c).data(), 200000 * sizeof(double)), 0) << rule;
    for (const auto& s : a->recorder().series()) {
      const auto& y = b->recorder().find(s.name)->data;
      EXPECT_EQ(std::memcmp(s.data.data(), y.data(), s.data.size() * sizeof(double)), 0) << rule << " " << s.name;
    }
  }
}

TEST_F(BoundedConfidence, EmpiricalValuesMustMatchPopulation) {
  EXPECT_THROW(make(scenario("population: 3\ninitial: {distribution: empirical, values: [0, 1]}\n")), ConfigError);
}

// μ ∈ (0, ½] (README): 0 would move nobody and is refused with the open range;
// the smallest positive value is accepted.
TEST_F(BoundedConfidence, DeffuantMuZeroIsRefused) {
  try {
    scenario("rule: deffuant\nmu: 0\n");
    ADD_FAILURE() << "mu: 0 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("out of range (0, 0.5]"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(scenario("rule: deffuant\nmu: 1e-9\n"));
  EXPECT_THROW(scenario("rule: deffuant\nmu: 0.6\n"), ConfigError);
}
