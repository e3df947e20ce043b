// A user's model (a random walk of savings with a weekly shock) built from the
// installed headers only: it declares its state, so checkpoints work.
#include <cstdio>
#include <cstring>

#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"
#include "tegenmacht/state.hpp"

namespace tg = tegenmacht;

class Savings final : public tg::Model {
 public:
  static void declare_schema(tg::Schema& s) {
    s.add_int("households", 1000, 1, 1e7, "households");
    s.add_double("shock", 0.1, 0, 1, "weekly chance of a shock");
  }
  void init(const tg::Config& c, const tg::Rng&, tg::Parallel&) override {
    savings_.assign(static_cast<std::size_t>(c.get_int("households")), 1.0);
    shock_ = c.get_double("shock");
  }
  void declare(tg::Recorder& r) override { m_ = r.scalar("mean_savings", "euro", "mean savings"); }
  void step(const tg::StepContext& ctx) override {
    for (std::uint32_t i = 0; i < savings_.size(); ++i) {
      auto s = ctx.rng.stream(ctx.step, i, tg::kPurposeModelBase);
      savings_[i] = savings_[i] * 1.01 - (s.uniform() < shock_ ? 0.5 * savings_[i] : 0.0);
    }
    ++weeks_;
  }
  void observe(tg::Recorder& r) override {
    double sum = 0;
    for (double v : savings_) sum += v;
    r.set(m_, sum / static_cast<double>(savings_.size()));
  }
  void state(tg::State& s) override { s.add("savings", savings_).add("weeks", weeks_); }
  std::vector<std::string> settable() const override { return {"shock"}; }
  void set(const std::string&, const YAML::Node& v) override { shock_ = v.as<double>(); }

 private:
  std::vector<double> savings_;
  double shock_ = 0;
  std::uint32_t weeks_ = 0;
  tg::Recorder::Id m_ = 0;
};

int main() {
  tg::Registry::instance().add({"savings", "a user's model", Savings::declare_schema,
                                [] { return std::make_unique<Savings>(); }});
  const tg::Config cfg = tg::load_scenario_text("model: savings\nsteps: 30\nhouseholds: 500\n", "<consumer>");
  auto par = std::make_shared<tg::Parallel>(2);
  tg::Simulation whole(cfg, 0, par);
  whole.run();
  tg::Simulation half(cfg, 0, par);
  half.step(13);
  tg::write_checkpoint("consumer_week13.h5", half.checkpoint());
  tg::Simulation again = tg::Simulation::restore(tg::read_checkpoint("consumer_week13.h5"), par);
  again.run();
  const auto& a = whole.recorder().find("mean_savings")->data;
  const auto& b = again.recorder().find("mean_savings")->data;
  if (a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) != 0) {
    std::printf("restored run differs\n");
    return 1;
  }
  try {
    again.set("shock", "2");  // out of its declared range
    std::printf("an out-of-range change was accepted\n");
    return 1;
  } catch (const tg::ConfigError& e) {
    std::printf("refused as expected: %s\n", e.what());
  }
  std::printf("ok: %zu rows identical after restore\n", a.size());
  return 0;
}
