// Model steps at a small and a large size, at 1 and 2 threads. Items are
// agent-updates, so the rate reads as agent-updates per second.
#include <benchmark/benchmark.h>

#include <cstdio>

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

// ---------------------------------------------------------------- organizing
namespace {
long vm_hwm_kib() {  // peak resident set size of this process
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

Config town(std::uint32_t per_neighbourhood) {
  register_builtin_models();
  std::vector<std::string> sets{"strategy=alinsky", "steps=1000000", "replicates=1"};
  for (int b = 0; b < 4; ++b) sets.push_back("neighbourhoods." + std::to_string(b) + ".size=" + std::to_string(per_neighbourhood));
  return load_scenario(std::string(TEGENMACHT_SOURCE_DIR) + "/scenarios/default.yaml", sets);
}

void organizing_steps(benchmark::State& state, std::uint32_t per_neighbourhood) {
  const Config cfg = town(per_neighbourhood);
  auto par = std::make_shared<Parallel>(static_cast<int>(state.range(0)));
  const long before = vm_hwm_kib();
  Simulation sim(cfg, 0, par);
  const long after = vm_hwm_kib();
  sim.step(52);  // past the start-up transient
  for (auto _ : state) sim.step(1);
  const double n = 4.0 * per_neighbourhood;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["threads"] = static_cast<double>(state.range(0));
  // growth of the peak RSS while the model was built: an upper bound on its
  // own memory when it is the largest allocation so far in this process
  if (after > before) state.counters["peak_bytes_per_resident"] = (after - before) * 1024.0 / n;
}
}  // namespace

// The default town: 20 000 residents, four neighbourhoods, mean degree 12.
static void BM_OrganizingDefaultTown(benchmark::State& state) { organizing_steps(state, 5000); }
// The default town scaled to 10^6 residents (mean degree 12).
static void BM_OrganizingMillion(benchmark::State& state) { organizing_steps(state, 250000); }
BENCHMARK(BM_OrganizingMillion)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20);
BENCHMARK(BM_OrganizingDefaultTown)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A whole default-town run (260 weeks, one replicate, initialisation included).
static void BM_OrganizingDefaultRun260(benchmark::State& state) {
  register_builtin_models();
  const Config cfg = load_scenario(std::string(TEGENMACHT_SOURCE_DIR) + "/scenarios/default.yaml",
                                   {"strategy=alinsky", "replicates=1"});
  auto par = std::make_shared<Parallel>(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Simulation sim(cfg, 0, par);
    sim.run();
    benchmark::DoNotOptimize(sim.recorder().rows());
  }
  state.counters["threads"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_OrganizingDefaultRun260)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
