"""A report a policy analyst can read, and tables for a spreadsheet.

:func:`report` turns results files into **one self-contained HTML page**: what was
run, the headline (each strategy's outcomes, paired differences from the baseline
with their intervals, and one plain sentence per outcome that never claims more
than the interval supports), pictures (time series with quantile bands, Arnstein's
ladder per neighbourhood, participation by group; for experiments the regime map,
sensitivity indices and PRIM boxes), warnings and a glossary. Pictures are SVG
inlined as data URIs, the style sheet is inline, there is no script and no font or
request outside the file: it opens offline, on a phone, and prints.

:func:`export` writes tidy CSV tables (outcomes, and the recorded time series) with
column names that carry their units.

The command line calls the same functions: ``tegenmacht report FILE.h5 [-o
report.html]`` and ``tegenmacht export FILE.h5 --csv DIR``.

Inputs: an experiment results file (``tegenmacht experiment``, ``compare -o``,
``sweep``), a folder of them as ``compare -o DIR`` leaves it, or one or more run
files (``tegenmacht run``; each file one strategy, paired by replicate when they
share the seed), or the Datasets :func:`tegenmacht.load_results` returns.
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import math
import os
import pathlib
import sys
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import ArgumentError, ResultsFormatError, ResultsIOError

__all__ = ["report", "export", "main"]

PathLike = Union[str, "os.PathLike[str]"]

# Outcomes that matter to the project's question (MODEL.md section 1), in the order the
# headline shows them when a file has them; other outcomes follow in the file's order.
_HEADLINE = ["concessions", "won_by_pressure", "won_in_consultation", "hardship", "survival_load", "trust",
             "member", "active", "member_by_group_marginalised", "active_by_group_marginalised",
             "exclusion_gap", "participation_gap", "coopted_leaders",
             "sanctions_total", "worker_funding_min", "arnstein_mean", "legitimacy", "efficacy"]

_RUNGS = ["", "manipulation", "therapy", "informing", "consultation", "placation", "partnership",
          "delegated power", "citizen control"]


# --------------------------------------------------------------------------- inputs


def _expand(results: Any) -> List[Any]:
    """Paths (folders expanded to their .h5 files) and Datasets, as a flat list."""
    items = list(results) if isinstance(results, (list, tuple)) else [results]
    if not items:
        raise ArgumentError("results: give at least one results file", "results")
    out: List[Any] = []
    for it in items:
        if isinstance(it, (str, os.PathLike)):
            p = pathlib.Path(it)
            if p.is_dir():
                files = sorted(q for q in p.iterdir() if q.suffix in (".h5", ".hdf5") and q.is_file())
                if not files:
                    raise ResultsIOError(f"{p}: a folder without results files (*.h5)", str(p))
                out.extend(files)
            else:
                out.append(p)
        elif hasattr(it, "data_vars") and hasattr(it, "attrs"):
            out.append(it)
        else:
            raise ArgumentError(f"results: expected a path or a Dataset, not {type(it).__name__}", "results")
    return out


def _strategy_of(ds, fallback: str) -> str:
    """The strategy a run file ran (from its resolved scenario), else ``fallback``."""
    import yaml

    try:
        cfg = yaml.safe_load(ds.attrs.get("config", "")) or {}
        s = cfg.get("strategy")
        return str(s) if s else fallback
    except yaml.YAMLError:
        return fallback


def _runs_as_experiment(runs: List[Tuple[str, Any]]):
    """Run files (one strategy each) as an experiment Dataset of one design point."""
    import xarray as xr

    names = []
    for label, ds in runs:
        name = _strategy_of(ds, label)
        if name in names:  # two files of one strategy: tell them apart by file name
            name = f"{name} ({label})"
        names.append(name)
    reps = {int(ds.sizes.get("replicate", 0)) for _, ds in runs}
    weeks = {int(ds.sizes.get("week", 0)) for _, ds in runs}
    if len(reps) != 1 or len(weeks) != 1:
        raise ArgumentError("results: run files to compare must have the same replicates and weeks "
                            f"(got replicates {sorted(reps)}, weeks {sorted(weeks)})", "results")
    seeds = {str(ds.attrs.get("seed", "")) for _, ds in runs}
    first = runs[0][1]
    common = [m for m in first.data_vars if all(m in ds.data_vars for _, ds in runs)]
    data_vars: Dict[str, Any] = {}
    outcome_names = []
    for m in common:
        stacked = np.stack([ds[m].transpose("replicate", "week", ...).values for _, ds in runs])  # arm, rep, week(, X)
        dims = ("point", "arm", "replicate", "week") + tuple(d for d in first[m].dims if d not in ("replicate", "week"))
        attrs = dict(first[m].attrs)
        data_vars[m + "_series"] = (dims, stacked[None, ...], attrs)
        if stacked.ndim == 3:  # scalar metric: its final week is an outcome
            outcome_names.append(m)
            data_vars[m] = (("point", "arm", "replicate"), stacked[None, :, :, -1],
                            dict(attrs, reduce="final", metric=m,
                                 better=_better_default(str(first.attrs.get("model", "")), m)))
    coords: Dict[str, Any] = {"point": [0], "arm": names, "replicate": np.arange(reps.pop()),
                              "week": np.arange(weeks.pop())}
    for d in first.dims:
        if d not in ("replicate", "week") and d in first.coords:
            coords[d] = first.coords[d].values
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({k: v for k, v in first.attrs.items() if isinstance(v, (str, int, float))})
    ds.attrs.update({"kind": "experiment", "outcome_names": outcome_names, "baseline": names[0],
                     "design_type": "grid", "factor_names": [], "points": 1, "arms": len(names),
                     "recorded_metrics": common, "from_run_files": [label for label, _ in runs],
                     "paired": int(len(seeds) == 1)})
    ds.attrs["complete"] = int(all(int(d.attrs.get("complete", 1)) for _, d in runs))
    return ds


def _better_default(model: str, metric: str) -> str:
    """The model's own direction for a metric (ModelInfo::lower_is_better), else higher."""
    from . import _core

    return "lower" if metric in _core.lower_is_better(model) else "higher"


def _with_group_outcomes(ds):
    """Membership and action by group (MODEL.md: who takes part) as outcomes of the final
    week, from the recorded series, when the file does not have them as outcomes."""
    names = list(ds.attrs["outcome_names"])
    added = []
    for metric in ("member_by_group", "active_by_group"):
        key = metric + "_series"
        if key not in ds or "group" not in ds[key].dims:
            continue
        for g in ds[key]["group"].values:
            name = f"{metric}_{g}"
            if name in names:
                continue
            v = ds[key].sel(group=g).isel(week=-1).transpose("point", "arm", "replicate")
            attrs = dict(ds[key].attrs)
            attrs.update(description=f"{attrs.get('description', metric)}: {g}, final week", metric=metric,
                         group=str(g), reduce="final", better="higher")
            ds[name] = v.drop_vars([c for c in v.coords if c not in ("point", "arm", "replicate")]).assign_attrs(attrs)
            added.append(name)
    if added:
        ds.attrs["outcome_names"] = names + added
    return ds


def _load(results: Any):
    """One experiment Dataset from whatever the user gave (group outcomes added)."""
    return _with_group_outcomes(_load_any(results).copy())


def _load_any(results: Any):
    from .results import load_results

    items = _expand(results)
    loaded = []
    for it in items:
        if isinstance(it, pathlib.Path):
            loaded.append((it.stem, load_results(it)))
        else:
            loaded.append((str(it.attrs.get("path", f"result {len(loaded) + 1}")), it))
    experiments = [(n, d) for n, d in loaded if d.attrs.get("kind") == "experiment"]
    if experiments:
        if len(loaded) > 1:
            raise ArgumentError("results: give one experiment file (or several run files), not "
                                f"{len(loaded)} files of which {len(experiments)} experiment(s)", "results")
        return experiments[0][1]
    if any("run" in d.dims for _, d in loaded):
        raise ArgumentError("results: a version-0.1 sweep file; re-run it with `tegenmacht sweep` "
                            "(an experiment file) to report on it", "results")
    return _runs_as_experiment(loaded)


# --------------------------------------------------------------------------- numbers and words


def _fmt(v: float, digits: int = 3, sign: bool = False) -> str:
    if v is None or not np.isfinite(v):
        return "n/a" if v is None or np.isnan(v) else ("+∞" if v > 0 else "−∞")
    if v == 0:
        return "0"
    s = f"{v:+.{digits}g}" if sign else f"{v:.{digits}g}"
    if "e" in s:
        s = f"{v:+.2e}" if sign else f"{v:.2e}"
    return s.replace("-", "−")


def _label(ds, name: str) -> str:
    d = ds[name].attrs.get("description", "") if name in ds else ""
    return f"{name} ({d})" if d else name


def _unit(ds, name: str) -> str:
    u = ds[name].attrs.get("unit", "") if name in ds else ""
    return "" if u in ("", "[0,1]", "1") else u


def _sentence(ds, outcome: str, arm: str, base: str, row: Dict[str, float], level: float) -> str:
    """One plain sentence that says no more than the interval does."""
    pct = f"{100 * level:.0f} %"
    n, diff, lo, hi, sd = row["n"], row["mean_diff"], row["lo"], row["hi"], row["sd"]
    unit = _unit(ds, outcome)
    u = f" {unit}" if unit else ""
    better = ds[outcome].attrs.get("better", "higher")
    desc = ds[outcome].attrs.get("description", "")
    what = f"{outcome} ({desc})" if desc and len(desc) <= 70 else outcome
    if n < 2 or not np.isfinite(lo):
        return (f"{what}: {_fmt(diff, sign=True)}{u} against {base}, but with {int(n)} paired replicate(s) "
                "there is no interval, so no conclusion.")
    if sd == 0:
        if diff == 0:
            return f"{what}: the same as under {base} in every replicate."
        return (f"{what}: {'higher' if diff > 0 else 'lower'} than under {base} by exactly {_fmt(abs(diff))}{u} "
                "in every replicate (by construction or by the scenario, not by chance).")
    interval = f"{pct} interval {_fmt(lo, 2, True)} to {_fmt(hi, 2, True)}"
    if lo <= 0 <= hi:
        return f"{what}: no clear difference from {base} ({_fmt(diff, sign=True)}{u}; {interval})."
    good = (diff > 0) == (better == "higher")
    return (f"{what}: {'higher' if diff > 0 else 'lower'} than under {base} by {_fmt(abs(diff))}{u} "
            f"({interval}), which is {'better' if good else 'worse'}.")


# --------------------------------------------------------------------------- pictures


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _arm_series(ds, metric: str, point: int = 0) -> Dict[str, Any]:
    """{arm: Dataset(metric: (replicate, week[, X]))} for tgm.plot.compare / timeseries."""
    import xarray as xr

    da = ds[metric + "_series"].isel(point=point)
    out = {}
    for a in ds["arm"].values:
        v = da.sel(arm=a)
        out[str(a)] = xr.Dataset({metric: v}).assign_coords(week=np.arange(v.sizes["week"]))
        out[str(a)][metric].attrs = dict(ds[metric + "_series"].attrs)
        out[str(a)].attrs["config"] = ds.attrs.get("config", "")  # its timeline events are marked
    return out


def _figures(ds, headline: List[str], level: float) -> List[Dict[str, str]]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from . import analysis, plot

    figs: List[Dict[str, str]] = []
    arms = [str(a) for a in ds["arm"].values]
    P = ds.sizes["point"]
    series = [m[:-7] for m in ds.data_vars if m.endswith("_series")]
    # time series per strategy (one design point only)
    if P == 1 and series:
        shown = [m for m in ["concessions", "hardship", "trust", "member", "active", "sanctions_total",
                             "worker_funding_min"] if m in series] or series[:4]
        shown = shown[:6]
        cols = 2
        rows = math.ceil(len(shown) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(10, 3.2 * rows), squeeze=False)
        for ax, m in zip(axes.flat, shown):
            plot.compare(_arm_series(ds, m), m, ax=ax)
            ax.set_title(ds[m + "_series"].attrs.get("description", m), fontsize="small")
        for ax in list(axes.flat)[len(shown):]:
            ax.axis("off")
        fig.tight_layout()
        figs.append({"title": "Over time",
                     "alt": "Line charts over the weeks, one line per strategy ({}), of {}; shaded bands span "
                            "5 to 95 % of the replicates.".format(", ".join(arms), ", ".join(shown)),
                     "caption": "Mean over replicates; the band spans the 5–95 % range of the replicates.",
                     "src": _svg(fig)})
    # Arnstein's ladder per neighbourhood, final week
    if P == 1 and "arnstein" in series and "neighbourhood" in ds["arnstein_series"].dims:
        final = ds["arnstein_series"].isel(point=0, week=-1).mean("replicate")  # arm, neighbourhood
        hoods = [str(h) for h in final["neighbourhood"].values]
        fig, ax = plt.subplots(figsize=(10, 3.6))
        width = 0.8 / len(arms)
        for k, a in enumerate(arms):
            ax.bar(np.arange(len(hoods)) + (k - (len(arms) - 1) / 2) * width, final.sel(arm=a).values, width,
                   label=a, color=plot._arm_colour(k))
        ax.set_xticks(np.arange(len(hoods)))
        ax.set_xticklabels(hoods)
        ax.set_ylim(0, 8.5)
        ax.set_yticks(range(1, 9))
        ax.set_yticklabels([f"{i} {_RUNGS[i]}" for i in range(1, 9)], fontsize="x-small")
        ax.legend(fontsize="small", ncol=len(arms))
        ax.set_title("Arnstein's ladder of participation, final week", fontsize="medium")
        figs.append({"title": "Arnstein's ladder per neighbourhood",
                     "alt": "Bar chart: the rung of Arnstein's ladder (1 manipulation to 8 citizen control) "
                            "reached in each neighbourhood ({}) under each strategy, final week.".format(
                                ", ".join(hoods)),
                     "caption": "Mean rung over replicates (Arnstein 1969: 1–2 non-participation, 3–5 "
                                "tokenism, 6–8 citizen power).",
                     "src": _svg(fig)})
    # participation by group, final week
    by_group = [m for m in ("member_by_group", "active_by_group") if m in series
                and "group" in ds[m + "_series"].dims]
    if P == 1 and by_group:
        fig, axes = plt.subplots(1, len(by_group), figsize=(5 * len(by_group), 3.4), squeeze=False)
        for ax, m in zip(axes.flat, by_group):
            final = ds[m + "_series"].isel(point=0, week=-1).mean("replicate")
            groups = [str(g) for g in final["group"].values]
            width = 0.8 / len(arms)
            for k, a in enumerate(arms):
                ax.bar(np.arange(len(groups)) + (k - (len(arms) - 1) / 2) * width, final.sel(arm=a).values,
                       width, label=a, color=plot._arm_colour(k))
            ax.set_xticks(np.arange(len(groups)))
            ax.set_xticklabels(groups, fontsize="small")
            ax.set_title(ds[m + "_series"].attrs.get("description", m), fontsize="small")
        axes.flat[0].legend(fontsize="small")
        fig.tight_layout()
        figs.append({"title": "Who takes part",
                     "alt": "Bar charts of {} per group of residents under each strategy, final week.".format(
                         " and ".join(by_group)),
                     "caption": "Share of each group, mean over replicates, final week.",
                     "src": _svg(fig)})
    # experiments over a design
    factors = [f for f in ds.attrs.get("factor_names", []) if f in ds.coords]
    design = ds.attrs.get("design_type", "grid")
    if len(arms) > 1 and design == "grid" and len(factors) == 2 and P > 1:
        for outcome in headline[:2]:
            r = analysis.regime_map(ds, outcome, level=level)
            fig, ax = plt.subplots(figsize=(7, 4.5))
            plot.regime_map(r, ax=ax)
            ax.set_title(f"{outcome}: best strategy per condition (/// = no clear winner)", fontsize="medium")
            figs.append({"title": f"Where each strategy does best: {outcome}",
                         "alt": f"Grid over {factors[0]} and {factors[1]}; each cell coloured by the strategy with "
                                f"the best mean {outcome}, hatched where it is not distinguishable from the next.",
                         "caption": "A cell wins when the paired interval of best minus runner-up excludes 0.",
                         "src": _svg(fig)})
    if design in ("sobol", "morris") and factors:
        outcome = headline[0]
        minus = str(ds.attrs.get("baseline", arms[0])) if len(arms) > 1 else None
        arm = next((a for a in arms if a != minus), arms[0])
        try:
            if design == "sobol":
                idx = analysis.sobol(ds, outcome, arm=arm, minus=minus, level=level)
                fig, ax = plt.subplots(figsize=(8, 3.6))
                plot.sobol(idx, ax=ax, title=f"{outcome}: {arm}" + (f" − {minus}" if minus else ""))
                alt = (f"Bar chart of first-order and total Sobol' indices of {outcome} for each factor "
                       f"({', '.join(factors)}), with bootstrap intervals.")
                cap = "Share of the variance due to each factor alone (S1) and with its interactions (ST)."
            else:
                idx = analysis.morris(ds, outcome, arm=arm, minus=minus)
                fig, ax = plt.subplots(figsize=(6, 4.5))
                plot.morris(idx, ax=ax)
                alt = f"Scatter of Morris mu* against sigma for {outcome}, one point per factor."
                cap = "Far right: important factors; high: non-linear or interacting."
            figs.append({"title": "What drives the difference", "alt": alt, "caption": cap, "src": _svg(fig)})
        except (ArgumentError, ValueError):
            pass
    if design == "latin_hypercube" and len(arms) > 1 and factors:
        base = str(ds.attrs.get("baseline", arms[0]))
        outcome = headline[0]
        for arm in [a for a in arms if a != base][:1]:
            try:
                res = analysis.prim(ds, outcome, arm, base)
                box = res.best(min_coverage=0.7)
            except (ArgumentError, ValueError):
                continue
            X, _ = analysis.cases(ds, outcome, arm, base)
            fig, ax = plt.subplots(figsize=(7, 0.6 + 0.5 * max(1, len(box.restricted))))
            plot.prim_box(box, X, ax=ax)
            figs.append({"title": f"Where {arm} beats {base} on {outcome}",
                         "alt": "The ranges of the factors within which " + box.describe(f"{arm} beats {base}"),
                         "caption": box.describe(f"{arm} beats {base} on {outcome}") + " (PRIM, Friedman & Fisher 1999).",
                         "src": _svg(fig)})
    return figs


# --------------------------------------------------------------------------- the page


_CSS = """
:root { --fg: #1a1a1a; --muted: #555; --line: #ccc; --warn: #8a4b00; --warnbg: #fff4e0; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--fg); margin: 0 auto; padding: 1rem; max-width: 62rem; }
h1 { font-size: 1.6rem; margin: 0.2rem 0 0.4rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
border-bottom: 1px solid var(--line); } h3 { font-size: 1.05rem; }
.muted { color: var(--muted); } .small { font-size: 0.85rem; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.better { color: #005a8c; font-weight: 600; } .worse { color: #a0401a; font-weight: 600; }
.warning { background: var(--warnbg); border-left: 4px solid var(--warn); padding: 0.5rem 0.8rem; margin: 0.5rem 0; }
figure { margin: 1rem 0; } figure img { width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: var(--muted); }
ul.sentences li { margin: 0.3rem 0; font-weight: 400; } pre { white-space: pre-wrap; font-size: 0.8rem; }
p, li, dd, pre, summary, figcaption, .warning { overflow-wrap: anywhere; }
details { margin: 0.5rem 0; } dt { font-weight: 600; } dd { margin: 0 0 0.5rem 1rem; }
@media print { body { max-width: none; font-size: 11pt; } details > * { display: block; } .scroll { overflow: visible; }
  figure { break-inside: avoid; } h2 { break-after: avoid; } }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tegenmacht {{ meta.version }}">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p class="muted">{{ meta.description }}</p>
</header>
{% if warnings %}<section id="warnings" aria-label="warnings">
{% for w in warnings %}<p class="warning"><strong>Note.</strong> {{ w }}</p>
{% endfor %}</section>{% endif %}
<section id="headline">
<h2>What the comparison found</h2>
<p>Each strategy against <strong>{{ baseline }}</strong>. {{ method }}</p>
{% for g in groups %}<h3>{{ g.arm }} compared with {{ baseline }}</h3>
<ul class="sentences">
{% for s in g.sentences %}<li class="{{ s.cls }}" data-outcome="{{ s.outcome }}" data-arm="{{ s.arm }}">{{ s.text }}</li>
{% endfor %}</ul>
{% endfor %}
<h3>The numbers</h3>
<div class="scroll"><table id="headline-table">
<thead><tr><th scope="col">outcome</th><th scope="col">better</th>
{% for a in arms %}<th scope="col">{{ a }}</th>{% endfor %}
{% for a in others %}<th scope="col">{{ a }} − {{ baseline }} [{{ pct }} interval]</th>{% endfor %}</tr></thead>
<tbody>
{% for r in rows %}<tr><th scope="row">{{ r.outcome }}</th><td>{{ r.better }}</td>
{% for c in r.means %}<td class="num" data-outcome="{{ r.outcome }}" data-arm="{{ c.arm }}" data-stat="mean" data-value="{{ c.value }}">{{ c.text }}</td>{% endfor %}
{% for c in r.diffs %}<td class="num {{ c.cls }}" data-outcome="{{ r.outcome }}" data-arm="{{ c.arm }}" data-stat="mean_diff" data-value="{{ c.value }}" data-lo="{{ c.lo }}" data-hi="{{ c.hi }}">{{ c.text }}</td>{% endfor %}
</tr>
{% endfor %}</tbody></table></div>
<p class="small muted">Means over {{ replicates }} replicate(s){% if points > 1 %} and {{ points }} design points{% endif %}.
Differences are paired by replicate ({{ pairing }}); intervals are {{ pct }} Student-t intervals; a difference
shown in colour is clear (its interval excludes 0), blue when better, red when worse.</p>
</section>
{% if figures %}<section id="pictures"><h2>Pictures</h2>
{% for f in figures %}<figure><h3>{{ f.title }}</h3><img src="{{ f.src }}" alt="{{ f.alt }}">
<figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}</section>{% endif %}
<section id="run"><h2>What was run</h2>
<div class="scroll"><table id="run-table">
{% for k, v in run_rows %}<tr><th scope="row">{{ k }}</th><td>{{ v }}</td></tr>
{% endfor %}</table></div>
{% if config %}<details><summary>The resolved scenario (every value in effect)</summary><pre>{{ config }}</pre></details>{% endif %}
{% if experiment %}<details><summary>The experiment</summary><pre>{{ experiment }}</pre></details>{% endif %}
</section>
<section id="glossary"><h2>Glossary</h2><dl>
{% for g in glossary %}<dt>{{ g.name }}{% if g.unit %} <span class="muted small">[{{ g.unit }}]</span>{% endif %}</dt><dd>{{ g.text }}</dd>
{% endfor %}</dl></section>
<footer class="small muted"><p>Made by tegenmacht {{ meta.version }} (commit {{ meta.commit }}) on {{ made }}.</p></footer>
</body>
</html>
"""


def _headline(ds) -> List[str]:
    names = list(ds.attrs["outcome_names"])
    first = [n for n in _HEADLINE if n in names]
    return first + [n for n in names if n not in first]


def _context(ds, baseline: Optional[str], title: Optional[str], level: float) -> Dict[str, Any]:
    from . import analysis

    arms = [str(a) for a in ds["arm"].values]
    if baseline is None:
        baseline = str(ds.attrs.get("baseline", arms[0]))
    if baseline not in arms:
        raise ArgumentError(f"baseline: no strategy {baseline!r} in these results (they have: {', '.join(arms)})",
                            "baseline")
    others = [a for a in arms if a != baseline]
    headline = _headline(ds)
    if not headline:
        raise ArgumentError("results: the file has no outcomes to report", "results")
    pct = f"{100 * level:.0f} %"
    R = int(ds.sizes["replicate"])
    P = int(ds.sizes["point"])
    done = ds["job_done"].values if "job_done" in ds else np.ones((P, len(arms), R), dtype=bool)
    table = analysis.paired(ds, baseline=baseline, level=level) if others else None
    rows, sentences = [], []
    for o in headline:
        v = ds[o].transpose("point", "arm", "replicate").values.astype(float)
        v = np.where(done, v, np.nan)
        means = []
        for k, a in enumerate(arms):
            m = float(np.nanmean(v[:, k, :])) if np.isfinite(v[:, k, :]).any() else float("nan")
            means.append({"arm": a, "value": repr(m), "text": _fmt(m, 4)})
        diffs = []
        for a in others:
            r = table.loc[(o, a)]
            clear = np.isfinite(r["lo"]) and (r["lo"] > 0 or r["hi"] < 0)
            good = (r["mean_diff"] > 0) == (ds[o].attrs.get("better", "higher") == "higher")
            text = _fmt(r["mean_diff"], 3, True)
            if np.isfinite(r["lo"]):
                text += f" [{_fmt(r['lo'], 2, True)}, {_fmt(r['hi'], 2, True)}]"
            diffs.append({"arm": a, "value": repr(float(r["mean_diff"])), "lo": repr(float(r["lo"])),
                          "hi": repr(float(r["hi"])), "text": text,
                          "cls": ("better" if good else "worse") if clear else ""})
            sentences.append({"outcome": o, "arm": a, "cls": ("better" if good else "worse") if clear else "",
                              "text": _sentence(ds, o, a, baseline, r, level)})
        rows.append({"outcome": o, "better": ds[o].attrs.get("better", "higher"), "means": means, "diffs": diffs})
    warnings = _warnings(ds, headline, arms, baseline, table, level)
    meta = {"version": ds.attrs.get("tegenmacht_version", ""), "commit": ds.attrs.get("git_commit", ""),
            "description": ds.attrs.get("description", "") or _scenario_description(ds)}
    cfg = str(ds.attrs.get("config", ""))
    scen = ds.attrs.get("scenario_file", "") or ds.attrs.get("experiment_file", "")
    run_rows = [("scenario", f"{pathlib.Path(str(scen)).stem or '—'}: {_scenario_description(ds) or '—'}"),
                ("model", ds.attrs.get("model", "")),
                ("strategies compared", ", ".join(arms) + f" (baseline {baseline})"),
                ("replicates", f"{R} per strategy" + (f", at each of {P} design points" if P > 1 else "")),
                ("weeks", str(ds.attrs.get("steps", ds.sizes.get("week", 1) - 1 if "week" in ds.sizes else ""))),
                ("seed", str(ds.attrs.get("seed", ""))),
                ("design", ds.attrs.get("design_type", "") + (f" over {', '.join(ds.attrs.get('factor_names', []))}"
                                                              if ds.attrs.get("factor_names") else "")),
                ("tegenmacht", f"{meta['version']} (commit {meta['commit']}, {ds.attrs.get('build_type', '')} build)"),
                ("results made", str(ds.attrs.get("created", ""))),
                ("command", str(ds.attrs.get("command_line", "")) or "—")]
    if ds.attrs.get("from_run_files"):
        run_rows.append(("run files", ", ".join(ds.attrs["from_run_files"])))
    glossary = []
    seen = set()
    for name in headline + [m[:-7] for m in ds.data_vars if m.endswith("_series")]:
        key = name if name in ds else name + "_series"
        base_metric = ds[key].attrs.get("metric", name) if key in ds else name
        if name in seen or key not in ds:
            continue
        seen.add(name)
        text = ds[key].attrs.get("description", "") or "(no description)"
        red = ds[key].attrs.get("reduce", "")
        if key == name and red and red != "final":
            text += f" ({red} over weeks {ds[key].attrs.get('from', '')}–{ds[key].attrs.get('to', '')})"
        elif key == name and base_metric != name:
            text += f" (from the metric {base_metric})"
        unit = ds[key].attrs.get("unit", "")
        glossary.append({"name": name, "unit": unit[1:-1].replace(",", ", ") if unit.startswith("[") else unit,
                         "text": text})
    paired_runs = bool(ds.attrs.get("paired", 1))
    return {
        "title": title or f"{(pathlib.Path(str(scen)).stem or 'Results').replace('_', ' ')}: "
                          f"{', '.join(arms)} compared",
        "css": _CSS, "meta": meta, "warnings": warnings, "baseline": baseline, "arms": arms, "others": others,
        "rows": rows, "groups": [{"arm": a, "sentences": [x for x in sentences if x["arm"] == a]} for a in others],
        "pct": pct, "replicates": R, "points": P,
        "pairing": "common random numbers: replicate r of every strategy draws the same random numbers"
                   if paired_runs else "the run files have different seeds, so pairs share no random numbers",
        "method": ("A difference counts as clear only when its interval excludes 0; otherwise the report says "
                   "'no clear difference'."),
        "figures": _figures(ds, headline, level), "run_rows": run_rows, "config": cfg,
        "experiment": str(ds.attrs.get("experiment", "")), "glossary": glossary,
        "made": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _scenario_description(ds) -> str:
    import yaml

    try:
        cfg = yaml.safe_load(str(ds.attrs.get("config", ""))) or {}
        return str(cfg.get("description", "")) if isinstance(cfg, dict) else ""
    except yaml.YAMLError:
        return ""


def _warnings(ds, headline, arms, baseline, table, level) -> List[str]:
    from . import analysis

    out = []
    R = int(ds.sizes["replicate"])
    if "job_done" in ds and not bool(ds["job_done"].values.all()):
        d = int(ds["job_done"].values.sum())
        out.append(f"These results are incomplete: {d} of {ds['job_done'].size} runs finished (the experiment was "
                   "interrupted; finish it with --resume). The numbers use the finished runs only.")
    elif not int(ds.attrs.get("complete", 1)):
        out.append("These results are incomplete (the run was interrupted); the numbers use what finished.")
    # the scenario warnings stored in the file (events that cannot act, tiny neighbourhoods, ...)
    stored = ds.attrs.get("warnings", [])
    if isinstance(stored, str):
        stored = [stored]
    for w in stored or []:
        out.append(f"The scenario may not do what was meant: {w}")
    if not bool(ds.attrs.get("paired", 1)):
        out.append("The run files were made with different seeds: the strategies' replicates are not paired by "
                   "common random numbers, so the intervals are wider than a compare would give.")
    if R < 2:
        out.append("One replicate per strategy: no interval can be given, and no difference can be called clear.")
    else:
        ad = analysis.adequacy(ds, 0.1, level=level)
        short = []
        for o in headline:
            for a in arms:
                if (o, a) not in ad.index:
                    continue
                r = ad.loc[(o, a)]
                if np.isfinite(r["needed"]) and r["needed"] > R and r["sd"] > 0:
                    short.append(f"{o} under {a} (about {int(r['needed'])})")
        if short:
            out.append(f"{R} replicates are too few to estimate some means to ± 10 % "
                       f"(replication adequacy, Lorscheid et al. 2012): " + "; ".join(short[:8]) +
                       ("; …" if len(short) > 8 else "") + ". Read their paired intervals, and run more "
                       "replicates before relying on them.")
    constant = []
    for o in headline:
        v = ds[o].values.astype(float)
        for k, a in enumerate(arms):
            x = v[:, k, :] if v.ndim == 3 else v
            x = x[np.isfinite(x)]
            if x.size > 1 and np.all(x == x[0]):
                constant.append(f"{o} under {a} (always {_fmt(float(x[0]), 4)})")
    if constant and R > 1:
        out.append("Some outcomes take the same value in every replicate: " + "; ".join(constant[:10]) +
                   ("; …" if len(constant) > 10 else "") + ". Such a value holds by construction (a rule of the "
                   "strategy) or because nothing happened in these runs (e.g. too few weeks), not by chance: "
                   "check which before reading it as a finding.")
    return out


def report(results: Any, output: PathLike = "report.html", baseline: Optional[str] = None,
           title: Optional[str] = None, level: float = 0.95) -> pathlib.Path:
    """Writes one self-contained HTML report of results and returns its path.

    ``results``: an experiment results file, a folder of them (``compare -o DIR``), one
    or more run files (each a strategy), or the Datasets :func:`tegenmacht.load_results`
    returns. ``baseline``: the strategy the others are compared with (default: the
    file's baseline, or the first run file). ``level``: of every interval. The page is
    written to ``output + ".partial"`` and renamed, so an interrupted call leaves no
    half-written report. Raises ArgumentError for bad arguments, ResultsIOError /
    ResultsFormatError for unreadable files, and ImportError naming the Debian package
    when Jinja2 or matplotlib is missing.
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ArgumentError(f"level: must be in (0, 1) (got {level!r})", "level")
    if not isinstance(output, (str, os.PathLike)):
        raise ArgumentError(f"output: expected a file name, not {type(output).__name__}", "output")
    out = pathlib.Path(output)
    if out.is_dir():
        raise ArgumentError(f"output: {out} is a folder; give the report's file name, e.g. {out / 'report.html'}",
                            "output")
    if out.suffix.lower() not in (".html", ".htm"):
        raise ArgumentError(f"output: the report's name must end in .html (got {out}), so no other file is replaced",
                            "output")
    try:
        import jinja2
    except ImportError:
        raise ImportError("the report needs Jinja2: apt-get install python3-jinja2") from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError("the report needs matplotlib: apt-get install python3-matplotlib") from None
    ds = _load(results)
    ctx = _context(ds, baseline, title, level)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(_TEMPLATE).render(**ctx)
    _atomic_write(out, page.encode("utf-8"))
    return out


def _atomic_write(path: pathlib.Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".partial")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise ResultsIOError(f"{path}: cannot write ({e.strerror or e})", str(path)) from None
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------- CSV export


def _column(name: str, unit: str, label: Optional[str] = None) -> str:
    from .plot import _with_unit

    return _with_unit(f"{name}: {label}" if label is not None else name, unit)


def export(results: Any, folder: PathLike) -> List[pathlib.Path]:
    """Writes tidy CSV tables of results into ``folder`` (created if needed) and returns
    their paths: ``outcomes.csv`` (one row per design point × strategy × replicate:
    the design factors, then one column per outcome, named ``name [unit]``) and, when
    time series were recorded, ``series.csv`` (one row per design point × strategy ×
    replicate × week; a metric broken down by group, neighbourhood or institution gets
    one column per label, ``member_by_group: marginalised [share]``). Runs not finished
    are left out. Each file is written to ``name.partial`` and renamed. Raises as
    :func:`report`.
    """
    import pandas as pd

    if not isinstance(folder, (str, os.PathLike)):
        raise ArgumentError(f"folder: expected a folder name, not {type(folder).__name__}", "folder")
    folder = pathlib.Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ArgumentError(f"folder: {folder} is a file; give a folder for the CSV tables", "folder")
    ds = _load(results)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ResultsIOError(f"{folder}: cannot create the folder ({e.strerror or e})", str(folder)) from None
    arms = [str(a) for a in ds["arm"].values]
    P, A, R = ds.sizes["point"], len(arms), ds.sizes["replicate"]
    done = ds["job_done"].transpose("point", "arm", "replicate").values if "job_done" in ds \
        else np.ones((P, A, R), dtype=bool)
    idx = pd.MultiIndex.from_product([range(P), arms, range(R)], names=["point", "strategy", "replicate"])
    factors = [f for f in ds.attrs.get("factor_names", []) if f in ds.coords]
    base = pd.DataFrame(index=idx).reset_index()
    for f in factors:
        base.insert(len(base.columns) - 2, f, np.repeat(np.asarray(ds.coords[f].values), A * R))
    keep = done.reshape(-1)
    outcomes = base.copy()
    for o in ds.attrs["outcome_names"]:
        outcomes[_column(o, ds[o].attrs.get("unit", ""))] = ds[o].transpose("point", "arm", "replicate").values.reshape(-1)
    written = []
    path = folder / "outcomes.csv"
    _atomic_write(path, outcomes[keep].to_csv(index=False).encode("utf-8"))
    written.append(path)
    series = [m for m in ds.data_vars if m.endswith("_series")]
    if series:
        W = ds.sizes["week"]
        rows = base.loc[base.index.repeat(W)].reset_index(drop=True)
        rows.insert(len(rows.columns), "week", np.tile(np.arange(W), P * A * R))
        cols = {}
        for m in series:
            da = ds[m]
            name = m[:-7]
            unit = da.attrs.get("unit", "")
            extra = [d for d in da.dims if d not in ("point", "arm", "replicate", "week")]
            if extra:
                ax = extra[0]
                for lab in da[ax].values:
                    cols[_column(name, unit, str(lab))] = da.sel({ax: lab}).transpose(
                        "point", "arm", "replicate", "week").values.reshape(-1)
            else:
                cols[_column(name, unit)] = da.transpose("point", "arm", "replicate", "week").values.reshape(-1)
        table = pd.concat([rows, pd.DataFrame(cols)], axis=1)
        path = folder / "series.csv"
        _atomic_write(path, table[np.repeat(keep, W)].to_csv(index=False).encode("utf-8"))
        written.append(path)
    return written


# --------------------------------------------------------------------------- command line


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``tegenmacht report`` and ``tegenmacht export`` (the C++ command runs this)."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="tegenmacht", add_help=True)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="one self-contained HTML page of results")
    r.add_argument("results", nargs="+")
    r.add_argument("-o", "--output", default=None)
    r.add_argument("--baseline", default=None)
    r.add_argument("--title", default=None)
    r.add_argument("--level", type=float, default=0.95)
    e = sub.add_parser("export", help="tidy CSV tables of results")
    e.add_argument("results", nargs="+")
    e.add_argument("--csv", required=True, metavar="DIR")
    caught = {"signal": signal.SIGINT}

    def stop(signum, frame):  # SIGTERM (batch schedulers, `timeout`) ends the command like Ctrl-C
        caught["signal"] = signum
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        args = parser.parse_args(argv)
        if args.command == "report":
            out = args.output
            if out is None:
                first = pathlib.Path(args.results[0])
                out = (first if first.is_dir() else first.with_suffix("")).name + "_report.html"
            path = report(args.results, out, baseline=args.baseline, title=args.title, level=args.level)
            print(f"report: {path}")
        else:
            for p in export(args.results, args.csv):
                print(f"table: {p}")
        return 0
    except KeyboardInterrupt:
        print("tegenmacht: interrupted; nothing written", file=sys.stderr)
        return 128 + int(caught["signal"])
    except (ArgumentError, ResultsIOError, ResultsFormatError, ImportError, ValueError, KeyError) as ex:
        msg = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        if isinstance(ex, KeyError):
            msg = f"results: missing {msg}"
        print(f"tegenmacht: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
