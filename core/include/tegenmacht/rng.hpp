// Keyed, counter-based random numbers.
//
// A draw is a pure function of (seed, replicate, step, agent, purpose, n),
// where n counts the draws made by one Stream. Two consequences that the rest
// of tegenmacht relies on:
//  * results do not depend on thread count or on iteration order, because no
//    generator state is shared between agents;
//  * common random numbers: replicate r under two strategies sees the same
//    draws for the same (step, agent, purpose), which makes paired
//    comparisons fair.
//
//   tegenmacht::Rng rng(/*seed=*/42, /*replicate=*/0);
//   auto s = rng.stream(step, agent_id, kPurposeJoin);
//   if (s.bernoulli(0.3)) { ... }
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <utility>

#include "tegenmacht/philox.hpp"

namespace tegenmacht {

/// Purposes reserved by the engine; models use values from kPurposeModelBase.
enum : std::uint32_t {
  kPurposeNetwork = 1,
  kPurposeInit = 2,
  kPurposeDesign = 3,  // experiment designs (Latin hypercube, Morris)
  kPurposeModelBase = 16,
  kPurposeMax = (1u << 12) - 1,
};

/// The "step" used for draws made while a model is initialised.
inline constexpr std::uint32_t kInitStep = 0xFFFFFFFFu;
/// Largest replicate index a stream can be keyed by.
inline constexpr std::uint32_t kMaxReplicate = (1u << 20) - 1;

/// A sequence of draws for one (step, agent, purpose). Cheap to create on the
/// stack; never allocates.
class Stream {
 public:
  Stream(PhiloxKey key, std::uint32_t step, std::uint32_t agent, std::uint32_t tag) noexcept
      : key_(key), ctr_{0u, agent, step, tag} {}
  /// The same stream, given its first block (philox4x32_agents computed it):
  /// the same draws without computing that block again.
  Stream(PhiloxKey key, std::uint32_t step, std::uint32_t agent, std::uint32_t tag, const PhiloxCounter& first) noexcept
      : key_(key), ctr_{1u, agent, step, tag}, buf_(first), pos_(0) {}

  std::uint32_t next_u32() noexcept {
    if (pos_ == 4) refill();
    return buf_[pos_++];
  }
  std::uint64_t next_u64() noexcept {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }
  /// Uniform on [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform on (0, 1): never exactly 0, safe for log().
  double uniform_pos() noexcept { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53; }
  /// Uniform on [0, 1) with 32 random bits: half the cost of uniform(), for
  /// comparisons with probabilities where 2^-32 resolution is plenty.
  double uniform32() noexcept { return static_cast<double>(next_u32()) * 0x1.0p-32; }
  double uniform(double a, double b) noexcept { return a + (b - a) * uniform(); }
  /// Uniform integer in [0, n), n > 0, without modulo bias (Lemire 2019).
  std::uint32_t below(std::uint32_t n) noexcept {
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t t = (0u - n) % n;
      while (low < t) {
        m = static_cast<std::uint64_t>(next_u32()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }
  bool bernoulli(double p) noexcept { return uniform() < p; }
  /// Standard normal (Box–Muller; the second value of each pair is kept).
  double normal() noexcept {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_pos()));
    const double phi = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(phi);
    has_spare_ = true;
    return r * std::cos(phi);
  }
  double normal(double mean, double sd) noexcept { return mean + sd * normal(); }
  double exponential() noexcept { return -std::log(uniform_pos()); }
  /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape > 0.
  double gamma(double shape) noexcept {
    if (shape < 1.0) return gamma(shape + 1.0) * std::pow(uniform_pos(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x, v;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = uniform_pos();
      if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
  }
  /// Beta(a, b), a, b > 0.
  double beta(double a, double b) noexcept {
    const double x = gamma(a);
    const double y = gamma(b);
    return x / (x + y);
  }
  /// Binomial(n, p), exact: Knuth's beta splitting (TAOCP 3.4.1) shrinks n
  /// until n·p is small, then inversion finishes.
  std::uint64_t binomial(std::uint64_t n, double p) noexcept {
    if (p <= 0.0 || n == 0) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - binomial(n, 1.0 - p);
    std::uint64_t k = 0;
    while (static_cast<double>(n) * p > 30.0) {
      const std::uint64_t a = 1 + n / 2, b = n - a + 1;
      const double x = beta(static_cast<double>(a), static_cast<double>(b));
      if (x >= p) {
        n = a - 1;
        p /= x;
      } else {
        k += a;
        n = b - 1;
        p = (p - x) / (1.0 - x);
      }
    }
    // inversion with the pmf recurrence
    const double q = 1.0 - p, ratio = p / q;
    double pk = std::pow(q, static_cast<double>(n));
    double u = uniform();
    std::uint64_t j = 0;
    while (u > pk && j < n) {
      u -= pk;
      pk *= ratio * static_cast<double>(n - j) / static_cast<double>(j + 1);
      ++j;
    }
    return k + j;
  }

 private:
  void refill() noexcept {
    buf_ = philox4x32(ctr_, key_);
    ++ctr_[0];
    pos_ = 0;
  }
  PhiloxKey key_;
  PhiloxCounter ctr_;
  PhiloxCounter buf_{};
  int pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

/// The generator of one replicate of one run: hands out Streams.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint32_t replicate);
  std::uint64_t seed() const noexcept { return seed_; }
  std::uint32_t replicate() const noexcept { return replicate_; }
  /// Draws for one agent (or institution, edge, …) at one step for one purpose.
  Stream stream(std::uint32_t step, std::uint32_t agent, std::uint32_t purpose) const noexcept {
    return Stream(key_, step, agent, (purpose << 20) | replicate_);
  }
  /// The first blocks of the streams (step, a, purpose) of agents a = first ..
  /// first + n − 1, as four word arrays of n (see philox4x32_agents): a loop
  /// that gives every agent a stream computes them for a run of agents at once.
  void first_blocks(std::uint32_t step, std::uint32_t first, std::size_t n, std::uint32_t purpose, std::uint32_t* w0,
                    std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) const noexcept {
    philox4x32_agents(key_, step, (purpose << 20) | replicate_, first, n, w0, w1, w2, w3);
  }
  /// stream(step, agent, purpose) from its first block (first_blocks): the
  /// same draws.
  Stream stream(std::uint32_t step, std::uint32_t agent, std::uint32_t purpose, const PhiloxCounter& first) const noexcept {
    return Stream(key_, step, agent, (purpose << 20) | replicate_, first);
  }

 private:
  std::uint64_t seed_;
  std::uint32_t replicate_;
  PhiloxKey key_;
};

/// Fisher–Yates shuffle of data[0..n).
template <class T>
void shuffle(Stream& s, T* data, std::size_t n) noexcept {
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = s.below(static_cast<std::uint32_t>(i));
    std::swap(data[i - 1], data[j]);
  }
}

/// k distinct values from [0, n) written to out[0..k), k <= n. Floyd's
/// algorithm (unordered) for small k, Knuth's selection sampling (ascending)
/// otherwise; neither allocates.
void choose_k(Stream& s, std::uint32_t n, std::uint32_t k, std::uint32_t* out) noexcept;

}  // namespace tegenmacht
