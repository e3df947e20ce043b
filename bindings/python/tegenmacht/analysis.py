"""Analysis of experiments: under which conditions does each strategy work?

Every function takes the results of an experiment — the ``xarray.Dataset`` that
:func:`tegenmacht.experiment`, :func:`tegenmacht.compare`, :func:`tegenmacht.sweep` or
:func:`tegenmacht.load_results` returns, or the path of an experiment results file —
and returns pandas / xarray objects. The statistics are the experiments library's
(C++, one implementation shared with ``tegenmacht analyse`` and the ``/analysis``
group of the results file); scenario discovery (:func:`prim`, :func:`tree`) is numpy /
scikit-learn.

=================  ==========================================================  ==========================
function           answers                                                      source
=================  ==========================================================  ==========================
:func:`paired`     how large is the difference between arms, how sure?          Student 1908; Wilcoxon 1945;
                                                                                Holm 1979; Cohen 1988
:func:`adequacy`   have I run enough replicates?                                Lorscheid et al. 2012
:func:`convergence` running mean and CV over replicates                         Lorscheid et al. 2012
:func:`sobol`      which factors drive an outcome (or a difference)?            Saltelli et al. 2010; Jansen 1999
:func:`morris`     ... screening with few runs                                  Morris 1991; Campolongo et al. 2007
:func:`regime_map` where does each arm win, lose or tie?                        paired t-interval per point
:func:`prim`       the conditions under which one arm beats another             Friedman & Fisher 1999
:func:`tree`       the same as the leaves of a classification tree             Breiman et al. 1984
=================  ==========================================================  ==========================

Common random numbers: replicate r of every design point and arm draws the same random
numbers, so replicate r of two arms is a pair; differences are taken per replicate.
Directions: an outcome is "better" when higher unless the model (``hardship``,
``sanctions_total``, ...) or the experiment file (``better: lower``) says lower; the
direction is in ``ds[outcome].attrs["better"]``.
"""

from __future__ import annotations

import numbers
import os
import warnings
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _core
from .errors import ArgumentError

__all__ = ["paired", "adequacy", "convergence", "sobol", "morris", "regime_map", "prim", "tree", "cases"]


# --------------------------------------------------------------------------- arguments


def _results(results: Any):
    """The experiment Dataset of ``results`` (a Dataset or a path)."""
    if isinstance(results, (str, os.PathLike)):
        from .results import load_results
        results = load_results(results)
    if getattr(results, "attrs", {}).get("kind") != "experiment":
        raise ArgumentError("results: not the results of an experiment (give what tgm.experiment, tgm.compare or "
                            "tgm.load_results of an experiment file returns, or such a file's path)", "results")
    for name in results.attrs.get("outcome_names", []):
        if name not in results.data_vars:
            raise ArgumentError(f"results: the outcome {name!r} is missing from the Dataset (was it dropped?)",
                                "results")
        if set(results[name].dims) != {"point", "arm", "replicate"}:
            raise ArgumentError(f"results: the outcome {name!r} has dims {results[name].dims}, not (point, arm, "
                                "replicate) (select with a list, e.g. ds.isel(arm=[0]), to keep a dim)", "results")
    return results


def _level(level: Any) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ArgumentError(f"level: must be a number in (0, 1) (got {level!r})", "level")
    return float(level)


def _outcome(ds, outcome: Any, arg: str = "outcome") -> int:
    names = list(ds.attrs["outcome_names"])
    if not isinstance(outcome, str) or outcome not in names:
        raise ArgumentError(f"{arg}: no outcome {outcome!r} in these results (they have: {', '.join(names)})", arg)
    return names.index(outcome)


def _arm(ds, arm: Any, arg: str) -> int:
    arms = [str(a) for a in ds["arm"].values]
    if str(arm) not in arms or not isinstance(arm, (str, int, float)) or isinstance(arm, bool):
        raise ArgumentError(f"{arg}: no arm {arm!r} in these results (they have: {', '.join(arms)})", arg)
    return arms.index(str(arm))


def _outcomes(ds) -> Dict[str, Any]:
    """What the C++ analyses take: outcome arrays (point, arm, replicate), directions and the design."""
    names = list(ds.attrs["outcome_names"])
    values, better = [], []
    for n in names:
        v = ds[n].transpose("point", "arm", "replicate").values.astype(float)
        v[~np.isfinite(v)] = np.nan  # an overflow counts as missing, as in the library
        if "job_done" in ds:  # a job not done counts as missing, whatever the file holds
            v = np.where(ds["job_done"].transpose("point", "arm", "replicate").values, v, np.nan)
        values.append(np.ascontiguousarray(v))
        better.append(-1 if ds[n].attrs.get("better") == "lower" else 1)
    arms = [str(a) for a in ds["arm"].values]
    baseline = str(ds.attrs.get("baseline", arms[0]))
    d: Dict[str, Any] = {
        "names": names, "better": better, "arms": arms, "values": values,
        "baseline": baseline if baseline in arms else arms[0],
        "design": str(ds.attrs.get("design_type", "grid")),
        "factors": list(ds.attrs.get("factor_names", [])),
        "unit": None, "morris_changed": None,
    }
    if d["design"] == "sobol" and "design_n" in ds.attrs:
        d["sobol_n"] = int(ds.attrs["design_n"])
    if "design_unit" in ds:
        d["unit"] = np.ascontiguousarray(ds["design_unit"].values, dtype=float)
    if "morris_changed" in ds:
        d["morris_changed"] = [int(x) for x in ds["morris_changed"].values]
    return d


# --------------------------------------------------------------------------- paired comparison


def paired(results: Any, baseline: Optional[str] = None, level: float = 0.95, point: Optional[int] = None):
    """Every arm against the baseline on every outcome, paired by replicate.

    Returns a ``pandas.DataFrame`` indexed by (outcome, arm) with columns
    ``n`` (pairs), ``baseline_mean``, ``arm_mean``, ``mean_diff`` (arm − baseline,
    outcome units), ``sd``, ``lo``, ``hi`` (Student-t interval at ``level``; quantiles
    from Boost.Math), ``effect_size`` (d_z = mean_diff / sd, Cohen 1988; ±inf when every pair
    differs by the same non-zero amount), ``share_better``
    (share of replicates in which the arm does better, by the outcome's direction),
    ``sign_p`` (exact sign test), ``wilcoxon_p`` (signed-rank test: exact for <= 50
    non-zero differences, with ties conditional on the midranks; else the normal
    approximation with tie correction, as SciPy's defaults), ``p_holm`` (Wilcoxon p adjusted by Holm 1979 over the outcomes of each
    arm), ``better`` ('higher'/'lower') and ``baseline``.

    Over a design, replicate r's value per arm is its mean over the design points (the
    replicates are the independent units); ``point=i`` compares at one point only.
    Raises ArgumentError for an unknown baseline, a bad level or point, or results of a
    single arm.
    """
    import pandas as pd

    ds = _results(results)
    level = _level(level)
    if len(ds["arm"]) < 2:
        raise ArgumentError("results: a paired comparison needs two or more arms", "results")
    b = None if baseline is None else _arm(ds, baseline, "baseline")
    arms = [str(a) for a in ds["arm"].values]
    if b is None and str(ds.attrs.get("baseline", arms[0])) not in arms:
        raise ArgumentError(f"baseline: the results' baseline {ds.attrs.get('baseline')!r} is not among their arms "
                            f"({', '.join(arms)}); give baseline=", "baseline")
    if point is not None and (isinstance(point, bool) or not isinstance(point, (int, np.integer))
                              or not 0 <= point < ds.sizes["point"]):
        raise ArgumentError(f"point: must be an integer in [0, {ds.sizes['point']}) (got {point!r})", "point")
    rows = _core.analysis_paired(_outcomes(ds), b, level, None if point is None else int(point))
    base_name = str(ds["arm"].values[b]) if b is not None else str(ds.attrs.get("baseline", ds["arm"].values[0]))
    df = pd.DataFrame(rows).rename(columns={"mean_arm": "arm_mean", "mean_baseline": "baseline_mean"})
    df["better"] = [ds[o].attrs.get("better", "higher") for o in df["outcome"]]
    df["baseline"] = base_name
    cols = ["outcome", "arm", "n", "baseline_mean", "arm_mean", "mean_diff", "sd", "lo", "hi", "effect_size",
            "share_better", "sign_p", "wilcoxon_p", "p_holm", "better", "baseline"]
    return df[cols].set_index(["outcome", "arm"])


# --------------------------------------------------------------------------- replication adequacy


def adequacy(results: Any, half_width: float = 0.05, relative: bool = True, level: float = 0.95,
             worst: bool = True):
    """Replicates needed for a confidence interval of the wanted half-width.

    For every outcome, design point and arm, from the sd over the replicates run: the
    smallest n with t(1 − α/2, n − 1) · sd / √n <= target, where target = half_width ·
    |mean| (``relative``) or half_width (outcome units) (Lorscheid, Heine & Meyer 2012;
    Law 2015, section 9.4.1). Returns a ``pandas.DataFrame`` with columns ``n``
    (replicates run), ``mean``, ``sd``, ``cv``, ``half_width`` (now), ``target``,
    ``needed`` (2 for an outcome constant over replicates; inf when a relative target
    meets a zero mean that varies; NaN with fewer than 2 replicates) and ``adequate``; indexed by
    (outcome, arm) with the design point that needs most when ``worst`` (the default),
    else by (outcome, point, arm). Raises ArgumentError for half_width <= 0 or a bad level.
    """
    import pandas as pd

    ds = _results(results)
    level = _level(level)
    if isinstance(half_width, bool) or not isinstance(half_width, numbers.Real) or not half_width > 0 \
            or not np.isfinite(half_width):
        raise ArgumentError(f"half_width: must be a number > 0 (got {half_width!r})", "half_width")
    if not isinstance(relative, (bool, np.bool_)):
        raise ArgumentError(f"relative: must be True or False (got {relative!r})", "relative")
    r = _core.analysis_adequacy(_outcomes(ds), float(half_width), bool(relative), level)
    names = list(ds.attrs["outcome_names"])
    arms = [str(a) for a in ds["arm"].values]
    P = ds.sizes["point"]
    idx = pd.MultiIndex.from_product([names, range(P), arms], names=["outcome", "point", "arm"])
    df = pd.DataFrame({k: np.asarray(r[k]) for k in ("n", "mean", "sd", "cv", "half_width", "target", "needed")},
                      index=idx)
    df["n"] = df["n"].astype(int)
    df["adequate"] = df["n"] >= df["needed"]
    if not worst:
        return df
    # the point that needs most, among points with an estimate (an interrupted file has empty ones)
    key = df["needed"].fillna(np.inf).where(df["n"] >= 2, -np.inf)
    pick = key.groupby(level=["outcome", "arm"], sort=False).idxmax()
    out = df.loc[list(pick.values)].reset_index().set_index(["outcome", "arm"])
    return out


def convergence(results: Any, outcome: str):
    """Running mean and coefficient of variation of an outcome over replicates.

    Returns an ``xarray.Dataset`` with ``running_mean`` and ``running_cv`` (sd / |mean|),
    dims (point, arm, replicate) where replicate = 1..R counts the replicates so far
    (Lorscheid, Heine & Meyer 2012, section 4: the estimate has converged when the lines
    flatten). Raises ArgumentError for an unknown outcome.
    """
    import xarray as xr

    ds = _results(results)
    k = _outcome(ds, outcome)
    v = _outcomes(ds)["values"][k]
    P, A, R = v.shape
    mean = np.full(v.shape, np.nan)
    cv = np.full(v.shape, np.nan)
    for p in range(P):
        for a in range(A):
            m, c = _core.running_mean_cv(v[p, a])
            mean[p, a], cv[p, a] = m, c
    coords = {"point": ds["point"].values, "arm": ds["arm"].values, "replicate": np.arange(1, R + 1)}
    return xr.Dataset({"running_mean": (("point", "arm", "replicate"), mean),
                       "running_cv": (("point", "arm", "replicate"), cv)}, coords=coords,
                      attrs={"outcome": outcome})


# --------------------------------------------------------------------------- global sensitivity


def _sens_args(ds, outcome, arm, minus):
    k = _outcome(ds, outcome)
    a = 0 if arm is None else _arm(ds, arm, "arm")
    m = None if minus is None else _arm(ds, minus, "minus")
    if m is not None and m == a:
        raise ArgumentError("minus: must be another arm than arm", "minus")
    return k, a, m


def sobol(results: Any, outcome: str, arm: Optional[str] = None, minus: Optional[str] = None,
          bootstrap: int = 1000, level: float = 0.95, seed: int = 0):
    """First-order and total Sobol' indices of an outcome, or of a paired difference.

    Needs an experiment with ``design: sobol``. y per design point is the outcome's mean
    over replicates for ``arm`` (default: the first), or with ``minus`` the mean over
    replicates of arm − minus ("what drives Alinsky's advantage over polder?").
    First order: Saltelli et al. (2010), Comput. Phys. Commun. 181:259–270, Table 2 (b);
    total: Jansen (1999); intervals: percentiles of ``bootstrap`` resamples of the base
    rows at ``level`` (deterministic for ``seed``).

    Returns a ``pandas.DataFrame`` indexed by factor with columns S1, S1_lo, S1_hi, ST,
    ST_lo, ST_hi; ``df.attrs`` holds n (base samples) and variance. Raises
    ArgumentError for another design, an unknown outcome or arm.
    """
    import pandas as pd

    ds = _results(results)
    level = _level(level)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or not 0 <= bootstrap <= 10**6:
        raise ArgumentError(f"bootstrap: must be an integer in [0, 1000000] (got {bootstrap!r})", "bootstrap")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
        raise ArgumentError(f"seed: must be an integer in [0, 2^64) (got {seed!r})", "seed")
    k, a, m = _sens_args(ds, outcome, arm, minus)
    r = _core.analysis_sobol(_outcomes(ds), k, a, m, int(bootstrap), level, int(seed))
    df = pd.DataFrame({c: np.asarray(r[c]) for c in ("S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi")},
                      index=pd.Index(list(ds.attrs.get("factor_names", [])), name="factor"))
    df.attrs.update({"n": r["n"], "variance": r["variance"], "outcome": outcome,
                     "arm": str(ds["arm"].values[a]), "minus": None if m is None else str(ds["arm"].values[m])})
    return df


def morris(results: Any, outcome: str, arm: Optional[str] = None, minus: Optional[str] = None):
    """Morris elementary effects of an outcome, or of a paired difference.

    Needs an experiment with ``design: morris``. Effects are per unit of each factor's
    range (unit-cube coordinates, so factors with different units compare): μ (mean),
    μ* (mean of |EE|, Campolongo, Cariboni & Saltelli 2007) and σ (sd; non-linearity or
    interaction), r (effects used). Returns a ``pandas.DataFrame`` indexed by factor.
    Raises ArgumentError for another design, an unknown outcome or arm.
    """
    import pandas as pd

    ds = _results(results)
    k, a, m = _sens_args(ds, outcome, arm, minus)
    r = _core.analysis_morris(_outcomes(ds), k, a, m)
    df = pd.DataFrame({"mu": np.asarray(r["mu"]), "mu_star": np.asarray(r["mu_star"]),
                       "sigma": np.asarray(r["sigma"]), "r": np.asarray(r["r"]).astype(int)},
                      index=pd.Index(list(ds.attrs.get("factor_names", [])), name="factor"))
    df.attrs.update({"outcome": outcome, "arm": str(ds["arm"].values[a]),
                     "minus": None if m is None else str(ds["arm"].values[m])})
    return df


# --------------------------------------------------------------------------- regime map


def regime_map(results: Any, outcome: str, level: float = 0.95):
    """The best arm per design point, and whether it is distinguishable from the runner-up.

    Returns an ``xarray.Dataset`` along ``point`` (with the design factors as
    coordinates): ``best`` and ``runner_up`` (arm names), ``margin`` (best − runner-up,
    mean over replicates, outcome units), ``lo``/``hi`` (its paired Student-t interval at
    ``level``), ``status`` ('win' when the interval excludes 0, 'tie' when not,
    'unknown' with one replicate) and ``mean`` (point, arm). "Best" follows the outcome's
    direction (``ds[outcome].attrs['better']``). Raises ArgumentError for an unknown
    outcome or results with one arm.
    """
    import xarray as xr

    ds = _results(results)
    level = _level(level)
    if len(ds["arm"]) < 2:
        raise ArgumentError("results: a regime map needs two or more arms", "results")
    k = _outcome(ds, outcome)
    r = _core.analysis_regime(_outcomes(ds), k, level)
    arms = [str(a) for a in ds["arm"].values]
    P, A = ds.sizes["point"], len(arms)
    name = lambda i: arms[int(i)] if i >= 0 else ""  # noqa: E731
    status = {1: "win", 0: "tie", -1: "unknown"}
    coords: Dict[str, Any] = {"point": ds["point"].values, "arm": arms}
    for f in ds.attrs.get("factor_names", []):
        if f in ds.coords:
            coords[f] = ("point", ds.coords[f].values)
    out = xr.Dataset({
        "best": ("point", np.array([name(i) for i in np.asarray(r["best"])], dtype=object)),
        "runner_up": ("point", np.array([name(i) for i in np.asarray(r["runner_up"])], dtype=object)),
        "margin": ("point", np.asarray(r["margin"])),
        "lo": ("point", np.asarray(r["lo"])),
        "hi": ("point", np.asarray(r["hi"])),
        "status": ("point", np.array([status[int(s)] for s in np.asarray(r["status"])], dtype=object)),
        "mean": (("point", "arm"), np.asarray(r["mean"]).reshape(P, A)),
    }, coords=coords, attrs={"outcome": outcome, "better": ds[outcome].attrs.get("better", "higher"),
                             "level": level})
    return out


# --------------------------------------------------------------------------- scenario discovery


def cases(results: Any, outcome: str, arm: str, minus: Optional[str] = None, threshold: float = 0.0):
    """The factor table and the cases of interest for scenario discovery.

    Returns ``(X, y)``: X a ``pandas.DataFrame`` of the numeric design factors, one row
    per design point; y a boolean array, True where ``arm`` beats ``minus`` (default:
    the baseline) on ``outcome`` by more than ``threshold`` (outcome units) in the mean
    over replicates of the paired difference, in the outcome's better direction.
    Raises ArgumentError for unknown names or a design without numeric factors.
    """
    import pandas as pd

    ds = _results(results)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not np.isfinite(threshold):
        raise ArgumentError(f"threshold: must be a finite number (got {threshold!r})", "threshold")
    if len(ds["arm"]) < 2:
        raise ArgumentError("results: one arm only; scenario discovery asks where one arm beats another", "results")
    k = _outcome(ds, outcome)
    a = _arm(ds, arm, "arm")
    m = _arm(ds, minus if minus is not None else ds.attrs.get("baseline", ds["arm"].values[0]), "minus")
    if a == m:
        raise ArgumentError("minus: must be another arm than arm", "minus")
    v = _outcomes(ds)["values"][k]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a point without pairs stays NaN
        d = np.nanmean(v[:, a, :] - v[:, m, :], axis=1)
    sign = -1.0 if ds[outcome].attrs.get("better") == "lower" else 1.0
    cols = {}
    for f in ds.attrs.get("factor_names", []):
        vals = ds.coords[f].values
        if vals.dtype.kind in "biuf":
            cols[f] = vals.astype(float)
    if not cols:
        raise ArgumentError("results: the design has no numeric factors to find conditions in", "results")
    X = pd.DataFrame(cols)
    keep = np.isfinite(d)
    return X[keep].reset_index(drop=True), (sign * d[keep] > threshold)


def prim(results: Any, outcome: Optional[str] = None, arm: Optional[str] = None, minus: Optional[str] = None,
         threshold: float = 0.0, y: Any = None, **kwargs):
    """PRIM scenario discovery (Friedman & Fisher 1999; as in the EMA Workbench).

    ``prim(ds, "concessions", "alinsky", "polder")``: boxes in factor space where Alinsky
    beats polder on concessions (see :func:`cases`). ``prim(X, y=y)`` with a DataFrame
    and a boolean array works on any table. Keyword arguments go to the peeling
    (``peel_alpha``, ``paste_alpha``, ``mass_min``). Returns a ``PrimResult``:
    ``.trajectory`` (coverage, density, mass, restricted dims per peeling step),
    ``.best(min_coverage)`` and ``.select(i)`` give a ``Box`` with ``.limits`` and
    ``.describe()``.
    """
    from . import _prim
    import pandas as pd

    if isinstance(results, (pd.DataFrame, np.ndarray)):
        if y is None:
            raise ArgumentError("y: give the cases of interest for a table of factors", "y")
        return _prim.prim(results, y, **kwargs)
    if outcome is None or arm is None:
        raise ArgumentError("outcome, arm: say which arm should beat which on which outcome", "arm")
    X, yy = cases(results, outcome, arm, minus, threshold)
    return _prim.prim(X, yy, **kwargs)


def tree(results: Any, outcome: Optional[str] = None, arm: Optional[str] = None, minus: Optional[str] = None,
         threshold: float = 0.0, y: Any = None, max_depth: int = 3, **kwargs):
    """The same question as :func:`prim`, answered by a classification tree (CART;
    Breiman et al. 1984, scikit-learn): its leaves as rules with their coverage and
    density, best first (a pandas DataFrame)."""
    from . import _prim
    import pandas as pd

    if isinstance(results, (pd.DataFrame, np.ndarray)):
        if y is None:
            raise ArgumentError("y: give the cases of interest for a table of factors", "y")
        return _prim.tree_rules(results, y, max_depth=max_depth, **kwargs)
    if outcome is None or arm is None:
        raise ArgumentError("outcome, arm: say which arm should beat which on which outcome", "arm")
    X, yy = cases(results, outcome, arm, minus, threshold)
    return _prim.tree_rules(X, yy, max_depth=max_depth, **kwargs)
