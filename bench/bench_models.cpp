// Model steps at a small and a large size, at 1 and 2 threads. Items are
// agent-updates, so the rate reads as agent-updates per second.
#include <benchmark/benchmark.h>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

using namespace tegenmacht;

namespace {
void run_steps(benchmark::State& state, const std::string& yaml, std::uint32_t agents) {
  register_builtin_models();
  const Config cfg = load_scenario_text(yaml, "<bench>");
  auto par = std::make_shared<Parallel>(static_cast<int>(state.range(0)));
  Simulation sim(cfg, 0, par);
  for (auto _ : state) {
    if (sim.done()) {
      state.PauseTiming();
      sim = Simulation(cfg, 0, par);
      state.ResumeTiming();
    }
    sim.step(1);
  }
  state.SetItemsProcessed(state.iterations() * agents);
  state.counters["threads"] = static_cast<double>(state.range(0));
}
}  // namespace

// Granovetter crowd, 10^6 agents on a complete graph (the count is global).
static void BM_ThresholdComplete_1e6(benchmark::State& state) {
  run_steps(state,
            "model: threshold\nsteps: 1000000\npopulation: 1000000\n"
            "thresholds: {mean: 250000, sd: 200000}\n",
            1000000);
}
// Watts cascade, 10^6 agents on an Erdős–Rényi network with mean degree 12.
static void BM_ThresholdER_1e6(benchmark::State& state) {
  run_steps(state,
            "model: threshold\nsteps: 1000000\npopulation: 1000000\npersistent: false\n"
            "network: {type: erdos_renyi, mean_degree: 12}\n"
            "thresholds: {distribution: uniform, low: 0, high: 1, unit: fraction}\n"
            "seeding: {mode: random, count: 300000}\n",
            1000000);
}
BENCHMARK(BM_ThresholdComplete_1e6)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ThresholdER_1e6)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
