// Model steps at a small and a large size, at 1 and 2 threads. Items are
// agent-updates, so the rate reads as agent-updates per second.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "models.hpp"
#include "tegenmacht/parallel.hpp"
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
  Simulation sim(cfg, 0, par);
  sim.step(52);  // past the start-up transient
  for (auto _ : state) sim.step(1);
  const double n = 4.0 * per_neighbourhood;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["threads"] = static_cast<double>(state.range(0));
  // the model's declared state (resident columns, network, tables) per resident;
  // the growth of the process's peak would depend on what ran before in it
  state.counters["state_bytes_per_resident"] = sim.state_bytes() / n;
}
}  // namespace

// The default town: 20 000 residents, four neighbourhoods, mean degree 12.
static void BM_OrganizingDefaultTown(benchmark::State& state) { organizing_steps(state, 5000); }
// The default town scaled to 10^6 residents (mean degree 12).
static void BM_OrganizingMillion(benchmark::State& state) { organizing_steps(state, 250000); }
BENCHMARK(BM_OrganizingMillion)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20);
BENCHMARK(BM_OrganizingDefaultTown)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Scaling: the default town with N/4 residents per neighbourhood, N = 10^4 ... 10^7
// (Arg 0: N, Arg 1: threads). Does throughput fall when the state leaves the caches?
static void BM_OrganizingScaling(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const Config cfg = town(n / 4);
  auto par = std::make_shared<Parallel>(static_cast<int>(state.range(1)));
  Simulation sim(cfg, 0, par);
  sim.step(52);
  for (auto _ : state) sim.step(1);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
  state.counters["threads"] = static_cast<double>(state.range(1));
}
BENCHMARK(BM_OrganizingScaling)
    ->ArgsProduct({{10000, 100000, 1000000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_OrganizingScaling)
    ->ArgsProduct({{10000000}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

// The machine's memory bandwidth, to read the 10^6-resident rate against: a
// STREAM triad a = b + 3 c over three arrays of 2^24 doubles (3 × 128 MiB, far
// beyond the caches), 24 bytes per element (McCalpin's counting: read-for-
// ownership of a not counted). Arg: threads.
static void BM_MemoryBandwidthTriad(benchmark::State& state) {
  const std::size_t n = std::size_t{1} << 24;
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  Parallel par(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    par.for_blocks(n, 1 << 16, [&](std::size_t, std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) a[i] = b[i] + 3.0 * c[i];
    });
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 3 * sizeof(double)));
  state.counters["threads"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_MemoryBandwidthTriad)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The Netherlands: 17.9 M residents in four neighbourhoods of 4.475 M, set-up and
// 10 weeks on 2 threads, once (about 4 GB; run it on its own:
// --benchmark_filter=OrganizingCountry). Counters: set-up seconds, weeks per
// second, peak resident set of the process in GiB.
static void BM_OrganizingCountry(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  const Config cfg = town(4475000);
  auto par = std::make_shared<Parallel>(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    const auto t0 = Clock::now();
    Simulation sim(cfg, 0, par);
    const auto t1 = Clock::now();
    sim.step(10);
    const auto t2 = Clock::now();
    state.counters["setup_s"] = std::chrono::duration<double>(t1 - t0).count();
    state.counters["weeks_per_s"] = 10.0 / std::chrono::duration<double>(t2 - t1).count();
    state.counters["peak_GiB"] = static_cast<double>(vm_hwm_kib()) / (1024.0 * 1024.0);
  }
  state.counters["threads"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_OrganizingCountry)->Arg(2)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

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
