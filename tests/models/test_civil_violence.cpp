// Spec tests of the civil violence model (Epstein 2002, Model I): the rules
// one by one (grievance and the decision rule, the C/A variants, vision
// shapes, arrests and jail terms, schedules, movement), invariants of the
// lattice, and thread-count independence. Outbursts and the legitimacy
// experiments are in test_validation.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "civil_violence/civil_violence.hpp"
#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

using namespace tegenmacht;
using models::CivilViolenceModel;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;
struct CivilViolence : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};

Config scenario(const std::string& body, const std::vector<std::string>& sets = {}) {
  return load_scenario_text("model: civil_violence\nseed: 3\n" + body, "<test>", sets);
}
std::unique_ptr<Simulation> make(const Config& cfg, int threads = 1) {
  return std::make_unique<Simulation>(cfg, 0, std::make_shared<Parallel>(threads));
}
CivilViolenceModel& model(Simulation& s) { return dynamic_cast<CivilViolenceModel&>(s.model()); }

/// Independent count of cops and active citizens within Euclidean radius v of
/// citizen c, by scanning every other agent (torus distances).
std::pair<std::uint32_t, std::uint32_t> brute_force_seen(const CivilViolenceModel& m, std::uint32_t c, double v) {
  const auto w = static_cast<int>(m.width()), h = static_cast<int>(m.height());
  const auto& pos = m.position();
  const int cx = static_cast<int>(pos[c] % m.width()), cy = static_cast<int>(pos[c] / m.width());
  std::uint32_t cops = 0, actives = 0;
  for (std::uint32_t a = 0; a < pos.size(); ++a) {
    if (a == c || pos[a] == 0xFFFFFFFFu) continue;
    if (a < m.citizens() && m.state()[a] == CivilViolenceModel::Jailed) continue;
    int dx = std::abs(static_cast<int>(pos[a] % m.width()) - cx), dy = std::abs(static_cast<int>(pos[a] / m.width()) - cy);
    dx = std::min(dx, w - dx);
    dy = std::min(dy, h - dy);
    if (dx * dx + dy * dy > v * v) continue;
    if (a >= m.citizens())
      ++cops;
    else if (m.state()[a] == CivilViolenceModel::Active)
      ++actives;
  }
  return {cops, actives};
}

void expect_lattice_consistent(const CivilViolenceModel& m) {
  std::set<std::uint32_t> sites;
  std::uint32_t on_lattice = 0;
  for (std::uint32_t a = 0; a < m.position().size(); ++a) {
    const bool citizen = a < m.citizens();
    const bool off = citizen ? m.state()[a] == CivilViolenceModel::Jailed : a - m.citizens() >= m.cops_on_duty();
    if (off) continue;
    ++on_lattice;
    ASSERT_TRUE(sites.insert(m.position()[a]).second) << "two agents on site " << m.position()[a];
    ASSERT_EQ(m.occupant()[m.position()[a]], static_cast<std::int32_t>(a));
  }
  const auto occupied = std::count_if(m.occupant().begin(), m.occupant().end(), [](std::int32_t o) { return o >= 0; });
  ASSERT_EQ(static_cast<std::uint32_t>(occupied), on_lattice);
}
}  // namespace

TEST_F(CivilViolence, ArrestRatioVariants) {
  using models::ArrestRatio;
  using models::arrest_ratio;
  EXPECT_DOUBLE_EQ(arrest_ratio(ArrestRatio::Exact, 2, 3), 2.0 / 3.0);
  EXPECT_EQ(arrest_ratio(ArrestRatio::Floor, 2, 3), 0.0);
  EXPECT_EQ(arrest_ratio(ArrestRatio::Floor, 3, 2), 1.0);
  EXPECT_EQ(arrest_ratio(ArrestRatio::Floor, 7, 1), 7.0);
  EXPECT_EQ(arrest_ratio(ArrestRatio::Round, 2, 3), 1.0);
  // halves go to the even neighbour, as Python's round() in Mesa's example
  EXPECT_EQ(arrest_ratio(ArrestRatio::Round, 1, 2), 0.0);
  EXPECT_EQ(arrest_ratio(ArrestRatio::Round, 3, 2), 2.0);
  EXPECT_EQ(arrest_ratio(ArrestRatio::Round, 5, 2), 2.0);
  EXPECT_EQ(arrest_ratio(ArrestRatio::Round, 0, 1), 0.0);
  // Epstein's calibration: one cop, one active (the agent itself): P ≈ 0.9
  EXPECT_NEAR(1 - std::exp(-2.3 * arrest_ratio(ArrestRatio::Exact, 1, 1)), 0.9, 0.001);
}

TEST_F(CivilViolence, VisionShapes) {
  using models::VisionShape;
  using models::vision_offsets;
  EXPECT_EQ(vision_offsets(VisionShape::Euclidean, 1.7, 40, 40).size(), 8u);  // Run 1: the 8 around
  EXPECT_EQ(vision_offsets(VisionShape::Euclidean, 1.0, 40, 40).size(), 4u);
  EXPECT_EQ(vision_offsets(VisionShape::Euclidean, 7, 40, 40).size(), 148u);  // 149 lattice points in the disc
  EXPECT_EQ(vision_offsets(VisionShape::Moore, 7, 40, 40).size(), 224u);
  EXPECT_EQ(vision_offsets(VisionShape::VonNeumann, 7, 40, 40).size(), 112u);
  EXPECT_EQ(vision_offsets(VisionShape::Cross, 7, 40, 40).size(), 28u);
  // a vision wider than the torus sees every other site once
  EXPECT_EQ(vision_offsets(VisionShape::Moore, 2, 3, 3).size(), 8u);
  // on a 10 x 10 torus radius 7 reaches every residue but (±5, ±5): 25 + 25 > 49
  EXPECT_EQ(vision_offsets(VisionShape::Euclidean, 7, 10, 10).size(), 98u);
}

TEST_F(CivilViolence, GrievanceRuleWithoutCops) {
  // no cops: P = 0, so a citizen is active iff G = H (1 - L) > T
  auto sim = make(scenario("steps: 1\ncops: {density: 0}\nmovement: false\nlegitimacy: {initial: 0.6}\n"));
  sim->step(1);
  const auto& m = model(*sim);
  std::uint32_t active = 0;
  for (std::uint32_t c = 0; c < m.citizens(); ++c) {
    const bool expect = m.hardship()[c] * (1 - 0.6) > 0.1;
    EXPECT_EQ(m.state()[c] == CivilViolenceModel::Active, expect) << c;
    active += expect;
  }
  // about a share 1 - 0.1/0.4 = 0.75 of 1120 citizens
  EXPECT_NEAR(active / 1120.0, 0.75, 0.05);
}

TEST_F(CivilViolence, DecisionRuleMatchesABruteForceCount) {
  // G - R P > T with P = 1 - exp(-k ratio(C, 1 + A)), counts by scanning all agents
  for (const std::string ratio : {"floor", "round", "exact"}) {
    auto sim = make(scenario("steps: 20\nlegitimacy: {initial: 0.7}\narrest_ratio: " + ratio + "\n"));
    sim->step(20);  // a mix of actives, quiet citizens and cops
    auto& m = model(*sim);
    const auto mode = ratio == "floor"   ? models::ArrestRatio::Floor
                      : ratio == "round" ? models::ArrestRatio::Round
                                         : models::ArrestRatio::Exact;
    int checked = 0;
    for (std::uint32_t c = 0; c < m.citizens(); ++c) {
      if (m.state()[c] == CivilViolenceModel::Jailed) continue;
      const auto [cops, actives] = brute_force_seen(m, c, 7);
      const double p = 1 - std::exp(-2.3 * models::arrest_ratio(mode, cops, 1 + actives));
      const bool expect = m.hardship()[c] * (1 - 0.7) - m.risk_aversion()[c] * p > 0.1;
      ASSERT_EQ(m.would_be_active(c), expect) << ratio << " citizen " << c;
      ++checked;
    }
    EXPECT_GT(checked, 500);
  }
}

TEST_F(CivilViolence, JailTermsCountDownAndRelease) {
  // the first arrest of the run: the citizen is out for exactly its term
  auto sim = make(scenario("steps: 200\nlegitimacy: {initial: 0.7}\njail: {max_term: 6}\n"));
  auto& m = model(*sim);
  std::int64_t who = -1;
  std::uint32_t term = 0, arrested_at = 0;
  for (std::uint32_t t = 1; t <= 100 && who < 0; ++t) {
    sim->step(1);
    for (std::uint32_t c = 0; c < m.citizens(); ++c)
      if (m.state()[c] == CivilViolenceModel::Jailed) {
        who = c;
        term = m.jail_term()[c];
        arrested_at = t;
        break;
      }
  }
  ASSERT_GE(who, 0) << "nobody was arrested";
  const auto c = static_cast<std::uint32_t>(who);
  EXPECT_LE(term, 6u);
  for (std::uint32_t t = arrested_at + 1; t <= arrested_at + term; ++t) {
    sim->step(1);
    EXPECT_EQ(m.state()[c], CivilViolenceModel::Jailed) << "step " << t;
    EXPECT_EQ(m.jail_term()[c], term - (t - arrested_at)) << "step " << t;
  }
  sim->step(1);  // released (its arrest site or a free site in its vision of it)
  EXPECT_NE(m.state()[c], CivilViolenceModel::Jailed);
  EXPECT_EQ(m.occupant()[m.position()[c]], static_cast<std::int32_t>(c));
}

TEST_F(CivilViolence, LifeTermsNeverEndAndMovementOffKeepsSites) {
  auto sim = make(scenario("steps: 60\nlegitimacy: {initial: 0.7}\nmovement: false\njail: {max_term: .inf}\n"));
  auto& m = model(*sim);
  const auto sites0 = m.position();
  std::set<std::uint32_t> jailed;
  for (int t = 0; t < 60; ++t) {
    sim->step(1);
    for (std::uint32_t c = 0; c < m.citizens(); ++c) {
      if (jailed.count(c)) {
        ASSERT_EQ(m.state()[c], CivilViolenceModel::Jailed);
        ASSERT_EQ(m.jail_term()[c], CivilViolenceModel::kLife);
      } else if (m.state()[c] == CivilViolenceModel::Jailed) {
        jailed.insert(c);
      } else {
        ASSERT_EQ(m.position()[c], sites0[c]) << "a citizen moved with movement off";
      }
    }
  }
  EXPECT_GT(jailed.size(), 0u);
  EXPECT_EQ(sim->recorder().find("jailed")->data.back(), static_cast<double>(jailed.size()));
}

TEST_F(CivilViolence, LatticeStaysConsistent) {
  // every agent on the lattice has its own site; jailed citizens and
  // withdrawn cops occupy none; counts add up
  auto sim = make(scenario("steps: 80\nlegitimacy: {initial: 0.8}\njail: {max_term: 10}\n"
                           "cops: {density: 0.06, schedule: gradual, final_density: 0.02, start: 10, end: 60}\n"));
  auto& m = model(*sim);
  for (int t = 0; t < 80; ++t) {
    sim->step(1);
    expect_lattice_consistent(m);
    const auto& r = sim->recorder();
    EXPECT_EQ(r.find("active")->data.back() + r.find("quiet")->data.back() + r.find("jailed")->data.back(),
              static_cast<double>(m.citizens()));
  }
  EXPECT_EQ(m.cops_on_duty(), 32u);  // 0.02 × 1600
}

TEST_F(CivilViolence, Schedules) {
  models::Schedule g{models::Schedule::Kind::Gradual, 0.9, 0.7, 50, 250};
  EXPECT_DOUBLE_EQ(g.at(0), 0.9);
  EXPECT_DOUBLE_EQ(g.at(50), 0.9);
  EXPECT_DOUBLE_EQ(g.at(150), 0.8);
  EXPECT_DOUBLE_EQ(g.at(250), 0.7);
  EXPECT_DOUBLE_EQ(g.at(1000), 0.7);
  models::Schedule s{models::Schedule::Kind::Sudden, 0.9, 0.7, 50, 0};
  EXPECT_DOUBLE_EQ(s.at(49), 0.9);
  EXPECT_DOUBLE_EQ(s.at(50), 0.7);
  // in a run: the legitimacy metric follows the schedule, cops follow theirs
  auto sim = make(load_scenario(kSrc + "/scenarios/reference/epstein_run3.yaml", {"replicates=1", "steps=260"}));
  sim->run();
  const auto& l = sim->recorder().find("legitimacy")->data;
  EXPECT_DOUBLE_EQ(l[150], 0.8);
  EXPECT_DOUBLE_EQ(l[260], 0.7);
  auto five = make(load_scenario(kSrc + "/scenarios/reference/epstein_run5.yaml", {"replicates=1", "steps=450"}));
  five->run();
  const auto& cops = five->recorder().find("cops")->data;
  EXPECT_EQ(cops[0], 118);  // round(0.074 × 1600)
  EXPECT_EQ(cops[450], 48);  // 0.03 × 1600
}

TEST_F(CivilViolence, FindOutbursts) {
  const std::vector<double> a{0, 60, 70, 10, 0, 0, 51, 2, 80, 90};
  const auto o = models::find_outbursts(a, 50);
  ASSERT_EQ(o.count, 3u);
  EXPECT_EQ(o.start, (std::vector<std::size_t>{1, 6, 8}));
  EXPECT_EQ(o.activation, (std::vector<double>{130, 51, 170}));
  EXPECT_EQ(o.waiting, (std::vector<double>{5, 2}));
  EXPECT_EQ(o.trough, (std::vector<double>{0, 2}));
  EXPECT_EQ(models::find_outbursts(a, 50, 7).count, 1u);
}

TEST_F(CivilViolence, BitwiseIdenticalFor1To4Threads) {
  const Config cfg = load_scenario(kSrc + "/scenarios/reference/epstein_run2.yaml", {"replicates=1", "steps=150"});
  auto a = make(cfg, 1), b = make(cfg, 2), c = make(cfg, 4);
  a->run();
  b->run();
  c->run();
  for (const auto& s : a->recorder().series()) {
    EXPECT_EQ(s.data, b->recorder().find(s.name)->data) << s.name;
    EXPECT_EQ(s.data, c->recorder().find(s.name)->data) << s.name;
  }
  EXPECT_EQ(model(*a).position(), model(*c).position());
  EXPECT_EQ(model(*a).jail_term(), model(*c).jail_term());
  EXPECT_GT(*std::max_element(a->recorder().find("active")->data.begin(), a->recorder().find("active")->data.end()),
            50.0);  // the run is not trivially quiet
}

TEST_F(CivilViolence, BadConfigurations) {
  EXPECT_THROW(make(scenario("citizen_density: 0.98\ncops: {density: 0.04}\n")), ConfigError);
  EXPECT_THROW(make(scenario("jail: {max_term: 7.5}\n")), ConfigError);
  EXPECT_THROW(make(scenario("legitimacy: {schedule: gradual, start: 50, end: 50}\n")), ConfigError);
}

namespace {
/// Cops within Euclidean radius v of `site` (torus distances), counted over the cops on duty.
std::uint32_t cops_near(const CivilViolenceModel& m, std::uint32_t site, double v) {
  const auto w = static_cast<int>(m.width()), h = static_cast<int>(m.height());
  const int sx = static_cast<int>(site % m.width()), sy = static_cast<int>(site / m.width());
  std::uint32_t n = 0;
  for (std::uint32_t k = 0; k < m.cops_on_duty(); ++k) {
    const std::uint32_t p = m.position()[m.citizens() + k];
    int dx = std::abs(static_cast<int>(p % m.width()) - sx), dy = std::abs(static_cast<int>(p / m.width()) - sy);
    dx = std::min(dx, w - dx);
    dy = std::min(dy, h - dy);
    n += dx * dx + dy * dy <= v * v ? 1u : 0u;
  }
  return n;
}
bool within(const CivilViolenceModel& m, std::uint32_t a, std::uint32_t b, double v) {
  const auto w = static_cast<int>(m.width()), h = static_cast<int>(m.height());
  int dx = std::abs(static_cast<int>(a % m.width()) - static_cast<int>(b % m.width()));
  int dy = std::abs(static_cast<int>(a / m.width()) - static_cast<int>(b / m.width()));
  dx = std::min(dx, w - dx);
  dy = std::min(dy, h - dy);
  return dx * dx + dy * dy <= v * v;
}

/// One citizen among cops that neither move nor arrest (cop vision 0): its
/// decision in a step must follow rule A at the site it stood on before its
/// move (act_then_move) or after it (move_then_act). Returns, over replicates,
/// {steps where the decision matched the expected site, steps where the two
/// sites imply different decisions}.
std::pair<int, int> lone_citizen(const std::string& order, bool expect_pre) {
  int matched = 0, informative = 0, steps = 0;
  for (int rep = 0; rep < 8; ++rep) {
    const Config cfg = load_scenario_text(
        "model: civil_violence\nseed: 5\nsteps: 60\nwidth: 20\nheight: 20\ncitizen_density: 0.0025\n"
        "cops: {density: 0.25}\nvision: {citizen: 2, cop: 0}\nlegitimacy: {initial: 0}\nrule_order: " +
            order + "\n",
        "<test>");
    Simulation sim(cfg, static_cast<std::uint32_t>(rep), std::make_shared<Parallel>(1));
    auto& m = dynamic_cast<CivilViolenceModel&>(sim.model());
    EXPECT_EQ(m.citizens(), 1u);
    for (int t = 0; t < 60; ++t) {
      const std::uint32_t before = m.position()[0];
      sim.step(1);
      const std::uint32_t after = m.position()[0];
      auto rule = [&](std::uint32_t site) {  // G - R P > T, A = 1 (alone), floor(C / 1) = C
        const double p = 1 - std::exp(-2.3 * cops_near(m, site, 2));
        return m.hardship()[0] * (1 - 0) - m.risk_aversion()[0] * p > 0.1;
      };
      const bool pre = rule(before), post = rule(after);
      const bool active = m.state()[0] == CivilViolenceModel::Active;
      matched += active == (expect_pre ? pre : post) ? 1 : 0;
      informative += pre != post ? 1 : 0;
      ++steps;
    }
  }
  EXPECT_EQ(matched, steps) << order;
  return {matched, informative};
}
}  // namespace

TEST_F(CivilViolence, RuleOrderDecidesOnTheOldOrTheNewSite) {
  // Mesa's citizens decide where they stand, then move; NetLogo's move first.
  // The test is informative only if the two sites often imply different
  // decisions, which it checks.
  EXPECT_GT(lone_citizen("act_then_move", /*expect_pre=*/true).second, 20);
  EXPECT_GT(lone_citizen("move_then_act", /*expect_pre=*/false).second, 20);
}

TEST_F(CivilViolence, RuleOrderArrestsFromTheOldOrTheNewSite) {
  // one cop (it does not move to the arrest): every arrest of a step is within
  // its vision of the site it held before its move (act_then_move) or after it
  // (move_then_act); some arrests are out of reach of the other site
  for (const std::string order : {"act_then_move", "move_then_act"}) {
    auto sim = make(scenario("steps: 300\nlegitimacy: {initial: 0.5}\ncops: {density: 0.000625, "
                             "move_to_arrest: false}\nvision: {cop: 3}\njail: {max_term: .inf}\nrule_order: " +
                                 order + "\n",
                             {}));
    auto& m = model(*sim);
    ASSERT_EQ(m.cops_on_duty(), 1u);
    const std::uint32_t cop = m.citizens();
    int arrests = 0, pre_only = 0, post_only = 0;
    for (int t = 0; t < 300; ++t) {
      const auto state0 = m.state();
      const std::uint32_t before = m.position()[cop];
      sim->step(1);
      const std::uint32_t after = m.position()[cop];
      for (std::uint32_t c = 0; c < m.citizens(); ++c) {
        if (state0[c] == CivilViolenceModel::Jailed || m.state()[c] != CivilViolenceModel::Jailed) continue;
        ++arrests;
        const bool pre = within(m, before, m.position()[c], 3), post = within(m, after, m.position()[c], 3);
        ASSERT_TRUE(order == "act_then_move" ? pre : post) << order << " step " << t;
        pre_only += pre && !post;
        post_only += post && !pre;
      }
    }
    EXPECT_GT(arrests, 30) << order;
    EXPECT_GT(order == "act_then_move" ? pre_only : post_only, 5) << order;
  }
}

TEST_F(CivilViolence, JailTermDistributions) {
  // the term a citizen carries right after its arrest is the one drawn: Mesa's
  // randint(0, J_max) reaches J_max, NetLogo's random J_max never does
  for (const std::string terms : {"inclusive", "exclusive"}) {
    auto sim = make(scenario("steps: 400\nlegitimacy: {initial: 0.7}\njail: {max_term: 3, terms: " + terms + "}\n"));
    auto& m = model(*sim);
    std::map<std::uint32_t, int> drawn;
    for (int t = 0; t < 400; ++t) {
      const auto state0 = m.state();
      sim->step(1);
      for (std::uint32_t c = 0; c < m.citizens(); ++c)
        if (state0[c] != CivilViolenceModel::Jailed && m.state()[c] == CivilViolenceModel::Jailed) ++drawn[m.jail_term()[c]];
    }
    const std::uint32_t top = terms == "inclusive" ? 3 : 2;
    int total = 0;
    for (const auto& [term, n] : drawn) {
      EXPECT_LE(term, top) << terms;
      total += n;
    }
    ASSERT_GT(total, 400) << terms;
    for (std::uint32_t j = 0; j <= top; ++j)  // each value about total / (top + 1) times
      EXPECT_GT(drawn[j], total / static_cast<int>(top + 1) / 2) << terms << " term " << j;
  }
  // J_max = 0: every term is 0 either way (NetLogo: random 0 is 0)
  auto sim = make(scenario("steps: 30\nlegitimacy: {initial: 0.7}\njail: {max_term: 0, terms: exclusive}\n"));
  sim->run();
  for (const auto j : model(*sim).jail_term()) EXPECT_EQ(j, 0u);
}

TEST_F(CivilViolence, JailedCitizensKeepTheirSite) {
  // Mesa: a prisoner stays on the site of its arrest, which nobody else may
  // take, and returns there; it is seen neither as active nor as a cop
  auto sim = make(scenario("steps: 150\nlegitimacy: {initial: 0.7}\njail: {max_term: 8, keep_site: true}\n"
                           "cops: {move_to_arrest: false}\n"));
  auto& m = model(*sim);
  int jailed_seen = 0, released = 0, stayed = 0;
  for (int t = 0; t < 150; ++t) {
    const auto state0 = m.state();
    const auto term0 = m.jail_term();
    const auto site0 = m.position();
    sim->step(1);
    std::set<std::uint32_t> sites;
    for (std::uint32_t a = 0; a < m.position().size(); ++a) {
      if (a >= m.citizens() && a - m.citizens() >= m.cops_on_duty()) continue;
      ASSERT_TRUE(sites.insert(m.position()[a]).second) << "two agents on site " << m.position()[a];
      ASSERT_EQ(m.occupant()[m.position()[a]], static_cast<std::int32_t>(a));
    }
    for (std::uint32_t c = 0; c < m.citizens(); ++c) {
      if (m.state()[c] == CivilViolenceModel::Jailed) {
        ++jailed_seen;
        ASSERT_EQ(m.occupant()[m.position()[c]], static_cast<std::int32_t>(c));
        if (state0[c] == CivilViolenceModel::Jailed && term0[c] > 0) {  // still serving: not moved
          ASSERT_EQ(m.position()[c], site0[c]);
          ASSERT_EQ(m.jail_term()[c], term0[c] - 1);
          ++stayed;
        }
      } else if (state0[c] == CivilViolenceModel::Jailed) {
        ++released;  // released at the start of the step, on its own site; it may have moved since
      }
    }
    // the prisoners do not count as actives for anybody's decision
    for (std::uint32_t c = 0; c < m.citizens(); c += 37)
      if (m.state()[c] != CivilViolenceModel::Jailed) {
        const auto [cops, actives] = brute_force_seen(m, c, 7);
        const double p = 1 - std::exp(-2.3 * models::arrest_ratio(models::ArrestRatio::Floor, cops, 1 + actives));
        ASSERT_EQ(m.would_be_active(c), m.hardship()[c] * 0.3 - m.risk_aversion()[c] * p > 0.1);
      }
  }
  EXPECT_GT(jailed_seen, 100);
  EXPECT_GT(stayed, 50);
  EXPECT_GT(released, 10);
  // it changes the run: prisoners block moves
  auto other = make(scenario("steps: 150\nlegitimacy: {initial: 0.7}\njail: {max_term: 8}\ncops: {move_to_arrest: false}\n"));
  other->run();
  EXPECT_NE(other->recorder().find("active")->data, sim->recorder().find("active")->data);
}

TEST_F(CivilViolence, VariantsAreBitwiseReproducible) {
  const Config cfg = load_scenario(kSrc + "/scenarios/reference/epstein_run2.yaml",
                                   {"replicates=1", "steps=150", "rule_order=act_then_move", "jail.terms=exclusive",
                                    "jail.keep_site=true", "cops.move_to_arrest=false"});
  auto a = make(cfg, 1), b = make(cfg, 3);
  a->run();
  b->run();
  for (const auto& s : a->recorder().series()) EXPECT_EQ(s.data, b->recorder().find(s.name)->data) << s.name;
  EXPECT_EQ(model(*a).position(), model(*b).position());
}

TEST_F(CivilViolence, KeepSiteNeedsCopsThatStay) {
  // the arresting cop cannot move onto a site its prisoner keeps: an error, not a silent choice
  EXPECT_THROW(make(scenario("jail: {keep_site: true}\n")), ConfigError);
  EXPECT_NO_THROW(make(scenario("jail: {keep_site: true}\ncops: {move_to_arrest: false}\n")));
  EXPECT_THROW(make(scenario("rule_order: act_first\n")), ConfigError);
  EXPECT_THROW(make(scenario("jail: {terms: netlogo}\n")), ConfigError);
}

TEST_F(CivilViolence, ClosestScenarioIsRun2WithTheClosestRules) {
  // the validation runs Run 2 with models::epstein_closest_rules(); the
  // scenario file offered to users must be the same run
  auto sets = models::epstein_closest_rules();
  sets.push_back("description=x");
  const Config file = load_scenario(kSrc + "/scenarios/reference/epstein_run2_closest.yaml", {"description=x"});
  const Config run2 = load_scenario(kSrc + "/scenarios/reference/epstein_run2.yaml", sets);
  EXPECT_EQ(file.to_yaml(), run2.to_yaml());
}

// A schedule that cannot do what it says is warned about at load time, naming
// the key: a change after the last step, a gradual change cut short, and the
// keys a constant schedule ignores. Schedules that fit say nothing.
TEST_F(CivilViolence, SchedulesThatDoNothingAreWarned) {
  auto warnings = [](const std::string& body) {
    std::string all;
    for (const auto& w : scenario_warnings(scenario("steps: 100\n" + body))) all += w + "\n";
    return all;
  };
  EXPECT_EQ(warnings(""), "");
  EXPECT_EQ(warnings("legitimacy: {schedule: gradual, final: 0.6, start: 10, end: 100}\n"), "");
  EXPECT_EQ(warnings("cops: {schedule: sudden, final_density: 0.02, start: 100}\n"), "");
  const std::string late = warnings("legitimacy: {schedule: sudden, final: 0.6, start: 150}\n");
  EXPECT_NE(late.find("key 'legitimacy.start': step 150 is after the last step (100): the change never happens"),
            std::string::npos)
      << late;
  const std::string cut = warnings("cops: {schedule: gradual, final_density: 0.02, start: 10, end: 300}\n");
  EXPECT_NE(cut.find("key 'cops.end': step 300 is after the last step (100)"), std::string::npos) << cut;
  const std::string ignored = warnings("cops: {final_density: 0.02}\n");
  EXPECT_NE(ignored.find("key 'cops.final_density': has no effect while cops.schedule is constant"), std::string::npos)
      << ignored;
}
