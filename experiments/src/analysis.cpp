// Paired comparisons, replication adequacy, Sobol' and Morris indices and
// regime maps (sources in analysis.hpp).
#include "tegenmacht/experiments/analysis.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "tegenmacht/error.hpp"
#include "tegenmacht/rng.hpp"

namespace tegenmacht::experiments {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double t_quantile(std::size_t df, double level) {
  const boost::math::students_t dist(static_cast<double>(df));
  return boost::math::quantile(dist, 0.5 + level / 2.0);
}

void check_level(double level) {
  if (!(level > 0 && level < 1)) throw ArgumentError("level", "must be in (0, 1), got " + std::to_string(level));
}

std::vector<double> nonzero(const std::vector<double>& d) {
  std::vector<double> out;
  for (double v : d)
    if (std::isfinite(v) && v != 0) out.push_back(v);
  return out;
}

// Null distribution of 2·W+ for the given doubled (mid)ranks: the number of the
// 2^n sign patterns giving each sum (Hollander & Wolfe 1999, section 3.1: with
// ties, the exact distribution conditional on the tied ranks). Counts stay
// exact in double up to n = 50 (< 2^50).
std::vector<double> signed_rank_counts(const std::vector<std::size_t>& ranks2) {
  std::size_t top = 0;
  for (auto r : ranks2) top += r;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1;
  std::size_t reach = 0;
  for (auto r : ranks2) {
    reach += r;
    for (std::size_t s = reach; s >= r; --s) c[s] += c[s - r];  // r >= 2: no wrap-around
  }
  return c;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / static_cast<double>(v.size());
}

double percentile(std::vector<double>& v, double q) {  // linear interpolation (Hyndman & Fan type 7)
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

void check_outcome_arm(const Outcomes& o, std::size_t outcome, std::size_t arm, std::size_t minus) {
  if (outcome >= o.names.size()) throw ArgumentError("outcome", "index out of range");
  if (arm >= o.arms) throw ArgumentError("arm", "index out of range");
  if (minus != SIZE_MAX && (minus >= o.arms || minus == arm))
    throw ArgumentError("minus", "must be another arm of the experiment");
}

}  // namespace

// ---------------------------------------------------------------- tests

double sign_test_p(const std::vector<double>& d) {
  const auto nz = nonzero(d);
  if (nz.empty()) return kNaN;
  std::size_t pos = 0;
  for (double v : nz) pos += v > 0 ? 1 : 0;
  const std::size_t m = nz.size();
  const std::size_t k = std::min(pos, m - pos);
  const boost::math::binomial_distribution<double> bin(static_cast<double>(m), 0.5);
  return std::min(1.0, 2.0 * boost::math::cdf(bin, static_cast<double>(k)));
}

double wilcoxon_p(const std::vector<double>& d) {
  auto nz = nonzero(d);
  const std::size_t n = nz.size();
  if (n == 0) return kNaN;
  // average ranks of |d|
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return std::abs(nz[a]) < std::abs(nz[b]); });
  std::vector<double> rank(n);
  double tie_term = 0;  // Σ (t³ − t) over groups of tied |d|
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && std::abs(nz[idx[j + 1]]) == std::abs(nz[idx[i]])) ++j;
    const double r = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (std::size_t m = i; m <= j; ++m) rank[idx[m]] = r;
    const double t = static_cast<double>(j - i + 1);
    tie_term += t * t * t - t;
    i = j + 1;
  }
  double w_plus = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (nz[i] > 0) w_plus += rank[i];
  const double N = static_cast<double>(n);
  if (n <= 50) {  // exact (conditional on ties): midranks are multiples of 1/2
    std::vector<std::size_t> r2(n);
    for (std::size_t i = 0; i < n; ++i) r2[i] = static_cast<std::size_t>(std::lround(2 * rank[i]));
    const auto c = signed_rank_counts(r2);
    const auto w = static_cast<std::size_t>(std::lround(2 * w_plus));
    const double total = std::ldexp(1.0, static_cast<int>(n));
    double lower = 0, upper = 0;
    for (std::size_t s = 0; s <= w; ++s) lower += c[s];
    for (std::size_t s = w; s < c.size(); ++s) upper += c[s];
    return std::min(1.0, 2.0 * std::min(lower, upper) / total);
  }
  const double mean = N * (N + 1) / 4.0;
  const double var = (N * (N + 1) * (2 * N + 1) - tie_term / 2.0) / 24.0;
  if (var <= 0) return 1.0;
  const double z = (std::min(w_plus, N * (N + 1) / 2.0 - w_plus) - mean) / std::sqrt(var);
  const boost::math::normal_distribution<double> nd;
  return std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(nd, std::abs(z))));
}

std::vector<double> holm(const std::vector<double>& p) {
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) idx.push_back(i);
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> out(p.size(), kNaN);
  const double m = static_cast<double>(idx.size());
  double running = 0;
  for (std::size_t i = 0; i < idx.size(); ++i) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(i)) * p[idx[i]]));
    out[idx[i]] = running;
  }
  return out;
}

// ---------------------------------------------------------------- paired comparison

PairedComparison paired_comparison(const std::vector<double>& arm, const std::vector<double>& baseline, int better,
                                   double level) {
  if (arm.size() != baseline.size())
    throw ArgumentError("baseline", "paired samples must have the same length (" + std::to_string(arm.size()) +
                                        " and " + std::to_string(baseline.size()) + ")");
  check_level(level);
  PairedComparison r;
  std::vector<double> d, xa, xb;
  for (std::size_t i = 0; i < arm.size(); ++i)
    if (std::isfinite(arm[i]) && std::isfinite(baseline[i])) {
      d.push_back(arm[i] - baseline[i]);
      xa.push_back(arm[i]);
      xb.push_back(baseline[i]);
    }
  r.n = d.size();
  r.mean_arm = mean_of(xa);
  r.mean_baseline = mean_of(xb);
  r.mean = mean_of(d);
  r.sd = r.lo = r.hi = r.effect_size = kNaN;
  r.share_better = kNaN;
  r.sign_p = sign_test_p(d);
  r.wilcoxon_p = wilcoxon_p(d);
  r.p_holm = r.wilcoxon_p;
  if (d.empty()) return r;
  std::size_t wins = 0;
  for (double v : d) wins += (better < 0 ? v < 0 : v > 0) ? 1 : 0;
  r.share_better = static_cast<double>(wins) / static_cast<double>(d.size());
  if (d.size() < 2) return r;
  double ss = 0;
  for (double v : d) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / static_cast<double>(d.size() - 1));
  const double half = t_quantile(d.size() - 1, level) * r.sd / std::sqrt(static_cast<double>(d.size()));
  r.lo = r.mean - half;
  r.hi = r.mean + half;
  r.effect_size = r.sd > 0 ? r.mean / r.sd
                            : (r.mean == 0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), r.mean));
  return r;
}

namespace {
// The pair series of replicate r: each arm's mean over the points both ran
// (or one point).
void replicate_pairs(const Outcomes& o, std::size_t k, std::size_t a, std::size_t b, std::size_t point,
                     std::vector<double>& x, std::vector<double>& y) {
  x.assign(o.replicates, kNaN);
  y.assign(o.replicates, kNaN);
  const std::size_t p0 = point == SIZE_MAX ? 0 : point, p1 = point == SIZE_MAX ? o.points : point + 1;
  for (std::size_t r = 0; r < o.replicates; ++r) {
    double sx = 0, sy = 0;
    std::size_t m = 0;
    for (std::size_t p = p0; p < p1; ++p) {
      const double u = o.at(k, p, a, r), v = o.at(k, p, b, r);
      if (!std::isfinite(u) || !std::isfinite(v)) continue;  // a job not done (NaN) or an overflow
      sx += u;
      sy += v;
      ++m;
    }
    if (m) {
      x[r] = sx / static_cast<double>(m);
      y[r] = sy / static_cast<double>(m);
    }
  }
}
int better_at(const Outcomes& o, std::size_t k) { return k < o.better.size() ? o.better[k] : 1; }
}  // namespace

std::vector<PairedRow> paired_table(const Outcomes& o, std::size_t baseline, double level, std::size_t point) {
  check_level(level);
  if (baseline == SIZE_MAX) baseline = o.baseline_index();
  if (baseline >= o.arms) throw ArgumentError("baseline", "no such arm");
  if (point != SIZE_MAX && point >= o.points) throw ArgumentError("point", "no such design point");
  std::vector<PairedRow> rows;
  std::vector<double> x, y;
  for (std::size_t a = 0; a < o.arms; ++a) {
    if (a == baseline) continue;
    const std::size_t first = rows.size();
    std::vector<double> ps;
    for (std::size_t k = 0; k < o.names.size(); ++k) {
      replicate_pairs(o, k, a, baseline, point, x, y);
      rows.push_back(PairedRow{k, a, paired_comparison(x, y, better_at(o, k), level)});
      ps.push_back(rows.back().c.wilcoxon_p);
    }
    const auto adj = holm(ps);
    for (std::size_t k = 0; k < adj.size(); ++k) rows[first + k].c.p_holm = adj[k];
  }
  return rows;
}

std::vector<std::string> inert_factors(const Outcomes& o) {
  std::vector<std::string> inert;
  if (o.design != "grid" && o.design != "list") return inert;
  const std::size_t F = o.factor_names.size(), per_point = o.arms * o.replicates;
  for (std::size_t f = 0; f < F; ++f) {
    // points grouped by the values of the other factors
    std::map<std::vector<std::string>, std::vector<std::size_t>> groups;
    for (std::size_t p = 0; p < o.points; ++p) {
      std::vector<std::string> key;
      for (std::size_t g = 0; g < F; ++g)
        if (g != f) key.push_back(o.factor_values[g][p]);
      groups[key].push_back(p);
    }
    bool compared = false, moved = false;
    for (const auto& [key, points] : groups) {
      for (std::size_t i = 1; i < points.size() && !moved; ++i) {
        if (o.factor_values[f][points[i]] == o.factor_values[f][points[0]]) continue;
        for (std::size_t j = 0; j < per_point && !moved; ++j) {
          const std::size_t a = points[0] * per_point + j, b = points[i] * per_point + j;
          if (!o.done[a] || !o.done[b]) continue;
          compared = true;
          for (std::size_t k = 0; k < o.names.size() && !moved; ++k)
            if (std::memcmp(&o.values[k][a], &o.values[k][b], sizeof(double)) != 0) moved = true;
        }
      }
      if (moved) break;
    }
    if (compared && !moved) inert.push_back(o.factor_names[f]);
  }
  return inert;
}

Summary summarise(const Outcomes& o, double level) {
  Summary s;
  s.outcomes = o.names;
  s.units = o.units;
  s.units.resize(o.names.size());
  s.arms = o.arm_names;
  s.points = o.points;
  s.replicates = o.replicates;
  s.jobs_total = o.done.size();
  for (auto d : o.done) s.jobs_done += d ? 1 : 0;
  s.baseline = o.baseline_index();
  for (std::size_t k = 0; k < o.names.size(); ++k) {
    s.better.push_back(better_at(o, k));
    std::vector<Summary::Cell> cells(o.arms);
    for (std::size_t a = 0; a < o.arms; ++a) {
      std::vector<double> v;
      for (std::size_t p = 0; p < o.points; ++p)
        for (std::size_t r = 0; r < o.replicates; ++r)
          if (const double x = o.at(k, p, a, r); std::isfinite(x)) v.push_back(x);
      cells[a].n = v.size();
      cells[a].mean = mean_of(v);
      double ss = 0;
      for (double x : v) ss += (x - cells[a].mean) * (x - cells[a].mean);
      cells[a].sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : kNaN;
    }
    s.cells.push_back(std::move(cells));
    s.differences.emplace_back(o.arms);
  }
  if (o.arms > 1)
    for (const auto& row : paired_table(o, s.baseline, level)) s.differences[row.outcome][row.arm] = row.c;
  return s;
}

// ---------------------------------------------------------------- replication adequacy

Adequacy adequacy(const std::vector<double>& values, double half_width, bool relative, double level) {
  check_level(level);
  if (!(half_width > 0) || !std::isfinite(half_width))
    throw ArgumentError("half_width", "must be a number > 0, got " + std::to_string(half_width));
  Adequacy a;
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  a.n = v.size();
  a.mean = mean_of(v);
  a.sd = a.cv = a.half_width = a.needed = kNaN;
  a.target = relative ? half_width * std::abs(a.mean) : half_width;
  if (v.size() < 2) return a;
  double ss = 0;
  for (double x : v) ss += (x - a.mean) * (x - a.mean);
  a.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  a.cv = a.mean != 0 ? a.sd / std::abs(a.mean) : kNaN;
  a.half_width = t_quantile(v.size() - 1, level) * a.sd / std::sqrt(static_cast<double>(v.size()));
  if (a.sd == 0) {
    a.needed = 2;
  } else if (!(a.target > 0)) {
    a.needed = std::numeric_limits<double>::infinity();
  } else {
    // t(n−1)·sd/√n ≤ target: start from the normal approximation, then step up
    const double z = t_quantile(1000000, level);
    double n = std::max(2.0, std::floor(std::pow(z * a.sd / a.target, 2)));
    if (n > 1e12) {
      a.needed = n;  // far beyond any experiment; the t correction is negligible
    } else {
      while (t_quantile(static_cast<std::size_t>(n) - 1, level) * a.sd / std::sqrt(n) > a.target) n += 1;
      a.needed = n;
    }
  }
  a.adequate = static_cast<double>(a.n) >= a.needed;
  return a;
}

void running_mean_cv(const std::vector<double>& values, std::vector<double>& mean, std::vector<double>& cv) {
  mean.assign(values.size(), kNaN);
  cv.assign(values.size(), kNaN);
  double m = 0, m2 = 0;  // Welford (1962)
  std::size_t n = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) {
      ++n;
      const double delta = values[i] - m;
      m += delta / static_cast<double>(n);
      m2 += delta * (values[i] - m);
    }
    if (n == 0) continue;
    mean[i] = m;
    if (n > 1 && m != 0) cv[i] = std::sqrt(m2 / static_cast<double>(n - 1)) / std::abs(m);
  }
}

std::vector<AdequacyRow> adequacy_table(const Outcomes& o, double half_width, bool relative, double level) {
  std::vector<AdequacyRow> rows;
  std::vector<double> v(o.replicates);
  for (std::size_t k = 0; k < o.names.size(); ++k)
    for (std::size_t p = 0; p < o.points; ++p)
      for (std::size_t a = 0; a < o.arms; ++a) {
        for (std::size_t r = 0; r < o.replicates; ++r) v[r] = o.at(k, p, a, r);
        rows.push_back(AdequacyRow{k, p, a, adequacy(v, half_width, relative, level)});
      }
  return rows;
}

// ---------------------------------------------------------------- global sensitivity

SobolIndices sobol_indices(const std::vector<double>& y, std::size_t k, std::size_t bootstrap, double level,
                           std::uint64_t seed) {
  check_level(level);
  if (k == 0 || y.size() % (k + 2) != 0)
    throw ArgumentError("y", "Saltelli blocks need n·(k + 2) values; got " + std::to_string(y.size()) + " for k = " +
                                 std::to_string(k));
  const std::size_t n = y.size() / (k + 2);
  auto f = [&](std::size_t block, std::size_t j) { return y[block * n + j]; };  // 0 A, 1 B, 2 + i AB_i
  std::vector<std::size_t> rows;
  for (std::size_t j = 0; j < n; ++j) {
    bool ok = true;
    for (std::size_t b = 0; b < k + 2 && ok; ++b) ok = std::isfinite(f(b, j));
    if (ok) rows.push_back(j);
  }
  if (rows.size() < 2)
    throw ArgumentError("y", "fewer than 2 complete rows of Saltelli blocks (is the experiment finished?)");
  SobolIndices s;
  s.n = rows.size();
  s.bootstrap = bootstrap;
  s.level = level;
  // indices for one multiset of rows
  auto estimate = [&](const std::vector<std::size_t>& use, std::vector<double>& s1, std::vector<double>& st,
                      double* var_out) {
    double sum = 0, sum2 = 0;
    for (auto j : use) {
      sum += f(0, j) + f(1, j);
      sum2 += f(0, j) * f(0, j) + f(1, j) * f(1, j);
    }
    const double m = static_cast<double>(2 * use.size());
    const double var = (sum2 - sum * sum / m) / (m - 1);
    if (var_out) *var_out = var;
    for (std::size_t i = 0; i < k; ++i) {
      double a = 0, b = 0;
      for (auto j : use) {
        const double fa = f(0, j), fb = f(1, j), fab = f(2 + i, j);
        a += fb * (fab - fa);
        b += (fa - fab) * (fa - fab);
      }
      const double nu = static_cast<double>(use.size());
      s1[i] = var > 0 ? a / nu / var : kNaN;
      st[i] = var > 0 ? b / (2 * nu) / var : kNaN;
    }
  };
  s.S1.assign(k, 0);
  s.ST.assign(k, 0);
  estimate(rows, s.S1, s.ST, &s.variance);
  s.S1_lo.assign(k, kNaN);
  s.S1_hi.assign(k, kNaN);
  s.ST_lo.assign(k, kNaN);
  s.ST_hi.assign(k, kNaN);
  if (bootstrap > 0) {
    std::vector<std::vector<double>> b1(k), bt(k);
    std::vector<std::size_t> use(rows.size());
    std::vector<double> s1(k), st(k);
    const Rng rng(seed, 0);
    for (std::size_t b = 0; b < bootstrap; ++b) {
      Stream str = rng.stream(2, static_cast<std::uint32_t>(b), kPurposeDesign);
      for (auto& u : use) u = rows[str.below(static_cast<std::uint32_t>(rows.size()))];
      estimate(use, s1, st, nullptr);
      for (std::size_t i = 0; i < k; ++i) {
        if (std::isfinite(s1[i])) b1[i].push_back(s1[i]);
        if (std::isfinite(st[i])) bt[i].push_back(st[i]);
      }
    }
    const double q = (1 - level) / 2;
    for (std::size_t i = 0; i < k; ++i) {
      s.S1_lo[i] = percentile(b1[i], q);
      s.S1_hi[i] = percentile(b1[i], 1 - q);
      s.ST_lo[i] = percentile(bt[i], q);
      s.ST_hi[i] = percentile(bt[i], 1 - q);
    }
  }
  return s;
}

MorrisIndices morris_indices(const std::vector<double>& y, const std::vector<double>& unit,
                             const std::vector<int>& changed, std::size_t k) {
  if (changed.size() != y.size() || unit.size() != y.size() * k)
    throw ArgumentError("y", "Morris needs y [points], unit [points × factors] and changed [points] of one length");
  std::vector<std::vector<double>> ee(k);
  for (std::size_t p = 1; p < y.size(); ++p) {
    const int i = changed[p];
    if (i < 0) continue;
    if (static_cast<std::size_t>(i) >= k) throw ArgumentError("changed", "factor index out of range");
    const double du = unit[p * k + static_cast<std::size_t>(i)] - unit[(p - 1) * k + static_cast<std::size_t>(i)];
    if (!std::isfinite(y[p]) || !std::isfinite(y[p - 1]) || du == 0) continue;
    ee[static_cast<std::size_t>(i)].push_back((y[p] - y[p - 1]) / du);
  }
  MorrisIndices m;
  for (std::size_t i = 0; i < k; ++i) {
    const auto& e = ee[i];
    m.r.push_back(e.size());
    m.mu.push_back(mean_of(e));
    double abs_sum = 0, ss = 0;
    for (double v : e) abs_sum += std::abs(v);
    for (double v : e) ss += (v - m.mu.back()) * (v - m.mu.back());
    m.mu_star.push_back(e.empty() ? kNaN : abs_sum / static_cast<double>(e.size()));
    m.sigma.push_back(e.size() > 1 ? std::sqrt(ss / static_cast<double>(e.size() - 1)) : kNaN);
  }
  return m;
}

std::vector<double> point_means(const Outcomes& o, std::size_t outcome, std::size_t arm, std::size_t minus) {
  check_outcome_arm(o, outcome, arm, minus);
  std::vector<double> y(o.points, kNaN);
  for (std::size_t p = 0; p < o.points; ++p) {
    double s = 0;
    std::size_t n = 0;
    for (std::size_t r = 0; r < o.replicates; ++r) {
      double v = o.at(outcome, p, arm, r);
      if (minus != SIZE_MAX) v -= o.at(outcome, p, minus, r);
      if (!std::isfinite(v)) continue;
      s += v;
      ++n;
    }
    if (n) y[p] = s / static_cast<double>(n);
  }
  return y;
}

SobolIndices sobol(const Outcomes& o, std::size_t outcome, std::size_t arm, std::size_t minus, std::size_t bootstrap,
                   double level, std::uint64_t seed) {
  if (o.design != "sobol")
    throw ArgumentError("design", "Sobol' indices need an experiment with design: sobol (this one is " + o.design + ")");
  const std::size_t k = o.factor_names.size();
  const char* order = " (a selection or reordering of the design points?)";
  if (k == 0 || o.points % (k + 2) != 0 || (o.sobol_n && o.points != o.sobol_n * (k + 2)))
    throw ArgumentError("results", "a Sobol' design has n·(k + 2) points in Saltelli's blocks; these results have " +
                                       std::to_string(o.points) + " for k = " + std::to_string(k) + order);
  if (o.unit.size() == o.points * k) {  // AB_i is A with column i from B, row by row
    const std::size_t n = o.points / (k + 2);
    auto u = [&](std::size_t block, std::size_t j, std::size_t c) { return o.unit[(block * n + j) * k + c]; };
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t c = 0; c < k; ++c)
          if (u(2 + i, j, c) != (c == i ? u(1, j, c) : u(0, j, c)))
            throw ArgumentError("results", std::string("the design points are not Saltelli's blocks A, B, AB_i") + order);
  }
  auto s = sobol_indices(point_means(o, outcome, arm, minus), k, bootstrap, level, seed);
  s.factors = o.factor_names;
  return s;
}

MorrisIndices morris(const Outcomes& o, std::size_t outcome, std::size_t arm, std::size_t minus) {
  if (o.design != "morris")
    throw ArgumentError("design", "Morris indices need an experiment with design: morris (this one is " + o.design + ")");
  const std::size_t k = o.factor_names.size();
  if (o.morris_changed.size() != o.points || o.unit.size() != o.points * k)
    throw ArgumentError("results", "the Morris design's unit coordinates and steps do not match the points");
  for (std::size_t p = 1; p < o.points; ++p) {  // each step moves exactly the factor it names
    const int i = o.morris_changed[p];
    for (std::size_t c = 0; i >= 0 && c < k; ++c)
      if ((o.unit[p * k + c] != o.unit[(p - 1) * k + c]) != (static_cast<int>(c) == i))
        throw ArgumentError("results", "the design points are not the Morris trajectories in order (a selection "
                                       "or reordering of the design points?)");
  }
  auto m = morris_indices(point_means(o, outcome, arm, minus), o.unit, o.morris_changed, k);
  m.factors = o.factor_names;
  return m;
}

// ---------------------------------------------------------------- regime map

RegimeMap regime_map(const Outcomes& o, std::size_t outcome, double level) {
  check_level(level);
  if (outcome >= o.names.size()) throw ArgumentError("outcome", "index out of range");
  const int better = better_at(o, outcome);
  RegimeMap m;
  m.best.assign(o.points, -1);
  m.runner_up.assign(o.points, -1);
  m.margin.assign(o.points, kNaN);
  m.lo.assign(o.points, kNaN);
  m.hi.assign(o.points, kNaN);
  m.status.assign(o.points, RegimeMap::Unknown);
  m.mean.assign(o.points * o.arms, kNaN);
  std::vector<double> x(o.replicates), y(o.replicates);
  for (std::size_t p = 0; p < o.points; ++p) {
    std::vector<std::size_t> order;
    for (std::size_t a = 0; a < o.arms; ++a) {
      double s = 0;
      std::size_t n = 0;
      for (std::size_t r = 0; r < o.replicates; ++r)
        if (const double v = o.at(outcome, p, a, r); std::isfinite(v)) {
          s += v;
          ++n;
        }
      if (!n) continue;
      m.mean[p * o.arms + a] = s / static_cast<double>(n);
      order.push_back(a);
    }
    if (order.empty()) continue;
    // best first; equal means keep the arms' order (stable)
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return better * m.mean[p * o.arms + a] > better * m.mean[p * o.arms + b];
    });
    m.best[p] = static_cast<int>(order[0]);
    if (order.size() < 2) continue;
    m.runner_up[p] = static_cast<int>(order[1]);
    for (std::size_t r = 0; r < o.replicates; ++r) {
      x[r] = o.at(outcome, p, order[0], r);
      y[r] = o.at(outcome, p, order[1], r);
    }
    const auto c = paired_comparison(x, y, better, level);
    m.margin[p] = c.mean;
    m.lo[p] = c.lo;
    m.hi[p] = c.hi;
    if (c.n >= 2 && std::isfinite(c.lo)) m.status[p] = (c.lo > 0 || c.hi < 0) ? RegimeMap::Win : RegimeMap::Tie;
  }
  return m;
}

}  // namespace tegenmacht::experiments
