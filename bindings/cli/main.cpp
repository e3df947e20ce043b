// The `tegenmacht` command: run scenarios, inspect the build.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

#include <unistd.h>

#include "analyse.hpp"
#include "models.hpp"
#include "python_command.hpp"
#include "tegenmacht/error.hpp"
#include "tegenmacht/experiments/analysis.hpp"
#include "tegenmacht/experiments/cluster.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#ifdef TEGENMACHT_WITH_MPI
#include "tegenmacht/experiments/mpi.hpp"
#endif
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

/// The MPI ranks sharing this experiment (nullptr: not started by mpirun, or one rank).
tegenmacht::experiments::Cluster* g_cluster = nullptr;
/// Ranks other than 0 print nothing: rank 0 reports for all.
bool is_worker() { return g_cluster && g_cluster->rank() != 0; }

/// The signal that stopped a `run` (SIGINT or SIGTERM), 0 if none.
std::atomic<int> g_run_signal{0};
/// SIGINT and SIGTERM stop a `run` after the current step; the steps done are written.
/// A step that has not ended 10 s after the signal (one step of an enormous
/// scenario) ends the process with a message: the simulation cannot be cut
/// short in mid-step, and its state then is not a week's state worth writing.
/// Set when the stepping is over: a signal then waits for the file, unwatched.
std::atomic<bool> g_stepping_over{false};
extern "C" void on_sigint(int sig) {
  int none = 0;
  if (g_run_signal.compare_exchange_strong(none, sig) && !g_stepping_over.load()) ::alarm(10);
  g_stop.store(true);
}
int run_exit_code() { return g_run_signal.load() == SIGTERM ? 143 : 130; }
extern "C" void on_run_alarm(int) {
  if (g_stepping_over.load()) return;  // armed by a signal that raced with the end of the stepping
  static const char msg[] = "\ntegenmacht: a step did not end within 10 s of the signal; stopped at once, "
                            "without a results file (a single step of this scenario takes longer than that)\n";
  if (::write(2, msg, sizeof msg - 1) < 0) {
  }
  ::_exit(run_exit_code());
}
/// SIGINT and SIGTERM stop a run after its current step (and the 10 s watchdog).
void catch_run_signals() {
  std::signal(SIGALRM, on_run_alarm);
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
}
/// The stepping is over: the file is written whatever its size, the watchdog is off.
void stepping_done() {
  g_stepping_over.store(true);
  ::alarm(0);
}

/// The exit code of a `run` whose file `out` is written, and what to say: a signal
/// stops the run after a step (the steps done are in the file), and one that comes
/// while the file is written waits for it to be whole.
int run_outcome(bool complete, const std::string& out, const std::string& asked) {
  if (!complete && out != asked) {
    std::fprintf(stderr, "tegenmacht: interrupted; %s (a complete earlier run) is kept, and %s holds the steps done "
                 "so far (complete = false)\n", asked.c_str(), out.c_str());
    return run_exit_code();
  }
  if (!complete) {
    std::fprintf(stderr, "tegenmacht: interrupted; %s holds the steps done so far (complete = false)\n", out.c_str());
    return run_exit_code();
  }
  if (g_run_signal.load()) {
    std::fprintf(stderr, "tegenmacht: interrupted while writing; %s was written whole first (complete = true)\n",
                 out.c_str());
    return run_exit_code();
  }
  return 0;
}

std::string command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += argv[i];
  }
  return s;
}

/// A number in [lo, hi] (finite), with a message that says so plainly.
CLI::Validator number_in(double lo, double hi, const std::string& what) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(v)) return "expected " + what + ", got '" + text + "'";
        if (v < lo || v > hi) return "expected " + what + ", got " + text;
        return "";
      },
      what);
}
const double kBig = 1e300;

/// A whole number in [lo, hi], read exactly: "1e3", "2.0" and "12.000" are refused, with the
/// option's own message (CLI11 would otherwise say "Could not convert").
CLI::Validator integer_in(long long lo, long long hi, const std::string& what) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        long long v = 0;
        const char* b = text.data();
        const char* e = b + text.size();
        if (b != e && *b == '+') ++b;
        const auto r = std::from_chars(b, e, v);
        if (b == e || r.ptr != e) return "expected " + what + ", got '" + text + "'";
        if (r.ec != std::errc() || v < lo || v > hi) return "expected " + what + ", got " + text;
        return "";
      },
      what);
}
const long long kMany = std::numeric_limits<long long>::max();

/// A seed: an unsigned 64-bit integer, read exactly (never through a double).
CLI::Validator seed_digits() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t v = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || r.ptr != text.data() + text.size() || r.ec != std::errc())
          return "expected an integer from 0 to 18446744073709551615, got '" + text + "'";
        return "";
      },
      "SEED");
}

/// One line for a command-line mistake, in the words of the option the user typed: CLI11's own
/// messages ("A subcommand is required", "Could not convert", "1 required TEXT missing") are
/// replaced by ones that name the option or command and say what is wanted.
std::string explain_parse_error(const CLI::ParseError& e, CLI::App& app, int argc, char** argv) {
  std::string msg = e.what();
  for (auto& c : msg)
    if (c == '\n') c = ' ';
  CLI::App* sub = nullptr;
  for (auto* s : app.get_subcommands()) sub = s;
  std::vector<std::string> commands;
  for (const auto* s : app.get_subcommands([](const CLI::App*) { return true; })) commands.push_back(s->get_name());
  std::string command_list;
  for (std::size_t i = 0; i < commands.size(); ++i) command_list += (i ? ", " : "") + commands[i];
  const std::string help = sub ? " (see tegenmacht " + sub->get_name() + " --help)" : " (see tegenmacht --help)";
  if (e.get_name() == "RequiredError" && msg.rfind("A subcommand", 0) == 0) {
    for (int i = 1; i < argc; ++i)
      if (argv[i][0] != '-') {
        std::string hint = tg::suggest_key(argv[i], commands);
        return "unknown command '" + std::string(argv[i]) + "'" + (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
               " (commands: " + command_list + ")";
      }
    return "give a command: " + command_list + " (see tegenmacht --help)";
  }
  if (msg.rfind("The following argument", 0) == 0) {  // ExtrasError (its name is not always set)
    const auto colon = msg.find(": ");
    // CLI11 lists the extras last first: the one the user typed first is the last word
    std::istringstream words(colon == std::string::npos ? std::string() : msg.substr(colon + 2));
    std::string first, w;
    while (words >> w) first = w;
    if (!first.empty() && first[0] == '-') {
      const std::string name = first.substr(0, first.find('='));
      std::vector<std::string> names;
      if (sub)
        for (const auto* o : sub->get_options())
          for (const auto& l : o->get_lnames()) names.push_back("--" + l);
      std::string hint = tg::suggest_key(name, names);
      return "unknown option '" + name + "'" + (sub ? " for '" + sub->get_name() + "'" : std::string()) +
             (hint.empty() ? "" : "; did you mean '" + hint + "'?") + help;
    }
    if (!first.empty())
      return "unexpected argument '" + first + "'" + (sub ? " for '" + sub->get_name() + "'" : std::string()) +
             " (a value with spaces needs quotes; options start with --)" + help;
  }
  if (e.get_name() == "ArgumentMismatch" || e.get_name() == "ConversionError") {
    // "--set: 1 required TEXT missing", "Could not convert: --steps = x"
    std::string opt;
    if (msg.rfind("Could not convert: ", 0) == 0) {
      opt = msg.substr(19, msg.find(" = ") == std::string::npos ? std::string::npos : msg.find(" = ") - 19);
      return opt + ": cannot read '" + (msg.find(" = ") == std::string::npos ? "" : msg.substr(msg.find(" = ") + 3)) +
             "' as its value" + help;
    }
    opt = msg.substr(0, msg.find(':'));
    if (msg.find("missing") != std::string::npos) return opt + ": needs a value" + help;
    if (msg.find("At Most") != std::string::npos) return opt + ": given more than once; give it once" + help;
  }
  if (e.get_name() == "RequiredError" && msg.size() > 12 && msg.compare(msg.size() - 12, 12, " is required") == 0) {
    const std::string name = msg.substr(0, msg.size() - 12);
    if (!name.empty() && name[0] == '-') return name + ": is required" + help;
    return "missing argument: give the " + name + help;
  }
  return msg + help;
}

struct RunOptions {
  std::string scenario;
  std::string output;
  std::vector<std::string> sets;
  std::string seed;  ///< digits: every unsigned 64-bit seed, exactly
  long long steps = -1;
  long long replicates = -1;
  int threads = 0;
  bool print_config = false;
  bool quiet = false;
  std::string from;                        ///< run --from CHECKPOINT
  std::vector<std::string> checkpoint_at;  ///< run --checkpoint-at WEEK[,WEEK...]
};

/// The scenario overrides a command's options stand for: --set plus --seed, --steps, --replicates.
std::vector<std::string> overrides(const RunOptions& o) {
  std::vector<std::string> sets = o.sets;
  if (!o.seed.empty()) sets.push_back("seed=" + o.seed);
  if (o.steps >= 0) sets.push_back("steps=" + std::to_string(o.steps));
  if (o.replicates >= 0) sets.push_back("replicates=" + std::to_string(o.replicates));
  return sets;
}

void print_summary(const tg::Config& cfg, const tg::EnsembleResult& res, const std::string& out) {
  const auto& recs = res.recorders;
  std::printf("model %s, %zu replicate(s), %lld steps, %.3f s%s\n", cfg.get_string("model").c_str(), recs.size(),
              static_cast<long long>(cfg.get_int("steps")), res.seconds, res.complete ? "" : " (INTERRUPTED)");
  // a replicate that an interrupt stopped before it started has no series at all
  const tg::Recorder* first = nullptr;
  for (const auto& r : recs)
    if (!r.series().empty()) {
      first = &r;
      break;
    }
  if (!first) return;
  std::printf("%-28s %14s %14s   (final step; mean and sd over replicates)\n", "metric", "mean", "sd");
  int shown = 0;
  for (std::size_t si = 0; si < first->series().size() && shown < 16; ++si) {
    const auto& s0 = first->series()[si];
    if (!s0.enabled || !s0.axis.empty()) continue;
    std::vector<double> finals;
    for (const auto& r : recs) {
      if (r.series().size() != first->series().size()) continue;
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

/// The weeks of --checkpoint-at: integers from 0 to `steps`, sorted, each once.
std::vector<std::uint32_t> checkpoint_weeks(const std::vector<std::string>& given, std::int64_t steps) {
  std::vector<std::uint32_t> weeks;
  for (const auto& text : given) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || v != std::floor(v) || v < 0 || v > static_cast<double>(steps))
      throw tg::ArgumentError("--checkpoint-at", "expected weeks from 0 to " + std::to_string(steps) +
                                                     " (the scenario's steps), got '" + text + "'");
    weeks.push_back(static_cast<std::uint32_t>(v));
  }
  std::sort(weeks.begin(), weeks.end());
  weeks.erase(std::unique(weeks.begin(), weeks.end()), weeks.end());
  return weeks;
}

/// Checkpoint files next to the results: <results stem>_week<W>.h5, with
/// _rep<R> before _week when there are several replicates.
tg::CheckpointPlan checkpoint_plan(const std::vector<std::uint32_t>& weeks, const std::string& results,
                                   std::uint32_t replicates) {
  std::filesystem::path stem(results);
  stem.replace_extension();
  tg::CheckpointPlan plan;
  plan.at = weeks;
  const std::string base = stem.string();
  plan.path = [base, replicates](std::uint32_t r, std::uint32_t t) {
    return base + (replicates > 1 ? "_rep" + std::to_string(r) : std::string()) + "_week" + std::to_string(t) + ".h5";
  };
  for (std::uint32_t r = 0; r < replicates; ++r)
    for (auto t : weeks) tg::check_writable(plan.path(r, t));
  return plan;
}

/// run --from CHECKPOINT: continues a checkpointed run (bit for bit as if it
/// had never stopped), with --steps and run-time --set changes checked like a
/// timeline `set`.
int do_continue(const RunOptions& o, const std::string& cmdline) {
  if (o.from.empty()) throw tg::ArgumentError("--from", "give the checkpoint file to continue");
  if (!o.scenario.empty())
    throw tg::ArgumentError("--from", "give a scenario file or --from CHECKPOINT, not both (the checkpoint holds its "
                                      "scenario)");
  if (!o.seed.empty()) throw tg::ArgumentError("--seed", "cannot be used with --from: a checkpoint continues its own seed");
  if (o.replicates >= 0)
    throw tg::ArgumentError("--replicates", "cannot be used with --from: a checkpoint holds one replicate");
  if (o.print_config) {
    std::cout << tg::read_checkpoint(o.from).scenario;
    return 0;
  }
  const tg::Checkpoint ck = tg::read_checkpoint(o.from);
  std::string out = o.output;
  if (out.empty()) out = std::filesystem::path(o.from).stem().string() + "_continued.h5";
  std::error_code same_ec;
  if (std::filesystem::weakly_canonical(out, same_ec) == std::filesystem::weakly_canonical(o.from, same_ec) ||
      std::filesystem::equivalent(out, o.from, same_ec))
    throw tg::ArgumentError("--output", "'" + out + "' is the checkpoint itself; give another results file");
  tg::check_writable(out);
  const int threads = o.threads > 0 ? o.threads : tg::Parallel::default_threads();
  auto par = std::make_shared<tg::Parallel>(threads);
  const auto t0 = std::chrono::steady_clock::now();
  tg::Simulation sim = tg::Simulation::restore(ck, par, o.steps > 0 ? static_cast<std::uint32_t>(o.steps) : 0, o.from);
  for (const auto& assignment : o.sets) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos) throw tg::ArgumentError("--set", "expected key=value, got '" + assignment + "'");
    sim.set(assignment.substr(0, eq), assignment.substr(eq + 1), {"--set", 0, 0});
  }
  const auto weeks = checkpoint_weeks(o.checkpoint_at, sim.total_steps());
  std::vector<std::uint32_t> later;
  for (auto w : weeks) {
    if (w <= sim.current_step())
      throw tg::ArgumentError("--checkpoint-at", "week " + std::to_string(w) + " is not after the checkpoint's week " +
                                                     std::to_string(sim.current_step()));
    later.push_back(w);
  }
  const tg::CheckpointPlan plan = checkpoint_plan(later, out, 1);
  catch_run_signals();
  const bool complete = sim.run(&g_stop, later.empty() ? nullptr : &plan);
  stepping_done();
  tg::EnsembleResult res;
  res.recorders.push_back(sim.recorder());
  res.steps_done.push_back(sim.current_step());
  res.complete = complete;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // the file holds this one replicate; where it came from and what changed is in its attributes
  tg::Config written = tg::load_scenario_text(sim.config().to_yaml(), o.from + " (its scenario)", {"replicates=1"});
  tg::Provenance prov{cmdline, threads};
  prov.continued_from = o.from;
  prov.continued_at_step = ck.step;
  prov.first_replicate = ck.replicate;
  prov.changes = sim.changes();
  const std::string file = complete ? out : tg::incomplete_results_path(out);
  tg::write_results(file, written, res, prov);  // a signal now waits for the file to be whole
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!o.quiet) {
    std::printf("continued %s from step %u (replicate %u)\n", o.from.c_str(), ck.step, ck.replicate);
    print_summary(sim.config(), res, file);
  }
  return run_outcome(complete, file, out);
}

int do_run(const RunOptions& o, const std::string& cmdline) {
  if (!o.from.empty()) return do_continue(o, cmdline);
  if (o.scenario.empty())
    throw tg::ArgumentError("scenario", "give a scenario file (or --from CHECKPOINT to continue a checkpointed run)");
  const std::vector<std::string> sets = overrides(o);
  tg::Config cfg = tg::load_scenario(o.scenario, sets);
  if (o.print_config) {
    std::cout << cfg.to_yaml();
    return 0;
  }
  std::string out = o.output;
  if (out.empty()) out = std::filesystem::path(o.scenario).stem().string() + ".h5";
  tg::check_writable(out);
  // warnings only about a scenario the model accepts (an error is one line,
  // alone): printed once replicate 0 is built, not from a second build of it
  const auto warnings = tg::scenario_warnings(cfg);
  auto print_warnings = [&warnings] {
    for (const auto& w : warnings) std::fprintf(stderr, "tegenmacht: warning: %s\n", w.c_str());
  };
  const auto weeks = checkpoint_weeks(o.checkpoint_at, cfg.get_int("steps"));
  const tg::CheckpointPlan plan =
      checkpoint_plan(weeks, out, static_cast<std::uint32_t>(cfg.get_int("replicates")));
  const int threads = o.threads > 0 ? o.threads : tg::Parallel::default_threads();
  auto par = std::make_shared<tg::Parallel>(threads);
  catch_run_signals();
  tg::EnsembleResult res = tg::run_ensemble(cfg, par, &g_stop, weeks.empty() ? nullptr : &plan, print_warnings);
  stepping_done();
  const std::string file = res.complete ? out : tg::incomplete_results_path(out);
  tg::write_results(file, cfg, res, tg::Provenance{cmdline, threads});  // a signal now waits for the file to be whole
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!o.quiet) print_summary(cfg, res, file);
  return run_outcome(res.complete, file, out);
}

// ---------------------------------------------------------------- experiments

namespace ex = tg::experiments;

/// Number of the signal that asked the program to stop (SIGINT or SIGTERM), 0 if none.
std::atomic<int> g_signal{0};
/// Set while a progress line is on the terminal (so a message starts on a new line).
std::atomic<bool> g_progress_shown{false};
// --progress: progress lines also when stderr is not a terminal (a batch job's log)
bool g_progress_always = false;

/// The first SIGINT or SIGTERM asks the jobs to stop after their current
/// step; a second one, or a step that does not end within 10 s, ends the
/// process at once. That is safe: an experiment file is valid at every
/// moment and --resume reruns every job not marked done.
extern "C" void on_stop_signal(int sig) {
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) {
    g_stop.store(true);
    ::alarm(10);
    return;
  }
  const int first = g_signal.load();
  static const char msg[] = "\ntegenmacht: stopped at once; every job that finished is kept in the .partial "
                            "results file (use --resume)\n";
  // the leading newline ends a progress line, if one is shown
  const char* m = g_progress_shown.load() ? msg : msg + 1;
  if (::write(2, m, sizeof msg - 1 - static_cast<std::size_t>(m - msg)) < 0) {
  }
  ::_exit(first == SIGTERM ? 143 : 130);
}
extern "C" void on_alarm(int) {
  static const char msg[] = "\ntegenmacht: a step did not end within 10 s of the signal; stopped at once "
                            "(every job that finished is kept in the .partial results file; use --resume)\n";
  const char* m = g_progress_shown.load() ? msg : msg + 1;
  if (::write(2, m, sizeof msg - 1 - static_cast<std::size_t>(m - msg)) < 0) {
  }
  ::_exit(g_signal.load() == SIGTERM ? 143 : 130);
}

/// SIGINT and SIGTERM stop the running jobs cleanly while installed.
struct StopSignals {
  struct sigaction old_int {}, old_term {}, old_alarm {};
  StopSignals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct sigaction al {};
    al.sa_handler = on_alarm;
    sigemptyset(&al.sa_mask);
    sigaction(SIGALRM, &al, &old_alarm);
  }
  ~StopSignals() {
    ::alarm(0);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGALRM, &old_alarm, nullptr);
  }
  static int exit_code() { return g_signal.load() == SIGTERM ? 143 : 130; }
};

/// "12m05s", "3.4s"
std::string duration(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) % 3600) / 60);
  return buf;
}

/// A progress line on a terminal: jobs done, rate, time left. With --progress
/// and no terminal (a log file), one plain line when the first job finishes and
/// then at most one a second, and the last.
std::function<void(const ex::Progress&)> progress_line(bool quiet) {
  if (quiet) return nullptr;
  if (!isatty(fileno(stderr))) {
    if (!g_progress_always) return nullptr;
    struct Seen {
      std::chrono::steady_clock::time_point at{};
      std::size_t done = 0;
    };
    auto seen = std::make_shared<Seen>();
    return [seen](const ex::Progress& p) {
      const auto now = std::chrono::steady_clock::now();
      if (p.done == seen->done || (seen->done > 0 && p.done < p.total && now - seen->at < std::chrono::seconds(1)))
        return;
      seen->at = now;
      seen->done = p.done;
      const double rate = p.seconds > 0 ? static_cast<double>(p.run) / p.seconds : 0;
      const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
      std::fprintf(stderr, "%zu/%zu jobs  %.1f jobs/s  %s left\n", p.done, p.total, rate, duration(eta).c_str());
      std::fflush(stderr);
    };
  }
  auto last = std::make_shared<std::chrono::steady_clock::time_point>();
  return [last](const ex::Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (p.done < p.total && now - *last < std::chrono::milliseconds(200)) return;
    *last = now;
    const double rate = p.seconds > 0 ? static_cast<double>(p.run) / p.seconds : 0;
    const double eta = rate > 0 ? static_cast<double>(p.total - p.done) / rate : 0;
    std::fprintf(stderr, "\r\033[K%zu/%zu jobs  %.1f jobs/s  %s left", p.done, p.total, rate,
                 p.done < p.total ? duration(eta).c_str() : "0s");
    g_progress_shown.store(p.done < p.total);
    if (p.done == p.total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

/// x, with rounding noise (|x| below 1e-12 of the scale) printed as 0
double clean(double x, double scale = 1.0) { return std::abs(x) <= 1e-12 * std::max(std::abs(scale), 1.0) ? 0.0 : x; }

/// "0.4312 ± 0.021" (mean ± sd)
std::string cell(const ex::Summary::Cell& c) {
  if (c.n == 0) return "n/a";
  char buf[64];
  const double mean = clean(c.mean), sd = clean(c.sd, c.mean);
  if (std::isnan(c.sd)) std::snprintf(buf, sizeof buf, "%.4g", mean);
  else if (sd == 0) std::snprintf(buf, sizeof buf, "%.4g ± 0", mean);
  else std::snprintf(buf, sizeof buf, "%.4g ± %.2g", mean, sd);
  return buf;
}

/// "concessions [0,1]": an outcome's name with its unit
std::string with_unit(const std::string& name, const std::string& unit) {
  if (unit.empty()) return name;
  return name + " " + (unit.front() == '[' ? unit : "[" + unit + "]");
}

/// "+0.019 [-0.007, +0.045]" (paired mean difference and its 95 % interval)
std::string diff_cell(const ex::PairedComparison& d) {
  if (d.n == 0) return "n/a";
  char buf[80];
  const double scale = std::max({std::abs(d.lo), std::abs(d.hi), 1.0});
  if (std::isnan(d.lo)) std::snprintf(buf, sizeof buf, "%+.3g (n=1)", clean(d.mean));
  else std::snprintf(buf, sizeof buf, "%+.3g [%+.2g, %+.2g]", clean(d.mean, scale), clean(d.lo, scale), clean(d.hi, scale));
  return buf;
}

void print_experiment_summary(const ex::Summary& s) {
  std::vector<std::size_t> rows;
  std::vector<std::string> label(s.outcomes.size());
  for (std::size_t k = 0; k < s.outcomes.size(); ++k) {
    rows.push_back(k);
    label[k] = with_unit(s.outcomes[k], k < s.units.size() ? s.units[k] : "");
  }
  std::size_t w = 8;
  for (auto k : rows) w = std::max(w, label[k].size());
  std::printf("%zu point(s) × %zu arm(s) × %zu replicate(s): %zu of %zu jobs done\n", s.points, s.arms.size(),
              s.replicates, s.jobs_done, s.jobs_total);
  std::printf("\n%-*s", static_cast<int>(w), "outcome");
  for (const auto& a : s.arms) std::printf("  %20s", a.c_str());
  std::printf("\n");
  for (auto k : rows) {
    std::printf("%-*s", static_cast<int>(w), label[k].c_str());
    for (std::size_t a = 0; a < s.arms.size(); ++a) std::printf("  %20s", cell(s.cells[k][a]).c_str());
    std::printf("\n");
  }
  std::printf("(mean ± sd over %s)\n", s.points > 1 ? "design points and replicates" : "replicates");
  if (s.arms.size() < 2) return;
  std::printf("\npaired difference from %s: mean and 95%% t-interval over replicates%s\n",
              s.arms[s.baseline].c_str(), s.points > 1 ? " (each the mean over the design points)" : "");
  std::printf("%-*s", static_cast<int>(w), "outcome");
  for (std::size_t a = 0; a < s.arms.size(); ++a)
    if (a != s.baseline) std::printf("  %26s", s.arms[a].c_str());
  std::printf("\n");
  for (auto k : rows) {
    std::printf("%-*s", static_cast<int>(w), label[k].c_str());
    for (std::size_t a = 0; a < s.arms.size(); ++a)
      if (a != s.baseline) std::printf("  %26s", diff_cell(s.differences[k][a]).c_str());
    std::printf("\n");
  }
}

/// One row per design point: the factor values and each outcome's mean ± sd
/// over replicates (first arm), at most 60 rows.
void print_points(const ex::Outcomes& o) {
  std::printf("%-6s", "point");
  for (const auto& f : o.factor_names) std::printf("  %14s", f.c_str());
  for (const auto& n : o.names) std::printf("  %20s", n.c_str());
  std::printf("\n");
  const std::size_t shown = std::min<std::size_t>(o.points, 60);
  for (std::size_t p = 0; p < shown; ++p) {
    std::printf("%-6zu", p);
    for (const auto& v : o.factor_values) std::printf("  %14s", v[p].c_str());
    for (std::size_t k = 0; k < o.names.size(); ++k) {
      ex::Summary::Cell c;
      double sum = 0, ss = 0;
      for (std::size_t r = 0; r < o.replicates; ++r)
        if (const double v = o.at(k, p, 0, r); !std::isnan(v)) {
          sum += v;
          ++c.n;
        }
      c.mean = c.n ? sum / static_cast<double>(c.n) : NAN;
      for (std::size_t r = 0; r < o.replicates; ++r)
        if (const double v = o.at(k, p, 0, r); !std::isnan(v)) ss += (v - c.mean) * (v - c.mean);
      c.sd = c.n > 1 ? std::sqrt(ss / static_cast<double>(c.n - 1)) : NAN;
      std::printf("  %20s", cell(c).c_str());
    }
    std::printf("\n");
  }
  if (shown < o.points) std::printf("... %zu more points in the results file\n", o.points - shown);
  std::printf("(final values; mean ± sd over replicates)\n");
}

/// Runs an experiment and prints what happened; returns the exit code.
int run_and_report(const ex::Experiment& e, const std::string& output, bool resume, int threads_opt, bool quiet,
                   const std::string& cmdline, bool keep_file, bool per_arm_summary = true,
                   const ex::AnalysisOptions& analysis = {}, bool print_adequacy = false) {
  const int threads = threads_opt > 0 ? threads_opt : tg::Parallel::default_threads();
  auto par = std::make_shared<tg::Parallel>(threads);
  if (is_worker()) quiet = true;
  ex::RunOptions opt;
  opt.cluster = g_cluster;
  opt.output = output;
  opt.resume = resume;
  opt.command_line = cmdline;
  opt.stop = &g_stop;
  opt.progress = progress_line(quiet);
  if (!is_worker()) opt.warning = [](const std::string& w) { std::fprintf(stderr, "tegenmacht: warning: %s\n", w.c_str()); };
  opt.analysis = analysis;
  opt.analyse = keep_file;  // a file nobody keeps needs no /analysis
  ex::RunReport rep;
  {
    StopSignals signals;
    try {
      rep = ex::run_experiment(e, par, opt);
    } catch (...) {
      if (g_progress_shown.exchange(false)) std::fprintf(stderr, "\n");
      throw;
    }
  }
  if (g_progress_shown.exchange(false)) std::fprintf(stderr, "\n");
  if (is_worker()) return 0;  // rank 0 has the file and the report
  if (rep.path.empty()) {
    std::fprintf(stderr, "tegenmacht: interrupted before any job finished; no results file written\n");
    return StopSignals::exit_code();
  }
  for (const auto& f : ex::inert_factors(ex::read_outcomes(rep.path)))
    std::fprintf(stderr,
                 "tegenmacht: warning: varying '%s' changed no outcome in any run: is it read at all (a key the "
                 "model ignores, an event after the last week, a neighbourhood without workers)?\n",
                 f.c_str());
  if (!quiet) {
    if (rep.jobs_resumed) std::printf("resumed: %zu job(s) were already done\n", rep.jobs_resumed);
    if (per_arm_summary) print_experiment_summary(ex::summarise(ex::read_outcomes(rep.path)));
    else print_points(ex::read_outcomes(rep.path));
    if (print_adequacy)
      tg::cli::print_adequacy(ex::read_outcomes(rep.path), analysis.adequacy, analysis.adequacy_relative, analysis.level);
    else if (keep_file && rep.complete)
      std::printf("tests, adequacy%s: tegenmacht analyse %s\n",
                  e.design == ex::DesignType::Sobol ? ", Sobol' indices" : e.design == ex::DesignType::Morris ? ", Morris effects" : "",
                  rep.path.c_str());
    if (g_cluster)
      std::printf("%zu job(s) run in %s on %d MPI ranks × %d thread(s) (rank 0)\n", rep.jobs_run,
                  duration(rep.seconds).c_str(), g_cluster->size(), threads);
    else
      std::printf("%zu job(s) run in %s on %d thread(s)\n", rep.jobs_run, duration(rep.seconds).c_str(), threads);
    if (keep_file) std::printf("results: %s\n", rep.path.c_str());
  }
  if (!keep_file) std::remove(rep.path.c_str());
  if (!rep.complete) {
    if (keep_file)
      std::fprintf(stderr, "tegenmacht: interrupted after %zu of %zu jobs; %s keeps them (complete = false); "
                           "run the same command with --resume to finish\n", rep.jobs_done, rep.jobs_total, rep.path.c_str());
    else
      std::fprintf(stderr, "tegenmacht: interrupted after %zu of %zu jobs\n", rep.jobs_done, rep.jobs_total);
    return StopSignals::exit_code();
  }
  return 0;
}

/// A results file in the temporary folder, for commands run without -o.
std::string temporary_output() {
  return (std::filesystem::temp_directory_path() / ("tegenmacht_" + std::to_string(::getpid()) + ".h5")).string();
}

struct ExperimentOptions {
  std::string file;
  std::string output;
  std::vector<std::string> sets;
  bool resume = false;
  int threads = 0;
  bool quiet = false;
  bool print = false;
  double adequacy = 0;
  bool absolute = false;
};

/// Under MPI every rank loads the experiment itself; if one cannot (a file not
/// on a file system every node sees), every rank stops, and the error is
/// printed once: by rank 0 if it failed too, else by the ranks that failed.
template <class Load>
ex::Experiment load_everywhere(const std::string& file, Load load) {
  if (!g_cluster) return load();
  std::exception_ptr error;
  ex::Experiment e;
  try {
    e = load();
  } catch (...) {
    error = std::current_exception();
  }
  const bool all = g_cluster->all_ok(!error);
  const bool root_ok = g_cluster->broadcast(g_cluster->rank() == 0 ? (error ? 0 : 1) : 0) == 1;
  if (all) return e;
  if (error && (!root_ok || !is_worker())) std::rethrow_exception(error);  // printed by main
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "tegenmacht: error (MPI rank %d): %s\n", g_cluster->rank(), x.what());
    }
    throw ex::ClusterStopped(2);
  }
  if (is_worker()) throw ex::ClusterStopped(2);
  throw tg::IoError(file, "some MPI ranks cannot load the experiment (see their errors above); is it on a file "
                          "system every node sees?");
}

int do_experiment(const ExperimentOptions& o, const std::string& cmdline) {
  const ex::Experiment e = load_everywhere(o.file, [&] { return ex::Experiment::load(o.file, o.sets); });
  if (o.print && is_worker()) return 0;
  if (o.print) {
    std::cout << e.to_yaml();
    return 0;
  }
  std::string out = o.output;
  if (out.empty()) out = std::filesystem::path(o.file).stem().string() + ".h5";
  ex::AnalysisOptions analysis;
  if (o.adequacy > 0) analysis.adequacy = o.adequacy;
  analysis.adequacy_relative = !o.absolute;
  return run_and_report(e, out, o.resume, o.threads, o.quiet, cmdline, true, true, analysis, o.adequacy > 0);
}

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

struct CompareOptions {
  RunOptions run;
  std::string key = "strategy";
  std::string values;  // one string: CLI11 would strip and split "[0,1],[1,0]" itself
  std::vector<std::string> metrics;
  std::string output;
  std::string baseline;
  bool resume = false;
};

/// Where compare and sweep write: FILE.h5 as given; a folder (existing, or a
/// name without .h5) gets <scenario name>_<suffix>.h5 inside it.
std::string output_path(const std::string& given, const std::string& scenario, const std::string& suffix) {
  const std::string name = std::filesystem::path(scenario).stem().string() + "_" + suffix + ".h5";
  if (given.empty()) return "";
  const std::filesystem::path p(given);
  std::error_code ec;
  // anything but a folder that exists is the file itself (the library refuses devices, pipes
  // and names that do not end in .h5, such as the scenario itself)
  if (std::filesystem::exists(p, ec) && !std::filesystem::is_directory(p, ec)) return given;
  if (p.extension() == ".partial") return given;  // refused by the library with its reason
  if (std::filesystem::is_directory(p) || (p.extension() != ".h5" && p.extension() != ".hdf5")) {
    std::filesystem::create_directories(p);
    return (p / name).string();
  }
  return given;
}

/// "metric" or "metric:group" (one column of a grouped metric), final value.
ex::OutcomeSpec metric_outcome(const std::string& m) {
  ex::OutcomeSpec o;
  const auto colon = m.find(':');
  o.metric = m.substr(0, colon);
  if (colon != std::string::npos) o.group = m.substr(colon + 1);
  o.name = colon == std::string::npos ? m : o.metric + "_" + o.group;
  o.where = tg::SourceLocation{"--metrics", 0, 0};
  if (o.metric.empty() || (colon != std::string::npos && o.group.empty()))
    throw tg::ArgumentError("--metrics", "expected metric or metric:group, got '" + m + "'");
  return o;
}

int do_compare(const CompareOptions& o, const std::string& cmdline) {
  if (o.key.empty()) throw tg::ArgumentError("--key", "give the scenario key to compare (default: strategy)");
  if (o.resume && o.output.empty()) throw tg::ArgumentError("--resume", "needs the -o file to continue");
  ex::Experiment e = load_everywhere(o.run.scenario, [&] { return ex::Experiment::for_scenario(o.run.scenario, overrides(o.run)); });
  std::vector<std::string> values;
  if (!o.values.empty())
    for (const auto& x : split_values(o.values)) values.push_back(x);
  const tg::Config base = tg::load_scenario_text(e.scenario_text, e.scenario_source, e.base);
  if (values.empty()) {
    const tg::Schema schema = tg::scenario_schema(base.get_string("model"));
    const tg::KeyDecl* decl = schema.find(o.key);
    if (!decl || decl->choices.empty())
      throw tg::ArgumentError("--values", "give the values to compare: '" + o.key + "' has no list of choices");
    for (const auto& c : decl->choices)
      if (c != "custom") values.push_back(c);
  }
  e.arms.clear();
  for (const auto& v : values) {
    const tg::Override ov = tg::Override::parse(o.key + "=" + v, tg::SourceLocation{"--values", 0, 0});
    if (std::any_of(e.arms.begin(), e.arms.end(), [&](const ex::Arm& a) { return a.name == v; }))
      throw tg::ArgumentError("--values", "'" + v + "' is given twice");
    e.arms.push_back(ex::Arm{v, {ov}});
  }
  e.baseline = o.baseline.empty() ? values.front() : o.baseline;
  if (std::find(values.begin(), values.end(), e.baseline) == values.end())
    throw tg::ArgumentError("--baseline", "'" + e.baseline + "' is not one of the compared values");
  for (const auto& m : o.metrics) e.outcomes.push_back(metric_outcome(m));
  e.record = ex::Record::All;
  e.description = "compare " + o.key + " = " + [&] {
    std::string s;
    for (const auto& v : values) s += (s.empty() ? "" : ", ") + v;
    return s;
  }();
  const std::string out = output_path(o.output, o.run.scenario, "compare");
  return run_and_report(e, out.empty() ? temporary_output() : out, o.resume && !out.empty(), o.run.threads,
                        o.run.quiet, cmdline, !out.empty());
}

struct SweepOptions {
  RunOptions run;
  std::vector<std::string> vary;
  std::vector<std::string> metrics;
  bool resume = false;
};

int do_sweep(const SweepOptions& o, const std::string& cmdline) {
  ex::Experiment e = load_everywhere(o.run.scenario, [&] { return ex::Experiment::for_scenario(o.run.scenario, overrides(o.run)); });
  for (const auto& v : o.vary) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
      throw tg::ArgumentError("--vary", "expected key=value1,value2,..., got '" + v + "'");
    ex::Factor f;
    f.key = f.name = v.substr(0, eq);
    f.where = tg::SourceLocation{"--vary", 0, 0};
    const std::string first = f.key.substr(0, f.key.find('.'));
    if (first == "model" || first == "steps" || first == "replicates" || first == "seed")
      throw tg::ArgumentError("--vary", "'" + first + "' cannot be varied within one sweep file");
    std::set<std::string> seen;
    for (const auto& x : split_values(v.substr(eq + 1))) {
      if (!seen.insert(x).second)
        throw tg::ArgumentError("--vary", "key '" + f.key + "': the value " + x + " is given twice");
      f.values.push_back(tg::Override::parse("v=" + x).value);
    }
    e.factors.push_back(std::move(f));
  }
  // the size is checked before anything is expanded, as for an experiment file's design
  double points = 1;
  for (const auto& f : e.factors) points *= static_cast<double>(f.values.size());
  if (points > ex::kMaxPoints)
    throw tg::ArgumentError("--vary", "the sweep has " + tg::format_double(points) + " points; at most " +
                                          tg::format_double(ex::kMaxPoints) +
                                          " fit in one results file (vary fewer keys or values, or split the sweep)");
  for (const auto& m : o.metrics) e.outcomes.push_back(metric_outcome(m));
  e.record = ex::Record::All;
  std::string out = o.run.output;
  if (out.empty()) out = std::filesystem::path(o.run.scenario).stem().string() + "_sweep.h5";
  std::size_t runs = 1;
  for (const auto& f : e.factors) runs *= f.values.size();
  // a sweep's table is per point (a pooled mean over the grid would say nothing about the swept keys)
  const int code = run_and_report(e, out, o.resume, o.run.threads, o.run.quiet, cmdline, true, false);
  if (!o.run.quiet && code == 0) std::printf("%zu runs × %u replicates\n", runs, e.replicates);
  return code;
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

int do_info(const std::string& keys_of, bool experiment_keys) {
  auto& reg = tg::Registry::instance();
  if (experiment_keys) {
    std::cout << ex::Experiment::schema().reference();
    return 0;
  }
  if (!keys_of.empty()) {
    if (!reg.find(keys_of)) throw tg::ArgumentError("--keys", "unknown model '" + keys_of + "'");
    std::cout << "List items (`name[]` below) are addressed by number from 0 or by their `name`: "
                 "`neighbourhoods.0.size` or `neighbourhoods.estate.size`.\n\n"
              << tg::scenario_schema(keys_of).reference();
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
  // a file-size limit (ulimit -f) makes the write fail with a message, not kill the process
  std::signal(SIGXFSZ, SIG_IGN);
  tg::register_builtin_models();
#ifdef TEGENMACHT_WITH_MPI
  // under mpirun/srun every rank runs this program; rank 0 owns the results file
  std::unique_ptr<ex::MpiSession> mpi;
  std::unique_ptr<ex::MpiCluster> cluster;
  if (ex::MpiSession::launched_by_mpirun()) {
    mpi = std::make_unique<ex::MpiSession>(argc, argv);
    cluster = std::make_unique<ex::MpiCluster>();
    if (cluster->size() > 1) g_cluster = cluster.get();
  }
#endif
  CLI::App app{"tegenmacht: agent-based simulation of community organizing versus consensus strategies"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(tg::version()));

  RunOptions ro;
  auto* run = app.add_subcommand("run", "run a scenario and write an HDF5 results file");
  run->add_option("scenario", ro.scenario, "scenario YAML file (not with --from)");
  run->add_option("-o,--output", ro.output, "results file (default: <scenario name>.h5 in the current folder)");
  run->add_option("--seed", ro.seed, "random seed, 0 to 2^64 - 1 (overrides the scenario's `seed`)")->check(seed_digits());
  run->add_option("--steps", ro.steps, "steps to run (overrides `steps`)")->check(integer_in(0, kMany, "an integer >= 0"));
  run->add_option("--replicates", ro.replicates, "replicates (overrides `replicates`)")->check(integer_in(1, kMany, "an integer >= 1"));
  run->add_option("--threads", ro.threads, "worker threads (default: TEGENMACHT_THREADS, else the cores this process may use)")
      ->check(integer_in(1, 4096, "an integer from 1 to 4096"));
  run->add_option("--set", ro.sets, "override a scenario key: --set a.b=value (repeatable); list items by number from 0 or by name, e.g. neighbourhoods.0.size or neighbourhoods.estate.size");
  run->add_flag("--print-config", ro.print_config, "print the fully resolved scenario and exit");
  run->add_flag("-q,--quiet", ro.quiet, "do not print the summary");
  run->add_option("--checkpoint-at", ro.checkpoint_at,
                  "write a checkpoint after these weeks (comma-separated) to <output stem>_week<W>.h5 "
                  "(_rep<R>_week<W>.h5 with several replicates); continue one with --from")
      ->delimiter(',');
  run->add_option("--from", ro.from,
                  "continue a checkpoint file instead of running a scenario: bit for bit as if the run had never "
                  "stopped; --steps N runs to week N, --set key=value changes a parameter from here on (checked "
                  "like a timeline `set`)")
      ->check(CLI::Validator([](std::string& v) { return v.empty() ? std::string("give the checkpoint file") : std::string(); },
                             "CHECKPOINT"));

  CompareOptions co;
  auto* cmp = app.add_subcommand("compare", "run a scenario under several strategies (same seeds) and print a paired table");
  cmp->add_option("scenario", co.run.scenario, "scenario YAML file")->required();
  cmp->add_option("--key", co.key, "scenario key to vary (default: strategy)");
  cmp->add_option("--values", co.values, "values of the key, comma-separated (default: every choice of the key but 'custom')");
  cmp->add_option("--metrics", co.metrics, "metrics to tabulate, final step; a grouped metric gives one row per item, metric:group one item, metric:mean the unweighted mean (default: the model's default outcomes)")
      ->delimiter(',');
  cmp->add_option("-o,--output", co.output,
                  "results file (FILE.h5), or a folder for <scenario name>_compare.h5 (default: no file)");
  cmp->add_option("--baseline", co.baseline, "value the others are compared with, replicate by replicate (default: the first)");
  cmp->add_option("--seed", co.run.seed, "random seed, 0 to 2^64 - 1")->check(seed_digits());
  cmp->add_option("--steps", co.run.steps, "steps to run")->check(integer_in(0, kMany, "an integer >= 0"));
  cmp->add_option("--replicates", co.run.replicates, "replicates per value")->check(integer_in(1, kMany, "an integer >= 1"));
  cmp->add_option("--threads", co.run.threads, "worker threads")->check(integer_in(1, 4096, "an integer from 1 to 4096"));
  cmp->add_option("--set", co.run.sets, "override a scenario key: --set a.b=value (repeatable); list items by number from 0 or by name, e.g. neighbourhoods.0.size or neighbourhoods.estate.size");
  cmp->add_flag("--resume", co.resume, "continue an interrupted compare into the same -o file");
  cmp->add_flag("-q,--quiet", co.run.quiet, "print nothing but errors");

  SweepOptions so;
  auto* swp = app.add_subcommand("sweep", "run a grid of parameter values into one results file");
  swp->add_option("scenario", so.run.scenario, "scenario YAML file")->required();
  swp->add_option("--vary", so.vary, "key=value1,value2,... (repeatable; the grid is their product); list items by number from 0 or by name, e.g. timeline.1.size or timeline.cut.size (a named event)")->required();
  swp->add_option("-o,--output", so.run.output, "results file (default: <scenario name>_sweep.h5)");
  swp->add_option("--metrics", so.metrics, "metrics to tabulate, final step (default: the model's default outcomes)")
      ->delimiter(',');
  swp->add_option("--seed", so.run.seed, "random seed, 0 to 2^64 - 1 (every run uses the same seeds)")->check(seed_digits());
  swp->add_option("--steps", so.run.steps, "steps to run")->check(integer_in(0, kMany, "an integer >= 0"));
  swp->add_option("--replicates", so.run.replicates, "replicates per run")->check(integer_in(1, kMany, "an integer >= 1"));
  swp->add_option("--threads", so.run.threads, "worker threads")->check(integer_in(1, 4096, "an integer from 1 to 4096"));
  swp->add_option("--set", so.run.sets, "override a scenario key: --set a.b=value (repeatable); list items by number from 0 or by name, e.g. neighbourhoods.0.size or neighbourhoods.estate.size");
  swp->add_flag("--resume", so.resume, "continue an interrupted sweep into the same -o file");
  auto* swp_quiet = swp->add_flag("-q,--quiet", so.run.quiet, "do not print progress and the summary");
  swp->add_flag("--progress", g_progress_always,
                "print progress lines even when stderr is not a terminal (a batch job's log): the first finished "
                "job, then at most one line a second")
      ->excludes(swp_quiet);

  ExperimentOptions eo;
  auto* exp = app.add_subcommand("experiment", "run an experiment file: a design × arms × replicates, streamed to one HDF5 file");
  exp->add_option("file", eo.file, "experiment YAML file (see scenarios/experiments/)")->required();
  exp->add_option("-o,--output", eo.output, "results file (default: <experiment name>.h5 in the current folder)");
  exp->add_flag("--resume", eo.resume, "continue an interrupted experiment: run only the jobs the file does not hold yet");
  exp->add_option("--threads", eo.threads, "worker threads (default: TEGENMACHT_THREADS, else the cores this process may use)")
      ->check(integer_in(1, 4096, "an integer from 1 to 4096"));
  exp->add_option("--set", eo.sets, "override a key of the base scenario: --set a.b=value (repeatable); list items by number from 0 or by name, e.g. institutions.municipality.resistance");
  exp->add_flag("--print-experiment", eo.print, "print the resolved experiment and exit");
  auto* exp_quiet = exp->add_flag("-q,--quiet", eo.quiet, "print nothing but errors");
  exp->add_flag("--progress", g_progress_always,
                "print progress lines even when stderr is not a terminal (a batch job's log): the first finished "
                "job, then at most one line a second")
      ->excludes(exp_quiet);
  exp->add_option("--adequacy", eo.adequacy,
                  "print the replicates each outcome needs for a 95% interval of this half-width, relative to |mean| "
                  "(0.05: ± 5 %; also written to /analysis/adequacy)")
      ->check(number_in(1e-300, kBig, "a number > 0"));
  exp->add_flag("--absolute", eo.absolute, "--adequacy is in the outcomes' own units, not relative")
      ->needs(exp->get_option("--adequacy"));

  tg::cli::AnalyseOptions ao;
  auto* ana = app.add_subcommand("analyse", "tables from an experiment results file: paired tests, replication adequacy, "
                                            "Sobol' and Morris indices, regime maps");
  ana->alias("analyze");
  ana->add_option("results", ao.file, "experiment results file (experiment, compare -o or sweep)")->required();
  ana->add_option("--paired", ao.baseline, "paired comparison of every arm with BASELINE (default: the file's baseline)")
      ->expected(0, 1);
  ana->add_option("--adequacy", ao.adequacy, "replicates needed for a 95% interval of ± this × |mean| (e.g. 0.05)")
      ->check(number_in(1e-300, kBig, "a number > 0"));
  auto* abs_opt = ana->add_flag("--absolute", ao.absolute, "--adequacy is in the outcomes' own units");
  auto* sobol_opt = ana->add_option("--sobol", ao.sobol, "first-order and total Sobol' indices of OUTCOME (design: sobol)");
  ana->add_option("--morris", ao.morris, "Morris elementary effects of OUTCOME (design: morris)");
  ana->add_option("--regime", ao.regime, "best arm per design point on OUTCOME, win or tie");
  ana->add_option("--arm", ao.arm, "the arm whose indices to show (default: every arm)");
  ana->add_option("--minus", ao.minus, "indices of the difference arm − MINUS, paired by replicate");
  ana->add_option("--level", ao.level, "confidence level of every interval (default 0.95)")->check(number_in(0.5, 0.9999, "a level from 0.5 to 0.9999"));
  ana->add_option("--bootstrap", ao.bootstrap, "bootstrap resamples for Sobol' intervals (default 1000)")
      ->check(integer_in(0, 1000000, "an integer from 0 to 1000000"))
      ->needs(sobol_opt);
  abs_opt->needs(ana->get_option("--adequacy"));
  ana->add_option("--csv", ao.csv, "also write every table as one long CSV (analysis, outcome, arm, baseline, point, "
                                   "factor, statistic, value)");

  std::vector<std::string> report_files;
  std::string report_out, report_baseline, report_title;
  double report_level = 0.95;
  auto* rep = app.add_subcommand("report", "one self-contained HTML page of results: what was run, the paired "
                                           "differences in plain words, pictures, warnings, glossary");
  rep->add_option("results", report_files, "an experiment file (experiment, compare -o, sweep), the folder of a "
                                            "compare -o DIR, or run files (one strategy each)")->required();
  rep->add_option("-o,--output", report_out, "the HTML file (default: <first results name>_report.html)");
  rep->add_option("--baseline", report_baseline, "the strategy the others are compared with (default: the file's)");
  rep->add_option("--title", report_title, "the page's title");
  rep->add_option("--level", report_level, "confidence level of the intervals (default 0.95)")
      ->check(number_in(0.5, 0.9999, "a level from 0.5 to 0.9999"));
  std::vector<std::string> export_files;
  std::string export_dir;
  auto* exq = app.add_subcommand("export", "tidy CSV tables of results for a spreadsheet: outcomes.csv and series.csv");
  exq->add_option("results", export_files, "results file(s), as for report")->required();
  exq->add_option("--csv", export_dir, "the folder to write the tables to")->required();

  bool quick = false;
  int validate_threads = 0;
  auto* val = app.add_subcommand("validate", "reproduce the reference models' published results and print a table");
  val->add_flag("--quick", quick, "fewer replicates and shorter runs (under a minute on two cores)");
  val->add_option("--threads", validate_threads, "worker threads")->check(integer_in(1, 4096, "an integer from 1 to 4096"));

  std::string keys_of;
  auto* info = app.add_subcommand("info", "version, build, threads and models");
  info->add_option("--keys", keys_of, "print the scenario key reference of a model");
  bool experiment_keys = false;
  info->add_flag("--experiment-keys", experiment_keys, "print the key reference of experiment files");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    if (!is_worker())
      std::fprintf(stderr, "tegenmacht: error: %s\n", explain_parse_error(e, app, argc, argv).c_str());
    return 2;
  }
  try {
    if (*run) return do_run(ro, command_line(argc, argv));
    if (*info) return do_info(keys_of, experiment_keys);
    if (*val) return do_validate(quick, validate_threads);
    if (*cmp) return do_compare(co, command_line(argc, argv));
    if (*swp) return do_sweep(so, command_line(argc, argv));
    if (*exp) return do_experiment(eo, command_line(argc, argv));
    if (*rep) {
      std::vector<std::string> a{"report"};
      a.insert(a.end(), report_files.begin(), report_files.end());
      if (!report_out.empty()) a.insert(a.end(), {"-o", report_out});
      if (!report_baseline.empty()) a.insert(a.end(), {"--baseline", report_baseline});
      if (!report_title.empty()) a.insert(a.end(), {"--title", report_title});
      a.insert(a.end(), {"--level", std::to_string(report_level)});
      return tg::cli::run_python_command(a);
    }
    if (*exq) {
      std::vector<std::string> a{"export"};
      a.insert(a.end(), export_files.begin(), export_files.end());
      a.insert(a.end(), {"--csv", export_dir});
      return tg::cli::run_python_command(a);
    }
    if (*ana) {
      ao.paired = ana->count("--paired") > 0;
      ao.csv_given = ana->count("--csv") > 0;
      return tg::cli::analyse(ao);
    }
  } catch (const ex::ClusterStopped& s) {  // rank 0 printed why
    return s.code() == 1 ? StopSignals::exit_code() : 2;
  } catch (const tg::ArgumentError& e) {
    if (is_worker()) return 2;
    // the library names its argument `output`; on the command line that is -o
    std::string msg = e.what();
    if (e.argument() == "output") msg = "-o" + msg.substr(std::string("output").size());
    std::fprintf(stderr, "tegenmacht: error: %s\n", msg.c_str());
    return 2;
  } catch (const tg::Error& e) {
    if (is_worker()) return 2;  // rank 0 meets the same error and prints it once
    std::fprintf(stderr, "tegenmacht: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tegenmacht: internal error: %s\n", e.what());
    return 3;
  }
  return 0;
}
