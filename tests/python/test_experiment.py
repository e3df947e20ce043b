"""The experiments layer's Python API: Experiment, experiment, sweep, compare, summary,
and load_results on experiment files (written by Python or by the command line)."""

import _thread
import math
import os
import pathlib
import subprocess
import threading

import numpy as np
import pytest

import tegenmacht as tgm

PI = math.pi


def _cli(root):
    cli = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR", root / "build" / "release")) / "bin" / "tegenmacht"
    if not cli.exists():
        pytest.skip("command-line tool not built here")
    return cli


def _ishigami(root, design, outcomes=True):
    d = {"scenario": str(root / "scenarios" / "ishigami.yaml"), "design": design,
         "factors": [{"key": f"ishigami.x{i}", "range": [-PI, PI]} for i in (1, 2, 3)]}
    if outcomes:
        d["outcomes"] = [{"metric": "y"}]
    return tgm.Experiment.from_dict(d)


def _assert_same_results(a, b):
    """Every outcome, recorded series and job flag bitwise equal (NaN equal to NaN)."""
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert a[name].dims == b[name].dims, name
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


# -- designs ----------------------------------------------------------------------------------

def test_latin_hypercube_on_ishigami(root):
    n = 32
    exp = _ishigami(root, {"type": "latin_hypercube", "n": n, "seed": 5})
    assert exp.points == n and exp.jobs == n and exp.arms == ["base"] and exp.replicates == 1
    assert exp.factors == ["ishigami.x1", "ishigami.x2", "ishigami.x3"]
    ds = tgm.experiment(exp, threads=2, progress=False)
    assert ds["y"].dims == ("point", "arm", "replicate") and ds["y"].shape == (n, 1, 1)
    assert bool(ds["job_done"].all()) and ds.attrs["complete"] == 1 and ds.attrs["model"] == "ishigami"
    x1, x2, x3 = (ds[f"ishigami.x{i}"].values for i in (1, 2, 3))
    base = tgm.Scenario.load(root / "scenarios" / "ishigami.yaml")
    a, b = base["ishigami.a"], base["ishigami.b"]
    want = np.sin(x1) + a * np.sin(x2) ** 2 + b * x3 ** 4 * np.sin(x1)   # Ishigami & Homma (1990)
    np.testing.assert_allclose(ds["y"].values[:, 0, 0], want, rtol=0, atol=1e-12)
    for x in (x1, x2, x3):   # one point in each of the n strata of every factor (McKay et al. 1979)
        assert np.all((-PI <= x) & (x <= PI))
        strata = np.floor((x + PI) / (2 * PI) * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n))
    # the factor values are the unit-cube coordinates mapped onto the range
    np.testing.assert_allclose(np.stack([x1, x2, x3], axis=1), -PI + 2 * PI * ds["design_unit"].values,
                               rtol=0, atol=1e-12)
    assert list(ds["factor"].values) == exp.factors
    # the design is a function of its seed
    again = tgm.experiment(_ishigami(root, {"type": "latin_hypercube", "n": n, "seed": 5}), progress=False)
    other = tgm.experiment(_ishigami(root, {"type": "latin_hypercube", "n": n, "seed": 6}), progress=False)
    assert np.array_equal(again["design_unit"].values, ds["design_unit"].values)
    assert not np.array_equal(other["design_unit"].values, ds["design_unit"].values)


def test_sobol_design_has_saltelli_blocks(root):
    n, k = 8, 3
    exp = _ishigami(root, {"type": "sobol", "n": n})
    assert exp.points == n * (k + 2) == 40
    ds = tgm.experiment(exp, threads=2, progress=False)
    u = ds["design_unit"].values
    assert u.shape == (40, k) and ds["y"].shape == (40, 1, 1)
    A, B = u[:n], u[n:2 * n]
    assert np.all((A != B).any(axis=0))   # every column of B differs from A's, or the checks below prove nothing
    for i in range(k):                    # AB_i: A with column i taken from B (Saltelli 2002)
        AB = u[(2 + i) * n:(3 + i) * n]
        for j in range(k):
            assert np.array_equal(AB[:, j], B[:, j] if j == i else A[:, j]), (i, j)
    np.testing.assert_allclose(ds["ishigami.x2"].values, -PI + 2 * PI * u[:, 1], rtol=0, atol=1e-12)


def test_sobol_design_is_the_sobol_sequence_after_the_origin(root):
    qmc = pytest.importorskip("scipy.stats.qmc")
    n, k = 8, 3
    ds = tgm.experiment(_ishigami(root, {"type": "sobol", "n": n}), progress=False)
    u = ds["design_unit"].values
    # A and B are the first and last k columns of points 1..n of the 2k-dimensional
    # unscrambled Sobol' sequence (point 0, the origin, skipped; Joe & Kuo direction numbers)
    ref = qmc.Sobol(2 * k, scramble=False).random_base2(4)[1:n + 1]
    assert np.array_equal(u[:n], ref[:, :k])
    assert np.array_equal(u[n:2 * n], ref[:, k:])


# -- common random numbers and threads --------------------------------------------------------

def test_arms_share_random_numbers_replicate_by_replicate(root):
    town = tgm.Scenario.load(root / "scenarios" / "default.yaml").set("steps", 8)
    ds = tgm.compare(town, values=["polder", "alinsky"], replicates=3, seed=7,
                     outcomes=[{"metric": "trust", "at": 0}, "trust"], progress=False)
    assert list(ds["arm"].values) == ["polder", "alinsky"]
    assert ds["trust_at0"].attrs["reduce"] == "at" and ds["trust_at0"].attrs["at"] == 0
    start = ds["trust_at0"].values[0]           # (arm, replicate): the town before any strategy acts
    assert np.array_equal(start[0], start[1])   # the same town in both arms, replicate by replicate
    assert len(set(start[0].tolist())) == 3     # and a different town in every replicate
    end = ds["trust"].values[0]
    assert not np.array_equal(end[0], end[1])   # while the strategies did act differently


def test_results_do_not_depend_on_thread_count(root):
    exp = tgm.Experiment.from_dict({
        "scenario": str(root / "scenarios" / "default.yaml"),
        "steps": 8,
        "arms": {"key": "strategy", "values": ["polder", "coalition"]},
        "factors": [{"key": "institutions.0.responsiveness", "name": "responsiveness", "values": [0.3, 0.6]}],
        "replicates": 2, "seed": 3,
        "outcomes": [{"metric": "trust"}, {"metric": "member_by_group", "group": "marginalised"},
                     {"metric": "efficacy", "reduce": "mean", "from": 2}],
        "record": "all"})
    assert exp.points == 2 and exp.jobs == 8 and exp.factors == ["responsiveness"]
    one = tgm.experiment(exp, threads=1, progress=False)
    two = tgm.experiment(exp, threads=2, progress=False)
    assert one.attrs["threads"] == 1 and two.attrs["threads"] == 2
    assert "member_by_group_series" in one and one["member_by_group_series"].dims == \
        ("point", "arm", "replicate", "week", "group")
    assert list(one["group"].values) == ["established", "mixed", "marginalised"]
    assert list(one["responsiveness"].values) == [0.3, 0.6]
    _assert_same_results(one, two)


# -- the shortcuts and the summary ------------------------------------------------------------

def test_sweep_shortcut(root):
    path = root / "scenarios" / "threshold.yaml"
    ds = tgm.sweep(path, factors={"thresholds.sd": [5, 20], "thresholds.mean": [20, 25, 30]}, replicates=2,
                   seed=4, outcomes=["active_count", {"metric": "active", "reduce": "max"}],
                   record=["active"], threads=2, progress=False)
    assert ds.attrs["kind"] == "experiment" and ds.attrs["points"] == 6 and ds.attrs["arms"] == 1
    assert ds.attrs["replicates"] == 2 and ds.attrs["seed"] == 4 and ds.attrs["complete"] == 1
    assert ds.attrs["outcome_names"] == ["active_count", "active_max"]
    assert "path" not in ds.attrs                          # no file is kept without output=
    assert ds["active_count"].dims == ("point", "arm", "replicate") and ds["active_count"].shape == (6, 1, 2)
    assert list(ds["arm"].values) == ["base"]
    # a grid, the first key slowest
    assert ds["thresholds.sd"].dims == ("point",)
    assert list(ds["thresholds.sd"].values) == [5, 5, 5, 20, 20, 20]
    assert list(ds["thresholds.mean"].values) == [20, 25, 30, 20, 25, 30]
    series = ds["active_series"]
    assert series.dims == ("point", "arm", "replicate", "week") and list(ds["week"].values) == list(range(61))
    # outcomes are reductions of the series
    np.testing.assert_array_equal(ds["active_max"].values, series.max("week").values)
    # and each point is the plain run of the scenario with its values, on the same seeds
    sc = tgm.Scenario.load(path).set("thresholds.sd", 20).set("thresholds.mean", 25).set("replicates", 2)
    run = tgm.run(sc, seed=4)
    np.testing.assert_array_equal(series.sel(point=4, arm="base").values, run["active"].values)
    np.testing.assert_array_equal(ds["active_count"].values[4, 0], run["active_count"].values[:, -1])


def test_compare_shortcut_and_summary(root, tmp_path):
    st = pytest.importorskip("scipy.stats")
    out = tmp_path / "cmp.h5"
    ds = tgm.compare(root / "scenarios" / "threshold.yaml", key="thresholds.sd", values=[10, 13, 16],
                     baseline="13", replicates=8, seed=3, outcomes=["active_count"], output=out, progress=False)
    assert out.exists() and ds.attrs["path"] == os.path.abspath(out)
    assert list(ds["arm"].values) == ["10", "13", "16"] and ds.attrs["baseline"] == "13"
    assert ds["active_count"].shape == (1, 3, 8) and ds.attrs["points"] == 1
    v = ds["active_count"].values[0]                       # (arm, replicate)
    for level in (0.95, 0.8):
        s = tgm.summary(ds, level=level)
        assert list(s.index.names) == ["outcome", "arm"]
        assert set(s.columns) >= {"n", "mean", "sd", "diff", "diff_lo", "diff_hi", "diff_sd", "effect_size", "pairs"}
        for a, arm in enumerate(["10", "13", "16"]):
            row = s.loc[("active_count", arm)]
            assert row["n"] == 8
            assert row["mean"] == pytest.approx(v[a].mean(), abs=1e-12)
            assert row["sd"] == pytest.approx(v[a].std(ddof=1), abs=1e-12)
            if arm == "13":
                assert np.isnan(row["diff"]) and row["pairs"] == 0
                continue
            d = v[a] - v[1]                                 # paired on common random numbers
            assert d.std(ddof=1) > 0
            t = st.t.ppf(0.5 + level / 2, len(d) - 1)   # (SciPy < 1.12 gives t to about 1e-10, relative)
            half = t * d.std(ddof=1) / np.sqrt(len(d))
            assert row["pairs"] == 8
            assert row["diff"] == pytest.approx(d.mean(), abs=1e-12)
            assert row["diff_sd"] == pytest.approx(d.std(ddof=1), abs=1e-12)
            assert row["diff_lo"] == pytest.approx(d.mean() - half, rel=1e-8, abs=1e-12)
            assert row["diff_hi"] == pytest.approx(d.mean() + half, rel=1e-8, abs=1e-12)
            assert row["diff_hi"] - row["diff"] == pytest.approx(half, rel=1e-8)
            assert row["effect_size"] == pytest.approx(d.mean() / d.std(ddof=1), abs=1e-12)
    # the same table from the file
    from_file = tgm.summary(out)
    np.testing.assert_array_equal(from_file.to_numpy(dtype=float), tgm.summary(ds).to_numpy(dtype=float))


def test_summary_over_design_points_pairs_replicates(root):
    ds = tgm.experiment(tgm.Experiment.from_dict({
        "scenario": str(root / "scenarios" / "threshold.yaml"),
        "arms": [{"name": "low", "set": {"thresholds.sd": 10}}, {"name": "high", "set": {"thresholds.sd": 14}}],
        "factors": [{"key": "thresholds.mean", "values": [22, 25, 28]}],
        "replicates": 6, "seed": 2, "outcomes": [{"metric": "active_count"}]}), progress=False)
    assert ds["active_count"].shape == (3, 2, 6)
    s = tgm.summary(ds).loc[("active_count", "high")]
    x = ds["active_count"].sel(arm="high").mean("point").values   # per replicate, over the points
    y = ds["active_count"].sel(arm="low").mean("point").values
    assert s["n"] == 18 and s["pairs"] == 6
    assert s["diff"] == pytest.approx((x - y).mean(), abs=1e-12)
    assert s["diff_sd"] == pytest.approx((x - y).std(ddof=1), abs=1e-12)


def test_numpy_values_are_accepted(root):
    ds = tgm.sweep(root / "scenarios" / "threshold.yaml", factors={"population": np.array([50, 80])},
                   replicates=np.int64(2), seed=np.int64(5), outcomes=["active_count"], progress=False)
    assert list(ds["population"].values) == [50, 80] and ds.attrs["replicates"] == 2 and ds.attrs["seed"] == 5
    ds = tgm.compare(root / "scenarios" / "threshold.yaml", key="population", values=np.arange(40, 61, 20),
                     replicates=1, progress=False)
    assert list(ds["arm"].values) == ["40", "60"]


# -- files: interrupting and resuming, experiment files, the command line ----------------------

def _long_threshold_experiment(root):
    """About 2400 short jobs: a few seconds on 2 threads, the first done within milliseconds."""
    return tgm.Experiment.from_dict({
        "scenario": str(root / "scenarios" / "threshold.yaml"),
        "set": {"population": 2000}, "steps": 200,
        "arms": {"key": "thresholds.sd", "values": [10, 13]},
        "replicates": 1200, "seed": 11, "record": "outcomes"})


def test_interrupted_experiment_resumes_to_the_same_results(root, tmp_path):
    exp = _long_threshold_experiment(root)
    out = str(tmp_path / "long.h5")
    partial = out + ".partial"
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            tgm.experiment(exp, output=out, threads=2, progress=False)
    finally:
        timer.cancel()
        timer.join()
    assert not os.path.exists(out) and os.path.exists(partial)
    part = tgm.load_results(partial)
    done = part["job_done"].values
    assert part.attrs["complete"] == 0 and part.attrs["jobs_total"] == exp.jobs
    assert 0 < done.sum() < exp.jobs, "the interrupt came too late or too early: lengthen the experiment"
    assert part.attrs["jobs_done"] == done.sum()
    assert np.array_equal(np.isnan(part["active_count"].values), ~done)   # jobs not done hold NaN

    with pytest.raises(tgm.ResultsIOError) as e:        # never overwrite an interrupted run by accident
        tgm.experiment(exp, output=out, threads=2, progress=False)
    assert ".partial" in str(e.value) and os.path.exists(partial)

    resumed = tgm.experiment(exp, output=out, threads=2, resume=True, progress=False)
    assert os.path.exists(out) and not os.path.exists(partial)
    assert resumed.attrs["complete"] == 1 and bool(resumed["job_done"].all())
    assert resumed.attrs["path"] == os.path.abspath(out)

    whole = tgm.experiment(exp, output=tmp_path / "whole.h5", threads=2, progress=False)
    _assert_same_results(resumed, whole)
    for name in ("active_count", "active_series"):      # the jobs done before the interrupt were kept as they were
        kept = part[name].values[done]
        assert np.array_equal(kept, whole[name].values[done], equal_nan=True), name


def test_experiment_file_load_set_and_relative_scenario(root, tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "crowd.yaml").write_text((root / "scenarios" / "threshold.yaml").read_text())
    f = tmp_path / "exp.yaml"
    f.write_text("description: thresholds\n"
                 "scenario: scen/crowd.yaml\n"
                 "arms: {key: thresholds.sd, values: [5, 20]}\n"
                 "baseline: 20\n"
                 "factors:\n"
                 "  - {key: thresholds.mean, name: mean, range: [20, 30], levels: 3}\n"
                 "replicates: 4\n"
                 "steps: 12\n"
                 "outcomes:\n"
                 "  - {metric: active_count}\n"
                 "  - {metric: active, reduce: sum, from: 1, to: 5}\n")
    exp = tgm.Experiment.load(f, set={"population": 60})
    assert exp.arms == ["5", "20"] and exp.baseline == "20" and exp.factors == ["mean"]
    assert exp.points == 3 and exp.replicates == 4 and exp.jobs == 24
    assert "population: 60" in exp.to_yaml()
    out = tmp_path / "exp.h5"
    ds = tgm.experiment(f, output=out, progress=False)      # a path works too (without the set)
    assert ds.attrs["path"] == os.path.abspath(out) and ds.attrs["steps"] == 12
    assert list(ds["mean"].values) == [20, 25, 30]
    assert "population: 100" in ds.attrs["config"]
    sub = tgm.experiment(exp, progress=False)
    assert "population: 60" in sub.attrs["config"]
    assert not np.array_equal(sub["active_count"].values, ds["active_count"].values)
    assert sub["active_count"].max() <= 60 < ds["active_count"].max()
    assert ds["active_sum"].attrs["from"] == 1 and ds["active_sum"].attrs["to"] == 5
    # from_yaml takes a relative scenario from base_dir
    same = tgm.Experiment.from_yaml(f.read_text(), base_dir=tmp_path)
    assert same.to_yaml() == tgm.Experiment.load(f).to_yaml()


def test_resolved_experiment_yaml_loads_again(root):
    exp = tgm.Experiment.from_dict({
        "scenario": str(root / "scenarios" / "threshold.yaml"),
        "arms": {"key": "thresholds.sd", "values": [5, 20]},
        "factors": [{"key": "thresholds.mean", "range": [20, 30], "levels": 3}],
        "outcomes": [{"metric": "active", "at": 5}, {"metric": "active", "reduce": "mean"}]})
    text = exp.to_yaml()
    again = tgm.Experiment.from_yaml(text)     # what results files store as /experiment must load again
    assert again.to_yaml() == text


def test_scenario_object_as_base_keeps_presets_live(root, tmp_path):
    import h5py

    default = root / "scenarios" / "default.yaml"
    strategies = ["polder", "alinsky", "coalition", "casework"]
    exp = tgm.Experiment.from_dict({
        "scenario": tgm.Scenario.load(default).set("steps", 4),
        "arms": {"key": "strategy", "values": strategies},
        "replicates": 1, "outcomes": [{"metric": "trust"}]})
    out = tmp_path / "presets.h5"
    ds = tgm.experiment(exp, output=out, progress=False)
    assert ds.attrs["steps"] == 4 and list(ds["arm"].values) == strategies
    with h5py.File(out, "r") as f:
        text = f["scenarios/text"][()].tobytes()
        offset = f["scenarios/offset"][()]
    assert len(offset) == ds.attrs["points"] * len(strategies) + 1
    for a, s in enumerate(strategies):
        i = 0 * len(strategies) + a                       # i = point * arms + arm
        resolved = tgm.Scenario.from_yaml(text[offset[i]:offset[i + 1]].decode(), f"arm {s}")
        want = tgm.Scenario.load(default).set("strategy", s)
        assert resolved["strategy"] == s and resolved["steps"] == 4
        assert resolved["tactics.max_level"] == want["tactics.max_level"], s
        assert resolved["workers.profile"] == want["workers.profile"], s
    # the presets differ between these arms, or the check above proves nothing
    assert tgm.Scenario.load(default).set("strategy", "polder")["tactics.max_level"] != \
        tgm.Scenario.load(default).set("strategy", "alinsky")["tactics.max_level"]


def test_load_results_reads_cli_experiment_files(root, tmp_path):
    cli = _cli(root)
    threshold = root / "scenarios" / "threshold.yaml"
    (tmp_path / "crowd.yaml").write_text(threshold.read_text())
    f = tmp_path / "exp.yaml"
    f.write_text("scenario: crowd.yaml\n"                  # relative to the experiment file, not the cwd
                 "arms: {key: thresholds.sd, values: [5, 20]}\n"
                 "replicates: 3\n"
                 "outcomes:\n"
                 "  - {metric: active}\n"
                 "  - {metric: active_count, reduce: max}\n")
    runs = {"e.h5": ["experiment", str(f), "-o", str(tmp_path / "e.h5")],
            "c.h5": ["compare", str(threshold), "--key", "thresholds.sd", "--values", "5,20", "--replicates", "3",
                     "-o", str(tmp_path / "c.h5")],
            "w.h5": ["sweep", str(threshold), "--vary", "thresholds.sd=5,20", "--vary", "thresholds.mean=20,25",
                     "--replicates", "2", "-o", str(tmp_path / "w.h5")]}
    for args in runs.values():
        subprocess.run([str(cli), *args, "-q", "--threads", "2"], check=True, cwd=root)
    e, c, w = (tgm.load_results(tmp_path / name) for name in runs)
    for ds in (e, c, w):
        assert ds.attrs["kind"] == "experiment" and ds.attrs["complete"] == 1 and bool(ds["job_done"].all())
    assert e.attrs["outcome_names"] == ["active", "active_count_max"]
    assert e["active"].dims == ("point", "arm", "replicate") and e["active"].shape == (1, 2, 3)
    assert list(c["arm"].values) == ["5", "20"] and c["active"].shape == (1, 2, 3)
    assert list(w["thresholds.sd"].values) == [5, 5, 20, 20] and list(w["thresholds.mean"].values) == [20, 25, 20, 25]
    assert w["active"].shape == (4, 1, 2)
    # the command line and Python run the same jobs
    py_e = tgm.experiment(tgm.Experiment.load(f), progress=False)
    np.testing.assert_array_equal(py_e["active_count_max"].values, e["active_count_max"].values)
    py_w = tgm.sweep(threshold, factors={"thresholds.sd": [5, 20], "thresholds.mean": [20, 25]}, replicates=2,
                     progress=False)
    np.testing.assert_array_equal(py_w["active"].values, w["active"].values)
    summary = tgm.summary(tmp_path / "c.h5")
    assert summary.loc[("active", "20"), "pairs"] == 3


def test_progress_bar(root, capsys):
    pytest.importorskip("tqdm")
    tgm.experiment(_ishigami(root, {"type": "latin_hypercube", "n": 16}), progress=True)
    err = capsys.readouterr().err
    assert "16/16" in err


# -- errors -----------------------------------------------------------------------------------

def test_wrong_argument_types_raise_type_error(root):
    exp = _ishigami(root, {"type": "latin_hypercube", "n": 4})
    threshold = root / "scenarios" / "threshold.yaml"
    calls = [
        lambda: tgm.experiment(exp, threads="2"),
        lambda: tgm.experiment(exp, threads=2.0),
        lambda: tgm.experiment(exp, output=3),
        lambda: tgm.experiment(exp, resume="yes"),
        lambda: tgm.experiment(3.5),
        lambda: tgm.Experiment.load(42),
        lambda: tgm.Experiment.load(threshold, set=["steps=3"]),
        lambda: tgm.Experiment.from_dict([("scenario", str(threshold))]),
        lambda: tgm.Experiment.from_yaml(b"scenario: x.yaml"),
        lambda: tgm.sweep(threshold, factors=None),
        lambda: tgm.sweep(threshold, factors={"population": 50}),
        lambda: tgm.sweep(threshold, factors={"description": "ab"}),
        lambda: tgm.sweep(3.5, factors={"population": [50]}),
        lambda: tgm.sweep(threshold, factors={"population": [50]}, replicates="2"),
        lambda: tgm.compare(threshold, key=3, values=[1]),
        lambda: tgm.compare(threshold, key="population", values="12"),
        lambda: tgm.compare(threshold, key="population", values=12),
    ]
    for i, call in enumerate(calls):
        with pytest.raises(TypeError):
            call()
            pytest.fail(f"call {i} did not raise")


def test_invalid_arguments_raise_argument_error(root, small_town):
    exp = _ishigami(root, {"type": "latin_hypercube", "n": 4})
    with pytest.raises(tgm.ArgumentError) as e:
        tgm.experiment(exp, threads=0)
    assert e.value.argument == "threads"
    with pytest.raises(tgm.ArgumentError) as e:
        tgm.experiment(exp, threads=100000)           # more than a pool may have (was a crash)
    assert e.value.argument == "threads"
    with pytest.raises(tgm.ArgumentError) as e:
        tgm.experiment(exp, resume=True)             # resume needs the file
    assert e.value.argument == "resume"
    with pytest.raises(tgm.ArgumentError) as e:
        tgm.compare(root / "scenarios" / "threshold.yaml", key="population")
    assert e.value.argument == "values"
    ds = tgm.experiment(exp, progress=False)
    with pytest.raises(tgm.ArgumentError):
        tgm.summary(ds, level=1.5)
    with pytest.raises(tgm.ArgumentError):
        tgm.summary(tgm.run(small_town.set("steps", 2).set("replicates", 1)))   # not an experiment


def test_unknown_experiment_key_names_file_line_and_column(root, tmp_path):
    f = tmp_path / "typo.yaml"
    f.write_text(f"scenario: {root / 'scenarios' / 'threshold.yaml'}\n"
                 "replicate: 3\n")
    with pytest.raises(tgm.UnknownKeyError) as e:
        tgm.Experiment.load(f)
    assert isinstance(e.value, KeyError) and isinstance(e.value, tgm.ConfigError)
    assert e.value.file == str(f) and e.value.line == 2 and e.value.column == 1
    assert e.value.key == "replicate"
    assert "did you mean 'replicates'" in str(e.value)
    with pytest.raises(tgm.UnknownKeyError):
        tgm.Experiment.from_yaml(f.read_text())
    with pytest.raises(tgm.UnknownKeyError):
        tgm.Experiment.from_dict({"scenario": str(root / "scenarios" / "threshold.yaml"), "replicate": 3})


def test_unknown_outcome_metric(root, tmp_path):
    f = tmp_path / "metric.yaml"
    f.write_text(f"scenario: {root / 'scenarios' / 'threshold.yaml'}\n"
                 "outcomes:\n"
                 "  - {metric: activ}\n")
    exp = tgm.Experiment.load(f)
    out = tmp_path / "metric.h5"
    with pytest.raises(tgm.ConfigError) as e:
        tgm.experiment(exp, output=out, progress=False)
    assert "'activ'" in str(e.value) and "did you mean 'active'" in str(e.value)
    assert e.value.file == str(f) and e.value.line == 3
    assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists()   # nothing ran, nothing left
    with pytest.raises(tgm.ConfigError) as e:
        tgm.compare(root / "scenarios" / "threshold.yaml", key="thresholds.sd", values=[5], outcomes=["no_such"],
                    progress=False)
    assert "no_such" in str(e.value)


def test_bad_factor_key_or_value_names_the_experiment_file_and_line(root, tmp_path):
    scenario = root / "scenarios" / "threshold.yaml"
    f = tmp_path / "factor.yaml"
    f.write_text(f"scenario: {scenario}\n"
                 "replicates: 1\n"
                 "factors:\n"
                 "  - {key: thresholds.sdd, values: [5, 10]}\n")
    out = tmp_path / "factor.h5"
    with pytest.raises(tgm.ConfigError) as e:
        tgm.experiment(tgm.Experiment.load(f), output=out, progress=False)
    assert e.value.file == str(f) and e.value.line == 4 and f"{f}:4:" in str(e.value)
    assert "thresholds.sdd" in str(e.value) and "did you mean 'sd'" in str(e.value)
    # a bad value at the second design point: found before any job runs, and no file is left
    f.write_text(f"scenario: {scenario}\n"
                 "replicates: 1\n"
                 "factors:\n"
                 "  - {key: thresholds.sd, values: [5, -3]}\n")
    with pytest.raises(tgm.ConfigError) as e:
        tgm.experiment(tgm.Experiment.load(f), output=out, progress=False)
    assert e.value.file == str(f) and e.value.line == 4
    assert "thresholds.sd" in str(e.value) and "design point 1" in str(e.value)
    assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists()
    # a factor may not change what every job must share
    f.write_text(f"scenario: {scenario}\n"
                 "factors:\n"
                 "  - {key: steps, values: [5, 10]}\n")
    with pytest.raises(tgm.ConfigError) as e:
        tgm.Experiment.load(f)
    assert e.value.line == 3 and "steps" in str(e.value)


def test_missing_files_are_named(root, tmp_path):
    f = tmp_path / "lost.yaml"
    f.write_text("scenario: nowhere/crowd.yaml\n")
    with pytest.raises((tgm.ConfigError, tgm.ResultsIOError)) as e:
        tgm.Experiment.load(f)
    assert str(tmp_path / "nowhere" / "crowd.yaml") in str(e.value)
    assert e.value.file == str(f) and e.value.line == 1
    with pytest.raises(tgm.ResultsIOError) as e:
        tgm.Experiment.load(tmp_path / "no-experiment.yaml")
    assert isinstance(e.value, FileNotFoundError) and str(tmp_path / "no-experiment.yaml") in str(e.value)
    with pytest.raises((tgm.ConfigError, tgm.ResultsIOError)) as e:
        tgm.sweep(tmp_path / "no-scenario.yaml", factors={"population": [50]}, progress=False)
    assert str(tmp_path / "no-scenario.yaml") in str(e.value)
    with pytest.raises(tgm.ResultsIOError):
        tgm.summary(tmp_path / "no-results.h5")


def test_a_key_set_twice_is_written_once_with_the_value_in_effect(root):
    sc = tgm.Scenario.load(root / "scenarios" / "ishigami.yaml").set("steps", 3)
    e = tgm.Experiment.from_dict({"scenario": sc, "steps": 5, "factors": [{"key": "ishigami.x1", "values": [0, 1]}]})
    text = e.to_yaml()
    assert text.count("steps:") == 1 and "steps: 5" in text, text
    again = tgm.Experiment.from_yaml(text, base_dir=root / "scenarios")
    assert again.to_yaml() == text
