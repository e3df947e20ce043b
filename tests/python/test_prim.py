"""PRIM scenario discovery (tegenmacht._prim) and the analysis pictures (tegenmacht.plot)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.collections import PolyCollection, QuadMesh  # noqa: E402
from matplotlib.container import BarContainer, ErrorbarContainer  # noqa: E402

from tegenmacht import plot  # noqa: E402
from tegenmacht._prim import Box, PrimResult, prim, tree_rules  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def planted():
    """Uniform [0,1]^4, cases of interest in the box a > 0.6, b < 0.3, 5 % of labels flipped."""
    rng = np.random.default_rng(1)
    n = 2000
    X = pd.DataFrame(rng.uniform(size=(n, 4)), columns=list("abcd"))
    truth = ((X["a"] > 0.6) & (X["b"] < 0.3)).to_numpy()
    flip = rng.random(n) < 0.05
    y = np.where(flip, ~truth, truth)
    return X, y, truth


@pytest.fixture(scope="module")
def planted_result(planted):
    X, y, _ = planted
    return prim(X, y)


# --------------------------------------------------------------------------- PRIM


def test_prim_finds_planted_box(planted, planted_result):
    X, y, truth = planted
    res = planted_result
    assert isinstance(res, PrimResult)
    # With labels flipped symmetrically, ~5 % of the runs outside the planted box are cases
    # of interest too, so the planted box itself holds only ~72 % of them: that is the
    # highest coverage a box of density > 0.8 can reach on these data. Ask for 0.7.
    ceiling = y[truth].sum() / y.sum()
    assert 0.7 < ceiling < 0.8
    box = res.best(min_coverage=0.7)
    assert isinstance(box, Box)
    assert set(box.restricted) == {"a", "b"}
    assert list(box.limits.index) == box.restricted
    assert abs(box.limits.loc["a", "lo"] - 0.6) < 0.05
    assert abs(box.limits.loc["b", "hi"] - 0.3) < 0.05
    assert box.density > 0.8
    assert box.coverage >= 0.7
    # its statistics agree with contains()
    mask = box.contains(X)
    assert mask.sum() / len(X) == pytest.approx(box.mass)
    assert y[mask].mean() == pytest.approx(box.density)
    assert y[mask].sum() / y.sum() == pytest.approx(box.coverage)
    text = box.describe("win")
    assert text.startswith("win where a > 0.") and " and b < 0." in text
    assert "(coverage 0.7" in text and "density 0.9" in text


def test_prim_best_respects_min_coverage(planted_result):
    res = planted_result
    for mc in (0.8, 0.5):
        box = res.best(min_coverage=mc)
        assert box.coverage >= mc - 1e-9
    # the trade-off: asking for 80 % coverage on these noisy data costs density
    assert res.best(0.8).density < res.best(0.7).density


def test_prim_trajectory(planted_result):
    t = planted_result.trajectory
    assert list(t.columns) == ["coverage", "density", "mass", "restricted_dims"]
    assert len(t) == len(planted_result.boxes) > 10
    assert t.iloc[0].tolist()[:3] == pytest.approx([1.0, t["density"].iloc[0], 1.0])
    assert t["restricted_dims"].iloc[0] == 0
    assert np.all(np.diff(t["density"].to_numpy()[:20]) >= 0)
    assert np.all(np.diff(t["mass"].to_numpy()) < 0)
    assert t["mass"].iloc[-1] >= 0.05
    assert set(planted_result.boxes[0]) == set("abcd")


def test_prim_pasting_does_not_lower_density(planted_result):
    res = planted_result
    for i in (5, 20, len(res.boxes) - 1):
        peeled, pasted = res.select(i, paste=False), res.select(i)
        assert pasted.density >= peeled.density - 1e-12
        assert pasted.mass >= peeled.mass


def test_prim_numeric_y_and_threshold(planted):
    X, _, _ = planted
    score = X["a"].to_numpy() * 2.0
    res = prim(X, score, threshold=1.5)
    box = res.best(0.8)
    assert box.restricted == ["a"]
    assert box.limits.loc["a", "lo"] == pytest.approx(0.75, abs=0.05)
    res_mean = prim(X, score)  # numeric y as is: the box maximises its mean
    assert res_mean.trajectory["density"].iloc[-1] > 1.8


def test_prim_integer_column_peels_one_value():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"k": rng.integers(0, 5, size=500), "u": rng.uniform(size=500)})
    y = X["k"].to_numpy() >= 3
    res = prim(X, y)
    first = res.boxes[1]["k"]
    assert first in [(1.0, 4.0)]
    box = res.best(0.9)
    assert box.restricted == ["k"] and box.limits.loc["k", "lo"] == 3
    assert box.describe().startswith("y where k > 3")


@pytest.mark.parametrize("kwargs, match", [
    (dict(y=np.zeros(10, dtype=bool)), "y"),
    (dict(y=np.ones(9, dtype=bool)), "length"),
    (dict(peel_alpha=0.0), "peel_alpha"),
    (dict(peel_alpha=0.5), "peel_alpha"),
    (dict(mass_min=0.0), "mass_min"),
    (dict(mass_min=1.0), "mass_min"),
    (dict(y=np.arange(10.0), threshold=100), "threshold"),
])
def test_prim_bad_arguments(kwargs, match):
    X = pd.DataFrame({"a": np.linspace(0, 1, 10), "b": np.arange(10.0)})
    args = dict(X=X, y=np.arange(10) > 5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        prim(**args)


def test_prim_bad_X():
    with pytest.raises(ValueError, match="X is empty"):
        prim(pd.DataFrame(), np.array([], dtype=bool))
    with pytest.raises(ValueError, match="X column 'name' is not numeric"):
        prim(pd.DataFrame({"a": [0.1, 0.2, 0.3], "name": ["p", "q", "r"]}), np.array([True, False, True]))


def test_tree_rules(planted):
    pytest.importorskip("sklearn")
    X, y, _ = planted
    rules = tree_rules(X, y)
    assert list(rules.columns) == ["rule", "n", "share_of_interest", "coverage"]
    assert rules["n"].sum() == len(X)
    assert rules["coverage"].sum() == pytest.approx(1.0)
    assert np.all(np.diff(rules["share_of_interest"].to_numpy()) <= 0)
    top = rules["rule"].iloc[0]
    assert "a " in top and "b " in top
    assert rules["share_of_interest"].iloc[0] > 0.8
    with pytest.raises(ValueError, match="y"):
        tree_rules(X, np.zeros(len(X), dtype=bool))


# --------------------------------------------------------------------------- plots


def test_timeseries_quantile_band_stays_in_range():
    # shares in [0, 1]: four replicates at 1, one at 0 → mean 0.8, sd 0.4, mean + sd = 1.2
    values = np.ones((5, 3))
    values[0] = 0.0
    ds = xr.Dataset({"share": (("replicate", "week"), values)},
                    coords={"replicate": np.arange(5), "week": np.arange(3)})
    assert (values.mean(0) + values.std(0)).max() > 1.0
    ax = plot.timeseries(ds, "share")
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(polys) == 1
    ys = np.concatenate([p.vertices[:, 1] for p in polys[0].get_paths()])
    assert ys.min() >= 0.0 and ys.max() <= 1.0
    ax_sd = plot.timeseries(ds, "share", band="sd")
    ys_sd = np.concatenate([p.vertices[:, 1] for p in ax_sd.collections[0].get_paths()])
    assert ys_sd.max() > 1.0
    with pytest.raises(ValueError, match="quantiles"):
        plot.timeseries(ds, "share", quantiles=(0.9, 0.1))
    ax_c = plot.compare({"x": ds, "y": ds}, "share")
    assert len(ax_c.lines) == 2 and len(ax_c.collections) == 2


def _forest_table():
    rows = []
    for outcome in ("members", "trust"):
        for arm, lo, hi in (("alinsky", 0.5, 2.0), ("mixed", -0.5, 1.0)):
            md = (lo + hi) / 2
            rows.append(dict(outcome=outcome, arm=arm, n=20, baseline_mean=1.0, arm_mean=1.0 + md, mean_diff=md,
                             sd=1.0, lo=lo, hi=hi, effect_size=md, share_better=0.6, sign_p=0.1,
                             wilcoxon_p=0.1, p_holm=0.2, better="higher", baseline="polder"))
    return pd.DataFrame(rows).set_index(["outcome", "arm"])


def test_forest():
    table = _forest_table()
    ax = plot.forest(table)
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == len(table) == 4
    faces = [c.lines[0].get_markerfacecolor() for c in bars]
    assert [f == "white" for f in faces] == [False, True, False, True]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "members: alinsky − polder"
    ax = plot.forest(table, outcome="trust", standardised=True)
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2 and all(c.has_xerr is False for c in bars)
    with pytest.raises(ValueError, match="outcome"):
        plot.forest(table, outcome="nope")


def test_convergence():
    R = 12
    rng = np.random.default_rng(0)
    conv = xr.Dataset(
        {"running_mean": (("point", "arm", "replicate"), rng.normal(size=(2, 3, R))),
         "running_cv": (("point", "arm", "replicate"), rng.uniform(size=(2, 3, R)))},
        coords={"arm": ["polder", "alinsky", "mixed"], "replicate": np.arange(1, R + 1)})
    fig = plot.convergence(conv)
    assert isinstance(fig, matplotlib.figure.Figure)
    a0, a1 = fig.axes[:2]
    assert len(a0.lines) == 3 and len(a1.lines) == 3
    assert list(a0.lines[0].get_xdata()) == list(range(1, R + 1))
    fig = plot.convergence(conv, arm="mixed", point=1)
    assert len(fig.axes[0].lines) == 1
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), conv["running_mean"].values[1, 2])
    with pytest.raises(KeyError):
        plot.convergence(conv, arm="nope")


def test_sobol():
    idx = pd.DataFrame({"S1": [0.5, 0.2, 0.0], "S1_lo": [0.4, 0.1, -0.05], "S1_hi": [0.6, 0.3, 0.05],
                        "ST": [0.6, 0.3, 0.02], "ST_lo": [0.5, 0.2, 0.0], "ST_hi": [0.7, 0.4, 0.04]},
                       index=["responsiveness", "repression", "noise"])
    ax = plot.sobol(idx, title="members")
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 2 and all(len(b) == 3 for b in bars)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(idx.index)


def test_morris():
    mu = pd.DataFrame({"mu": [0.5, -0.1, 0.01], "mu_star": [0.6, 0.3, 0.02], "sigma": [0.2, 0.5, 0.01],
                       "r": [10, 10, 10]}, index=["a", "b", "c"])
    ax = plot.morris(mu)
    assert len(ax.collections[0].get_offsets()) == 3
    assert sorted(t.get_text() for t in ax.texts) == ["a", "b", "c"]
    assert any(line.get_linestyle() == "--" for line in ax.lines)
    assert len(plot.morris(mu, annotate=False).texts) == 0


def _regime(drop_last=False):
    xs, ys = [0.1, 0.2, 0.5, 0.9], [0.0, 1.0, 3.0]   # irregular spacing
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    gx, gy = gx.ravel(), gy.ravel()
    arms = np.array(["polder", "alinsky", "mixed"])
    best = arms[(np.arange(len(gx)) % 3)]
    status = np.where(np.arange(len(gx)) % 4 == 0, "tie", "win")
    if drop_last:
        gx, gy, best, status = gx[:-1], gy[:-1], best[:-1], status[:-1]
    return xr.Dataset({"best": ("point", best), "status": ("point", status),
                       "margin": ("point", np.linspace(0, 1, len(gx)))},
                      coords={"responsiveness": ("point", gx), "repression": ("point", gy)})


def test_regime_map():
    reg = _regime()
    ax = plot.regime_map(reg)
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1 and meshes[0].get_array().size == 12
    assert len(ax.texts) == 12
    hatched = [p for p in ax.patches if p.get_hatch() == "///"]
    assert len(hatched) == int((reg["status"].values != "win").sum())
    assert ax.get_xlabel() == "responsiveness" and ax.get_ylabel() == "repression"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.1", "0.2", "0.5", "0.9"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["alinsky", "mixed", "polder"]
    ax = plot.regime_map(reg, x="repression", y="responsiveness")
    assert ax.get_xlabel() == "repression"
    with pytest.raises(ValueError, match="grid"):
        plot.regime_map(_regime(drop_last=True))
    with pytest.raises(ValueError, match="exactly two"):
        plot.regime_map(reg.assign_coords(extra=("point", np.arange(12))))


def test_prim_plots(planted, planted_result):
    X, _, _ = planted
    ax = plot.prim_trajectory(planted_result)
    assert len(ax.collections[0].get_offsets()) == len(planted_result.trajectory)
    assert len(ax.figure.axes) == 2  # the colorbar
    box = planted_result.best(0.7)
    ax = plot.prim_box(box, X)
    assert len(ax.patches) == 2 * len(box.restricted)
    assert [t.get_text() for t in ax.get_yticklabels()] == box.restricted
