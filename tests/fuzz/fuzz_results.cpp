// libFuzzer target: reading files tegenmacht wrote — checkpoints
// (read_checkpoint) and experiment results (read_outcomes). Any bytes as the
// file must end in a result or a tegenmacht::Error, never a crash or another
// exception type. The corpus holds real files of both kinds.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "tegenmacht/error.hpp"
#include "tegenmacht/experiments/experiment.hpp"
#include "tegenmacht/results.hpp"
#include "tegenmacht/state.hpp"

namespace tg = tegenmacht;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = [] {
    tg::prepare_hdf5();
    return "/tmp/tgm_fuzz_results_" + std::to_string(::getpid()) + ".h5";
  }();
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  for (int kind = 0; kind < 2; ++kind) {
    try {
      if (kind == 0)
        (void)tg::read_checkpoint(path);
      else
        (void)tg::experiments::read_outcomes(path);
    } catch (const tg::Error&) {
    } catch (const std::exception& e) {
      std::fprintf(stderr, "untyped exception escaped: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
