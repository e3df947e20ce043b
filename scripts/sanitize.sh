#!/usr/bin/env bash
# Builds a sanitizer preset and runs its tests: `asan` (AddressSanitizer +
# UndefinedBehaviorSanitizer) or `tsan` (ThreadSanitizer). The C++ suites, the
# command line (every test that runs the tegenmacht program) and the bad-input
# catalogue run instrumented; the Python suites are left to the release build.
# Usage: bash scripts/sanitize.sh asan|tsan [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:?give asan or tsan}"
shift
cmake --preset "$preset" -DTEGENMACHT_PYTHON=OFF -DTEGENMACHT_MPI=OFF >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
case "$preset" in
  # leaks are not checked: HDF5 is told not to clean up at exit (prepare_hdf5), which
  # LeakSanitizer would report on every program that writes a file
  asan) export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
        export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" ;;
  tsan) export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" ;;
esac
ctest --preset "$preset" -j "$(nproc)" --timeout 1200 "$@"
