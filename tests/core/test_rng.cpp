// Philox4x32-10 against the known-answer vectors of the Random123
// distribution (kat_vectors), and the keying of streams.
#include <gtest/gtest.h>

#include <set>

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
