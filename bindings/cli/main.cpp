// The `tegenmacht` command: run scenarios, inspect the build.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "models.hpp"
#include "tegenmacht/error.hpp"
#include "tegenmacht/parallel.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/results.hpp"
#include "tegenmacht/simulation.hpp"
#include "tegenmacht/stats.hpp"
#include "tegenmacht/version.hpp"
#include "validation/validation.hpp"

namespace tg = tegenmacht;

namespace {

std::atomic<bool> g_stop{false};

/// Builds each model once (replicate 0, no steps), so that errors that only
/// the model can see (shares that do not sum to 1, unknown names) stop a
/// compare or sweep before its first run instead of in the middle.
void check_models(const std::vector<tg::Config>& configs, const std::shared_ptr<tg::Parallel>& par) {
  for (const auto& c : configs) tg::Simulation probe(c, 0, par);
}
extern "C" void on_sigint(int) { g_stop.store(true); }

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += argv[i];
  }
  return s;
}

struct RunOptions {
  std::string scenario;
  std::string output;
  std::vector<std::string> sets;
  long long seed = -1;
  long long steps = -1;
  long long replicates = -1;
  int threads = 0;
  bool print_config = false;
  bool quiet = false;
};

/// The scenario overrides a command's options stand for: --set plus --seed, --steps, --replicates.
std::vector<std::string> overrides(const RunOptions& o) {
  std::vector<std::string> sets = o.sets;
  if (o.seed >= 0) sets.push_back("seed=" + std::to_string(o.seed));
  if (o.steps >= 0) sets.push_back("steps=" + std::to_string(o.steps));
  if (o.replicates >= 0) sets.push_back("replicates=" + std::to_string(o.replicates));
  return sets;
}

/// "mean ± sd" of values, or "n/a".
std::string mean_sd(const std::vector<double>& values) {
  if (values.empty()) return "n/a";
  const auto m = tg::moments(values);
  char cell[64];
  std::snprintf(cell, sizeof cell, "%.4g ± %.2g", m.mean, std::sqrt(m.variance));
  return cell;
}

void print_summary(const tg::Config& cfg, const tg::EnsembleResult& res, const std::string& out) {
  const auto& recs = res.recorders;
  std::printf("model %s, %zu replicate(s), %lld steps, %.3f s%s\n", cfg.get_string("model").c_str(), recs.size(),
              static_cast<long long>(cfg.get_int("steps")), res.seconds, res.complete ? "" : " (INTERRUPTED)");
  if (recs.empty() || recs.front().series().empty()) return;
  std::printf("%-28s %14s %14s   (final step; mean and sd over replicates)\n", "metric", "mean", "sd");
  int shown = 0;
  for (std::size_t si = 0; si < recs.front().series().size() && shown < 16; ++si) {
    const auto& s0 = recs.front().series()[si];
    if (!s0.enabled || !s0.axis.empty()) continue;
    std::vector<double> finals;
    for (const auto& r : recs) {
      const auto& d = r.series()[si].data;
      if (!d.empty() && !std::isnan(d.back())) finals.push_back(d.back());
    }
    if (finals.empty()) continue;
    const auto m = tg::moments(finals);
    std::printf("%-28s %14.6g %14.6g\n", s0.name.c_str(), m.mean, std::sqrt(m.variance));
    ++shown;
  }
  std::printf("results: %s\n", out.c_str());
}

int do_run(const RunOptions& o, const std::string& cmdline) {
  const std::vector<std::string> sets = overrides(o);
  tg::Config cfg = tg::load_scenario(o.scenario, sets);
  if (o.print_config) {
    std::cout << cfg.to_yaml();
    return 0;
  }
  std::string out = o.output;
  if (out.empty()) out = std::filesystem::path(o.scenario).stem().string() + ".h5";
  tg::check_writable(out);
  const int threads = o.threads > 0 ? o.threads : tg::Parallel::default_threads();
  auto par = std::make_shared<tg::Parallel>(threads);
  std::signal(SIGINT, on_sigint);
  tg::EnsembleResult res = tg::run_ensemble(cfg, par, &g_stop);
  std::signal(SIGINT, SIG_DFL);
  tg::write_results(out, cfg, res, tg::Provenance{cmdline, threads});
  if (!o.quiet) print_summary(cfg, res, out);
  if (!res.complete) {
    std::fprintf(stderr, "tegenmacht: interrupted; %s holds the steps done so far (complete = false)\n", out.c_str());
    return 130;
  }
  return 0;
}

struct CompareOptions {
  RunOptions run;
  std::string key = "strategy";
  std::vector<std::string> values;
  std::vector<std::string> metrics;
  std::string outdir;
  std::string baseline;
};

/// Final value of a metric in one replicate; grouped metrics are averaged over their axis.
double final_mean(const tg::Series& s) {
  if (s.data.size() < s.width) return std::nan("");
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t k = s.data.size() - s.width; k < s.data.size(); ++k)
    if (!std::isnan(s.data[k])) {
      sum += s.data[k];
      ++n;
    }
  return n ? sum / static_cast<double>(n) : std::nan("");
}

int do_compare(const CompareOptions& o, const std::string& cmdline) {
  const std::vector<std::string> base = overrides(o.run);
  // validate every variant before running any of them
  std::vector<tg::Config> configs;
  std::vector<std::string> values = o.values;
  if (values.empty()) {
    tg::Config probe = tg::load_scenario(o.run.scenario, base);
    const tg::Schema schema = tg::scenario_schema(probe.get_string("model"));
    const tg::KeyDecl* decl = schema.find(o.key);
    if (!decl || decl->choices.empty())
      throw tg::ArgumentError("--values", "give the values to compare: '" + o.key + "' has no list of choices");
    for (const auto& c : decl->choices)
      if (c != "custom") values.push_back(c);
  }
  for (const auto& v : values) {
    auto sets = base;
    sets.push_back(o.key + "=" + v);
    configs.push_back(tg::load_scenario(o.run.scenario, sets));
  }
  const std::string stem = std::filesystem::path(o.run.scenario).stem().string();
  std::vector<std::string> outputs;
  if (!o.outdir.empty()) {
    std::filesystem::create_directories(o.outdir);
    for (const auto& v : values) {
      outputs.push_back((std::filesystem::path(o.outdir) / (stem + "_" + v + ".h5")).string());
      tg::check_writable(outputs.back());
    }
  }
  const int threads = o.run.threads > 0 ? o.run.threads : tg::Parallel::default_threads();
  auto par = std::make_shared<tg::Parallel>(threads);
  check_models(configs, par);
  std::signal(SIGINT, on_sigint);
  std::vector<tg::EnsembleResult> results;
  for (std::size_t v = 0; v < values.size() && !g_stop.load(); ++v) {
    results.push_back(tg::run_ensemble(configs[v], par, &g_stop));
    if (!outputs.empty()) tg::write_results(outputs[v], configs[v], results.back(), tg::Provenance{cmdline, threads});
  }
  std::signal(SIGINT, SIG_DFL);
  if (results.empty() || results.front().recorders.empty()) return 130;
  std::vector<std::string> metrics = o.metrics;
  if (metrics.empty()) {
    if (configs.front().get_string("model") == "organizing")
      metrics = {"concessions", "won_by_pressure", "won_in_consultation", "arnstein_mean", "hardship", "survival_load",
                 "trust", "efficacy", "member", "active", "participation_gap", "coopted_leaders", "sanctions_total",
                 "worker_funding_min", "legitimacy"};
    else
      for (const auto& s : results.front().recorders.front().series()) metrics.push_back(s.name);
  }
  std::printf("%s: %s compared over %zu replicate(s), %lld steps (final step; mean ± sd over replicates)\n",
              o.run.scenario.c_str(), o.key.c_str(), results.front().recorders.size(),
              static_cast<long long>(configs.front().get_int("steps")));
  std::printf("%-22s", "metric");
  for (std::size_t v = 0; v < results.size(); ++v) std::printf(" %20s", values[v].c_str());
  std::printf("\n");
  for (const auto& m : metrics) {
    if (!results.front().recorders.front().find(m)) throw tg::ArgumentError("--metrics", "unknown metric '" + m + "'");
    std::printf("%-22s", m.c_str());
    for (const auto& r : results) {
      std::vector<double> finals;
      for (const auto& rec : r.recorders)
        if (const auto* s = rec.find(m); s && !std::isnan(final_mean(*s))) finals.push_back(final_mean(*s));
      std::printf(" %20s", mean_sd(finals).c_str());
    }
    std::printf("\n");
  }
  // paired differences: replicate r of every value shares its seeds with
  // replicate r of the baseline (common random numbers)
  const std::string base_value = o.baseline.empty() ? values.front() : o.baseline;
  const auto bit = std::find(values.begin(), values.end(), base_value);
  if (bit == values.end()) throw tg::ArgumentError("--baseline", "'" + base_value + "' is not one of the compared values");
  const std::size_t bi = static_cast<std::size_t>(bit - values.begin());
  if (results.size() == values.size() && results[bi].recorders.size() > 1) {
    std::printf("\npaired difference from %s (mean and 95%% confidence interval over replicates)\n", base_value.c_str());
    std::printf("%-22s", "metric");
    for (std::size_t v = 0; v < results.size(); ++v)
      if (v != bi) std::printf(" %22s", values[v].c_str());
    std::printf("\n");
    for (const auto& m : metrics) {
      std::printf("%-22s", m.c_str());
      for (std::size_t v = 0; v < results.size(); ++v) {
        if (v == bi) continue;
        std::vector<double> d;
        for (std::size_t r = 0; r < results[v].recorders.size() && r < results[bi].recorders.size(); ++r) {
          const double x = final_mean(*results[v].recorders[r].find(m)), y = final_mean(*results[bi].recorders[r].find(m));
          if (!std::isnan(x) && !std::isnan(y)) d.push_back(x - y);
        }
        const auto mo = tg::moments(d);
        // t quantile for a 95 % interval; 1.96 for large samples
        static const double t975[] = {0, 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23,
                                      2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.10, 2.09, 2.09};
        const std::size_t df = d.size() > 1 ? d.size() - 1 : 0;
        const double t = df == 0 ? NAN : (df <= 20 ? t975[df] : 1.96);
        const double n = static_cast<double>(d.size());
        const double half = d.size() > 1 ? t * std::sqrt(mo.variance / (n - 1.0)) : NAN;  // population variance → standard error
        char cell[64];
        std::snprintf(cell, sizeof cell, "%+.3g ± %.2g", mo.mean, half);
        std::printf(" %22s", d.size() > 1 ? cell : "n/a");
      }
      std::printf("\n");
    }
  }
  if (!outputs.empty()) std::printf("results: %s/%s_<%s>.h5\n", o.outdir.c_str(), stem.c_str(), o.key.c_str());
  return g_stop.load() ? 130 : 0;
}

struct SweepOptions {
  RunOptions run;
  std::vector<std::string> vary;
  std::vector<std::string> metrics;
};

/// Splits "a,b,[1,2],c" at the commas that are not inside brackets or braces.
std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

int do_sweep(const SweepOptions& o, const std::string& cmdline) {
  const std::vector<std::string> base = overrides(o.run);
  tg::SweepInfo sweep;
  std::vector<std::vector<std::string>> axes;
  for (const auto& v : o.vary) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
      throw tg::ArgumentError("--vary", "expected key=value1,value2,..., got '" + v + "'");
    const std::string key = v.substr(0, eq);
    if (key == "model" || key == "steps" || key == "replicates")
      throw tg::ArgumentError("--vary", "'" + key + "' cannot be varied within one sweep file");
    sweep.keys.push_back(key);
    axes.push_back(split_values(v.substr(eq + 1)));
  }
  // the grid, first key slowest
  std::vector<std::vector<std::string>> rows{{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& row : rows)
      for (const auto& value : axis) {
        next.push_back(row);
        next.back().push_back(value);
      }
    rows = std::move(next);
  }
  const tg::Config base_cfg = tg::load_scenario(o.run.scenario, base);
  std::vector<tg::Config> configs;
  for (const auto& row : rows) {
    auto sets = base;
    for (std::size_t k = 0; k < row.size(); ++k) sets.push_back(sweep.keys[k] + "=" + row[k]);
    configs.push_back(tg::load_scenario(o.run.scenario, sets));  // every run validated before any runs
    sweep.configs.push_back(configs.back().to_yaml());
  }
  sweep.values = rows;
  std::string out = o.run.output;
  if (out.empty()) out = std::filesystem::path(o.run.scenario).stem().string() + "_sweep.h5";
  tg::check_writable(out);
  const int threads = o.run.threads > 0 ? o.run.threads : tg::Parallel::default_threads();
  auto par = std::make_shared<tg::Parallel>(threads);
  check_models(configs, par);
  std::signal(SIGINT, on_sigint);
  std::vector<tg::EnsembleResult> results;
  for (std::size_t u = 0; u < configs.size() && !g_stop.load(); ++u) {
    results.push_back(tg::run_ensemble(configs[u], par, &g_stop));
    if (!o.run.quiet) {
      std::string label;
      for (std::size_t k = 0; k < rows[u].size(); ++k) label += (k ? " " : "") + sweep.keys[k] + "=" + rows[u][k];
      std::fprintf(stderr, "run %zu/%zu %s: %.2f s\n", u + 1, configs.size(), label.c_str(), results.back().seconds);
    }
  }
  std::signal(SIGINT, SIG_DFL);
  if (results.empty()) return 130;
  tg::write_sweep(out, base_cfg, sweep, results, tg::Provenance{cmdline, threads});
  if (!o.run.quiet) {
    std::vector<std::string> metrics = o.metrics;
    if (metrics.empty())
      for (const auto& s : results.front().recorders.front().series())
        if (s.axis.empty() && metrics.size() < 4) metrics.push_back(s.name);
    for (const auto& k : sweep.keys) std::printf("%-16s ", k.c_str());
    for (const auto& m : metrics) std::printf("%20s ", m.c_str());
    std::printf("\n");
    for (std::size_t u = 0; u < results.size(); ++u) {
      for (const auto& v : rows[u]) std::printf("%-16s ", v.c_str());
      for (const auto& m : metrics) {
        std::vector<double> finals;
        for (const auto& rec : results[u].recorders) {
          const auto* s = rec.find(m);
          if (!s) throw tg::ArgumentError("--metrics", "unknown metric '" + m + "'");
          if (!std::isnan(final_mean(*s))) finals.push_back(final_mean(*s));
        }
        std::printf("%20s ", mean_sd(finals).c_str());
      }
      std::printf("\n");
    }
    std::printf("results: %s (%zu runs × %zu replicates)\n", out.c_str(), results.size(), results.front().recorders.size());
  }
  if (results.size() < configs.size() || !results.back().complete) {
    std::fprintf(stderr, "tegenmacht: interrupted; %s holds the runs done so far (complete = false)\n", out.c_str());
    return 130;
  }
  return 0;
}

int do_validate(bool quick, int threads) {
  // runs the same checks as the tests (models/validation); exit 1 on a failure
  const auto t0 = std::chrono::steady_clock::now();
  const auto results = tg::validation::run_validation(quick, threads > 0 ? threads : tg::Parallel::default_threads());
  std::cout << tg::validation::format_table(results);
  const auto failed = std::count_if(results.begin(), results.end(), [](const auto& r) { return !r.pass; });
  std::printf("%zu checks, %ld failed, %s run, %.1f s\n", results.size(), static_cast<long>(failed),
              quick ? "quick" : "full", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return failed ? 1 : 0;
}

int do_info(const std::string& keys_of) {
  auto& reg = tg::Registry::instance();
  if (!keys_of.empty()) {
    if (!reg.find(keys_of)) throw tg::ArgumentError("--keys", "unknown model '" + keys_of + "'");
    std::cout << tg::scenario_schema(keys_of).reference();
    return 0;
  }
  std::printf("tegenmacht %s (commit %s, %s build, %s)\n", tg::version(), tg::git_commit(), tg::build_type(),
              tg::compiler());
  std::printf("threads: %d (set with --threads or TEGENMACHT_THREADS)\n", tg::Parallel::default_threads());
  std::printf("results schema version: %d\n", tg::kSchemaVersion);
  std::printf("models:\n");
  for (const auto& n : reg.names()) std::printf("  %-20s %s\n", n.c_str(), reg.find(n)->description.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tg::register_builtin_models();
  CLI::App app{"tegenmacht: agent-based simulation of community organizing versus consensus strategies"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(tg::version()));

  RunOptions ro;
  auto* run = app.add_subcommand("run", "run a scenario and write an HDF5 results file");
  run->add_option("scenario", ro.scenario, "scenario YAML file")->required();
  run->add_option("-o,--output", ro.output, "results file (default: <scenario name>.h5 in the current folder)");
  run->add_option("--seed", ro.seed, "random seed (overrides the scenario's `seed`)")->check(CLI::NonNegativeNumber);
  run->add_option("--steps", ro.steps, "steps to run (overrides `steps`)")->check(CLI::NonNegativeNumber);
  run->add_option("--replicates", ro.replicates, "replicates (overrides `replicates`)")->check(CLI::PositiveNumber);
  run->add_option("--threads", ro.threads, "worker threads (default: TEGENMACHT_THREADS or all cores)")
      ->check(CLI::Range(1, 4096));
  run->add_option("--set", ro.sets, "override a scenario key: --set a.b=value (repeatable)");
  run->add_flag("--print-config", ro.print_config, "print the fully resolved scenario and exit");
  run->add_flag("-q,--quiet", ro.quiet, "do not print the summary");

  CompareOptions co;
  auto* cmp = app.add_subcommand("compare", "run a scenario under several strategies (same seeds) and print a table");
  cmp->add_option("scenario", co.run.scenario, "scenario YAML file")->required();
  cmp->add_option("--key", co.key, "scenario key to vary (default: strategy)");
  cmp->add_option("--values", co.values, "values of the key (default: every choice of the key but 'custom')")
      ->delimiter(',');
  cmp->add_option("--metrics", co.metrics, "metrics to tabulate (comma-separated)")->delimiter(',');
  cmp->add_option("-o,--output-dir", co.outdir, "write one results file per value into this folder");
  cmp->add_option("--baseline", co.baseline, "value the others are compared with, replicate by replicate (default: the first)");
  cmp->add_option("--seed", co.run.seed, "random seed")->check(CLI::NonNegativeNumber);
  cmp->add_option("--steps", co.run.steps, "steps to run")->check(CLI::NonNegativeNumber);
  cmp->add_option("--replicates", co.run.replicates, "replicates per value")->check(CLI::PositiveNumber);
  cmp->add_option("--threads", co.run.threads, "worker threads")->check(CLI::Range(1, 4096));
  cmp->add_option("--set", co.run.sets, "override a scenario key: --set a.b=value (repeatable)");

  SweepOptions so;
  auto* swp = app.add_subcommand("sweep", "run a grid of parameter values into one results file");
  swp->add_option("scenario", so.run.scenario, "scenario YAML file")->required();
  swp->add_option("--vary", so.vary, "key=value1,value2,... (repeatable; the grid is their product)")->required();
  swp->add_option("-o,--output", so.run.output, "results file (default: <scenario name>_sweep.h5)");
  swp->add_option("--metrics", so.metrics, "metrics to tabulate (comma-separated)")->delimiter(',');
  swp->add_option("--seed", so.run.seed, "random seed (every run uses the same seeds)")->check(CLI::NonNegativeNumber);
  swp->add_option("--steps", so.run.steps, "steps to run")->check(CLI::NonNegativeNumber);
  swp->add_option("--replicates", so.run.replicates, "replicates per run")->check(CLI::PositiveNumber);
  swp->add_option("--threads", so.run.threads, "worker threads")->check(CLI::Range(1, 4096));
  swp->add_option("--set", so.run.sets, "override a scenario key: --set a.b=value (repeatable)");
  swp->add_flag("-q,--quiet", so.run.quiet, "do not print progress and the summary");

  bool quick = false;
  int validate_threads = 0;
  auto* val = app.add_subcommand("validate", "reproduce the reference models' published results and print a table");
  val->add_flag("--quick", quick, "fewer replicates and shorter runs (under a minute on two cores)");
  val->add_option("--threads", validate_threads, "worker threads")->check(CLI::Range(1, 4096));

  std::string keys_of;
  auto* info = app.add_subcommand("info", "version, build, threads and models");
  info->add_option("--keys", keys_of, "print the scenario key reference of a model");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*run) return do_run(ro, command_line(argc, argv));
    if (*info) return do_info(keys_of);
    if (*val) return do_validate(quick, validate_threads);
    if (*cmp) return do_compare(co, command_line(argc, argv));
    if (*swp) return do_sweep(so, command_line(argc, argv));
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "tegenmacht: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tegenmacht: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
