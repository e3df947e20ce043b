// Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers:
// as easy as 1, 2, 3", SC11). A counter-based generator: the output is a pure
// function of a 128-bit counter and a 64-bit key, which is what makes every
// draw in tegenmacht independent of thread count and iteration order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tegenmacht {

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;

/// One Philox4x32 block with `rounds` rounds (10 is the standard choice).
inline PhiloxCounter philox4x32(PhiloxCounter ctr, PhiloxKey key, int rounds = 10) noexcept {
  constexpr std::uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int r = 0; r < rounds; ++r) {
    if (r > 0) {
      key[0] += kW0;
      key[1] += kW1;
    }
    const std::uint64_t p0 = kM0 * ctr[0];
    const std::uint64_t p1 = kM1 * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
  }
  return ctr;
}

}  // namespace tegenmacht

namespace tegenmacht {

/// The first Philox4x32-10 block of `n` consecutive agents' streams: for
/// agent a = first + q (q < n) the block of counter {0, a, step, tag} under
/// `key`, written as words w0[q], w1[q], w2[q], w3[q]. Bit for bit what
/// philox4x32({0, a, step, tag}, key) returns; eight or sixteen agents at a time
/// with AVX2 or AVX-512 where the processor has them (chosen at run time), one
/// at a time otherwise. For loops that give every agent a stream each step
/// (Stream::from_block consumes a block).
void philox4x32_agents(PhiloxKey key, std::uint32_t step, std::uint32_t tag, std::uint32_t first, std::size_t n,
                       std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2, std::uint32_t* w3) noexcept;

/// The same with the one-agent-at-a-time code whatever the processor: the
/// reference the vector forms are tested against.
void philox4x32_agents_scalar(PhiloxKey key, std::uint32_t step, std::uint32_t tag, std::uint32_t first,
                              std::size_t n, std::uint32_t* w0, std::uint32_t* w1, std::uint32_t* w2,
                              std::uint32_t* w3) noexcept;

}  // namespace tegenmacht
