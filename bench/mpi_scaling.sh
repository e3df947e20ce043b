#!/usr/bin/env bash
# Strong scaling of `tegenmacht experiment` over MPI ranks (1 thread each):
# the same experiment (the default town, 3 strategies × 2 homophily values ×
# 6 replicates × 156 weeks = 36 jobs) on 1, 2, ... ranks; prints wall time,
# speed-up and parallel efficiency, and checks that every file equals the
# 1-rank one. Usage: bash bench/mpi_scaling.sh [BUILD_DIR] [MAX_RANKS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build/release}"
MAX="${2:-$(nproc)}"
CLI="$BUILD/bin/tegenmacht"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo
DIR="$(mktemp -d)"
trap 'rm -rf "$DIR"' EXIT
cat > "$DIR/e.yaml" <<YAML
scenario: $ROOT/scenarios/default.yaml
steps: 156
replicates: 6
arms: {key: strategy, values: [polder, alinsky, coalition]}
factors: [{key: network.homophily, values: [0.5, 0.8]}]
record: [trust, member]
YAML
printf "%-6s %-8s %10s %9s %11s\n" ranks threads "wall (s)" speed-up efficiency
t1=""
for n in $(seq 1 "$MAX"); do
  start=$(date +%s.%N)
  mpirun --oversubscribe -n "$n" "$CLI" experiment "$DIR/e.yaml" -o "$DIR/r$n.h5" -q --threads 1
  end=$(date +%s.%N)
  t=$(awk "BEGIN { print $end - $start }")
  [ -z "$t1" ] && t1=$t
  awk -v n="$n" -v t="$t" -v t1="$t1" 'BEGIN { printf "%-6s %-8s %10.2f %9.2f %10.0f%%\n", n, 1, t, t1 / t, 100 * t1 / t / n }'
  if [ "$n" -gt 1 ]; then
    /usr/bin/python3 - "$DIR/r1.h5" "$DIR/r$n.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = [g + "/" + k for g in ("outcomes", "metrics") for k in a[g]] + ["jobs/done"]
sys.exit(0 if all(np.array_equal(a[n][()], b[n][()], equal_nan=True) for n in names) else "files differ")
PY
  fi
done
