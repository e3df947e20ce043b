// Spec tests of the Schelling segregation model (ABMFrameworksComparison
// variant, models/schelling/README.md): the happiness rule at its boundary,
// the Chebyshev neighbourhood and the bounded grid, moves to uniformly random
// empty cells, conservation, thread-count independence, checkpoints, and the
// segregation index rising with the wanted number. The validation against
// Schelling (1971) is in test_validation.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "models.hpp"
#include "schelling/schelling.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

using namespace tegenmacht;
using models::SchellingModel;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;
struct Schelling : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};

Config scenario(const std::string& body, const std::vector<std::string>& sets = {}) {
  return load_scenario_text("model: schelling\nseed: 5\n" + body, "<test>", sets);
}
std::unique_ptr<Simulation> make(const Config& cfg, int threads = 1, std::uint32_t replicate = 0) {
  return std::make_unique<Simulation>(cfg, replicate, std::make_shared<Parallel>(threads));
}
SchellingModel& model(Simulation& s) { return dynamic_cast<SchellingModel&>(s.model()); }

/// Same-group and occupied neighbours of agent a by scanning every other
/// agent: Chebyshev distance at most r, plain coordinates (no wrap).
std::pair<std::uint32_t, std::uint32_t> brute_force(const SchellingModel& m, std::uint32_t a) {
  std::uint32_t same = 0, occupied = 0;
  const auto r = static_cast<std::int64_t>(m.radius());
  for (std::uint32_t b = 0; b < m.agents(); ++b) {
    if (b == a) continue;
    const std::int64_t dx = std::llabs(static_cast<std::int64_t>(m.x()[b]) - m.x()[a]);
    const std::int64_t dy = std::llabs(static_cast<std::int64_t>(m.y()[b]) - m.y()[a]);
    if (std::max(dx, dy) > r) continue;
    ++occupied;
    same += m.group()[b] == m.group()[a] ? 1u : 0u;
  }
  return {same, occupied};
}

/// Every agent on its own cell of the grid, the grid holding exactly the
/// agents' groups, and the empty count matching.
void expect_consistent(const SchellingModel& m) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> cells;
  for (std::uint32_t a = 0; a < m.agents(); ++a) {
    ASSERT_LT(m.x()[a], m.width());
    ASSERT_LT(m.y()[a], m.height());
    EXPECT_TRUE(cells.insert({m.x()[a], m.y()[a]}).second) << "two agents on one cell";
    EXPECT_EQ(m.cell(m.x()[a], m.y()[a]), m.group()[a]);
  }
  std::uint32_t empty = 0;
  for (std::uint32_t y = 0; y < m.height(); ++y)
    for (std::uint32_t x = 0; x < m.width(); ++x) empty += m.cell(x, y) == 0 ? 1u : 0u;
  EXPECT_EQ(empty, m.width() * m.height() - m.agents());
  EXPECT_EQ(m.empty_cells(), empty);
}

/// The small set-up of the benchmark (scenarios/reference/schelling_small.yaml), with overrides.
Config small(const std::vector<std::string>& sets = {}) {
  return load_scenario(kSrc + "/scenarios/reference/schelling_small.yaml", sets);
}
}  // namespace

TEST_F(Schelling, ExactlyWantedSimilarNeighboursIsHappyOneFewerMoves) {
  // agent 0 (group 1) at (2, 2); three of its group above it, one of the
  // other group to its left: 3 similar neighbours
  const std::vector<std::uint32_t> x{2, 1, 2, 3, 1}, y{2, 1, 1, 1, 2};
  const std::vector<std::uint8_t> g{1, 1, 1, 1, 2};
  Rng rng(1, 0);
  for (const int wanted : {3, 4}) {
    auto sim = make(scenario("width: 5\nheight: 5\nagents: 5\nradius: 1\nwanted: " + std::to_string(wanted) + "\n"));
    auto& m = model(*sim);
    m.set_layout(x, y, g);
    EXPECT_EQ(m.similar_neighbours(0), 3u);
    EXPECT_EQ(m.occupied_neighbours(0), 4u);
    auto s = rng.stream(1, 0, 99);
    const bool moved = m.activate(0, s);
    if (wanted == 3) {  // at least `wanted`: happy, stays
      EXPECT_FALSE(moved);
      EXPECT_EQ(m.happy()[0], 1);
      EXPECT_EQ(m.x()[0], 2u);
      EXPECT_EQ(m.y()[0], 2u);
    } else {  // one fewer than wanted: moves to a cell that was empty, frees its own
      EXPECT_TRUE(moved);
      EXPECT_EQ(m.happy()[0], 0);
      EXPECT_FALSE(m.x()[0] == 2 && m.y()[0] == 2);
      for (std::size_t b = 1; b < x.size(); ++b) EXPECT_FALSE(m.x()[0] == x[b] && m.y()[0] == y[b]);
      EXPECT_EQ(m.cell(2, 2), 0);
      EXPECT_EQ(m.cell(m.x()[0], m.y()[0]), 1);
    }
    expect_consistent(m);
  }
}

TEST_F(Schelling, NeighbourhoodIsChebyshevRadius) {
  // agent 0 at (3, 3), radius 2: (1, 1) and (5, 5) are at Chebyshev distance
  // 2 (Euclidean 2.83, Manhattan 4) and count; (0, 3) and (3, 6) are at 3 and do not
  auto sim = make(scenario("width: 7\nheight: 7\nagents: 5\nradius: 2\nwanted: 0\n"));
  auto& m = model(*sim);
  m.set_layout(std::vector<std::uint32_t>{3, 1, 5, 0, 3}, std::vector<std::uint32_t>{3, 1, 5, 3, 6},
               std::vector<std::uint8_t>{2, 2, 2, 2, 2});
  EXPECT_EQ(m.similar_neighbours(0), 2u);
  EXPECT_EQ(m.occupied_neighbours(0), 2u);
}

TEST_F(Schelling, BorderCellsHaveFewerNeighboursAndNothingWraps) {
  // a full 5 x 5 grid of one group: a corner sees 3, an edge cell 5, an inner cell 8
  std::vector<std::uint32_t> x, y;
  for (std::uint32_t j = 0; j < 5; ++j)
    for (std::uint32_t i = 0; i < 5; ++i) {
      x.push_back(i);
      y.push_back(j);
    }
  auto sim = make(scenario("width: 5\nheight: 5\nagents: 25\nradius: 1\nwanted: 0\n"));
  auto& m = model(*sim);
  m.set_layout(x, y, std::vector<std::uint8_t>(25, 1));
  EXPECT_EQ(m.similar_neighbours(0), 3u);   // (0, 0)
  EXPECT_EQ(m.similar_neighbours(2), 5u);   // (2, 0)
  EXPECT_EQ(m.similar_neighbours(12), 8u);  // (2, 2)
  EXPECT_EQ(m.similar_neighbours(24), 3u);  // (4, 4)
  // opposite corners would be neighbours on a torus; here they are not
  auto sim2 = make(scenario("width: 5\nheight: 5\nagents: 2\nradius: 1\nwanted: 0\n"));
  auto& m2 = model(*sim2);
  m2.set_layout(std::vector<std::uint32_t>{0, 4}, std::vector<std::uint32_t>{0, 4}, std::vector<std::uint8_t>{1, 1});
  EXPECT_EQ(m2.occupied_neighbours(0), 0u);
  EXPECT_EQ(m2.occupied_neighbours(1), 0u);
}

TEST_F(Schelling, CountsMatchABruteForceScanAfterMoves) {
  for (const char* setup : {"width: 40\nheight: 40\nagents: 1000\nradius: 1\nwanted: 3\n",
                            "width: 30\nheight: 20\nagents: 480\nradius: 2\nwanted: 8\n",
                            "width: 13\nheight: 17\nagents: 150\nradius: 4\nwanted: 20\n"}) {
    auto sim = make(scenario(setup + std::string("steps: 5\n")));
    sim->step(3);
    const auto& m = model(*sim);
    for (std::uint32_t a = 0; a < m.agents(); ++a) {
      const auto [same, occupied] = brute_force(m, a);
      ASSERT_EQ(m.similar_neighbours(a), same) << setup << " agent " << a;
      ASSERT_EQ(m.occupied_neighbours(a), occupied) << setup << " agent " << a;
    }
  }
}

TEST_F(Schelling, MovesGoToUniformlyRandomEmptyCellsAnywhere) {
  // one agent alone on a 5 x 5 grid is never happy with wanted 1: every
  // activation moves it to one of the 24 other cells, near or far
  auto sim = make(scenario("width: 5\nheight: 5\nagents: 1\nradius: 1\nwanted: 1\n"));
  auto& m = model(*sim);
  Rng rng(2, 0);
  std::vector<int> hits(25, 0);
  const int draws = 24000;
  for (int i = 0; i < draws; ++i) {
    const std::uint32_t before = m.y()[0] * 5 + m.x()[0];
    auto s = rng.stream(static_cast<std::uint32_t>(i), 0, 99);
    ASSERT_TRUE(m.activate(0, s));
    const std::uint32_t after = m.y()[0] * 5 + m.x()[0];
    ASSERT_NE(after, before);
    ++hits[after];
  }
  // from any cell the 24 others are equally likely, so over many moves every
  // cell is reached about draws/25 times; chi-square with 24 df below 51.2 (p = 0.001)
  double chi2 = 0;
  for (int h : hits) chi2 += (h - draws / 25.0) * (h - draws / 25.0) / (draws / 25.0);
  EXPECT_LT(chi2, 51.2);
  expect_consistent(m);
}

TEST_F(Schelling, AgentsGroupsAndCellsAreConserved) {
  for (const char* n : {"1000", "1001"}) {
    auto sim = make(scenario(std::string("width: 40\nheight: 40\nradius: 1\nwanted: 4\nsteps: 10\nagents: ") + n));
    auto& m = model(*sim);
    const std::uint32_t k = m.agents();
    ASSERT_EQ(k, static_cast<std::uint32_t>(std::stoi(n)));
    std::uint32_t g1 = 0;
    for (auto g : m.group()) g1 += g == 1 ? 1u : 0u;
    EXPECT_EQ(g1, k / 2);  // floor(K/2) in group 1, the rest in group 2
    const std::vector<std::uint8_t> groups = m.group();
    for (int t = 0; t < 10; ++t) {
      const std::vector<std::uint32_t> x = m.x(), y = m.y();
      sim->step(1);
      EXPECT_EQ(m.group(), groups);
      expect_consistent(m);
      // the moves metric counts exactly the agents whose cell changed, and
      // none of them was happy at its activation
      std::uint32_t changed = 0;
      for (std::uint32_t a = 0; a < k; ++a) {
        const bool moved = x[a] != m.x()[a] || y[a] != m.y()[a];
        changed += moved ? 1u : 0u;
        if (moved) EXPECT_EQ(m.happy()[a], 0);
      }
      EXPECT_EQ(changed, m.moves());
      EXPECT_EQ(sim->recorder().find("moves")->data.back(), changed);
    }
  }
}

TEST_F(Schelling, HappyFlagAndMetricFollowTheRule) {
  auto sim = make(small());
  sim->step(1);
  const auto& m = model(*sim);
  std::uint32_t happy = 0;
  for (std::uint32_t a = 0; a < m.agents(); ++a) happy += m.similar_neighbours(a) >= m.wanted() ? 1u : 0u;
  EXPECT_DOUBLE_EQ(sim->recorder().find("happy")->data.back(), static_cast<double>(happy) / m.agents());
  // random placement: like neighbours are about half of all neighbours
  EXPECT_NEAR(sim->recorder().find("similar")->data.front(), 0.5, 0.05);
}

TEST_F(Schelling, WithoutRecheckAHappyAgentNeverMovesAgain) {
  auto sim = make(small(), 1);
  auto& m = model(*sim);
  auto sim2 = make(small({"recheck_happy=false"}), 1);
  auto& m2 = model(*sim2);
  std::vector<std::uint8_t> was_happy(m2.agents(), 0);
  for (int t = 0; t < 20; ++t) {
    const std::vector<std::uint32_t> x = m2.x(), y = m2.y();
    sim2->step(1);
    for (std::uint32_t a = 0; a < m2.agents(); ++a) {
      if (was_happy[a]) {
        EXPECT_EQ(x[a], m2.x()[a]);
        EXPECT_EQ(y[a], m2.y()[a]);
        EXPECT_EQ(m2.happy()[a], 1);
      }
      was_happy[a] = m2.happy()[a];
    }
  }
  // with rechecks, agents whose neighbours left do move again: the runs part
  sim->run();
  EXPECT_NE(m.x(), m2.x());
}

TEST_F(Schelling, ThreadCountDoesNotChangeResults) {
  auto a = make(load_scenario(kSrc + "/scenarios/reference/schelling_large.yaml"), 1);
  auto b = make(load_scenario(kSrc + "/scenarios/reference/schelling_large.yaml"), 2);
  a->run();
  b->run();
  for (const char* name : {"happy", "moves", "similar"}) {
    const auto& da = a->recorder().find(name)->data;
    const auto& db = b->recorder().find(name)->data;
    ASSERT_EQ(da.size(), db.size());
    EXPECT_EQ(0, std::memcmp(da.data(), db.data(), da.size() * sizeof(double))) << name;
  }
  EXPECT_EQ(model(*a).x(), model(*b).x());
  EXPECT_EQ(model(*a).y(), model(*b).y());
}

TEST_F(Schelling, SameSeedSameRunOtherReplicateOtherRun) {
  auto a = make(small()), b = make(small()), c = make(small(), 1, 1);
  a->run();
  b->run();
  c->run();
  EXPECT_EQ(model(*a).x(), model(*b).x());
  EXPECT_EQ(a->recorder().find("similar")->data, b->recorder().find("similar")->data);
  EXPECT_NE(model(*a).x(), model(*c).x());
}

TEST_F(Schelling, CheckpointContinuesBitForBit) {
  const Config cfg = load_scenario(kSrc + "/scenarios/reference/schelling_small.yaml", {"output.snapshot_every=5"});
  auto whole = make(cfg, 2);
  whole->run();
  for (const std::uint32_t t : {0u, 1u, 7u, 20u}) {
    auto first = make(cfg, 2);
    first->step(t);
    Simulation again = Simulation::restore(first->checkpoint(), std::make_shared<Parallel>(1));
    again.run();
    for (const char* name : {"happy", "moves", "similar"}) {
      const auto& da = whole->recorder().find(name)->data;
      const auto& db = again.recorder().find(name)->data;
      ASSERT_EQ(da.size(), db.size()) << t;
      EXPECT_EQ(0, std::memcmp(da.data(), db.data(), da.size() * sizeof(double))) << name << " from step " << t;
    }
    ASSERT_EQ(whole->recorder().snapshots().size(), again.recorder().snapshots().size());
    for (std::size_t k = 0; k < whole->recorder().snapshots().size(); ++k)
      EXPECT_EQ(whole->recorder().snapshots()[k].columns, again.recorder().snapshots()[k].columns) << t;
  }
}

TEST_F(Schelling, SegregationRisesWithTheWantedNumber) {
  // Schelling (1971): the more like neighbours agents want, the more
  // segregated the grid ends up, as long as most can still be satisfied
  // (with 40 x 40 and 1000 agents a cell has about 5 occupied neighbours, so
  // up to 4); wanted 0 moves nobody, so the grid stays as placed
  std::vector<double> similar;
  for (const int wanted : {0, 1, 2, 3, 4}) {
    double sum = 0;
    for (std::uint32_t r = 0; r < 3; ++r) {
      auto sim = make(small({"steps=60", "wanted=" + std::to_string(wanted)}),
                      1, r);
      sim->run();
      const auto& d = sim->recorder().find("similar")->data;
      if (wanted == 0) EXPECT_EQ(d.front(), d.back());
      sum += d.back();
    }
    similar.push_back(sum / 3);
  }
  for (std::size_t i = 1; i < similar.size(); ++i)
    EXPECT_GT(similar[i], similar[i - 1] + 0.02) << "wanted " << i;
}

TEST_F(Schelling, AFullGridAndNoAgentsAreFine) {
  auto full = make(scenario("width: 4\nheight: 4\nagents: 16\nradius: 1\nwanted: 8\nsteps: 3\n"));
  full->run();
  EXPECT_EQ(model(*full).moves(), 0u);  // nowhere to go
  expect_consistent(model(*full));
  auto none = make(scenario("width: 4\nheight: 4\nagents: 0\nsteps: 3\n"));
  none->run();
  EXPECT_EQ(none->recorder().find("happy")->data.back(), 1.0);
}

TEST_F(Schelling, ImpossibleSettingsAreRefused) {
  EXPECT_THROW(make(scenario("width: 40\nheight: 40\nagents: 1601\n")), ConfigError);
  EXPECT_THROW(make(scenario("radius: 1\nwanted: 9\n")), ConfigError);
  EXPECT_NO_THROW(make(scenario("radius: 2\nwanted: 9\n")));
  auto sim = make(scenario("width: 5\nheight: 5\nagents: 2\n"));
  const std::vector<std::uint32_t> same{1, 1};
  EXPECT_THROW(model(*sim).set_layout(same, same, std::vector<std::uint8_t>{1, 2}), ArgumentError);
}
