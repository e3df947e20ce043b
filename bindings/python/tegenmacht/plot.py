"""Pictures with matplotlib: time series with replicate bands, strategy
comparisons, and the contact network coloured by agent state.

Every function takes an optional ``ax`` and returns the axes it drew on.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

__all__ = ["timeseries", "compare", "network"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4))
    return ax


def _band(ax, x, values, label, band, color=None):
    """values: [replicate, week]; draws the mean and a band."""
    mean = np.nanmean(values, axis=0)
    (line,) = ax.plot(x, mean, label=label, color=color)
    if values.shape[0] > 1 and band:
        if band == "sd":
            sd = np.nanstd(values, axis=0)
            lo, hi = mean - sd, mean + sd
        elif band == "range":
            lo, hi = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        elif band == "quantile":
            lo, hi = np.nanquantile(values, 0.1, axis=0), np.nanquantile(values, 0.9, axis=0)
        else:
            raise ValueError(f"band must be 'sd', 'range', 'quantile' or None, not {band!r}")
        ax.fill_between(x, lo, hi, alpha=0.2, color=line.get_color(), linewidth=0)
    return line


def timeseries(ds, metric: str, ax=None, band: Optional[str] = "sd", title: Optional[str] = None):
    """Mean over replicates of a metric against weeks, with a band (``'sd'``: ± one
    standard deviation, ``'range'``: min–max, ``'quantile'``: 10–90 %, None: no band).
    A metric broken down by group, neighbourhood or institution gets one line per label."""
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
            _band(ax, x, da.sel({axis: label}).transpose("replicate", "week").values, str(label), band)
        ax.legend(title=axis, fontsize="small")
    else:
        _band(ax, x, da.transpose("replicate", "week").values, metric, band)
    unit = da.attrs.get("unit", "")
    ax.set_xlabel("week")
    ax.set_ylabel(f"{metric} [{unit}]" if unit else metric)
    ax.set_title(title if title is not None else da.attrs.get("description", metric), fontsize="medium")
    return ax


def compare(results: Mapping[str, Any], metric: str, ax=None, band: Optional[str] = "sd", reduce: str = "mean"):
    """One line (with a replicate band) per labelled result, e.g. ``{"polder": ds1, "alinsky": ds2}``.
    A metric with a group/neighbourhood/institution axis is averaged over it (``reduce='mean'``)
    or summed (``'sum'``)."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError("results must be a non-empty mapping of label → Dataset")
    ax = _axes(ax)
    for label, ds in results.items():
        if metric not in ds.data_vars:
            raise KeyError(f"unknown metric '{metric}' in result '{label}'")
        da = ds[metric]
        extra = [d for d in da.dims if d not in ("replicate", "week")]
        if extra:
            da = getattr(da, reduce)(extra)
        _band(ax, da["week"].values, da.transpose("replicate", "week").values, str(label), band)
    ax.set_xlabel("week")
    unit = next(iter(results.values()))[metric].attrs.get("unit", "")
    ax.set_ylabel(f"{metric} [{unit}]" if unit else metric)
    ax.legend(fontsize="small")
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
