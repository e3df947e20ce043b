#include "tegenmacht/experiments/design.hpp"

#include <boost/random/sobol.hpp>

#include <cmath>
#include <numeric>

#include "tegenmacht/error.hpp"
#include "tegenmacht/rng.hpp"

namespace tegenmacht::experiments {

namespace {
// Design draws use their own purpose, so they never coincide with a model's.
Stream design_stream(std::uint64_t seed, std::uint32_t step, std::uint32_t index) {
  const Rng rng(seed, 0);
  return rng.stream(step, index, kPurposeDesign);
}
}  // namespace

UnitMatrix latin_hypercube(std::size_t n, std::size_t k, std::uint64_t seed) {
  UnitMatrix x(n, std::vector<double>(k, 0.0));
  if (n == 0) return x;
  if (n > 0xFFFFFFFFu) throw ArgumentError("design.n", "a Latin hypercube of more than 2^32 points");
  std::vector<std::uint32_t> perm(n);
  for (std::size_t j = 0; j < k; ++j) {
    Stream s = design_stream(seed, 0, static_cast<std::uint32_t>(j));
    std::iota(perm.begin(), perm.end(), 0u);
    shuffle(s, perm.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const double u = s.uniform();
      x[i][j] = (static_cast<double>(perm[i]) + u) / static_cast<double>(n);
    }
  }
  return x;
}

UnitMatrix sobol_sequence(std::size_t n, std::size_t dims) {
  UnitMatrix x(n, std::vector<double>(dims, 0.0));
  if (n == 0 || dims == 0) return x;
  if (dims > 3667) throw ArgumentError("design", "a Sobol' sequence has at most 3667 dimensions");
  boost::random::sobol gen(static_cast<unsigned>(dims));
  const double scale = std::ldexp(1.0, -64);  // the engine returns 64-bit integers
  // Boost's engine starts after the origin: its first point is (1/2, ..., 1/2)
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < dims; ++j) x[i][j] = static_cast<double>(gen()) * scale;
  return x;
}

UnitMatrix saltelli(std::size_t n, std::size_t k) {
  const UnitMatrix ab = sobol_sequence(n, 2 * k);
  UnitMatrix x;
  x.reserve(n * (k + 2));
  for (std::size_t j = 0; j < n; ++j) x.emplace_back(ab[j].begin(), ab[j].begin() + static_cast<std::ptrdiff_t>(k));
  for (std::size_t j = 0; j < n; ++j) x.emplace_back(ab[j].begin() + static_cast<std::ptrdiff_t>(k), ab[j].end());
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<double> row(ab[j].begin(), ab[j].begin() + static_cast<std::ptrdiff_t>(k));
      row[i] = ab[j][k + i];
      x.push_back(std::move(row));
    }
  return x;
}

MorrisDesign morris(std::size_t r, std::size_t k, std::size_t p, std::uint64_t seed) {
  if (p < 2 || p % 2 != 0) throw ArgumentError("design.levels", "Morris needs an even number of levels >= 2");
  MorrisDesign d;
  const double step = 1.0 / static_cast<double>(p - 1);
  d.delta = static_cast<double>(p) / (2.0 * static_cast<double>(p - 1));
  const std::size_t base_levels = p / 2;  // levels 0 .. 1 − Δ
  std::vector<std::uint32_t> order(k);
  for (std::size_t t = 0; t < r; ++t) {
    Stream s = design_stream(seed, 1, static_cast<std::uint32_t>(t));
    std::vector<double> x(k);
    std::vector<int> dir(k);
    for (std::size_t i = 0; i < k; ++i) {
      const double base = static_cast<double>(s.below(static_cast<std::uint32_t>(base_levels))) * step;
      dir[i] = s.uniform32() < 0.5 ? 1 : -1;
      x[i] = dir[i] > 0 ? base : base + d.delta;  // a downward move starts Δ higher
    }
    std::iota(order.begin(), order.end(), 0u);
    shuffle(s, order.data(), k);
    d.points.push_back(x);
    d.changed.push_back(-1);
    for (std::size_t m = 0; m < k; ++m) {
      const std::uint32_t i = order[m];
      x[i] += dir[i] * d.delta;
      if (std::abs(x[i]) < 1e-12) x[i] = 0.0;  // exact grid values
      d.points.push_back(x);
      d.changed.push_back(static_cast<int>(i));
    }
  }
  return d;
}

}  // namespace tegenmacht::experiments
