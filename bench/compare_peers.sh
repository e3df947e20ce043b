#!/usr/bin/env bash
# Schelling (and Epstein civil violence, at the end) against other frameworks:
# Schelling against the frameworks of the ABMFrameworksComparison benchmark,
# on the same machine in the same run of this script, on the same set-ups
# (small: 40 x 40, 1000 agents, r = 1, 3 wanted; large: 100 x 100, 8000
# agents, r = 2, 8 wanted; 20 steps). The peers run their own published
# implementations from a clone of
# https://github.com/JuliaDynamics/ABMFrameworksComparison and print the
# median of 100 runs; tegenmacht prints the median of 5 repetitions of its
# Google Benchmark rows. A peer that is not installed is skipped with a line
# saying why.
#
#   bash bench/compare_peers.sh [BUILD_DIR]      (default: build/release)
#   ABMFC_DIR=/path/to/ABMFrameworksComparison bash bench/compare_peers.sh build/release
#
# Peers and what their clocks include (as in that repository's scripts):
#   Agents.jl  julia with the repository's project instantiated   set-up + 20 steps  vs SchellingX_Run20
#   Mesa       python3 with `import mesa` working                   set-up + 20 steps  vs SchellingX_Run20
#   MASON      java, javac, bc and the repository's mason.22.jar    20 steps only      vs SchellingX_Steps20
# Ratio = peer time / tegenmacht time (above 1: tegenmacht is faster).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
bench=$build/bin/tegenmacht_bench_schelling
abmfc=${ABMFC_DIR:-}
python=/usr/bin/python3
[ -x "$python" ] || python=python3
if [ ! -x "$bench" ]; then
  echo "no $bench: configure with -DTEGENMACHT_BENCH=ON and build the target tegenmacht_bench_schelling" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== tegenmacht ($bench, median of 5 repetitions)"
"$bench" --benchmark_filter='^BM_Schelling(Small|Large)_(Run20|Steps20)/' --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_out="$tmp/ours.json" --benchmark_out_format=json >/dev/null ||
  { echo "tegenmacht_bench_schelling failed" >&2; exit 1; }
"$python" - "$tmp/ours.json" >"$tmp/ours.txt" <<'EOF'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("aggregate_name") == "median":
        ms = b["real_time"] * {"ms": 1, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
        print(b["run_name"].removeprefix("BM_").split("/")[0], f"{ms:.3f}", f"{b['agent_steps/s']:.4g}", f"{b['peak_bytes_per_agent']:.1f}")
EOF
[ -s "$tmp/ours.txt" ] || { echo "no Schelling rows in $bench" >&2; exit 1; }
printf '%-26s %10s %16s %12s\n' row "ms/run" "agent-steps/s" "bytes/agent"
while read -r name ms rate bytes; do printf '%-26s %10s %16s %12s\n' "$name" "$ms" "$rate" "$bytes"; done <"$tmp/ours.txt"
ours() { awk -v n="$1" '$1 == n {print $2}' "$tmp/ours.txt"; }

# ratio PEER SIZE PEER_MS OUR_ROW
ratio() {
  local mine
  mine=$(ours "$4")
  if [ -z "$3" ] || [ -z "$mine" ]; then
    echo "$1 Schelling-$2: no time reported; the end of its output:"
    tail -n 5 "$tmp/$1.log" 2>/dev/null | sed 's/^/    /'
    return
  fi
  printf '%-10s %-6s %10.3f ms   tegenmacht %8.3f ms (%s)   ratio %6.1f\n' "$1" "$2" "$3" "$mine" "$4" \
    "$(echo "$3 / $mine" | bc -l)"
}
# peer_time LOG LABEL SIZE: the median a peer's script printed ("Mesa Schelling-small (ms): 12.3")
peer_time() { grep -i "^$2 Schelling-$3 (ms):" "$1" | tail -1 | awk -F: '{gsub(/ /, "", $2); print $2}'; }

have_clone=1
if [ -z "$abmfc" ] || [ ! -d "$abmfc/Schelling" ]; then
  have_clone=0
  echo "peers: skipped (ABMFC_DIR is not a clone of https://github.com/JuliaDynamics/ABMFrameworksComparison)"
fi

echo "== peers (median of 100 runs each, their scripts)"
# Agents.jl
if [ $have_clone = 0 ]; then :
elif ! command -v julia >/dev/null; then
  echo "Agents.jl: skipped (julia not found)"
elif ! (cd "$abmfc" && julia --project=. -e 'using Agents' >/dev/null 2>&1); then
  echo "Agents.jl: skipped (Agents not installed; run julia --project=$abmfc -e 'using Pkg; Pkg.instantiate()')"
else
  (cd "$abmfc" && julia --project=. Schelling/Agents/benchmark_schelling.jl) >"$tmp/Agents.log" 2>&1
  for size in small large; do
    cap=${size^}
    ratio Agents.jl "$size" "$(peer_time "$tmp/Agents.log" "Agents.jl" "$size")" "Schelling${cap}_Run20"
  done
fi
# Mesa
if [ $have_clone = 0 ]; then :
elif ! "$python" -c 'import mesa' >/dev/null 2>&1; then
  echo "Mesa: skipped ($python cannot import mesa)"
else
  (cd "$abmfc/Schelling/Mesa" && "$python" benchmark_schelling.py) >"$tmp/Mesa.log" 2>&1
  echo "Mesa $("$python" -c 'import mesa; print(mesa.__version__)')"
  for size in small large; do
    cap=${size^}
    ratio Mesa "$size" "$(peer_time "$tmp/Mesa.log" "Mesa" "$size")" "Schelling${cap}_Run20"
  done
fi
# MASON
if [ $have_clone = 0 ]; then :
elif ! command -v java >/dev/null || ! command -v javac >/dev/null || ! command -v bc >/dev/null; then
  echo "MASON: skipped (java, javac or bc not found)"
elif [ ! -s "$abmfc/mason.22.jar" ]; then
  echo "MASON: skipped (no mason.22.jar in $abmfc)"
else
  (cd "$abmfc" && bash Schelling/Mason/benchmark_schelling.sh) >"$tmp/MASON.log" 2>&1
  for size in small large; do
    cap=${size^}
    ratio MASON "$size" "$(peer_time "$tmp/MASON.log" "Mason" "$size")" "Schelling${cap}_Steps20"
  done
fi

# Epstein civil violence with the parameters of Mesa's own example (40 x 40,
# citizen density 0.7, cop density 0.074, von Neumann vision 7, L 0.8, J_max
# 1000, round(C/A)): Mesa's example model, 200 steps after 10 of warm-up,
# against tegenmacht's BM_CivilViolenceMesaDefaults (one step per iteration).
echo "== Epstein civil violence, Mesa's example parameters"
main_bench=$build/bin/tegenmacht_bench
if [ ! -x "$main_bench" ]; then
  echo "tegenmacht: skipped (no $main_bench)"
else
  "$main_bench" --benchmark_filter='^BM_CivilViolenceMesaDefaults/1' --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true --benchmark_out="$tmp/cv.json" --benchmark_out_format=json \
    >/dev/null 2>"$tmp/cv.err" || { echo "tegenmacht_bench failed:"; tail -n 5 "$tmp/cv.err"; }
  cv_rate=$("$python" -c "import json,sys; b=[x for x in json.load(open('$tmp/cv.json'))['benchmarks'] if x.get('aggregate_name')=='median']; print(b[0]['items_per_second'] if b else '')")
  printf 'tegenmacht %12.4g agent-steps/s (1 thread)\n' "${cv_rate:-0}"
  if ! "$python" -c 'import mesa.examples.advanced.epstein_civil_violence.model' >/dev/null 2>&1; then
    echo "Mesa: skipped ($python cannot import mesa.examples.advanced.epstein_civil_violence)"
  else
    mesa_rate=$("$python" - <<'PY'
import time
from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence
model = EpsteinCivilViolence(seed=1)   # the example's defaults are the parameters above
for _ in range(10):
    model.step()
t0 = time.perf_counter()
for _ in range(200):
    model.step()
print(len(model.agents) * 200 / (time.perf_counter() - t0))
PY
)
    echo "Mesa $("$python" -c 'import mesa; print(mesa.__version__)')"
    printf 'Mesa       %12.4g agent-steps/s   ratio %6.1f\n' "$mesa_rate" "$(echo "$cv_rate / $mesa_rate" | bc -l)"
  fi
fi
