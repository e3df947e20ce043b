// Statistical tests of the samplers. Each uses a fixed seed, so it is
// deterministic, and a tolerance that a broken sampler fails: moments within
// 5 standard errors, Kolmogorov–Smirnov at alpha = 0.001, chi-square at the
// 99.9 % quantile.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <numeric>
#include <vector>

#include "tegenmacht/rng.hpp"
#include "tegenmacht/stats.hpp"

using namespace tegenmacht;

namespace {

constexpr int kN = 200000;

Stream stream(std::uint32_t purpose) { return Rng(20261128, 0).stream(0, 0, purpose); }

double ks_statistic(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, (i + 1) / n - f, f - i / n});
  }
  return d;
}
double ks_critical(std::size_t n) { return 1.95 / std::sqrt(static_cast<double>(n)); }  // alpha = 0.001

/// 99.9 % quantile of chi-square(df), Wilson–Hilferty.
double chi2_critical(double df) {
  const double z = 3.0902;
  const double a = 2.0 / (9.0 * df);
  return df * std::pow(1 - a + z * std::sqrt(a), 3);
}
double chi2(const std::vector<double>& observed, const std::vector<double>& expected) {
  double c = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) c += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  return c;
}

void expect_moments(const std::vector<double>& x, double mean, double var) {
  const Moments m = moments(x);
  const double n = static_cast<double>(x.size());
  EXPECT_NEAR(m.mean, mean, 5 * std::sqrt(var / n));
  // standard error of the variance ~ var * sqrt(2/n) for light tails; be generous (x3)
  EXPECT_NEAR(m.variance, var, 15 * var * std::sqrt(2 / n));
}

double beta_cdf_integer(double x, int a, int b) {
  // I_x(a, b) = sum_{j=a}^{a+b-1} C(a+b-1, j) x^j (1-x)^(a+b-1-j)
  const int n = a + b - 1;
  double s = 0;
  for (int j = a; j <= n; ++j) {
    double c = 1;
    for (int t = 1; t <= j; ++t) c = c * (n - j + t) / t;
    s += c * std::pow(x, j) * std::pow(1 - x, n - j);
  }
  return s;
}

}  // namespace

TEST(Distributions, UniformMomentsAndKS) {
  auto s = stream(100);
  std::vector<double> x(kN);
  for (auto& v : x) v = s.uniform();
  for (double v : x) ASSERT_TRUE(v >= 0.0 && v < 1.0);
  expect_moments(x, 0.5, 1.0 / 12);
  EXPECT_LT(ks_statistic(x, [](double u) { return u; }), ks_critical(x.size()));
}

TEST(Distributions, NormalMomentsAndKS) {
  auto s = stream(101);
  std::vector<double> x(kN);
  for (auto& v : x) v = s.normal(2.0, 3.0);
  expect_moments(x, 2.0, 9.0);
  const Moments m = moments(x);
  EXPECT_NEAR(m.skewness, 0.0, 5 * std::sqrt(6.0 / kN));
  EXPECT_NEAR(m.kurtosis_excess, 0.0, 5 * std::sqrt(24.0 / kN));
  EXPECT_LT(ks_statistic(x, [](double v) { return normal_cdf((v - 2.0) / 3.0); }), ks_critical(x.size()));
}

TEST(Distributions, BetaIntegerShapesKS) {
  auto s = stream(102);
  std::vector<double> x(kN);
  for (auto& v : x) v = s.beta(2, 5);
  expect_moments(x, 2.0 / 7, 10.0 / (49 * 8));
  EXPECT_LT(ks_statistic(x, [](double v) { return beta_cdf_integer(v, 2, 5); }), ks_critical(x.size()));
}

TEST(Distributions, BetaSmallShapesArcsineKS) {
  // Beta(1/2, 1/2) is the arcsine law, F(x) = (2/pi) asin(sqrt(x)); exercises shape < 1.
  auto s = stream(103);
  std::vector<double> x(kN);
  for (auto& v : x) v = s.beta(0.5, 0.5);
  expect_moments(x, 0.5, 1.0 / 8);
  EXPECT_LT(ks_statistic(x, [](double v) { return 2 / std::numbers::pi * std::asin(std::sqrt(v)); }),
            ks_critical(x.size()));
}

TEST(Distributions, BernoulliFrequency) {
  auto s = stream(104);
  int hits = 0;
  for (int i = 0; i < kN; ++i) hits += s.bernoulli(0.3);
  EXPECT_NEAR(hits / double(kN), 0.3, 5 * std::sqrt(0.3 * 0.7 / kN));
}

TEST(Distributions, BinomialSmallChiSquare) {
  auto s = stream(105);
  const int n = 20;
  const double p = 0.3;
  std::vector<double> obs(n + 1, 0), expct(n + 1, 0);
  for (int i = 0; i < kN; ++i) obs[s.binomial(n, p)] += 1;
  double pk = std::pow(1 - p, n);
  for (int k = 0; k <= n; ++k) {
    expct[k] = pk * kN;
    pk *= (n - k) / double(k + 1) * p / (1 - p);
  }
  // pool the sparse tail (expected < 5) into one cell
  std::vector<double> o2, e2;
  double ot = 0, et = 0;
  for (int k = 0; k <= n; ++k) {
    if (expct[k] < 5) {
      ot += obs[k];
      et += expct[k];
    } else {
      o2.push_back(obs[k]);
      e2.push_back(expct[k]);
    }
  }
  if (et > 0) {
    o2.push_back(ot);
    e2.push_back(et);
  }
  EXPECT_LT(chi2(o2, e2), chi2_critical(static_cast<double>(o2.size() - 1)));
}

TEST(Distributions, BinomialLargeMoments) {
  // n p = 4e5 takes the beta-splitting path; p > 0.5 the symmetric path.
  for (double p : {0.4, 0.9}) {
    auto s = stream(106);
    const std::uint64_t n = 1000000;
    std::vector<double> x(20000);
    for (auto& v : x) v = static_cast<double>(s.binomial(n, p));
    expect_moments(x, n * p, n * p * (1 - p));
  }
}

TEST(Distributions, BelowIsUniformChiSquare) {
  auto s = stream(107);
  const std::uint32_t k = 10;
  std::vector<double> obs(k, 0), expct(k, kN / double(k));
  for (int i = 0; i < kN; ++i) obs[s.below(k)] += 1;
  EXPECT_LT(chi2(obs, expct), chi2_critical(k - 1));
}

TEST(Distributions, ChooseKDistinctAndUniform) {
  for (auto [n, k] : {std::pair<std::uint32_t, std::uint32_t>{20, 5}, {300, 100}}) {  // Floyd, selection sampling
    auto s = stream(108);
    std::vector<double> counts(n, 0);
    std::vector<std::uint32_t> out(k);
    const int reps = 20000;
    for (int r = 0; r < reps; ++r) {
      choose_k(s, n, k, out.data());
      std::vector<std::uint32_t> sorted(out);
      std::sort(sorted.begin(), sorted.end());
      ASSERT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "duplicate";
      ASSERT_LT(sorted.back(), n);
      for (auto v : out) counts[v] += 1;
    }
    std::vector<double> expct(n, reps * double(k) / n);
    // inclusion counts are not independent multinomial cells; the statistic is
    // scaled by (n - 1) / (n - k), the finite-population correction
    const double stat = chi2(counts, expct) * (n - 1.0) / (n - k);
    EXPECT_LT(stat, chi2_critical(n - 1)) << "n=" << n << " k=" << k;
  }
}

TEST(Distributions, ShuffleIsAUniformPermutation) {
  auto s = stream(109);
  const int n = 8;
  std::vector<double> pos0(n, 0);
  const int reps = 80000;
  for (int r = 0; r < reps; ++r) {
    std::vector<int> v(n);
    std::iota(v.begin(), v.end(), 0);
    shuffle(s, v.data(), v.size());
    std::vector<int> sorted(v);
    std::sort(sorted.begin(), sorted.end());
    for (int i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i);
    pos0[std::find(v.begin(), v.end(), 0) - v.begin()] += 1;
  }
  EXPECT_LT(chi2(pos0, std::vector<double>(n, reps / double(n))), chi2_critical(n - 1));
}

TEST(Stats, NormalQuantileInvertsCdf) {
  for (double p : {1e-10, 0.001, 0.02425, 0.1, 0.5, 0.8, 0.97575, 0.999999})
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-12 + 1e-9 * p);
}

TEST(Stats, BimodalityCoefficientSeparatesShapes) {
  std::vector<double> two, one;
  auto s = stream(110);
  for (int i = 0; i < 20000; ++i) {
    two.push_back(s.bernoulli(0.5) ? s.normal(-3, 0.5) : s.normal(3, 0.5));
    one.push_back(s.normal());
  }
  EXPECT_GT(bimodality_coefficient(two), 5.0 / 9);
  EXPECT_NEAR(bimodality_coefficient(one), 1.0 / 3, 0.02);  // normal: 1/3
}
