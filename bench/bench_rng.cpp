// Draws per second of the counter-based generator and its samplers.
#include <benchmark/benchmark.h>

#include "tegenmacht/rng.hpp"

using namespace tegenmacht;

namespace {
template <class F>
void draws(benchmark::State& state, F&& f) {
  const Rng rng(1, 0);
  std::uint32_t agent = 0;
  for (auto _ : state) {
    auto s = rng.stream(0, agent++, kPurposeModelBase);
    double acc = 0;
    for (int i = 0; i < 64; ++i) acc += f(s);
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
}  // namespace

static void BM_Philox_u32(benchmark::State& st) { draws(st, [](Stream& s) { return double(s.next_u32()); }); }
static void BM_Uniform(benchmark::State& st) { draws(st, [](Stream& s) { return s.uniform(); }); }
static void BM_Normal(benchmark::State& st) { draws(st, [](Stream& s) { return s.normal(); }); }
static void BM_Beta(benchmark::State& st) { draws(st, [](Stream& s) { return s.beta(2.0, 5.0); }); }
static void BM_Binomial_np10(benchmark::State& st) { draws(st, [](Stream& s) { return double(s.binomial(100, 0.1)); }); }
static void BM_Binomial_large(benchmark::State& st) { draws(st, [](Stream& s) { return double(s.binomial(1000000, 0.3)); }); }
static void BM_StreamPerDraw(benchmark::State& state) {
  // the pattern of a per-agent decision: a fresh stream, one uniform
  const Rng rng(1, 0);
  std::uint32_t agent = 0;
  for (auto _ : state) {
    auto s = rng.stream(3, agent++, kPurposeModelBase);
    benchmark::DoNotOptimize(s.uniform());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Philox_u32);
BENCHMARK(BM_Uniform);
BENCHMARK(BM_Normal);
BENCHMARK(BM_Beta);
BENCHMARK(BM_Binomial_np10);
BENCHMARK(BM_Binomial_large);
BENCHMARK(BM_StreamPerDraw);
