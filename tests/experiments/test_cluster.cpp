// The job-sharing protocol of run_experiment (cluster.hpp) with an in-process
// Cluster: ranks are threads exchanging messages through queues. The MPI
// transport itself is tested with mpirun in tests/mpi.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "models.hpp"
#include "tegenmacht/error.hpp"
#include "tegenmacht/experiments/analysis.hpp"
#include "tegenmacht/experiments/cluster.hpp"
#include "tegenmacht/model.hpp"
#include "tegenmacht/recorder.hpp"
#include "tegenmacht/registry.hpp"

namespace ex = tegenmacht::experiments;
namespace tg = tegenmacht;
namespace fs = std::filesystem;

namespace {

/// Messages and collectives between threads.
struct Hub {
  explicit Hub(int n) : size(n) {}
  int size;
  std::mutex m;
  std::condition_variable cv;
  struct Msg {
    int from, tag;
    std::vector<unsigned char> data;
  };
  std::map<int, std::deque<Msg>> inbox;
  int arrived = 0;
  long generation = 0;
  bool acc = true, result = true;
  std::int64_t value = 0, shared = 0;
};

class ThreadCluster : public ex::Cluster {
 public:
  ThreadCluster(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.size; }
  bool all_ok(bool ok) override {
    std::unique_lock<std::mutex> l(hub_.m);
    hub_.acc = hub_.acc && ok;
    collective(l, [&] {
      hub_.result = hub_.acc;
      hub_.acc = true;
    });
    return hub_.result;
  }
  std::int64_t broadcast(std::int64_t v) override {
    std::unique_lock<std::mutex> l(hub_.m);
    if (rank_ == 0) hub_.value = v;
    collective(l, [&] { hub_.shared = hub_.value; });
    return hub_.shared;
  }
  void send(int to, int tag, const std::vector<unsigned char>& data) override {
    std::lock_guard<std::mutex> l(hub_.m);
    hub_.inbox[to].push_back({rank_, tag, data});
    hub_.cv.notify_all();
  }
  bool poll(int& from, int& tag, std::vector<unsigned char>& data) override {
    std::lock_guard<std::mutex> l(hub_.m);
    auto& q = hub_.inbox[rank_];
    if (q.empty()) return false;
    from = q.front().from;
    tag = q.front().tag;
    data = std::move(q.front().data);
    q.pop_front();
    return true;
  }
  void receive(int from, int& tag, std::vector<unsigned char>& data) override {
    std::unique_lock<std::mutex> l(hub_.m);
    auto& q = hub_.inbox[rank_];
    for (;;) {
      for (auto it = q.begin(); it != q.end(); ++it)
        if (it->from == from) {
          tag = it->tag;
          data = std::move(it->data);
          q.erase(it);
          return;
        }
      hub_.cv.wait(l);
    }
  }

 private:
  template <class F>
  void collective(std::unique_lock<std::mutex>& l, F last) {
    const long gen = hub_.generation;
    if (++hub_.arrived == hub_.size) {
      last();
      hub_.arrived = 0;
      ++hub_.generation;
      hub_.cv.notify_all();
    } else {
      hub_.cv.wait(l, [&] { return hub_.generation != gen; });
    }
  }
  Hub& hub_;
  int rank_;
};

/// y = x + replicate; the replicate `fail` throws in its first step.
class FailingModel : public tg::Model {
 public:
  void init(const tg::Config& c, const tg::Rng& rng, tg::Parallel&) override {
    r_ = rng.replicate();
    x_ = c.get_double("failing.x");
    fail_ = c.get_int("failing.fail");
  }
  void declare(tg::Recorder& rec) override { m_ = rec.scalar("y", "", "x + replicate"); }
  void step(const tg::StepContext&) override {
    if (static_cast<long long>(r_) == fail_) throw tg::Error("replicate " + std::to_string(r_) + " fails by design");
  }
  void observe(tg::Recorder& rec) override { rec.set(m_, x_ + r_); }

 private:
  std::uint32_t r_ = 0;
  double x_ = 0;
  long long fail_ = -1;
  tg::Recorder::Id m_ = 0;
};

void register_failing() {
  tg::ModelInfo info{"failing", "a test model whose chosen replicate throws",
                     [](tg::Schema& s) {
                       auto& f = s.section("failing", "test");
                       f.add_double("x", 0, -1e9, 1e9, "value");
                       f.add_int("fail", -1, -1, 1000, "replicate that throws (-1: none)");
                     },
                     [] { return std::make_unique<FailingModel>(); }};
  tg::Registry::instance().add(std::move(info));
}

struct ClusterRun : ::testing::Test {
  void SetUp() override {
    tg::register_builtin_models();
    register_failing();
    dir = fs::temp_directory_path() / ("tgm_cluster_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
    std::ofstream(dir / "s.yaml") << "model: failing\nsteps: 3\nreplicates: 1\nseed: 1\nfailing: {x: 0, fail: -1}\n";
  }
  void TearDown() override { fs::remove_all(dir); }
  /// Runs `text` on `ranks` threads; returns rank 0's report and each rank's exception (or null).
  std::pair<ex::RunReport, std::vector<std::exception_ptr>> run(const std::string& text, int ranks,
                                                                const std::string& out) {
    std::ofstream(dir / "e.yaml") << text;
    const auto e = ex::Experiment::load((dir / "e.yaml").string());
    Hub hub(ranks);
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(ranks));
    ex::RunReport rep;
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r)
      threads.emplace_back([&, r] {
        ThreadCluster c(hub, r);
        ex::RunOptions o;
        o.output = (dir / out).string();
        o.cluster = &c;
        try {
          auto report = ex::run_experiment(e, std::make_shared<tg::Parallel>(1), o);
          if (r == 0) rep = report;
        } catch (...) {
          errors[static_cast<std::size_t>(r)] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    return {rep, errors};
  }
  fs::path dir;
};

}  // namespace

TEST_F(ClusterRun, ThreeRanksWriteTheSameFileAsOne) {
  const std::string text = "scenario: s.yaml\nreplicates: 5\nfactors: [{key: failing.x, values: [0, 10, 20, 30]}]\n"
                           "record: all\n";
  const auto one = run(text, 1, "one.h5");
  const auto three = run(text, 3, "three.h5");
  for (const auto& e : three.second) EXPECT_FALSE(e);
  ASSERT_TRUE(three.first.complete);
  EXPECT_EQ(three.first.jobs_run, 20u);
  const auto a = ex::read_outcomes(one.first.path), b = ex::read_outcomes(three.first.path);
  ASSERT_EQ(a.values, b.values);
  // y = x + replicate: the values are where they belong, whichever rank ran them
  for (std::size_t p = 0; p < 4; ++p)
    for (std::size_t r = 0; r < 5; ++r) EXPECT_EQ(b.at(0, p, 0, r), 10.0 * static_cast<double>(p) + static_cast<double>(r));
}

TEST_F(ClusterRun, AJobErrorOnAnyRankStopsEveryRankAndIsReportedByRankZero) {
  const std::string text = "scenario: s.yaml\nreplicates: 5\nset: {failing.fail: 3}\n"
                           "factors: [{key: failing.x, values: [0, 10, 20, 30]}]\n";
  const auto res = run(text, 3, "f.h5");
  ASSERT_TRUE(res.second[0]);
  try {
    std::rethrow_exception(res.second[0]);
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find("replicate 3 fails by design"), std::string::npos) << e.what();
  }
  for (int r = 1; r < 3; ++r) {  // the other ranks stop quietly, with rank 0's verdict
    ASSERT_TRUE(res.second[static_cast<std::size_t>(r)]) << r;
    try {
      std::rethrow_exception(res.second[static_cast<std::size_t>(r)]);
    } catch (const ex::ClusterStopped& s) {
      EXPECT_EQ(s.code(), 2);
    } catch (...) {
      ADD_FAILURE() << "rank " << r << " ended with another exception";
    }
  }
}

TEST_F(ClusterRun, AnUnwritableOutputReleasesTheOtherRanks) {
  const std::string text = "scenario: s.yaml\nreplicates: 2\n";
  const auto res = run(text, 2, "no/such/folder/x.h5");
  ASSERT_TRUE(res.second[0]);
  ASSERT_TRUE(res.second[1]);
  try {
    std::rethrow_exception(res.second[1]);
  } catch (const ex::ClusterStopped& s) {
    EXPECT_EQ(s.code(), 2);
  }
}

TEST_F(ClusterRun, ABranchedExperimentOnThreeRanksEqualsOneProcess) {
  // one process shares each burn-in among the arms; other ranks run their own: the same numbers
  const std::string text = "scenario: " + std::string(TEGENMACHT_SOURCE_DIR) +
                           "/scenarios/independence_dilemma.yaml\nsteps: 16\nreplicates: 2\n"
                           "set: {neighbourhoods.0.size: 800, neighbourhoods.1.size: 800}\n"
                           "arms: {key: strategy, values: [polder, alinsky]}\nbranch: {at: 8}\n";
  const auto one = run(text, 1, "one.h5");
  const auto three = run(text, 3, "three.h5");
  for (const auto& e : three.second) EXPECT_FALSE(e);
  ASSERT_TRUE(one.first.complete && three.first.complete);
  const auto a = ex::read_outcomes(one.first.path), b = ex::read_outcomes(three.first.path);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (std::size_t o = 0; o < a.values.size(); ++o)
    for (std::size_t j = 0; j < a.values[o].size(); ++j)
      EXPECT_EQ(std::memcmp(&a.values[o][j], &b.values[o][j], sizeof(double)), 0) << a.names[o] << " job " << j;
}
