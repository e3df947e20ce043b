#include "tegenmacht/registry.hpp"

#include <algorithm>

namespace tegenmacht {

Registry& Registry::instance() {
  static Registry r;
  return r;
}

void Registry::add(ModelInfo info) {
  for (auto& m : models_)
    if (m.name == info.name) {
      m = std::move(info);
      return;
    }
  models_.push_back(std::move(info));
}

const ModelInfo* Registry::find(const std::string& name) const {
  for (const auto& m : models_)
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (const auto& m : models_) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

void declare_engine_schema(Schema& s) {
  auto& model = s.add_string("model", "", "name of the model to run (see `tegenmacht info`)");
  model.required = true;
  model.default_value = YAML::Node();
  s.add_string("description", "", "free text: what question this scenario asks");
  s.add_int("seed", 1, 0, 18446744073709551615.0, "random seed; with the replicate index it keys every draw");
  s.add_int("steps", 100, 0, 1e8, "number of steps to simulate");
  s.add_int("replicates", 1, 1, kMaxReplicate + 1.0, "independent replicates (replicate r uses streams keyed by (seed, r))");
  auto& out = s.section("output", "what to record");
  out.add_strings("metrics", {}, "metrics to record (empty: all the model declares)");
  out.add_int("snapshot_every", 0, 0, 1e8, "copy agent columns every n steps (0: never)");
}

Schema scenario_schema(const std::string& model) {
  Schema s;
  declare_engine_schema(s);
  const ModelInfo* info = Registry::instance().find(model);
  if (!info) throw Error("unknown model '" + model + "'");
  info->declare_schema(s);
  return s;
}

void resolve_scenario(Config& config) {
  if (config.root().IsMap() && !config.root()["model"]) {
    // said before anything else: without the model no other key can be judged (every
    // model key would otherwise be reported as unknown)
    std::string all;
    for (const auto& n : Registry::instance().names()) all += (all.empty() ? "" : ", ") + n;
    throw ConfigError(ConfigError::Kind::Missing, SourceLocation{config.source(), 1, 1}, "model",
                      "required key is missing: a scenario starts by naming its model, e.g. `model: organizing` "
                      "(models: " + all + ")");
  }
  if (!config.root().IsMap()) {
    Schema s;
    declare_engine_schema(s);
    config.validate(s);  // reports the wrong shape with the file's location
  }
  const YAML::Node m = config.root()["model"];
  if (!m.IsScalar()) {
    SourceLocation loc = config.location("model");
    if (loc.file != "--set" && m.Mark().line >= 0) loc = SourceLocation{config.source(), m.Mark().line + 1, m.Mark().column + 1};
    throw ConfigError(ConfigError::Kind::WrongType, loc, "model", "expected a model name");
  }
  const std::string name = m.Scalar();
  const ModelInfo* info = Registry::instance().find(name);
  if (!info) {
    const auto names = Registry::instance().names();
    std::string msg = "unknown model '" + name + "'";
    Schema choices;
    for (const auto& n : names) choices.add_string(n, "", "");
    if (auto sug = choices.suggest(name); !sug.empty()) msg += "; did you mean '" + sug + "'?";
    std::string all;
    for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
    msg += " (available: " + all + ")";
    SourceLocation loc = config.location("model");
    if (loc.file != "--set" && m.Mark().line >= 0) loc = SourceLocation{config.source(), m.Mark().line + 1, m.Mark().column + 1};
    throw ConfigError(ConfigError::Kind::OutOfRange, loc, "model", msg);
  }
  if (info->prepare) info->prepare(config);
  config.validate(scenario_schema(name));
}

Config load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  Config c = Config::parse_file(path, overrides);
  resolve_scenario(c);
  return c;
}

Config load_scenario_text(const std::string& text, const std::string& source, const std::vector<std::string>& overrides) {
  Config c = Config::parse_text(text, source, overrides);
  resolve_scenario(c);
  return c;
}

Config load_scenario_text(const std::string& text, const std::string& source, const std::vector<Override>& overrides) {
  Config c = Config::parse_text(text, source, overrides);
  resolve_scenario(c);
  return c;
}

std::string Warning::str() const {
  std::string s = where.str() + ": ";
  if (!key.empty()) s += "key '" + key + "': ";
  return s + message;
}

std::vector<std::string> scenario_warnings(const Config& config) {
  std::vector<std::string> out;
  const ModelInfo* info = Registry::instance().find(config.get_string("model"));
  if (!info || !info->warnings) return out;
  for (const auto& w : info->warnings(config)) out.push_back(w.str());
  return out;
}

}  // namespace tegenmacht
