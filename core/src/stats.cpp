#include "tegenmacht/stats.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <numbers>

namespace tegenmacht {

Moments moments(std::span<const double> x) {
  Moments m;
  m.n = static_cast<double>(x.size());
  if (x.empty()) return m;
  double s = 0;
  for (double v : x) s += v;
  m.mean = s / m.n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (double v : x) {
    const double d = v - m.mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= m.n;
  m3 /= m.n;
  m4 /= m.n;
  m.variance = m2;
  if (m2 > 0) {
    m.skewness = m3 / std::pow(m2, 1.5);
    m.kurtosis_excess = m4 / (m2 * m2) - 3.0;
  }
  return m;
}

double bimodality_coefficient(std::span<const double> x) {
  const double n = static_cast<double>(x.size());
  if (n < 4) return 0.0;
  const Moments m = moments(x);
  if (m.variance <= 0) return 0.0;
  return bimodality_coefficient(n, m.skewness, m.kurtosis_excess);
}

double bimodality_coefficient(double n, double skewness, double kurtosis_excess) {
  if (n < 4) return 0.0;
  // sample-corrected skewness and excess kurtosis (SAS/SPSS definitions)
  const double g = skewness * std::sqrt(n * (n - 1)) / (n - 2);
  const double k = ((n + 1) * kurtosis_excess + 6) * (n - 1) / ((n - 2) * (n - 3));
  return (g * g + 1) / (k + 3 * (n - 1) * (n - 1) / ((n - 2) * (n - 3)));
}

std::pair<double, double> linear_fit(std::span<const double> x, std::span<const double> y) {
  const auto n = static_cast<Eigen::Index>(x.size());
  Eigen::MatrixXd a(n, 2);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    a(i, 0) = 1.0;
    a(i, 1) = x[static_cast<std::size_t>(i)];
    b(i) = y[static_cast<std::size_t>(i)];
  }
  const Eigen::Vector2d c = a.colPivHouseholderQr().solve(b);
  return {c(0), c(1)};
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double normal_quantile(double p) {
  if (p <= 0) return -INFINITY;
  if (p >= 1) return INFINITY;
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double lo = 0.02425, hi = 1 - lo;
  double x;
  if (p < lo) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= hi) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // one Newton (Halley) refinement step
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace tegenmacht
