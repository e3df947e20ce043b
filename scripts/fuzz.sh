#!/usr/bin/env bash
# Runs each libFuzzer target (tests/fuzz) for SECONDS (default 600) on both
# cores' worth of one job, starting from its seed corpus; findings (crashing
# inputs) land in build/fuzz/fuzz-findings/. Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(scenario results)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
mkdir -p build/fuzz/fuzz-findings
status=0
for t in "${targets[@]}"; do
  work="build/fuzz/tests/fuzz/work_$t"
  mkdir -p "$work"
  echo "fuzzing $t for $seconds s"
  ASAN_OPTIONS=detect_leaks=0 "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=262144 -timeout=20 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="build/fuzz/fuzz-findings/$t-" "$work" "tests/fuzz/corpus/$t" \
    2>&1 | grep -E "^(#[0-9]+ *DONE|stat::|==[0-9]+==ERROR|SUMMARY|untyped)" || true
  if ls build/fuzz/fuzz-findings/"$t"-* >/dev/null 2>&1; then
    echo "FINDINGS for $t:"; ls build/fuzz/fuzz-findings/"$t"-*; status=1
  fi
done
exit $status
