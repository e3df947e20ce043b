// Scenario configuration: YAML validated against a declared schema.
//
// Every key is declared once, with its type, default, range and one line of
// meaning. Validation fills in defaults, rejects unknown keys (suggesting the
// nearest valid one), wrong types and out-of-range values, and remembers
// where each value came from so that any later error can name
// file:line:column and the key path. The resolved config (defaults filled)
// is what is stored with the results.
//
//   Schema s;
//   s.add_int("steps", 100, 0, 1e7, "number of steps");
//   auto& net = s.section("network", "contact network");
//   net.add_choice("type", "complete", {"complete", "erdos_renyi"}, "generator");
//   Config cfg = Config::parse_file("town.yaml", {"steps=52"});
//   cfg.validate(s);
//   int steps = cfg.get_int("steps");
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tegenmacht/error.hpp"

namespace tegenmacht {

enum class ValueType { Bool, Int, Double, String, Choice, DoubleList, IntList, StringList, Section, List, Any };
const char* to_string(ValueType t);

class Schema;

/// One declared key.
struct KeyDecl {
  std::string name;
  ValueType type = ValueType::Double;
  std::string description;
  std::string unit;
  YAML::Node default_value;  ///< undefined when the key is required or optional
  bool required = false;     ///< must be given
  bool optional = false;     ///< may be absent; then absent in the resolved config
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  ///< the range is (min, max]: min itself is refused
  std::size_t min_size = 0;  ///< lists
  std::size_t max_size = std::numeric_limits<std::size_t>::max();
  std::vector<std::string> choices;  ///< Choice
  std::shared_ptr<Schema> children;  ///< Section: its keys; List: the keys of each item
  bool unique = false;               ///< a key of list items whose values must differ between items (names)
};

/// An ordered set of declared keys (one level of a tree).
class Schema {
 public:
  KeyDecl& add(KeyDecl k);
  KeyDecl& add_bool(const std::string& name, bool def, const std::string& description);
  KeyDecl& add_int(const std::string& name, std::int64_t def, double min, double max, const std::string& description);
  KeyDecl& add_double(const std::string& name, double def, double min, double max, const std::string& description);
  KeyDecl& add_string(const std::string& name, const std::string& def, const std::string& description);
  KeyDecl& add_choice(const std::string& name, const std::string& def, std::vector<std::string> choices,
                      const std::string& description);
  KeyDecl& add_doubles(const std::string& name, std::vector<double> def, double min, double max,
                       const std::string& description);
  KeyDecl& add_strings(const std::string& name, std::vector<std::string> def, const std::string& description);
  /// A nested map of keys; returns the child schema to declare them in.
  Schema& section(const std::string& name, const std::string& description);
  /// A value of any YAML shape, kept as written (with its source marks), for
  /// keys whose meaning depends on another file (e.g. an experiment's `set:`
  /// map of scenario keys, checked against the scenario later).
  KeyDecl& add_any(const std::string& name, const std::string& description);
  /// A list of maps, each validated by the returned item schema. The default
  /// is given as YAML text (e.g. "[]" or a flow/block sequence).
  Schema& list(const std::string& name, const std::string& default_yaml, const std::string& description);

  const KeyDecl* find(const std::string& name) const;
  KeyDecl* find(const std::string& name);
  /// The declaration of a dotted path through sections ("tactics.patience"), or null.
  const KeyDecl* find_path(const std::string& path) const;
  /// Checks one value against a declaration's type and range, as validation
  /// does: "" if it is valid, else why not (e.g. "value 0 is out of range [1, 1000]").
  static std::string check_value(const KeyDecl& decl, double value);
  const std::vector<KeyDecl>& keys() const { return keys_; }
  /// Merges another schema's keys into this one (an existing name is an error).
  void merge(const Schema& other);
  /// The key name closest to `name` (edit distance), or "" if none is close.
  std::string suggest(const std::string& name) const;
  /// Markdown reference table of every key (for docs and `tegenmacht info`).
  std::string reference(const std::string& prefix = "") const;

 private:
  std::vector<KeyDecl> keys_;
};

/// One scenario override: a key path (dotted, list items by index), its value,
/// and where the override was written (for error messages: "--set", or the
/// file, line and column of an experiment file).
struct Override {
  std::string key;
  YAML::Node value;
  SourceLocation where;
  /// "key=value" as the command line takes it (value as flow YAML).
  std::string str() const;
  /// Parses "a.b=value" (value read as YAML). Throws ArgumentError without '='.
  static Override parse(const std::string& assignment, const SourceLocation& where = {"--set", 0, 0});
};

/// A parsed and (after validate()) resolved scenario.
class Config {
 public:
  /// Reads a YAML file. Throws IoError if it cannot be read, ConfigError on a
  /// syntax error. Each override is "a.b=value" (value parsed as YAML).
  static Config parse_file(const std::string& path, const std::vector<std::string>& overrides = {});
  /// Parses YAML text; `source` names it in messages (e.g. "<dict>").
  static Config parse_text(const std::string& text, const std::string& source,
                           const std::vector<std::string>& overrides = {});
  /// The same with overrides that carry their own source locations.
  static Config parse_text(const std::string& text, const std::string& source, const std::vector<Override>& overrides);

  /// Checks every key against the schema and fills in defaults. Throws ConfigError.
  void validate(const Schema& schema);
  bool validated() const noexcept { return validated_; }

  /// Applies "a.b=value" (before validation). Throws ArgumentError without '='.
  void apply_override(const std::string& assignment);
  /// Applies an override whose errors are reported at `o.where`.
  void apply_override(const Override& o);
  /// Before validation: sets `path` to `value` unless the scenario gives it;
  /// `origin` names where the value came from in messages (e.g. a preset).
  void set_default(const std::string& path, const YAML::Node& value, const std::string& origin);

  bool has(const std::string& path) const;
  YAML::Node node(const std::string& path) const;
  bool get_bool(const std::string& path) const;
  std::int64_t get_int(const std::string& path) const;
  double get_double(const std::string& path) const;
  std::string get_string(const std::string& path) const;
  std::vector<double> get_doubles(const std::string& path) const;
  std::vector<std::int64_t> get_ints(const std::string& path) const;
  std::vector<std::string> get_strings(const std::string& path) const;
  /// Number of items of a list key.
  std::size_t size(const std::string& path) const;

  /// Where the value at `path` came from (nearest known ancestor otherwise).
  SourceLocation location(const std::string& path) const;
  /// Throws ConfigError(Invalid) at the value's location: for checks that
  /// span keys (e.g. shares that must sum to 1).
  [[noreturn]] void fail(const std::string& path, const std::string& message) const;

  const YAML::Node& root() const noexcept { return root_; }
  const std::string& source() const noexcept { return source_; }
  /// The config as YAML text (the resolved config after validate()).
  std::string to_yaml() const;

 private:
  Config() = default;
  /// Sets `key` (list items by index or by their `name`); returns the key with indices.
  std::string assign(const std::string& key, const YAML::Node& value);
  YAML::Node root_;
  std::string source_;
  std::map<std::string, SourceLocation> locations_;
  bool validated_ = false;
};

/// The text of a scenario or experiment file. Throws IoError if it cannot be
/// read, is a folder, or is larger than 16 MiB (e.g. /dev/zero): `what`
/// names the kind of file in the message ("scenario file").
std::string read_text_file(const std::string& path, const std::string& what);

/// Shortest text that reads back as the same double.
std::string format_double(double v);
/// The key of `keys` the user probably meant by `key` ("" if none is close): the
/// full key of a key given without its section, else the nearest by spelling.
std::string suggest_key(const std::string& key, const std::vector<std::string>& keys);

}  // namespace tegenmacht
