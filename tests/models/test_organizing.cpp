// Spec tests of the organizing model: the reductions of MODEL.md section 4,
// conservation and ranges, determinism, and mechanisms stated as behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "models.hpp"
#include "organizing/organizing.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"
#include "threshold/threshold.hpp"

using namespace tegenmacht;
using models::OrganizingModel;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;
const std::string kDefault = kSrc + "/scenarios/default.yaml";

struct Organizing : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};

std::unique_ptr<Simulation> make(const Config& cfg, int threads = 1, std::uint32_t replicate = 0) {
  return std::make_unique<Simulation>(cfg, replicate, std::make_shared<Parallel>(threads));
}
const std::vector<double>& series(const Simulation& s, const std::string& name) {
  const Series* p = s.recorder().find(name);
  EXPECT_NE(p, nullptr) << name;
  return p->data;
}
const OrganizingModel& model(const Simulation& s) { return dynamic_cast<const OrganizingModel&>(s.model()); }

// A single neighbourhood with no institutions, workers, organisations or events.
std::string bare_town(int size, const std::string& extra) {
  // 60 steps unless `extra` says otherwise (a key given twice is an error)
  const std::string steps = extra.find("steps:") == std::string::npos ? "steps: 60\n" : "";
  return "model: organizing\nstrategy: custom\n" + steps +
         "issues: [{name: rent, weight: 1}]\n"
         "groups: [{name: all, class: mixed, trust: 0.4, survival_load: 0.2, efficacy: 0.3, skill: 0.0, attitude: 0.0, "
         "exposure: [0.5]}]\n"
         "neighbourhoods: [{name: town, size: " + std::to_string(size) +
         ", group_shares: [1], exposure_factor: [1], target_issue: rent, target_institution: '', workers: 0}]\n"
         "institutions: []\ncsos: []\ntimeline: []\n" + extra;
}
}  // namespace

TEST_F(Organizing, ReductionToGranovetterCascade) {
  // everyone a member, an action every week, no risk, no fatigue, no dropout,
  // no skill: a member acts iff the active share of the others >= θ
  const Config cfg = load_scenario_text(
      bare_town(3000, "network: {type: complete}\n"
                      "residents: {initial_member_share: 1, dropout: 0, act_threshold: -1}\n"
                      "tactics: {initial_level: 1, max_level: 1, power_needed: [0, 0, 0, 0, 0]}\n"
                      "feedback: {fatigue_rate: 0}\n"),
      "<reduction>");
  auto org = make(cfg);
  org->run();
  // the same thresholds in the threshold model (fractional, complete graph)
  std::string values;
  for (double t : model(*org).thresholds()) values += (values.empty() ? "" : ", ") + format_double(t);
  const Config th = load_scenario_text("model: threshold\nsteps: 60\npopulation: 3000\n"
                                       "thresholds: {distribution: empirical, unit: fraction, values: [" + values + "]}\n",
                                       "<threshold>");
  auto ref = make(th);
  ref->run();
  EXPECT_EQ(series(*org, "active"), series(*ref, "active"));
  EXPECT_GT(series(*ref, "active").back(), 0.0) << "a cascade must start (thresholds at 0 exist)";
}

TEST_F(Organizing, ReductionToDeffuantClusters) {
  // only the peer attitude step (peer_mu 0.5, asymmetric, on a complete graph);
  // attitudes start uniform on [-1, 1] (Beta(1, 1) around mean 0). On [-1, 1]
  // a confidence bound d corresponds to d/2 on Deffuant's unit interval, so
  // about floor(1 / d) major clusters are expected, and consensus for d >= 1.
  auto clusters = [&](double d) {
    const Config cfg = load_scenario_text(
        bare_town(1000, "steps: 400\nconcentration: 2\nnetwork: {type: complete}\n"
                        "feedback: {peer_mu: 0.5, mu: 0, confidence: " + format_double(d) + "}\n"),
        "<deffuant>");
    auto sim = make(cfg);
    sim->run();
    std::vector<double> a = model(*sim).attitude();
    std::sort(a.begin(), a.end());
    // a cluster: a run of sorted opinions with gaps below 0.05; major: >= 5 % of agents
    int major = 0;
    std::size_t start = 0;
    for (std::size_t i = 1; i <= a.size(); ++i)
      if (i == a.size() || a[i] - a[i - 1] > 0.05) {
        if (i - start >= a.size() / 20) ++major;
        start = i;
      }
    return major;
  };
  EXPECT_EQ(clusters(1.2), 1);
  EXPECT_NEAR(clusters(0.5), 2, 1);
  EXPECT_NEAR(clusters(0.3), 3, 1);
  EXPECT_GT(clusters(0.2), clusters(0.5));
}

TEST_F(Organizing, FullSafetyNetMeansNoHardshipAndNoJoining) {
  const Config cfg = load_scenario(kDefault, {"replicates=1", "steps=120", "environment.safety_net=1",
                                              "timeline.1.size=0.9", "strategy=alinsky"});
  auto sim = make(cfg, 2);
  sim->run();
  for (const char* m : {"member", "grievance", "hardship"})
    for (double v : series(*sim, m)) ASSERT_EQ(v, 0.0) << m;
}

TEST_F(Organizing, UnresponsivePolderWithoutCooptationWinsNothing) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Config cfg = load_scenario(kDefault, {"replicates=1", "strategy=polder", "seed=" + std::to_string(seed),
                                                "response.cooptation=0", "institutions.0.responsiveness=0",
                                                "institutions.1.responsiveness=0", "institutions.2.responsiveness=0"});
    auto sim = make(cfg, 2);
    sim->run();
    for (double v : series(*sim, "concessions")) ASSERT_EQ(v, 0.0);
  }
}

TEST_F(Organizing, ZeroResponsivenessStopsConsultationConcessions) {
  const Config cfg = load_scenario(kDefault, {"replicates=1", "strategy=polder", "institutions.0.responsiveness=0",
                                              "institutions.1.responsiveness=0", "institutions.2.responsiveness=0"});
  auto sim = make(cfg, 2);
  sim->run();
  EXPECT_EQ(series(*sim, "won_in_consultation").back(), 0.0);
  // and the same town with responsive institutions does win in consultation
  auto base = make(load_scenario(kDefault, {"replicates=1", "strategy=polder"}), 2);
  base->run();
  EXPECT_GT(series(*base, "won_in_consultation").back(), 0.0);
}

TEST_F(Organizing, CaseworkLowersSurvivalLoadButNotStructuralHardship) {
  // casework only versus no workers at all, same seed: H is identical, s is lower
  const std::vector<std::string> common{"replicates=1", "steps=150", "timeline=[]"};
  auto with = common, without = common;
  with.push_back("strategy=casework");
  without.push_back("strategy=casework");
  for (int b = 0; b < 4; ++b) without.push_back("neighbourhoods." + std::to_string(b) + ".workers=0");
  auto a = make(load_scenario(kDefault, with), 2), z = make(load_scenario(kDefault, without), 2);
  a->run();
  z->run();
  for (const char* m : {"structural_housing", "structural_pollution"}) EXPECT_EQ(series(*a, m), series(*z, m)) << m;
  const auto& s = series(*a, "survival_load");
  EXPECT_LT(s.back(), s.front());
  EXPECT_LT(s.back(), series(*z, "survival_load").back());
  EXPECT_GT(series(*a, "casework_hours").back(), 0.0);
  EXPECT_EQ(series(*a, "collective_hours").back(), 0.0);
}

TEST_F(Organizing, SurvivalLoadStartsInSteadyState) {
  // λ_in is chosen so that the initial s is the steady state of the initial
  // hardship: with nothing changing hardship, mean s stays put
  const Config cfg = load_scenario_text(bare_town(2000, "steps: 100\n"), "<steady>");
  auto sim = make(cfg);
  sim->run();
  const auto& s = series(*sim, "survival_load");
  for (double v : s) EXPECT_NEAR(v, s.front(), 1e-12);
}

TEST_F(Organizing, BitwiseIdenticalFor1To4Threads) {
  const Config cfg = load_scenario(kDefault, {"replicates=1", "steps=80", "strategy=alinsky"});
  auto a = make(cfg, 1), b = make(cfg, 2), c = make(cfg, 4);
  a->run();
  b->run();
  c->run();
  for (const auto& s : a->recorder().series()) {
    const auto& y = b->recorder().find(s.name)->data;
    const auto& z = c->recorder().find(s.name)->data;
    ASSERT_EQ(s.data.size(), y.size());
    EXPECT_EQ(std::memcmp(s.data.data(), y.data(), y.size() * sizeof(double)), 0) << s.name;
    EXPECT_EQ(std::memcmp(s.data.data(), z.data(), z.size() * sizeof(double)), 0) << s.name;
  }
}

TEST_F(Organizing, SharesAndVariablesStayInRangeUnderExtremeParameters) {
  const Config cfg = load_scenario(
      kDefault, {"replicates=1", "steps=200", "strategy=alinsky", "organizing.agitation=1", "organizing.issue_cut=1",
                 "organizing.training=1", "feedback.learning_rate=1", "feedback.mu=1", "feedback.peer_mu=1",
                 "feedback.fatigue_rate=1", "feedback.trust_gain=1", "feedback.sanction_trust=1",
                 "response.risk_jump=1", "response.subsidy_cut=1", "response.gain=1", "response.legit_sanction=1",
                 "tactics.patience=1", "tactics.power_needed=[0,0,0,0,0]", "tactics.intensity=[100,100,100,100,100]",
                 "timeline.0.size=5", "timeline.1.size=5", "institutions.0.repression=1", "residents.invite=1",
                 "residents.join_threshold=0", "residents.act_threshold=-1", "concentration=0.5"});
  auto sim = make(cfg, 2);
  sim->run();
  const auto& m = model(*sim);
  auto in01 = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return x >= 0 && x <= 1; });
  };
  EXPECT_TRUE(in01(m.survival_load()));
  EXPECT_TRUE(in01(m.hardship(0)) && in01(m.hardship(1)));
  EXPECT_TRUE(std::all_of(m.attitude().begin(), m.attitude().end(), [](double x) { return x >= -1 && x <= 1; }));
  for (const auto& col : m.columns())
    if (col.type == ColumnView::Type::F64 && col.name != "attitude") {
      const auto* d = static_cast<const double*>(col.data);
      for (std::size_t i = 0; i < col.size; ++i) ASSERT_TRUE(d[i] >= 0 && d[i] <= 1) << col.name;
    }
  // state shares: passive + member-only + active = 1, so 0 <= active <= member <= 1
  const auto& member = series(*sim, "member");
  const auto& active = series(*sim, "active");
  for (std::size_t t = 0; t < member.size(); ++t) {
    ASSERT_LE(active[t], member[t]);
    ASSERT_LE(member[t], 1.0);
    ASSERT_GE(active[t], 0.0);
  }
  // group shares weighted by group sizes add up to the total share
  std::map<int, double> count;
  const auto& st = m.state();
  double members = 0;
  for (auto s : st) members += s >= models::kMember;
  EXPECT_DOUBLE_EQ(members / st.size(), member.back());
  for (const char* name : {"worker_funding_min", "worker_funding_mean", "concessions"})
    for (double v : series(*sim, name)) ASSERT_TRUE(v >= 0 && v <= 1) << name;
  for (double v : series(*sim, "escalation")) ASSERT_TRUE(v >= 0 && v <= 4);
  for (double v : series(*sim, "arnstein")) ASSERT_TRUE(v >= 1 && v <= 8);
  EXPECT_GT(series(*sim, "sanctions_total").back(), 0.0) << "extreme settings must provoke sanctions";
}

TEST_F(Organizing, FundingDependenceNeverRaisesFundingAfterSanctions) {
  // d = 0: sanctions cannot touch funding; d > 0: they cut it, more for larger d
  double mean_prev = 2.0;
  for (double d : {0.0, 0.5, 1.0}) {
    const Config cfg = load_scenario(kDefault, {"replicates=4", "steps=150", "strategy=alinsky", "institutions.0.repression=0.6",
                                                "institutions.1.repression=0.6", "institutions.2.repression=0.6",
                                                "workers.funding_dependence=" + format_double(d)});
    const auto res = run_ensemble(cfg, std::make_shared<Parallel>(2));
    double mean = 0, sanctions = 0;
    for (const auto& r : res.recorders) {
      const auto& f = r.find("worker_funding_mean")->data;
      for (double v : f) mean += v / f.size() / res.recorders.size();
      sanctions += r.find("sanctions_total")->data.back();
      if (d == 0.0)
        for (double v : r.find("worker_funding_min")->data) ASSERT_EQ(v, 1.0);
    }
    EXPECT_GT(sanctions, 0.0);
    EXPECT_LE(mean, mean_prev) << "d = " << d;
    if (d > 0) EXPECT_LT(mean, 1.0);
    mean_prev = mean;
  }
}

TEST_F(Organizing, NetworkFollowsTheBlockModelSpecification) {
  const Config cfg = load_scenario(kDefault, {"replicates=1", "steps=0"});
  auto sim = make(cfg);
  const Network& g = *sim->model().network();
  const auto cols = sim->model().columns();
  const auto* nb = static_cast<const std::uint32_t*>(cols[0].data);
  const auto* grp = static_cast<const std::uint8_t*>(cols[1].data);
  double ends = 0, local = 0, same_group = 0;
  for (std::uint32_t i = 0; i < g.size(); ++i)
    for (std::uint32_t j : g.neighbours(i)) {
      ends += 1;
      local += nb[i] == nb[j];
      same_group += nb[i] == nb[j] && grp[i] == grp[j];
    }
  EXPECT_NEAR(ends / g.size(), 12.0, 0.2);      // mean degree
  EXPECT_NEAR(local / ends, 0.8, 0.02);         // ties inside the own neighbourhood
  EXPECT_NEAR(same_group / local, 0.7, 0.05);   // of those, inside the own group (symmetrised)
}

TEST_F(Organizing, StrategyPresetFillsOnlyUnsetKeys) {
  const Config a = load_scenario(kDefault, {"strategy=coalition"});
  EXPECT_EQ(a.get_int("tactics.max_level"), 2);
  EXPECT_EQ(a.get_int("tactics.assembly_interval"), 13);
  EXPECT_EQ(a.get_doubles("workers.profile"), (std::vector<double>{0, 0.5, 0.5}));
  const Config b = load_scenario(kDefault, {"strategy=alinsky", "tactics.max_level=2"});
  EXPECT_EQ(b.get_int("tactics.max_level"), 2);
  EXPECT_EQ(b.get_doubles("workers.profile"), (std::vector<double>{0, 1, 0}));
}

TEST_F(Organizing, StrategyChangeOnTheTimeline) {
  // polder until week 100, then Alinsky: no action before, action after
  const Config cfg = load_scenario(
      kDefault, {"replicates=1", "steps=220", "strategy=polder",
                 "timeline=[{week: 100, type: strategy, strategy: alinsky}]"});
  auto sim = make(cfg, 2);
  sim->run();
  const auto& actions = series(*sim, "actions");
  for (std::size_t t = 0; t <= 100; ++t) ASSERT_EQ(actions[t], 0.0);
  EXPECT_GT(*std::max_element(actions.begin() + 101, actions.end()), 0.0);
}

TEST_F(Organizing, BadScenariosNameTheKey) {
  auto error = [](const std::vector<std::string>& sets) -> std::string {
    try {
      const Config cfg = load_scenario(kDefault, sets);
      Simulation sim(cfg, 0, std::make_shared<Parallel>(1));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error({"neighbourhoods.1.group_shares=[0.5, 0.2, 0.2]"}).find("neighbourhoods.1.group_shares"), std::string::npos);
  EXPECT_NE(error({"neighbourhoods.2.target_institution=mayor"}).find("unknown institution 'mayor'"), std::string::npos);
  // a run-time `set` obeys the key's range as the scenario does (0 weeks between meetings divided by zero)
  EXPECT_NE(error({"timeline=[{week: 2, type: set, key: organizing.meeting_interval, value: [0]}]"})
                .find("key 'timeline.0.value': value 0 is out of range [1, 1000] (the range of 'organizing.meeting_interval')"),
            std::string::npos);
  EXPECT_NE(error({"timeline=[{week: 2, type: set, key: tactics.max_level, value: [2.5]}]"}).find("expected an integer, got 2.5"),
            std::string::npos);
  EXPECT_NE(error({"timeline=[{week: 3, type: set, key: tactics.nothing, value: [1]}]"}).find("timeline.0.key"),
            std::string::npos);
  EXPECT_NE(error({"workers.profile=[0.5, 0.2, 0.2]"}).find("workers.profile"), std::string::npos);
  const std::string typo = error({"tactics.patiense=3"});
  EXPECT_NE(typo.find("did you mean 'patience'"), std::string::npos) << typo;
  const std::string line = error({"neighbourhoods.0.exposure_factor=[1]"});
  EXPECT_NE(line.find("neighbourhoods.0.exposure_factor"), std::string::npos) << line;
}

TEST_F(Organizing, GroupShareErrorsPointAtTheLine) {
  const std::string text = bare_town(100, "") ;
  std::string bad = text;
  bad.replace(bad.find("group_shares: [1]"), 17, "group_shares: [0.4]");
  try {
    const Config cfg = load_scenario_text(bad, "town.yaml");
    Simulation sim(cfg, 0, std::make_shared<Parallel>(1));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.where().file, "town.yaml");
    EXPECT_EQ(e.where().line, 6) << e.what();  // the neighbourhoods line of bare_town()
    EXPECT_EQ(e.key(), "neighbourhoods.0.group_shares");
  }
}

TEST_F(Organizing, ShockShorthandHitsOnlyItsNeighbourhoodAndIssue) {
  // {week: 5, issue: pollution, neighbourhood: plant, hardship: 0.2}: hardship
  // jumps by 0.2 × exposure × (1 − safety_net) there, and nowhere else
  const std::vector<std::string> base{"replicates=1", "steps=5", "strategy=casework"};
  auto with = base, without = base;
  with.push_back("timeline=[{week: 5, issue: pollution, neighbourhood: plant, hardship: 0.2}]");
  without.push_back("timeline=[]");
  auto a = make(load_scenario(kDefault, with)), z = make(load_scenario(kDefault, without));
  a->run();
  z->run();
  const auto& m = model(*a);
  const auto& ref = model(*z);
  const auto& cols = a->model().columns();
  const auto* nb = static_cast<const std::uint32_t*>(cols[0].data);
  const auto* grp = static_cast<const std::uint8_t*>(cols[1].data);
  const double expo_factor[3] = {0.30, 0.30, 0.40};  // pollution exposure of the three groups (default town)
  for (std::uint32_t i = 0; i < m.residents(); ++i) {
    EXPECT_EQ(m.hardship(0)[i], ref.hardship(0)[i]);  // housing untouched
    if (nb[i] == 2) {
      const double expected = std::min(1.0, ref.hardship(1)[i] + 0.2 * expo_factor[grp[i]] * 1.5 * (1 - 0.2));
      ASSERT_NEAR(m.hardship(1)[i], expected, 1e-12);
    } else {
      ASSERT_EQ(m.hardship(1)[i], ref.hardship(1)[i]);
    }
  }
}

TEST_F(Organizing, SubsidyCutHitsTheWorkersAnInstitutionFundsAndLasts) {
  // the municipality funds the estate only; a cut of 0.5 at week 3 is a budget
  // decision: those workers stay at 1 − 0.5 × d to the end (polder draws no
  // sanctions, so nothing else moves their funding), the others at 1
  const Config cfg = load_scenario(kDefault, {"replicates=1", "steps=60", "strategy=polder",
                                              "institutions.0.funds=[estate]", "workers.funding_dependence=0.8",
                                              "timeline=[{week: 3, type: subsidy_cut, institution: municipality, size: 0.5}]"});
  auto sim = make(cfg);
  sim->run();
  const auto& m = model(*sim);
  ASSERT_EQ(m.workers(), 8u);
  for (std::size_t w = 0; w < m.workers(); ++w)
    EXPECT_NEAR(m.worker_funding(w), w < 2 ? 1 - 0.5 * 0.8 : 1.0, 1e-12) << w;
  // visible in the final week's table
  EXPECT_NEAR(series(*sim, "worker_funding_min").back(), 1 - 0.5 * 0.8, 1e-12);
  // a cut that says it recovers comes back at its rate: 0.01 a week in weeks 3..30 (the week of the cut included)
  const Config back = load_scenario(
      kDefault, {"replicates=1", "steps=30", "strategy=polder", "institutions.0.funds=[estate]",
                 "workers.funding_dependence=0.8",
                 "timeline=[{week: 3, type: subsidy_cut, institution: municipality, size: 0.5, recovery: 0.01}]"});
  auto rec = make(back);
  rec->run();
  EXPECT_NEAR(model(*rec).worker_funding(0), 1 - 0.4 + 0.01 * (30 - 3 + 1), 1e-9);
}

TEST_F(Organizing, SlipsOfAnAnalystAreErrorsOrWarnings) {
  auto error = [](const std::vector<std::string>& sets) -> std::string {
    try {
      Simulation sim(load_scenario(kDefault, sets), 0, std::make_shared<Parallel>(1));
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  auto warnings = [](const std::vector<std::string>& sets) {
    std::string all;
    for (const auto& w : scenario_warnings(load_scenario(kDefault, sets))) all += w + "\n";
    return all;
  };
  // a cut written as a percentage
  EXPECT_NE(error({"timeline=[{week: 3, type: subsidy_cut, size: 30}]"}).find("(for 30 % write 0.3)"),
            std::string::npos);
  // a Dutch thousands dot
  EXPECT_NE(error({"neighbourhoods.0.size=12.000"}).find("looks like a number with a thousands separator"),
            std::string::npos);
  // two funders of one neighbourhood
  EXPECT_NE(error({"institutions.1.funds=[estate]"}).find("both fund 'estate'"), std::string::npos);
  EXPECT_EQ(warnings({}), "");  // the default town is clean
  // a cut on an institution that pays nobody, and one with no funds at all
  EXPECT_NE(warnings({"timeline=[{week: 3, type: subsidy_cut, institution: company, size: 0.3}]"})
                .find("key 'timeline.0.institution': this subsidy cut changes nothing: 'company' pays no social "
                      "workers (its `funds` is empty)"),
            std::string::npos);
  EXPECT_NE(warnings({"institutions.0.funds=[]", "timeline=[{week: 3, type: subsidy_cut, size: 0.3}]"})
                .find("no institution pays social workers"),
            std::string::npos);
  // an event after the last week
  EXPECT_NE(warnings({"steps=50"}).find("key 'timeline.1.week': week 60 is after the last week (50): this event "
                                        "never happens"),
            std::string::npos);
  // a neighbourhood far smaller than the others
  EXPECT_NE(warnings({"neighbourhoods.3.size=12"}).find("12 residents, far fewer than the other neighbourhoods"),
            std::string::npos);
}
