// Threshold models of collective behaviour: Granovetter (1978) on a complete
// graph; Watts (2002) fractional and Centola & Macy (2007) count thresholds
// on any network. See models/threshold/README.md for the rules as
// implemented.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "tegenmacht/model.hpp"

namespace tegenmacht::models {

class ThresholdModel final : public Model {
 public:
  static void declare_schema(Schema& s);

  void init(const Config& config, const Rng& rng, Parallel& parallel) override;
  void declare(Recorder& recorder) override;
  void step(const StepContext& ctx) override;
  void observe(Recorder& recorder) override;
  std::vector<ColumnView> columns() const override;
  const Network* network() const override { return &net_; }
  void state(State& s) override;

  std::uint32_t active_count() const noexcept { return active_count_; }
  const std::vector<double>& thresholds() const noexcept { return theta_; }
  const std::vector<std::uint8_t>& active() const noexcept { return active_.cur(); }

 private:
  Network net_;
  std::vector<double> theta_;
  DoubleBuffer<std::uint8_t> active_;
  bool fraction_ = false;
  bool persistent_ = true;
  std::uint32_t active_count_ = 0;
  std::uint32_t new_active_ = 0;
  std::uint32_t n_ = 0;
  Recorder::Id m_active_ = 0, m_count_ = 0, m_new_ = 0;
};

/// Granovetter's crowd dynamics r(t+1) = n·F(r(t)) from r(0) = r0, iterated
/// to its fixed point: the equilibrium number acting. F is the threshold CDF
/// (F(r) = share of people with threshold <= r).
double granovetter_equilibrium(const std::function<double(double)>& cdf, double n, double r0 = 0.0,
                               int max_iterations = 100000);

void register_threshold_model();

}  // namespace tegenmacht::models
