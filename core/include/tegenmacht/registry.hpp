// Models registered by name, and loading a scenario against the schema of
// the model it names.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tegenmacht/config.hpp"
#include "tegenmacht/model.hpp"

namespace tegenmacht {

/// Something in a valid scenario that probably does not do what its author
/// meant: an event after the last week, a cut on an institution that pays no
/// one, a neighbourhood far smaller than the rest. Shown on stderr, stored in
/// the results file (attribute `warnings`) and in the report.
struct Warning {
  SourceLocation where;
  std::string key;
  std::string message;
  /// "file:line:column: key 'k': message", as an error reads.
  std::string str() const;
};

struct ModelInfo {
  std::string name;
  std::string description;
  std::function<void(Schema&)> declare_schema;  ///< adds the model's keys
  std::function<std::unique_ptr<Model>()> create;
  /// Optional: fills keys before validation (e.g. a strategy preset's values
  /// for keys the scenario does not set itself), so that the resolved config
  /// shows every value in effect.
  std::function<void(Config&)> prepare = nullptr;
  /// Optional: the metrics an experiment reports (final value) when its file
  /// names no `outcomes`; empty means every scalar metric the model records.
  std::vector<std::string> default_outcomes = {};
  /// Optional: metrics of which less is better (hardship, sanctions, ...);
  /// outcomes of these metrics count as better when lower unless an
  /// experiment file says `better:` itself. Every other metric: higher.
  std::vector<std::string> lower_is_better = {};
  /// Optional: the peak bytes one replicate's model takes to build and hold
  /// (agent columns, network, tables), estimated from the validated scenario
  /// before anything is allocated. A run whose estimate does not fit in the
  /// memory the process may use is refused up front with the estimate, rather
  /// than ending in bad_alloc or the system's out-of-memory killer.
  std::function<double(const Config&)> memory_estimate = nullptr;
  /// Optional: warnings about a validated scenario of this model (see Warning).
  std::function<std::vector<Warning>(const Config&)> warnings = nullptr;
};

class Registry {
 public:
  static Registry& instance();
  /// Registers a model; registering the same name twice replaces it.
  void add(ModelInfo info);
  const ModelInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<ModelInfo> models_;
};

/// Keys every scenario has: model, seed, steps, replicates, output, description.
void declare_engine_schema(Schema& schema);
/// Engine keys plus the keys of the named model. Throws ConfigError if unknown.
Schema scenario_schema(const std::string& model);

/// Parses, applies overrides, and validates a scenario file against the
/// schema of the model it names.
Config load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
/// The same for YAML text; `source` names it in error messages.
Config load_scenario_text(const std::string& text, const std::string& source,
                          const std::vector<std::string>& overrides = {});
/// The same with overrides that carry their own source locations.
Config load_scenario_text(const std::string& text, const std::string& source, const std::vector<Override>& overrides);
/// Validates an already-parsed config against the model it names.
void resolve_scenario(Config& config);
/// The warnings about a validated scenario (ModelInfo::warnings), as text.
std::vector<std::string> scenario_warnings(const Config& config);

}  // namespace tegenmacht
