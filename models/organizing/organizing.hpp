// The organizing model: residents, institutions, social workers, civil
// society organisations and resident organisations under polder, Alinsky and
// coalition strategies. Specification: MODEL.md; rules as implemented,
// parameters and sources: models/organizing/README.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tegenmacht/model.hpp"

namespace tegenmacht::models {

/// Resident states (MODEL.md section 2).
enum ResidentState : std::uint8_t { kPassive = 0, kMember = 1, kActive = 2 };

/// Every scalar parameter the weekly cycle reads (MODEL.md section 7). A
/// timeline `set` event or a strategy change writes these during a run.
struct OrganizingParams {
  // environment
  double lambda_h, lambda_out, safety_net;
  // workers
  double hours, casework_share, iron_rule, power_literacy, hours_per_case, relief, skill_gain;
  std::array<double, 3> profile;  // dialogue, organising, coalition
  double case_sample;
  // organizing
  double meeting_interval, invites_per_hour, hours_per_121, snowball, agitation, issue_cut, training, ally_rate;
  // residents
  double invite, join_threshold, act_threshold, a0, leader_skill, dropout, fatigue_max, meeting_recruit,
      member_weight;
  // tactics (the strategy)
  double max_level, patience, turnout_needed, deescalate, assembly_interval, assembly_weight, voice;
  std::array<double, 5> power_needed, intensity;
  // institutional response
  double beta, spread, gain, small_gain, cooptation, cooptation_term, subsidy_cut, funder_solidarity, funding_recovery, risk_jump,
      risk_decay, legit_action, legit_sanction, legit_concession, legit_recovery;
  // feedback
  double learning_rate, trust_gain, trust_loss, sanction_trust, coopt_trust, media_rate, confidence, rejection, mu,
      peer_mu, fatigue_rate, fatigue_decay, learning;
};

class OrganizingModel final : public Model {
 public:
  /// One parameter of the weekly cycle (MODEL.md section 7): its scenario key,
  /// schema declaration and where it lives in OrganizingParams. This one table
  /// serves the schema, reading the scenario, and run-time changes.
  struct ParamSpec {
    enum Kind { kDouble, kInt, kList };
    const char* section;
    const char* name;
    Kind kind;
    double def, min, max;
    std::vector<double> defs;  ///< kList: the default list
    std::size_t size;          ///< values (kList: the fixed length)
    std::ptrdiff_t offset;     ///< into OrganizingParams (doubles); -1: read once by init, not settable
    const char* description;
  };
  static const std::vector<ParamSpec>& parameters();
  static const std::vector<std::pair<const char*, const char*>>& parameter_sections();

  static void declare_schema(Schema& s);
  /// Fills the keys of the chosen strategy preset that the scenario leaves unset.
  static void prepare(Config& raw);
  /// Preset values of a named strategy (key path → YAML text).
  static const std::vector<std::pair<std::string, std::string>>& preset(const std::string& strategy);
  static const std::vector<std::string>& strategies();

  void init(const Config& config, const Rng& rng, Parallel& parallel) override;
  void declare(Recorder& recorder) override;
  void step(const StepContext& ctx) override;
  void observe(Recorder& recorder) override;
  std::vector<ColumnView> columns() const override;
  const Network* network() const override { return &net_; }
  void state(State& s) override;
  std::vector<std::string> settable() const override;
  void set(const std::string& key, const YAML::Node& value) override;

  // read access for tests and bindings
  std::uint32_t residents() const noexcept { return n_; }
  const OrganizingParams& params() const noexcept { return p_; }
  const std::vector<std::uint8_t>& state() const noexcept { return state_.cur(); }
  const std::vector<double>& thresholds() const noexcept { return theta_; }
  const std::vector<double>& survival_load() const noexcept { return s_; }
  const std::vector<double>& attitude() const noexcept { return att_; }
  /// Hardship h_ik of every resident for issue k (a copy from the cells: h is
  /// the same for everyone in a cell, README deviation 19).
  const std::vector<double>& hardship(std::size_t issue) const;
  /// Structural hardship H_ik of resident i for issue k (MODEL.md 3.1).
  double structural(std::uint32_t i, std::size_t issue) const noexcept;
  double concession(std::size_t nb, std::size_t issue) const noexcept { return C_[nb * K_ + issue]; }
  double won_by_pressure(std::size_t nb) const noexcept { return won_pressure_[nb]; }
  /// This week's power Π_b and pressure P_bj of neighbourhood b's organisation.
  double power_of(std::size_t nb) const noexcept { return Pi_[nb]; }
  double pressure_of(std::size_t nb) const noexcept { return P_[nb]; }
  const std::vector<std::uint8_t>& coopted() const noexcept { return coopted_; }
  const std::vector<double>& efficacy() const noexcept { return E_; }
  const std::vector<double>& skill() const noexcept { return skill_; }
  const std::vector<std::uint32_t>& neighbourhood() const noexcept { return nb_; }
  double won_in_consultation(std::size_t nb) const noexcept { return won_consult_[nb]; }
  double worker_funding(std::size_t w) const noexcept { return w_funding_[w]; }
  std::size_t workers() const noexcept { return w_nb_.size(); }
  int level(std::size_t nb) const noexcept { return level_[nb]; }
  double legitimacy(std::size_t j) const noexcept { return inst_legit_[j]; }
  std::uint64_t sanctions_total() const noexcept { return sanctions_total_; }

 private:
  struct Event {
    std::uint32_t week;
    enum Type { Structural, Shock, SubsidyCut, Strategy, Set } type;
    int issue = -1, nb = -1, inst = -1;  // -1: all
    double size = 0;
    double recovery = 0;  // subsidy_cut: weekly recovery of the cut budget (0: the cut lasts)
    std::string strategy, key;
    std::vector<double> value;
  };
  struct Settable {
    const char* key;
    double* ptr;
    std::size_t n;
  };

  /// What init reads from the scenario and checks before anything is built
  /// (the town's groups, neighbourhoods, cells and funders); organizing.cpp.
  struct Town;

  void read_params(const Config& cfg);
  /// Issues, groups, institutions, neighbourhoods, workers and CSOs: read and
  /// checked (names, shares, references), nothing drawn yet.
  Town read_town(const Config& cfg);
  /// Timeline events, checked against the town and the settable keys.
  void read_timeline(const Config& cfg);
  /// Residents sorted by cell, their traits drawn from the group means
  /// (MODEL.md section 2), and the per-neighbourhood state.
  void build_population(const Config& cfg, const Town& town, const Rng& rng, Parallel& par);
  /// The stochastic block model over cells, or the implicit complete graph.
  void lay_out_cells(const Town& town);
  void build_network(const Config& cfg, const Town& town, const Rng& rng, Parallel& par);
  void apply_setting(const std::string& key, const std::vector<double>& value);
  /// A run-time change of a parameter (timeline `set`, Simulation::set): the
  /// key counts as set by the scenario from then on (see apply_strategy).
  void change(const std::string& key, const std::vector<double>& value);
  /// Switches to a strategy preset during the run with the rule used at load
  /// time: the preset fills the keys that the scenario (or a run-time change)
  /// has not set itself.
  void apply_strategy(const std::string& name);

  // The weekly cycle (MODEL.md section 3), one function per stage and, within
  // a stage, one per mechanism; README "The weekly cycle" has the same order.
  void apply_events(std::uint32_t week);
  void environment(const StepContext& ctx);
  void workers_act(const StepContext& ctx);
  void casework(std::uint32_t b, double hours, Stream& s);
  void dialogue(std::uint32_t b, double hours, std::uint32_t week, Stream& s);
  void organising(std::uint32_t b, double hours, std::uint32_t week, Stream& s);
  void coalition_building(std::uint32_t b, double hours, Stream& s);
  void residents_decide(const StepContext& ctx);
  /// The move of resident i in neighbourhood level e (MODEL.md 3.3).
  std::uint8_t decide(std::uint32_t i, int e, std::uint8_t s0, double nm, double na, double motive3, double K,
                      double risk, double u_drop, double u_invite, std::int32_t t, const OrganizingParams& p,
                      double join3) const noexcept;
  void organisations(const StepContext& ctx);
  /// Π_b (MODEL.md 3.4).
  double power(std::uint32_t b) const noexcept;
  void escalation(std::uint32_t b, double power) noexcept;
  /// P_bj (MODEL.md 3.4).
  double pressure(std::uint32_t b, bool assembly) const noexcept;
  void institutions(const StepContext& ctx);
  void concession(std::uint32_t b, double size, bool by_pressure, std::uint32_t j) noexcept;
  void concession_to_pressure(std::uint32_t j, double total, Stream& s) noexcept;
  void cooptation(std::uint32_t b, double u_pick, std::uint32_t week) noexcept;
  void sanction(std::uint32_t b, std::uint32_t j) noexcept;
  /// Legitimacy lost to unanswered action, and ignored actions.
  void unanswered_action(std::uint32_t b, std::uint32_t j) noexcept;
  void feedback(const StepContext& ctx);
  /// H_ik for the residents of cell c (neighbourhood b) on issue k:
  /// x_ck (1 − C_k(b)) (1 − safety_net) (MODEL.md 3.1); the one place H is formed.
  double structural_cell(std::uint32_t c, std::uint32_t b, std::uint32_t k) const noexcept {
    return expo_[c * K_ + k] * (1.0 - C_[b * K_ + k]) * (1.0 - p_.safety_net);
  }
  /// Σ_k w_k c_k(b) h_k(cell): the grievance of a resident of `cell` (in
  /// neighbourhood b) before the factor (1 − L_i); the same for the whole cell.
  double cell_grievance(std::uint32_t b, std::uint32_t cell) const noexcept {
    const double* wc = wc_.data() + static_cast<std::size_t>(b) * K_;
    const double* h = hcell_.data() + static_cast<std::size_t>(cell) * K_;
    double g = 0;
    for (std::uint32_t k = 0; k < K_; ++k) g += wc[k] * h[k];
    return g;
  }
  /// G_i = (1 - L_i) Σ_k w_k c_k(b) h_ik (MODEL.md section 2).
  double grievance(std::uint32_t i) const noexcept {
    return (1.0 - L_[i]) * cell_grievance(nb_[i], nb_[i] * G_ + grp_[i]);
  }
  void update_weighted_concreteness() noexcept;
  double capacity(std::uint32_t i) const noexcept { return (1.0 - s_[i]) * (1.0 - f_[i]); }
  std::uint32_t random_contact(std::uint32_t i, Stream& s) const noexcept;
  /// A random contact of member m who lives in neighbourhood b (m's own); a
  /// random resident of b if m has no contact there.
  std::uint32_t contact_in(std::uint32_t m, std::uint32_t b, Stream& s) const noexcept;

  OrganizingParams p_{};
  std::map<std::string, Settable> settable_;
  // per key of the presets (kPresetKeys): 1 if its value came from a preset,
  // 0 if the scenario or a run-time change set it
  std::vector<std::uint8_t> preset_filled_;
  std::uint32_t n_ = 0, B_ = 0, G_ = 0, K_ = 0, J_ = 0;
  std::uint32_t week_ = 0;
  std::vector<std::string> issue_names_, group_names_, nb_names_, inst_names_;
  std::vector<double> issue_w_;
  std::vector<int> group_class_;  // 0 established, 1 mixed, 2 marginalised

  Network net_;
  // residents (struct of arrays), sorted by (neighbourhood, group) cell
  std::vector<std::uint32_t> nb_;
  std::vector<std::uint8_t> grp_;
  // hardship per cell and issue [c * K + k] (the same for every resident of a
  // cell), and its per-resident copy for columns() and hardship(), filled on demand
  std::vector<double> hcell_;
  mutable std::vector<std::vector<double>> h_resident_;
  std::vector<double> lam_in_, s_, L_, E_, theta_, r_, skill_, f_;
  std::vector<double> att_;  // attitudes (updated in place: the feedback reads the peers' from peer_att_)
  DoubleBuffer<std::uint8_t> state_;
  std::vector<std::uint8_t> coopted_;
  std::vector<std::int32_t> coopted_since_;  // week of the current co-optation (-1: never)
  // the week a resident last attended a consultation (attended this week: = t;
  // consulted in the last 52 weeks: > t − 52), and was last contacted
  std::vector<std::int32_t> consulted_at_, contacted_at_;
  // contacts who are MEMBER or ACTIVE, and ACTIVE, in last week's states: kept up
  // to date from the residents whose state changed (step), not recounted
  std::vector<std::uint32_t> contact_members_, contact_actives_;
  // bit i: resident i's state changed this week (each block of the decisions
  // owns whole words: block_ is a multiple of 64)
  std::vector<std::uint64_t> changed_bits_;
  std::vector<double> invite_miss_;           // (1 − invite)^m for m member contacts, this week
  std::uint32_t max_degree_ = 0;
  std::vector<double> hmean_cell_;           // mean hardship over issues per cell, this week
  void count_contacts(Parallel& par);
  void update_contact_counts();
  // the attitude of the contact drawn this week for the attitude step (NaN:
  // none), written by the decisions, read by the feedback
  std::vector<double> peer_att_;

  // cells and neighbourhoods
  std::vector<std::uint32_t> cell_start_;  // B*G + 1
  std::vector<double> expo_;               // [cell * K + k]
  std::vector<std::uint32_t> nb_start_;    // B + 1
  std::vector<double> C_, conc_;           // [b * K + k]
  std::vector<double> wc_;                 // w_k c_k(b), [b * K + k], refreshed when c changes
  std::vector<double> won_pressure_, won_consult_;
  std::vector<int> level_, weeks_at_level_, weeks_acting_unanswered_, target_issue_, target_inst_;
  std::vector<double> pending_shock_;  // [b * K + k]
  // weekly per-neighbourhood quantities
  std::vector<double> A_, A_prev_, Mem_, coopted_members_, leaders_, leader_skill_sum_, att_count_, att_skill_sum_, Pi_, P_;
  std::vector<double> conceded_, risk_;
  std::vector<std::uint8_t> meeting_, sanctioned_, ignored_;
  std::vector<std::uint32_t> members_list_, members_off_;
  std::vector<std::array<std::uint32_t, 2>> top_members_;

  // institutions
  std::vector<double> inst_R_, inst_omega_, inst_rho_, inst_rho_act_, inst_legit_, inst_legit0_, inst_stance_,
      inst_Ptilde_;
  std::vector<std::vector<std::uint8_t>> inst_issue_;  // [j][k]

  // workers
  std::vector<std::uint32_t> w_nb_;
  std::vector<int> w_funder_;
  std::vector<double> w_funding_, w_dep_;
  // the budget a worker's funding recovers to after a sanction: 1 until a
  // timeline subsidy_cut (a political decision) lowers it, which lasts unless
  // the event gives a weekly `recovery`
  std::vector<double> w_budget_, w_budget_recovery_;
  std::vector<std::uint8_t> w_cut_;
  std::vector<double> nb_iron_;  // iron rule of b's workers (0 without workers)

  // civil society organisations
  std::vector<std::uint32_t> cso_nb_;
  std::vector<double> cso_members_, cso_legit_;
  std::vector<std::vector<double>> cso_interest_;
  std::vector<std::uint8_t> cso_allied_;

  std::vector<Event> events_;
  bool complete_graph_ = false;
  std::uint32_t member_total_prev_ = 0, active_total_prev_ = 0;

  // bookkeeping for metrics
  double casework_hours_ = 0, collective_hours_ = 0;
  std::uint32_t actions_ = 0, sanctions_ = 0;
  std::uint64_t sanctions_total_ = 0;
  std::vector<double> partials_;      // block partial sums for the decision reduction
  std::vector<double> obs_partials_;  // block partial sums for observe()
  // the week whose block sums feedback() left in obs_partials_ (-1: none; any
  // change of the state outside a step clears it)
  std::int64_t obs_week_ = -1;
  static constexpr std::size_t kObsGQ = 5, kObsBQ = 4;  // sums per group; per neighbourhood besides hardship
  std::size_t obs_stride() const noexcept;
  void observe_block(std::size_t blk, std::size_t begin, std::size_t end, const double* att) noexcept;
  static constexpr std::size_t kBlockBits = 2048;
  std::size_t block_ = kBlockBits;
  Parallel* parallel_ = nullptr;  // the engine's pool, kept for observe()

  struct MetricIds {
    Recorder::Id member, active, member_g, active_g, member_b, active_b, consulted_g, leaders, coopted, survival,
        survival_g, grievance, trust, trust_g, efficacy, att_mean, att_var, att_bc, conc_pressure, conc_consult,
        escalation, actions, sanctions, sanctions_total, legitimacy, funding_mean, funding_min, casework_hours,
        collective_hours, part_ratio, part_gap, excl_gap, conc_target, arnstein, allied, power, pressure, concessions_all, won_pressure,
        won_consult, hardship_all, arnstein_mean;
    std::vector<Recorder::Id> hardship, structural, concessions;
  } m_{};
};

void register_organizing_model();

}  // namespace tegenmacht::models
