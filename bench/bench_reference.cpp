// The reference models at a small and a large size, at 1 and 2 threads.
// One iteration is one step; items are agent updates (Deffuant: meetings),
// so the rate reads as updates per second. Clusters are not recorded (they
// sort all opinions every step), only cheap metrics.
#include <benchmark/benchmark.h>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/simulation.hpp"

using namespace tegenmacht;

namespace {
void steps(benchmark::State& state, const std::string& yaml, double items_per_step) {
  register_builtin_models();
  const Config cfg = load_scenario_text("seed: 1\nsteps: 100000000\n" + yaml, "<bench>");
  auto par = std::make_shared<Parallel>(static_cast<int>(state.range(0)));
  Simulation sim(cfg, 0, par);
  sim.step(1);  // past initial transients (first allocations)
  for (auto _ : state) sim.step(1);
  state.SetItemsProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) * items_per_step));
  state.counters["threads"] = static_cast<double>(state.range(0));
}

const std::string kBc = "model: bounded_confidence\noutput: {metrics: [mean, sd, changes]}\n";
// Epstein's Run 2 rules (vision 7, L 0.82, J_max 30, cop density 0.04)
const std::string kCv = "model: civil_violence\nlegitimacy: {initial: 0.82}\njail: {max_term: 30}\n";
}  // namespace

// Deffuant: one time unit (N meetings), complete graph
static void BM_Deffuant_1e3(benchmark::State& s) { steps(s, kBc + "population: 1000\nepsilon: 0.2\n", 1e3); }
static void BM_Deffuant_1e7(benchmark::State& s) { steps(s, kBc + "population: 10000000\nepsilon: 0.2\n", 1e7); }
// Hegselmann–Krause: one synchronous period, complete graph (sort + prefix sums)
static void BM_HegselmannKrause_625(benchmark::State& s) {
  steps(s, kBc + "population: 625\nrule: hegselmann_krause\nepsilon: 0.15\n", 625);
}
static void BM_HegselmannKrause_1e6(benchmark::State& s) {
  steps(s, kBc + "population: 1000000\nrule: hegselmann_krause\nepsilon: 0.01\n", 1e6);
}
// Civil violence: one step of random asynchronous activation, 40 x 40 (1184
// agents) and 1000 x 1000 (740 000 agents)
static void BM_CivilViolence_40x40(benchmark::State& s) { steps(s, kCv, 1120 + 64); }
static void BM_CivilViolence_1000x1000(benchmark::State& s) {
  steps(s, kCv + "width: 1000\nheight: 1000\n", 700000 + 40000);
}
// Threshold: Centola–Macy ring (1000 agents, k = 4) and a Moore lattice of 10^6
static void BM_ThresholdRing_1e3(benchmark::State& s) {
  steps(s,
        "model: threshold\npopulation: 1000\npersistent: false\nnetwork: {type: watts_strogatz, mean_degree: 4, "
        "rewire: 0.1}\nthresholds: {distribution: uniform, low: 2, high: 2}\nseeding: {mode: random, count: 500}\n",
        1e3);
}
static void BM_ThresholdMoore_1e6(benchmark::State& s) {
  steps(s,
        "model: threshold\npopulation: 1000000\npersistent: false\nnetwork: {type: lattice, neighbourhood: moore}\n"
        "thresholds: {distribution: uniform, low: 3, high: 3}\nseeding: {mode: random, count: 400000}\n",
        1e6);
}

BENCHMARK(BM_Deffuant_1e3)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Deffuant_1e7)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(BM_HegselmannKrause_625)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_HegselmannKrause_1e6)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
// Epstein with the parameters of Mesa's example (40 x 40, citizen density 0.7,
// cop density 0.074, von Neumann vision 7, L 0.8, J_max 1000, round(C/A)):
// the workload that bench/compare_peers.sh runs in Mesa too
static void BM_CivilViolenceMesaDefaults(benchmark::State& s) {
  steps(s,
        "model: civil_violence\ncitizen_density: 0.7\ncops: {density: 0.074}\narrest_ratio: round\n"
        "vision: {citizen: 7, cop: 7, shape: von_neumann}\nlegitimacy: {initial: 0.8}\njail: {max_term: 1000}\n",
        1120 + 118);
}
BENCHMARK(BM_CivilViolence_40x40)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_CivilViolenceMesaDefaults)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_CivilViolence_1000x1000)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(BM_ThresholdRing_1e3)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ThresholdMoore_1e6)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
