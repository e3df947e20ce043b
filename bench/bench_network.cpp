// Network generation throughput at mean degree ~12; items = undirected edges
// generated, so the report reads as edges per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "tegenmacht/network.hpp"
#include "tegenmacht/rng.hpp"

namespace {

using namespace tegenmacht;
namespace gen = tegenmacht::generators;

constexpr double kMeanDegree = 12.0;

template <class Make>
void run(benchmark::State& state, Make&& make) {
  std::uint64_t edges = 0;
  std::uint64_t seed = 1;
  for (auto _ : state) {
    // a fresh seed per iteration so no run can reuse a lucky layout
    const Network g = make(Rng(seed++, 0));
    edges += g.edge_count();
    benchmark::DoNotOptimize(g.targets().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(edges));
  state.counters["edges"] = static_cast<double>(edges) / static_cast<double>(state.iterations());
}

void BM_ErdosRenyi(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  run(state, [&](const Rng& rng) { return gen::erdos_renyi(n, kMeanDegree / (n - 1), rng); });
}

void BM_WattsStrogatz(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  run(state, [&](const Rng& rng) { return gen::watts_strogatz(n, 12, 0.1, rng); });
}

void BM_BarabasiAlbert(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  run(state, [&](const Rng& rng) { return gen::barabasi_albert(n, 6, rng); });
}

void BM_StochasticBlockModel4(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const std::uint32_t b = n / 4;
  // 8 of the 12 expected neighbours inside the own block, 4 spread over the others
  const double p_in = 8.0 / (b - 1), p_out = 4.0 / (3.0 * b);
  const std::vector<std::uint32_t> sizes(4, b);
  std::vector<std::vector<double>> rates(4, std::vector<double>(4, p_out));
  for (int i = 0; i < 4; ++i) rates[i][i] = p_in;
  run(state, [&](const Rng& rng) { return gen::stochastic_block_model(sizes, rates, rng); });
}

void BM_Torus(benchmark::State& state) {
  // von Neumann radius 2 gives degree 12 on a square torus of ~n nodes
  const auto side = static_cast<std::uint32_t>(state.range(1));
  run(state, [&](const Rng&) { return gen::torus_lattice(side, side, gen::LatticeNeighbourhood::VonNeumann, 2); });
}

void BM_RewiredTorus(benchmark::State& state) {
  const auto side = static_cast<std::uint32_t>(state.range(1));
  const Network lattice = gen::torus_lattice(side, side, gen::LatticeNeighbourhood::VonNeumann, 2);
  run(state, [&](const Rng& rng) { return gen::rewire(lattice, 0.1, rng); });
}

}  // namespace

BENCHMARK(BM_ErdosRenyi)->Arg(10'000)->Arg(1'000'000)->ArgName("n")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WattsStrogatz)->Arg(10'000)->Arg(1'000'000)->ArgName("n")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BarabasiAlbert)->Arg(10'000)->Arg(1'000'000)->ArgName("n")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StochasticBlockModel4)->Arg(10'000)->Arg(1'000'000)->ArgName("n")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Torus)->Args({10'000, 100})->Args({1'000'000, 1000})->ArgNames({"n", "side"})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RewiredTorus)->Args({10'000, 100})->Args({1'000'000, 1000})->ArgNames({"n", "side"})->Unit(benchmark::kMillisecond);
