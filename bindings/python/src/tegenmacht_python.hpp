// Shared declarations of the Python bindings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "tegenmacht/config.hpp"

/// A scenario as Python sees it: the original text, the overrides applied
/// with Scenario.set(), and the resolved config.
struct ScenarioHandle {
  std::string text;
  std::string source;
  std::vector<std::string> overrides;
  std::shared_ptr<tegenmacht::Config> config;

  static ScenarioHandle from_file(const std::string& path);
  static ScenarioHandle from_text(const std::string& text, const std::string& source);
  void resolve();
};

/// Threads from a Python argument: None → TEGENMACHT_THREADS or all cores.
int resolve_threads(pybind11::object threads);
