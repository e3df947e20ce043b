"""Scenario discovery: which combinations of factor values lead to an outcome of interest?

Two views on the same question, for a table of experiment factors ``X`` (one row per
run) and an outcome ``y`` per run:

* :func:`prim` — the Patient Rule Induction Method of Friedman & Fisher (1999), "Bump
  hunting in high-dimensional data", *Statistics and Computing* 9:123–143, as used for
  scenario discovery in exploratory modelling (Bryant & Lempert 2010; Kwakkel 2017, the
  EMA Workbench). PRIM finds a box — one interval per factor — in which the outcome of
  interest is concentrated, and returns the whole peeling trajectory so that the analyst
  can trade coverage against density.
* :func:`tree_rules` — the leaves of a shallow classification tree (CART) as rules, a
  second, partition-based view that is useful to check a PRIM box against.

Terms (Bryant & Lempert 2010), for a box B and cases of interest y:

* coverage = share of all cases of interest that lie in B,
* density  = share of the runs in B that are cases of interest (mean of y in B),
* mass     = share of all runs that lie in B.

Only numpy and pandas are needed for :func:`prim`; :func:`tree_rules` needs scikit-learn.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import numpy as np

__all__ = ["prim", "PrimResult", "Box", "tree_rules"]

_EPS = 1e-12


# --------------------------------------------------------------------------- helpers


def _fmt(v: float) -> str:
    """A limit with 2–3 significant digits (integers as integers)."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if abs(v) >= 1000:
        return f"{v:.0f}"
    s = f"{v:.3g}"
    if "e" in s:  # very small numbers: keep them readable but short
        s = f"{v:.2e}"
    return s


def _check_X(X, name: str = "X"):
    """Returns (DataFrame, float array [n, d]); raises ValueError for an unusable X."""
    import pandas as pd

    if isinstance(X, np.ndarray):
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-dimensional (runs × factors), got shape {X.shape}")
        X = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame of numeric factor columns, not {type(X).__name__}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}): need at least one row and one factor column")
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]):
            raise ValueError(f"{name} column '{c}' is not numeric (dtype {X[c].dtype}); "
                             "encode categories as numbers first")
    values = X.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)):
        bad = [str(c) for c, ok in zip(X.columns, np.isfinite(values).all(axis=0)) if not ok]
        raise ValueError(f"{name} has missing or infinite values in column(s) {', '.join(bad)}")
    return X, values


def _check_y(y, n: int, threshold: Optional[float], name: str = "y"):
    """Returns (float array [n], is_boolean); raises ValueError for an unusable y."""
    arr = np.asarray(getattr(y, "to_numpy", lambda: y)())
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"X and {name} differ in length: X has {n} rows, {name} has {arr.shape[0]}")
    if arr.dtype == bool:
        if threshold is not None:
            raise ValueError(f"threshold is given but {name} is already boolean")
        out, boolean = arr.astype(float), True
    else:
        try:
            num = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be boolean or numeric, got dtype {arr.dtype}") from None
        if not np.all(np.isfinite(num)):
            raise ValueError(f"{name} has missing or infinite values")
        if threshold is not None:
            out, boolean = (num > float(threshold)).astype(float), True
        else:
            out, boolean = num, bool(np.all((num == 0) | (num == 1)))
    total = out.sum()
    if boolean and total == 0:
        extra = f" (no value of y exceeds threshold {threshold})" if threshold is not None else ""
        raise ValueError(f"{name} has no cases of interest: it is all False{extra}")
    if not boolean and total <= 0:
        raise ValueError(f"{name} sums to {total:g}: coverage (share of the total of {name}) is undefined; "
                         "give a threshold or a non-negative y")
    return out, boolean


def _is_discrete(col, peel_alpha: float) -> bool:
    """Integer or boolean columns, and columns with at most 1/peel_alpha distinct values,
    are peeled one distinct value at a time."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col):
        return True
    return col.nunique() <= max(2, int(round(1.0 / peel_alpha)))


# --------------------------------------------------------------------------- Box


class Box:
    """One PRIM box: an interval per factor, with its statistics on the data it was found on.

    Attributes
    ----------
    limits : pandas.DataFrame
        Index = the restricted factors only (those whose interval is tighter than the
        data's range), columns ``lo`` and ``hi``. Limits are inclusive; a side that is not
        restricted holds the data's minimum or maximum.
    coverage, density, mass : float
        See the module docstring.
    restricted : list of str
        The names of the restricted factors, in the order of X's columns.
    step : int or None
        The peeling step this box came from (None for a box built by hand).
    """

    def __init__(self, lo: Dict[str, float], hi: Dict[str, float], data_min: Dict[str, float],
                 data_max: Dict[str, float], coverage: float, density: float, mass: float,
                 step: Optional[int] = None, n: Optional[int] = None):
        import pandas as pd

        self._lo, self._hi = dict(lo), dict(hi)
        self._min, self._max = dict(data_min), dict(data_max)
        self.restricted: List[str] = [c for c in lo if lo[c] > data_min[c] or hi[c] < data_max[c]]
        self.limits = pd.DataFrame({"lo": [lo[c] for c in self.restricted],
                                    "hi": [hi[c] for c in self.restricted]},
                                   index=pd.Index(self.restricted, dtype=object), dtype=float)
        self.coverage, self.density, self.mass = float(coverage), float(density), float(mass)
        self.step, self.n = step, n

    def contains(self, X) -> np.ndarray:
        """Boolean mask [len(X)]: which rows of the DataFrame ``X`` lie in the box.

        Only restricted sides count, so a row beyond the original data's range on an
        unrestricted side is inside. Raises KeyError if X lacks a restricted column."""
        missing = [c for c in self.restricted if c not in X.columns]
        if missing:
            raise KeyError(f"X lacks the box's column(s) {', '.join(map(str, missing))}")
        mask = np.ones(len(X), dtype=bool)
        for c in self.restricted:
            v = X[c].to_numpy(dtype=float)
            if self._lo[c] > self._min[c]:
                mask &= v >= self._lo[c]
            if self._hi[c] < self._max[c]:
                mask &= v <= self._hi[c]
        return mask

    def conditions(self) -> List[str]:
        """One text condition per restricted factor, e.g. ``'a > 0.6'`` or ``'b between 0.2 and 0.5'``."""
        out = []
        for c in self.restricted:
            lo_r, hi_r = self._lo[c] > self._min[c], self._hi[c] < self._max[c]
            if lo_r and hi_r:
                out.append(f"{c} between {_fmt(self._lo[c])} and {_fmt(self._hi[c])}")
            elif lo_r:
                out.append(f"{c} > {_fmt(self._lo[c])}")
            else:
                out.append(f"{c} < {_fmt(self._hi[c])}")
        return out

    def describe(self, target: str = "y") -> str:
        """A plain sentence, e.g. ``"y where responsiveness > 0.41 and funding_dependence < 0.52
        (coverage 0.80, density 0.71, mass 0.30)"``. Limits are inclusive; ``>``/``<`` are
        written for readability."""
        cond = self.conditions()
        where = f"{target} where " + " and ".join(cond) if cond else f"{target} everywhere (no restriction)"
        return f"{where} (coverage {self.coverage:.2f}, density {self.density:.2f}, mass {self.mass:.2f})"

    def __repr__(self) -> str:
        return f"<Box step={self.step}: {self.describe()}>"


# --------------------------------------------------------------------------- PrimResult


class PrimResult:
    """The outcome of :func:`prim`.

    Attributes
    ----------
    trajectory : pandas.DataFrame
        One row per peeling step (index ``step``; step 0 is the whole space), columns
        ``coverage``, ``density``, ``mass`` (floats) and ``restricted_dims`` (int).
    boxes : list of dict
        For each step, ``{column: (lo, hi)}`` for *every* column of X (unrestricted
        columns hold the data's range). These are the peeled boxes, before pasting.
    columns : list of str
        X's column names.
    """

    def __init__(self, X, values: np.ndarray, y: np.ndarray, boolean: bool, discrete: np.ndarray,
                 trajectory, boxes: List[Dict[str, Tuple[float, float]]], paste_alpha: float):
        self._X, self._v, self._y = X, values, y
        self._boolean, self._discrete = boolean, discrete
        self.trajectory = trajectory
        self.boxes = boxes
        self.columns: List[str] = list(X.columns)
        self.paste_alpha = paste_alpha
        self._min = values.min(axis=0)
        self._max = values.max(axis=0)
        self._total = float(y.sum())

    # ---- statistics of a box given as lo/hi arrays
    def _inside(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.all((self._v >= lo) & (self._v <= hi), axis=1)

    def _stats(self, mask: np.ndarray) -> Tuple[float, float, float]:
        n = int(mask.sum())
        s = float(self._y[mask].sum())
        return s / self._total, (s / n if n else float("nan")), n / len(self._y)

    def _box(self, lo: np.ndarray, hi: np.ndarray, step: Optional[int]) -> Box:
        mask = self._inside(lo, hi)
        cov, den, mass = self._stats(mask)
        cols = self.columns
        return Box({c: float(lo[j]) for j, c in enumerate(cols)}, {c: float(hi[j]) for j, c in enumerate(cols)},
                   {c: float(self._min[j]) for j, c in enumerate(cols)},
                   {c: float(self._max[j]) for j, c in enumerate(cols)}, cov, den, mass, step, int(mask.sum()))

    # ---- pasting (Friedman & Fisher 1999, "bottom-up pasting")
    def _paste(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        v, y = self._v, self._y
        lo, hi = lo.copy(), hi.copy()
        while True:
            within = (v >= lo) & (v <= hi)                     # [n, d]
            fails = (~within).sum(axis=1)
            inbox = fails == 0
            n_box = int(inbox.sum())
            s_box = float(y[inbox].sum())
            density = s_box / n_box
            k = max(1, int(math.ceil(self.paste_alpha * n_box)))
            best = None  # (density, size, j, side, new limit)
            for j in range(v.shape[1]):
                only_j = (fails == 1) & ~within[:, j]          # outside the box in dimension j only
                for side in ("lo", "hi"):
                    cand = only_j & ((v[:, j] < lo[j]) if side == "lo" else (v[:, j] > hi[j]))
                    if not cand.any():
                        continue
                    vals = v[cand, j]
                    if self._discrete[j]:
                        new = vals.max() if side == "lo" else vals.min()
                    else:
                        ordered = np.sort(vals)
                        kk = min(k, len(ordered))
                        new = ordered[-kk] if side == "lo" else ordered[kk - 1]
                    add = cand & ((v[:, j] >= new) if side == "lo" else (v[:, j] <= new))
                    size = n_box + int(add.sum())
                    d_new = (s_box + float(y[add].sum())) / size
                    if (best is None or d_new > best[0] + _EPS
                            or (abs(d_new - best[0]) <= _EPS and size > best[1])):
                        best = (d_new, size, j, side, new)
            if best is None or best[0] < density - _EPS:
                return lo, hi
            _, _, j, side, new = best
            if side == "lo":
                lo[j] = new
            else:
                hi[j] = new

    def select(self, i: int, paste: bool = True) -> Box:
        """The box of peeling step ``i`` (negative counts from the end), pasted unless
        ``paste=False``. Raises IndexError for a step outside the trajectory."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"i must be an integer step, not {type(i).__name__}")
        n = len(self.boxes)
        if not -n <= i < n:
            raise IndexError(f"step {i} is outside the trajectory (0..{n - 1})")
        i = i % n
        lo = np.array([self.boxes[i][c][0] for c in self.columns], dtype=float)
        hi = np.array([self.boxes[i][c][1] for c in self.columns], dtype=float)
        if paste and i > 0:
            lo, hi = self._paste(lo, hi)
        return self._box(lo, hi, i)

    def best(self, min_coverage: float = 0.8, paste: bool = True) -> Box:
        """The step with the highest density among those with coverage ≥ ``min_coverage``
        (ties: the larger box), pasted. Raises ValueError if ``min_coverage`` is not in [0, 1]."""
        if isinstance(min_coverage, bool) or not isinstance(min_coverage, (int, float, np.floating)):
            raise TypeError(f"min_coverage must be a number in [0, 1], not {type(min_coverage).__name__}")
        if not 0.0 <= min_coverage <= 1.0:
            raise ValueError(f"min_coverage must be in [0, 1], got {min_coverage}")
        t = self.trajectory
        ok = t[t["coverage"] >= min_coverage - _EPS]
        if ok.empty:  # cannot happen for boolean y (step 0 covers everything); numeric y with negatives
            ok = t.iloc[[0]]
        top = ok["density"].max()
        i = int(ok.index[(ok["density"] >= top - _EPS)][0])  # earliest = largest box among ties
        return self.select(i, paste=paste)

    def __repr__(self) -> str:
        return (f"<PrimResult: {len(self.boxes)} steps, {len(self.columns)} factors; "
                f"last box density {self.trajectory['density'].iloc[-1]:.2f}, "
                f"coverage {self.trajectory['coverage'].iloc[-1]:.2f}>")


# --------------------------------------------------------------------------- prim


def prim(X, y, threshold: Optional[float] = None, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
         mass_min: float = 0.05, obj: str = "density") -> PrimResult:
    """Patient Rule Induction Method: peel a box towards the cases of interest.

    Source: J. H. Friedman & N. I. Fisher (1999), "Bump hunting in high-dimensional data",
    Statistics and Computing 9:123–143 — the top-down peeling and bottom-up pasting
    procedures of the paper's PRIM description; used for scenario discovery as in
    Bryant & Lempert (2010) and the EMA Workbench (Kwakkel 2017). Written from the paper's
    description.

    Peeling: starting from the whole space, at each step and for every column consider
    removing the points of the current box below its ``peel_alpha`` quantile or above its
    ``1 - peel_alpha`` quantile (for integer, boolean and few-valued columns — at most
    ``1/peel_alpha`` distinct values — remove the lowest or highest distinct value still
    in the box). Take the peel that maximises the objective (ties: the larger remaining
    box); stop when every peel would leave a box with mass below ``mass_min`` (or nothing
    can be peeled). Pasting (in :meth:`PrimResult.select` / :meth:`PrimResult.best`):
    greedily widen one side of one limit at a time by ``paste_alpha`` of the box's points
    (one distinct value for discrete columns) while the density does not decrease.

    Parameters
    ----------
    X : pandas.DataFrame, shape (n, d)
        Numeric factor columns, one row per run (a 2-d numpy array is accepted and its
        columns named x0, x1, …).
    y : array-like, shape (n,)
        Boolean (True = case of interest) or numeric. Numeric y with ``threshold`` becomes
        ``y > threshold``; numeric y without a threshold is used as is (the box maximises
        the mean of y; coverage is then sum of y in the box / total sum, meaningful for
        non-negative y).
    threshold : float, optional
        See ``y``.
    peel_alpha : float in (0, 0.5)
        Share of the box's points removed by one peel.
    paste_alpha : float > 0
        Share of the box's points added by one paste.
    mass_min : float in (0, 1)
        Smallest box mass (share of all points) the peeling may reach.
    obj : {"density", "gain"}
        ``"density"`` (Friedman & Fisher's criterion): maximise the mean of y in the
        remaining box. ``"gain"``: maximise the increase of that mean per share of the box
        removed — kinder to discrete columns whose peels remove more than ``peel_alpha``.

    Returns
    -------
    PrimResult
        ``.trajectory`` (DataFrame: coverage, density, mass, restricted_dims per step),
        ``.boxes`` (limits per step), ``.select(i)`` and ``.best(min_coverage)`` → :class:`Box`.

    Raises
    ------
    TypeError
        X is neither a DataFrame nor a 2-d array.
    ValueError
        X is empty or has a non-numeric column or missing values; X and y differ in
        length; y has no cases of interest (all False, nothing above ``threshold``, or a
        numeric y summing to ≤ 0); ``peel_alpha`` not in (0, 0.5); ``paste_alpha`` ≤ 0;
        ``mass_min`` not in (0, 1); unknown ``obj``.

    Examples
    --------
    >>> res = prim(factors, outcome["members"], threshold=200)      # doctest: +SKIP
    >>> res.best(min_coverage=0.8).describe("members > 200")        # doctest: +SKIP
    """
    import pandas as pd

    if not (isinstance(peel_alpha, (int, float)) and 0.0 < peel_alpha < 0.5):
        raise ValueError(f"peel_alpha must be in (0, 0.5), got {peel_alpha!r}")
    if not (isinstance(paste_alpha, (int, float)) and paste_alpha > 0.0):
        raise ValueError(f"paste_alpha must be > 0, got {paste_alpha!r}")
    if not (isinstance(mass_min, (int, float)) and 0.0 < mass_min < 1.0):
        raise ValueError(f"mass_min must be in (0, 1), got {mass_min!r}")
    if obj not in ("density", "gain"):
        raise ValueError(f"obj must be 'density' or 'gain', got {obj!r}")
    X, v = _check_X(X)
    n, d = v.shape
    yv, boolean = _check_y(y, n, threshold)
    discrete = np.array([_is_discrete(X[c], peel_alpha) for c in X.columns])
    total = float(yv.sum())
    cols = list(X.columns)
    dmin, dmax = v.min(axis=0), v.max(axis=0)

    lo, hi = dmin.copy(), dmax.copy()
    inbox = np.ones(n, dtype=bool)
    rows, boxes = [], []

    def record():
        m = int(inbox.sum())
        s = float(yv[inbox].sum())
        rows.append({"coverage": s / total, "density": s / m, "mass": m / n,
                     "restricted_dims": int(np.sum((lo > dmin) | (hi < dmax)))})
        boxes.append({c: (float(lo[j]), float(hi[j])) for j, c in enumerate(cols)})

    record()
    min_points = mass_min * n
    while True:
        m = int(inbox.sum())
        s_box = float(yv[inbox].sum())
        mean_box = s_box / m
        best = None  # (score, remaining, j, side, new limit, mask)
        for j in range(d):
            x = v[:, j]
            xin = x[inbox]
            for side in ("lo", "hi"):
                if discrete[j]:
                    new = None
                else:
                    q = np.quantile(xin, peel_alpha if side == "lo" else 1.0 - peel_alpha)
                    keep = inbox & ((x >= q) if side == "lo" else (x <= q))
                    new = q
                    if keep.sum() == m:      # ties at the edge: fall back to one distinct value
                        new = None
                if new is None:
                    uniq = np.unique(xin)
                    if len(uniq) < 2:
                        continue
                    new = uniq[1] if side == "lo" else uniq[-2]
                    keep = inbox & ((x >= new) if side == "lo" else (x <= new))
                remaining = int(keep.sum())
                if remaining < min_points - _EPS or remaining == 0 or remaining == m:
                    continue
                mean_new = float(yv[keep].sum()) / remaining
                score = mean_new if obj == "density" else (mean_new - mean_box) / ((m - remaining) / m)
                if (best is None or score > best[0] + _EPS
                        or (abs(score - best[0]) <= _EPS and remaining > best[1])):
                    best = (score, remaining, j, side, float(new), keep)
        if best is None:
            break
        _, _, j, side, new, keep = best
        if side == "lo":
            lo[j] = new
        else:
            hi[j] = new
        inbox = keep
        record()

    traj = pd.DataFrame(rows, columns=["coverage", "density", "mass", "restricted_dims"])
    traj.index.name = "step"
    return PrimResult(X, v, yv, boolean, discrete, traj, boxes, paste_alpha)


# --------------------------------------------------------------------------- tree rules


def tree_rules(X, y, max_depth: int = 3, min_samples_leaf: Optional[int] = None,
               threshold: Optional[float] = None):
    """The leaves of a shallow classification tree as rules: a second view next to PRIM.

    Fits ``sklearn.tree.DecisionTreeClassifier(max_depth=max_depth,
    min_samples_leaf=min_samples_leaf, random_state=0)`` (CART: Breiman et al. 1984) to
    predict the cases of interest, and describes every leaf by the conditions on its path
    (several conditions on one factor are merged into the tightest bounds).

    Parameters
    ----------
    X : pandas.DataFrame, shape (n, d)
        Numeric factor columns.
    y : array-like, shape (n,)
        Boolean (or 0/1) cases of interest; a numeric y needs ``threshold``.
    max_depth : int ≥ 1
        Depth of the tree (at most 2**max_depth leaves).
    min_samples_leaf : int, optional
        Smallest leaf; None → 5 % of the runs (at least 1), in line with PRIM's ``mass_min``.
    threshold : float, optional
        Turns a numeric y into ``y > threshold``.

    Returns
    -------
    pandas.DataFrame
        One row per leaf, sorted by density (descending), columns ``rule`` (text such as
        ``"a > 0.6 and b <= 0.3"``; ``"(all)"`` for a tree without splits), ``n`` (runs in
        the leaf), ``share_of_interest`` (density: share of the leaf's runs that are cases
        of interest) and ``coverage`` (share of all cases of interest in the leaf).

    Raises
    ------
    ValueError
        As :func:`prim` for X and y; also for a numeric, non-0/1 y without ``threshold``
        and for ``max_depth`` < 1.
    ImportError
        scikit-learn is not installed.
    """
    import pandas as pd

    if not (isinstance(max_depth, (int, np.integer)) and max_depth >= 1):
        raise ValueError(f"max_depth must be an integer ≥ 1, got {max_depth!r}")
    X, v = _check_X(X)
    n = v.shape[0]
    yv, boolean = _check_y(y, n, threshold)
    if not boolean:
        raise ValueError("y must be boolean (cases of interest) for tree_rules; give a threshold for a numeric y")
    try:
        from sklearn.tree import DecisionTreeClassifier
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("tree_rules needs scikit-learn (Debian: python3-sklearn; pip: scikit-learn)") from exc
    if min_samples_leaf is None:
        min_samples_leaf = max(1, int(round(0.05 * n)))
    labels = yv.astype(bool)
    clf = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=0)
    clf.fit(v, labels)
    t = clf.tree_
    cols = [str(c) for c in X.columns]

    # bounds per leaf: walk the tree, keeping (lower, upper) per feature
    leaf_bounds: Dict[int, Dict[int, List[Optional[float]]]] = {}
    stack = [(0, {})]
    while stack:
        node, bounds = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left == right:  # leaf
            leaf_bounds[node] = bounds
            continue
        f, thr = int(t.feature[node]), float(t.threshold[node])
        lb = {k: list(b) for k, b in bounds.items()}
        lb.setdefault(f, [None, None])
        lb[f][1] = thr if lb[f][1] is None else min(lb[f][1], thr)
        rb = {k: list(b) for k, b in bounds.items()}
        rb.setdefault(f, [None, None])
        rb[f][0] = thr if rb[f][0] is None else max(rb[f][0], thr)
        stack.append((right, rb))
        stack.append((left, lb))

    leaves = clf.apply(v)
    total = labels.sum()
    out = []
    for node, bounds in leaf_bounds.items():
        parts = []
        for f in sorted(bounds):
            low, up = bounds[f]
            if low is not None:
                parts.append(f"{cols[f]} > {_fmt(low)}")
            if up is not None:
                parts.append(f"{cols[f]} <= {_fmt(up)}")
        mask = leaves == node
        k = int(mask.sum())
        hits = int(labels[mask].sum())
        out.append({"rule": " and ".join(parts) if parts else "(all)", "n": k,
                    "share_of_interest": hits / k if k else float("nan"),
                    "coverage": hits / total})
    df = pd.DataFrame(out, columns=["rule", "n", "share_of_interest", "coverage"])
    df = df.sort_values(["share_of_interest", "n"], ascending=[False, False], kind="mergesort")
    return df.reset_index(drop=True)
