// Analysis of experiment results: paired comparisons of arms, replication
// adequacy, global sensitivity (Sobol' indices, Morris elementary effects)
// and regime maps. One implementation for the CLI (`tegenmacht analyse`), the
// results file (`/analysis`, written by `tegenmacht experiment`) and Python
// (`tegenmacht.analysis`).
//
//   Outcomes o = read_outcomes("out.h5");
//   auto table = paired_table(o);                       // every arm vs the baseline, every outcome
//   auto s = sobol(o, o.index_of("y"), 0);              // needs design: sobol
//
// Conventions: values are indexed [outcome][(point·arms + arm)·replicates +
// replicate] (Outcomes::at); NaN marks a job not done and is skipped
// pairwise. Replicate r of every point and arm shares its random numbers
// (common random numbers), so replicate r of two arms is a pair.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "tegenmacht/experiments/experiment.hpp"

namespace tegenmacht::experiments {

// ---------------------------------------------------------------- tests

/// Two-sided exact sign test (Dixon & Mood 1946): p of at least this many
/// positive (or negative) differences among the non-zero ones under
/// Binomial(m, 1/2) (Boost.Math). Zero differences are dropped. NaN if no
/// difference is non-zero.
double sign_test_p(const std::vector<double>& d);

/// Two-sided Wilcoxon signed-rank test (Wilcoxon 1945) of the differences d
/// against a symmetric distribution about 0. Zero and non-finite differences
/// are dropped (Wilcoxon's method). With at most 50 differences left the
/// p-value is exact: the distribution of the midrank sum W+ over all 2^n sign
/// patterns, conditional on the ties (Hollander & Wolfe 1999, section 3.1;
/// without ties this is SciPy's exact mode; with ties SciPy 1.10 uses the
/// untied distribution instead). Above 50, the normal approximation with the
/// tie correction of the variance and no continuity correction, as SciPy's
/// `wilcoxon` with its defaults. NaN if no difference is left.
double wilcoxon_p(const std::vector<double>& d);

/// Holm (1979) step-down adjustment of p-values for the family `p`
/// (NaN entries are not part of the family and stay NaN). Adjusted values are
/// monotone in the raw ones and at most 1.
std::vector<double> holm(const std::vector<double>& p);

// ---------------------------------------------------------------- paired comparison

/// Paired comparison of an arm with a baseline on common random numbers.
struct PairedComparison {
  std::size_t n = 0;            ///< pairs with both values finite
  double mean_arm = 0, mean_baseline = 0;
  double mean = 0;              ///< mean difference arm − baseline (outcome units)
  double sd = 0;                ///< sd of the differences (n − 1)
  double lo = 0, hi = 0;        ///< Student-t interval of the mean difference at `level` (NaN if n < 2)
  double effect_size = 0;       ///< standardised mean difference d_z = mean / sd (Cohen 1988, eq. 2.3.5)
  double share_better = 0;      ///< share of pairs in which the arm is strictly better (by `better`)
  double sign_p = 0, wilcoxon_p = 0;  ///< two-sided p-values (sign_test_p, wilcoxon_p)
  double p_holm = 0;            ///< Wilcoxon p adjusted across the outcomes of one table (Holm 1979)
};
/// Compares paired samples (arm[i], baseline[i]); `better` is +1 when higher
/// values are better, −1 when lower. Throws ArgumentError for unequal lengths
/// or a level outside (0, 1). p_holm is set to wilcoxon_p (one test).
PairedComparison paired_comparison(const std::vector<double>& arm, const std::vector<double>& baseline,
                                   int better = 1, double level = 0.95);

/// One row per (outcome, arm ≠ baseline) of a paired table.
struct PairedRow {
  std::size_t outcome = 0, arm = 0;
  PairedComparison c;
};
/// Every arm against `baseline` (an arm index; default: the file's baseline)
/// on every outcome. Over a design the pair of replicate r is each arm's mean
/// over the points both ran (points are a design, not a random sample; the
/// replicates are the independent units). Holm's adjustment runs over the
/// outcomes of each arm. With `point` set, only that design point is used.
std::vector<PairedRow> paired_table(const Outcomes& o, std::size_t baseline = SIZE_MAX, double level = 0.95,
                                    std::size_t point = SIZE_MAX);

/// One screen of results: per outcome and arm the mean and sd over points and
/// replicates, and each arm's paired comparison with the baseline (paired_table).
struct Summary {
  struct Cell {
    std::size_t n = 0;
    double mean = 0, sd = 0;
  };
  std::vector<std::string> outcomes, arms;
  std::vector<std::string> units;                          ///< [outcome] ("" if unknown)
  std::vector<int> better;                                 ///< [outcome]
  std::size_t baseline = 0;
  std::vector<std::vector<Cell>> cells;                    ///< [outcome][arm]
  std::vector<std::vector<PairedComparison>> differences;  ///< [outcome][arm] (the baseline's entry is empty)
  std::size_t points = 0, replicates = 0, jobs_done = 0, jobs_total = 0;
};
Summary summarise(const Outcomes& o, double level = 0.95);

/// Factors of a grid or list design that changed nothing: among the points
/// that differ only in that factor, every outcome of every arm and replicate
/// is bit-identical (a key the model does not read, an event after the last
/// week, a neighbourhood without workers...). Sampling designs, factors with
/// one value and unfinished jobs are skipped. Returns the factor names.
std::vector<std::string> inert_factors(const Outcomes& o);

// ---------------------------------------------------------------- replication adequacy

/// How many replicates an estimate of a mean needs (Lorscheid, Heine & Meyer
/// 2012, Comput. Math. Organ. Theory 18:22–62; Law 2015, section 9.4.1).
struct Adequacy {
  std::size_t n = 0;              ///< replicates in the pilot (finite values)
  double mean = 0, sd = 0, cv = 0;
  double half_width = 0;          ///< the t-interval's half-width now (level)
  double target = 0;              ///< the wanted half-width in outcome units
  double needed = 0;              ///< smallest n with t(1−α/2, n−1)·sd/√n ≤ target (sd from the pilot);
                                  ///< 2 for a constant outcome (sd 0); +inf if sd > 0 and the target is 0
                                  ///< (a relative target of a zero mean); NaN if n < 2
  bool adequate = false;          ///< n ≥ needed
};
/// `half_width` is relative to |mean| when `relative`, else in outcome units.
/// Throws ArgumentError for half_width <= 0 or level outside (0, 1).
Adequacy adequacy(const std::vector<double>& values, double half_width, bool relative = true, double level = 0.95);

/// Running mean and coefficient of variation (sd / |mean|) over the first
/// 1, 2, ..., n values (Lorscheid et al. 2012, section 4): [n] each; the CV of
/// one value is NaN. NaN values are skipped (the running statistics stay).
void running_mean_cv(const std::vector<double>& values, std::vector<double>& mean, std::vector<double>& cv);

/// Adequacy of every (outcome, point, arm) over replicates.
struct AdequacyRow {
  std::size_t outcome = 0, point = 0, arm = 0;
  Adequacy a;
};
std::vector<AdequacyRow> adequacy_table(const Outcomes& o, double half_width, bool relative = true,
                                        double level = 0.95);

// ---------------------------------------------------------------- global sensitivity

/// First-order and total Sobol' indices with bootstrap percentile intervals.
struct SobolIndices {
  std::vector<std::string> factors;
  std::vector<double> S1, S1_lo, S1_hi, ST, ST_lo, ST_hi;  ///< [factor]
  std::size_t n = 0;              ///< base samples used (rows of A with every block finite)
  double variance = 0;            ///< Var(Y) over A and B
  std::size_t bootstrap = 0;
  double level = 0.95;
};
/// Sobol' indices from y evaluated on Saltelli's blocks (rows A, B, AB_1, ...,
/// AB_k in blocks of n, as `saltelli()` lays them out): first order with the
/// estimator of Saltelli et al. (2010, Comput. Phys. Commun. 181:259–270,
/// Table 2 (b)), V·S_i = mean_j f(B)_j (f(AB_i)_j − f(A)_j); total with
/// Jansen's (1999), V·ST_i = mean_j (f(A)_j − f(AB_i)_j)² / 2; V the variance
/// of f over A and B. Intervals: percentiles of `bootstrap` resamples of the
/// n rows (Archer, Saltelli & Sobol' 1997), deterministic for `seed`. Rows j
/// with a NaN in any block are dropped. Throws ArgumentError if y.size() is
/// not a multiple of k + 2, or fewer than 2 rows remain.
SobolIndices sobol_indices(const std::vector<double>& y, std::size_t k, std::size_t bootstrap = 1000,
                           double level = 0.95, std::uint64_t seed = 0);

/// Morris elementary effects: per factor μ (mean), μ* (mean of |EE|,
/// Campolongo, Cariboni & Saltelli 2007) and σ (sd, n − 1) of
/// EE_i = (y(x + Δe_i) − y(x)) / Δ, in unit-cube coordinates (so factors with
/// different units compare).
struct MorrisIndices {
  std::vector<std::string> factors;
  std::vector<double> mu, mu_star, sigma;   ///< [factor]
  std::vector<std::size_t> r;               ///< [factor] elementary effects used
};
/// `unit` is [point·k + factor], `changed` the factor moved from the
/// previous point (−1 at a trajectory's start), y [point]. Steps with a NaN
/// are skipped. Throws ArgumentError for inconsistent sizes.
MorrisIndices morris_indices(const std::vector<double>& y, const std::vector<double>& unit,
                             const std::vector<int>& changed, std::size_t k);

/// y per point for sensitivity analysis: the outcome's mean over replicates
/// for `arm`, or, with `minus` set, the mean over replicates of the paired
/// difference arm − minus ("what drives the difference?"). [point]
std::vector<double> point_means(const Outcomes& o, std::size_t outcome, std::size_t arm, std::size_t minus = SIZE_MAX);

/// Sobol' indices of an outcome (or an arm difference) of a `design: sobol`
/// experiment. Throws ArgumentError for another design.
SobolIndices sobol(const Outcomes& o, std::size_t outcome, std::size_t arm, std::size_t minus = SIZE_MAX,
                   std::size_t bootstrap = 1000, double level = 0.95, std::uint64_t seed = 0);
/// Morris indices of an outcome (or an arm difference) of a `design: morris`
/// experiment. Throws ArgumentError for another design.
MorrisIndices morris(const Outcomes& o, std::size_t outcome, std::size_t arm, std::size_t minus = SIZE_MAX);

// ---------------------------------------------------------------- regime map

/// Per design point: the best arm on an outcome (by its `better` direction),
/// the runner-up and whether the best is distinguishable from it: the paired
/// t-interval over replicates of best − runner-up excludes 0 ("win"), or not
/// ("tie"); "unknown" with fewer than 2 replicates or fewer than 2 arms.
struct RegimeMap {
  enum Status : int { Unknown = -1, Tie = 0, Win = 1 };
  std::vector<int> best, runner_up;         ///< [point] arm index (−1: no values)
  std::vector<double> margin, lo, hi;       ///< [point] best − runner-up, mean and interval (outcome units)
  std::vector<int> status;                  ///< [point]
  std::vector<double> mean;                 ///< [point·arms + arm] mean over replicates
};
RegimeMap regime_map(const Outcomes& o, std::size_t outcome, double level = 0.95);

// ---------------------------------------------------------------- in the results file

/// Computes every analysis the experiment allows and writes it to /analysis
/// of its results file, replacing an earlier one: paired comparisons with the
/// baseline, adequacy, regime maps (two or more arms), Sobol' indices
/// (design: sobol) and Morris indices (design: morris), each of every arm and
/// of every arm's difference from the baseline; then marks the file complete.
/// Layout in README ("Experiment results file"). Returns false, leaving the
/// file unmarked, if `stop` is set while it works. Throws IoError if the file
/// cannot be read or written or still misses jobs.
bool write_analysis(const std::string& path, const AnalysisOptions& options = {},
                    const std::atomic<bool>* stop = nullptr);

}  // namespace tegenmacht::experiments
