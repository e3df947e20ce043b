// The weekly cycle of the organizing model (MODEL.md section 3).
#include "organizing/organizing.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <cmath>
#include <limits>
#include <numeric>

#include "tegenmacht/simd.hpp"
#include "tegenmacht/state.hpp"
#include "tegenmacht/stats.hpp"

namespace tegenmacht::models {

namespace {

enum : std::uint32_t {
  kPurposeResidentInit = kPurposeModelBase,
  kPurposeResidentWeek,
  kPurposeWorker,
  kPurposeInstitution,
  kPurposeMembership,
};

// A branch-free form of `x < lo ? lo : (x > hi ? hi : x)`, with the same result
// for every input (-0 and NaN included): SSE2's maxsd(a, b) is a > b ? a : b
// and minsd(a, b) is a < b ? a : b.
inline double clamp_to(double x, double lo, double hi) noexcept {
#ifdef __SSE2__
  return _mm_cvtsd_f64(_mm_min_sd(_mm_set_sd(hi), _mm_max_sd(_mm_set_sd(lo), _mm_set_sd(x))));
#else
  return x < lo ? lo : (x > hi ? hi : x);
#endif
}
inline double clamp01(double x) noexcept { return clamp_to(x, 0.0, 1.0); }
inline double logistic(double x) noexcept { return 1.0 / (1.0 + std::exp(-x)); }

/// Beta draw with mean m and concentration k; degenerate at the bounds.
double beta_mean(Stream& s, double m, double k) {
  if (m <= 0) return 0;
  if (m >= 1) return 1;
  return s.beta(m * k, (1 - m) * k);
}

int index_of(const std::vector<std::string>& names, const std::string& name) {
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

std::string list_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

// ------------------------------------------------------------------ set-up

namespace {
/// A sum as a person wrote its terms: 0.9, not 0.8999999999999999.
std::string rounded(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

// the keys a strategy preset fills (the same four for every preset but custom)
const std::array<const char*, 4> kPresetKeys{"workers.casework_share", "workers.profile", "tactics.max_level",
                                             "tactics.assembly_interval"};
int preset_key(const std::string& key) {
  for (std::size_t k = 0; k < kPresetKeys.size(); ++k)
    if (key == kPresetKeys[k]) return static_cast<int>(k);
  return -1;
}
}  // namespace

void OrganizingModel::read_params(const Config& c) {
  settable_.clear();
  for (const ParamSpec& spec : parameters()) {
    if (spec.offset < 0) continue;  // read by init
    const std::string key = std::string(spec.section) + "." + spec.name;
    auto* ptr = reinterpret_cast<double*>(reinterpret_cast<char*>(&p_) + spec.offset);
    if (spec.kind != ParamSpec::kList) {
      *ptr = c.get_double(key);
    } else {
      const auto v = c.get_doubles(key);
      std::copy(v.begin(), v.end(), ptr);  // the schema fixes the length
    }
    settable_[key] = Settable{spec.name, ptr, spec.size};
  }
  preset_filled_.assign(kPresetKeys.size(), 0);
  for (std::size_t k = 0; k < kPresetKeys.size(); ++k)
    preset_filled_[k] = c.location(kPresetKeys[k]).file.rfind("strategy preset", 0) == 0 ? 1 : 0;
  if (std::abs(p_.profile[0] + p_.profile[1] + p_.profile[2] - 1.0) > 1e-6)
    c.fail("workers.profile", "shares of dialogue, organising and coalition must sum to 1");
}

void OrganizingModel::apply_setting(const std::string& key, const std::vector<double>& value) {
  obs_week_ = -1;  // observe() sums again
  const Settable& s = settable_.at(key);
  for (std::size_t i = 0; i < s.n; ++i) s.ptr[i] = value[i];
}


void OrganizingModel::change(const std::string& key, const std::vector<double>& value) {
  apply_setting(key, value);
  if (const int k = preset_key(key); k >= 0) preset_filled_[static_cast<std::size_t>(k)] = 0;
}

void OrganizingModel::apply_strategy(const std::string& name) {
  for (const auto& [path, text] : preset(name)) {
    const int k = preset_key(path);
    if (k >= 0 && !preset_filled_[static_cast<std::size_t>(k)]) continue;  // set by the scenario: stays
    const YAML::Node v = YAML::Load(text);
    std::vector<double> vals;
    if (v.IsSequence())
      for (const auto& x : v) vals.push_back(x.as<double>());
    else
      vals.push_back(v.as<double>());
    apply_setting(path, vals);
  }
}

std::vector<std::string> OrganizingModel::settable() const {
  std::vector<std::string> keys{"strategy"};
  for (const auto& [k, slot] : settable_) keys.push_back(k);
  return keys;
}

void OrganizingModel::set(const std::string& key, const YAML::Node& value) {
  obs_week_ = -1;  // observe() sums again
  if (key == "strategy") {
    apply_strategy(value.as<std::string>());
    return;
  }
  auto it = settable_.find(key);
  if (it == settable_.end()) throw ArgumentError(key, "'" + key + "' cannot be changed during a run");
  std::vector<double> v;
  if (value.IsSequence())
    for (const auto& x : value) v.push_back(x.as<double>());
  else
    v.push_back(value.as<double>());
  if (v.size() != it->second.n)
    throw ArgumentError(key, "'" + key + "' takes " + std::to_string(it->second.n) + " value(s), not " +
                                 std::to_string(v.size()));
  if (key == "workers.profile" && std::abs(v[0] + v[1] + v[2] - 1.0) > 1e-6)
    throw ArgumentError(key, "shares of dialogue, organising and coalition must sum to 1");
  change(key, v);
}

void OrganizingModel::state(State& s) {
  obs_week_ = -1;  // observe() sums again
  s.add("params", p_).add("preset_filled", preset_filled_).add("week", week_);
  // residents
  s.add("residents/neighbourhood", nb_).add("residents/group", grp_).add("cells/hardship", hcell_);
  s.add("residents/lambda_in", lam_in_).add("residents/survival_load", s_).add("residents/trust", L_);
  s.add("residents/efficacy", E_).add("residents/threshold", theta_).add("residents/risk_aversion", r_);
  s.add("residents/skill", skill_).add("residents/fatigue", f_).add("residents/attitude", att_);
  s.add("residents/state", state_).add("residents/coopted", coopted_).add("residents/coopted_since", coopted_since_).add("residents/consulted_at", consulted_at_);
  s.add("residents/contacted_at", contacted_at_);
  s.add("residents/contact_members", contact_members_).add("residents/contact_actives", contact_actives_);
  // cells and neighbourhoods
  s.add("cells/start", cell_start_).add("cells/exposure", expo_).add("neighbourhoods/start", nb_start_);
  s.add("neighbourhoods/concession", C_).add("neighbourhoods/concreteness", conc_).add("neighbourhoods/wc", wc_);
  s.add("neighbourhoods/won_pressure", won_pressure_).add("neighbourhoods/won_consult", won_consult_);
  s.add("neighbourhoods/level", level_).add("neighbourhoods/weeks_at_level", weeks_at_level_);
  s.add("neighbourhoods/weeks_acting_unanswered", weeks_acting_unanswered_);
  s.add("neighbourhoods/target_issue", target_issue_).add("neighbourhoods/target_institution", target_inst_);
  s.add("neighbourhoods/pending_shock", pending_shock_).add("neighbourhoods/active", A_);
  s.add("neighbourhoods/active_prev", A_prev_).add("neighbourhoods/members", Mem_);
  s.add("neighbourhoods/coopted_members", coopted_members_);
  s.add("neighbourhoods/leaders", leaders_).add("neighbourhoods/leader_skill_sum", leader_skill_sum_);
  s.add("neighbourhoods/attending", att_count_).add("neighbourhoods/attending_skill_sum", att_skill_sum_);
  s.add("neighbourhoods/power", Pi_).add("neighbourhoods/pressure", P_).add("neighbourhoods/conceded", conceded_);
  s.add("neighbourhoods/risk", risk_).add("neighbourhoods/meeting", meeting_);
  s.add("neighbourhoods/sanctioned", sanctioned_).add("neighbourhoods/ignored", ignored_);
  s.add("neighbourhoods/members_list", members_list_).add("neighbourhoods/members_off", members_off_);
  s.add("neighbourhoods/top_members", top_members_).add("neighbourhoods/iron_rule", nb_iron_);
  // institutions, workers, civil society organisations
  s.add("institutions/resistance", inst_R_).add("institutions/responsiveness", inst_omega_);
  s.add("institutions/repression", inst_rho_).add("institutions/repression_acting", inst_rho_act_);
  s.add("institutions/legitimacy", inst_legit_).add("institutions/legitimacy0", inst_legit0_);
  s.add("institutions/stance", inst_stance_).add("institutions/smoothed_pressure", inst_Ptilde_);
  s.add("institutions/issues", inst_issue_);
  s.add("workers/neighbourhood", w_nb_).add("workers/funder", w_funder_).add("workers/funding", w_funding_);
  s.add("workers/dependence", w_dep_).add("workers/cut", w_cut_).add("workers/budget", w_budget_);
  s.add("workers/budget_recovery", w_budget_recovery_);
  s.add("csos/neighbourhood", cso_nb_).add("csos/members", cso_members_).add("csos/legitimacy", cso_legit_);
  s.add("csos/interest", cso_interest_).add("csos/allied", cso_allied_);
  // counters
  s.add("totals/member_prev", member_total_prev_).add("totals/active_prev", active_total_prev_);
  s.add("totals/casework_hours", casework_hours_).add("totals/collective_hours", collective_hours_);
  s.add("totals/actions", actions_).add("totals/sanctions", sanctions_).add("totals/sanctions_total", sanctions_total_);
  // rewritten before they are read, every week
  s.scratch("scratch/partials", partials_).scratch("scratch/obs_partials", obs_partials_);
  s.scratch("scratch/changed", changed_bits_).scratch("scratch/peer_attitude", peer_att_);
  s.scratch("scratch/invite_miss", invite_miss_).scratch("scratch/hmean_cell", hmean_cell_);
}

struct OrganizingModel::Town {
  struct Group {
    double trust, survival, efficacy, skill, attitude;
    std::vector<double> exposure;
  };
  double kappa = 0;  // concentration of the Beta draws of the traits
  std::vector<Group> groups;
  std::vector<double> nb_factor;  // [b * K + k]
  std::vector<double> nb_conc0, nb_dep;
  std::vector<std::uint32_t> nb_workers;
  std::vector<std::uint64_t> cell_size;  // [b * G + g], summing exactly to each neighbourhood's size
};

void OrganizingModel::init(const Config& cfg, const Rng& rng, Parallel& par) {
  obs_week_ = -1;  // observe() sums again
  parallel_ = &par;
  read_params(cfg);
  const Town town = read_town(cfg);
  read_timeline(cfg);
  lay_out_cells(town);
  // the network first: its transient lists are gone before the resident columns
  // exist (a lower peak); the two draw from separate streams, so the order does
  // not change them
  build_network(cfg, town, rng, par);
  build_population(cfg, town, rng, par);
  count_contacts(par);
  partials_.assign(Parallel::block_count(n_, block_) * std::max<std::size_t>(B_ * 8, 1), 0.0);
  member_total_prev_ = active_total_prev_ = 0;
  for (std::uint32_t i = 0; i < n_; ++i) {
    member_total_prev_ += state_.cur()[i] >= kMember;
    active_total_prev_ += state_.cur()[i] == kActive;
    A_prev_[nb_[i]] += state_.cur()[i] == kActive;
  }
}


OrganizingModel::Town OrganizingModel::read_town(const Config& cfg) {
  Town town;
  town.kappa = cfg.get_double("concentration");
  // issues
  K_ = static_cast<std::uint32_t>(cfg.size("issues"));
  double wsum = 0;
  for (std::uint32_t k = 0; k < K_; ++k) {
    const std::string p = "issues." + std::to_string(k);
    issue_names_.push_back(cfg.get_string(p + ".name"));
    issue_w_.push_back(cfg.get_double(p + ".weight"));
    wsum += issue_w_.back();
  }
  if (K_ == 0) cfg.fail("issues", "at least one issue is needed");
  if (std::abs(wsum - 1.0) > 1e-6) cfg.fail("issues", "issue weights must sum to 1 (they sum to " + rounded(wsum) + ")");

  // groups
  G_ = static_cast<std::uint32_t>(cfg.size("groups"));
  if (G_ == 0 || G_ > 255) cfg.fail("groups", "between 1 and 255 groups are needed");
  std::vector<Town::Group>& gm = town.groups;
  for (std::uint32_t g = 0; g < G_; ++g) {
    const std::string p = "groups." + std::to_string(g);
    group_names_.push_back(cfg.get_string(p + ".name"));
    const std::string cls = cfg.get_string(p + ".class");
    group_class_.push_back(cls == "established" ? 0 : cls == "mixed" ? 1 : 2);
    gm.push_back({cfg.get_double(p + ".trust"), cfg.get_double(p + ".survival_load"), cfg.get_double(p + ".efficacy"),
                  cfg.get_double(p + ".skill"), cfg.get_double(p + ".attitude"), cfg.get_doubles(p + ".exposure")});
    if (gm.back().exposure.size() != K_)
      cfg.fail(p + ".exposure", "needs one value per issue (" + std::to_string(K_) + ")");
  }

  // institutions
  J_ = static_cast<std::uint32_t>(cfg.size("institutions"));
  for (std::uint32_t j = 0; j < J_; ++j) inst_names_.push_back(cfg.get_string("institutions." + std::to_string(j) + ".name"));

  // neighbourhoods and cells
  B_ = static_cast<std::uint32_t>(cfg.size("neighbourhoods"));
  if (B_ == 0 || B_ > 65535) cfg.fail("neighbourhoods", "between 1 and 65535 neighbourhoods are needed");
  town.nb_factor.assign(B_ * K_, 0.0);
  town.nb_conc0.assign(B_, 0.0);
  town.nb_dep.assign(B_, 0.0);
  town.nb_workers.assign(B_, 0);
  town.cell_size.assign(B_ * G_, 0);
  auto& nb_factor = town.nb_factor;
  auto& nb_conc0 = town.nb_conc0;
  auto& nb_dep = town.nb_dep;
  auto& nb_workers = town.nb_workers;
  auto& cell_size = town.cell_size;
  std::uint64_t total = 0;
  for (std::uint32_t b = 0; b < B_; ++b) {
    const std::string p = "neighbourhoods." + std::to_string(b);
    nb_names_.push_back(cfg.get_string(p + ".name"));
    const auto size = static_cast<std::uint64_t>(cfg.get_int(p + ".size"));
    const auto shares = cfg.get_doubles(p + ".group_shares");
    if (shares.size() != G_) cfg.fail(p + ".group_shares", "needs one share per group (" + std::to_string(G_) + ")");
    const double ssum = std::accumulate(shares.begin(), shares.end(), 0.0);
    if (std::abs(ssum - 1.0) > 1e-6) cfg.fail(p + ".group_shares", "shares must sum to 1 (they sum to " + rounded(ssum) + ")");
    // largest-remainder apportionment: cell sizes sum exactly to the neighbourhood size
    std::vector<std::pair<double, std::uint32_t>> rem;
    std::uint64_t assigned = 0;
    for (std::uint32_t g = 0; g < G_; ++g) {
      const double exact = shares[g] * static_cast<double>(size);
      cell_size[b * G_ + g] = static_cast<std::uint64_t>(std::floor(exact));
      assigned += cell_size[b * G_ + g];
      rem.push_back({exact - std::floor(exact), g});
    }
    std::stable_sort(rem.begin(), rem.end(), [](auto& x, auto& y) { return x.first > y.first; });
    for (std::size_t r = 0; assigned < size; ++r, ++assigned) cell_size[b * G_ + rem[r % rem.size()].second] += 1;
    total += size;
    const auto fac = cfg.get_doubles(p + ".exposure_factor");
    if (fac.size() != K_) cfg.fail(p + ".exposure_factor", "needs one value per issue (" + std::to_string(K_) + ")");
    std::copy(fac.begin(), fac.end(), nb_factor.begin() + b * K_);
    const int ti = index_of(issue_names_, cfg.get_string(p + ".target_issue"));
    if (ti < 0) cfg.fail(p + ".target_issue", "unknown issue '" + cfg.get_string(p + ".target_issue") + "' (issues: " + list_names(issue_names_) + ")");
    target_issue_.push_back(ti);
    const std::string tin = cfg.get_string(p + ".target_institution");
    const int tj = tin.empty() ? -1 : index_of(inst_names_, tin);
    if (!tin.empty() && tj < 0) cfg.fail(p + ".target_institution", "unknown institution '" + tin + "' (institutions: " + list_names(inst_names_) + ")");
    target_inst_.push_back(tj);
    nb_workers[b] = static_cast<std::uint32_t>(cfg.get_int(p + ".workers"));
    const double dep = cfg.get_double(p + ".funding_dependence");
    nb_dep[b] = dep < 0 ? cfg.get_double("workers.funding_dependence") : dep;
    const double c0 = cfg.get_double(p + ".concreteness");
    nb_conc0[b] = c0 < 0 ? cfg.get_double("environment.concreteness") : c0;
  }
  if (total > std::numeric_limits<std::uint32_t>::max()) cfg.fail("neighbourhoods", "too many residents");
  n_ = static_cast<std::uint32_t>(total);
  for (std::uint32_t b = 0; b < B_; ++b)
    for (std::uint32_t b2 = 0; b2 < b; ++b2)
      if (nb_names_[b] == nb_names_[b2]) cfg.fail("neighbourhoods." + std::to_string(b) + ".name", "duplicate name '" + nb_names_[b] + "'");

  // institutions' details (need neighbourhood and issue names)
  inst_issue_.assign(J_, std::vector<std::uint8_t>(K_, 0));
  std::vector<int> funder(B_, -1);
  for (std::uint32_t j = 0; j < J_; ++j) {
    const std::string p = "institutions." + std::to_string(j);
    inst_R_.push_back(cfg.get_double(p + ".resistance"));
    inst_omega_.push_back(cfg.get_double(p + ".responsiveness"));
    inst_rho_.push_back(cfg.get_double(p + ".repression"));
    inst_legit0_.push_back(cfg.get_double(p + ".legitimacy"));
    inst_stance_.push_back(cfg.get_double(p + ".stance"));
    for (const auto& is : cfg.get_strings(p + ".issues")) {
      const int k = index_of(issue_names_, is);
      if (k < 0) cfg.fail(p + ".issues", "unknown issue '" + is + "' (issues: " + list_names(issue_names_) + ")");
      inst_issue_[j][k] = 1;
    }
    for (const auto& fn : cfg.get_strings(p + ".funds")) {
      if (fn == "all") {
        for (auto& f : funder) f = static_cast<int>(j);
        continue;
      }
      const int b = index_of(nb_names_, fn);
      if (b < 0) cfg.fail(p + ".funds", "unknown neighbourhood '" + fn + "' (neighbourhoods: " + list_names(nb_names_) + ")");
      funder[b] = static_cast<int>(j);
    }
    // one funder per neighbourhood: a second would silently replace the first
    for (std::uint32_t j2 = 0; j2 < j; ++j2) {
      const auto earlier = cfg.get_strings("institutions." + std::to_string(j2) + ".funds");
      for (const auto& fn : cfg.get_strings(p + ".funds"))
        for (const auto& fe : earlier)
          if (fn == fe || fn == "all" || fe == "all") {
            const std::string nb = fn == "all" ? fe : fn;
            cfg.fail(p + ".funds", "'" + inst_names_[j] + "' and '" + inst_names_[j2] + "' both fund " +
                                       (nb == "all" ? std::string("every neighbourhood") : "'" + nb + "'") +
                                       "; the workers of a neighbourhood have one funder (name each neighbourhood in "
                                       "one institution's `funds`; response.funder_solidarity makes the other "
                                       "institutions follow a funder's sanctions)");
          }
    }
  }
  inst_rho_act_ = inst_rho_;
  inst_legit_ = inst_legit0_;
  inst_Ptilde_.assign(J_, 0.0);
  for (std::uint32_t b = 0; b < B_; ++b) {
    const int j = target_inst_[b];
    if (j >= 0 && !inst_issue_[j][target_issue_[b]])
      cfg.fail("neighbourhoods." + std::to_string(b) + ".target_issue",
               "institution '" + inst_names_[j] + "' cannot concede on '" + issue_names_[target_issue_[b]] + "' (see its `issues`)");
  }

  // workers
  for (std::uint32_t b = 0; b < B_; ++b)
    for (std::uint32_t w = 0; w < nb_workers[b]; ++w) {
      w_nb_.push_back(b);
      w_funder_.push_back(funder[b]);
      w_funding_.push_back(1.0);
      // a worker nobody funds is independent whatever the key says
      w_dep_.push_back(funder[b] < 0 ? 0.0 : nb_dep[b]);
    }
  w_cut_.assign(w_nb_.size(), 0);
  w_budget_.assign(w_nb_.size(), 1.0);
  w_budget_recovery_.assign(w_nb_.size(), 0.0);
  nb_iron_.assign(B_, 0.0);
  for (std::uint32_t b = 0; b < B_; ++b) nb_iron_[b] = nb_workers[b] > 0 ? 1.0 : 0.0;  // × p_.iron_rule when used

  // civil society organisations
  const auto S = cfg.size("csos");
  for (std::size_t s = 0; s < S; ++s) {
    const std::string p = "csos." + std::to_string(s);
    const int b = index_of(nb_names_, cfg.get_string(p + ".neighbourhood"));
    if (b < 0) cfg.fail(p + ".neighbourhood", "unknown neighbourhood '" + cfg.get_string(p + ".neighbourhood") + "' (neighbourhoods: " + list_names(nb_names_) + ")");
    cso_nb_.push_back(static_cast<std::uint32_t>(b));
    cso_members_.push_back(cfg.get_double(p + ".members"));
    cso_legit_.push_back(cfg.get_double(p + ".legitimacy"));
    cso_interest_.push_back(cfg.get_doubles(p + ".interest"));
    if (cso_interest_.back().size() != K_) cfg.fail(p + ".interest", "needs one value per issue (" + std::to_string(K_) + ")");
  }
  cso_allied_.assign(S, 0);

  return town;
}

void OrganizingModel::read_timeline(const Config& cfg) {
  const auto E = cfg.size("timeline");
  std::unique_ptr<Schema> schema;  // built only if a `set` event needs its ranges
  for (std::size_t e = 0; e < E; ++e) {
    const std::string p = "timeline." + std::to_string(e);
    Event ev;
    ev.week = static_cast<std::uint32_t>(cfg.get_int(p + ".week"));
    const bool has_type = cfg.has(p + ".type"), has_h = cfg.has(p + ".hardship"), has_x = cfg.has(p + ".exposure");
    if (int(has_type) + int(has_h) + int(has_x) != 1)
      cfg.fail(p, "give exactly one of `type`, `hardship` (a shock) or `exposure` (a structural change)");
    const std::string type = has_type ? cfg.get_string(p + ".type") : has_h ? "shock" : "structural";
    ev.type = type == "structural" ? Event::Structural : type == "shock" ? Event::Shock
            : type == "subsidy_cut" ? Event::SubsidyCut : type == "strategy" ? Event::Strategy : Event::Set;
    ev.size = has_h ? cfg.get_double(p + ".hardship") : has_x ? cfg.get_double(p + ".exposure")
            : cfg.has(p + ".size") ? cfg.get_double(p + ".size") : 0.0;
    if ((ev.type == Event::Structural || ev.type == Event::Shock || ev.type == Event::SubsidyCut) && !has_h && !has_x &&
        !cfg.has(p + ".size"))
      cfg.fail(p, "a " + type + " event needs a `size`");
    if (cfg.has(p + ".issue") && !cfg.get_string(p + ".issue").empty()) {
      ev.issue = index_of(issue_names_, cfg.get_string(p + ".issue"));
      if (ev.issue < 0) cfg.fail(p + ".issue", "unknown issue '" + cfg.get_string(p + ".issue") + "' (issues: " + list_names(issue_names_) + ")");
    }
    if (cfg.has(p + ".neighbourhood") && !cfg.get_string(p + ".neighbourhood").empty()) {
      ev.nb = index_of(nb_names_, cfg.get_string(p + ".neighbourhood"));
      if (ev.nb < 0) cfg.fail(p + ".neighbourhood", "unknown neighbourhood '" + cfg.get_string(p + ".neighbourhood") + "' (neighbourhoods: " + list_names(nb_names_) + ")");
    }
    if (cfg.has(p + ".institution") && !cfg.get_string(p + ".institution").empty()) {
      ev.inst = index_of(inst_names_, cfg.get_string(p + ".institution"));
      if (ev.inst < 0) cfg.fail(p + ".institution", "unknown institution '" + cfg.get_string(p + ".institution") + "' (institutions: " + list_names(inst_names_) + ")");
    }
    if (ev.type == Event::SubsidyCut) {
      // a share of the budget: 30 (a percentage) would remove every worker
      if (ev.size < 0 || ev.size > 1)
        cfg.fail(p + ".size", "a subsidy cut is a share of the budget in [0, 1], got " + format_double(ev.size) +
                                  (ev.size > 1 && ev.size <= 100 ? " (for " + format_double(ev.size) + " % write " +
                                                                       format_double(ev.size / 100) + ")"
                                                                 : std::string()));
      ev.recovery = cfg.has(p + ".recovery") ? cfg.get_double(p + ".recovery") : 0.0;
    } else if (cfg.has(p + ".recovery")) {
      cfg.fail(p + ".recovery", "only a subsidy_cut event has a `recovery`");
    }
    if (ev.type == Event::Strategy) {
      if (!cfg.has(p + ".strategy")) cfg.fail(p, "a strategy event needs `strategy`");
      ev.strategy = cfg.get_string(p + ".strategy");
    }
    if (ev.type == Event::Set) {
      if (!cfg.has(p + ".key") || !cfg.has(p + ".value")) cfg.fail(p, "a set event needs `key` and `value`");
      ev.key = cfg.get_string(p + ".key");
      const YAML::Node given = cfg.node(p + ".value");
      try {
        if (given.IsScalar()) {
          ev.value = {given.as<double>()};
        } else if (given.IsSequence()) {
          for (const auto& x : given) ev.value.push_back(x.as<double>());
        } else {
          throw YAML::Exception(YAML::Mark::null_mark(), "");
        }
      } catch (const YAML::Exception&) {
        cfg.fail(p + ".value", "expected a number, or a list of numbers for a list parameter");
      }
      auto it = settable_.find(ev.key);
      if (it == settable_.end()) {
        std::string keys;
        std::vector<std::string> names;
        for (const auto& [k, v] : settable_) {
          keys += (keys.empty() ? "" : ", ") + k;
          names.push_back(k);
        }
        const std::string guess = suggest_key(ev.key, names);
        cfg.fail(p + ".key", "'" + ev.key + "' cannot be changed during a run" +
                                 (guess.empty() ? " (settable: " + keys + ")" : "; did you mean '" + guess + "'?"));
      }
      if (ev.value.size() != it->second.n)
        cfg.fail(p + ".value", "'" + ev.key + "' takes " + std::to_string(it->second.n) + " value(s)");
      // the same type and range as the key has in a scenario (a 0 where a divisor goes, a level past 4, ...)
      if (!schema) {
        schema = std::make_unique<Schema>();
        declare_schema(*schema);
      }
      if (const KeyDecl* d = schema->find_path(ev.key))
        for (double v : ev.value)
          if (const std::string why = Schema::check_value(*d, v); !why.empty())
            cfg.fail(p + ".value", why + " (the range of '" + ev.key + "')");
      // and the rule that binds its values together, as Model::set checks it at run time
      if (ev.key == "workers.profile" && std::abs(ev.value[0] + ev.value[1] + ev.value[2] - 1.0) > 1e-6)
        cfg.fail(p + ".value", "shares of dialogue, organising and coalition must sum to 1 (they sum to " +
                                   rounded(ev.value[0] + ev.value[1] + ev.value[2]) + ")");
    }
    events_.push_back(std::move(ev));
  }
  std::stable_sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) { return a.week < b.week; });

}

// Residents are numbered by cell (neighbourhood-major): the first resident of
// each cell and of each neighbourhood.
void OrganizingModel::lay_out_cells(const Town& town) {
  cell_start_.assign(B_ * G_ + 1, 0);
  for (std::size_t c = 0; c < B_ * G_; ++c)
    cell_start_[c + 1] = cell_start_[c] + static_cast<std::uint32_t>(town.cell_size[c]);
  nb_start_.assign(B_ + 1, 0);
  for (std::uint32_t b = 0; b <= B_; ++b) nb_start_[b] = cell_start_[b * G_];
}

void OrganizingModel::build_population(const Config& cfg, const Town& town, const Rng& rng, Parallel& par) {
  const auto& gm = town.groups;
  const double kappa = town.kappa;
  expo_.assign(B_ * G_ * K_, 0.0);
  for (std::uint32_t b = 0; b < B_; ++b)
    for (std::uint32_t g = 0; g < G_; ++g)
      for (std::uint32_t k = 0; k < K_; ++k) expo_[(b * G_ + g) * K_ + k] = gm[g].exposure[k] * town.nb_factor[b * K_ + k];

  C_.assign(B_ * K_, 0.0);
  nb_.resize(n_);
  grp_.resize(n_);
  hcell_.assign(static_cast<std::size_t>(B_) * G_ * K_, 0.0);
  for (std::uint32_t c = 0; c < B_ * G_; ++c)
    for (std::uint32_t k = 0; k < K_; ++k) hcell_[c * K_ + k] = clamp01(structural_cell(c, c / G_, k));  // C = 0
  lam_in_.resize(n_);
  s_.resize(n_);
  L_.resize(n_);
  E_.resize(n_);
  theta_.resize(n_);
  r_.resize(n_);
  skill_.resize(n_);
  f_.assign(n_, 0.0);
  att_.assign(n_, 0.0);
  state_.assign(n_, kPassive);
  coopted_.assign(n_, 0);
  coopted_since_.assign(n_, -1);
  consulted_at_.assign(n_, -1000000);
  contacted_at_.assign(n_, -1);
  contact_members_.assign(n_, 0);
  contact_actives_.assign(n_, 0);
  static_assert(kBlockBits % 64 == 0, "each block owns whole words of changed_bits_");
  changed_bits_.assign((static_cast<std::size_t>(n_) + 63) / 64, 0);
  peer_att_.assign(n_, 0.0);
  const double init_members = cfg.get_double("residents.initial_member_share");
  const double th_mean = cfg.get_double("residents.threshold_mean"), th_sd = cfg.get_double("residents.threshold_sd");
  par.for_blocks(n_, block_, [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t ii = begin; ii < end; ++ii) {
      const auto i = static_cast<std::uint32_t>(ii);
      const auto c = static_cast<std::uint32_t>(std::upper_bound(cell_start_.begin(), cell_start_.end(), i) - cell_start_.begin() - 1);
      const std::uint32_t b = c / G_, g = c % G_;
      nb_[i] = b;
      grp_[i] = static_cast<std::uint8_t>(g);
      auto st = rng.stream(kInitStep, i, kPurposeResidentInit);
      // fixed draw order, so a resident's traits do not depend on other keys
      L_[i] = beta_mean(st, gm[g].trust, kappa);
      s_[i] = beta_mean(st, gm[g].survival, kappa);
      E_[i] = beta_mean(st, gm[g].efficacy, kappa);
      skill_[i] = beta_mean(st, gm[g].skill, kappa);
      att_[i] = 2.0 * beta_mean(st, (gm[g].attitude + 1.0) / 2.0, kappa) - 1.0;
      theta_[i] = clamp01(st.normal(th_mean, th_sd));
      r_[i] = st.uniform();
      if (st.uniform() < init_members) state_.cur()[i] = kMember;
      double hmean = 0;
      for (std::uint32_t k = 0; k < K_; ++k) hmean += hcell_[c * K_ + k];
      hmean /= K_;
      // λ_in chosen so that the initial survival load is the steady state of the initial hardship
      lam_in_[i] = (hmean > 0 && s_[i] < 1) ? p_.lambda_out * s_[i] / ((1.0 - s_[i]) * hmean) : 0.0;
    }
  });
  state_.nxt() = state_.cur();

  // per-neighbourhood state
  conc_.assign(B_ * K_, 0.0);
  for (std::uint32_t b = 0; b < B_; ++b)
    for (std::uint32_t k = 0; k < K_; ++k) conc_[b * K_ + k] = town.nb_conc0[b];
  wc_.assign(B_ * K_, 0.0);
  update_weighted_concreteness();
  won_pressure_.assign(B_, 0.0);
  won_consult_.assign(B_, 0.0);
  level_.assign(B_, static_cast<int>(std::min<std::int64_t>(cfg.get_int("tactics.initial_level"), static_cast<std::int64_t>(p_.max_level))));
  weeks_at_level_.assign(B_, 0);
  weeks_acting_unanswered_.assign(B_, 0);
  pending_shock_.assign(B_ * K_, 0.0);
  for (auto* v : {&A_, &A_prev_, &Mem_, &coopted_members_, &leaders_, &leader_skill_sum_, &att_count_, &att_skill_sum_, &Pi_, &P_, &conceded_, &risk_})
    v->assign(B_, 0.0);
  meeting_.assign(B_, 0);
  sanctioned_.assign(B_, 0);
  ignored_.assign(B_, 0);
  members_list_.resize(n_);
  members_off_.assign(B_ + 1, 0);
  top_members_.assign(B_, {0, 0});

}

void OrganizingModel::build_network(const Config& cfg, const Town& town, const Rng& rng, Parallel& par) {
  // the stochastic block model over cells, or the implicit complete graph
  const auto& cell_size = town.cell_size;
  complete_graph_ = cfg.get_string("network.type") == "complete";
  if (complete_graph_) {
    net_ = Network::complete(n_);
  } else {
    const double k = cfg.get_double("network.mean_degree"), local = cfg.get_double("network.local"),
                 homo = cfg.get_double("network.homophily");
    const std::uint32_t nc = B_ * G_;
    std::vector<double> nbsize(B_);
    for (std::uint32_t b = 0; b < B_; ++b) nbsize[b] = nb_start_[b + 1] - nb_start_[b];
    // expected ties from each member of cell c to cell c2 (see README, "Network")
    std::vector<double> ties(static_cast<std::size_t>(nc) * nc, 0.0);
    for (std::uint32_t c = 0; c < nc; ++c) {
      const std::uint32_t b = c / G_, g = c % G_;
      if (cell_size[c] == 0) continue;
      const double others = static_cast<double>(n_) - nbsize[b];
      std::vector<double> pb(B_, 0.0);
      for (std::uint32_t b2 = 0; b2 < B_; ++b2)
        pb[b2] = b2 == b ? (others > 0 ? local : 1.0) : (others > 0 ? (1 - local) * nbsize[b2] / others : 0.0);
      for (std::uint32_t b2 = 0; b2 < B_; ++b2) {
        if (pb[b2] == 0) continue;
        const double own = static_cast<double>(cell_size[b2 * G_ + g]);
        const double rest = nbsize[b2] - own;
        std::vector<double> pg(G_, 0.0);
        for (std::uint32_t g2 = 0; g2 < G_; ++g2) {
          const double n2 = static_cast<double>(cell_size[b2 * G_ + g2]);
          if (g2 == g) pg[g2] = own > 0 ? (rest > 0 ? homo : 1.0) : 0.0;
          else pg[g2] = rest > 0 ? (own > 0 ? (1 - homo) : 1.0) * n2 / rest : 0.0;
        }
        for (std::uint32_t g2 = 0; g2 < G_; ++g2) ties[c * nc + b2 * G_ + g2] = k * pb[b2] * pg[g2];
      }
    }
    std::vector<std::uint32_t> sizes(nc);
    std::vector<std::vector<double>> rates(nc, std::vector<double>(nc, 0.0));
    for (std::uint32_t c = 0; c < nc; ++c) sizes[c] = static_cast<std::uint32_t>(cell_size[c]);
    for (std::uint32_t c = 0; c < nc; ++c)
      for (std::uint32_t c2 = c; c2 < nc; ++c2) {
        const double n1 = sizes[c], n2 = sizes[c2];
        if (n1 == 0 || n2 == 0) continue;
        double p;
        if (c == c2) {
          p = n1 > 1 ? ties[c * nc + c] / (n1 - 1) : 0.0;
        } else {
          // edges between the cells, averaged over both sides' expectations
          const double edges = 0.5 * (n1 * ties[c * nc + c2] + n2 * ties[c2 * nc + c]);
          p = edges / (n1 * n2);
        }
        rates[c][c2] = rates[c2][c] = std::min(1.0, p);
      }
    net_ = generators::stochastic_block_model(sizes, rates, rng, par);
  }
}

// ------------------------------------------------------------------ helpers

double OrganizingModel::structural(std::uint32_t i, std::size_t k) const noexcept {
  return structural_cell(nb_[i] * G_ + grp_[i], nb_[i], static_cast<std::uint32_t>(k));
}

void OrganizingModel::update_weighted_concreteness() noexcept {
  for (std::uint32_t b = 0; b < B_; ++b)
    for (std::uint32_t k = 0; k < K_; ++k) wc_[b * K_ + k] = issue_w_[k] * conc_[b * K_ + k];
}

void OrganizingModel::count_contacts(Parallel& par) {
  max_degree_ = 0;
  if (complete_graph_) return;
  const auto& st = state_.cur();
  std::vector<std::uint32_t> block_max(Parallel::block_count(n_, block_), 0);
  par.for_blocks(n_, block_, [&](std::size_t blk, std::size_t begin, std::size_t end) {
    std::uint32_t dmax = 0;
    for (std::size_t ii = begin; ii < end; ++ii) {
      const auto i = static_cast<std::uint32_t>(ii);
      std::uint32_t cm = 0, ca = 0;
      for (std::uint32_t j : net_.neighbours(i)) {
        cm += st[j] >= kMember;
        ca += st[j] == kActive;
      }
      contact_members_[i] = cm;
      contact_actives_[i] = ca;
      dmax = std::max(dmax, net_.degree(i));
    }
    block_max[blk] = dmax;
  });
  for (std::uint32_t d : block_max) max_degree_ = std::max(max_degree_, d);
}

void OrganizingModel::update_contact_counts() {
  if (complete_graph_) return;
  const auto& now = state_.cur();
  const auto& before = state_.nxt();  // last week's states until the next decisions
  // the residents whose state changed, in ascending order (integer counts: any
  // order would give the same)
  for (std::size_t word = 0; word < changed_bits_.size(); ++word)
    for (std::uint64_t bits = changed_bits_[word]; bits != 0; bits &= bits - 1) {
      const auto i = static_cast<std::uint32_t>(word * 64 + static_cast<std::size_t>(__builtin_ctzll(bits)));
      const auto dm = static_cast<std::uint32_t>((now[i] >= kMember) - (before[i] >= kMember));
      const auto da = static_cast<std::uint32_t>((now[i] == kActive) - (before[i] == kActive));
      for (std::uint32_t j : net_.neighbours(i)) {
        contact_members_[j] += dm;  // modulo 2^32: adding (uint32)-1 subtracts one
        contact_actives_[j] += da;
      }
    }
}

const std::vector<double>& OrganizingModel::hardship(std::size_t issue) const {
  h_resident_.resize(K_);
  auto& h = h_resident_[issue];
  h.resize(n_);
  for (std::uint32_t i = 0; i < n_; ++i) h[i] = hcell_[(static_cast<std::size_t>(nb_[i]) * G_ + grp_[i]) * K_ + issue];
  return h;
}

std::uint32_t OrganizingModel::contact_in(std::uint32_t m, std::uint32_t b, Stream& s) const noexcept {
  const std::uint32_t lo = nb_start_[b], hi = nb_start_[b + 1];
  if (complete_graph_) {  // everyone in b but m (m lives in b)
    if (hi - lo < 2) return lo + s.below(hi - lo);
    const std::uint32_t j = s.below(hi - lo - 1);
    return lo + (j < m - lo ? j : j + 1);
  }
  // neighbour lists are sorted and residents are numbered by neighbourhood:
  // the contacts in b are one run of the list
  const auto nbrs = net_.neighbours(m);
  const auto first = std::lower_bound(nbrs.begin(), nbrs.end(), lo);
  const auto last = std::lower_bound(first, nbrs.end(), hi);
  const auto count = static_cast<std::uint32_t>(last - first);
  return count == 0 ? lo + s.below(hi - lo) : first[s.below(count)];
}

inline std::uint32_t OrganizingModel::random_contact(std::uint32_t i, Stream& s) const noexcept {
  const std::uint32_t d = net_.degree(i);
  if (d == 0) return i;
  return net_.neighbour(i, s.below(d));
}

// ------------------------------------------------------------------ the week

void OrganizingModel::apply_events(std::uint32_t week) {
  for (const Event& ev : events_) {
    if (ev.week != week) continue;
    for (std::uint32_t b = 0; b < B_; ++b) {
      if (ev.nb >= 0 && static_cast<std::uint32_t>(ev.nb) != b) continue;
      for (std::uint32_t k = 0; k < K_; ++k) {
        if (ev.issue >= 0 && static_cast<std::uint32_t>(ev.issue) != k) continue;
        if (ev.type == Event::Structural)
          for (std::uint32_t g = 0; g < G_; ++g) expo_[(b * G_ + g) * K_ + k] *= 1.0 + ev.size;
        if (ev.type == Event::Shock) pending_shock_[b * K_ + k] += ev.size;
      }
    }
    if (ev.type == Event::SubsidyCut)
      for (std::size_t w = 0; w < w_nb_.size(); ++w) {
        if (w_funder_[w] < 0 || (ev.inst >= 0 && w_funder_[w] != ev.inst)) continue;
        if (ev.nb >= 0 && w_nb_[w] != static_cast<std::uint32_t>(ev.nb)) continue;
        // a budget decision: funding and the level it recovers to both fall, for good unless `recovery`
        w_budget_[w] = clamp01(w_budget_[w] - ev.size * w_dep_[w]);
        w_budget_recovery_[w] = ev.recovery;
        w_funding_[w] = clamp01(w_funding_[w] - ev.size * w_dep_[w]);
      }
    if (ev.type == Event::Strategy) apply_strategy(ev.strategy);
    if (ev.type == Event::Set) change(ev.key, ev.value);
  }
}

// 1. Environment (MODEL.md 3.1):
//   h_ik ← clip(h_ik + λ_h (H_ik − h_ik) + shock_k(b) x_ik (1 − safety_net)),
//   s_i ← clip(s_i + λ_in,i mean_k(h_ik) (1 − s_i) − λ_out s_i),
// with H_ik from structural_cell (the only place it is formed).
// Hardship is the same for everyone in a cell (deviation 19), so it is updated
// once per cell; the survival load per resident.
void OrganizingModel::environment(const StepContext& ctx) {
  const double sn = 1.0 - p_.safety_net, lambda_h = p_.lambda_h, lambda_out = p_.lambda_out;
  const std::uint32_t cells = B_ * G_;
  hmean_cell_.resize(cells);
  for (std::uint32_t c = 0; c < cells; ++c) {
    const std::uint32_t b = c / G_;
    double hmean = 0;
    for (std::uint32_t k = 0; k < K_; ++k) {
      const double H = structural_cell(c, b, k);
      double& hk = hcell_[c * K_ + k];
      hk = clamp01(hk + lambda_h * (H - hk) + pending_shock_[b * K_ + k] * expo_[c * K_ + k] * sn);
      hmean += hk;
    }
    hmean_cell_[c] = hmean / K_;
  }
  ctx.parallel.for_blocks(n_, block_, [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t ii = begin; ii < end; ++ii) {
      const auto i = static_cast<std::uint32_t>(ii);
      const double hmean = hmean_cell_[nb_[i] * G_ + grp_[i]];
      s_[i] = clamp01(s_[i] + lam_in_[i] * hmean * (1.0 - s_[i]) - lambda_out * s_[i]);
    }
  });
  std::fill(pending_shock_.begin(), pending_shock_.end(), 0.0);
}

namespace {
/// A count from fractional hours: the floor plus a Bernoulli remainder, so that
/// the expected count is x (README deviation 3). Draws one uniform.
std::uint32_t whole(double x, Stream& s) {
  const double f = std::floor(x);
  return static_cast<std::uint32_t>(f) + (s.uniform() < x - f ? 1u : 0u);
}
}  // namespace

// 2. Social workers (MODEL.md 3.2), each in index order: effective hours =
// hours × funding; casework takes casework_share of them, the rest is split by
// the profile into dialogue, organising and coalition building.
void OrganizingModel::workers_act(const StepContext& ctx) {
  const auto& st = state_.cur();
  std::fill(meeting_.begin(), meeting_.end(), 0);
  std::fill(att_count_.begin(), att_count_.end(), 0.0);
  std::fill(att_skill_sum_.begin(), att_skill_sum_.end(), 0.0);
  casework_hours_ = collective_hours_ = 0;
  if (w_nb_.empty()) return;

  // members of each neighbourhood last week, and its two most skilled members
  const bool organising_hours = p_.profile[1] > 0 && p_.casework_share < 1;
  if (organising_hours) {
    std::uint32_t pos = 0;
    for (std::uint32_t b = 0; b < B_; ++b) {
      members_off_[b] = pos;
      std::uint32_t best = n_, second = n_;
      for (std::uint32_t i = nb_start_[b]; i < nb_start_[b + 1]; ++i) {
        if (st[i] < kMember || coopted_[i]) continue;
        members_list_[pos++] = i;
        if (best == n_ || skill_[i] > skill_[best]) {
          second = best;
          best = i;
        } else if (second == n_ || skill_[i] > skill_[second]) {
          second = i;
        }
      }
      top_members_[b] = {best, second};
    }
    members_off_[B_] = pos;
  }

  for (std::uint32_t w = 0; w < w_nb_.size(); ++w) {
    const std::uint32_t b = w_nb_[w];
    if (nb_start_[b + 1] == nb_start_[b]) continue;
    auto s = ctx.rng.stream(ctx.step, w, kPurposeWorker);
    const double hours = p_.hours * w_funding_[w];
    const double collective = (1.0 - p_.casework_share) * hours;
    casework_hours_ += p_.casework_share * hours;
    collective_hours_ += collective;
    casework(b, hours, s);
    dialogue(b, collective * p_.profile[0], ctx.step, s);
    organising(b, collective * p_.profile[1], ctx.step, s);
    coalition_building(b, collective * p_.profile[2], s);
  }
}

// Casework: ⌊casework_share × hours / hours_per_case⌋ clients, each the
// highest-s resident of its own random sample of case_sample residents of b
// (with replacement); s ← s − relief (1 − 0.3 iron_rule), ℓ ← ℓ + iron_rule ×
// skill_gain. Casework never changes H.
void OrganizingModel::casework(std::uint32_t b, double hours, Stream& s) {
  const std::uint32_t nb_n = nb_start_[b + 1] - nb_start_[b];
  const auto cases = static_cast<std::uint32_t>(std::floor(p_.casework_share * hours / p_.hours_per_case));
  const auto sample = static_cast<std::uint32_t>(p_.case_sample);
  for (std::uint32_t c = 0; c < cases; ++c) {
    std::uint32_t best = nb_start_[b];
    if (sample >= nb_n) {
      // a sample as large as the neighbourhood is the neighbourhood: its neediest,
      // found in one pass (drawing a million residents a case would only approach it)
      for (std::uint32_t i = nb_start_[b] + 1; i < nb_start_[b] + nb_n; ++i)
        if (s_[i] > s_[best]) best = i;
    } else {
      best = nb_start_[b] + s.below(nb_n);
      for (std::uint32_t q = 1; q < sample; ++q) {
        const std::uint32_t i = nb_start_[b] + s.below(nb_n);
        if (s_[i] > s_[best]) best = i;
      }
    }
    s_[best] = clamp01(s_[best] - p_.relief * (1.0 - 0.3 * p_.iron_rule));
    skill_[best] = clamp01(skill_[best] + p_.iron_rule * p_.skill_gain);
  }
}

// Dialogue: b meets when (week + b) mod meeting_interval = 0; the dialogue
// hours of the weeks between meetings go to that meeting (deviation 2):
// dialogue hours × meeting_interval × invites_per_hour invitations. An invited
// resident attends with probability L K (0.5 + G) / 1.5; attendees are
// consulted, and with probability meeting_recruit contacted.
void OrganizingModel::dialogue(std::uint32_t b, double hours, std::uint32_t week, Stream& s) {
  const auto interval = static_cast<std::uint32_t>(p_.meeting_interval);
  if (!(hours > 0 && (week + b) % interval == 0)) return;
  const auto t = static_cast<std::int32_t>(week);
  const std::uint32_t nb_n = nb_start_[b + 1] - nb_start_[b];
  const std::uint32_t invites = whole(hours * interval * p_.invites_per_hour, s);
  for (std::uint32_t q = 0; q < invites; ++q) {
    const std::uint32_t i = nb_start_[b] + s.below(nb_n);
    const double attend = L_[i] * capacity(i) * (0.5 + grievance(i)) / 1.5;
    const double u = s.uniform(), u2 = s.uniform();
    if (u >= attend || consulted_at_[i] == t) continue;
    consulted_at_[i] = t;  // attended this week (feedback) and consulted (observe)
    meeting_[b] = 1;
    att_count_[b] += 1;
    att_skill_sum_[b] += skill_[i];
    if (u2 < p_.meeting_recruit) contacted_at_[i] = t;
  }
}

// Organising: hours / hours_per_121 one-to-ones. With probability snowball the
// target is a random contact in b of a random member (members as of last week;
// a member without contacts in b: a random resident of b), else a random
// resident of b: a worker organises its own neighbourhood. The target is contacted and agitated,
// E ← E + agitation (1 − E); the organisation cuts its target issue,
// c ← c + issue_cut (1 − c); the two most skilled members gain
// training × power_literacy skill.
void OrganizingModel::organising(std::uint32_t b, double hours, std::uint32_t week, Stream& s) {
  if (!(hours > 0)) return;
  const auto t = static_cast<std::int32_t>(week);
  const std::uint32_t nb_n = nb_start_[b + 1] - nb_start_[b];
  const std::uint32_t talks = whole(hours / p_.hours_per_121, s);
  const std::uint32_t mcount = members_off_[b + 1] - members_off_[b];
  const int k = target_issue_[b];
  for (std::uint32_t q = 0; q < talks; ++q) {
    std::uint32_t target;
    const double u = s.uniform();
    if (mcount > 0 && u < p_.snowball) {
      const std::uint32_t m = members_list_[members_off_[b] + s.below(mcount)];
      target = contact_in(m, b, s);
    } else {
      target = nb_start_[b] + s.below(nb_n);
    }
    contacted_at_[target] = t;
    E_[target] += p_.agitation * (1.0 - E_[target]);
    double& c = conc_[b * K_ + k];
    c += p_.issue_cut * (1.0 - c);
    wc_[b * K_ + k] = issue_w_[k] * c;
    for (std::uint32_t top : top_members_[b])
      if (top < n_) skill_[top] = clamp01(skill_[top] + p_.training * p_.power_literacy);
  }
}

// Coalition building: each unallied CSO of b joins the alliance with
// probability ally_rate × coalition hours × interest[target issue].
void OrganizingModel::coalition_building(std::uint32_t b, double hours, Stream& s) {
  if (!(hours > 0)) return;
  for (std::size_t c = 0; c < cso_nb_.size(); ++c) {
    if (cso_nb_[c] != b || cso_allied_[c]) continue;
    const double p = p_.ally_rate * hours * cso_interest_[c][target_issue_[b]];
    if (s.uniform() < p) cso_allied_[c] = 1;
  }
}

// Decisions (MODEL.md 3.3): one move per resident, from last week's state, in
// this order:
//   1. MEMBER/ACTIVE → PASSIVE with probability dropout (1 − E)(1 − K);
//   2. ACTIVE → MEMBER at level 0, when f > fatigue_max, or when co-opted;
//   3. MEMBER → ACTIVE when the organisation acts (e ≥ 1), not co-opted,
//      f ≤ fatigue_max, m ≥ θ (1 − ℓ) (0 for leaders) and M − r P > act_threshold;
//   4. PASSIVE → MEMBER when contacted this week (a one-to-one, a meeting, or
//      each member contact with probability invite) and M > join_threshold.
// M = (G E K)^(1/3) is compared through its cube (motive3, join3) where M itself
// is not needed.
inline std::uint8_t OrganizingModel::decide(std::uint32_t i, int e, std::uint8_t s0, double nm, double na,
                                            double motive3, double K, double risk, double u_drop, double u_invite,
                                            std::int32_t t, const OrganizingParams& p, double join3) const noexcept {
  if (s0 >= kMember && u_drop < p.dropout * (1.0 - E_[i]) * (1.0 - K)) return kPassive;
  if (s0 == kActive) return (e == 0 || f_[i] > p.fatigue_max || coopted_[i]) ? kMember : kActive;
  if (s0 == kMember) {
    if (e >= 1 && !coopted_[i] && f_[i] <= p.fatigue_max) {
      const bool leader = skill_[i] > p.leader_skill;
      const double m = nm > 0 ? na / nm : 0.0;
      const double need = leader ? 0.0 : theta_[i] * (1.0 - skill_[i]);
      if (m >= need && std::cbrt(motive3) - r_[i] * risk > p.act_threshold) return kActive;
    }
    return kMember;
  }
  if (motive3 > join3) {
    // 1 − (1 − invite)^nm, the chance that a member contact invites; the power from
    // this week's table (the same std::pow values) where the degree allows
    const double miss = nm < static_cast<double>(invite_miss_.size()) ? invite_miss_[static_cast<std::size_t>(nm)]
                                                                      : std::pow(1.0 - p.invite, nm);
    const bool contacted = contacted_at_[i] == t || (nm > 0 && u_invite < 1.0 - miss);
    if (contacted) return kMember;
  }
  return kPassive;
}

// 3. Residents decide (parallel; read last week, write this week).
void OrganizingModel::residents_decide(const StepContext& ctx) {
  const auto t = static_cast<std::int32_t>(ctx.step);
  const auto& cur = state_.cur();
  // restrict: the byte stores to the new states do not alias the columns' addresses
  std::uint8_t* __restrict nxt = state_.nxt().data();
  constexpr std::size_t Q = 5;  // per-neighbourhood partials: actives, members, leaders, leader skill, co-opted members
  const std::size_t stride = static_cast<std::size_t>(B_) * Q;
  // perceived risk per neighbourhood, P = ρ^act_j exp(−A_b / (a0 N_b)) (safety in
  // numbers uses last week's actives; deviation 14)
  std::vector<double>& risk = risk_;
  for (std::uint32_t b = 0; b < B_; ++b) {
    const int j = target_inst_[b];
    const double nb_n = std::max(1u, nb_start_[b + 1] - nb_start_[b]);
    risk[b] = j < 0 ? 0.0 : inst_rho_act_[j] * std::exp(-A_prev_[b] / (p_.a0 * nb_n));
  }
  const double mtot = member_total_prev_, atot = active_total_prev_;
  const double join3 = p_.join_threshold * p_.join_threshold * p_.join_threshold;
  invite_miss_.resize(static_cast<std::size_t>(max_degree_) + 1);
  for (std::size_t m = 0; m < invite_miss_.size(); ++m) invite_miss_[m] = std::pow(1.0 - p_.invite, static_cast<double>(m));
  const OrganizingParams p = p_;  // a local copy: stores to columns cannot alias it
  ctx.parallel.for_blocks(n_, block_, [&](std::size_t blk, std::size_t begin, std::size_t end) {
    double* part = partials_.data() + blk * stride;
    std::fill(part, part + stride, 0.0);
    // this block's words of the changed-residents bitmap (begin is a multiple of 64)
    std::uint64_t* changed = changed_bits_.data() + begin / 64;
    std::fill(changed, changed_bits_.data() + (end + 63) / 64, std::uint64_t{0});
    const double* att = att_.data();
    // one Philox block a resident a week (two decisions and the peer for the
    // attitude step), computed for a chunk of residents at once
    constexpr std::size_t kChunk = 256;
    alignas(64) std::uint32_t w[4][kChunk];
    std::uint32_t peers[kChunk];
    for (std::size_t c0 = begin; c0 < end; c0 += kChunk) {
      const std::size_t c1 = std::min(end, c0 + kChunk);
      ctx.rng.first_blocks(ctx.step, static_cast<std::uint32_t>(c0), c1 - c0, kPurposeResidentWeek, w[0], w[1], w[2],
                           w[3]);
      // runs of one (neighbourhood, group) cell: what is the same for the cell is read once
      for (std::size_t r0 = c0; r0 < c1;) {
        const std::uint32_t b = nb_[r0], cell = b * G_ + grp_[r0];
        const std::size_t r1 = std::min<std::size_t>(c1, cell_start_[cell + 1]);
        const double g_cell = cell_grievance(b, cell);
        const double risk_b = risk[b];
        const int e = level_[b];
        double* pb = part + static_cast<std::size_t>(b) * Q;
        std::uint32_t n_act = 0, n_mem = 0, n_lead = 0, n_coopt = 0;
        double lead_skill = pb[3];  // the same additions in the same order as into pb[3]
        for (std::size_t ii = r0; ii < r1; ++ii) {
          const auto i = static_cast<std::uint32_t>(ii);
          const std::uint8_t s0 = cur[i];
          // member contacts and how many of them acted last week
          double nm = 0, na = 0;
          if (complete_graph_) {
            nm = mtot - (s0 >= kMember ? 1 : 0);
            na = atot - (s0 == kActive ? 1 : 0);
          } else {
            nm = contact_members_[i];
            na = contact_actives_[i];
          }
          const std::size_t q = ii - c0;
          // the stream's first three words: two uniforms (Stream::uniform32) and the
          // peer, a contact drawn as Stream::below does (Lemire); its rare second
          // try continues the same stream
          const double u_drop = static_cast<double>(w[0][q]) * 0x1.0p-32;
          const double u_invite = static_cast<double>(w[1][q]) * 0x1.0p-32;
          const std::uint32_t d = net_.degree(i);
          std::uint32_t peer = i;
          if (d > 0) {
            const std::uint64_t m = static_cast<std::uint64_t>(w[2][q]) * d;
            if (static_cast<std::uint32_t>(m) >= d) {
              peer = net_.neighbour(i, static_cast<std::uint32_t>(m >> 32));
            } else {
              auto rs = ctx.rng.stream(ctx.step, i, kPurposeResidentWeek, {w[0][q], w[1][q], w[2][q], w[3][q]});
              rs.next_u32();
              rs.next_u32();
              peer = random_contact(i, rs);
            }
          }
          peers[ii - c0] = peer;
          const double K = capacity(i);
          const double motive3 = (1.0 - L_[i]) * g_cell * E_[i] * K;
          const std::uint8_t s1 = decide(i, e, s0, nm, na, motive3, K, risk_b, u_drop, u_invite, t, p, join3);
          nxt[i] = s1;
          if (s1 != s0) changed[(ii - begin) / 64] |= std::uint64_t{1} << (ii % 64);
          n_act += s1 == kActive;
          n_mem += s1 == kMember;
          const bool coopted = coopted_[i] != 0;
          if (s1 >= kMember && !coopted && skill_[i] > p.leader_skill) {
            ++n_lead;
            lead_skill += skill_[i];
          }
          n_coopt += s1 >= kMember && coopted;
        }
        // counts are whole numbers: adding them at once is exact
        pb[0] += n_act;
        pb[1] += n_mem;
        pb[2] += n_lead;
        pb[3] = lead_skill;
        pb[4] += n_coopt;
        r0 = r1;
      }
      // the drawn contacts' attitudes for the feedback's Deffuant step (NaN: no
      // contact, for which no comparison holds), gathered in a loop of their own
      // so that the random reads overlap; the attitudes change only in the feedback
      for (std::size_t ii = c0; ii < c1; ++ii) {
        const std::uint32_t q = peers[ii - c0];
        peer_att_[ii] = q != ii ? att[q] : std::numeric_limits<double>::quiet_NaN();
      }
    }
  });
  state_.swap();
  // combine block partials in block order
  std::fill(A_.begin(), A_.end(), 0.0);
  std::fill(Mem_.begin(), Mem_.end(), 0.0);
  std::fill(leaders_.begin(), leaders_.end(), 0.0);
  std::fill(leader_skill_sum_.begin(), leader_skill_sum_.end(), 0.0);
  std::fill(coopted_members_.begin(), coopted_members_.end(), 0.0);
  const std::size_t nblk = Parallel::block_count(n_, block_);
  for (std::size_t blk = 0; blk < nblk; ++blk) {
    const double* part = partials_.data() + blk * stride;
    for (std::uint32_t b = 0; b < B_; ++b) {
      A_[b] += part[b * Q + 0];
      Mem_[b] += part[b * Q + 1];
      leaders_[b] += part[b * Q + 2];
      leader_skill_sum_[b] += part[b * Q + 3];
      coopted_members_[b] += part[b * Q + 4];
    }
  }
}

// Power (MODEL.md 3.4):
//   Π_b = (A_b + member_weight M_b + Σ_allied members × legitimacy) / N_b × (1 + mean skill of leaders),
// with A_b the actives, M_b the members who are not acting and leaders the
// members with ℓ > leader_skill, none of them co-opted (a co-opted resident is
// never ACTIVE after the decisions, so A_b needs no correction).
double OrganizingModel::power(std::uint32_t b) const noexcept {
  const double nb_n = std::max(1u, nb_start_[b + 1] - nb_start_[b]);
  double allied_power = 0;
  for (std::size_t c = 0; c < cso_nb_.size(); ++c)
    if (cso_nb_[c] == b && cso_allied_[c]) allied_power += cso_members_[c] * cso_legit_[c];
  const double lead_skill = leaders_[b] > 0 ? leader_skill_sum_[b] / leaders_[b] : 0.0;
  return (A_[b] + p_.member_weight * (Mem_[b] - coopted_members_[b]) + allied_power) / nb_n * (1.0 + lead_skill);
}

// Escalation (MODEL.md 3.4): up one level when `patience` weeks have passed at
// the current level without a concession, Π_b ≥ power_needed[e+1] and, for
// level 4, turnout_needed × N_b residents acted last week; never above
// max_level. Otherwise down one level when Π_b < deescalate × power_needed[e].
void OrganizingModel::escalation(std::uint32_t b, double power) noexcept {
  const double nb_n = std::max(1u, nb_start_[b + 1] - nb_start_[b]);
  const int max_level = static_cast<int>(p_.max_level);
  int& e = level_[b];
  if (e > max_level) e = max_level;
  weeks_at_level_[b] += 1;
  const bool turnout = e + 1 < 4 || A_prev_[b] >= p_.turnout_needed * nb_n;
  if (e < max_level && weeks_at_level_[b] >= p_.patience && power >= p_.power_needed[e + 1] && turnout) {
    ++e;
    weeks_at_level_[b] = 0;
  } else if (e >= 1 && power < p_.deescalate * p_.power_needed[e]) {
    --e;
    weeks_at_level_[b] = 0;
  }
}

// Pressure on the target institution j (MODEL.md 3.4):
//   P_bj = [Π_b intensity[e] + assembly_weight Σ_allied legitimacy (in an assembly week)] (ω_j if e = 0 else 1)
//          + ω_j voice V_b / N_b × mean skill of attendees,
// with V_b this week's attendees: responsiveness gates all level-0 pressure,
// an accountability assembly's too.
double OrganizingModel::pressure(std::uint32_t b, bool assembly) const noexcept {
  const int j = target_inst_[b];
  if (j < 0) return 0;
  const double nb_n = std::max(1u, nb_start_[b + 1] - nb_start_[b]);
  double allied_legit = 0;
  for (std::size_t c = 0; c < cso_nb_.size(); ++c)
    if (cso_nb_[c] == b && cso_allied_[c]) allied_legit += cso_legit_[c];
  const int e = level_[b];
  const double omega = inst_omega_[j];
  const double attendee_skill = att_count_[b] > 0 ? att_skill_sum_[b] / att_count_[b] : 0.0;
  const double gate = e == 0 ? omega : 1.0;
  return Pi_[b] * p_.intensity[e] * gate + omega * p_.voice * att_count_[b] / nb_n * attendee_skill +
         (assembly && allied_legit > 0 ? p_.assembly_weight * allied_legit * gate : 0.0);
}

// 4. Organisations (per neighbourhood): power, escalation, pressure.
void OrganizingModel::organisations(const StepContext& ctx) {
  actions_ = 0;
  const bool assembly = p_.assembly_interval >= 1 &&
                        ctx.step % static_cast<std::uint32_t>(p_.assembly_interval) == 0;
  for (std::uint32_t b = 0; b < B_; ++b) {
    Pi_[b] = power(b);
    escalation(b, Pi_[b]);
    if (level_[b] >= 1) ++actions_;
    P_[b] = pressure(b, assembly);
  }
}

// Concession of `size` on b's target issue by institution j:
// C_k(b) += size, counted as won by pressure or in consultation; the
// institution's legitimacy rises by legit_concession × min(1, size / gain).
// Any concession restarts the escalation clock (the weeks at the current level
// "with no concession", MODEL.md 3.4) and the count of unanswered acting weeks;
// only a concession to pressure also returns the level to 0.
void OrganizingModel::concession(std::uint32_t b, double size, bool by_pressure, std::uint32_t j) noexcept {
  weeks_at_level_[b] = 0;
  weeks_acting_unanswered_[b] = 0;
  const int k = target_issue_[b];
  C_[b * K_ + k] += size;
  (by_pressure ? won_pressure_ : won_consult_)[b] += size;
  conceded_[b] += size;
  inst_legit_[j] = clamp01(inst_legit_[j] + p_.legit_concession * std::min(1.0, p_.gain > 0 ? size / p_.gain : 1.0));
}

// Concession to pressure (MODEL.md 3.5): if anyone presses j, with probability
// logistic((P̃_j / R_j − 1) / spread) one pressing neighbourhood, drawn with
// weight P_bj, gets gain (1 − C_k(b)) min(1, P̃_j / R_j) on its target issue
// (won by pressure if it was acting, else in consultation); its level returns
// to 0. Draws two uniforms whether or not anyone presses.
void OrganizingModel::concession_to_pressure(std::uint32_t j, double total, Stream& s) noexcept {
  const double pt = inst_Ptilde_[j], R = inst_R_[j];
  const double u_concede = s.uniform(), u_pick = s.uniform();
  if (!(total > 0 && u_concede < logistic((pt / R - 1.0) / p_.spread))) return;
  double acc = 0;
  std::uint32_t pick = B_;
  for (std::uint32_t b = 0; b < B_ && pick == B_; ++b) {
    if (target_inst_[b] != static_cast<int>(j) || P_[b] <= 0) continue;
    acc += P_[b];
    if (u_pick * total < acc) pick = b;
  }
  if (pick == B_)  // rounding: the last pressing neighbourhood
    for (std::uint32_t b = 0; b < B_; ++b)
      if (target_inst_[b] == static_cast<int>(j) && P_[b] > 0) pick = b;
  const int k = target_issue_[pick];
  const double size = p_.gain * (1.0 - C_[pick * K_ + k]) * std::min(1.0, pt / R);
  concession(pick, size, level_[pick] >= 1, j);
  level_[pick] = 0;
}

// Co-optation (MODEL.md 3.5): called when 0 < P̃_j < R_j, e ≤ 1, b has leaders
// and the week's draw fell below `cooptation`: the leader of b at position
// ⌊u_pick × leaders⌋ becomes co-opted (no longer a leader, no longer counted in
// power, never ACTIVE), trust += coopt_trust (1 − L). It lasts
// `cooptation_term` weeks (0: for good); feedback ends it.
void OrganizingModel::cooptation(std::uint32_t b, double u_pick, std::uint32_t week) noexcept {
  auto target = static_cast<std::uint32_t>(u_pick * leaders_[b]);
  const auto& st = state_.cur();
  for (std::uint32_t i = nb_start_[b]; i < nb_start_[b + 1]; ++i) {
    if (st[i] < kMember || coopted_[i] || skill_[i] <= p_.leader_skill) continue;
    if (target-- == 0) {
      coopted_[i] = 1;
      coopted_since_[i] = static_cast<std::int32_t>(week);
      L_[i] += p_.coopt_trust * (1.0 - L_[i]);
      leaders_[b] -= 1;
      leader_skill_sum_[b] -= skill_[i];
      return;
    }
  }
}

// Sanction (MODEL.md 3.5) of b's campaign by j (drawn with probability
// ρ_j Λ_j e/4 at e ≥ 3): ρ^act_j += risk_jump (1 − ρ^act_j), Λ_j −= legit_sanction,
// a worker of b funded by j loses subsidy_cut × d_w of funding, one funded by
// another institution funder_solidarity × subsidy_cut × d_w.
void OrganizingModel::sanction(std::uint32_t b, std::uint32_t j) noexcept {
  sanctioned_[b] = 1;
  ++sanctions_;
  ++sanctions_total_;
  inst_rho_act_[j] += p_.risk_jump * (1.0 - inst_rho_act_[j]);
  inst_legit_[j] = clamp01(inst_legit_[j] - p_.legit_sanction);
  for (std::size_t w = 0; w < w_nb_.size(); ++w) {
    if (w_nb_[w] != b || w_funder_[w] < 0) continue;
    const double cut = (w_funder_[w] == static_cast<int>(j) ? 1.0 : p_.funder_solidarity) * p_.subsidy_cut * w_dep_[w];
    if (cut > 0) {
      w_funding_[w] = clamp01(w_funding_[w] - cut);
      w_cut_[w] = 1;
    }
  }
}

// Legitimacy lost to unanswered action (MODEL.md 3.5): each week that b acts
// (e ≥ 1) without a concession counts; every `patience`-th such week is an
// ignored action (efficacy falls, deviation 7), and at e ≥ 2 the week costs
// Λ_j legit_action × e/4.
void OrganizingModel::unanswered_action(std::uint32_t b, std::uint32_t j) noexcept {
  const int e = level_[b];
  if (e >= 1 && conceded_[b] == 0) {
    weeks_acting_unanswered_[b] += 1;
    if (weeks_acting_unanswered_[b] % static_cast<int>(p_.patience) == 0) ignored_[b] = 1;
    if (e >= 2) inst_legit_[j] = clamp01(inst_legit_[j] - p_.legit_action * e / 4.0);
  }
}

// 5. Institutions (index order). P̃_j ← (1 − β) P̃_j + β Σ_b P_bj; then the
// concession to pressure, and per neighbourhood that targets j: consultation
// (each meeting concedes small_gain (1 − C_k(b)) with probability ω_j),
// co-optation, sanction and unanswered action; Λ_j recovers towards Λ_j0 at
// legit_recovery; funding lost to a sanction recovers towards the budget.
void OrganizingModel::institutions(const StepContext& ctx) {
  std::fill(conceded_.begin(), conceded_.end(), 0.0);
  std::fill(sanctioned_.begin(), sanctioned_.end(), 0);
  std::fill(ignored_.begin(), ignored_.end(), 0);
  std::fill(w_cut_.begin(), w_cut_.end(), 0);
  sanctions_ = 0;
  for (std::uint32_t j = 0; j < J_; ++j) {
    auto s = ctx.rng.stream(ctx.step, j, kPurposeInstitution);
    double total = 0;
    for (std::uint32_t b = 0; b < B_; ++b)
      if (target_inst_[b] == static_cast<int>(j)) total += P_[b];
    double& pt = inst_Ptilde_[j];
    pt = (1.0 - p_.beta) * pt + p_.beta * total;
    const double R = inst_R_[j];
    concession_to_pressure(j, total, s);
    inst_rho_act_[j] += p_.risk_decay * (inst_rho_[j] - inst_rho_act_[j]);
    for (std::uint32_t b = 0; b < B_; ++b) {
      if (target_inst_[b] != static_cast<int>(j)) continue;
      const double u_meet = s.uniform(), u_coopt = s.uniform(), u_pickl = s.uniform(), u_sanction = s.uniform();
      const int k = target_issue_[b];
      // consultation: each meeting concedes a little with probability ω
      if (meeting_[b] && u_meet < inst_omega_[j]) concession(b, p_.small_gain * (1.0 - C_[b * K_ + k]), false, j);
      const int e = level_[b];
      if (pt > 0 && pt < R && e <= 1 && leaders_[b] > 0 && u_coopt < p_.cooptation) cooptation(b, u_pickl, ctx.step);
      if (e >= 3 && u_sanction < inst_rho_[j] * inst_legit_[j] * e / 4.0) sanction(b, j);
      unanswered_action(b, j);
    }
    inst_legit_[j] = clamp01(inst_legit_[j] + p_.legit_recovery * (inst_legit0_[j] - inst_legit_[j]));
  }
  for (std::size_t w = 0; w < w_nb_.size(); ++w) {
    // a cut budget comes back only at the rate its decision gave; funding lost to a
    // sanction recovers towards the budget (not beyond it)
    w_budget_[w] = std::min(1.0, w_budget_[w] + w_budget_recovery_[w]);
    if (!w_cut_[w]) w_funding_[w] = std::min(w_budget_[w], w_funding_[w] + p_.funding_recovery);
  }
}

namespace {

namespace rules {

// 6. Feedback, per resident (MODEL.md 3.6). `share` is 1 for the engaged
// (members, actives, this week's attendees), 1/3 for residents with a member
// contact (deviation 8), else 0.
//
// The rules are written once for one resident (T = double, masks bool) and
// for two or four at a time (T = F2 or F4, masks I2 or I4: GCC's vector
// extensions, lanes of the same IEEE operations, so the results are bitwise
// those of one at a time). Every choice computes both values and picks one
// (sel), the value the rule's "if" gives; conditions that hold for the whole
// neighbourhood are plain ifs.

/// The feedback's rates (OrganizingParams' names), copied once a week: a
/// small struct of scalars the compiler keeps in registers.
struct FeedbackRates {
  double learning_rate, trust_gain, trust_loss, sanction_trust, media_rate, peer_mu, confidence, mu, rejection,
      fatigue_rate, fatigue_decay, learning, iron_rule;
  explicit FeedbackRates(const OrganizingParams& q) noexcept
      : learning_rate(q.learning_rate), trust_gain(q.trust_gain), trust_loss(q.trust_loss),
        sanction_trust(q.sanction_trust), media_rate(q.media_rate), peer_mu(q.peer_mu), confidence(q.confidence),
        mu(q.mu), rejection(q.rejection), fatigue_rate(q.fatigue_rate), fatigue_decay(q.fatigue_decay),
        learning(q.learning), iron_rule(q.iron_rule) {}
};

// (inline helpers only: GCC's note on the ABI of 32-byte vectors does not concern them)
#pragma GCC diagnostic ignored "-Wpsabi"
using F2 = double __attribute__((vector_size(16)));
using I2 = std::int64_t __attribute__((vector_size(16)));
using F4 = double __attribute__((vector_size(32)));
using I4 = std::int64_t __attribute__((vector_size(32)));

inline double bcast(double x, double) noexcept { return x; }
inline F2 bcast(double x, F2) noexcept { return F2{x, x}; }
inline F4 bcast(double x, F4) noexcept { return F4{x, x, x, x}; }
inline bool mask(bool b, double) noexcept { return b; }
inline I2 mask(bool b, F2) noexcept { return I2{} - static_cast<std::int64_t>(b); }
inline I4 mask(bool b, F4) noexcept { return I4{} - static_cast<std::int64_t>(b); }
inline double sel(bool m, double x, double y) noexcept { return m ? x : y; }
inline F2 sel(I2 m, F2 x, F2 y) noexcept { return m ? x : y; }
inline F4 sel(I4 m, F4 x, F4 y) noexcept { return m ? x : y; }

/// x clipped to [lo, hi]: lo where x < lo, hi where x > hi, else x.
template <class T>
inline T clip(T x, double lo, double hi) noexcept {
  return sel(x < lo, bcast(lo, x), sel(x > hi, bcast(hi, x), x));
}
/// |x| for a comparison (the sign of a zero does not matter there).
template <class T>
inline T magnitude(T x) noexcept {
  return sel(x < 0.0, -x, x);
}

/// Efficacy: after a concession of `conceded`, E += learning_rate
/// min(1, conceded / gain) share (1 − E); after a sanction or an ignored action
/// (`setback`), E −= learning_rate share E. `up_rate` is learning_rate
/// min(1, conceded / gain), the same for the neighbourhood.
template <class T>
inline T efficacy(T E, T share, double conceded, double up_rate, bool setback, const FeedbackRates& p) noexcept {
  const T up = up_rate * share;
  const auto engaged = share > 0.0;
  E = sel(engaged & mask(conceded > 0, E), E + up * (1.0 - E), E);
  return sel(engaged & mask(setback, E), E - p.learning_rate * share * E, E);
}

/// Trust: attendees gain trust_gain (1 − L) in a week with a concession, else
/// lose trust_loss L; a sanction costs sanction_trust L; with a target
/// institution (`has_inst`), L drifts towards its legitimacy Λ at media_rate.
/// Clipped to [0, 1].
template <class T, class M>
inline T trust(T L, M attended, double conceded, bool sanctioned, bool has_inst, double legitimacy,
               const FeedbackRates& p) noexcept {
  L = sel(attended, L + (conceded > 0 ? p.trust_gain * (1.0 - L) : -p.trust_loss * L), L);
  if (sanctioned) L = L - p.sanction_trust * L;
  if (has_inst) L = L + p.media_rate * (legitimacy - L);
  return clip(L, 0.0, 1.0);
}

/// Attitudes (from last week's values): a Deffuant step towards the drawn
/// peer's attitude `peer` (NaN: no peer), a += peer_mu (a_peer − a) when
/// |a_peer − a| < confidence; attendees move towards the institution's stance
/// a_j by mu when |a − a_j| < confidence; actives in confrontation (e ≥ 2)
/// move away by mu when |a − a_j| > rejection (Jager & Amblard 2005).
/// Clipped to [−1, 1].
template <class T, class M>
inline T attitudes(T a, T peer, bool has_inst, double stance, M attended, M confronting,
                   const FeedbackRates& p) noexcept {
  T na = a;
  na = sel(magnitude(peer - a) < p.confidence, na + p.peer_mu * (peer - a), na);
  if (has_inst) {
    na = sel(attended & (magnitude(a - stance) < p.confidence), na + p.mu * (stance - a), na);
    na = sel(confronting & (magnitude(a - stance) > p.rejection), na - p.mu * (stance - a), na);
  }
  return clip(na, -1.0, 1.0);
}

/// Fatigue: ACTIVE f += fatigue_rate (1 − f), else f −= fatigue_decay f.
template <class T, class M>
inline T fatigue(T f, M active, const FeedbackRates& p) noexcept {
  return sel(active, f + p.fatigue_rate * (1.0 - f), f - p.fatigue_decay * f);
}

/// The iron rule's training of members: ℓ += learning (1 − ℓ) iron_rule in a
/// neighbourhood with workers (`with_workers` 1, else 0).
template <class T>
inline T skill_learning(T l, double with_workers, const FeedbackRates& p) noexcept {
  return clip(l + p.learning * (1.0 - l) * p.iron_rule * with_workers, 0.0, 1.0);
}

/// The columns the feedback reads and writes.
struct FeedbackColumns {
  const std::uint8_t* state;             // this week's
  const std::uint32_t* member_contacts;  // member contacts in last week's states
  const std::int32_t* consulted_at;  // the week a resident last attended a consultation
  const double* peer_att;            // the drawn contact's attitude (NaN: none), from the decisions
  double *att, *E, *L, *f, *skill;   // attitudes updated in place: the peers' were read before
  std::uint8_t* coopted;
  const std::int32_t* coopted_since;
};

/// What is the same for a run of residents of one neighbourhood.
struct FeedbackNeighbourhood {
  double conceded, up_rate, legitimacy, stance, iron;
  bool has_inst, sanctioned, setback, confronting;
};

/// The feedback of residents [r0, r1) of one neighbourhood (MODEL.md 3.6),
/// V-wide (V double, F2 or F4) with the rest one at a time. kComplete: member
/// contacts from `member_total` and last week's states `prev`.
template <bool kComplete, class V, class M>
[[gnu::always_inline]] inline void feedback_loop(std::size_t r0, std::size_t r1, const FeedbackColumns& c,
                                                 const FeedbackNeighbourhood& nbr, std::uint32_t member_total,
                                                 const std::uint8_t* prev, std::int32_t t, std::int32_t term,
                                                 const FeedbackRates& pr) noexcept {
  // copies in registers: the stores to the columns cannot alias them
  const FeedbackRates p = pr;
  const double conceded = nbr.conceded, up_rate = nbr.up_rate, legitimacy = nbr.legitimacy, stance = nbr.stance,
               iron = nbr.iron;
  const bool has_inst = nbr.has_inst, sanctioned = nbr.sanctioned, setback = nbr.setback,
             confronting = nbr.confronting;
  const std::uint8_t* __restrict st = c.state;
  const std::int32_t* __restrict attended_at = c.consulted_at;
  const double* __restrict peer_att = c.peer_att;
  const std::uint32_t* __restrict mcs = c.member_contacts;
  const std::uint8_t* __restrict last = prev;
  double* __restrict att = c.att;
  double* __restrict E = c.E;
  double* __restrict L = c.L;
  double* __restrict f = c.f;
  double* __restrict skill = c.skill;
  std::uint8_t* __restrict coopted = c.coopted;
  const std::int32_t* __restrict coopted_since = c.coopted_since;
  auto member_contacts = [&](std::size_t i) -> std::uint32_t {
    if constexpr (kComplete) {
      return member_total - (last[i] >= 1 ? 1u : 0u);
    } else {
      return mcs[i];
    }
  };
  // the end of a co-optation's term: co-opted in week t, free again from week t + term + 1
  auto coopt_term = [&](std::size_t i) {
    const std::uint8_t co = coopted[i];
    coopted[i] = (co != 0) & (term > 0) & (t - coopted_since[i] >= term) ? std::uint8_t{0} : co;
  };
  std::size_t i = r0;
  constexpr std::size_t N = sizeof(V) / sizeof(double);
  if constexpr (N > 1) {
    for (; i + N <= r1; i += N) {
      M member, active, attended, contacts;
      for (std::size_t k = 0; k < N; ++k) {
        member[k] = -static_cast<std::int64_t>(st[i + k] >= 1);  // MEMBER or ACTIVE
        active[k] = -static_cast<std::int64_t>(st[i + k] == 2);
        attended[k] = -static_cast<std::int64_t>(attended_at[i + k] == t);
        contacts[k] = -static_cast<std::int64_t>(member_contacts(i + k) > 0);
      }
      V e, l, a, pa, fv, sk;
      std::memcpy(&e, E + i, sizeof e);
      std::memcpy(&l, L + i, sizeof l);
      std::memcpy(&a, att + i, sizeof a);
      std::memcpy(&pa, peer_att + i, sizeof pa);
      std::memcpy(&fv, f + i, sizeof fv);
      std::memcpy(&sk, skill + i, sizeof sk);
      const V share = sel(member | attended, bcast(1.0, e), sel(contacts, bcast(1.0 / 3.0, e), bcast(0.0, e)));
      e = efficacy(e, share, conceded, up_rate, setback, p);
      l = trust(l, attended, conceded, sanctioned, has_inst, legitimacy, p);
      a = attitudes(a, pa, has_inst, stance, attended, active & mask(confronting, e), p);
      fv = fatigue(fv, active, p);
      sk = sel(member, skill_learning(sk, iron, p), sk);
      std::memcpy(E + i, &e, sizeof e);
      std::memcpy(L + i, &l, sizeof l);
      std::memcpy(att + i, &a, sizeof a);
      std::memcpy(f + i, &fv, sizeof fv);
      std::memcpy(skill + i, &sk, sizeof sk);
      for (std::size_t k = 0; k < N; ++k) coopt_term(i + k);
    }
  }
  // the rest one at a time, by the same rules
  for (; i < r1; ++i) {
    const std::uint8_t si = st[i];
    const bool attended = attended_at[i] == t;
    const bool engaged = si >= 1 || attended;
    const double share = engaged ? 1.0 : (member_contacts(i) > 0 ? 1.0 / 3.0 : 0.0);
    E[i] = efficacy(E[i], share, conceded, up_rate, setback, p);
    L[i] = trust(L[i], attended, conceded, sanctioned, has_inst, legitimacy, p);
    att[i] = attitudes(att[i], peer_att[i], has_inst, stance, attended, si == 2 && confronting, p);
    f[i] = fatigue(f[i], si == 2, p);
    coopt_term(i);
    const double sk = skill[i];
    skill[i] = si >= 1 ? skill_learning(sk, iron, p) : sk;
  }
}

/// feedback_loop for a complete graph or a network.
template <class V, class M>
[[gnu::always_inline]] inline void feedback_lanes(std::size_t r0, std::size_t r1, const FeedbackColumns& c,
                                                  const FeedbackNeighbourhood& nb, bool complete,
                                                  std::uint32_t member_total, const std::uint8_t* prev,
                                                  std::int32_t t, std::int32_t term, const FeedbackRates& p) noexcept {
  if (complete)
    feedback_loop<true, V, M>(r0, r1, c, nb, member_total, prev, t, term, p);
  else
    feedback_loop<false, V, M>(r0, r1, c, nb, member_total, prev, t, term, p);
}

#if defined(__GNUC__) && !defined(__clang__)
#define TEGENMACHT_FEEDBACK_LANES 1
#if defined(__x86_64__)
#define TEGENMACHT_FEEDBACK_AVX2 1
__attribute__((target("avx2"))) void feedback_avx2(std::size_t r0, std::size_t r1, const FeedbackColumns& c,
                                                   const FeedbackNeighbourhood& nb, bool complete,
                                                   std::uint32_t member_total, const std::uint8_t* prev,
                                                   std::int32_t t, std::int32_t term,
                                                   const FeedbackRates& p) noexcept {
  feedback_lanes<F4, I4>(r0, r1, c, nb, complete, member_total, prev, t, term, p);
}
#endif
#endif

/// The feedback of residents [r0, r1) of one neighbourhood: four at a time with
/// AVX2 where the processor has it (simd_level(); AVX2 without FMA, so
/// nothing is contracted), else two (GCC's vector extensions on any processor),
/// else one (other compilers). The same results every way.
void feedback_run(std::size_t r0, std::size_t r1, const FeedbackColumns& c, const FeedbackNeighbourhood& nb,
                  bool complete, std::uint32_t member_total, const std::uint8_t* prev, std::int32_t t,
                  std::int32_t term, const FeedbackRates& p) noexcept {
#ifdef TEGENMACHT_FEEDBACK_AVX2
  static const bool avx2 = simd_level() >= Simd::kAvx2;
  if (avx2) return feedback_avx2(r0, r1, c, nb, complete, member_total, prev, t, term, p);
#endif
#ifdef TEGENMACHT_FEEDBACK_LANES
  feedback_lanes<F2, I2>(r0, r1, c, nb, complete, member_total, prev, t, term, p);
#else
  feedback_lanes<double, bool>(r0, r1, c, nb, complete, member_total, prev, t, term, p);
#endif
}

}  // namespace rules
}  // namespace

void OrganizingModel::feedback(const StepContext& ctx) {
  static_assert(kMember == 1 && kActive == 2, "feedback_run compares states with 1 and 2");
  const auto t = static_cast<std::int32_t>(ctx.step);
  const OrganizingParams p = p_;  // a local copy: stores to columns cannot alias it
  const auto term = static_cast<std::int32_t>(p.cooptation_term);
  const rules::FeedbackRates rates(p);
  const rules::FeedbackColumns cols{state_.cur().data(), contact_members_.data(), consulted_at_.data(),
                                    peer_att_.data(),    att_.data(),              E_.data(),
                                    L_.data(),           f_.data(),                skill_.data(),
                                    coopted_.data(),     coopted_since_.data()};
  const std::uint8_t* prev = state_.nxt().data();  // last week's states
  obs_partials_.resize(Parallel::block_count(n_, block_) * obs_stride());
  ctx.parallel.for_blocks(n_, block_, [&](std::size_t blk, std::size_t begin, std::size_t end) {
    // by runs of one neighbourhood: its institution, concessions and setbacks are read once
    for (std::size_t r0 = begin; r0 < end;) {
      const std::uint32_t b = nb_[r0];
      const std::size_t r1 = std::min<std::size_t>(end, nb_start_[b + 1]);
      const int j = target_inst_[b];
      rules::FeedbackNeighbourhood nb{};
      nb.conceded = conceded_[b];
      nb.up_rate = p.learning_rate * std::min(1.0, p.gain > 0 ? nb.conceded / p.gain : 1.0);
      nb.has_inst = j >= 0;
      nb.legitimacy = j >= 0 ? inst_legit_[j] : 0.0;
      nb.stance = j >= 0 ? inst_stance_[j] : 0.0;
      nb.sanctioned = sanctioned_[b] != 0;
      nb.setback = nb.sanctioned || ignored_[b];
      nb.confronting = level_[b] >= 2;
      nb.iron = nb_iron_[b];
      rules::feedback_run(r0, r1, cols, nb, complete_graph_, member_total_prev_, prev, t, term, rates);
      r0 = r1;
    }
    // observe()'s sums of this block while it is in cache (the state is final for the week)
    observe_block(blk, begin, end, cols.att);
  });
  obs_week_ = week_;
}

void OrganizingModel::step(const StepContext& ctx) {
  week_ = ctx.step;
  apply_events(ctx.step);
  environment(ctx);
  workers_act(ctx);
  residents_decide(ctx);
  organisations(ctx);
  institutions(ctx);
  feedback(ctx);
  update_contact_counts();
  A_prev_ = A_;
  member_total_prev_ = 0;
  active_total_prev_ = 0;
  for (std::uint32_t b = 0; b < B_; ++b) {
    member_total_prev_ += static_cast<std::uint32_t>(A_[b] + Mem_[b]);
    active_total_prev_ += static_cast<std::uint32_t>(A_[b]);
  }
}

}  // namespace tegenmacht::models
