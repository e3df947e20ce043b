"""Pictures with matplotlib: time series with replicate bands, strategy
comparisons, the contact network coloured by agent state, and the pictures of the
analysis layer — paired-difference forest plots, replicate convergence, Sobol and
Morris sensitivity indices, regime maps and PRIM scenario-discovery boxes.

Every single-panel function takes an optional ``ax`` and returns the axes it drew on;
:func:`convergence` draws two panels and returns the figure. matplotlib is imported
inside the functions, so ``import tegenmacht`` does not load it. Arms (strategies) get
the colour-blind-safe Okabe–Ito colours in the order they are listed.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = ["timeseries", "compare", "network", "forest", "convergence", "sobol", "morris",
           "regime_map", "prim_trajectory", "prim_box"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4))
    return ax


# Okabe & Ito's colour-blind-safe palette (Wong 2011, Nature Methods 8:441), black last
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def _arm_colour(i: int):
    """The colour of the i-th arm (strategy): Okabe–Ito, colour-blind safe."""
    return _PALETTE[i % len(_PALETTE)]


def _timeline(ds) -> list:
    """(week, label) of the scenario's timeline events, from the resolved scenario in
    ``ds.attrs["config"]`` (empty when there is none)."""
    text = getattr(ds, "attrs", {}).get("config", "")
    if not text:
        return []
    try:
        import yaml

        cfg = yaml.safe_load(text) or {}
    except Exception:  # a file without a readable scenario: no marks
        return []
    out = []
    for ev in cfg.get("timeline", []) if isinstance(cfg, dict) else []:
        if isinstance(ev, dict) and isinstance(ev.get("week"), int):
            what = [str(ev.get("type", "event"))]
            for key in ("issue", "neighbourhood", "institution", "strategy", "key"):
                if ev.get(key) is not None:
                    what.append(str(ev[key]))
            out.append((ev["week"], ev.get("name") or ": ".join([what[0], " ".join(what[1:])]).rstrip(": ")))
    return out


def _mark_events(ax, ds) -> None:
    """Dotted vertical lines at the timeline's events, labelled at the top of the axes."""
    for week, label in _timeline(ds):
        ax.axvline(week, color="0.55", linestyle=":", linewidth=1, zorder=0)
        ax.annotate(label, (week, 1), xycoords=("data", "axes fraction"), xytext=(2, -2),
                    textcoords="offset points", fontsize="x-small", color="0.35", va="top", rotation=90)


def _with_unit(name: str, unit: str) -> str:
    """'trust [0, 1]', 'sanctions_total [sanctions]': a unit in brackets, once."""
    if not unit:
        return name
    if unit.startswith("[") and unit.endswith("]"):
        return f"{name} [{unit[1:-1].replace(',', ', ')}]"
    return f"{name} [{unit}]"


def _need(obj, arg: str, what: str, kind: str, fields: Sequence[str] = ()) -> None:
    """TypeError naming the argument unless obj is a ``kind`` ("DataFrame", "Dataset" or an
    attribute name) with ``fields`` (columns, variables or attributes)."""
    import pandas as pd
    import xarray as xr

    ok = {"DataFrame": isinstance(obj, pd.DataFrame), "Dataset": isinstance(obj, xr.Dataset)}.get(
        kind, hasattr(obj, kind))
    if not ok:
        raise TypeError(f"{arg} must be {what}, not {type(obj).__name__}")
    have = obj.columns if kind == "DataFrame" else obj.data_vars if kind == "Dataset" else None
    missing = [f for f in fields if (f not in have if have is not None else not hasattr(obj, f))]
    if missing:
        raise ValueError(f"{arg} lacks {', '.join(missing)} (it should be {what})")


def _check_quantiles(quantiles) -> Tuple[float, float]:
    try:
        lo, hi = (float(q) for q in quantiles)
    except (TypeError, ValueError):
        raise ValueError(f"quantiles must be a pair (lo, hi), got {quantiles!r}") from None
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"quantiles must satisfy 0 <= lo < hi <= 1, got {quantiles!r}")
    return lo, hi


def _band(ax, x, values, label, band, color=None, quantiles=(0.05, 0.95)):
    """values: [replicate, week]; draws the mean and a band over replicates."""
    if band not in ("quantile", "sd", "range", None):
        raise ValueError(f"band must be 'quantile', 'sd', 'range' or None, not {band!r}")
    mean = np.nanmean(values, axis=0)
    (line,) = ax.plot(x, mean, label=label, color=color)
    if values.shape[0] > 1 and band:
        if band == "sd":
            sd = np.nanstd(values, axis=0)
            lo, hi = mean - sd, mean + sd
        elif band == "range":
            lo, hi = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        else:
            qlo, qhi = _check_quantiles(quantiles)
            lo, hi = np.nanquantile(values, qlo, axis=0), np.nanquantile(values, qhi, axis=0)
        ax.fill_between(x, lo, hi, alpha=0.2, color=line.get_color(), linewidth=0)
    return line


def timeseries(ds, metric: str, ax=None, band: Optional[str] = "quantile", title: Optional[str] = None,
               quantiles: Sequence[float] = (0.05, 0.95), events: bool = True):
    """Mean over replicates of a metric against weeks, with a band over replicates.

    ``band``: ``'quantile'`` (default) shades between the ``quantiles`` of the replicates
    (5–95 % unless given), so the band stays within the values the metric took;
    ``'range'``: min–max; ``'sd'``: mean ± one standard deviation — this can leave the
    metric's range (e.g. go below 0 or above 1 for a share); None: no band.
    A metric broken down by group, neighbourhood or institution gets one line per label.
    ``events``: the scenario's timeline events (rent rise, shock, cut, ...) as dotted
    lines. ``ds`` is a run's Dataset with dims (replicate, week[, label axis])."""
    if metric not in ds.data_vars:
        raise KeyError(f"unknown metric '{metric}' (available: {', '.join(ds.data_vars)})")
    ax = _axes(ax)
    da = ds[metric]
    x = da["week"].values
    extra = [d for d in da.dims if d not in ("replicate", "week", "run")]
    if "run" in da.dims:
        raise ValueError("a sweep: select a run first, e.g. ds.isel(run=0)")
    if extra:
        axis = extra[0]
        for label in da[axis].values:
            _band(ax, x, da.sel({axis: label}).transpose("replicate", "week").values, str(label), band,
                  quantiles=quantiles)
        ax.legend(title=axis, fontsize="small")
    else:
        _band(ax, x, da.transpose("replicate", "week").values, metric, band, quantiles=quantiles)
    unit = da.attrs.get("unit", "")
    ax.set_xlabel("week")
    ax.set_ylabel(_with_unit(metric, unit))
    ax.set_title(title if title is not None else da.attrs.get("description", metric), fontsize="medium")
    if events:
        _mark_events(ax, ds)
    return ax


def compare(results: Mapping[str, Any], metric: str, ax=None, band: Optional[str] = "quantile",
            reduce: str = "mean", quantiles: Sequence[float] = (0.05, 0.95), events: bool = True):
    """One line (with a replicate band) per labelled result, e.g. ``{"polder": ds1, "alinsky": ds2}``.
    A metric with a group/neighbourhood/institution axis is averaged over it (``reduce='mean'``)
    or summed (``'sum'``). ``band`` and ``quantiles`` as in :func:`timeseries` (default: the
    5–95 % quantile band; ``'sd'`` can leave the metric's range). ``events``: the first
    result's timeline events as dotted lines."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping of label → Dataset")
    ax = _axes(ax)
    for i, (label, ds) in enumerate(results.items()):
        if metric not in ds.data_vars:
            raise KeyError(f"unknown metric '{metric}' in result '{label}'")
        da = ds[metric]
        extra = [d for d in da.dims if d not in ("replicate", "week")]
        if extra:
            da = getattr(da, reduce)(extra)
        _band(ax, da["week"].values, da.transpose("replicate", "week").values, str(label), band,
              color=_arm_colour(i), quantiles=quantiles)
    ax.set_xlabel("week")
    unit = next(iter(results.values()))[metric].attrs.get("unit", "")
    ax.set_ylabel(_with_unit(metric, unit))
    ax.legend(fontsize="small")
    if events:
        _mark_events(ax, next(iter(results.values())))
    return ax


_STATE_COLOURS = {0: "#c8c8c8", 1: "#4a90d9", 2: "#d9534f"}


def network(sim, color: str = "state", ax=None, max_nodes: int = 1500, seed: int = 0, node_size: float = 6.0):
    """The contact network of a :class:`~tegenmacht.Simulation`, nodes coloured by an agent
    column (``'state'``: grey passive, blue member, red active; any other column with a
    colour map). Large networks are shown as a random sample of ``max_nodes`` nodes with the
    ties among them. Residents are laid out by neighbourhood (clusters on a circle) when the
    model has neighbourhoods, else with a spring layout."""
    net = sim.network
    if net is None:
        raise ValueError("this model has no network")
    offsets, targets = net
    agents = sim.agents
    if color not in agents:
        raise KeyError(f"unknown agent column '{color}' (available: {', '.join(agents)})")
    n = len(offsets) - 1
    rng = np.random.default_rng(seed)
    nodes = np.sort(rng.choice(n, size=min(n, max_nodes), replace=False))
    index = -np.ones(n, dtype=np.int64)
    index[nodes] = np.arange(len(nodes))
    edges = []
    for k, i in enumerate(nodes):
        for j in targets[offsets[i]:offsets[i + 1]]:
            if j > i and index[j] >= 0:
                edges.append((k, index[j]))
    if "neighbourhood" in agents:
        nb = agents["neighbourhood"][nodes]
        nbs = int(agents["neighbourhood"].max()) + 1
        angle = 2 * np.pi * nb / max(nbs, 1)
        pos = np.c_[np.cos(angle), np.sin(angle)] * (1.0 if nbs > 1 else 0.0)
        pos = pos + rng.normal(scale=0.28, size=pos.shape)
    else:
        try:
            import networkx as nx

            g = nx.Graph()
            g.add_nodes_from(range(len(nodes)))
            g.add_edges_from(edges)
            layout = nx.spring_layout(g, seed=seed)
            pos = np.array([layout[k] for k in range(len(nodes))])
        except ImportError:
            angle = 2 * np.pi * np.arange(len(nodes)) / len(nodes)
            pos = np.c_[np.cos(angle), np.sin(angle)]
    ax = _axes(ax)
    if edges:
        from matplotlib.collections import LineCollection

        segs = np.stack([pos[[a for a, _ in edges]], pos[[b for _, b in edges]]], axis=1)
        ax.add_collection(LineCollection(segs, colors="#999999", linewidths=0.2, alpha=0.35, zorder=1))
    values = agents[color][nodes]
    if color == "state":
        cols = [_STATE_COLOURS.get(int(v), "#000000") for v in values]
        ax.scatter(pos[:, 0], pos[:, 1], c=cols, s=node_size, zorder=2, linewidths=0)
        from matplotlib.lines import Line2D

        ax.legend(handles=[Line2D([], [], marker="o", ls="", color=c, label=l)
                           for l, c in zip(["passive", "member", "active"], _STATE_COLOURS.values())],
                  fontsize="small", loc="upper right")
    else:
        sc = ax.scatter(pos[:, 0], pos[:, 1], c=values, s=node_size, zorder=2, linewidths=0, cmap="viridis")
        ax.figure.colorbar(sc, ax=ax, label=color)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"week {sim.week}: {len(nodes)} of {n} nodes, coloured by {color}", fontsize="medium")
    return ax


# --------------------------------------------------------------------------- analysis pictures


def _short(name: str, width: int = 10) -> str:
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"


def _num(v) -> str:
    """A tick or limit value with 2–3 significant digits."""
    from ._prim import _fmt

    try:
        return _fmt(float(v))
    except (TypeError, ValueError):
        return str(v)


def _num_in(v: float, span: float) -> str:
    """``v`` rounded to about three significant digits of ``span`` (a column's range)."""
    import math

    if not np.isfinite(span) or span <= 0:
        return _num(v)
    decimals = max(0, 2 - int(math.floor(math.log10(span))))
    return f"{v:.{decimals}f}"


_FOREST_COLUMNS = ("mean_diff", "lo", "hi")


def forest(table, ax=None, outcome=None, standardised: bool = False):
    """Paired-difference forest plot: one row per (outcome, arm).

    Parameters
    ----------
    table : pandas.DataFrame
        MultiIndex (outcome, arm); columns n, baseline_mean, arm_mean, mean_diff, sd, lo,
        hi, effect_size, share_better, sign_p, wilcoxon_p, p_holm, better ('higher' or
        'lower') and baseline (the baseline arm's name). Only mean_diff, lo, hi (and
        effect_size when ``standardised``) and baseline are drawn from.
    ax : matplotlib Axes, optional
    outcome : str or list of str, optional
        Only these outcomes (default: all, in the table's order).
    standardised : bool
        Plot ``effect_size`` (mean difference / sd of the differences) instead of the
        raw mean difference, so outcomes with different units share one axis; then no
        interval is drawn, only points.

    Each row is a point at the mean difference (arm − baseline) with a horizontal line
    lo..hi, drawn with ``Axes.errorbar`` (one ErrorbarContainer per row); a filled marker
    means the interval excludes 0, an open marker that it does not. Rows are labelled
    "outcome: arm − baseline" and coloured by arm (Okabe–Ito, in the order the arms first
    appear); a vertical line marks 0.

    Returns the Axes. Raises ValueError for a table without a two-level index or without
    the needed columns, or for an ``outcome`` that is not in it.
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or table.index.nlevels != 2:
        raise ValueError("table must be a DataFrame indexed by (outcome, arm)")
    need = list(_FOREST_COLUMNS) + (["effect_size"] if standardised else [])
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {', '.join(missing)}")
    if outcome is not None:
        wanted = [outcome] if isinstance(outcome, str) else list(outcome)
        known = list(dict.fromkeys(table.index.get_level_values(0)))
        bad = [o for o in wanted if o not in known]
        if bad:
            raise ValueError(f"unknown outcome(s) {', '.join(map(str, bad))} "
                             f"(available: {', '.join(map(str, known))})")
        table = table[table.index.get_level_values(0).isin(wanted)]
    if table.empty:
        raise ValueError("table has no rows to plot")
    ax = _axes(ax)
    arms = list(dict.fromkeys(table.index.get_level_values(1)))
    labels = []
    for row, ((out, arm), r) in enumerate(table.iterrows()):
        colour = _arm_colour(arms.index(arm))
        lo, hi = float(r["lo"]), float(r["hi"])
        excludes_zero = bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))
        face = colour if excludes_zero else "white"
        if standardised:
            x, xerr = float(r["effect_size"]), None
            if np.isinf(x):  # every pair differs by the same amount: drawn at the edge, marked
                edge = max([abs(float(e)) for e in table["effect_size"] if np.isfinite(e)] + [1.0]) * 1.15
                ax.plot([np.sign(x) * edge], [row], marker=">" if x > 0 else "<", color=colour, markersize=8)
                ax.annotate("∞ (no variation)", (np.sign(x) * edge, row), textcoords="offset points",
                            xytext=(-6 if x > 0 else 6, 6), ha="right" if x > 0 else "left", fontsize="x-small")
                base = r["baseline"] if "baseline" in table.columns else "baseline"
                labels.append(f"{out}: {arm} − {base}")
                continue
        else:
            x = float(r["mean_diff"])
            xerr = np.array([[max(x - lo, 0.0)], [max(hi - x, 0.0)]])
        ax.errorbar([x], [row], xerr=xerr, fmt="o", color=colour, markerfacecolor=face,
                    markeredgecolor=colour, capsize=3, markersize=6, linewidth=1.5)
        base = r["baseline"] if "baseline" in table.columns else "baseline"
        labels.append(f"{out}: {arm} − {base}")
    ax.axvline(0.0, color="0.4", linewidth=0.8, linestyle="--", zorder=0)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize="small")
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlabel("standardised effect (mean difference / sd)" if standardised
                  else "paired mean difference (arm − baseline)")
    ax.set_title("filled: interval excludes 0", fontsize="small")
    return ax


def convergence(conv, arm=None, point: int = 0, axes=None):
    """Running mean and running coefficient of variation against the number of replicates.

    Parameters
    ----------
    conv : xarray.Dataset
        Variables ``running_mean`` and ``running_cv`` with dims (point, arm, replicate),
        ``replicate`` = 1..R (replicates so far), coordinate ``arm`` (names). A Dataset
        without a ``point`` dim is accepted as is.
    arm : str or list of str, optional
        Only these arms (default: all). Colours stay those of the arms' order in ``conv``.
    point : int
        Position (not label) along ``point`` of the design point to show.
    axes : pair of matplotlib Axes, optional
        Where to draw the mean and the CV panels; default a new figure with two panels.

    Returns the matplotlib Figure. Raises KeyError for a missing variable or unknown arm,
    IndexError for a point out of range.
    """
    _need(conv, "conv", "the Dataset of tgm.analysis.convergence", "Dataset", ("running_mean", "running_cv"))
    if isinstance(point, bool) or not isinstance(point, (int, np.integer)):
        raise TypeError(f"point must be an integer position, not {type(point).__name__}")
    if "point" in conv.dims:
        npt = conv.sizes["point"]
        if not -npt <= point < npt:
            raise IndexError(f"point {point} out of range (0..{npt - 1})")
        conv = conv.isel(point=point)
    all_arms = [str(a) for a in conv["arm"].values] if "arm" in conv.coords else [None]
    if arm is None:
        chosen = all_arms
    else:
        chosen = [arm] if isinstance(arm, str) else list(arm)
        bad = [a for a in chosen if a not in all_arms]
        if bad:
            raise KeyError(f"unknown arm(s) {', '.join(bad)} (available: {', '.join(map(str, all_arms))})")
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    else:
        axes = list(axes)
        if len(axes) != 2:
            raise ValueError("axes must be a pair (mean panel, CV panel)")
        fig = axes[0].figure
    R = conv.sizes["replicate"]
    x = conv["replicate"].values if "replicate" in conv.coords else np.arange(1, R + 1)
    for a in chosen:
        colour = _arm_colour(all_arms.index(a))
        sel = conv.sel(arm=a) if a is not None else conv
        axes[0].plot(x, sel["running_mean"].values, color=colour, label=a)
        axes[1].plot(x, sel["running_cv"].values, color=colour, label=a)
    axes[0].set_ylabel("running mean")
    axes[1].set_ylabel("running CV (sd / mean)")
    from matplotlib.ticker import MaxNLocator

    for ax, title in zip(axes, ("mean", "coefficient of variation")):
        ax.set_xlabel("replicates")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title, fontsize="medium")
    if chosen != [None]:
        axes[0].legend(fontsize="small", title="arm")
    return fig


def sobol(indices, ax=None, title: Optional[str] = None):
    """Grouped bars of first-order (S1) and total (ST) Sobol indices per factor.

    ``indices``: DataFrame, index = factor names, columns S1, S1_lo, S1_hi, ST, ST_lo,
    ST_hi (the ``_lo``/``_hi`` columns are a confidence interval, drawn as error bars).
    Returns the Axes (two BarContainers, one bar per factor each). Raises ValueError if
    a column is missing.
    """
    _need(indices, "indices", "the DataFrame of tgm.analysis.sobol", "DataFrame")
    missing = [c for c in ("S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi") if c not in indices.columns]
    if missing:
        raise ValueError(f"indices lacks column(s) {', '.join(missing)}")
    ax = _axes(ax)
    names = [str(i) for i in indices.index]
    pos = np.arange(len(names))
    width = 0.38
    for k, (col, label) in enumerate((("S1", "first order S1"), ("ST", "total ST"))):
        val = indices[col].to_numpy(dtype=float)
        err = np.vstack([np.clip(val - indices[f"{col}_lo"].to_numpy(dtype=float), 0, None),
                         np.clip(indices[f"{col}_hi"].to_numpy(dtype=float) - val, 0, None)])
        ax.bar(pos + (k - 0.5) * width, val, width, yerr=err, capsize=3, label=label, color=_arm_colour(k))
    ax.axhline(0.0, color="0.3", linewidth=0.6)
    ax.set_xticks(pos)
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_ylabel("Sobol index")
    ax.legend(fontsize="small")
    if title is not None:
        ax.set_title(title, fontsize="medium")
    return ax


def morris(mu, ax=None, annotate: bool = True):
    """Morris elementary effects: μ* (x) against σ (y), one point per factor.

    ``mu``: DataFrame, index = factor names, columns mu, mu_star, sigma (and r, the number
    of trajectories, unused here). Points are annotated with the factor names when
    ``annotate``; the dashed line σ = μ* separates factors whose effect is mostly linear
    and additive (below) from those with non-linear effects or interactions (above),
    after the reference lines of Garcia Sanchez et al. (2014). Returns the Axes.
    Raises ValueError if mu_star or sigma is missing.
    """
    _need(mu, "mu", "the DataFrame of tgm.analysis.morris", "DataFrame")
    missing = [c for c in ("mu_star", "sigma") if c not in mu.columns]
    if missing:
        raise ValueError(f"mu lacks column(s) {', '.join(missing)}")
    ax = _axes(ax)
    xs = mu["mu_star"].to_numpy(dtype=float)
    ys = mu["sigma"].to_numpy(dtype=float)
    ax.scatter(xs, ys, color=_arm_colour(0), zorder=3)
    if annotate:
        for name, x, y in zip(mu.index, xs, ys):
            ax.annotate(str(name), (x, y), textcoords="offset points", xytext=(4, 4), fontsize="small")
    top = float(np.nanmax(np.r_[xs, ys, 0.0])) * 1.1 or 1.0
    ax.plot([0, top], [0, top], linestyle="--", color="0.5", linewidth=0.8, label="σ = μ*")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("μ* (mean absolute elementary effect)")
    ax.set_ylabel("σ (sd of elementary effects)")
    ax.legend(fontsize="small", loc="upper left")
    return ax


def _grid_coords(regime, x, y):
    along = [str(n) for n, c in regime.coords.items() if c.dims == ("point",) and n != "point"]
    if x is None and y is None:
        if len(along) != 2:
            raise ValueError(f"regime must have exactly two coordinates along 'point' to pick x and y "
                             f"from, found {along or 'none'}; give x and y")
        x, y = along
    elif x is None or y is None:
        rest = [n for n in along if n not in (x, y)]
        if len(rest) != 1:
            raise ValueError(f"give both x and y (coordinates along 'point': {along})")
        x, y = (rest[0], y) if x is None else (x, rest[0])
    for n in (x, y):
        if n not in regime.coords or regime.coords[n].dims != ("point",):
            raise ValueError(f"'{n}' is not a coordinate along 'point' (available: {along})")
    return x, y


def regime_map(regime, x: Optional[str] = None, y: Optional[str] = None, ax=None):
    """Which arm is best where, on a grid of two factors.

    Parameters
    ----------
    regime : xarray.Dataset
        Dim ``point``, two factor coordinates along ``point`` (e.g. ``responsiveness`` and
        ``repression``, each with dims ('point',)), and variables ``best`` (arm name per
        point), ``status`` ('win', 'tie' or 'unknown') and ``margin`` (float). If it also has
        a coordinate ``arm``, that order fixes the colours; otherwise the arms are sorted.
    x, y : str, optional
        The coordinates for the horizontal and vertical axes; default the two coordinates
        along ``point`` (in their order in the Dataset).
    ax : matplotlib Axes, optional

    The grid may be spaced irregularly, so cells are drawn at the indices of the sorted
    unique values (tick labels show the values). Colour = best arm (Okabe–Ito in the arms'
    order, legend), hatching '///' where status is not 'win', and each cell is annotated
    with the (shortened) arm name. Returns the Axes.

    Raises ValueError if x/y cannot be chosen (not exactly two coordinates along
    ``point``), a variable is missing, or the points are not a full grid (a combination of
    x and y values missing or repeated).
    """
    import matplotlib.patches as mpatches
    from matplotlib.colors import BoundaryNorm, ListedColormap

    _need(regime, "regime", "the Dataset of tgm.analysis.regime_map", "Dataset", ("best", "status"))

    for v in ("best", "status"):
        if v not in regime.data_vars and v not in regime.coords:
            raise ValueError(f"regime lacks variable '{v}'")
    if "point" not in regime.dims:
        raise ValueError("regime must have a 'point' dimension")
    x, y = _grid_coords(regime, x, y)
    xv, yv = regime[x].values, regime[y].values
    ux, uy = np.unique(xv), np.unique(yv)
    ix, iy = np.searchsorted(ux, xv), np.searchsorted(uy, yv)
    count = np.zeros((len(uy), len(ux)), dtype=int)
    np.add.at(count, (iy, ix), 1)
    if not np.all(count == 1):
        raise ValueError(f"the points do not form a full {len(ux)}×{len(uy)} grid of '{x}' × '{y}' "
                         f"({int((count == 0).sum())} combination(s) missing, {int((count > 1).sum())} repeated)")
    best = [str(b) for b in regime["best"].values]
    status = [str(s) for s in regime["status"].values]
    if "arm" in regime.coords:
        arms = [str(a) for a in regime.coords["arm"].values]
    else:
        arms = sorted({b for b in best if b not in ("", "nan", "None")})
    code = np.full((len(uy), len(ux)), np.nan)
    for b, i, j in zip(best, iy, ix):
        if b in arms:
            code[i, j] = arms.index(b)
    ax = _axes(ax)
    cmap = ListedColormap([_arm_colour(k) for k in range(len(arms))] or ["white"])
    cmap.set_bad("0.85")
    norm = BoundaryNorm(np.arange(-0.5, max(len(arms), 1) + 0.5), cmap.N)
    ax.pcolormesh(np.arange(len(ux) + 1) - 0.5, np.arange(len(uy) + 1) - 0.5, np.ma.masked_invalid(code),
                  cmap=cmap, norm=norm, edgecolors="white", linewidth=0.5)
    for b, s, i, j in zip(best, status, iy, ix):
        if s != "win":
            ax.add_patch(mpatches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                            edgecolor="0.25", linewidth=0))
        ax.text(j, i, _short(b, 8), ha="center", va="center", fontsize="x-small")
    ax.set_xticks(range(len(ux)))
    ax.set_xticklabels([_num(v) for v in ux], fontsize="small")
    ax.set_yticks(range(len(uy)))
    ax.set_yticklabels([_num(v) for v in uy], fontsize="small")
    ax.set_xlim(-0.5, len(ux) - 0.5)
    ax.set_ylim(-0.5, len(uy) - 0.5)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    handles = [mpatches.Patch(color=_arm_colour(k), label=a) for k, a in enumerate(arms)]
    handles.append(mpatches.Patch(facecolor="white", edgecolor="0.25", hatch="///", label="tie / unknown"))
    ax.legend(handles=handles, fontsize="small", bbox_to_anchor=(1.02, 1), loc="upper left", title="best arm")
    return ax


def prim_trajectory(result, ax=None):
    """The PRIM peeling trajectory (:func:`tegenmacht._prim.prim`): coverage (x) against
    density (y), one point per step, coloured by the number of restricted dimensions
    (colorbar). Returns the Axes."""
    _need(result, "result", "what tgm.analysis.prim returns", "trajectory")
    t = result.trajectory
    ax = _axes(ax)
    dims = t["restricted_dims"].to_numpy()
    top = int(dims.max()) if len(dims) else 0
    sc = ax.scatter(t["coverage"], t["density"], c=dims, cmap="viridis", vmin=0, vmax=max(top, 1),
                    s=18, zorder=3)
    ax.figure.colorbar(sc, ax=ax, label="restricted dimensions", ticks=range(0, max(top, 1) + 1))
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("PRIM peeling trajectory", fontsize="medium")
    return ax


def prim_box(box, X, ax=None):
    """A PRIM :class:`~tegenmacht._prim.Box` against the factors' ranges in ``X``.

    One horizontal row per restricted dimension: a grey bar for the column's full range in
    X (normalised to [0, 1]) and a coloured bar for the box's [lo, hi] on that scale, with
    the numeric limits written on it. Returns the Axes. Raises KeyError if X lacks a
    restricted column.
    """
    _need(box, "box", "a Box of a PRIM result (result.best() or .select(i))", "limits", ("restricted",))
    _need(X, "X", "the factor table (tgm.analysis.cases(...)[0])", "DataFrame")
    ax = _axes(ax)
    names = list(box.restricted)
    missing = [c for c in names if c not in X.columns]
    if missing:
        raise KeyError(f"X lacks the box's column(s) {', '.join(map(str, missing))}")
    for row, c in enumerate(names):
        cmin, cmax = float(X[c].min()), float(X[c].max())
        span = cmax - cmin or 1.0
        lo, hi = float(box.limits.loc[c, "lo"]), float(box.limits.loc[c, "hi"])
        a, b = (lo - cmin) / span, (hi - cmin) / span
        ax.barh(row, 1.0, left=0.0, height=0.6, color="0.88")
        ax.barh(row, b - a, left=a, height=0.6, color=_arm_colour(0))
        ax.text((a + b) / 2, row, f"{_num_in(lo, span)} – {_num_in(hi, span)}", ha="center", va="center",
                fontsize="small", color="white" if b - a > 0.3 else "black")
        ax.text(0.0, row + 0.38, _num_in(cmin, span), ha="left", va="center", fontsize="x-small", color="0.4")
        ax.text(1.0, row + 0.38, _num_in(cmax, span), ha="right", va="center", fontsize="x-small", color="0.4")
    if not names:
        ax.text(0.5, 0.5, "no restricted dimension", ha="center", va="center", transform=ax.transAxes)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    ax.set_ylim(len(names) - 0.4, -0.6)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the factor's range in X")
    ax.set_title(f"coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f}",
                 fontsize="medium")
    return ax
