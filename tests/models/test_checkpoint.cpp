// State as data: a checkpoint taken at any step and restored (in memory, from
// a file, with another thread count, as a fork) continues bit for bit like the
// run that never stopped, for every model; bad checkpoints are refused with a
// message; run-time changes are checked like the scenario; one preset rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "models.hpp"
#include "organizing/organizing.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"
#include "tegenmacht/state.hpp"

using namespace tegenmacht;

namespace {
const std::string kSrc = TEGENMACHT_SOURCE_DIR;

struct Checkpoints : ::testing::Test {
  void SetUp() override { register_builtin_models(); }
};

std::shared_ptr<Parallel> pool(int threads) { return std::make_shared<Parallel>(threads); }

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tegenmacht_ckpt_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// every recorded value and snapshot, compared as bytes (NaN equals NaN)
void expect_identical(const Simulation& a, const Simulation& b, const std::string& what) {
  ASSERT_EQ(a.current_step(), b.current_step()) << what;
  ASSERT_EQ(a.recorder().rows(), b.recorder().rows()) << what;
  const auto& sa = a.recorder().series();
  const auto& sb = b.recorder().series();
  ASSERT_EQ(sa.size(), sb.size()) << what;
  for (std::size_t i = 0; i < sa.size(); ++i) {
    ASSERT_EQ(sa[i].name, sb[i].name) << what;
    ASSERT_EQ(sa[i].data.size(), sb[i].data.size()) << what << ": " << sa[i].name;
    EXPECT_EQ(0, std::memcmp(sa[i].data.data(), sb[i].data.data(), sa[i].data.size() * sizeof(double)))
        << what << ": metric " << sa[i].name << " differs";
  }
  const auto& na = a.recorder().snapshots();
  const auto& nb = b.recorder().snapshots();
  ASSERT_EQ(na.size(), nb.size()) << what;
  for (std::size_t k = 0; k < na.size(); ++k) {
    EXPECT_EQ(na[k].step, nb[k].step) << what;
    EXPECT_EQ(na[k].columns, nb[k].columns) << what << ": snapshot " << k;
  }
}

struct Case {
  std::string scenario;
  std::vector<std::string> overrides;
};

// every model, with snapshots so that they are part of the round trip
const std::vector<Case> kCases{
    {"default.yaml", {"steps=40", "output.snapshot_every=10"}},
    {"independence_dilemma.yaml", {"steps=30"}},
    {"reference/epstein_run1.yaml", {"steps=40", "output.snapshot_every=20"}},
    {"reference/epstein_run2_closest.yaml", {"steps=40", "jail.keep_site=true", "cops.move_to_arrest=false",
                                             "rule_order=act_then_move"}},
    {"reference/schelling_large.yaml", {"steps=12", "output.snapshot_every=4"}},
    {"reference/granovetter_normal.yaml", {"steps=20"}},
    {"reference/centola_macy_ring.yaml", {"steps=30", "output.snapshot_every=5"}},
    {"reference/deffuant.yaml", {"steps=30"}},
    {"reference/hegselmann_krause.yaml", {"steps=12"}},
    {"ishigami.yaml", {"steps=3"}},
    {"sobol_g.yaml", {"steps=3"}},
};

}  // namespace

TEST_F(Checkpoints, EveryModelContinuesBitForBitFromAnyStep) {
  for (const Case& c : kCases) {
    const Config cfg = load_scenario(kSrc + "/scenarios/" + c.scenario, c.overrides);
    Simulation whole(cfg, 1, pool(2));
    whole.run();
    const std::uint32_t T = whole.total_steps();
    for (std::uint32_t t : {0u, 1u, T / 2, T}) {
      const std::string what = c.scenario + " at step " + std::to_string(t);
      Simulation first(cfg, 1, pool(2));
      first.step(t);
      const Checkpoint ck = first.checkpoint();
      EXPECT_EQ(ck.step, t);
      // in memory, on one thread instead of two
      Simulation again = Simulation::restore(ck, pool(1));
      again.run();
      expect_identical(whole, again, what + " (memory, 1 thread)");
      // through a file
      const std::string path = tmp("roundtrip.h5");
      write_checkpoint(path, ck);
      Simulation from_file = Simulation::restore(read_checkpoint(path), pool(2), 0, path);
      std::remove(path.c_str());
      from_file.run();
      expect_identical(whole, from_file, what + " (file)");
      // the original goes on too, untouched by the checkpoint
      first.run();
      expect_identical(whole, first, what + " (original)");
    }
  }
}

TEST_F(Checkpoints, AForkIsIndependentAndOnTheSameStreams) {
  const Config cfg = load_scenario(kSrc + "/scenarios/default.yaml", {"steps=30"});
  Simulation whole(cfg, 0, pool(2));
  whole.run();
  Simulation sim(cfg, 0, pool(2));
  sim.step(10);
  Simulation copy = sim.fork();
  copy.step(5);               // the copy moves ahead; the original stays at week 10
  EXPECT_EQ(sim.current_step(), 10u);
  EXPECT_EQ(copy.current_step(), 15u);
  sim.run();
  copy.run();
  expect_identical(whole, sim, "original");
  expect_identical(whole, copy, "fork");
}

TEST_F(Checkpoints, RestoreWithMoreSteps) {
  const Config cfg = load_scenario(kSrc + "/scenarios/reference/deffuant.yaml", {"steps=40"});
  Simulation whole(cfg, 0, pool(1));
  whole.run();
  const Config shorter = load_scenario(kSrc + "/scenarios/reference/deffuant.yaml", {"steps=25"});
  Simulation sim(shorter, 0, pool(1));
  sim.run();
  Simulation longer = Simulation::restore(sim.checkpoint(), pool(1), 40);
  EXPECT_EQ(longer.total_steps(), 40u);
  longer.run();
  expect_identical(whole, longer, "25 steps, then 15 more");
  EXPECT_THROW(Simulation::restore(sim.checkpoint(), pool(1), 10), ArgumentError);  // fewer than done
}

TEST_F(Checkpoints, BadCheckpointsAreRefusedWithAMessage) {
  const Config cfg = load_scenario(kSrc + "/scenarios/reference/deffuant.yaml", {"steps=10"});
  Simulation sim(cfg, 0, pool(1));
  sim.step(5);
  const Checkpoint good = sim.checkpoint();
  auto message = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  // a field of another model
  Checkpoint other = good;
  other.state.front().name = "residents/nothing";
  EXPECT_NE(message([&] { Simulation::restore(other, pool(1), 0, "x.h5"); }).find("has no state field"),
            std::string::npos);
  // a field of another type
  Checkpoint typed = good;
  typed.state.front().type = StateType::U32;
  typed.state.front().elem_size = 4;
  EXPECT_NE(message([&] { Simulation::restore(typed, pool(1), 0, "x.h5"); }).find("holds u32"), std::string::npos);
  // a model name that does not match its scenario
  Checkpoint renamed = good;
  renamed.model = "threshold";
  EXPECT_NE(message([&] { Simulation::restore(renamed, pool(1), 0, "x.h5"); }).find("model 'threshold'"),
            std::string::npos);

  const std::string path = tmp("bad.h5");
  // a newer format
  Checkpoint newer = good;
  newer.format = kCheckpointFormat + 1;
  write_checkpoint(path, newer);
  EXPECT_NE(message([&] { read_checkpoint(path); }).find("use a newer tegenmacht"), std::string::npos);
  // truncated
  write_checkpoint(path, good);
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  const std::string truncated = message([&] { read_checkpoint(path); });
  EXPECT_NE(truncated.find(path), std::string::npos) << truncated;
  EXPECT_EQ(truncated.find("no error"), std::string::npos);
  // not a checkpoint at all
  { std::ofstream(path) << "model: threshold\n"; }
  EXPECT_NE(message([&] { read_checkpoint(path); }).find("not an HDF5 file"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_NE(message([&] { read_checkpoint(path); }).find("no such checkpoint file"), std::string::npos);
}

TEST_F(Checkpoints, RunTimeChangesAreCheckedLikeTheScenario) {
  const Config cfg = load_scenario(kSrc + "/scenarios/default.yaml", {"steps=10"});
  Simulation sim(cfg, 0, pool(1));
  sim.step(2);
  auto message = [&](const std::string& key, const std::string& value) -> std::string {
    try {
      sim.set(key, value, {"--set", 0, 0});
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  // the inputs that once crashed or hung a run, now refused at the call
  EXPECT_NE(message("organizing.meeting_interval", "0").find("out of range [1, 1000]"), std::string::npos);
  EXPECT_NE(message("tactics.patience", "0").find("out of range"), std::string::npos);
  EXPECT_NE(message("residents.invite", "5").find("out of range [0, 1]"), std::string::npos);
  EXPECT_NE(message("workers.case_sample", "1e12").find("out of range"), std::string::npos);
  EXPECT_NE(message("tactics.max_level", "2.5").find("expected an integer"), std::string::npos);
  EXPECT_NE(message("workers.profile", "[0.5, 0.5, 0.5]").find("must sum to 1"), std::string::npos);
  EXPECT_NE(message("strategy", "alinksy").find("alinsky"), std::string::npos);
  const std::string unknown = message("population", "5");
  EXPECT_NE(unknown.find("cannot be changed during a run"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("tactics.patience"), std::string::npos) << unknown;  // the list of what can
  EXPECT_TRUE(sim.changes().empty());
  const auto& m = dynamic_cast<const models::OrganizingModel&>(sim.model());
  sim.set("tactics.patience", "3");
  EXPECT_EQ(m.params().patience, 3.0);
  ASSERT_EQ(sim.changes().size(), 1u);
  EXPECT_EQ(sim.changes()[0], "2: tactics.patience=3");
  // a model without run-time parameters says so
  Simulation crowd(load_scenario(kSrc + "/scenarios/reference/granovetter_normal.yaml"), 0, pool(1));
  try {
    crowd.set("population", "5");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("has no parameters that can change during a run"), std::string::npos);
  }
}

TEST_F(Checkpoints, OnePresetRuleAtLoadTimeAndDuringTheRun) {
  using models::OrganizingModel;
  auto max_level_after = [](const std::vector<std::string>& sets) {
    std::vector<std::string> all{"steps=8", "strategy=polder", "timeline=[{week: 5, type: strategy, strategy: alinsky}]"};
    all.insert(all.end(), sets.begin(), sets.end());
    Simulation sim(load_scenario(kSrc + "/scenarios/default.yaml", all), 0, pool(1));
    sim.run();
    return dynamic_cast<const OrganizingModel&>(sim.model()).params().max_level;
  };
  // the preset filled max_level: the switch fills it with Alinsky's
  EXPECT_EQ(max_level_after({}), 4.0);
  // the scenario set it: the switch leaves it, as the preset did at load time
  EXPECT_EQ(max_level_after({"tactics.max_level=1"}), 1.0);
  // the same through Simulation::set, and a run-time change counts as the scenario's
  Simulation sim(load_scenario(kSrc + "/scenarios/default.yaml", {"steps=8", "strategy=polder"}), 0, pool(1));
  const auto& m = dynamic_cast<const OrganizingModel&>(sim.model());
  sim.set("strategy", "alinsky");
  EXPECT_EQ(m.params().max_level, 4.0);
  EXPECT_EQ(m.params().profile[1], 1.0);
  sim.set("tactics.max_level", "2");
  sim.set("strategy", "coalition");
  EXPECT_EQ(m.params().max_level, 2.0);      // kept: set during the run
  EXPECT_EQ(m.params().profile[2], 0.5);     // filled by the coalition preset
  // and the rule survives a checkpoint
  Simulation restored = Simulation::restore(sim.checkpoint(), pool(1));
  restored.set("strategy", "alinsky");
  EXPECT_EQ(dynamic_cast<const OrganizingModel&>(restored.model()).params().max_level, 2.0);
}

TEST_F(Checkpoints, EveryRunTimeParameterIsCheckedAgainstItsOneDeclaration) {
  using models::OrganizingModel;
  Simulation sim(load_scenario(kSrc + "/scenarios/default.yaml", {"steps=4"}), 0, pool(1));
  const auto settable = sim.model().settable();
  std::size_t checked = 0;
  for (const auto& p : OrganizingModel::parameters()) {
    const std::string key = std::string(p.section) + "." + p.name;
    const bool listed = std::find(settable.begin(), settable.end(), key) != settable.end();
    EXPECT_EQ(listed, p.offset >= 0) << key;  // what the table binds is what a run may change
    if (p.offset < 0) continue;
    auto value = [&](double v) {
      if (p.kind != OrganizingModel::ParamSpec::kList) return format_double(v);
      std::string list = "[";
      for (std::size_t i = 0; i < p.size; ++i) list += (i ? ", " : "") + format_double(v);
      return list + "]";
    };
    auto refused = [&](double v) {
      try {
        sim.set(key, value(v));
      } catch (const ConfigError& e) {
        return std::string(e.what()).find(key) != std::string::npos;
      }
      return false;
    };
    // just outside the declared range, on both sides (a range that is open on one side is skipped there)
    if (p.min > -1e12) EXPECT_TRUE(refused(p.min - std::max(1.0, std::abs(p.min)))) << key;
    if (p.max < 1e12) EXPECT_TRUE(refused(p.max + std::max(1.0, std::abs(p.max)))) << key;
    if (p.kind == OrganizingModel::ParamSpec::kInt) EXPECT_TRUE(refused(p.min + 0.5)) << key;
    ++checked;
  }
  EXPECT_GE(checked, 60u);
  EXPECT_TRUE(sim.changes().empty());  // nothing refused was applied
  sim.run();                             // and the run is unharmed
}
