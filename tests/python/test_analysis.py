"""tegenmacht.analysis: the C++ statistics against SciPy on fixed data, and the analyses
end to end through experiments of the test-function models (analytic answers)."""

import math

import numpy as np
import pytest
import scipy.stats as st

import tegenmacht as tgm
from tegenmacht import _core

PI = math.pi


# --------------------------------------------------------------------------- against SciPy


def _data(n, seed, ties=False):
    rng = np.random.default_rng(seed)
    d = rng.normal(0.3, 1.0, n)
    if ties:
        d = np.round(d, 1)
        d = d[d != 0]
    return d


@pytest.mark.parametrize("n,seed", [(7, 1), (20, 2), (50, 3)])
def test_wilcoxon_exact_matches_scipy(n, seed):
    d = _data(n, seed)
    assert len(np.unique(np.abs(d))) == n  # tie-free: SciPy's exact mode
    assert _core.wilcoxon_p(d) == pytest.approx(st.wilcoxon(d).pvalue, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("n,seed,ties", [(60, 4, False), (200, 5, False), (120, 6, True)])
def test_wilcoxon_normal_approximation_matches_scipy(n, seed, ties):
    d = _data(n, seed, ties)
    assert len(d) > 50
    assert _core.wilcoxon_p(d) == pytest.approx(st.wilcoxon(d).pvalue, rel=1e-10)


def test_sign_test_matches_scipy_binomtest():
    for n, seed in [(9, 1), (30, 2), (101, 3)]:
        d = _data(n, seed)
        k = int((d > 0).sum())
        assert _core.sign_test_p(d) == pytest.approx(st.binomtest(k, len(d), 0.5).pvalue, rel=1e-12)


def test_paired_t_interval_matches_scipy():
    rng = np.random.default_rng(7)
    y = rng.normal(0.5, 0.2, 25)
    x = y + rng.normal(0.04, 0.05, 25)
    c = _core.paired_comparison(x, y, 1, 0.9)
    d = x - y
    lo, hi = st.t.interval(0.9, len(d) - 1, loc=d.mean(), scale=st.sem(d))
    assert c["lo"] == pytest.approx(lo, rel=1e-12)
    assert c["hi"] == pytest.approx(hi, rel=1e-12)
    assert c["mean_diff"] == pytest.approx(d.mean(), rel=1e-14)
    assert c["effect_size"] == pytest.approx(d.mean() / d.std(ddof=1), rel=1e-12)
    assert c["share_better"] == pytest.approx((d > 0).mean())
    # the t-test and its p-value agree in direction with the interval
    assert (st.ttest_rel(x, y, alternative="two-sided").pvalue < 0.1) == (lo > 0 or hi < 0)


def test_holm_matches_the_definition():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    order = np.argsort(p)
    m = len(p)
    want = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * p[order]))
    got = _core.holm(p)[order]
    assert np.allclose(got, want)


# --------------------------------------------------------------------------- end to end


def _ishigami_b(root, design, arms=True, replicates=1):
    d = {"scenario": str(root / "scenarios" / "ishigami.yaml"), "design": design, "replicates": replicates,
         "factors": [{"key": f"ishigami.x{i}", "name": f"x{i}", "range": [-PI, PI]} for i in (1, 2, 3)],
         "outcomes": [{"metric": "y"}]}
    if arms:
        # b = 0.1 against b = 0: the difference is 0.1 x3^4 sin x1, positive exactly where x1 > 0
        d["arms"] = {"key": "ishigami.b", "values": [0, 0.1]}
    return tgm.Experiment.from_dict(d)


def test_sobol_indices_of_ishigami_and_of_a_difference(root):
    ds = tgm.experiment(_ishigami_b(root, {"type": "sobol", "n": 2048}), progress=False)
    s = tgm.analysis.sobol(ds, "y", arm="0.1", bootstrap=300)
    # analytic indices (Ishigami & Homma 1990; models/test_functions/README.md)
    truth = {"S1": [0.3139, 0.4424, 0.0], "ST": [0.5576, 0.4424, 0.2437]}
    for col in ("S1", "ST"):
        for i, f in enumerate(["x1", "x2", "x3"]):
            lo, hi = s.loc[f, col + "_lo"], s.loc[f, col + "_hi"]
            pad = (hi - lo) / 2
            assert lo - pad <= truth[col][i] <= hi + pad, (col, f, s.loc[f].to_dict())
    # the difference b=0.1 minus b=0 is 0.1 x3^4 sin x1: x2 has no part in it
    diff = tgm.analysis.sobol(ds, "y", arm="0.1", minus="0", bootstrap=300)
    assert abs(diff.loc["x2", "ST"]) < 1e-9
    assert diff.loc["x1", "ST"] > 0.3 and diff.loc["x3", "ST"] > 0.3
    with pytest.raises(tgm.ArgumentError, match="minus"):
        tgm.analysis.sobol(ds, "y", arm="0.1", minus="0.1")
    with pytest.raises(tgm.ArgumentError, match="no outcome 'q'"):
        tgm.analysis.sobol(ds, "q")
    with pytest.raises(tgm.ArgumentError, match="design: morris"):
        tgm.analysis.morris(ds, "y")


def test_morris_matches_a_numpy_second_implementation(root):
    ds = tgm.experiment(_ishigami_b(root, {"type": "morris", "trajectories": 30, "levels": 4}, arms=False),
                        progress=False)
    m = tgm.analysis.morris(ds, "y")
    unit = ds["design_unit"].values
    changed = ds["morris_changed"].values
    y = ds["y"].isel(arm=0).mean("replicate").values
    ee = {i: [] for i in range(3)}
    for p in range(1, len(y)):
        i = changed[p]
        if i >= 0:
            ee[i].append((y[p] - y[p - 1]) / (unit[p, i] - unit[p - 1, i]))
    for i, f in enumerate(["x1", "x2", "x3"]):
        e = np.array(ee[i])
        assert m.loc[f, "mu_star"] == pytest.approx(np.abs(e).mean(), rel=1e-12)
        assert m.loc[f, "sigma"] == pytest.approx(e.std(ddof=1), rel=1e-12)
        assert m.loc[f, "r"] == 30


def test_prim_finds_the_planted_condition_through_an_experiment(root):
    # b = 0.1 beats b = 0 exactly where x1 > 0 (sin x1 > 0 on (0, pi)): PRIM must restrict x1 alone
    ds = tgm.experiment(_ishigami_b(root, {"type": "latin_hypercube", "n": 600, "seed": 3}), progress=False)
    X, y = tgm.analysis.cases(ds, "y", "0.1", "0")
    assert y.mean() == pytest.approx(0.5, abs=0.05)
    res = tgm.analysis.prim(ds, "y", "0.1", "0")
    box = res.best(min_coverage=0.9)
    assert box.restricted == ["x1"]
    # one peel near the edge removes 5 % of the ~300 points left, ~0.16 in x1 (600 points over 2 pi)
    assert box.limits.loc["x1", "lo"] == pytest.approx(0.0, abs=0.2)
    assert box.density > 0.95 and box.coverage >= 0.9
    assert "x1" in box.describe("b = 0.1 beats b = 0")
    t = tgm.analysis.tree(ds, "y", "0.1", "0", max_depth=1)
    assert "x1" in t.iloc[0]["rule"]


def test_paired_and_regime_map_on_a_grid(root):
    # a 3 x 3 grid of (x1, x3) with x2 = 0; arms b = 0 and b = 0.1, 3 replicates (deterministic)
    e = tgm.Experiment.from_dict({
        "scenario": str(root / "scenarios" / "ishigami.yaml"), "replicates": 3,
        "arms": {"key": "ishigami.b", "values": [0, 0.1]},
        "factors": [{"key": "ishigami.x1", "name": "x1", "values": [-1.0, 0.5, 1.5]},
                    {"key": "ishigami.x3", "name": "x3", "values": [0.0, 1.0, 3.0]}],
        "outcomes": [{"metric": "y"}, {"metric": "y", "name": "y_low", "better": "lower"}]})
    ds = tgm.experiment(e, progress=False)
    assert ds["y_low"].attrs["better"] == "lower"
    table = tgm.analysis.paired(ds)
    assert list(table.index) == [("y", "0.1"), ("y_low", "0.1")]
    row = table.loc[("y", "0.1")]
    d = (ds["y"].sel(arm="0.1") - ds["y"].sel(arm="0")).mean("point").values
    assert row["mean_diff"] == pytest.approx(d.mean())
    assert table.loc[("y_low", "0.1"), "share_better"] == 1 - row["share_better"]
    r = tgm.analysis.regime_map(ds, "y")
    x1 = r.coords["x1"].values
    x3 = r.coords["x3"].values
    for p in range(9):
        want = 0.1 * x3[p] ** 4 * math.sin(x1[p])
        if want > 0:
            assert r["best"].values[p] == "0.1" and r["status"].values[p] == "win"
        elif want < 0:
            assert r["best"].values[p] == "0" and r["status"].values[p] == "win"
        else:  # x3 = 0: identical arms
            assert r["status"].values[p] == "tie"
    low = tgm.analysis.regime_map(ds, "y_low")
    assert all((low["best"].values != r["best"].values) | (r["status"].values == "tie"))
    # the plots draw what they get
    import matplotlib
    matplotlib.use("Agg")
    ax = tgm.plot.regime_map(r)
    assert ax.get_xlabel() == "x1" or ax.get_ylabel() == "x1"
    tgm.plot.forest(table)
    # the results file holds the same regime map and paired table (written by the library)
    import h5py
    path = ds.attrs["path"] if "path" in ds.attrs else None
    if path:
        with h5py.File(path, "r") as f:
            if "analysis" in f:
                assert np.array_equal(f["analysis/regime/y/status"][()],
                                      [{"win": 1, "tie": 0, "unknown": -1}[s] for s in r["status"].values])


def test_adequacy_and_convergence(root, small_town):
    ds = tgm.compare(small_town, values=["polder", "alinsky"], replicates=6, progress=False)
    a = tgm.analysis.adequacy(ds, 0.002)  # ± 0.2 %: more than 6 replicates
    assert set(a.columns) >= {"n", "mean", "sd", "cv", "half_width", "target", "needed", "adequate"}
    row = a.loc[("trust", "polder")]
    v = ds["trust"].sel(arm="polder").isel(point=0).values
    assert row["sd"] == pytest.approx(v.std(ddof=1), rel=1e-12)
    n = row["needed"]
    half = lambda k: st.t.ppf(0.975, k - 1) * row["sd"] / math.sqrt(k)  # noqa: E731
    assert n > 2
    assert half(n) <= row["target"] < half(n - 1)
    assert row["adequate"] == (6 >= n)
    c = tgm.analysis.convergence(ds, "trust")
    assert c["running_mean"].sizes["replicate"] == 6
    assert c["running_mean"].sel(arm="polder", replicate=6).item() == pytest.approx(v.mean())
    assert c["running_cv"].sel(arm="polder", replicate=6).item() == pytest.approx(v.std(ddof=1) / abs(v.mean()))
    with pytest.raises(tgm.ArgumentError, match="half_width"):
        tgm.analysis.adequacy(ds, 0)
    with pytest.raises(tgm.ArgumentError, match="level"):
        tgm.analysis.paired(ds, level=1.5)
    with pytest.raises(tgm.ArgumentError, match="baseline"):
        tgm.analysis.paired(ds, baseline="coalition")
    with pytest.raises(tgm.ArgumentError, match="results"):
        tgm.analysis.paired({"not": "a dataset"})


def test_sobol_g_indices_against_the_analytic_formula(root):
    # Saltelli & Sobol' (1995): V_i = 1 / (3 (1 + a_i)^2), V = prod(1 + V_i) - 1,
    # S_i = V_i / V, ST_i = V_i prod_{j != i}(1 + V_j) / V (an implementation independent of the C++ one)
    a = np.array([0.0, 1.0, 4.5, 9.0])
    vi = 1.0 / (3.0 * (1.0 + a) ** 2)
    v = np.prod(1 + vi) - 1
    s1 = vi / v
    st_ = np.array([vi[i] * np.prod(np.delete(1 + vi, i)) / v for i in range(4)])
    e = tgm.Experiment.from_dict({
        "scenario": str(root / "scenarios" / "sobol_g.yaml"), "design": {"type": "sobol", "n": 4096},
        "factors": [{"key": f"sobol_g.x.{i}", "name": f"x{i}", "range": [0, 1]} for i in range(4)]})
    ds = tgm.experiment(e, progress=False)
    s = tgm.analysis.sobol(ds, "y", bootstrap=300)
    for i in range(4):
        for col, truth in (("S1", s1[i]), ("ST", st_[i])):
            lo, hi = s.iloc[i][col + "_lo"], s.iloc[i][col + "_hi"]
            pad = (hi - lo) / 2
            assert lo - pad <= truth <= hi + pad, (i, col, truth, s.iloc[i].to_dict())


def test_selections_that_break_the_design_or_the_baseline_are_refused(root):
    ds = tgm.experiment(_ishigami_b(root, {"type": "sobol", "n": 16}), progress=False)
    with pytest.raises(tgm.ArgumentError, match="Saltelli"):
        tgm.analysis.sobol(ds.isel(point=slice(0, 40)), "y")
    with pytest.raises(tgm.ArgumentError, match="Saltelli"):
        tgm.analysis.sobol(ds.isel(point=slice(None, None, -1)), "y")
    with pytest.raises(tgm.ArgumentError, match="baseline"):
        tgm.analysis.paired(ds.assign_attrs(baseline="dropped"), level=0.9)
    with pytest.raises(tgm.ArgumentError, match="dims"):
        tgm.analysis.paired(ds.isel(arm=0))
    with pytest.raises(TypeError, match="conv"):
        tgm.plot.convergence(None)
    with pytest.raises(TypeError, match="indices"):
        tgm.plot.sobol(ds)
