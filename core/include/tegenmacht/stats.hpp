// Small statistics used by models' observers, validation and tests.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace tegenmacht {

struct Moments {
  double n = 0, mean = 0, variance = 0, skewness = 0, kurtosis_excess = 0;
};
/// Population moments of x (two-pass).
Moments moments(std::span<const double> x);
/// Sarle's bimodality coefficient (g² + 1) / (k + 3(n-1)²/((n-2)(n-3))),
/// with g the skewness and k the excess kurtosis (sample-corrected). Above
/// 5/9 ≈ 0.555 suggests bimodality.
double bimodality_coefficient(std::span<const double> x);
/// The same coefficient from the sample size n and the population skewness
/// m3 / m2^1.5 and excess kurtosis m4 / m2² − 3 (as in Moments), for callers
/// that accumulate the central moments themselves; 0 when n < 4.
double bimodality_coefficient(double n, double skewness, double kurtosis_excess);
/// Least-squares line y = a + b x; returns {a, b}.
std::pair<double, double> linear_fit(std::span<const double> x, std::span<const double> y);
/// Standard normal CDF.
double normal_cdf(double z);
/// Inverse of the standard normal CDF (Acklam's rational approximation
/// refined by one Newton step; |error| < 1e-12 on (0, 1)).
double normal_quantile(double p);

}  // namespace tegenmacht
