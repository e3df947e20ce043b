// Experiment files: schema, loading, the canonical YAML form, design expansion.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tegenmacht/experiments/design.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht/rng.hpp"

namespace tegenmacht::experiments {

const char* to_string(DesignType t) {
  switch (t) {
    case DesignType::Grid: return "grid";
    case DesignType::List: return "list";
    case DesignType::LatinHypercube: return "latin_hypercube";
    case DesignType::Sobol: return "sobol";
    case DesignType::Morris: return "morris";
  }
  return "?";
}

const char* to_string(Reduce r) {
  switch (r) {
    case Reduce::Final: return "final";
    case Reduce::At: return "at";
    case Reduce::Mean: return "mean";
    case Reduce::Min: return "min";
    case Reduce::Max: return "max";
    case Reduce::Sum: return "sum";
  }
  return "?";
}

namespace {

SourceLocation mark_of(const std::string& source, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return SourceLocation{source, 0, 0};
  return SourceLocation{source, m.line + 1, m.column + 1};
}

[[noreturn]] void fail_at(const SourceLocation& where, const std::string& key, const std::string& msg,
                          ConfigError::Kind kind = ConfigError::Kind::Invalid) {
  throw ConfigError(kind, where, key, msg);
}

std::string flow(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

/// `set:` maps become one override per leaf ("a: {b: 1}" is "a.b: 1").
void flatten(const YAML::Node& node, const std::string& prefix, const std::string& source, const std::string& keypath,
             std::vector<Override>& out) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) fail_at(mark_of(source, node), keypath, "expected a map of scenario keys and values",
                             ConfigError::Kind::WrongType);
  for (const auto& kv : node) {
    const std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    if (kv.second.IsMap() && kv.second.size() > 0) {
      flatten(kv.second, key, source, keypath, out);
    } else {
      out.push_back(Override{key, kv.second, mark_of(source, kv.second)});
    }
  }
}

const std::set<std::string> kFixedKeys = {"model", "seed", "replicates", "steps"};

void check_variable_key(const std::string& key, const SourceLocation& where, const std::string& keypath) {
  std::string first = key.substr(0, key.find('.'));
  if (kFixedKeys.count(first))
    fail_at(where, keypath,
            "'" + first + "' cannot be varied within one experiment (give it once, at the experiment's top level or in the scenario)");
}

Schema make_schema(const YAML::Node& root) {
  Schema s;
  s.add_string("description", "", "what question the experiment asks");
  auto& sc = s.add_any("scenario", "base scenario: a path relative to the experiment file, or a map of scenario keys");
  sc.required = true;
  sc.optional = false;
  s.add_any("set", "scenario keys changed in every job, e.g. {steps: 104, tactics.max_level: 2}");
  const YAML::Node arms = root.IsMap() ? root["arms"] : YAML::Node();
  if (arms.IsDefined() && arms.IsSequence()) {
    auto& item = s.list("arms", "[]", "alternatives compared on common random numbers: a list of {name, set}");
    item.add_string("name", "", "arm name (unique)").required = true;
    item.find("name")->default_value = YAML::Node();
    item.add_any("set", "scenario keys this arm changes");
  } else {
    auto& a = s.section("arms", "alternatives compared on common random numbers: {key, values}");
    auto& key = a.add_string("key", "", "the scenario key the arms differ in, e.g. strategy");
    key.optional = true;
    key.default_value = YAML::Node();
    a.add_any("values", "one arm per value");
  }
  auto& base = s.add_string("baseline", "", "arm the others are compared with (default: the first)");
  base.optional = true;
  base.default_value = YAML::Node();
  auto& d = s.section("design", "how scenario variants (points) are chosen over the factors");
  d.add_choice("type", "grid", {"grid", "list", "latin_hypercube", "sobol", "morris"},
               "grid: product of the factors' values; list: explicit rows; latin_hypercube: n points; "
               "sobol: Saltelli's n·(k+2) points; morris: r trajectories");
  d.add_int("n", 0, 0, 1e7, "points of a Latin hypercube; base samples of a Sobol' design");
  d.add_int("levels", 4, 2, 1000, "Morris: grid levels p (even)");
  d.add_int("trajectories", 10, 1, 1e6, "Morris: trajectories r");
  auto& dseed = d.add_int("seed", 0, 0, 18446744073709551615.0, "seed of random designs (default: the experiment's seed)");
  dseed.optional = true;
  dseed.default_value = YAML::Node();
  d.add_any("rows", "list design: rows of factor values (maps by factor name or key, or lists in factor order)");
  auto& f = s.list("factors", "[]", "scenario keys the design varies");
  auto& fk = f.add_string("key", "", "scenario key, e.g. organizing.responsiveness or neighbourhoods.0.size");
  fk.required = true;
  fk.default_value = YAML::Node();
  f.add_strings("also", {}, "further scenario keys set to the same value, e.g. the same parameter of every institution");
  auto& fn = f.add_string("name", "", "column name in the results (default: the key)");
  fn.optional = true;
  fn.default_value = YAML::Node();
  f.add_any("values", "the factor's values (any YAML values)");
  auto& fr = f.add_doubles("range", {}, -1e300, 1e300, "[lo, hi]: a continuous factor");
  fr.optional = true;
  fr.min_size = fr.max_size = 2;
  fr.default_value = YAML::Node();
  f.add_int("levels", 0, 0, 1e6, "grid over a range: this many evenly spaced values");
  f.add_bool("log", false, "sample (and space grid levels) uniformly in log(value); needs lo > 0");
  f.add_bool("int", false, "integer values lo..hi, each equally likely");
  s.add_int("replicates", 1, 1, kMaxReplicate + 1.0, "replicates of every (point, arm) (default: the scenario's)")
      .optional = true;
  s.find("replicates")->default_value = YAML::Node();
  s.add_int("seed", 1, 0, 18446744073709551615.0, "seed of every job (default: the scenario's); replicate r uses the same streams in every point and arm")
      .optional = true;
  s.find("seed")->default_value = YAML::Node();
  s.add_int("steps", 100, 0, 1e8, "steps of every job (default: the scenario's)").optional = true;
  s.find("steps")->default_value = YAML::Node();
  auto& o = s.list("outcomes", "[]", "named scalars per job (default: the model's default outcomes)");
  auto& on = o.add_string("name", "", "outcome name (default: built from metric, group and reduce)");
  on.optional = true;
  on.default_value = YAML::Node();
  auto& om = o.add_string("metric", "", "the metric it is computed from");
  om.required = true;
  om.default_value = YAML::Node();
  auto& og = o.add_string("group", "", "a label of the metric's axis (default: the mean over the axis)");
  og.optional = true;
  og.default_value = YAML::Node();
  auto& orr = o.add_choice("reduce", "final", {"final", "at", "mean", "min", "max", "sum"},
                           "final value, value at a step, or a reduction over steps from..to");
  orr.optional = true;
  orr.default_value = YAML::Node();
  o.add_any("at", "reduce: at: the step to read (an integer, or final)");
  auto& of = o.add_int("from", 0, 0, 1e8, "first step of the window");
  of.optional = true;
  of.default_value = YAML::Node();
  auto& ot = o.add_int("to", 0, 0, 1e8, "last step of the window (default: the last step)");
  ot.optional = true;
  ot.default_value = YAML::Node();
  auto& ob = o.add_choice("better", "higher", {"higher", "lower"},
                          "which direction is better, for paired comparisons and regime maps (default: the model's "
                          "choice for the metric, else higher)");
  ob.optional = true;
  ob.default_value = YAML::Node();
  s.add_any("record", "metric time series to keep: none (default), outcomes, all, or a list of metric names");
  auto& br = s.section("branch", "run one burn-in per (point, replicate) and continue every arm from it");
  br.add_int("at", 0, 0, 1e8,
             "the week the arms part (from 1): weeks 1..at-1 run once, then each arm's changes apply before week "
             "`at` as a timeline event {week: at} would (the arms may change only what a timeline `set` or "
             "`strategy` event can); without `branch`, no branch");
  return s;
}

std::string parent_dir(const std::string& path) {
  const auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

}  // namespace

Schema Experiment::schema() { return make_schema(YAML::Node()); }

YAML::Node Factor::at_unit(double u) const {
  u = std::min(std::max(u, 0.0), 1.0);
  if (!values.empty()) {
    const auto m = values.size();
    const auto i = std::min(static_cast<std::size_t>(u * static_cast<double>(m)), m - 1);
    return values[i];
  }
  double x = 0;
  if (integer) {
    const double a = std::ceil(lo), b = std::floor(hi);
    x = std::min(std::floor(a + u * (b - a + 1.0)), b);
  } else if (log) {
    x = lo * std::exp(u * std::log(hi / lo));
    x = std::min(std::max(x, lo), hi);
  } else {
    x = lo + u * (hi - lo);
  }
  YAML::Node n;
  n = integer ? std::to_string(static_cast<long long>(x)) : format_double(x);
  return n;
}

Experiment Experiment::load(const std::string& path, const std::vector<std::string>& sets) {
  return from_text(read_text_file(path, "experiment file"), path, parent_dir(path), sets);
}

Experiment Experiment::for_scenario(const std::string& path, const std::vector<std::string>& sets) {
  Experiment e;
  e.source = path;
  e.scenario_text = read_text_file(path, "scenario file");
  e.scenario_source = path;
  for (const auto& s : sets) e.base.push_back(Override::parse(s));
  const Config base = load_scenario_text(e.scenario_text, e.scenario_source, e.base);
  e.replicates = static_cast<std::uint32_t>(base.get_int("replicates"));
  e.seed = static_cast<std::uint64_t>(base.node("seed").as<unsigned long long>());
  e.design_seed = e.seed;
  e.arms.push_back(Arm{"base", {}});
  e.baseline = "base";
  return e;
}

Experiment Experiment::from_text(const std::string& text, const std::string& source, const std::string& base_dir,
                                 const std::vector<std::string>& sets) {
  Config raw = Config::parse_text(text, source);
  Config cfg = raw;
  cfg.validate(make_schema(raw.root()));
  const YAML::Node root = cfg.root();
  Experiment e;
  e.source = source;
  e.description = cfg.get_string("description");

  // the base scenario
  const YAML::Node sc = root["scenario"];
  if (sc.IsScalar()) {
    std::filesystem::path p(sc.Scalar());
    const bool relative = p.is_relative();
    if (relative) p = std::filesystem::path(base_dir) / p;
    try {
      e.scenario_text = read_text_file(p.string(), "scenario file");
    } catch (const IoError& err) {
      const std::string what = err.what();
      fail_at(mark_of(source, sc), "scenario",
              what.substr(std::min(what.size(), err.path().size() + 2)) + ": '" + p.string() + "'" +
                  (relative ? " (a relative path is taken from the experiment file's folder)" : ""));
    }
    e.scenario_source = p.lexically_normal().string();
  } else if (sc.IsMap()) {
    YAML::Emitter em;
    em << sc;
    e.scenario_text = em.c_str();
    e.scenario_source = source + ":scenario";
  } else {
    fail_at(mark_of(source, sc), "scenario", "expected a scenario file path or a map of scenario keys",
            ConfigError::Kind::WrongType);
  }
  flatten(root["set"], "", source, "set", e.base);
  // a key given both at the top and in `set:` would lose one of its values without a word
  for (const auto& o : e.base)
    for (const char* k : {"steps", "seed", "replicates"})
      if (o.key == k && root[k])
        fail_at(o.where, std::string("set.") + k,
                std::string("'") + k + "' is also given at the experiment's top level (line " +
                    std::to_string(cfg.location(k).line) + "); give it once",
                ConfigError::Kind::Invalid);
  for (const auto& s : sets) e.base.push_back(Override::parse(s));
  for (const char* k : {"steps"})
    if (root[k]) e.base.push_back(Override{k, root[k], cfg.location(k)});

  // the base scenario must load on its own (errors in `set:` surface here)
  const Config base = load_scenario_text(e.scenario_text, e.scenario_source, e.base);
  e.replicates = static_cast<std::uint32_t>(root["replicates"] ? cfg.get_int("replicates") : base.get_int("replicates"));
  e.seed = root["seed"] ? static_cast<std::uint64_t>(root["seed"].as<unsigned long long>())
                        : static_cast<std::uint64_t>(base.node("seed").as<unsigned long long>());
  // --set seed=… / replicates=… on the command line win over the file's own values
  for (const auto& s : sets) {
    const Override o = Override::parse(s);
    if (o.key == "seed") e.seed = static_cast<std::uint64_t>(base.node("seed").as<unsigned long long>());
    if (o.key == "replicates") e.replicates = static_cast<std::uint32_t>(base.get_int("replicates"));
  }

  if (root["branch"] && cfg.location("branch").file != "<default>") {  // given (not the schema's empty default)
    e.branch_at = static_cast<std::uint32_t>(cfg.get_int("branch.at"));
    e.branch_where = cfg.location("branch.at");
    if (cfg.location("branch.at").file == "<default>")
      fail_at(cfg.location("branch"), "branch.at", "a branch needs the week the arms part: branch: {at: WEEK}",
              ConfigError::Kind::Missing);
    if (e.branch_at < 1) fail_at(e.branch_where, "branch.at", "the arms part in week 1 or later (got 0)",
                                 ConfigError::Kind::OutOfRange);
    if (e.branch_at > static_cast<std::uint64_t>(base.get_int("steps")))
      fail_at(e.branch_where, "branch.at",
              "week " + std::to_string(e.branch_at) + " is past the last week (" +
                  std::to_string(base.get_int("steps")) + ")");
  }

  // factors
  std::set<std::string> fkeys, fnames;
  for (std::size_t i = 0; i < cfg.size("factors"); ++i) {
    const std::string path = "factors." + std::to_string(i);
    const YAML::Node fn = root["factors"][i];
    Factor f;
    f.key = fn["key"].Scalar();
    f.name = fn["name"] ? fn["name"].Scalar() : f.key;
    f.where = cfg.location(path + ".key");
    check_variable_key(f.key, f.where, path + ".key");
    f.also = cfg.get_strings(path + ".also");
    for (std::size_t k = 0; k < f.also.size(); ++k) {
      const std::string ap = path + ".also." + std::to_string(k);
      check_variable_key(f.also[k], cfg.location(ap), ap);
      if (!fkeys.insert(f.also[k]).second || f.also[k] == f.key)
        fail_at(cfg.location(ap), ap, "key '" + f.also[k] + "' is set by another factor too");
    }
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name[0] == '_')
      fail_at(cfg.location(path + ".name"), path + ".name", "a factor name must be non-empty, without '/' and not start with '_'");
    if (!fkeys.insert(f.key).second) fail_at(f.where, path + ".key", "factor key '" + f.key + "' is given twice");
    if (!fnames.insert(f.name).second)
      fail_at(cfg.location(path + ".name"), path + ".name", "duplicate factor name '" + f.name + "'");
    const YAML::Node vals = fn["values"];
    if (vals.IsDefined() && !vals.IsNull()) {
      if (!vals.IsSequence() || vals.size() == 0)
        fail_at(mark_of(source, vals), path + ".values", "expected a non-empty list of values", ConfigError::Kind::WrongType);
      for (const auto& v : vals) f.values.push_back(v);
    }
    if (fn["range"]) {
      f.has_range = true;
      const auto r = cfg.get_doubles(path + ".range");
      f.lo = r[0];
      f.hi = r[1];
      if (!(f.lo < f.hi)) fail_at(cfg.location(path + ".range"), path + ".range", "expected lo < hi");
    }
    f.log = cfg.get_bool(path + ".log");
    f.integer = cfg.get_bool(path + ".int");
    f.levels = static_cast<std::size_t>(cfg.get_int(path + ".levels"));
    if (f.has_range && !f.values.empty())
      fail_at(cfg.location(path), path, "give either values or range, not both");
    if (f.log && !(f.has_range && f.lo > 0)) fail_at(cfg.location(path + ".log"), path + ".log", "log needs a range with lo > 0");
    if (f.integer && !f.has_range) fail_at(cfg.location(path + ".int"), path + ".int", "int needs a range");
    if (f.integer && std::floor(f.hi) < std::ceil(f.lo))
      fail_at(cfg.location(path + ".range"), path + ".range", "the range holds no integer");
    e.factors.push_back(std::move(f));
  }

  // design
  const std::string type = cfg.get_string("design.type");
  e.design = type == "list" ? DesignType::List
             : type == "latin_hypercube" ? DesignType::LatinHypercube
             : type == "sobol" ? DesignType::Sobol
             : type == "morris" ? DesignType::Morris
                                : DesignType::Grid;
  e.n = static_cast<std::size_t>(cfg.get_int("design.n"));
  e.levels = static_cast<std::size_t>(cfg.get_int("design.levels"));
  e.trajectories = static_cast<std::size_t>(cfg.get_int("design.trajectories"));
  e.design_seed = root["design"]["seed"] ? root["design"]["seed"].as<unsigned long long>() : e.seed;
  const YAML::Node rows = root["design"]["rows"];
  if (rows.IsDefined() && !rows.IsNull() && e.design != DesignType::List)
    fail_at(mark_of(source, rows), "design.rows", "rows are for design type list");
  auto need = [&](bool ok, const std::string& key, const std::string& msg) {
    if (ok) return;
    // a key left at its default has no line: name the nearest enclosing one that has
    std::string p = key;
    SourceLocation loc = cfg.location(p);
    while (loc.file == "<default>" && p.find('.') != std::string::npos) {
      p.resize(p.rfind('.'));
      loc = cfg.location(p);
    }
    if (loc.file == "<default>") loc = SourceLocation{source, 0, 0};
    fail_at(loc, key, msg);
  };
  switch (e.design) {
    case DesignType::Grid:
      for (std::size_t i = 0; i < e.factors.size(); ++i) {
        const auto& f = e.factors[i];
        const std::string p = "factors." + std::to_string(i);
        need(!f.values.empty() || (f.has_range && f.levels >= 2), p,
             "a grid needs the factor's values, or a range with levels >= 2");
      }
      break;
    case DesignType::List: {
      if (!rows.IsDefined() || !rows.IsSequence() || rows.size() == 0)
        fail_at(cfg.location("design"), "design.rows", "a list design needs rows (a list of rows of factor values)");
      if (e.factors.empty()) {  // factors named by the rows' keys, in order of appearance
        std::set<std::string> seen;
        for (const auto& row : rows)
          if (row.IsMap())
            for (const auto& kv : row)
              if (seen.insert(kv.first.Scalar()).second) {
                Factor f;
                f.key = f.name = kv.first.Scalar();
                f.where = mark_of(source, kv.first);
                check_variable_key(f.key, f.where, "design.rows");
                e.factors.push_back(f);
              }
      }
      for (std::size_t r = 0; r < rows.size(); ++r) {
        const YAML::Node row = rows[r];
        const std::string rp = "design.rows." + std::to_string(r);
        std::vector<YAML::Node> vals;
        if (row.IsSequence()) {
          if (row.size() != e.factors.size())
            fail_at(mark_of(source, row), rp,
                    "expected " + std::to_string(e.factors.size()) + " values (one per factor), got " +
                        std::to_string(row.size()));
          for (const auto& v : row) vals.push_back(v);
        } else if (row.IsMap()) {
          for (const auto& kv : row) {
            const std::string k = kv.first.Scalar();
            bool known = false;
            for (const auto& f : e.factors) known |= (f.name == k || f.key == k);
            if (!known) fail_at(mark_of(source, kv.first), rp + "." + k, "not a factor of this experiment",
                                ConfigError::Kind::UnknownKey);
          }
          for (const auto& f : e.factors) {
            const YAML::Node by_name = row[f.name];
            const YAML::Node v = by_name.IsDefined() ? by_name : row[f.key];
            if (!v.IsDefined() || v.IsNull())
              fail_at(mark_of(source, row), rp, "the row gives no value for factor '" + f.name + "'",
                      ConfigError::Kind::Missing);
            vals.push_back(v);
          }
        } else {
          fail_at(mark_of(source, row), rp, "expected a row: a map of factor values or a list in factor order",
                  ConfigError::Kind::WrongType);
        }
        e.rows.push_back(std::move(vals));
        e.row_where.push_back(mark_of(source, row));
      }
      break;
    }
    case DesignType::LatinHypercube:
    case DesignType::Sobol:
    case DesignType::Morris:
      if (e.design != DesignType::Morris) need(e.n >= 1, "design.n", "this design needs n >= 1 (design: {n: ...})");
      if (e.design == DesignType::Morris) need(e.levels % 2 == 0, "design.levels", "Morris needs an even number of levels");
      if (e.factors.empty()) fail_at(cfg.location("design"), "factors", "this design needs at least one factor",
                                     ConfigError::Kind::Missing);
      for (std::size_t i = 0; i < e.factors.size(); ++i)
        need(!e.factors[i].values.empty() || e.factors[i].has_range, "factors." + std::to_string(i),
             "a sampling design needs the factor's range (or its values)");
      break;
  }
  // the size is checked before anything is expanded (a typo like n: 10000000 must not hang)
  const double k = static_cast<double>(e.factors.size());
  double points = 1;
  switch (e.design) {
    case DesignType::Grid:
      for (const auto& f : e.factors) points *= static_cast<double>(f.values.empty() ? f.levels : f.values.size());
      break;
    case DesignType::List: points = static_cast<double>(e.rows.size()); break;
    case DesignType::LatinHypercube: points = static_cast<double>(e.n); break;
    case DesignType::Sobol: points = static_cast<double>(e.n) * (k + 2); break;
    case DesignType::Morris: points = static_cast<double>(e.trajectories) * (k + 1); break;
  }
  if (points > kMaxPoints)
    fail_at(cfg.location(e.design == DesignType::Grid ? "factors" : "design"), "design",
            "the design has " + format_double(points) + " points; at most " + format_double(kMaxPoints) +
                " fit in one experiment file (split it into several experiments)",
            ConfigError::Kind::OutOfRange);

  // arms
  const YAML::Node arms = root["arms"];
  std::set<std::string> anames;
  if (arms.IsSequence()) {
    for (std::size_t i = 0; i < arms.size(); ++i) {
      Arm a;
      a.name = arms[i]["name"].Scalar();
      const std::string p = "arms." + std::to_string(i);
      if (!anames.insert(a.name).second) fail_at(cfg.location(p + ".name"), p + ".name", "duplicate arm name '" + a.name + "'");
      flatten(raw.root()["arms"][i]["set"], "", source, p + ".set", a.overrides);
      e.arms.push_back(std::move(a));
    }
  } else if (arms.IsMap() && (arms["key"] || arms["values"])) {
    const YAML::Node vals = raw.root()["arms"]["values"];
    if (!arms["key"]) fail_at(cfg.location("arms"), "arms.key", "arms with values need the key they set", ConfigError::Kind::Missing);
    if (!vals.IsDefined() || !vals.IsSequence() || vals.size() == 0)
      fail_at(cfg.location("arms"), "arms.values", "expected a non-empty list of values", ConfigError::Kind::Missing);
    const std::string key = arms["key"].Scalar();
    check_variable_key(key, cfg.location("arms.key"), "arms.key");
    for (const auto& v : vals) {
      Arm a;
      a.name = flow(v);
      if (!anames.insert(a.name).second)
        fail_at(mark_of(source, v), "arms.values", "duplicate arm '" + a.name + "'");
      a.overrides.push_back(Override{key, v, mark_of(source, v)});
      e.arms.push_back(std::move(a));
    }
  }
  if (e.arms.empty()) e.arms.push_back(Arm{"base", {}});
  for (const auto& a : e.arms)
    for (const auto& o : a.overrides) {
      check_variable_key(o.key, o.where, "arms");
      for (const auto& f : e.factors)
        if (f.key == o.key || std::find(f.also.begin(), f.also.end(), o.key) != f.also.end())
          fail_at(o.where, o.key, "'" + o.key + "' is both a factor and set by arm '" + a.name + "'");
    }
  const double jobs = points * static_cast<double>(e.arms.size()) * static_cast<double>(e.replicates);
  if (jobs > kMaxJobs)
    fail_at(cfg.location("replicates"), "replicates",
            "points × arms × replicates = " + format_double(jobs) + " jobs; at most " + format_double(kMaxJobs) +
                " fit in one experiment file (split it into several experiments)",
            ConfigError::Kind::OutOfRange);
  e.baseline = root["baseline"] ? root["baseline"].Scalar() : e.arms.front().name;
  if (anames.size() && !anames.count(e.baseline) && e.baseline != e.arms.front().name) {
    std::string all;
    for (const auto& a : e.arms) all += (all.empty() ? "" : ", ") + a.name;
    fail_at(cfg.location("baseline"), "baseline", "'" + e.baseline + "' is not an arm (arms: " + all + ")",
            ConfigError::Kind::OutOfRange);
  }

  // outcomes
  std::set<std::string> onames;
  for (std::size_t i = 0; i < cfg.size("outcomes"); ++i) {
    const std::string p = "outcomes." + std::to_string(i);
    const YAML::Node on = root["outcomes"][i];
    OutcomeSpec o;
    o.metric = on["metric"].Scalar();
    o.where = cfg.location(p);
    if (on["group"]) o.group = on["group"].Scalar();
    const std::string red = on["reduce"] ? on["reduce"].Scalar() : "";
    const YAML::Node at = raw.root()["outcomes"][i]["at"];
    if (at.IsDefined() && !at.IsNull()) {
      if (!red.empty() && red != "at" && red != "final")
        fail_at(mark_of(source, at), p + ".at", "'at' goes with reduce: at, not reduce: " + red);
      long long step = -1;
      if (at.IsScalar() && at.Scalar() == "final") {
        o.reduce = Reduce::Final;
      } else if (at.IsScalar() && YAML::convert<long long>::decode(at, step) && step >= 0) {
        o.reduce = Reduce::At;
        o.at = step;
      } else {
        fail_at(mark_of(source, at), p + ".at", "expected a step (an integer >= 0) or final, got " + flow(at),
                ConfigError::Kind::WrongType);
      }
    } else if (red == "at") {
      fail_at(o.where, p + ".at", "reduce: at needs at: STEP", ConfigError::Kind::Missing);
    } else {
      o.reduce = red == "mean" ? Reduce::Mean : red == "min" ? Reduce::Min : red == "max" ? Reduce::Max
                 : red == "sum" ? Reduce::Sum : Reduce::Final;
    }
    if (on["better"]) o.better = on["better"].Scalar() == "lower" ? -1 : 1;
    if (on["from"]) o.from = cfg.get_int(p + ".from");
    if (on["to"]) o.to = cfg.get_int(p + ".to");
    if ((on["from"] || on["to"]) && (o.reduce == Reduce::Final || o.reduce == Reduce::At))
      fail_at(o.where, p, "from/to are for reduce: mean, min, max or sum");
    if (o.to >= 0 && o.from > o.to) fail_at(cfg.location(p + ".from"), p + ".from", "from is after to");
    if (on["name"]) {
      o.name = on["name"].Scalar();
    } else {
      o.name = o.metric;
      if (!o.group.empty()) o.name += "_" + o.group;
      if (o.reduce == Reduce::At) o.name += "_at" + std::to_string(o.at);
      else if (o.reduce != Reduce::Final) o.name += std::string("_") + to_string(o.reduce);
    }
    if (o.name.empty() || o.name.find('/') != std::string::npos)
      fail_at(o.where, p + ".name", "an outcome name must be non-empty and without '/'");
    if (!onames.insert(o.name).second)
      fail_at(o.where, p + ".name", "duplicate outcome name '" + o.name + "' (give each outcome its own name:)");
    e.outcomes.push_back(std::move(o));
  }

  // record
  const YAML::Node rec = raw.root()["record"];
  if (rec.IsDefined() && !rec.IsNull()) {
    if (rec.IsScalar()) {
      const std::string r = rec.Scalar();
      if (r == "none") e.record = Record::None;
      else if (r == "outcomes") e.record = Record::Outcomes;
      else if (r == "all") e.record = Record::All;
      else fail_at(mark_of(source, rec), "record", "expected none, outcomes, all or a list of metric names, got '" + r + "'",
                   ConfigError::Kind::OutOfRange);
    } else if (rec.IsSequence()) {
      e.record = Record::Chosen;
      e.record_where = mark_of(source, rec);
      for (const auto& m : rec) {
        if (!m.IsScalar()) fail_at(mark_of(source, m), "record", "expected a metric name", ConfigError::Kind::WrongType);
        e.record_metrics.push_back(m.Scalar());
      }
    } else {
      fail_at(mark_of(source, rec), "record", "expected none, outcomes, all or a list of metric names",
              ConfigError::Kind::WrongType);
    }
  }
  e.check();
  return e;
}

namespace {
/// "a.b.0" and "a.b[0]" name the same key.
std::string norm_key(const std::string& k) {
  std::string out;
  for (char c : k) {
    if (c == '[') c = '.';
    if (c == ']') continue;
    out += c;
  }
  return out;
}
}  // namespace

namespace {
/// Two keys overlap when one is the other or lies inside it ("network" and
/// "network.homophily"): setting both makes one of them have no effect.
bool overlaps(const std::string& a, const std::string& b) {
  const std::string x = norm_key(a), y = norm_key(b);
  if (x == y) return true;
  const auto& [shorter, longer] = x.size() < y.size() ? std::pair(x, y) : std::pair(y, x);
  return longer.compare(0, shorter.size(), shorter) == 0 && longer[shorter.size()] == '.';
}
}  // namespace

void Experiment::check() const {
  struct Varied {
    std::string key, by;
  };
  std::vector<Varied> varied;
  // "(through 'network')" when a key lies inside the varied one
  auto through = [](const Varied& v, const std::string& key) {
    return norm_key(v.key) == norm_key(key) ? std::string() : " (through '" + v.key + "')";
  };
  auto varied_by = [&](const std::string& key) -> const Varied* {
    for (const auto& v : varied)
      if (overlaps(v.key, key)) return &v;
    return nullptr;
  };
  for (std::size_t i = 0; i < factors.size(); ++i) {
    const Factor& f = factors[i];
    std::vector<std::string> keys{f.key};
    keys.insert(keys.end(), f.also.begin(), f.also.end());
    for (const auto& k : keys) {
      check_variable_key(k, f.where, "factors." + std::to_string(i));
      if (const Varied* v = varied_by(k))
        fail_at(f.where, k, "'" + k + "' is varied twice (by " + v->by + through(*v, k) + " and by factor '" + f.name + "')");
      varied.push_back({k, "factor '" + f.name + "'"});
    }
    for (std::size_t j = 0; j < i; ++j)
      if (factors[j].name == f.name) fail_at(f.where, "factors", "duplicate factor name '" + f.name + "'");
  }
  std::set<std::string> arm_names;
  std::vector<Varied> arm_keys;
  for (const auto& a : arms) {
    if (!arm_names.insert(a.name).second)
      fail_at(a.overrides.empty() ? SourceLocation{source, 0, 0} : a.overrides.front().where, "arms",
              "duplicate arm '" + a.name + "'");
    for (const auto& o : a.overrides) {
      check_variable_key(o.key, o.where, "arms");
      if (const Varied* v = varied_by(o.key))
        fail_at(o.where, o.key, "'" + o.key + "' is both varied by " + v->by + through(*v, o.key) + " and set by arm '" +
                                    a.name + "'");
      arm_keys.push_back({o.key, "the arms"});
    }
  }
  // with a branch, `set:` may give an arm key its value during the burn-in
  if (branch_at == 0) varied.insert(varied.end(), arm_keys.begin(), arm_keys.end());
  // a base value is lost only where a variation replaces it: the same key, or a part
  // of a varied key (a base list whose item a factor varies keeps its effect)
  auto covered_by = [&](const std::string& key) -> const Varied* {
    const std::string k = norm_key(key);
    for (const auto& v : varied) {
      const std::string vk = norm_key(v.key);
      if (k == vk || (k.size() > vk.size() && k.compare(0, vk.size(), vk) == 0 && k[vk.size()] == '.')) return &v;
    }
    return nullptr;
  };
  for (const auto& o : base)
    if (const Varied* v = covered_by(o.key))
      fail_at(o.where, o.key, "'" + o.key + "' is varied by " + v->by + through(*v, o.key) +
                                  ", so a value given here would have no effect; remove it (or the variation)");
  if (std::find_if(arms.begin(), arms.end(), [&](const Arm& a) { return a.name == baseline; }) == arms.end())
    fail_at(SourceLocation{source, 0, 0}, "baseline", "'" + baseline + "' is not an arm", ConfigError::Kind::OutOfRange);
}

std::string Experiment::to_yaml() const {
  YAML::Emitter out;
  out.SetIndent(2);
  auto overrides_map = [&](const std::vector<Override>& os) {
    // a key given twice (a Scenario's .set() and the experiment's own key) is written once, with the
    // value in effect: the last
    out << YAML::BeginMap;
    for (std::size_t i = 0; i < os.size(); ++i) {
      bool later = false;
      for (std::size_t j = i + 1; j < os.size() && !later; ++j) later = os[j].key == os[i].key;
      if (!later) out << YAML::Key << os[i].key << YAML::Value << YAML::Flow << os[i].value;
    }
    out << YAML::EndMap;
  };
  out << YAML::BeginMap;
  out << YAML::Key << "description" << YAML::Value << description;
  out << YAML::Key << "scenario" << YAML::Value << scenario_source;
  out << YAML::Key << "set" << YAML::Value;
  overrides_map(base);
  out << YAML::Key << "arms" << YAML::Value << YAML::BeginSeq;
  for (const auto& a : arms) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << a.name << YAML::Key << "set" << YAML::Value;
    overrides_map(a.overrides);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "baseline" << YAML::Value << baseline;
  out << YAML::Key << "design" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << to_string(design);
  out << YAML::Key << "n" << YAML::Value << n << YAML::Key << "levels" << YAML::Value << levels;
  out << YAML::Key << "trajectories" << YAML::Value << trajectories << YAML::Key << "seed" << YAML::Value << design_seed;
  if (!rows.empty()) {
    out << YAML::Key << "rows" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : rows) {
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& v : r) out << v;
      out << YAML::EndSeq;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  out << YAML::Key << "factors" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : factors) {
    out << YAML::BeginMap << YAML::Key << "key" << YAML::Value << f.key << YAML::Key << "name" << YAML::Value << f.name;
    if (!f.also.empty()) out << YAML::Key << "also" << YAML::Value << YAML::Flow << f.also;
    if (!f.values.empty()) {
      out << YAML::Key << "values" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& v : f.values) out << v;
      out << YAML::EndSeq;
    }
    if (f.has_range)
      out << YAML::Key << "range" << YAML::Value << YAML::Flow << YAML::BeginSeq << format_double(f.lo)
          << format_double(f.hi) << YAML::EndSeq;
    out << YAML::Key << "levels" << YAML::Value << f.levels << YAML::Key << "log" << YAML::Value << f.log
        << YAML::Key << "int" << YAML::Value << f.integer << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "replicates" << YAML::Value << replicates << YAML::Key << "seed" << YAML::Value << seed;
  out << YAML::Key << "outcomes" << YAML::Value << YAML::BeginSeq;
  for (const auto& o : outcomes) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << o.name << YAML::Key << "metric"
        << YAML::Value << o.metric;
    if (!o.group.empty()) out << YAML::Key << "group" << YAML::Value << o.group;
    if (o.better) out << YAML::Key << "better" << YAML::Value << (o.better < 0 ? "lower" : "higher");
    out << YAML::Key << "reduce" << YAML::Value << to_string(o.reduce);
    if (o.reduce == Reduce::At) out << YAML::Key << "at" << YAML::Value << o.at;
    if (o.reduce != Reduce::At && o.reduce != Reduce::Final) {
      out << YAML::Key << "from" << YAML::Value << o.from;
      if (o.to >= 0) out << YAML::Key << "to" << YAML::Value << o.to;  // none: to the last step
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "record" << YAML::Value;
  if (record == Record::Chosen) {
    out << YAML::Flow << record_metrics;
  } else {
    out << (record == Record::None ? "none" : record == Record::Outcomes ? "outcomes" : "all");
  }
  if (branch_at > 0)
    out << YAML::Key << "branch" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "at" << YAML::Value
        << branch_at << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

DesignPoints expand_design(const Experiment& e) {
  DesignPoints d;
  d.experiment = &e;
  const std::size_t k = e.factors.size();
  switch (e.design) {
    case DesignType::Grid:
      d.points = 1;
      for (const auto& f : e.factors) {
        d.grid_levels.push_back(f.values.empty() ? f.levels : f.values.size());
        d.points *= d.grid_levels.back();
      }
      break;
    case DesignType::List: d.points = e.rows.size(); break;
    case DesignType::LatinHypercube: d.unit = latin_hypercube(e.n, k, e.design_seed); break;
    case DesignType::Sobol: d.unit = saltelli(e.n, k); break;
    case DesignType::Morris: {
      MorrisDesign m = morris(e.trajectories, k, e.levels, e.design_seed);
      d.morris_changed = std::move(m.changed);
      d.morris_delta = m.delta;
      d.unit = std::move(m.points);
      break;
    }
  }
  if (!d.unit.empty()) d.points = d.unit.size();  // the sampling designs
  return d;
}

YAML::Node DesignPoints::value(std::size_t p, std::size_t j) const {
  const Experiment& e = *experiment;
  const Factor& f = e.factors[j];
  switch (e.design) {
    case DesignType::Grid: {
      std::size_t stride = 1;  // first factor slowest
      for (std::size_t i = j + 1; i < grid_levels.size(); ++i) stride *= grid_levels[i];
      const std::size_t level = (p / stride) % grid_levels[j];
      if (!f.values.empty()) return f.values[level];
      return f.at_unit(static_cast<double>(level) / static_cast<double>(f.levels - 1));
    }
    case DesignType::List: return e.rows[p][j];
    default: return f.at_unit(unit[p][j]);
  }
}

namespace {
// base, the point's factor values, the arm's changes (none: a burn-in), seed and replicates.
// (Built by copying only: assigning one YAML::Node to another writes through to the node
// it refers to, so erasing from a vector of overrides would change the experiment's values.)
std::vector<Override> overrides_of(const Experiment& e, const DesignPoints& d, std::size_t point, const Arm* arm) {
  std::vector<Override> o = e.base;
  for (std::size_t j = 0; j < e.factors.size(); ++j) {
    // errors name the value as written in the experiment file where there is one
    SourceLocation where = e.factors[j].where;
    if (e.design == DesignType::List && point < e.row_where.size()) where = e.row_where[point];
    const YAML::Node v = d.value(point, j);
    const YAML::Mark m = v.Mark();
    if (where.file == e.source && m.line >= 0) where = SourceLocation{e.source, m.line + 1, m.column + 1};
    o.push_back(Override{e.factors[j].key, v, where});
    for (const auto& k : e.factors[j].also) o.push_back(Override{k, v, where});
  }
  if (arm)
    for (const auto& a : arm->overrides) o.push_back(a);
  YAML::Node seed, reps;
  seed = std::to_string(e.seed);
  reps = std::to_string(e.replicates);
  o.push_back(Override{"seed", seed, SourceLocation{e.source, 0, 0}});
  o.push_back(Override{"replicates", reps, SourceLocation{e.source, 0, 0}});
  return o;
}
}  // namespace

std::vector<Override> burn_in_overrides(const Experiment& e, const DesignPoints& d, std::size_t point) {
  return overrides_of(e, d, point, nullptr);
}

std::vector<Override> job_overrides(const Experiment& e, const DesignPoints& d, std::size_t point, std::size_t arm) {
  return overrides_of(e, d, point, &e.arms[arm]);
}

}  // namespace tegenmacht::experiments
