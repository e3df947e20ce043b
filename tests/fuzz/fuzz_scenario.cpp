// libFuzzer target: scenario parsing and validation. Any bytes must end in a
// valid Config or a tegenmacht::Error (ConfigError, IoError, ArgumentError) —
// never a crash, a hang, another exception type or undefined behaviour
// (built with ASan + UBSan). For a valid scenario the warnings are computed
// too, and a --set override is applied, as the command line would.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "tegenmacht/error.hpp"
#include "models.hpp"
#include "tegenmacht/registry.hpp"

namespace tg = tegenmacht;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool registered = [] {
    tg::register_builtin_models();
    return true;
  }();
  (void)registered;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    tg::Config c = tg::load_scenario_text(text, "fuzz.yaml");
    (void)tg::scenario_warnings(c);
    (void)c.to_yaml();
    tg::Config again = tg::load_scenario_text(c.to_yaml(), "resolved.yaml", {"steps=3"});
    (void)again;
  } catch (const tg::Error&) {
    // the one kind of failure a user may see: a clear, located message
  } catch (const std::exception& e) {
    std::fprintf(stderr, "untyped exception escaped: %s\n", e.what());
    std::abort();
  }
  return 0;
}
