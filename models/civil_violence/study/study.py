#!/usr/bin/python3
"""Which reading of Epstein's rules brings the outbursts of Run 2 closest to the paper?

Runs `tegenmacht sweep` over the documented readings of the rules on
scenarios/reference/epstein_run2.yaml (stage 1, two sweeps: jailed citizens
leave the lattice, or keep their site as in Mesa, which needs
cops.move_to_arrest = false; stage 2: Moore and cross vision), then
measures, per variant, the outbursts (more than 50 actives) after step 100 with
the definitions of models/validation/validation.cpp (find_outbursts): waiting
time from the start of one outburst to the start of the next within a
replicate, activation = sum of the active counts over an outburst's steps;
means and sample sds pooled over the replicates. The distance to the paper is
the sum of |ln(ours / paper)| over the four moments (waiting 60 +- 55,
activation 708 +- 230): a factor 2 off in one moment costs 0.69; the worst
factor is exp(max |ln(ours / paper)|), the moment furthest from the paper.

    /usr/bin/python3 models/civil_violence/study/study.py \
        --bin build/cv/bin/tegenmacht --dir build/cv/study [--replicates 10] [--steps 1100] [--threads 2]

Existing sweep files in --dir are reused (delete them to rerun). Prints a
Markdown table sorted by distance.
"""
import argparse
import math
import os
import subprocess
import sys

import h5py
import numpy as np

PAPER = {"wait_mean": 60.0, "wait_sd": 55.0, "act_mean": 708.0, "act_sd": 230.0}
THRESHOLD, BURN_IN = 50.0, 100

SWEEPS = {
    # jailed citizens leave the lattice (NetLogo); the cop may or may not move to the arrest
    "vacate": {
        "set": [],
        "vary": [
            ("rule_order", ["move_then_act", "act_then_move"]),
            ("jail.terms", ["inclusive", "exclusive"]),
            ("cops.move_to_arrest", ["true", "false"]),
            ("arrest_ratio", ["floor", "round"]),
            ("vision.shape", ["euclidean", "von_neumann"]),
        ],
    },
    # jailed citizens keep their site (Mesa); cops then cannot move to the arrest
    "keep": {
        "set": ["jail.keep_site=true", "cops.move_to_arrest=false"],
        "vary": [
            ("rule_order", ["move_then_act", "act_then_move"]),
            ("jail.terms", ["inclusive", "exclusive"]),
            ("arrest_ratio", ["floor", "round"]),
            ("vision.shape", ["euclidean", "von_neumann"]),
        ],
    },
    # stage 2: the other vision shapes (Mesa before 2024; Epstein's wording read
    # literally) with the factors that mattered in stage 1
    "shapes": {
        "set": [],
        "vary": [
            ("rule_order", ["move_then_act", "act_then_move"]),
            ("jail.terms", ["inclusive"]),
            ("cops.move_to_arrest", ["true", "false"]),
            ("arrest_ratio", ["floor", "round"]),
            ("vision.shape", ["moore", "cross"]),
        ],
    },
    # stage 3: the leading variants again, on other seeds and twice the replicates
    "confirm": {
        "set": [],
        "seed": 2,
        "replicate_factor": 2,
        "vary": [
            ("rule_order", ["move_then_act", "act_then_move"]),
            ("jail.terms", ["inclusive", "exclusive"]),
            ("cops.move_to_arrest", ["true", "false"]),
            ("arrest_ratio", ["round"]),
            ("vision.shape", ["euclidean", "von_neumann"]),
        ],
    },
}


def find_outbursts(active, threshold=THRESHOLD, start=BURN_IN):
    """Starts, activations and waiting times, as models::find_outbursts."""
    starts, activation = [], []
    t, n = start, len(active)
    while t < n:
        if not active[t] > threshold:
            t += 1
            continue
        first, total = t, 0.0
        while t < n and active[t] > threshold:
            total += active[t]
            t += 1
        starts.append(first)
        activation.append(total)
    waiting = [b - a for a, b in zip(starts, starts[1:])]
    return starts, activation, waiting


def run_sweep(binary, scenario, out, spec, replicates, steps, threads):
    cmd = [binary, "sweep", scenario, "-o", out, "-q", "--threads", str(threads),
           "--replicates", str(replicates * spec.get("replicate_factor", 1)), "--steps", str(steps)]
    if "seed" in spec:
        cmd += ["--seed", str(spec["seed"])]
    for s in spec["set"]:
        cmd += ["--set", s]
    for key, values in spec["vary"]:
        cmd += ["--vary", key + "=" + ",".join(values)]
    print(" ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def variants(path, spec):
    with h5py.File(path, "r") as f:
        active = f["metrics/active"][...]  # [point, arm, replicate, step]
        design = {}
        for key, _ in spec["vary"]:
            for name in f["design"]:
                if name.startswith("_"):
                    continue
                if text(f["design"][name].attrs.get("key", name)) == key:
                    design[key] = [text(v) for v in f["design"][name][...]]
        for p in range(active.shape[0]):
            labels = {k: v[p] for k, v in design.items()}
            for s in spec["set"]:
                k, v = s.split("=", 1)
                labels[k] = v
            yield labels, active[p, 0]


def summarise(runs):
    per_run, waits, acts = [], [], []
    for a in runs:
        _, act, wait = find_outbursts(a)
        per_run.append(len(act))
        acts += act
        waits += wait
    row = {"per_run": float(np.mean(per_run)), "n_out": len(acts), "n_wait": len(waits)}
    for name, x in (("wait", waits), ("act", acts)):
        row[name + "_mean"] = float(np.mean(x)) if len(x) else math.nan
        row[name + "_sd"] = float(np.std(x, ddof=1)) if len(x) > 1 else math.nan
    if all(row[k] > 0 for k in PAPER):
        row["distance"] = sum(abs(math.log(row[k] / PAPER[k])) for k in PAPER)
        row["worst"] = math.exp(max(abs(math.log(row[k] / PAPER[k])) for k in PAPER))
    else:
        row["distance"] = row["worst"] = math.inf
    return row


def describe(labels):
    def tf(v):
        return v in ("true", "1", "1.0")
    short = [
        "move→act" if labels["rule_order"] == "move_then_act" else "act→move",
        "0..J" if labels["jail.terms"] == "inclusive" else "0..J−1",
        "keep site" if tf(labels.get("jail.keep_site", "false")) else "leave",
        "cop to arrest" if tf(labels["cops.move_to_arrest"]) else "cop stays",
        labels["arrest_ratio"],
        {"von_neumann": "vN", "euclidean": "euclid"}.get(labels["vision.shape"], labels["vision.shape"]),
    ]
    return " · ".join(short)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="build/cv/bin/tegenmacht")
    ap.add_argument("--scenario", default="scenarios/reference/epstein_run2.yaml")
    ap.add_argument("--dir", default="build/cv/study")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--steps", type=int, default=1100)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    rows, pooled = [], {}
    for name, spec in SWEEPS.items():
        path = os.path.join(args.dir, f"run2_{name}_r{args.replicates}_s{args.steps}.h5")
        if not os.path.exists(path):
            run_sweep(args.bin, args.scenario, path, spec, args.replicates, args.steps, args.threads)
        for labels, runs in variants(path, spec):
            if name in ("vacate", "confirm"):
                pooled.setdefault(describe(labels), []).append(runs)
            desc = describe(labels)
            if name == "confirm":
                desc += f" (seed {spec['seed']}, {args.replicates * spec['replicate_factor']} replicates)"
            rows.append((desc, labels, summarise(runs)))
    rows.sort(key=lambda r: r[2]["distance"])
    print(f"Run 2, {args.replicates} replicates x {args.steps} steps, outbursts (> 50 actives) from step {BURN_IN}; "
          "distance = sum of |ln(ours/paper)| over the four moments\n")
    print("| rule order · terms · jailed · cop · C/A · vision | outbursts per run | waiting mean ± sd "
          "| activation mean ± sd | distance | worst factor |")
    print("|---|---|---|---|---|---|")
    for desc, _, r in rows:
        print(f"| {desc} | {r['per_run']:.1f} | {r['wait_mean']:.0f} ± {r['wait_sd']:.0f} "
              f"| {r['act_mean']:.0f} ± {r['act_sd']:.0f} | {r['distance']:.2f} | {r['worst']:.2f} |")
    both = [(d, summarise(np.concatenate(r))) for d, r in pooled.items() if len(r) == 2]
    both.sort(key=lambda x: x[1]["distance"])
    print(f"\nStage 1 and stage 3 pooled ({args.replicates} + {2 * args.replicates} replicates, seeds 1 and 2):\n")
    print("| rule order · terms · jailed · cop · C/A · vision | outbursts per run | waiting mean ± sd "
          "| activation mean ± sd | distance | worst factor |")
    print("|---|---|---|---|---|---|")
    for desc, r in both:
        print(f"| {desc} | {r['per_run']:.1f} | {r['wait_mean']:.0f} ± {r['wait_sd']:.0f} "
              f"| {r['act_mean']:.0f} ± {r['act_sd']:.0f} | {r['distance']:.2f} | {r['worst']:.2f} |")


if __name__ == "__main__":
    main()
