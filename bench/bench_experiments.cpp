// Experiments: whole experiments of the default town, at 1 and 2 threads.
// Items are jobs (one 260-week run each), so the rate reads as jobs per
// second; the ratio of the 2-thread and 1-thread rates is the speed-up of
// running jobs side by side (the target: >= 1.7x on 2 cores).
#include <benchmark/benchmark.h>

#include <filesystem>

#include "models.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/registry.hpp"

using namespace tegenmacht;

namespace {
void run_experiment_bench(benchmark::State& state, const std::string& yaml) {
  register_builtin_models();
  const auto exp = experiments::Experiment::from_text(yaml, "<bench>", TEGENMACHT_SOURCE_DIR "/scenarios");
  auto par = std::make_shared<Parallel>(static_cast<int>(state.range(0)));
  const std::string out =
      (std::filesystem::temp_directory_path() / ("tegenmacht_bench_" + std::to_string(::getpid()) + ".h5")).string();
  std::size_t jobs = 0;
  for (auto _ : state) {
    experiments::RunOptions o;
    o.output = out;
    jobs += experiments::run_experiment(exp, par, o).jobs_run;
    std::filesystem::remove(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(jobs));
  state.counters["threads"] = static_cast<double>(state.range(0));
}
}  // namespace

// 16 design points (responsiveness × repression of the municipality), one
// arm, one replicate: parallel only across jobs, never within a replicate.
static void BM_ExperimentDefaultTown16(benchmark::State& state) {
  run_experiment_bench(state,
                       "scenario: default.yaml\nreplicates: 1\n"
                       "factors:\n  - {key: institutions.0.responsiveness, values: [0.1, 0.3, 0.5, 0.7]}\n"
                       "  - {key: institutions.0.repression, values: [0.1, 0.3, 0.5, 0.7]}\n");
}
BENCHMARK(BM_ExperimentDefaultTown16)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// 2 000 short jobs of a small threshold model: the cost per job of the
// experiment layer itself (resolving each job's scenario, writing its row).
static void BM_ExperimentSmallJobs2000(benchmark::State& state) {
  run_experiment_bench(state,
                       "scenario: threshold.yaml\nreplicates: 500\nset: {steps: 20}\n"
                       "arms: {key: thresholds.mean, values: [20, 25, 30, 35]}\n");
}
BENCHMARK(BM_ExperimentSmallJobs2000)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
