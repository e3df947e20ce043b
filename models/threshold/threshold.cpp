#include "threshold/threshold.hpp"

#include <algorithm>
#include <cmath>

#include "tegenmacht/network_config.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/state.hpp"
#include "tegenmacht/stats.hpp"

namespace tegenmacht::models {

namespace {
enum : std::uint32_t { kPurposeThreshold = kPurposeModelBase, kPurposeSeed };
constexpr std::size_t kBlock = 8192;
}  // namespace

void ThresholdModel::declare_schema(Schema& s) {
  s.add_int("population", 100, 1, 4294967295.0, "number of agents");
  declare_network_schema(s.section("network", "contact network (complete: Granovetter's crowd)"));
  auto& t = s.section("thresholds", "how thresholds are assigned");
  t.add_choice("distribution", "normal", {"normal", "uniform", "empirical"}, "threshold distribution");
  t.add_double("mean", 25, -1e12, 1e12, "normal: mean");
  t.add_double("sd", 10, 0, 1e12, "normal: standard deviation");
  t.add_double("low", 0, -1e12, 1e12, "uniform: lower bound");
  t.add_double("high", 1, -1e12, 1e12, "uniform: upper bound");
  t.add_doubles("values", {}, -1e12, 1e12, "empirical: one threshold per agent, in agent order");
  t.add_choice("sampling", "random", {"random", "quantile"},
               "random: independent draws; quantile: agent i gets F^-1((i + 0.5) / N), so the empirical CDF "
               "matches the distribution as closely as N people can");
  t.add_choice("unit", "count", {"count", "fraction"},
               "count: number of active neighbours (Granovetter, Centola–Macy); fraction: share of neighbours (Watts)");
  t.add_choice("discretise", "none", {"none", "round"}, "round thresholds to the nearest integer (count unit)");
  auto& seed = s.section("seeding", "who is active at step 0");
  seed.add_choice("mode", "none", {"none", "random", "node_and_neighbours"},
                  "none: nobody; random: `count` random agents; node_and_neighbours: one node and all its "
                  "neighbours (Centola & Macy)");
  seed.add_int("count", 0, 0, 4294967295.0, "random: number of seed agents");
  seed.add_int("node", -1, -1, 4294967295.0, "node_and_neighbours: the focal node (-1: a random node)");
  s.add_bool("persistent", true, "once active, stay active (Granovetter's cascade); false: re-decide every step");
}

void ThresholdModel::init(const Config& cfg, const Rng& rng, Parallel&) {
  n_ = static_cast<std::uint32_t>(cfg.get_int("population"));
  net_ = network_from_config(cfg, "network", n_, rng);
  fraction_ = cfg.get_string("thresholds.unit") == "fraction";
  persistent_ = cfg.get_bool("persistent");

  const std::string dist = cfg.get_string("thresholds.distribution");
  const bool quantile = cfg.get_string("thresholds.sampling") == "quantile";
  theta_.resize(n_);
  if (dist == "empirical") {
    theta_ = cfg.get_doubles("thresholds.values");
    if (theta_.size() != n_)
      cfg.fail("thresholds.values", "has " + std::to_string(theta_.size()) + " values but population is " +
                                        std::to_string(n_));
  } else {
    const double mean = cfg.get_double("thresholds.mean"), sd = cfg.get_double("thresholds.sd");
    const double lo = cfg.get_double("thresholds.low"), hi = cfg.get_double("thresholds.high");
    if (dist == "uniform" && hi < lo) cfg.fail("thresholds.high", "must be >= thresholds.low");
    for (std::uint32_t i = 0; i < n_; ++i) {
      double u;
      if (quantile) {
        u = (i + 0.5) / n_;
      } else {
        auto st = rng.stream(kInitStep, i, kPurposeThreshold);
        u = st.uniform_pos();
      }
      theta_[i] = dist == "normal" ? mean + sd * normal_quantile(u) : lo + (hi - lo) * u;
    }
  }
  if (cfg.get_string("thresholds.discretise") == "round")
    for (double& t : theta_) t = std::round(t);

  active_.assign(n_, 0);
  auto& a = active_.cur();
  const std::string mode = cfg.get_string("seeding.mode");
  auto st = rng.stream(kInitStep, 0, kPurposeSeed);
  if (mode == "random") {
    const auto k = static_cast<std::uint32_t>(cfg.get_int("seeding.count"));
    if (k > n_) cfg.fail("seeding.count", "exceeds the population (" + std::to_string(n_) + ")");
    std::vector<std::uint32_t> chosen(k);
    choose_k(st, n_, k, chosen.data());
    for (auto i : chosen) a[i] = 1;
  } else if (mode == "node_and_neighbours") {
    std::int64_t node = cfg.get_int("seeding.node");
    if (node >= static_cast<std::int64_t>(n_)) cfg.fail("seeding.node", "is not a node (population " + std::to_string(n_) + ")");
    if (node < 0) node = st.below(n_);
    const auto f = static_cast<std::uint32_t>(node);
    a[f] = 1;
    net_.for_each_neighbour(f, [&](std::uint32_t j) { a[j] = 1; });
  }
  active_.nxt() = a;
  active_count_ = static_cast<std::uint32_t>(std::count(a.begin(), a.end(), std::uint8_t{1}));
  new_active_ = active_count_;
}

void ThresholdModel::declare(Recorder& rec) {
  m_active_ = rec.scalar("active", "share", "share of agents active");
  m_count_ = rec.scalar("active_count", "agents", "number of agents active");
  m_new_ = rec.scalar("new_active", "agents", "agents that became active this step");
}

void ThresholdModel::step(const StepContext& ctx) {
  const auto& cur = active_.cur();
  auto& nxt = active_.nxt();
  const double total = active_count_;
  const bool complete = net_.is_complete();
  const double joined = ctx.parallel.sum(n_, kBlock, [&](std::size_t b, std::size_t e) {
    double local_joined = 0;
    for (std::size_t i = b; i < e; ++i) {
      const auto ii = static_cast<std::uint32_t>(i);
      if (persistent_ && cur[i]) {
        nxt[i] = 1;
        continue;
      }
      double count;
      double degree;
      if (complete) {
        count = total - cur[i];
        degree = n_ - 1.0;
      } else {
        std::uint32_t c = 0;
        for (std::uint32_t j : net_.neighbours(ii)) c += cur[j];
        count = c;
        degree = net_.degree(ii);
      }
      const double x = fraction_ ? (degree > 0 ? count / degree : 0.0) : count;
      const std::uint8_t on = x >= theta_[i] ? 1 : 0;
      nxt[i] = on;
      local_joined += (on && !cur[i]) ? 1.0 : 0.0;
    }
    return local_joined;
  });
  active_.swap();
  const auto& a = active_.cur();
  active_count_ = static_cast<std::uint32_t>(
      ctx.parallel.sum(n_, kBlock, [&](std::size_t b, std::size_t e) {
        std::uint32_t c = 0;
        for (std::size_t i = b; i < e; ++i) c += a[i];
        return static_cast<double>(c);
      }));
  new_active_ = static_cast<std::uint32_t>(joined);
}

void ThresholdModel::observe(Recorder& rec) {
  rec.set(m_active_, n_ ? static_cast<double>(active_count_) / n_ : 0.0);
  rec.set(m_count_, active_count_);
  rec.set(m_new_, new_active_);
}

std::vector<ColumnView> ThresholdModel::columns() const {
  return {{"threshold", ColumnView::Type::F64, theta_.data(), theta_.size(), "threshold"},
          {"active", ColumnView::Type::U8, active_.cur().data(), n_, "1 if active"}};
}

double granovetter_equilibrium(const std::function<double(double)>& cdf, double n, double r0, int max_iterations) {
  double r = r0;
  for (int it = 0; it < max_iterations; ++it) {
    const double next = n * cdf(r);
    if (std::abs(next - r) < 1e-12) return next;
    r = next;
  }
  return r;
}

void register_threshold_model() {
  ModelInfo info{"threshold", "Granovetter / Watts / Centola–Macy threshold contagion",
                 ThresholdModel::declare_schema, [] { return std::make_unique<ThresholdModel>(); }};
  // peak bytes to build one replicate: about 16 per agent for its columns, and the
  // network (8 per link end; tests/cli/test_bad_input.cpp checks the estimate)
  info.memory_estimate = [](const Config& c) {
    const double n = static_cast<double>(c.get_int("population"));
    return 16.0 * n + network_bytes_estimate(c, "network", n);
  };
  Registry::instance().add(std::move(info));
}

void ThresholdModel::state(State& s) {
  s.add("thresholds", theta_).add("active", active_).add("active_count", active_count_).add("new_active", new_active_);
}

}  // namespace tegenmacht::models
