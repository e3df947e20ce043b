// Scenario: a scenario file or text plus overrides, resolved on every change
// so that errors surface where they are made.
#include <pybind11/pybind11.h>

#include <functional>
#include <pybind11/stl.h>

#include <fstream>
#include <sstream>

#include "models.hpp"
#include "tegenmacht/registry.hpp"
#include "tegenmacht_python.hpp"

namespace py = pybind11;
using tegenmacht::Config;

namespace {

py::object to_python(const YAML::Node& n) {
  if (n.IsMap()) {
    py::dict d;
    for (const auto& kv : n) d[py::str(kv.first.Scalar())] = to_python(kv.second);
    return d;
  }
  if (n.IsSequence()) {
    py::list l;
    for (const auto& item : n) l.append(to_python(item));
    return l;
  }
  if (!n.IsScalar()) return py::none();
  const std::string& s = n.Scalar();
  long long i = 0;
  unsigned long long u = 0;
  double x = 0;
  bool b = false;
  if (YAML::convert<long long>::decode(n, i) && s.find_first_of(".eE") == std::string::npos) return py::int_(i);
  // above 2^63 (seeds up to 2^64 - 1): still an exact int, never a float
  if (!s.empty() && s[0] != '-' && YAML::convert<unsigned long long>::decode(n, u) &&
      s.find_first_of(".eE") == std::string::npos)
    return py::int_(u);
  if (YAML::convert<double>::decode(n, x)) return py::float_(x);
  if (s == "true" || s == "false") {
    YAML::convert<bool>::decode(n, b);
    return py::bool_(b);
  }
  return py::str(s);
}

}  // namespace

ScenarioHandle ScenarioHandle::from_file(const std::string& path) {
  ScenarioHandle h;
  h.text = tegenmacht::read_text_file(path, "scenario file");
  h.source = path;
  h.resolve();
  return h;
}

ScenarioHandle ScenarioHandle::from_text(const std::string& text, const std::string& source) {
  ScenarioHandle h;
  h.text = text;
  h.source = source;
  h.resolve();
  return h;
}

void ScenarioHandle::resolve() {
  tegenmacht::register_builtin_models();
  config = std::make_shared<Config>(tegenmacht::load_scenario_text(text, source, overrides));
}

void init_scenario(py::module_& m) {
  tegenmacht::register_builtin_models();
  py::class_<ScenarioHandle>(m, "ScenarioHandle")
      .def_static("from_file", &ScenarioHandle::from_file, py::arg("path"))
      .def_static("from_text", &ScenarioHandle::from_text, py::arg("text"), py::arg("source"))
      .def("warnings", [](const ScenarioHandle& h) { return tegenmacht::scenario_warnings(*h.config); })
      .def(
          "set",
          [](ScenarioHandle& h, const std::string& key, const std::string& yaml_value) {
            ScenarioHandle copy = h;
            copy.overrides.push_back(key + "=" + yaml_value);
            copy.resolve();  // raises, leaving h unchanged, if the value is invalid
            h = copy;
          },
          py::arg("key"), py::arg("yaml_value"))
      .def("copy", [](const ScenarioHandle& h) { return h; })
      .def("to_yaml", [](const ScenarioHandle& h) { return h.config->to_yaml(); })
      .def("get", [](const ScenarioHandle& h, const std::string& key) { return to_python(h.config->node(key)); },
           py::arg("key"))
      .def("to_dict", [](const ScenarioHandle& h) { return to_python(h.config->root()); })
      .def_property_readonly("source", [](const ScenarioHandle& h) { return h.source; })
      .def_property_readonly("overrides", [](const ScenarioHandle& h) { return h.overrides; });
  m.def("models", [] {
    tegenmacht::register_builtin_models();
    return tegenmacht::Registry::instance().names();
  });
  m.def(
      "schema_keys",
      [](const std::string& model) {
        // every declared key of a model's scenarios, flattened to dotted paths
        // (list items as "list.*.key"): what a dashboard builds its controls from
        tegenmacht::register_builtin_models();
        const tegenmacht::Schema schema = tegenmacht::scenario_schema(model);
        py::list out;
        std::function<void(const tegenmacht::Schema&, const std::string&)> walk = [&](const tegenmacht::Schema& sc,
                                                                                   const std::string& prefix) {
          for (const auto& k : sc.keys()) {
            const std::string path = prefix.empty() ? k.name : prefix + "." + k.name;
            py::dict d;
            d["key"] = path;
            d["type"] = tegenmacht::to_string(k.type);
            d["description"] = k.description;
            d["unit"] = k.unit;
            d["min"] = k.min;
            d["max"] = k.max;
            d["min_exclusive"] = k.min_exclusive;
            d["choices"] = k.choices;
            d["default"] = k.default_value.IsDefined() && !k.default_value.IsNull() ? to_python(k.default_value)
                                                                                     : py::object(py::none());
            out.append(d);
            if (k.children) walk(*k.children, k.type == tegenmacht::ValueType::List ? path + ".*" : path);
          }
        };
        walk(schema, "");
        return out;
      },
      py::arg("model"));
  m.def(
      "lower_is_better",
      [](const std::string& model) {
        tegenmacht::register_builtin_models();
        const auto* info = tegenmacht::Registry::instance().find(model);
        return info ? info->lower_is_better : std::vector<std::string>{};
      },
      py::arg("model"));
  m.def(
      "key_reference",
      [](const std::string& model) {
        tegenmacht::register_builtin_models();
        return tegenmacht::scenario_schema(model).reference();
      },
      py::arg("model"));
}
