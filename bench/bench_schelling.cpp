// Schelling segregation at the two set-ups of the ABMFrameworksComparison
// benchmark (scenarios/reference/schelling_small.yaml and schelling_large.yaml:
// 40 x 40, 1000 agents, r = 1, 3 wanted; 100 x 100, 8000 agents, r = 2, 8
// wanted; 20 steps). One iteration is one whole 20-step run on a fresh
// replicate (as the peers time one run per seed):
//   *_Run20     model set-up (placement) and 20 steps, as Agents.jl and Mesa are timed
//   *_Steps20   the 20 steps alone, as MASON is timed (its clock starts after start())
// Only the `moves` metric is recorded, as the peers record nothing; the
// segregation index costs about one more step when it is on.
// Counters: agent_steps/s = agents x 20 / time; peak_bytes_per_agent = the
// largest growth of live heap bytes during one run (set-up included; this
// program counts every allocation) divided by the agents.
// A program of its own because it replaces the global operator new.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

namespace {
std::atomic<long long> g_live{0}, g_peak{0};

void note_alloc(void* p) noexcept {
  const long long live = g_live.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed) +
                         static_cast<long long>(malloc_usable_size(p));
  long long peak = g_peak.load(std::memory_order_relaxed);
  while (live > peak && !g_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}
}  // namespace

void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  note_alloc(p);
  return p;
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept {
  if (!p) return;
  g_live.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { ::operator delete(p); }

using namespace tegenmacht;

namespace {
Config setup(const char* name) {
  register_builtin_models();
  return load_scenario(std::string(TEGENMACHT_SOURCE_DIR) + "/scenarios/reference/schelling_" + name + ".yaml",
                       {"output.metrics=[moves]", "replicates=1000000"});
}

/// Peak growth of live heap bytes while one replicate is built and run.
double peak_bytes(const Config& cfg, const std::shared_ptr<Parallel>& par) {
  const long long base = g_live.load();
  g_peak.store(base);
  {
    Simulation sim(cfg, 999999, par);
    sim.run();
  }
  return static_cast<double>(g_peak.load() - base);
}

void run20(benchmark::State& state, const char* name, bool with_setup) {
  const Config cfg = setup(name);
  auto par = std::make_shared<Parallel>(1);  // the step is sequential: the order is the model
  const double agents = static_cast<double>(cfg.get_int("agents"));
  const double steps = static_cast<double>(cfg.get_int("steps"));
  const double peak = peak_bytes(cfg, par);
  std::uint32_t replicate = 0;
  std::optional<Simulation> sim;
  for (auto _ : state) {
    if (with_setup) {
      Simulation s(cfg, replicate++ % 1000000, par);
      s.run();
      benchmark::DoNotOptimize(s.recorder().rows());
    } else {
      state.PauseTiming();
      sim.reset();
      sim.emplace(cfg, replicate++ % 1000000, par);
      state.ResumeTiming();
      sim->run();
      benchmark::DoNotOptimize(sim->recorder().rows());
    }
  }
  state.counters["agent_steps/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * agents * steps, benchmark::Counter::kIsRate);
  state.counters["peak_bytes_per_agent"] = peak / agents;
}
}  // namespace

static void BM_SchellingSmall_Run20(benchmark::State& s) { run20(s, "small", true); }
static void BM_SchellingLarge_Run20(benchmark::State& s) { run20(s, "large", true); }
static void BM_SchellingSmall_Steps20(benchmark::State& s) { run20(s, "small", false); }
static void BM_SchellingLarge_Steps20(benchmark::State& s) { run20(s, "large", false); }
BENCHMARK(BM_SchellingSmall_Run20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SchellingLarge_Run20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SchellingSmall_Steps20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SchellingLarge_Steps20)->Unit(benchmark::kMillisecond)->UseRealTime();
