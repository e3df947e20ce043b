// Outputs of the organizing model (MODEL.md section 5).
#include <algorithm>
#include <cmath>
#include <limits>

#include "organizing/organizing.hpp"
#include "tegenmacht/stats.hpp"

namespace tegenmacht::models {

void OrganizingModel::declare(Recorder& rec) {
  rec.set_labels("group", group_names_);
  rec.set_labels("neighbourhood", nb_names_);
  rec.set_labels("institution", inst_names_);
  rec.set_labels("issue", issue_names_);
  auto& m = m_;
  m.member = rec.scalar("member", "share", "share of residents who are members (MEMBER or ACTIVE)");
  m.active = rec.scalar("active", "share", "share of residents ACTIVE this week");
  m.member_g = rec.grouped("member_by_group", "group", "share", "member share within each group");
  m.active_g = rec.grouped("active_by_group", "group", "share", "ACTIVE share within each group");
  m.member_b = rec.grouped("member_by_neighbourhood", "neighbourhood", "share", "member share within each neighbourhood");
  m.active_b = rec.grouped("active_by_neighbourhood", "neighbourhood", "share", "ACTIVE share within each neighbourhood");
  m.consulted_g = rec.grouped("consulted_by_group", "group", "share", "share who attended a consultation in the last 52 weeks");
  m.leaders = rec.scalar("leaders", "residents", "members with skill above leader_skill who are not co-opted");
  m.coopted = rec.scalar("coopted_leaders", "residents", "co-opted residents (within the term of their co-optation)");
  for (std::uint32_t k = 0; k < K_; ++k) {
    m.hardship.push_back(rec.grouped("hardship_" + issue_names_[k], "neighbourhood", "[0,1]",
                                     "mean hardship h for issue " + issue_names_[k]));
    m.structural.push_back(rec.grouped("structural_" + issue_names_[k], "neighbourhood", "[0,1]",
                                       "mean structural hardship H (the baseline hardship moves to) for issue " + issue_names_[k]));
    m.concessions.push_back(rec.grouped("concessions_" + issue_names_[k], "neighbourhood", "[0,1]",
                                        "concessions won C_k(b) on issue " + issue_names_[k]));
  }
  m.hardship_all = rec.scalar("hardship", "[0,1]", "mean hardship over residents and issues");
  m.concessions_all = rec.scalar("concessions", "[0,1]",
                                 "unweighted mean over neighbourhoods of C on the neighbourhood's target issue "
                                 "(per neighbourhood: concessions_by_neighbourhood)");
  m.conc_target = rec.grouped("concessions_by_neighbourhood", "neighbourhood", "[0,1]",
                              "concessions C won by each neighbourhood on its target issue");
  m.won_pressure = rec.scalar("won_by_pressure", "[0,1]", "mean over neighbourhoods of concessions won by pressure (cumulative)");
  m.won_consult = rec.scalar("won_in_consultation", "[0,1]", "mean over neighbourhoods of concessions won in consultation (cumulative)");
  m.arnstein_mean = rec.scalar("arnstein_mean", "rung", "mean Arnstein rung over neighbourhoods");
  m.survival = rec.scalar("survival_load", "[0,1]", "mean survival load s");
  m.survival_g = rec.grouped("survival_load_by_group", "group", "[0,1]", "mean survival load by group");
  m.grievance = rec.scalar("grievance", "[0,1]", "mean grievance G");
  m.trust = rec.scalar("trust", "[0,1]", "mean trust L in institutions");
  m.trust_g = rec.grouped("trust_by_group", "group", "[0,1]", "mean trust by group");
  m.efficacy = rec.scalar("efficacy", "[0,1]", "mean collective efficacy E");
  m.att_mean = rec.scalar("attitude_mean", "[-1,1]", "mean attitude");
  m.att_var = rec.scalar("attitude_variance", "", "variance of attitudes");
  m.att_bc = rec.scalar("attitude_bimodality", "", "Sarle's bimodality coefficient of attitudes (> 5/9: bimodal)");
  m.conc_pressure = rec.grouped("concessions_pressure", "neighbourhood", "[0,1]", "concessions won by pressure (cumulative size)");
  m.conc_consult = rec.grouped("concessions_consultation", "neighbourhood", "[0,1]", "concessions won in consultation (cumulative size)");
  m.escalation = rec.grouped("escalation", "neighbourhood", "level", "escalation level 0-4 of the resident organisation");
  m.power = rec.grouped("power", "neighbourhood", "", "power Π of the resident organisation");
  m.pressure = rec.grouped("pressure", "neighbourhood", "", "pressure P on the target institution");
  m.allied = rec.grouped("allied_csos", "neighbourhood", "organisations", "civil society organisations in the alliance");
  m.actions = rec.scalar("actions", "organisations", "resident organisations acting (level >= 1) this week");
  m.sanctions = rec.scalar("sanctions", "sanctions", "sanctions imposed this week");
  m.sanctions_total = rec.scalar("sanctions_total", "sanctions", "sanctions imposed so far");
  m.legitimacy = rec.grouped("legitimacy", "institution", "[0,1]", "legitimacy Λ of each institution");
  m.funding_mean = rec.scalar("worker_funding_mean", "[0,1]", "mean funding of social workers");
  m.funding_min = rec.scalar("worker_funding_min", "[0,1]", "lowest funding of a social worker");
  m.casework_hours = rec.scalar("casework_hours", "hours/week", "hours of casework this week (all workers)");
  m.collective_hours = rec.scalar("collective_hours", "hours/week", "hours of collective work this week (all workers)");
  m.part_ratio = rec.scalar("participation_ratio", "", "member share of marginalised groups / member share of established groups (NaN while the latter is 0)");
  m.part_gap = rec.scalar("participation_gap", "share",
                          "member share of marginalised minus established groups (positive: the marginalised take "
                          "part more; kept for older files, see exclusion_gap)");
  m.excl_gap = rec.scalar("exclusion_gap", "share",
                          "member share of established minus marginalised groups: how far the marginalised are left "
                          "out (0: equal; lower is better)");
  m.arnstein = rec.grouped("arnstein", "neighbourhood", "rung", "Arnstein's ladder rung 1-8 of the neighbourhood (README: mapping)");
}

std::size_t OrganizingModel::obs_stride() const noexcept { return G_ * kObsGQ + B_ * (kObsBQ + K_) + 5; }

// The sums observe() needs over residents [begin, end) of block blk, into
// obs_partials_: by group (member, active, consulted, survival, trust), by
// neighbourhood (member, active, coopted, consulted, hardship per issue),
// scalars (grievance, efficacy, attitude, leaders, coopted). feedback() calls
// it for each block it has just updated (the block is still in cache, `att`
// this week's attitudes before the swap);
// observe() calls it where no step came before (week 0, a restored state).
void OrganizingModel::observe_block(std::size_t blk, std::size_t begin, std::size_t end, const double* att) noexcept {
  const auto t = static_cast<std::int32_t>(week_);
  const auto& st = state_.cur();
  const std::size_t GQ = kObsGQ, BQ = kObsBQ + K_;
  const std::size_t stride = obs_stride();
  double* p = obs_partials_.data() + blk * stride;
  std::fill(p, p + stride, 0.0);
  double* pg = p;
  double* pb = p + G_ * GQ;
  double* ps = pb + B_ * BQ;
  // by runs of one (neighbourhood, group) cell, with the partial sums in
  // registers: each is loaded, added to in resident order and stored back,
  // the same additions in the same order as one resident at a time
  for (std::size_t r0 = begin; r0 < end;) {
    const std::uint32_t b = nb_[r0], g = grp_[r0], cell = b * G_ + g;
    const std::size_t r1 = std::min<std::size_t>(end, cell_start_[cell + 1]);
    const double* h = hcell_.data() + static_cast<std::size_t>(cell) * K_;
    const double g_cell = cell_grievance(b, cell);
    std::uint32_t n_mem = 0, n_act = 0, n_cons = 0, n_coopt = 0, n_lead = 0;
    double surv = pg[g * GQ + 3], trust = pg[g * GQ + 4];
    double griev = ps[0], eff = ps[1], attsum = ps[2];
    const double leader_skill = p_.leader_skill;
    // hardship is the cell's for each resident: added once per resident, as
    // before; the first two issues in this loop (chains that run alongside
    // the others), any further ones after it
    double hs0 = K_ > 0 ? pb[b * BQ + 4] : 0.0, hs1 = K_ > 1 ? pb[b * BQ + 5] : 0.0;
    const double h0 = K_ > 0 ? h[0] : 0.0, h1 = K_ > 1 ? h[1] : 0.0;
    for (std::size_t ii = r0; ii < r1; ++ii) {
      const auto i = static_cast<std::uint32_t>(ii);
      const bool mem = st[i] >= kMember, act = st[i] == kActive, cons = consulted_at_[i] > t - 52;
      const bool coopted = coopted_[i] != 0;
      n_mem += mem;
      n_act += act;
      n_cons += cons;
      n_coopt += coopted;
      n_lead += mem && !coopted && skill_[i] > leader_skill;
      surv += s_[i];
      trust += L_[i];
      griev += (1.0 - L_[i]) * g_cell;
      eff += E_[i];
      attsum += att[i];
      hs0 += h0;
      hs1 += h1;
    }
    if (K_ > 0) pb[b * BQ + 4] = hs0;
    if (K_ > 1) pb[b * BQ + 5] = hs1;
    pg[g * GQ + 0] += n_mem;
    pg[g * GQ + 1] += n_act;
    pg[g * GQ + 2] += n_cons;
    pg[g * GQ + 3] = surv;
    pg[g * GQ + 4] = trust;
    pb[b * BQ + 0] += n_mem;
    pb[b * BQ + 1] += n_act;
    pb[b * BQ + 2] += n_coopt;
    pb[b * BQ + 3] += n_cons;
    for (std::uint32_t k = 2; k < K_; ++k) {
      double hs = pb[b * BQ + 4 + k];
      for (std::size_t ii = r0; ii < r1; ++ii) hs += h[k];
      pb[b * BQ + 4 + k] = hs;
    }
    ps[0] = griev;
    ps[1] = eff;
    ps[2] = attsum;
    ps[3] += n_lead;
    ps[4] += n_coopt;
    r0 = r1;
  }
}

void OrganizingModel::observe(Recorder& rec) {
  const auto& att = att_;
  const std::size_t GQ = kObsGQ, BQ = kObsBQ + K_;
  const std::size_t stride = obs_stride();
  const std::size_t nblk = Parallel::block_count(n_, block_);
  // the step's feedback summed each block while it had it in cache
  if (obs_week_ != static_cast<std::int64_t>(week_) || obs_partials_.size() != nblk * stride) {
    obs_partials_.resize(nblk * stride);
    parallel_->for_blocks(n_, block_,
                          [&](std::size_t blk, std::size_t begin, std::size_t end) { observe_block(blk, begin, end, att.data()); });
  }
  obs_week_ = -1;

  std::vector<double> sum(stride, 0.0);
  for (std::size_t blk = 0; blk < nblk; ++blk)
    for (std::size_t q = 0; q < stride; ++q) sum[q] += obs_partials_[blk * stride + q];
  const double* sg = sum.data();
  const double* sb = sg + G_ * GQ;
  const double* ss = sb + B_ * BQ;
  const double N = std::max(1u, n_);

  std::vector<double> gsize(G_, 0.0), bsize(B_, 0.0);
  for (std::uint32_t b = 0; b < B_; ++b)
    for (std::uint32_t g = 0; g < G_; ++g) {
      const double n = cell_start_[b * G_ + g + 1] - cell_start_[b * G_ + g];
      gsize[g] += n;
      bsize[b] += n;
    }
  auto share = [](double x, double n) { return n > 0 ? x / n : 0.0; };
  double members = 0, actives = 0;
  for (std::uint32_t b = 0; b < B_; ++b) {
    members += sb[b * BQ + 0];
    actives += sb[b * BQ + 1];
  }
  rec.set(m_.member, members / N);
  rec.set(m_.active, actives / N);
  double est_m = 0, est_n = 0, mar_m = 0, mar_n = 0;
  for (std::uint32_t g = 0; g < G_; ++g) {
    rec.set(m_.member_g, g, share(sg[g * GQ + 0], gsize[g]));
    rec.set(m_.active_g, g, share(sg[g * GQ + 1], gsize[g]));
    rec.set(m_.consulted_g, g, share(sg[g * GQ + 2], gsize[g]));
    rec.set(m_.survival_g, g, share(sg[g * GQ + 3], gsize[g]));
    rec.set(m_.trust_g, g, share(sg[g * GQ + 4], gsize[g]));
    if (group_class_[g] == 0) { est_m += sg[g * GQ]; est_n += gsize[g]; }
    if (group_class_[g] == 2) { mar_m += sg[g * GQ]; mar_n += gsize[g]; }
  }
  double surv = 0, trust = 0;
  for (std::uint32_t g = 0; g < G_; ++g) {
    surv += sg[g * GQ + 3];
    trust += sg[g * GQ + 4];
  }
  rec.set(m_.survival, surv / N);
  rec.set(m_.trust, trust / N);
  const double est = share(est_m, est_n), mar = share(mar_m, mar_n);
  rec.set(m_.part_ratio, est > 0 ? mar / est : std::numeric_limits<double>::quiet_NaN());
  rec.set(m_.part_gap, mar - est);
  rec.set(m_.excl_gap, est - mar);

  double h_all = 0, c_all = 0, wp_all = 0, wc_all = 0, rung_all = 0;
  for (std::uint32_t b = 0; b < B_; ++b) {
    for (std::uint32_t k = 0; k < K_; ++k) h_all += sb[b * BQ + 4 + k];
    c_all += C_[b * K_ + target_issue_[b]];
    rec.set(m_.conc_target, b, C_[b * K_ + target_issue_[b]]);
    wp_all += won_pressure_[b];
    wc_all += won_consult_[b];
  }
  rec.set(m_.hardship_all, h_all / (N * K_));
  rec.set(m_.concessions_all, c_all / B_);
  rec.set(m_.won_pressure, wp_all / B_);
  rec.set(m_.won_consult, wc_all / B_);
  for (std::uint32_t b = 0; b < B_; ++b) {
    rec.set(m_.member_b, b, share(sb[b * BQ + 0], bsize[b]));
    rec.set(m_.active_b, b, share(sb[b * BQ + 1], bsize[b]));
    for (std::uint32_t k = 0; k < K_; ++k) {
      rec.set(m_.hardship[k], b, share(sb[b * BQ + 4 + k], bsize[b]));
      // H is the same for everyone in a cell: average over cells
      double H = 0;
      for (std::uint32_t g = 0; g < G_; ++g) {
        const double n = cell_start_[b * G_ + g + 1] - cell_start_[b * G_ + g];
        H += n * structural_cell(b * G_ + g, b, k);
      }
      rec.set(m_.structural[k], b, share(H, bsize[b]));
      rec.set(m_.concessions[k], b, C_[b * K_ + k]);
    }
    rec.set(m_.conc_pressure, b, won_pressure_[b]);
    rec.set(m_.conc_consult, b, won_consult_[b]);
    rec.set(m_.escalation, b, level_[b]);
    rec.set(m_.power, b, Pi_[b]);
    rec.set(m_.pressure, b, P_[b]);
    double allied = 0;
    for (std::size_t c = 0; c < cso_nb_.size(); ++c) allied += cso_nb_[c] == b && cso_allied_[c];
    rec.set(m_.allied, b, allied);
    // Arnstein's ladder (README, "Arnstein rung")
    const double won = won_pressure_[b] + won_consult_[b];
    const bool coopted = sb[b * BQ + 2] > 0, consulted = sb[b * BQ + 3] > 0;
    int rung;
    if (won <= 0) {
      rung = (consulted ? 3 : 2) - (coopted ? 1 : 0);
    } else if (won_consult_[b] >= won_pressure_[b]) {
      rung = coopted ? 5 : 4;
    } else {
      const double C = C_[b * K_ + target_issue_[b]];
      rung = C >= 0.5 && !coopted ? 8 : (C >= 0.25 ? 7 : 6);
    }
    rec.set(m_.arnstein, b, rung);
    rung_all += rung;
  }
  rec.set(m_.arnstein_mean, rung_all / B_);
  rec.set(m_.grievance, ss[0] / N);
  rec.set(m_.efficacy, ss[1] / N);
  const double amean = ss[2] / N;
  rec.set(m_.att_mean, amean);
  rec.set(m_.leaders, ss[3]);
  rec.set(m_.coopted, ss[4]);
  // attitude variance and bimodality from central moments (fixed-order blocks)
  if (rec.enabled(m_.att_var) || rec.enabled(m_.att_bc)) {
    double m2 = 0, m3 = 0, m4 = 0;
    for (std::size_t blk = 0; blk < nblk; ++blk) {
      double b2 = 0, b3 = 0, b4 = 0;
      const std::size_t begin = blk * block_, end = std::min<std::size_t>(n_, begin + block_);
      for (std::size_t i = begin; i < end; ++i) {
        const double d = att[i] - amean, d2 = d * d;
        b2 += d2;
        b3 += d2 * d;
        b4 += d2 * d2;
      }
      m2 += b2;
      m3 += b3;
      m4 += b4;
    }
    m2 /= N;
    m3 /= N;
    m4 /= N;
    rec.set(m_.att_var, m2);
    double bc = 0;
    if (n_ > 3 && m2 > 0) bc = bimodality_coefficient(N, m3 / std::pow(m2, 1.5), m4 / (m2 * m2) - 3.0);
    rec.set(m_.att_bc, bc);
  }
  rec.set(m_.actions, actions_);
  rec.set(m_.sanctions, sanctions_);
  rec.set(m_.sanctions_total, static_cast<double>(sanctions_total_));
  for (std::uint32_t j = 0; j < J_; ++j) rec.set(m_.legitimacy, j, inst_legit_[j]);
  double fsum = 0, fmin = w_funding_.empty() ? std::numeric_limits<double>::quiet_NaN() : 1.0;
  for (double f : w_funding_) {
    fsum += f;
    fmin = std::min(fmin, f);
  }
  rec.set(m_.funding_mean, w_funding_.empty() ? std::numeric_limits<double>::quiet_NaN() : fsum / static_cast<double>(w_funding_.size()));
  rec.set(m_.funding_min, fmin);
  rec.set(m_.casework_hours, casework_hours_);
  rec.set(m_.collective_hours, collective_hours_);
}

std::vector<ColumnView> OrganizingModel::columns() const {
  using T = ColumnView::Type;
  std::vector<ColumnView> c{
      {"neighbourhood", T::U32, nb_.data(), n_, "neighbourhood index (labels: /labels/neighbourhood)"},
      {"group", T::U8, grp_.data(), n_, "group index (labels: /labels/group)"},
      {"state", T::U8, state_.cur().data(), n_, "0 PASSIVE, 1 MEMBER, 2 ACTIVE"},
      {"trust", T::F64, L_.data(), n_, "trust L"},
      {"efficacy", T::F64, E_.data(), n_, "collective efficacy E"},
      {"survival_load", T::F64, s_.data(), n_, "survival load s"},
      {"skill", T::F64, skill_.data(), n_, "leadership skill"},
      {"attitude", T::F64, att_.data(), n_, "attitude a"},
      {"fatigue", T::F64, f_.data(), n_, "fatigue f"},
      {"threshold", T::F64, theta_.data(), n_, "Granovetter threshold θ"},
      {"risk_aversion", T::F64, r_.data(), n_, "risk aversion r"},
      {"coopted", T::U8, coopted_.data(), n_, "1 if co-opted"},
  };
  for (std::uint32_t k = 0; k < K_; ++k)
    c.push_back({"hardship_" + issue_names_[k], T::F64, hardship(k).data(), n_, "hardship for " + issue_names_[k]});
  return c;
}

}  // namespace tegenmacht::models
