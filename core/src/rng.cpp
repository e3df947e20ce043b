#include "tegenmacht/rng.hpp"

#include "tegenmacht/error.hpp"

namespace tegenmacht {

Rng::Rng(std::uint64_t seed, std::uint32_t replicate)
    : seed_(seed), replicate_(replicate),
      key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)} {
  if (replicate > kMaxReplicate)
    throw ArgumentError("replicate", "replicate index " + std::to_string(replicate) + " exceeds the maximum " +
                                         std::to_string(kMaxReplicate));
}

void choose_k(Stream& s, std::uint32_t n, std::uint32_t k, std::uint32_t* out) noexcept {
  if (k == 0) return;
  if (k <= 64) {
    // Floyd: for j = n-k .. n-1 pick t in [0, j]; take t unless already taken, then j.
    std::uint32_t m = 0;
    for (std::uint32_t j = n - k; j < n; ++j) {
      const std::uint32_t t = s.below(j + 1);
      bool seen = false;
      for (std::uint32_t i = 0; i < m; ++i) seen |= (out[i] == t);
      out[m++] = seen ? j : t;
    }
    return;
  }
  // Algorithm S: visit each candidate once, take it with probability needed/left.
  std::uint32_t m = 0;
  for (std::uint32_t t = 0; t < n && m < k; ++t) {
    if (static_cast<double>(n - t) * s.uniform() < static_cast<double>(k - m)) out[m++] = t;
  }
}

}  // namespace tegenmacht
