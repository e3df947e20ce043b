#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tegenmacht/parallel.hpp"
#include "tegenmacht/rng.hpp"

using namespace tegenmacht;

namespace {
// a sum whose rounding depends on association order
double noisy_sum(int threads) {
  Parallel par(threads);
  const Rng rng(5, 0);
  const std::size_t n = 1 << 20;
  return par.sum(n, 4096, [&](std::size_t b, std::size_t e) {
    double s = 0;
    for (std::size_t i = b; i < e; ++i) {
      auto st = rng.stream(0, static_cast<std::uint32_t>(i), kPurposeModelBase);
      s += st.normal() * 1e8 + st.uniform() * 1e-8;
    }
    return s;
  });
}
}  // namespace

TEST(Parallel, SumIsBitwiseIdenticalFor1To4Threads) {
  const double s1 = noisy_sum(1), s2 = noisy_sum(2), s4 = noisy_sum(4);
  EXPECT_EQ(std::memcmp(&s1, &s2, sizeof s1), 0);
  EXPECT_EQ(std::memcmp(&s1, &s4, sizeof s1), 0);
}

TEST(Parallel, EveryIndexVisitedExactlyOnce) {
  Parallel par(4);
  std::vector<int> hits(100003, 0);
  par.for_each(hits.size(), 1000, [&](std::size_t i) { hits[i] += 1; });
  for (int h : hits) ASSERT_EQ(h, 1);
}

TEST(Parallel, ZeroThreadsIsAnError) { EXPECT_THROW(Parallel(0), std::exception); }

TEST(Parallel, BlockCount) {
  EXPECT_EQ(Parallel::block_count(0, 10), 0u);
  EXPECT_EQ(Parallel::block_count(10, 10), 1u);
  EXPECT_EQ(Parallel::block_count(11, 10), 2u);
}
