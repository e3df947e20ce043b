// The organizing model's rules where MODEL.md is silent or was misread before
// (models/organizing/README.md, "Where this implementation completes or
// deviates"): each test fails under the rule it replaced.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "models.hpp"
#include "organizing/organizing.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

using namespace tegenmacht;
using models::OrganizingModel;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;

struct OrganizingRules : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};

std::unique_ptr<Simulation> make(const std::string& text) {
  return std::make_unique<Simulation>(load_scenario_text(text, "<rules>"), 0, std::make_shared<Parallel>(1));
}
const OrganizingModel& model(const Simulation& s) { return dynamic_cast<const OrganizingModel&>(s.model()); }

// One neighbourhood of 2000 facing `city`; nobody joins, drops out or acts and
// skill does not change (no workers, level 0 for good), so who is a member and
// who leads is fixed and only co-optation changes from week to week.
std::string frozen_town(const std::string& response) {
  return "model: organizing\nstrategy: custom\nsteps: 60\nseed: 5\n"
         "issues: [{name: rent, weight: 1}]\n"
         "groups: [{name: all, class: mixed, trust: 0.4, survival_load: 0.2, efficacy: 0.3, skill: 0.5, "
         "attitude: 0.0, exposure: [0.5]}]\n"
         "neighbourhoods: [{name: town, size: 2000, group_shares: [1], exposure_factor: [1], target_issue: rent, "
         "target_institution: city, workers: 0}]\n"
         "institutions: [{name: city, issues: [rent], resistance: 0.5, responsiveness: 0.3, repression: 0, "
         "legitimacy: 0.6, stance: 0.6, funds: []}]\n"
         "csos: []\ntimeline: []\n"
         "residents: {initial_member_share: 0.5, dropout: 0, join_threshold: 1}\n"
         "tactics: {initial_level: 0, max_level: 0}\n"
         "response: " + response + "\n";
}
}  // namespace

// MODEL.md 3.5: a co-opted leader "no longer counts as a leader or member in Π".
// Π recomputed from the agent columns (state, coopted, skill) must equal the
// engine's; counting co-opted members, as the model once did, does not.
TEST_F(OrganizingRules, PowerLeavesCooptedMembersOut) {
  auto sim = make(frozen_town("{cooptation: 0.5, cooptation_term: 0}"));
  const auto& m = model(*sim);
  const double member_weight = m.params().member_weight, leader_skill = m.params().leader_skill;
  const double N = m.residents();
  std::size_t weeks_with_coopted = 0;
  for (int week = 1; week <= 60; ++week) {
    const std::vector<std::uint8_t> state = m.state(), coopted = m.coopted();
    sim->step();
    ASSERT_EQ(state, m.state()) << "the town is meant to be frozen";
    double members = 0, leaders = 0, leader_skill_sum = 0, coopted_members = 0;
    for (std::uint32_t i = 0; i < m.residents(); ++i) {
      if (state[i] < models::kMember) continue;
      ASSERT_EQ(state[i], models::kMember);
      if (coopted[i]) {
        coopted_members += 1;
        continue;
      }
      members += 1;
      if (m.skill()[i] > leader_skill) {
        leaders += 1;
        leader_skill_sum += m.skill()[i];
      }
    }
    const double expected = member_weight * members / N * (1.0 + (leaders > 0 ? leader_skill_sum / leaders : 0.0));
    EXPECT_NEAR(m.power_of(0), expected, 1e-12 * expected) << "week " << week;
    weeks_with_coopted += coopted_members > 0;
  }
  EXPECT_GT(weeks_with_coopted, 30u) << "co-optation must happen for the test to say anything";
}

// A co-optation lasts `cooptation_term` weeks: every spell of a resident's
// `coopted` flag, seen at the end of each week, is exactly `term` weeks long;
// with term 0 no flag is ever cleared.
TEST_F(OrganizingRules, CooptationLastsItsTerm) {
  for (const int term : {5, 0}) {
    auto sim = make(frozen_town("{cooptation: 0.5, cooptation_term: " + std::to_string(term) + "}"));
    const auto& m = model(*sim);
    std::vector<int> run(m.residents(), 0);  // length of the current spell
    std::vector<int> spells;                 // lengths of completed spells
    std::size_t cleared = 0;
    for (int week = 1; week <= 60; ++week) {
      sim->step();
      for (std::uint32_t i = 0; i < m.residents(); ++i) {
        if (m.coopted()[i]) {
          ++run[i];
        } else if (run[i] > 0) {
          spells.push_back(run[i]);
          run[i] = 0;
          ++cleared;
        }
      }
    }
    if (term == 0) {
      EXPECT_EQ(cleared, 0u) << "term 0: co-optation is for good";
      std::size_t coopted = 0;
      for (auto c : m.coopted()) coopted += c;
      EXPECT_GT(coopted, 3u);
    } else {
      ASSERT_GT(spells.size(), 3u) << "spells must end for the test to say anything";
      for (int len : spells) EXPECT_EQ(len, term);
    }
  }
}

// A worker organises in its own neighbourhood: a one-to-one with "a random
// contact of a random member" reaches a contact in that neighbourhood. Here
// only `left` has workers and nothing else changes efficacy in `right` (no
// target institution, so no concession, sanction or ignored action), so any
// change of efficacy in `right` is agitation that leaked across.
TEST_F(OrganizingRules, OneToOnesStayInTheWorkersNeighbourhood) {
  auto sim = make(
      "model: organizing\nstrategy: custom\nsteps: 30\nseed: 11\n"
      "issues: [{name: rent, weight: 1}]\n"
      "groups: [{name: all, class: mixed, trust: 0.4, survival_load: 0.2, efficacy: 0.3, skill: 0.3, attitude: 0.0, "
      "exposure: [0.5]}]\n"
      "neighbourhoods:\n"
      "  - {name: left, size: 3000, group_shares: [1], exposure_factor: [1], target_issue: rent, "
      "target_institution: city, workers: 3}\n"
      "  - {name: right, size: 3000, group_shares: [1], exposure_factor: [1], target_issue: rent, "
      "target_institution: '', workers: 0}\n"
      "institutions: [{name: city, issues: [rent], funds: [left]}]\n"
      "csos: []\ntimeline: []\n"
      "network: {mean_degree: 12, local: 0.6}\n"
      "residents: {initial_member_share: 0.3}\n"
      "workers: {casework_share: 0, profile: [0, 1, 0]}\n"
      "organizing: {snowball: 1}\n");
  const auto& m = model(*sim);
  const std::vector<double> before = m.efficacy();
  sim->run();
  std::size_t left_changed = 0, right_changed = 0;
  for (std::uint32_t i = 0; i < m.residents(); ++i)
    (m.neighbourhood()[i] == 0 ? left_changed : right_changed) += m.efficacy()[i] != before[i];
  EXPECT_GT(left_changed, 500u) << "the workers must reach many residents of their own neighbourhood";
  EXPECT_EQ(right_changed, 0u) << "one-to-ones reached the other neighbourhood";
}

// MODEL.md 3.4: "Responsiveness gates all level-0 pressure", an accountability
// assembly's too. At level 0 with ω = 0 nothing presses; with ω > 0 the
// assembly weeks press.
TEST_F(OrganizingRules, ResponsivenessGatesAssemblyPressureAtLevelZero) {
  auto town = [](double omega) {
    return "model: organizing\nstrategy: custom\nsteps: 20\nseed: 2\n"
           "issues: [{name: rent, weight: 1}]\n"
           "groups: [{name: all, class: mixed, trust: 0.4, survival_load: 0.2, efficacy: 0.3, skill: 0.3, "
           "attitude: 0.0, exposure: [0.5]}]\n"
           "neighbourhoods: [{name: town, size: 1000, group_shares: [1], exposure_factor: [1], target_issue: rent, "
           "target_institution: city, workers: 1}]\n"
           "institutions: [{name: city, issues: [rent], responsiveness: " + format_double(omega) + ", funds: [all]}]\n"
           "csos: [{name: church, neighbourhood: town, members: 200, legitimacy: 0.8, interest: [1]}]\n"
           "timeline: []\n"
           "workers: {casework_share: 0, profile: [0, 0, 1]}\n"
           "organizing: {ally_rate: 1}\n"
           "tactics: {initial_level: 0, max_level: 0, assembly_interval: 1, assembly_weight: 0.1}\n";
  };
  auto closed = make(town(0.0));
  auto open = make(town(0.5));
  double closed_max = 0, open_min = 1e9;
  for (int week = 1; week <= 20; ++week) {
    closed->step();
    open->step();
    closed_max = std::max(closed_max, model(*closed).pressure_of(0));
    if (week > 1) open_min = std::min(open_min, model(*open).pressure_of(0));  // allied from week 1 on
  }
  EXPECT_EQ(closed_max, 0.0) << "an unresponsive institution feels no level-0 pressure";
  EXPECT_GE(open_min, 0.5 * 0.1 * 0.8) << "ω × assembly_weight × the ally's legitimacy, at least";
}

// MODEL.md 3.4: escalate after `patience` weeks at the current level "with no
// concession": a concession won in consultation restarts the count (but keeps
// the level). So a level rises in week t only if no concession came in weeks
// t − patience + 1 … t − 1; with a meeting and a small concession nearly every
// week the organisation never escalates, though it would without them.
TEST_F(OrganizingRules, ConsultationConcessionRestartsTheEscalationClock) {
  auto town = [](double omega) {
    return "model: organizing\nstrategy: custom\nsteps: 60\nseed: 4\n"
           "issues: [{name: rent, weight: 1}]\n"
           "groups: [{name: all, class: mixed, trust: 0.6, survival_load: 0.2, efficacy: 0.3, skill: 0.3, "
           "attitude: 0.0, exposure: [0.5]}]\n"
           "neighbourhoods: [{name: town, size: 1000, group_shares: [1], exposure_factor: [1], target_issue: rent, "
           "target_institution: city, workers: 1}]\n"
           "institutions: [{name: city, issues: [rent], resistance: 1000, responsiveness: " + format_double(omega) +
           ", funds: [all]}]\n"
           "csos: []\ntimeline: []\n"
           "residents: {initial_member_share: 0.5}\n"
           "workers: {casework_share: 0, profile: [1, 0, 0]}\n"
           "organizing: {meeting_interval: 1}\n"
           "response: {small_gain: 0.01}\n"
           "tactics: {initial_level: 0, max_level: 4, patience: 4, power_needed: [0, 0, 0, 0, 0], turnout_needed: 0}\n";
  };
  for (const double omega : {1.0, 0.0}) {
    auto sim = make(town(omega));
    const auto& m = model(*sim);
    const int patience = static_cast<int>(m.params().patience);
    std::vector<int> conceded_in{0};  // per week: 1 if a concession came
    std::vector<int> level{m.level(0)};
    double won = 0;
    int rises = 0;
    for (int week = 1; week <= 60; ++week) {
      sim->step();
      const double now = m.won_by_pressure(0) + m.won_in_consultation(0);
      conceded_in.push_back(now > won ? 1 : 0);
      won = now;
      level.push_back(m.level(0));
      if (level[week] > level[week - 1]) {
        ++rises;
        for (int t = std::max(1, week - patience + 1); t < week; ++t)
          EXPECT_EQ(conceded_in[t], 0) << "ω " << omega << ": escalated in week " << week << " after a concession in week " << t;
      }
    }
    int weeks_conceded = 0;
    for (int c : conceded_in) weeks_conceded += c;
    if (omega > 0) {
      EXPECT_GT(weeks_conceded, 40) << "consultation must concede most weeks for the test to say anything";
      EXPECT_EQ(rises, 0);
    } else {
      EXPECT_EQ(weeks_conceded, 0);
      EXPECT_GE(rises, 4) << "without concessions the organisation escalates every `patience` weeks";
    }
  }
}

// Exposure is a property of a (neighbourhood, group) cell, not of a resident
// (README deviation list): everyone in a cell carries the same hardship, after
// shocks and concessions too.
TEST_F(OrganizingRules, HardshipIsTheSameWithinACell) {
  Config cfg = load_scenario(kSrc + "/scenarios/default.yaml");
  Simulation sim(cfg, 0, std::make_shared<Parallel>(1));
  sim.step(80);
  const auto& m = model(sim);
  const std::uint8_t* group = nullptr;
  for (const auto& col : sim.model().columns())
    if (col.name == "group") group = static_cast<const std::uint8_t*>(col.data);
  ASSERT_NE(group, nullptr);
  std::size_t compared = 0;
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& h = m.hardship(k);
    for (std::uint32_t i = 1; i < m.residents(); ++i)
      if (m.neighbourhood()[i] == m.neighbourhood()[i - 1] && group[i] == group[i - 1]) {
        ASSERT_EQ(h[i], h[i - 1]) << "resident " << i << ", issue " << k;
        ++compared;
      }
  }
  EXPECT_GT(compared, 30000u);
}
