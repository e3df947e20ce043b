// Philox4x32-10 against the known-answer vectors of the Random123
// distribution (kat_vectors), and the keying of streams.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "tegenmacht/philox.hpp"
#include "tegenmacht/rng.hpp"

using namespace tegenmacht;

TEST(Philox, KnownAnswerZeros) {
  const PhiloxCounter out = philox4x32({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(out, (PhiloxCounter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
}

TEST(Philox, KnownAnswerOnes) {
  const PhiloxCounter out =
      philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu});
  EXPECT_EQ(out, (PhiloxCounter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
}

TEST(Philox, KnownAnswerPi) {
  const PhiloxCounter out =
      philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u});
  EXPECT_EQ(out, (PhiloxCounter{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

// The many-agents form (AVX-512, AVX2 or scalar, whichever the processor
// runs) against one philox4x32 call per agent: lengths that leave every
// remainder (16 + 8 + 7 lanes), a counter that wraps past 2^32 − 1, and a key
// with all bits set.
TEST(Philox, ManyAgentsEqualOneAtATime) {
  for (const PhiloxKey key : {PhiloxKey{0x12345678u, 0x9abcdef0u}, PhiloxKey{0xFFFFFFFFu, 0xFFFFFFFFu}}) {
    for (const std::uint32_t first : {0u, 1000u, 0xFFFFFFF0u}) {
      for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{31},
                                  std::size_t{257}}) {
        std::vector<std::uint32_t> w(4 * n + 4), v(4 * n + 4);
        philox4x32_agents(key, 77u, 0xABCDEu, first, n, w.data(), w.data() + n, w.data() + 2 * n, w.data() + 3 * n);
        philox4x32_agents_scalar(key, 77u, 0xABCDEu, first, n, v.data(), v.data() + n, v.data() + 2 * n,
                                 v.data() + 3 * n);
        for (std::size_t q = 0; q < n; ++q) {
          const PhiloxCounter one = philox4x32({0u, first + static_cast<std::uint32_t>(q), 77u, 0xABCDEu}, key);
          for (std::size_t word = 0; word < 4; ++word) {
            ASSERT_EQ(w[word * n + q], one[word]) << "agent " << q << " word " << word << " n " << n;
            ASSERT_EQ(v[word * n + q], one[word]) << "scalar, agent " << q << " word " << word;
          }
        }
      }
    }
  }
}

// A stream started from its precomputed first block draws what the stream
// computed from scratch draws, past the first block too.
TEST(Rng, StreamFromItsFirstBlockIsTheSameStream) {
  const Rng rng(42, 3);
  std::uint32_t w[4][5];
  rng.first_blocks(9, 100, 5, kPurposeModelBase + 1, w[0], w[1], w[2], w[3]);
  for (std::uint32_t q = 0; q < 5; ++q) {
    auto a = rng.stream(9, 100 + q, kPurposeModelBase + 1);
    auto b = rng.stream(9, 100 + q, kPurposeModelBase + 1, {w[0][q], w[1][q], w[2][q], w[3][q]});
    for (int i = 0; i < 11; ++i) EXPECT_EQ(a.next_u32(), b.next_u32());
  }
}

TEST(Rng, StreamIsAPureFunctionOfItsKey) {
  const Rng a(42, 3), b(42, 3);
  auto s1 = a.stream(7, 11, kPurposeModelBase);
  auto s2 = b.stream(7, 11, kPurposeModelBase);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s1.next_u32(), s2.next_u32());
}

TEST(Rng, EveryKeyComponentChangesTheStream) {
  const Rng base(42, 3);
  auto first = [](Stream s) { return s.next_u64(); };
  const auto ref = first(base.stream(7, 11, 20));
  EXPECT_NE(ref, first(Rng(43, 3).stream(7, 11, 20)));   // seed
  EXPECT_NE(ref, first(Rng(42, 4).stream(7, 11, 20)));   // replicate
  EXPECT_NE(ref, first(base.stream(8, 11, 20)));         // step
  EXPECT_NE(ref, first(base.stream(7, 12, 20)));         // agent
  EXPECT_NE(ref, first(base.stream(7, 11, 21)));         // purpose
  EXPECT_NE(ref, first(Rng(42ull | (1ull << 40), 3).stream(7, 11, 20)));  // high seed bits
}

TEST(Rng, DrawsWithinAStreamDoNotRepeatBlocks) {
  const Rng r(1, 0);
  auto s = r.stream(0, 0, kPurposeModelBase);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(s.next_u64());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(Rng, ReplicateOutOfRangeIsAnError) {
  EXPECT_THROW(Rng(1, kMaxReplicate + 1), std::exception);
}
