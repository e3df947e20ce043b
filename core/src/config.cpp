#include "tegenmacht/config.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/depthguard.h>

namespace tegenmacht {

const char* to_string(ValueType t) {
  switch (t) {
    case ValueType::Bool: return "bool";
    case ValueType::Int: return "int";
    case ValueType::Double: return "number";
    case ValueType::String: return "string";
    case ValueType::Choice: return "choice";
    case ValueType::DoubleList: return "list of numbers";
    case ValueType::IntList: return "list of ints";
    case ValueType::StringList: return "list of strings";
    case ValueType::Section: return "section";
    case ValueType::List: return "list of maps";
    case ValueType::Any: return "any";
  }
  return "?";
}

std::string format_double(double v) {
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  return s;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  return best_d <= limit ? best : std::string();
}

}  // namespace

std::string suggest_key(const std::string& key, const std::vector<std::string>& keys) {
  // a key without its section ('funding_recovery' for 'response.funding_recovery')
  for (const auto& k : keys)
    if (k.size() > key.size() && k.compare(k.size() - key.size(), key.size(), key) == 0 &&
        k[k.size() - key.size() - 1] == '.')
      return k;
  if (auto c = closest(key, keys); !c.empty()) return c;
  // a mistyped last part under the right section
  std::vector<std::string> tails;
  for (const auto& k : keys) tails.push_back(k.substr(k.rfind('.') + 1));
  const std::string tail = key.substr(key.rfind('.') + 1);
  if (auto c = closest(tail, tails); !c.empty())
    for (const auto& k : keys)
      if (k.size() >= c.size() && k.compare(k.size() - c.size(), c.size(), c) == 0) return k;
  return "";
}

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '.' || c == '[' || c == ']') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool parse_index(const std::string& s, std::size_t& idx) {
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), idx);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

// The item of a list of maps whose `name` is `name`; false if there is none.
bool item_named(const YAML::Node& list, const std::string& name, std::size_t& idx) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    if (item.IsMap() && item["name"] && item["name"].IsScalar() && item["name"].Scalar() == name) {
      idx = i;
      return true;
    }
  }
  return false;
}

std::vector<std::string> item_names(const YAML::Node& list) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    if (item.IsMap() && item["name"] && item["name"].IsScalar()) names.push_back(item["name"].Scalar());
  }
  return names;
}

std::string scalar_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  return "nothing";
}

std::string range_text(const KeyDecl& d) {
  auto b = [&](double v) {
    // the top of the 64-bit integers is shown as it is written
    if (d.type == ValueType::Int && v >= 18446744073709551615.0) return std::string("18446744073709551615");
    return format_double(v);
  };
  if (std::isinf(d.min) && std::isinf(d.max)) return "";
  if (std::isinf(d.max)) return (d.min_exclusive ? "> " : ">= ") + b(d.min);
  if (std::isinf(d.min)) return "<= " + b(d.max);
  return (d.min_exclusive ? "(" : "[") + b(d.min) + ", " + b(d.max) + "]";
}

YAML::Node scalar_node(const std::string& s) {
  YAML::Node n;
  n = s;
  return n;
}

KeyDecl make_decl(const std::string& name, ValueType type, const std::string& description) {
  KeyDecl k;
  k.name = name;
  k.type = type;
  k.description = description;
  return k;
}

}  // namespace

// ---------------------------------------------------------------- Schema

KeyDecl& Schema::add(KeyDecl k) {
  if (find(k.name)) throw Error("schema: key '" + k.name + "' declared twice");
  keys_.push_back(std::move(k));
  return keys_.back();
}

KeyDecl& Schema::add_bool(const std::string& name, bool def, const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::Bool, description);
  k.default_value = scalar_node(def ? "true" : "false");
  return add(std::move(k));
}

KeyDecl& Schema::add_int(const std::string& name, std::int64_t def, double min, double max,
                         const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::Int, description);
  k.default_value = scalar_node(std::to_string(def));
  k.min = min;
  k.max = max;
  return add(std::move(k));
}

KeyDecl& Schema::add_double(const std::string& name, double def, double min, double max,
                            const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::Double, description);
  k.default_value = scalar_node(format_double(def));
  k.min = min;
  k.max = max;
  return add(std::move(k));
}

KeyDecl& Schema::add_string(const std::string& name, const std::string& def, const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::String, description);
  k.default_value = scalar_node(def);
  return add(std::move(k));
}

KeyDecl& Schema::add_choice(const std::string& name, const std::string& def, std::vector<std::string> choices,
                            const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::Choice, description);
  k.default_value = scalar_node(def);
  k.choices = std::move(choices);
  return add(std::move(k));
}

KeyDecl& Schema::add_doubles(const std::string& name, std::vector<double> def, double min, double max,
                             const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::DoubleList, description);
  YAML::Node seq(YAML::NodeType::Sequence);
  for (double v : def) seq.push_back(scalar_node(format_double(v)));
  k.default_value = seq;
  k.min = min;
  k.max = max;
  return add(std::move(k));
}

KeyDecl& Schema::add_strings(const std::string& name, std::vector<std::string> def, const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::StringList, description);
  YAML::Node seq(YAML::NodeType::Sequence);
  for (const auto& v : def) seq.push_back(scalar_node(v));
  k.default_value = seq;
  return add(std::move(k));
}

Schema& Schema::section(const std::string& name, const std::string& description) {
  if (KeyDecl* existing = find(name); existing && existing->type == ValueType::Section) return *existing->children;
  KeyDecl k = make_decl(name, ValueType::Section, description);
  k.children = std::make_shared<Schema>();
  k.default_value = YAML::Node(YAML::NodeType::Map);
  return *add(std::move(k)).children;
}

KeyDecl& Schema::add_any(const std::string& name, const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::Any, description);
  k.optional = true;
  return add(std::move(k));
}

Schema& Schema::list(const std::string& name, const std::string& default_yaml, const std::string& description) {
  KeyDecl k = make_decl(name, ValueType::List, description);
  k.children = std::make_shared<Schema>();
  k.default_value = YAML::Load(default_yaml);
  return *add(std::move(k)).children;
}

const KeyDecl* Schema::find(const std::string& name) const {
  for (const auto& k : keys_)
    if (k.name == name) return &k;
  return nullptr;
}

KeyDecl* Schema::find(const std::string& name) {
  for (auto& k : keys_)
    if (k.name == name) return &k;
  return nullptr;
}

const KeyDecl* Schema::find_path(const std::string& path) const {
  const Schema* cur = this;
  const auto segs = split_path(path);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const KeyDecl* d = cur->find(segs[i]);
    if (!d) return nullptr;
    if (i + 1 == segs.size()) return d;
    if (d->type != ValueType::Section || !d->children) return nullptr;
    cur = d->children.get();
  }
  return nullptr;
}

std::string Schema::check_value(const KeyDecl& d, double x) {
  if (std::isnan(x)) return "expected a number, got NaN";
  const bool integer = d.type == ValueType::Int || d.type == ValueType::IntList;
  if (integer && (x != std::floor(x) || std::isinf(x))) return "expected an integer, got " + format_double(x);
  if (x < d.min || x > d.max || (d.min_exclusive && x == d.min))
    return "value " + format_double(x) + " is out of range " + range_text(d);
  return "";
}

void Schema::merge(const Schema& other) {
  for (const auto& k : other.keys_) add(k);
}

std::string Schema::suggest(const std::string& name) const {
  std::vector<std::string> names;
  for (const auto& k : keys_) names.push_back(k.name);
  return closest(name, names);
}

std::string Schema::reference(const std::string& prefix) const {
  std::ostringstream os;
  if (prefix.empty()) os << "| key | type | default | range | meaning |\n|---|---|---|---|---|\n";
  for (const auto& k : keys_) {
    const std::string path = prefix.empty() ? k.name : prefix + "." + k.name;
    if (k.type == ValueType::Section) {
      os << k.children->reference(path);
      continue;
    }
    std::string def;
    if (k.required) {
      def = "(required)";
    } else if (k.optional) {
      def = "(optional)";
    } else if (k.type == ValueType::List) {
      def = k.default_value.size() ? "see scenario" : "[]";
    } else if (k.default_value.IsSequence()) {
      std::vector<std::string> items;
      for (const auto& v : k.default_value) items.push_back(v.Scalar());
      def = "[" + join(items) + "]";
    } else if (k.default_value.IsScalar()) {
      def = k.default_value.Scalar();
    }
    std::string range = k.type == ValueType::Choice ? join(k.choices, " \\| ") : range_text(k);
    os << "| `" << path << "` | " << to_string(k.type) << " | " << def << " | " << range << " | " << k.description
       << (k.unit.empty() ? "" : " [" + k.unit + "]") << " |\n";
    if (k.type == ValueType::List) os << k.children->reference(path + "[]");
  }
  return os.str();
}

// ---------------------------------------------------------------- Config

namespace {

SourceLocation mark_location(const std::string& file, const YAML::Mark& m) {
  SourceLocation loc{file, 0, 0};
  if (m.line >= 0) {
    loc.line = m.line + 1;
    loc.column = m.column + 1;
  }
  return loc;
}

struct Validator {
  const std::string& source;
  std::map<std::string, SourceLocation>& locations;

  SourceLocation where(const std::string& path, const YAML::Node& n) {
    // an override (or its ancestor) wins over the node's own mark
    for (std::string p = path;;) {
      auto it = locations.find(p);
      if (it != locations.end() && it->second.file != source) return it->second;
      const auto dot = p.find_last_of('.');
      if (dot == std::string::npos) break;
      p.resize(dot);
    }
    return mark_location(source, n.Mark());
  }

  [[noreturn]] void fail(ConfigError::Kind kind, const SourceLocation& loc, const std::string& path,
                         const std::string& msg) {
    throw ConfigError(kind, loc, path, msg);
  }

  YAML::Node map(const YAML::Node& raw, const Schema& schema, const std::string& prefix, const SourceLocation& loc) {
    YAML::Node out(YAML::NodeType::Map);
    if (raw.IsDefined() && !raw.IsNull() && !raw.IsMap())
      fail(ConfigError::Kind::WrongType, loc, prefix, "expected a map of keys, got " + scalar_text(raw));
    if (raw.IsMap()) {
      for (const auto& kv : raw) {
        const std::string name = kv.first.Scalar();
        if (!schema.find(name)) {
          const std::string path = prefix.empty() ? name : prefix + "." + name;
          std::string msg = "unknown key";
          if (auto s = schema.suggest(name); !s.empty()) msg += "; did you mean '" + s + "'?";
          else {
            std::vector<std::string> names;
            for (const auto& k : schema.keys()) names.push_back(k.name);
            msg += " (valid keys here: " + join(names) + ")";
          }
          fail(ConfigError::Kind::UnknownKey, where(path, kv.first), path, msg);
        }
      }
    }
    for (const auto& decl : schema.keys()) {
      const std::string path = prefix.empty() ? decl.name : prefix + "." + decl.name;
      const YAML::Node v = raw.IsMap() ? raw[decl.name] : YAML::Node(YAML::NodeType::Undefined);
      if (v.IsDefined() && v.IsNull()) {
        // `steps:` with nothing after it: a slip, not a request for the default
        SourceLocation kloc = where(path, v);
        for (const auto& kv : raw)
          if (kv.first.Scalar() == decl.name && kloc.file == source) kloc = mark_location(source, kv.first.Mark());
        std::string def;
        if (decl.default_value.IsScalar()) def = " (" + decl.default_value.Scalar() + ")";
        fail(ConfigError::Kind::WrongType, kloc, path,
             "has no value; write one, or remove the key to use the default" + def);
      }
      if (!v.IsDefined()) {
        if (decl.required) fail(ConfigError::Kind::Missing, loc, path, "required key is missing");
        if (decl.optional) continue;
        locations.emplace(path, SourceLocation{"<default>", 0, 0});
        try {
          out[decl.name] = value(YAML::Clone(decl.default_value), decl, path, SourceLocation{"<default>", 0, 0});
        } catch (const ConfigError& e) {
          // a default that does not fit here (an empty list where items are needed):
          // the key is missing from the map the user wrote, so say so there
          if (e.where().file != "<default>") throw;
          std::string why = e.what();
          const std::string head = "key '" + path + "': ";
          if (const auto at = why.find(head); at != std::string::npos) why = why.substr(at + head.size());
          fail(ConfigError::Kind::Missing, loc, path, "is missing, and its default does not fit here (" + why + ")");
        }
      } else {
        const SourceLocation vloc = where(path, v);
        locations[path] = vloc;
        out[decl.name] = value(v, decl, path, vloc);
      }
    }
    return out;
  }

  // "12.000", "1.250.000": digits grouped by three with dots
  static bool looks_grouped(const std::string& t) {
    const auto dot = t.find('.');
    if (dot == std::string::npos || dot == 0 || dot > 3) return false;
    for (std::size_t i = 0; i < dot; ++i)
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    std::size_t i = dot;
    while (i < t.size()) {
      if (t[i] != '.' || i + 4 > t.size()) return false;
      for (std::size_t k = 1; k <= 3; ++k)
        if (!std::isdigit(static_cast<unsigned char>(t[i + k]))) return false;
      i += 4;
    }
    return true;
  }
  static std::string ungrouped(const std::string& t) {
    std::string out;
    for (char ch : t)
      if (ch != '.') out += ch;
    return out;
  }

  double number(const YAML::Node& v, const KeyDecl& d, const std::string& path, const SourceLocation& loc,
                bool integer) {
    if (!v.IsScalar())
      fail(ConfigError::Kind::WrongType, loc, path,
           std::string("expected ") + (integer ? "an integer" : "a number") + ", got " + scalar_text(v));
    double x = 0;
    try {
      x = v.as<double>();
    } catch (const YAML::Exception&) {
      fail(ConfigError::Kind::WrongType, loc, path,
           std::string("expected ") + (integer ? "an integer" : "a number") + ", got '" + v.Scalar() + "'");
    }
    if (std::isnan(x)) fail(ConfigError::Kind::WrongType, loc, path, "expected a number, got NaN");
    if (integer && (x != std::floor(x) || std::isinf(x)))
      fail(ConfigError::Kind::WrongType, loc, path, "expected an integer, got '" + v.Scalar() + "'");
    if (integer && looks_grouped(v.Scalar()))  // 12.000 reads as 12: a Dutch or German thousands separator
      fail(ConfigError::Kind::WrongType, loc, path,
           "'" + v.Scalar() + "' looks like a number with a thousands separator; write whole numbers without one (" +
               ungrouped(v.Scalar()) + ", or " + format_double(x) + " if that is what you mean)");
    if (x < d.min || x > d.max || (d.min_exclusive && x == d.min))
      fail(ConfigError::Kind::OutOfRange, loc, path,
           "value " + v.Scalar() + " is out of range " + range_text(d));
    return x;
  }

  YAML::Node value(const YAML::Node& v, const KeyDecl& d, const std::string& path, const SourceLocation& loc) {
    switch (d.type) {
      case ValueType::Bool: {
        bool b = false;
        if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b))
          fail(ConfigError::Kind::WrongType, loc, path, "expected true or false, got '" + scalar_text(v) + "'");
        return scalar_node(b ? "true" : "false");
      }
      case ValueType::Int: {
        // an integer written as digits is read exactly (a seed is a 64-bit integer, and
        // 2^53 + 1 must not become 2^53 on its way through a double)
        if (v.IsScalar()) {
          const std::string& t = v.Scalar();
          std::uint64_t u = 0;
          std::int64_t i = 0;
          const bool neg = !t.empty() && t[0] == '-';
          const char* first = t.data() + (!neg && !t.empty() && t[0] == '+' ? 1 : 0);
          const char* last = t.data() + t.size();
          const bool exact = !t.empty() && (neg ? std::from_chars(first, last, i).ptr == last &&
                                                      std::from_chars(first, last, i).ec == std::errc()
                                                : std::from_chars(first, last, u).ptr == last &&
                                                      std::from_chars(first, last, u).ec == std::errc());
          if (exact) {
            const long double x = neg ? static_cast<long double>(i) : static_cast<long double>(u);
            if (x < static_cast<long double>(d.min) || x > static_cast<long double>(d.max) ||
                (d.min_exclusive && x == static_cast<long double>(d.min)))
              fail(ConfigError::Kind::OutOfRange, loc, path, "value " + t + " is out of range " + range_text(d));
            return scalar_node(neg ? std::to_string(i) : std::to_string(u));
          }
          if (!neg && t.find_first_not_of("+0123456789") == std::string::npos)  // digits past 2^64 - 1
            fail(ConfigError::Kind::OutOfRange, loc, path, "value " + t + " is out of range " + range_text(d));
        }
        const double x = number(v, d, path, loc, true);
        return scalar_node(std::to_string(static_cast<long long>(x)));
      }
      case ValueType::Double: return scalar_node(format_double(number(v, d, path, loc, false)));
      case ValueType::String:
        if (!v.IsScalar()) fail(ConfigError::Kind::WrongType, loc, path, "expected a string, got " + scalar_text(v));
        return scalar_node(v.Scalar());
      case ValueType::Choice: {
        if (!v.IsScalar()) fail(ConfigError::Kind::WrongType, loc, path, "expected a string, got " + scalar_text(v));
        const std::string s = v.Scalar();
        if (std::find(d.choices.begin(), d.choices.end(), s) == d.choices.end()) {
          std::string msg = "'" + s + "' is not one of " + join(d.choices);
          if (auto c = closest(s, d.choices); !c.empty()) msg += "; did you mean '" + c + "'?";
          fail(ConfigError::Kind::OutOfRange, loc, path, msg);
        }
        return scalar_node(s);
      }
      case ValueType::DoubleList:
      case ValueType::IntList:
      case ValueType::StringList:
      case ValueType::List: {
        if (!v.IsSequence()) fail(ConfigError::Kind::WrongType, loc, path, std::string("expected a ") + to_string(d.type) + ", got " + scalar_text(v));
        if (v.size() < d.min_size || v.size() > d.max_size) {
          std::string want = d.min_size == d.max_size ? std::to_string(d.min_size)
                                                      : "between " + std::to_string(d.min_size) + " and " +
                                                            (d.max_size == std::numeric_limits<std::size_t>::max()
                                                                 ? std::string("any number of")
                                                                 : std::to_string(d.max_size));
          fail(ConfigError::Kind::OutOfRange, loc, path,
               "expected " + want + " items, got " + std::to_string(v.size()));
        }
        YAML::Node out(YAML::NodeType::Sequence);
        for (std::size_t i = 0; i < v.size(); ++i) {
          const std::string ip = path + "." + std::to_string(i);
          const YAML::Node item = v[i];
          const SourceLocation iloc = loc.file == "--set" || loc.file == "<default>" ? loc : where(ip, item);
          locations[ip] = iloc;
          if (d.type == ValueType::List) {
            out.push_back(map(item, *d.children, ip, iloc));
            for (const auto& k : d.children->keys()) {  // e.g. two groups with the same name
              if (!k.unique || !out[i][k.name] || !out[i][k.name].IsScalar()) continue;
              if (k.name == "name") {  // item names become parts of keys and metric names
                const std::string n = out[i][k.name].Scalar();
                bool ok = !n.empty() && !std::isdigit(static_cast<unsigned char>(n[0]));
                for (unsigned char ch : n) ok = ok && (std::isalnum(ch) || ch == '_');
                if (!ok) {
                  std::string fixed;
                  for (unsigned char ch : n) fixed += std::isalnum(ch) ? static_cast<char>(ch) : '_';
                  if (fixed.empty() || std::isdigit(static_cast<unsigned char>(fixed[0]))) fixed = "_" + fixed;
                  fail(ConfigError::Kind::Invalid, locations[ip + "." + k.name], ip + "." + k.name,
                       "'" + n + "' cannot be a name: use letters, digits and _ (not starting with a digit), e.g. '" +
                           fixed + "'; names become parts of keys (" + path + "." + fixed +
                           ".…) and of metric names");
                }
              }
              for (std::size_t j = 0; j < i; ++j)
                if (out[j][k.name] && out[j][k.name].Scalar() == out[i][k.name].Scalar())
                  fail(ConfigError::Kind::Invalid, locations[ip + "." + k.name], ip + "." + k.name,
                       "'" + out[i][k.name].Scalar() + "' is already the " + k.name + " of item " + std::to_string(j) +
                           " (names must differ)");
            }
          } else if (d.type == ValueType::StringList) {
            if (!item.IsScalar()) fail(ConfigError::Kind::WrongType, iloc, ip, "expected a string, got " + scalar_text(item));
            out.push_back(scalar_node(item.Scalar()));
          } else if (d.type == ValueType::IntList) {
            out.push_back(scalar_node(std::to_string(static_cast<long long>(number(item, d, ip, iloc, true)))));
          } else {
            out.push_back(scalar_node(format_double(number(item, d, ip, iloc, false))));
          }
        }
        return out;
      }
      case ValueType::Section: return map(v, *d.children, path, loc);
      case ValueType::Any: return v;
    }
    return v;
  }
};

YAML::Node find_node(const YAML::Node& root, const std::string& path) {
  YAML::Node cur;
  cur.reset(root);
  for (const auto& seg : split_path(path)) {
    std::size_t idx = 0;
    if (cur.IsSequence() && (parse_index(seg, idx) || item_named(cur, seg, idx))) {
      if (idx >= cur.size()) return YAML::Node(YAML::NodeType::Undefined);
      YAML::Node next = cur[idx];
      cur.reset(next);
    } else if (cur.IsMap()) {
      const YAML::Node& ccur = cur;
      YAML::Node next = ccur[seg];
      if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
      cur.reset(next);
    } else {
      return YAML::Node(YAML::NodeType::Undefined);
    }
  }
  return cur;
}

void emit(YAML::Emitter& out, const YAML::Node& n) {
  if (n.IsMap()) {
    out << YAML::BeginMap;
    for (const auto& kv : n) {
      out << YAML::Key << kv.first.Scalar() << YAML::Value;
      emit(out, kv.second);
    }
    out << YAML::EndMap;
  } else if (n.IsSequence()) {
    bool scalars = true;
    for (const auto& item : n) scalars &= item.IsScalar();
    out << (scalars ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
    for (const auto& item : n) emit(out, item);
    out << YAML::EndSeq;
  } else if (n.IsScalar()) {
    out << n.Scalar();
  } else {
    out << YAML::Null;
  }
}

}  // namespace

namespace {
/// Throws a syntax error at the first byte that is not valid UTF-8 (YAML text
/// must be; results files store it as UTF-8 strings) or is a control character
/// YAML does not allow (NUL, escape, ...).
void check_text(const std::string& text, const std::string& source) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= text.size() && !(n == 2 && c < 0xC2);
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      throw ConfigError(ConfigError::Kind::Syntax, SourceLocation{source, line, column}, "",
                        std::string("not valid UTF-8 (byte ") + hex + "); save the file as UTF-8");
    }
    if (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))
      throw ConfigError(ConfigError::Kind::Syntax, SourceLocation{source, line, column}, "",
                        "a carriage return without a line feed (old Mac line endings): save the file with "
                        "Unix (LF) or Windows (CRLF) line endings");
    // YAML allows tab, line feed and carriage return among the control characters, no other
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      throw ConfigError(ConfigError::Kind::Syntax, SourceLocation{source, line, column}, "",
                        std::string("a control character (byte ") + hex + (c == 0 ? ", NUL" : "") +
                            ") where only text may stand: is this a text file?");
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
}
}  // namespace

namespace {
/// Refuses a second YAML document: content after a `---` or `...` line at
/// column 0 that follows content of the first document.
void check_one_document(const std::string& text, const std::string& source) {
  bool content = false, ended = false;
  int line = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string l = text.substr(start, end - start);
    ++line;
    start = end + 1;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    const bool marker = l.rfind("---", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t');
    const bool end_marker = l.rfind("...", 0) == 0 && (l.size() == 3 || l[3] == ' ' || l[3] == '\t');
    const auto first = l.find_first_not_of(" \t");
    const bool blank = first == std::string::npos || l[first] == '#';
    if (marker || end_marker) {
      if (content) ended = true;
      // `--- value` starts a document on the marker's own line
      const auto rest = marker ? l.find_first_not_of(" \t", 3) : std::string::npos;
      if (rest != std::string::npos && l[rest] != '#') {
        if (ended) throw ConfigError(ConfigError::Kind::Syntax, SourceLocation{source, line, 1}, "",
                                     "a second YAML document (after ---): a scenario is one document; remove the --- line");
        content = true;
      }
      continue;
    }
    if (blank || (!content && l[0] == '%')) continue;  // comments; directives (%YAML) before the first ---
    if (ended)
      throw ConfigError(ConfigError::Kind::Syntax, SourceLocation{source, line, static_cast<int>(first) + 1}, "",
                        "a second YAML document (after ---): a scenario is one document; remove the --- line");
    content = true;
  }
}

/// Deeper than any scenario or experiment file needs (the deepest key, a value list
/// of a factor of an experiment's design, is six levels down).
constexpr int kMaxDepth = 32;

/// Refuses nesting deeper than kMaxDepth at the first node beyond it, before anything
/// walks the tree recursively.
void check_depth(const YAML::Node& n, const std::string& source, int depth) {
  if (!n.IsMap() && !n.IsSequence()) return;
  if (depth >= kMaxDepth)
    throw ConfigError(ConfigError::Kind::Syntax, mark_location(source, n.Mark()), "",
                      "nested more than " + std::to_string(kMaxDepth) + " levels deep (no key needs more than " +
                          std::to_string(kMaxDepth) + "; is a bracket left open?)");
  if (n.IsMap())
    for (const auto& kv : n) check_depth(kv.second, source, depth + 1);
  else
    for (const auto& item : n) check_depth(item, source, depth + 1);
}

/// yaml-cpp keeps the first of two equal keys and drops the second without a
/// word; a key given twice is almost always a slip, so it is an error.
void check_duplicate_keys(const YAML::Node& n, const std::string& source, const std::string& path) {
  if (n.IsMap()) {
    std::map<std::string, int> seen;
    for (const auto& kv : n) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      const std::string p = path.empty() ? key : path + "." + key;
      const auto [it, fresh] = seen.emplace(key, kv.first.Mark().line + 1);
      if (!fresh)
        throw ConfigError(ConfigError::Kind::Syntax, mark_location(source, kv.first.Mark()), p,
                          "given twice (first on line " + std::to_string(it->second) + ")");
      check_duplicate_keys(kv.second, source, p);
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i)
      check_duplicate_keys(n[i], source, path + (path.empty() ? "" : ".") + std::to_string(i));
  }
}
}  // namespace

Config Config::parse_text(const std::string& text, const std::string& source, const std::vector<std::string>& overrides) {
  check_text(text, source);
  Config c;
  c.source_ = source;
  try {
    // one document: a second (after ---) would be dropped without a word. Found in the
    // text, not with YAML::LoadAll, which in yaml-cpp 0.7 never returns on some inputs
    // (a stray ',' at the start of a line: it allocates until memory runs out)
    check_one_document(text, source);
    c.root_ = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigError(ConfigError::Kind::Syntax, mark_location(source, e.mark), "",
                      "nested more than " + std::to_string(kMaxDepth) + " levels deep (no key needs more than " +
                          std::to_string(kMaxDepth) + "; is a bracket left open?)");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(ConfigError::Kind::Syntax, mark_location(source, e.mark), "", "YAML syntax error: " + e.msg);
  }
  if (c.root_.IsNull() || !c.root_.IsDefined()) c.root_ = YAML::Node(YAML::NodeType::Map);
  check_depth(c.root_, source, 0);
  check_duplicate_keys(c.root_, source, "");
  if (!c.root_.IsMap())
    throw ConfigError(ConfigError::Kind::WrongType, mark_location(source, c.root_.Mark()), "",
                      "a scenario must be a map of keys, got " + scalar_text(c.root_));
  for (const auto& o : overrides) c.apply_override(o);
  return c;
}

Config Config::parse_text(const std::string& text, const std::string& source, const std::vector<Override>& overrides) {
  Config c = parse_text(text, source, std::vector<std::string>{});
  for (const auto& o : overrides) c.apply_override(o);
  return c;
}

std::string read_text_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw IoError(path, "is a folder, not a " + what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path, "cannot open " + what + " (does it exist and is it readable?)");
  constexpr std::size_t kMax = std::size_t{16} << 20;
  std::string text(kMax + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMax) throw IoError(path, "is larger than 16 MiB: not a valid " + what);
  return text;
}

Config Config::parse_file(const std::string& path, const std::vector<std::string>& overrides) {
  return parse_text(read_text_file(path, "scenario file"), path, overrides);
}

Override Override::parse(const std::string& assignment, const SourceLocation& where) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ArgumentError("--set", "expected key=value, got '" + assignment + "'");
  Override o;
  o.key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  if (text.find_first_not_of(" \t") == std::string::npos)
    throw ArgumentError("--set", "key '" + o.key + "': has no value; write " + o.key + "=VALUE");
  try {
    o.value = YAML::Load(text);
  } catch (const YAML::Exception&) {
    o.value = scalar_node(text);
  }
  if (!o.value.IsDefined() || o.value.IsNull()) o.value = scalar_node(text);
  try {
    check_depth(o.value, "--set", 1);
  } catch (const ConfigError&) {
    throw ArgumentError("--set", "key '" + o.key + "': the value is nested more than " + std::to_string(kMaxDepth) +
                                     " levels deep (is a bracket left open?)");
  }
  o.where = where;
  return o;
}

std::string Override::str() const {
  YAML::Emitter out;
  out << YAML::Flow;
  emit(out, value);
  return key + "=" + out.c_str();
}

void Config::apply_override(const std::string& assignment) { apply_override(Override::parse(assignment)); }

void Config::apply_override(const Override& o) {
  std::string resolved;
  try {
    resolved = assign(o.key, YAML::Clone(o.value));
  } catch (const ArgumentError& e) {
    if (o.where.file == "--set") throw;
    // an override written in a file (an experiment's factor or set:): name its line
    const std::string what = e.what();
    const std::string msg = what.size() > e.argument().size() + 2 ? what.substr(e.argument().size() + 2) : what;
    throw ConfigError(ConfigError::Kind::Invalid, o.where, o.key, msg);
  }
  locations_[resolved] = o.where;  // by index, as the model reads it
}

void Config::set_default(const std::string& path, const YAML::Node& value, const std::string& origin) {
  if (has(path)) return;
  assign(path, YAML::Clone(value));
  locations_[path] = SourceLocation{origin, 0, 0};
}

std::string Config::assign(const std::string& key, const YAML::Node& value) {
  const auto segs = split_path(key);
  if (segs.empty()) throw ArgumentError("--set", "expected key=value, got '" + key + "'");
  YAML::Node cur;
  cur.reset(root_);
  std::string path;
  for (std::size_t s = 0; s < segs.size(); ++s) {
    const std::string& seg = segs[s];
    const bool last = s + 1 == segs.size();
    std::size_t idx = 0;
    if (cur.IsSequence()) {
      // an item by its number (from 0) or by its `name`
      if (!parse_index(seg, idx) && !item_named(cur, seg, idx)) {
        const auto names = item_names(cur);
        std::string msg = "'" + seg + "' is not an item of '" + path + "' (" +
                          (cur.size() == 0 ? std::string("the list is empty")
                                           : "items are numbered from 0 to " + std::to_string(cur.size() - 1));
        if (!names.empty()) msg += ", or named: " + join(names, ", ");
        msg += ")";
        if (auto c = closest(seg, names); !c.empty()) msg += "; did you mean '" + c + "'?";
        throw ArgumentError("--set " + key, msg);
      }
      if (idx >= cur.size())
        throw ArgumentError("--set " + key, "'" + seg + "' is not an item of '" + path + "' (it has " +
                                                std::to_string(cur.size()) + " items, numbered from 0)");
      path += (path.empty() ? "" : ".") + std::to_string(idx);
      if (last) {
        cur[idx] = value;
      } else {
        YAML::Node next = cur[idx];
        cur.reset(next);
      }
    } else {
      path += (path.empty() ? "" : ".") + seg;
      if (!cur.IsMap()) {
        if (cur.IsScalar())
          throw ArgumentError("--set " + key, "'" + path.substr(0, path.rfind('.')) + "' is a value, not a section");
        cur = YAML::Node(YAML::NodeType::Map);
      }
      if (last) {
        cur[seg] = value;
      } else {
        std::size_t ignored = 0;
        if ((!cur[seg] || cur[seg].IsNull()) && parse_index(segs[s + 1], ignored)) {
          std::vector<std::string> keys;  // a mistyped list name: point to the right one
          for (const auto& kv : cur) keys.push_back(kv.first.Scalar());
          if (auto c = closest(seg, keys); !c.empty())
            throw ArgumentError("--set " + key, "'" + path + "' is not in the scenario; did you mean '" +
                                                    path.substr(0, path.size() - seg.size()) + c + "'?");
          throw ArgumentError("--set " + key, "'" + path + "' is not given in the scenario, so item " + segs[s + 1] +
                                                  " cannot be changed alone; set the whole list instead");
        }
        if (!cur[seg] || cur[seg].IsNull()) cur[seg] = YAML::Node(YAML::NodeType::Map);
        YAML::Node next = cur[seg];
        cur.reset(next);
      }
    }
  }
  return path;
}

void Config::validate(const Schema& schema) {
  Validator v{source_, locations_};
  root_ = v.map(root_, schema, "", SourceLocation{source_, 1, 1});
  validated_ = true;
}

bool Config::has(const std::string& path) const { return find_node(root_, path).IsDefined(); }

YAML::Node Config::node(const std::string& path) const {
  YAML::Node n = find_node(root_, path);
  if (!n.IsDefined()) throw ConfigError(ConfigError::Kind::Missing, location(path), path, "key is not set");
  return n;
}

bool Config::get_bool(const std::string& path) const { return node(path).as<bool>(); }
std::int64_t Config::get_int(const std::string& path) const {
  try {
    return node(path).as<std::int64_t>();
  } catch (const YAML::Exception&) {
    fail(path, "expected an integer");
  }
}
double Config::get_double(const std::string& path) const {
  try {
    return node(path).as<double>();
  } catch (const YAML::Exception&) {
    fail(path, "expected a number");
  }
}
std::string Config::get_string(const std::string& path) const { return node(path).Scalar(); }
std::vector<double> Config::get_doubles(const std::string& path) const {
  std::vector<double> out;
  for (const auto& v : node(path)) out.push_back(v.as<double>());
  return out;
}
std::vector<std::int64_t> Config::get_ints(const std::string& path) const {
  std::vector<std::int64_t> out;
  for (const auto& v : node(path)) out.push_back(v.as<std::int64_t>());
  return out;
}
std::vector<std::string> Config::get_strings(const std::string& path) const {
  std::vector<std::string> out;
  for (const auto& v : node(path)) out.push_back(v.Scalar());
  return out;
}
std::size_t Config::size(const std::string& path) const { return node(path).size(); }

SourceLocation Config::location(const std::string& path) const {
  std::string norm;
  for (const auto& seg : split_path(path)) norm += (norm.empty() ? "" : ".") + seg;
  for (std::string p = norm;;) {
    auto it = locations_.find(p);
    if (it != locations_.end()) return it->second;
    const auto dot = p.find_last_of('.');
    if (dot == std::string::npos) break;
    p.resize(dot);
  }
  return SourceLocation{source_, 0, 0};
}

void Config::fail(const std::string& path, const std::string& message) const {
  const SourceLocation loc = location(path);
  if (loc.file == "<default>")
    throw ConfigError(ConfigError::Kind::Invalid, SourceLocation{source_, 0, 0}, path,
                      message + " (this is the default value; set the key in the scenario)");
  throw ConfigError(ConfigError::Kind::Invalid, loc, path, message);
}

std::string Config::to_yaml() const {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, root_);
  return std::string(out.c_str()) + "\n";
}

}  // namespace tegenmacht
