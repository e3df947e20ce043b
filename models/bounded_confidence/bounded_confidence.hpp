// Bounded-confidence opinion dynamics: Deffuant, Neau, Amblard & Weisbuch
// (2000) pairwise meetings and Hegselmann & Krause (2002) synchronous
// averaging, on a complete graph or any network. See
// models/bounded_confidence/README.md for the rules as implemented.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "tegenmacht/model.hpp"

namespace tegenmacht::models {

/// Opinion clusters of a final (or current) state.
struct Clusters {
  std::vector<double> centres;        ///< mean opinion of each cluster, ascending
  std::vector<std::uint32_t> sizes;   ///< agents in each cluster
  std::uint32_t count = 0;            ///< number of clusters (any size)
  std::uint32_t major = 0;            ///< clusters holding at least major_share of the agents
  double largest_share = 0;           ///< share of agents in the largest cluster
};

/// Sorts a copy of x and cuts it wherever two neighbouring opinions differ by
/// more than `tolerance`; a cluster is major when it holds at least
/// `major_share` of the agents.
Clusters find_clusters(std::span<const double> x, double tolerance, double major_share);

class BoundedConfidenceModel final : public Model {
 public:
  enum class Rule { Deffuant, HegselmannKrause };
  static void declare_schema(Schema& s);

  void init(const Config& config, const Rng& rng, Parallel& parallel) override;
  void declare(Recorder& recorder) override;
  void step(const StepContext& ctx) override;
  void observe(Recorder& recorder) override;
  std::vector<ColumnView> columns() const override;
  const Network* network() const override { return &net_; }
  void state(State& s) override;

  const std::vector<double>& opinions() const noexcept { return x_.cur(); }
  Clusters clusters() const { return find_clusters(x_.cur(), tolerance_, major_share_); }
  Rule rule() const noexcept { return rule_; }

 private:
  void step_deffuant(const StepContext& ctx);
  void step_hk(const StepContext& ctx);

  Parallel* par_ = nullptr;  // the run's pool (outlives the model)
  Rule rule_ = Rule::Deffuant;
  Network net_;
  DoubleBuffer<double> x_;  // Deffuant uses cur() only
  std::uint32_t n_ = 0;
  double eps_ = 0.2, mu_ = 0.5;
  std::uint64_t meetings_ = 0;
  double tolerance_ = 1e-3, major_share_ = 0.05;
  // per step
  double changes_ = 0;   // Deffuant: meetings that moved opinions; HK: agents whose opinion changed
  double max_change_ = 0;
  // scratch (kept between steps to avoid reallocations)
  std::vector<std::uint32_t> pairs_;
  std::vector<std::pair<double, std::uint32_t>> ranked_;  // (opinion, agent), sorted
  std::vector<double> sorted_;
  std::vector<long double> prefix_;
  Recorder::Id m_mean_ = 0, m_sd_ = 0, m_changes_ = 0, m_max_change_ = 0, m_clusters_ = 0, m_major_ = 0,
               m_largest_ = 0;
};

void register_bounded_confidence_model();

}  // namespace tegenmacht::models
