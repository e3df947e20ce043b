// Running an experiment: validate every (point, arm), then run the jobs on
// one pool and stream each to the results file.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>

#include <fcntl.h>
#include <unistd.h>
#include <filesystem>
#include <limits>
#include <map>
#include <thread>
#include <mutex>

#include "store.hpp"
#include "tegenmacht/experiments/analysis.hpp"
#include "tegenmacht/experiments/cluster.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/results.hpp"
#include "tegenmacht/simulation.hpp"
#include "tegenmacht/state.hpp"

namespace tegenmacht::experiments {

namespace {

using Clock = std::chrono::steady_clock;

/// An outcome bound to a series of the model's recorder.
struct BoundOutcome {
  OutcomeSpec spec;
  std::size_t series = 0;
  long column = -1;  // -1: mean over the axis
  std::size_t width = 1;
  std::int64_t to = 0;
};

/// What a model's recorder declares, as far as the results file depends on it.
struct Shape {
  std::string model;
  std::int64_t steps = 0;
  std::vector<std::string> names;
  std::vector<std::size_t> widths;
  std::map<std::string, std::vector<std::string>> labels;
  double cost = 1;  ///< a job's relative cost: steps × agents (the longest agent column)
};

Shape shape_of(const Simulation& sim) {
  Shape s;
  std::size_t agents = 1;
  for (const auto& c : sim.model().columns()) agents = std::max(agents, c.size);
  s.cost = static_cast<double>(std::max<std::int64_t>(1, sim.config().get_int("steps"))) * static_cast<double>(agents);
  s.model = sim.config().get_string("model");
  s.steps = sim.config().get_int("steps");
  for (const auto& se : sim.recorder().series()) {
    s.names.push_back(se.name);
    s.widths.push_back(se.width);
  }
  s.labels = sim.recorder().labels();
  return s;
}

std::string closest_metric(const std::string& name, const std::vector<std::string>& names) {
  Schema choices;
  for (const auto& n : names) choices.add_string(n, "", "");
  return choices.suggest(name);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

double row_value(const Series& s, std::size_t row, long column) {
  if (column >= 0) return s.data[row * s.width + static_cast<std::size_t>(column)];
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < s.width; ++k) {
    const double v = s.data[row * s.width + k];
    if (!std::isnan(v)) {
      sum += v;
      ++n;
    }
  }
  return n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

double compute(const BoundOutcome& b, const Recorder& rec) {
  const Series& s = rec.series()[b.series];
  const std::size_t rows = s.width ? s.data.size() / s.width : 0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (rows == 0) return nan;
  switch (b.spec.reduce) {
    case Reduce::Final: return row_value(s, rows - 1, b.column);
    case Reduce::At:
      return static_cast<std::size_t>(b.spec.at) < rows ? row_value(s, static_cast<std::size_t>(b.spec.at), b.column) : nan;
    default: break;
  }
  double acc = b.spec.reduce == Reduce::Min ? std::numeric_limits<double>::infinity()
               : b.spec.reduce == Reduce::Max ? -std::numeric_limits<double>::infinity()
                                              : 0.0;
  std::size_t n = 0;
  const auto last = std::min<std::size_t>(static_cast<std::size_t>(b.to), rows - 1);
  for (std::size_t t = static_cast<std::size_t>(b.spec.from); t <= last; ++t) {
    const double v = row_value(s, t, b.column);
    if (std::isnan(v)) continue;
    ++n;
    if (b.spec.reduce == Reduce::Min) acc = std::min(acc, v);
    else if (b.spec.reduce == Reduce::Max) acc = std::max(acc, v);
    else acc += v;
  }
  if (n == 0) return nan;
  return b.spec.reduce == Reduce::Mean ? acc / static_cast<double>(n) : acc;
}

/// Adds "(design point p, arm a)" to a model's or scenario's error.
[[noreturn]] void rethrow_with_context(std::exception_ptr e, const Experiment& exp, std::size_t point, std::size_t arm) {
  std::string ctx = " (design point " + std::to_string(point);
  if (exp.arms.size() > 1 || exp.arms[arm].name != "base") ctx += ", arm '" + exp.arms[arm].name + "'";
  ctx += ")";
  try {
    std::rethrow_exception(e);
  } catch (const ConfigError& c) {
    SourceLocation where = c.where();
    // an unknown factor key is best shown where the key is written, not at its value
    if (c.kind() == ConfigError::Kind::UnknownKey)
      for (const auto& f : exp.factors)
        if (f.key == c.key()) where = f.where;
    throw ConfigError(c.kind(), where, c.key(), c.message() + ctx);
  }
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Messages between ranks (cluster.hpp): a request (jobs wanted + finished
// results), an assignment (job indices), a stop (exit code), an error (job, text).
enum Tag : int { kRequest = 1, kAssign = 2, kStop = 3, kError = 4 };
enum StopCode : std::int64_t { kDone = 0, kStopped = 1, kFailed = 2 };

struct Bytes {
  std::vector<unsigned char> b;
  std::size_t at = 0;
  template <class T>
  void put(const T* v, std::size_t n) {
    const auto* p = reinterpret_cast<const unsigned char*>(v);
    b.insert(b.end(), p, p + n * sizeof(T));
  }
  template <class T>
  void put(T v) { put(&v, 1); }
  template <class T>
  void get(T* v, std::size_t n) {
    if (at + n * sizeof(T) > b.size()) throw Error("a malformed message between MPI ranks");
    if (n) std::memcpy(v, b.data() + at, n * sizeof(T));  // an empty vector's data() may be null
    at += n * sizeof(T);
  }
  template <class T>
  T get() {
    T v{};
    get(&v, 1);
    return v;
  }
};

bool exists(const std::string& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec);
}

}  // namespace

RunReport run_experiment(const Experiment& exp, std::shared_ptr<Parallel> parallel, const RunOptions& opt) {
  const auto t0 = Clock::now();
  if (!parallel) throw ArgumentError("parallel", "a thread pool is required");
  if (opt.output.empty()) throw ArgumentError("output", "an experiment needs a results file");
  exp.check();
  Cluster* const cluster = opt.cluster && opt.cluster->size() > 1 ? opt.cluster : nullptr;
  const bool root = !cluster || cluster->rank() == 0;  // rank 0 owns the file
  const std::string partial = opt.output + ".partial";
  if (root && !cluster) check_output_path(opt.output);

  // 1. the design, and the first job's model, which declares the metrics
  const DesignPoints design = expand_design(exp);
  if (design.points == 0) throw ArgumentError("design", "the design has no points");
  const std::size_t P = design.points, A = exp.arms.size(), R = exp.replicates;
  const std::size_t total = P * A * R;
  auto resolve = [&](std::size_t p, std::size_t a) {
    return load_scenario_text(exp.scenario_text, exp.scenario_source, job_overrides(exp, design, p, a));
  };
  Shape shape;
  Config first = [&] {
    try {
      return resolve(0, 0);
    } catch (...) {
      rethrow_with_context(std::current_exception(), exp, 0, 0);
    }
  }();
  if (first.get_int("output.snapshot_every") > 0)  // would be silently dropped: say so
    throw ConfigError(ConfigError::Kind::Invalid, first.location("output.snapshot_every"), "output.snapshot_every",
                      "experiments keep no agent snapshots; use `tegenmacht run` for them, or set it to 0");
  // the first job's model, kept until the jobs start: its recorder declares the metrics
  auto axis_holder = std::make_unique<Simulation>(first, 0, parallel);
  const Simulation& axis_probe = *axis_holder;
  shape = shape_of(axis_probe);
  const Registry& reg = Registry::instance();
  const ModelInfo* model_info = reg.find(shape.model);
  // a branched experiment's arms change, at the branch week, only what a run may change
  if (exp.branch_at > 0) {
    if (exp.branch_at > shape.steps)
      throw ConfigError(ConfigError::Kind::OutOfRange, exp.branch_where, "branch.at",
                        "week " + std::to_string(exp.branch_at) + " is past the last week (" +
                            std::to_string(shape.steps) + ")");
    const auto keys = axis_probe.model().settable();
    std::string list;
    for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
    for (const auto& arm : exp.arms)
      for (const auto& o : arm.overrides)
        if (std::find(keys.begin(), keys.end(), o.key) == keys.end())
          throw ConfigError(ConfigError::Kind::Invalid, o.where, o.key,
                            "arm '" + arm.name + "' changes '" + o.key + "', which cannot change at the branch (week " +
                                std::to_string(exp.branch_at) + "): the arms of a branched experiment change only "
                                "what a timeline event can" +
                                (keys.empty() ? " (model '" + shape.model + "' has no such keys)"
                                              : " (" + list + ")"));
  }
  auto better_of = [&](const OutcomeSpec& o) {
    if (o.better) return o.better;
    if (model_info && std::find(model_info->lower_is_better.begin(), model_info->lower_is_better.end(), o.metric) !=
                          model_info->lower_is_better.end())
      return -1;
    return 1;
  };

  // 2. outcomes and recorded series, bound to the model's metrics
  std::vector<OutcomeSpec> specs = exp.outcomes;
  if (specs.empty()) {
    const ModelInfo* info = reg.find(shape.model);
    std::vector<std::string> names = info ? info->default_outcomes : std::vector<std::string>{};
    if (names.empty())
      for (std::size_t i = 0; i < shape.names.size(); ++i)
        if (shape.widths[i] == 1) names.push_back(shape.names[i]);
    for (const auto& n : names) {
      OutcomeSpec o;
      o.name = o.metric = n;
      o.where = SourceLocation{exp.source, 0, 0};
      specs.push_back(o);
    }
  }
  auto series_index = [&](const std::string& name, const SourceLocation& where, const std::string& key) {
    const auto it = std::find(shape.names.begin(), shape.names.end(), name);
    if (it == shape.names.end()) {
      std::string msg = "unknown metric '" + name + "'";
      if (auto s = closest_metric(name, shape.names); !s.empty()) msg += "; did you mean '" + s + "'?";
      msg += " (model '" + shape.model + "' records: " + join(shape.names) + ")";
      throw ConfigError(ConfigError::Kind::OutOfRange, where, key, msg);
    }
    return static_cast<std::size_t>(it - shape.names.begin());
  };
  // tables never average silently: a metric broken down by group, neighbourhood or
  // institution becomes one outcome per item unless `group:` names one (or `mean`)
  {
    std::vector<OutcomeSpec> per_item;
    for (const auto& o : specs) {
      const auto it = std::find(shape.names.begin(), shape.names.end(), o.metric);
      if (it != shape.names.end()) {
        const Series& s = axis_probe.recorder().series()[static_cast<std::size_t>(it - shape.names.begin())];
        if (!s.axis.empty() && o.group.empty()) {
          for (const auto& label : shape.labels[s.axis]) {
            OutcomeSpec c = o;
            c.group = label;
            c.name = o.name + "_" + label;
            per_item.push_back(c);
          }
          continue;
        }
        if (!s.axis.empty() && o.group == "mean") {
          const auto& labels = shape.labels[s.axis];
          if (std::find(labels.begin(), labels.end(), "mean") == labels.end()) {
            OutcomeSpec c = o;
            c.group.clear();  // the unweighted mean over the items, asked for by name
            if (c.name == c.metric) c.name += "_mean";
            per_item.push_back(c);
            continue;
          }
        }
      }
      per_item.push_back(o);
    }
    specs = std::move(per_item);
  }
  std::vector<BoundOutcome> bound;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    BoundOutcome b;
    b.spec = specs[i];
    const std::string key = "outcomes." + std::to_string(i);
    b.series = series_index(b.spec.metric, b.spec.where, key + ".metric");
    const Series& s = axis_probe.recorder().series()[b.series];
    b.width = s.width;
    if (!b.spec.group.empty()) {
      if (s.axis.empty())
        throw ConfigError(ConfigError::Kind::Invalid, b.spec.where, key + ".group",
                          "metric '" + s.name + "' has no groups (it is a single number per step)");
      const auto& labels = shape.labels[s.axis];
      const auto it = std::find(labels.begin(), labels.end(), b.spec.group);
      if (it == labels.end())
        throw ConfigError(ConfigError::Kind::OutOfRange, b.spec.where, key + ".group",
                          "'" + b.spec.group + "' is not a " + s.axis + " of metric '" + s.name + "' (" + join(labels) + ")");
      b.column = static_cast<long>(it - labels.begin());
    }
    b.to = b.spec.to < 0 ? shape.steps : b.spec.to;
    if (b.spec.reduce == Reduce::At && b.spec.at > shape.steps)
      throw ConfigError(ConfigError::Kind::OutOfRange, b.spec.where, key + ".at",
                        "step " + std::to_string(b.spec.at) + " is after the last step (" + std::to_string(shape.steps) + ")");
    if (b.spec.from > shape.steps || b.to > shape.steps)
      throw ConfigError(ConfigError::Kind::OutOfRange, b.spec.where, key,
                        "the window goes past the last step (" + std::to_string(shape.steps) + ")");
    bound.push_back(b);
  }
  std::vector<std::size_t> recorded;
  if (exp.record == Record::All) {
    for (std::size_t i = 0; i < shape.names.size(); ++i)
      if (axis_probe.recorder().series()[i].enabled) recorded.push_back(i);
  } else if (exp.record == Record::Outcomes) {
    for (const auto& b : bound)
      if (std::find(recorded.begin(), recorded.end(), b.series) == recorded.end()) recorded.push_back(b.series);
  } else if (exp.record == Record::Chosen) {
    for (const auto& m : exp.record_metrics) {
      const auto i = series_index(m, exp.record_where.file.empty() ? SourceLocation{exp.source, 0, 0} : exp.record_where,
                                  "record");
      if (!axis_probe.recorder().series()[i].enabled)
        throw ConfigError(ConfigError::Kind::Invalid, SourceLocation{exp.source, 0, 0}, "record",
                          "metric '" + m + "' is not kept by the scenario's output.metrics");
      if (std::find(recorded.begin(), recorded.end(), i) == recorded.end()) recorded.push_back(i);
    }
  }
  for (const auto& b : bound)
    if (!axis_probe.recorder().series()[b.series].enabled)
      throw ConfigError(ConfigError::Kind::Invalid, b.spec.where, "outcomes",
                        "metric '" + b.spec.metric + "' is not kept by the scenario's output.metrics");

  // 3. the file layout
  detail::StoreLayout L;
  L.model = shape.model;
  L.description = exp.description;
  L.experiment_yaml = exp.to_yaml();
  L.base_config_yaml = load_scenario_text(exp.scenario_text, exp.scenario_source, exp.base).to_yaml();
  L.experiment_file = exp.source;
  L.scenario_file = exp.scenario_source;
  L.command_line = opt.command_line;
  L.design = to_string(exp.design);
  L.baseline = exp.baseline;
  L.steps = shape.steps;
  L.threads = parallel->threads();
  L.seed = exp.seed;
  L.design_seed = exp.design_seed;
  L.points = P;
  L.arms = A;
  L.replicates = R;
  L.n = exp.n;
  L.levels = exp.levels;
  L.trajectories = exp.trajectories;
  for (const auto& b : bound) {
    const Series& s = axis_probe.recorder().series()[b.series];
    L.outcomes.push_back(detail::OutcomeMeta{b.spec.name, b.spec.metric, b.spec.group, to_string(b.spec.reduce), s.unit,
                                             s.description, b.spec.at, b.spec.from, b.to, better_of(b.spec)});
    if (!s.axis.empty()) L.labels[s.axis] = shape.labels[s.axis];
  }
  for (auto i : recorded) {
    const Series& s = axis_probe.recorder().series()[i];
    L.series.push_back(detail::SeriesMeta{s.name, s.axis, s.unit, s.description, s.width});
    if (!s.axis.empty()) L.labels[s.axis] = shape.labels[s.axis];
  }
  for (std::size_t j = 0; j < exp.factors.size(); ++j) {
    const Factor& f = exp.factors[j];
    detail::FactorMeta m;
    m.name = f.name;
    m.key = f.key;
    m.also = f.also;
    m.log = f.log;
    m.integer = f.integer;
    m.has_range = f.has_range;
    m.lo = f.lo;
    m.hi = f.hi;
    // a numeric column if every value is a number, else text (kept only then)
    m.is_numeric = true;
    for (std::size_t p = 0; p < P && m.is_numeric; ++p) {
      const YAML::Node v = design.value(p, j);
      double x = 0;
      if (v.IsScalar() && YAML::convert<double>::decode(v, x)) m.numeric.push_back(x);
      else m.is_numeric = false;
    }
    if (!m.is_numeric) {
      m.numeric.clear();
      for (std::size_t p = 0; p < P; ++p) {
        const YAML::Node v = design.value(p, j);
        YAML::Emitter em;
        em << YAML::Flow << v;
        m.text.push_back(v.IsScalar() ? v.Scalar() : std::string(em.c_str()));
      }
    }
    L.factors.push_back(std::move(m));
  }
  L.unit = design.unit;
  L.morris_changed = design.morris_changed;
  L.morris_delta = design.morris_delta;
  for (const auto& a : exp.arms) {
    L.arm_names.push_back(a.name);
    std::string o;
    for (const auto& ov : a.overrides) o += (o.empty() ? "" : "\n") + ov.str();
    L.arm_overrides.push_back(o);
  }

  // names in the results: outcomes, factors and recorded series share one namespace (xarray)
  {
    std::map<std::string, std::string> names{{"point", "a dimension"}, {"arm", "a dimension"},
                                             {"replicate", "a dimension"}, {"week", "a dimension"},
                                             {"factor", "a dimension"}, {"job_done", "a variable"},
                                             {"design_unit", "a variable"}, {"morris_changed", "a variable"}};
    for (const auto& [axis, labels] : shape.labels) names.emplace(axis, "an axis of the model's metrics");
    auto claim = [&](const std::string& name, const std::string& what, const SourceLocation& where, const std::string& key) {
      if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        throw ConfigError(ConfigError::Kind::Invalid, where, key, "'" + name + "' cannot be a name in the results");
      const auto [it, fresh_name] = names.emplace(name, what);
      if (!fresh_name)
        throw ConfigError(ConfigError::Kind::Invalid, where, key,
                          "the name '" + name + "' is taken (" + it->second + "); give this " + what + " another name");
    };
    for (std::size_t i = 0; i < bound.size(); ++i)
      claim(bound[i].spec.name, "outcome", bound[i].spec.where, "outcomes." + std::to_string(i) + ".name");
    for (std::size_t i = 0; i < exp.factors.size(); ++i)
      claim(exp.factors[i].name, "factor", exp.factors[i].where, "factors." + std::to_string(i) + ".name");
    for (auto r : recorded)
      claim(shape.names[r] + "_series", "recorded series", SourceLocation{exp.source, 0, 0}, "record");
  }

  // branched: the burn-in of (point, replicate), stepped to the week before the branch
  auto burn_in = [&](std::size_t p, std::uint32_t r, const std::function<bool()>& stop_now) -> std::unique_ptr<Simulation> {
    auto sim = std::make_unique<Simulation>(
        load_scenario_text(exp.scenario_text, exp.scenario_source, burn_in_overrides(exp, design, p)), r, parallel);
    while (sim->current_step() + 1 < exp.branch_at) {
      if (stop_now()) return nullptr;
      sim->step(1);
    }
    return sim;
  };
  // ... and an arm's changes, applied as run-time changes (checked like a timeline `set`)
  auto branch = [&](Simulation& sim, std::size_t a) {
    for (const auto& o : exp.arms[a].overrides) {
      std::string text;
      if (o.value.IsScalar()) {
        text = o.value.Scalar();
      } else {
        YAML::Emitter em;
        em.SetSeqFormat(YAML::Flow);
        em.SetMapFormat(YAML::Flow);
        em << o.value;
        text = em.c_str();
      }
      sim.set(o.key, text, o.where);
    }
  };
  auto finish = [&](std::unique_ptr<Simulation> sim, const std::function<bool()>& stop_now) -> std::unique_ptr<Simulation> {
    while (!sim->done()) {
      if (stop_now()) return nullptr;
      sim->step(1);
    }
    return sim;
  };
  // a job on any rank: the finished simulation, or nullptr if stopped first
  auto simulate = [&](std::size_t j, const std::function<bool()>& stop_now) -> std::unique_ptr<Simulation> {
    const std::size_t p = j / (A * R), a = (j / R) % A;
    const auto r = static_cast<std::uint32_t>(j % R);
    if (exp.branch_at > 0) {  // on its own (another rank): its own burn-in, the same numbers
      auto sim = burn_in(p, r, stop_now);
      if (!sim) return nullptr;
      branch(*sim, a);
      return finish(std::move(sim), stop_now);
    }
    return finish(std::make_unique<Simulation>(resolve(p, a), r, parallel), stop_now);
  };
  auto outcomes_of = [&](const Simulation& sim) {
    std::vector<double> values(bound.size());
    for (std::size_t k = 0; k < bound.size(); ++k) values[k] = compute(bound[k], sim.recorder());
    return values;
  };
  auto error_text = [&](std::exception_ptr e, std::size_t j) -> std::string {
    try {
      rethrow_with_context(e, exp, j / (A * R), (j / R) % A);
    } catch (const std::exception& x) {
      return x.what();
    } catch (...) {
    }
    return "unknown error";
  };

  // values per recorded series of one job (rows × width), as ranks send them
  std::vector<std::size_t> series_lengths;
  for (auto si : recorded) series_lengths.push_back(static_cast<std::size_t>(shape.steps + 1) * shape.widths[si]);

  // 3b. ranks other than 0 run the jobs rank 0 sends them (cluster.hpp)
  if (!root) {
    const std::int64_t status = cluster->broadcast(0);  // rank 0's validation
    if (status < 0) throw ClusterStopped(static_cast<int>(-status));
    axis_holder.reset();
    const auto threads = static_cast<std::uint64_t>(parallel->threads());
    auto own_stop = [&] { return opt.stop && opt.stop->load(std::memory_order_relaxed); };
    Bytes out;
    out.put<std::uint64_t>(threads);
    out.put<std::uint64_t>(0);
    for (;;) {
      cluster->send(0, kRequest, out.b);
      int tag = 0;
      Bytes in;
      cluster->receive(0, tag, in.b);
      if (tag == kStop) {
        const auto code = in.get<std::int64_t>();
        if (code == kDone) {
          RunReport r;
          r.jobs_total = total;
          return r;
        }
        throw ClusterStopped(code == kStopped ? 1 : 2);
      }
      const auto n = static_cast<std::size_t>(in.get<std::uint64_t>());
      std::vector<std::uint64_t> jobs(n);
      in.get(jobs.data(), n);
      std::vector<Bytes> results(n);
      std::vector<std::exception_ptr> errors(n);
      parallel->for_tasks(n, [&](std::size_t i) {
        try {
          const auto tj = Clock::now();
          auto sim = simulate(static_cast<std::size_t>(jobs[i]), own_stop);
          if (!sim) return;  // stopped: the job stays undone
          const auto values = outcomes_of(*sim);
          Bytes& r = results[i];
          r.put<std::uint64_t>(jobs[i]);
          r.put<double>(std::chrono::duration<double>(Clock::now() - tj).count());
          r.put(values.data(), values.size());
          for (std::size_t k = 0; k < recorded.size(); ++k) {
            const auto& data = sim->recorder().series()[recorded[k]].data;
            if (data.size() != series_lengths[k]) throw Error("a recorded series has an unexpected length");
            r.put(data.data(), data.size());
          }
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
      for (std::size_t i = 0; i < n; ++i)
        if (errors[i]) {  // the first failed job: rank 0 prints it and stops every rank
          const std::string text = error_text(errors[i], static_cast<std::size_t>(jobs[i])) + " (on MPI rank " +
                                   std::to_string(cluster->rank()) + ")";
          Bytes e;
          e.put<std::uint64_t>(jobs[i]);
          e.put<std::uint64_t>(text.size());
          e.put(text.data(), text.size());
          cluster->send(0, kError, e.b);
          Bytes reply;
          cluster->receive(0, tag, reply.b);
          throw ClusterStopped(2);
        }
      out = Bytes{};
      out.put<std::uint64_t>(own_stop() ? 0 : threads);
      std::uint64_t count = 0;
      for (const auto& r : results) count += r.b.empty() ? 0 : 1;
      out.put<std::uint64_t>(count);
      for (const auto& r : results) out.b.insert(out.b.end(), r.b.begin(), r.b.end());
    }
  }
  // rank 0: until it has validated the experiment, the other ranks wait; any
  // error or stop before then releases them with a stop code
  struct Release {
    Cluster* c;
    std::int64_t code = -kFailed;
    ~Release() {
      if (c) try {
          c->broadcast(code);
        } catch (...) {
        }
    }
  } release{cluster};
  if (cluster) check_output_path(opt.output);

  // 4. the results file: new, or the one to resume
  std::unique_ptr<detail::Store> store;
  std::string path;
  bool fresh = true;
  if (opt.resume && (exists(partial) || exists(opt.output))) {
    path = exists(partial) ? partial : opt.output;
    try {
      store = detail::Store::open(path);
    } catch (const IoError& e) {
      throw IoError(path, std::string(e.what()).substr(path.size() + 2) +
                              "; it cannot be resumed (a crash while it was being created?): delete it to start again");
    }
    fresh = false;
  } else {
    if (exists(partial) && !opt.resume)
      throw IoError(partial, "holds an interrupted run (continue it with --resume, or delete it to start again)");
    check_writable(opt.output);
    // the space the file takes at once (every job's datasets are allocated up front)
    double bytes = 0;
    for (std::size_t i = 0; i < L.outcomes.size() + 2; ++i) bytes += 8.0 * static_cast<double>(total);
    for (const auto& m : L.series) bytes += 8.0 * static_cast<double>(total) * static_cast<double>(L.steps + 1) * static_cast<double>(m.width);
    std::error_code ec;
    const auto dir = std::filesystem::absolute(opt.output, ec).parent_path();
    const auto space = std::filesystem::space(dir, ec);
    if (!ec && bytes > static_cast<double>(space.available))
      throw IoError(opt.output, "the results need " + format_double(std::ceil(bytes / 1e6)) + " MB but only " +
                                    format_double(std::floor(static_cast<double>(space.available) / 1e6)) +
                                    " MB are free there (record fewer metrics: record: none or a list)");
    path = partial;
    try {
      store = detail::Store::create(path, L);
    } catch (const IoError&) {
      const std::string why = write_failure_cause(path);
      std::remove(path.c_str());
      if (why.empty()) throw;
      throw IoError(opt.output, "cannot create the results file: " + why + "; nothing was written");
    } catch (...) {
      std::remove(path.c_str());
      throw;
    }
  }
  // one writer at a time: a POSIX record lock (HDF5's own flock locking is off so
  // that the file can be read while it is written; the two do not interact)
  const int lock_fd = ::open(path.c_str(), O_RDWR);
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (lock_fd >= 0 && ::fcntl(lock_fd, F_SETLK, &fl) != 0) {
    ::close(lock_fd);
    store.reset();
    throw IoError(path, "is being written by another tegenmacht process; wait for it, or stop it and use --resume");
  }
  struct LockGuard {
    int fd;
    ~LockGuard() {
      if (fd >= 0) ::close(fd);
    }
  } lock_guard{lock_fd};
  auto discard = [&] {
    if (!fresh) return;
    try {
      store->close();
    } catch (...) {
    }
    std::remove(path.c_str());
  };

  // 5. every (point, arm) scenario resolved and its model built, before any job
  std::vector<double> costs;  // [point · arms + arm]: steps × agents, to hand out large jobs first
  std::uint64_t hash = detail::fnv1a(detail::kFnvOffset, L.experiment_yaml);
  std::vector<std::string> warnings;  // of every (point, arm), each once
  hash = detail::fnv1a(hash, L.base_config_yaml);
  try {
    const std::size_t chunk = std::max<std::size_t>(2, 2 * static_cast<std::size_t>(parallel->threads()));
    const std::size_t pairs = P * A;
    for (std::size_t begin = 0; begin < pairs; begin += chunk) {
      if (opt.stop && opt.stop->load()) {  // stopped while validating: nothing ran, nothing is left
        release.code = -kStopped;
        discard();
        RunReport rep;
        rep.jobs_total = total;
        rep.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        if (!fresh) {  // the resumed file keeps what it held
          const auto d = store->done();
          rep.path = path;
          rep.jobs_done = rep.jobs_resumed = static_cast<std::size_t>(std::count(d.begin(), d.end(), 1));
          store->close();
        }
        return rep;
      }
      const std::size_t count = std::min(chunk, pairs - begin);
      std::vector<std::string> texts(count);
      std::vector<Shape> shapes(count);
      costs.resize(P * A, 1.0);
      std::vector<std::exception_ptr> errors(count);
      std::vector<std::vector<std::string>> warns(count);
      parallel->for_tasks(count, [&](std::size_t i) {
        const std::size_t pa = begin + i;
        try {
          Config c = pa == 0 ? first : resolve(pa / A, pa % A);
          texts[i] = c.to_yaml();
          warns[i] = scenario_warnings(c);
          Simulation probe(c, 0, parallel);
          shapes[i] = shape_of(probe);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
      for (std::size_t i = 0; i < count; ++i) {
        const std::size_t pa = begin + i, p = pa / A, a = pa % A;
        if (errors[i]) rethrow_with_context(errors[i], exp, p, a);
        const Shape& s = shapes[i];
        const SourceLocation where =
            exp.factors.empty() ? SourceLocation{exp.source, 0, 0} : exp.factors.front().where;
        auto differs = [&](const std::string& what) {
          throw ConfigError(ConfigError::Kind::Invalid, where, "factors",
                            "design point " + std::to_string(p) + ", arm '" + exp.arms[a].name + "' " + what +
                                "; every job of an experiment must have the same model, steps and metric shapes");
        };
        if (s.model != shape.model) differs("runs model '" + s.model + "' instead of '" + shape.model + "'");
        if (s.steps != shape.steps) differs("runs " + std::to_string(s.steps) + " steps instead of " + std::to_string(shape.steps));
        if (s.names != shape.names) differs("declares other metrics");
        for (const auto& b : bound)
          if (s.widths[b.series] != shape.widths[b.series] ||
              (b.column >= 0 && s.labels.at(axis_probe.recorder().series()[b.series].axis) !=
                                    shape.labels.at(axis_probe.recorder().series()[b.series].axis)))
            differs("changes the groups of metric '" + b.spec.metric + "' (outcome '" + b.spec.name + "')");
        for (auto r : recorded)
          if (s.widths[r] != shape.widths[r]) differs("changes the width of recorded metric '" + shape.names[r] + "'");
        costs[pa] = s.cost;
        for (auto& w : warns[i])
          if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(std::move(w));
        hash = detail::fnv1a(hash, texts[i]);
        if (fresh) store->append_scenario(texts[i]);
      }
    }
  } catch (...) {
    discard();
    throw;
  }
  const std::string fingerprint = hex(hash);
  if (opt.warning)
    for (const auto& w : warnings) opt.warning(w);
  if (fresh) {
    store->set_warnings(warnings);
    store->set_fingerprint(fingerprint);
  } else if (store->fingerprint() != fingerprint || store->jobs() != total) {
    throw IoError(path, "cannot resume: this file was written by a different experiment (its file, scenario, --set or "
                        "version differ); use another output file, or delete this one to start again");
  }

  if (cluster) {  // validated: the other ranks start asking for jobs
    cluster->broadcast(1);
    release.c = nullptr;
  }

  // 6. the jobs (the probe's model is freed first: memory is the live jobs' only)
  axis_holder.reset();
  std::vector<std::uint8_t> done = store->done();
  RunReport rep;
  rep.warnings = warnings;
  rep.jobs_total = total;
  rep.jobs_resumed = static_cast<std::size_t>(std::count(done.begin(), done.end(), 1));
  std::vector<std::size_t> pending;
  for (std::size_t j = 0; j < total; ++j)
    if (!done[j]) pending.push_back(j);
  // largest jobs first, so that a long one does not start last (results do not depend on the order)
  std::stable_sort(pending.begin(), pending.end(), [&](std::size_t x, std::size_t y) {
    return costs[x / R] > costs[y / R];
  });
  std::atomic<bool> halt{false};
  std::mutex write_mutex;
  std::exception_ptr job_error;
  std::size_t error_job = total;
  std::size_t finished = rep.jobs_resumed, run_now = 0;
  const auto t_jobs = Clock::now();
  auto stopped = [&] { return halt.load(std::memory_order_relaxed) || (opt.stop && opt.stop->load(std::memory_order_relaxed)); };
  // writes one finished job (from this process or another rank) and reports progress
  auto write = [&](std::size_t j, const std::vector<double>& values, const std::vector<const double*>& series,
                   double secs) {
    std::lock_guard<std::mutex> lock(write_mutex);
    if (halt.load()) return;
    store->write_job(j, values, series, secs);
    ++finished;
    ++run_now;
    if (opt.progress)
      opt.progress(Progress{finished, total, run_now, std::chrono::duration<double>(Clock::now() - t_jobs).count()});
  };
  auto fail = [&](std::size_t j, std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(write_mutex);
    if (j < error_job) {
      error_job = j;
      job_error = std::move(e);
    }
    halt.store(true);
  };
  auto run_local = [&](std::size_t j) {
    if (stopped()) return;
    try {
      const auto tj = Clock::now();
      auto sim = simulate(j, stopped);
      if (!sim) return;
      const auto values = outcomes_of(*sim);
      std::vector<const double*> series;
      for (auto si : recorded) series.push_back(sim->recorder().series()[si].data.data());
      write(j, values, series, std::chrono::duration<double>(Clock::now() - tj).count());
    } catch (...) {
      fail(j, std::current_exception());
    }
  };
  if (!cluster && exp.branch_at > 0) {
    // one burn-in per (point, replicate), shared by the arms still to run
    std::vector<std::vector<std::size_t>> groups;
    std::vector<long> group_of(P * R, -1);
    for (std::size_t j : pending) {
      const std::size_t pr = (j / (A * R)) * R + j % R;
      if (group_of[pr] < 0) {
        group_of[pr] = static_cast<long>(groups.size());
        groups.emplace_back();
      }
      groups[static_cast<std::size_t>(group_of[pr])].push_back(j);
    }
    parallel->for_tasks(groups.size(), [&](std::size_t g) {
      const auto& jobs = groups[g];
      if (stopped()) return;
      try {
        const auto tb = Clock::now();
        auto base = burn_in(jobs.front() / (A * R), static_cast<std::uint32_t>(jobs.front() % R), stopped);
        if (!base) return;
        const Checkpoint ck = base->checkpoint();
        base.reset();
        const double burn_secs = std::chrono::duration<double>(Clock::now() - tb).count() / jobs.size();
        for (std::size_t j : jobs) {
          if (stopped()) return;
          const auto tj = Clock::now();
          auto sim = std::make_unique<Simulation>(Simulation::restore(ck, parallel, 0, "branch"));
          try {
            branch(*sim, (j / R) % A);
          } catch (...) {
            fail(j, std::current_exception());
            return;
          }
          sim = finish(std::move(sim), stopped);
          if (!sim) return;
          const auto values = outcomes_of(*sim);
          std::vector<const double*> series;
          for (auto si : recorded) series.push_back(sim->recorder().series()[si].data.data());
          write(j, values, series, burn_secs + std::chrono::duration<double>(Clock::now() - tj).count());
        }
      } catch (...) {
        fail(jobs.front(), std::current_exception());
      }
    });
  } else if (!cluster) {
    parallel->for_tasks(pending.size(), [&](std::size_t i) { run_local(pending[i]); });
  } else {
    // rank 0 hands out jobs from one queue to its own threads and to the other
    // ranks (as many as they have threads), and writes every result
    std::mutex queue_mutex;
    std::size_t next = 0;
    auto take = [&](std::size_t& j) {
      std::lock_guard<std::mutex> lock(queue_mutex);
      if (stopped() || next >= pending.size()) return false;
      j = pending[next++];
      return true;
    };
    std::thread local([&] {
      parallel->for_tasks(static_cast<std::size_t>(parallel->threads()), [&](std::size_t) {
        std::size_t j = 0;
        while (take(j)) run_local(j);
      });
    });
    std::size_t series_doubles = 0;
    for (auto n : series_lengths) series_doubles += n;
    int active = cluster->size() - 1;
    try {
      while (active > 0) {
        int from = 0, tag = 0;
        Bytes in;
        if (!cluster->poll(from, tag, in.b)) {
          std::this_thread::sleep_for(std::chrono::microseconds(300));
          continue;
        }
        Bytes out;
        if (tag == kError) {
          const auto j = static_cast<std::size_t>(in.get<std::uint64_t>());
          std::string text(static_cast<std::size_t>(in.get<std::uint64_t>()), ' ');
          in.get(text.data(), text.size());
          fail(j, std::make_exception_ptr(Error(text)));
          out.put<std::int64_t>(kFailed);
          cluster->send(from, kStop, out.b);
          --active;
          continue;
        }
        const auto want = in.get<std::uint64_t>(), count = in.get<std::uint64_t>();
        std::vector<double> values(bound.size()), buffer(series_doubles);
        for (std::uint64_t k = 0; k < count; ++k) {
          const auto j = static_cast<std::size_t>(in.get<std::uint64_t>());
          const double secs = in.get<double>();
          in.get(values.data(), values.size());
          in.get(buffer.data(), buffer.size());
          std::vector<const double*> series;
          std::size_t offset = 0;
          for (auto n : series_lengths) {
            series.push_back(buffer.data() + offset);
            offset += n;
          }
          if (j < total) write(j, values, series, secs);
        }
        std::vector<std::uint64_t> jobs;
        std::size_t j = 0;
        while (jobs.size() < want && take(j)) jobs.push_back(j);
        if (jobs.empty()) {
          bool failed = false;
          {
            std::lock_guard<std::mutex> lock(write_mutex);
            failed = job_error != nullptr;
          }
          out.put<std::int64_t>(failed ? kFailed : stopped() ? kStopped : kDone);
          cluster->send(from, kStop, out.b);
          --active;
        } else {
          out.put<std::uint64_t>(jobs.size());
          out.put(jobs.data(), jobs.size());
          cluster->send(from, kAssign, out.b);
        }
      }
    } catch (...) {
      halt.store(true);
      local.join();
      throw;
    }
    local.join();
  }
  rep.jobs_run = run_now;
  rep.jobs_done = finished;
  rep.complete = finished == total;
  rep.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  // a complete file is marked complete only after its /analysis is written, so
  // a kill in between leaves a file that --resume finishes
  store->finish(rep.complete && !opt.analyse, finished, rep.seconds);
  store->close();
  if (rep.complete && opt.analyse && !write_analysis(path, opt.analysis, opt.stop))
    rep.complete = false;  // stopped while writing /analysis: --resume finishes it
  rep.path = path;
  if (fresh && finished == 0 && !job_error) {  // stopped before any job finished: leave nothing behind
    std::remove(path.c_str());
    rep.path.clear();
  }
  if (rep.complete && path == partial) {
    std::error_code ec;
    std::filesystem::rename(partial, opt.output, ec);
    if (ec) throw IoError(opt.output, "cannot rename " + partial + " to the results file: " + ec.message());
    rep.path = opt.output;
  }
  if (job_error) {
    const std::size_t p = error_job / (A * R), a = (error_job / R) % A;
    rethrow_with_context(job_error, exp, p, a);
  }
  return rep;
}

}  // namespace tegenmacht::experiments
