"""The Python API: scenarios, simulations, runs, results files."""

import os
import pathlib
import threading
import time

import numpy as np
import pytest

import tegenmacht as tgm


def test_scenario_load_set_and_read(small_town):
    assert small_town.model == "organizing"
    assert small_town["steps"] == 40
    small_town.set("strategy", "polder")
    assert small_town["tactics.max_level"] == 0          # the preset follows the strategy
    assert small_town["workers.profile"] == [1, 0, 0]
    assert "strategy: polder" in small_town.to_yaml()
    assert small_town.to_dict()["network"]["mean_degree"] == 12


def test_copies_are_independent_and_keep_presets_live(small_town):
    a = small_town.copy().set("strategy", "polder")
    b = small_town.copy().set("strategy", "coalition")
    assert small_town["strategy"] == "alinsky" and small_town["workers.profile"] == [0, 1, 0]
    assert a["workers.profile"] == [1, 0, 0] and a["tactics.max_level"] == 0
    assert b["workers.profile"] == [0, 0.5, 0.5] and b["tactics.assembly_interval"] == 13
    pa, pb = tgm.run(a, seed=1, threads=2), tgm.run(b, seed=1, threads=2)
    assert not np.array_equal(pa["collective_hours"].values, pb["collective_hours"].values) or \
        not np.array_equal(pa["escalation"].values, pb["escalation"].values)
    assert float(pa["escalation"].max()) == 0.0         # polder never escalates


def test_scenario_from_dict_fills_defaults():
    sc = tgm.Scenario.from_dict({"model": "threshold", "population": 50, "steps": 5})
    assert sc["thresholds.distribution"] == "normal"
    assert sc["network.type"] == "complete"


def test_scenario_errors_are_python_exceptions(root, small_town):
    with pytest.raises(KeyError) as e:
        small_town.set("tactics.patiense", 3)
    assert e.value.key == "tactics.patiense" and "did you mean 'patience'" in str(e.value)
    with pytest.raises(ValueError) as e:
        small_town.set("network.local", 1.5)
    assert e.value.key == "network.local" and "out of range" in str(e.value)
    with pytest.raises(ValueError):
        small_town.set("steps", "many")
    assert small_town["steps"] == 40                      # a failed set leaves the scenario unchanged
    with pytest.raises(FileNotFoundError):
        tgm.Scenario.load(root / "no-such.yaml")
    with pytest.raises(tgm.ConfigError) as e:
        tgm.Scenario.from_yaml("model: threshold\nnetwork: {type: complete\n", "broken.yaml")
    assert e.value.file == "broken.yaml" and e.value.line >= 2
    with pytest.raises(KeyError):
        tgm.Scenario.from_dict({"model": "threshold", "populaton": 5})
    with pytest.raises(ValueError) as e:
        tgm.Scenario.from_dict({"model": "thresold"})
    assert "did you mean 'threshold'" in str(e.value)


def test_wrong_argument_types_raise_type_error(small_town):
    with pytest.raises(TypeError):
        tgm.Scenario.load(42)
    with pytest.raises(TypeError):
        tgm.Simulation(small_town, seed="x")
    with pytest.raises(TypeError):
        tgm.run(3.5)
    with pytest.raises(ValueError):
        tgm.Simulation(small_town, threads=0)
    sim = tgm.Simulation(small_town)
    with pytest.raises(ValueError):
        sim.step(-1)
    with pytest.raises(TypeError):
        sim.step("2")
    with pytest.raises(KeyError):
        sim.metric("no_such_metric")


def test_simulation_steps_cell_by_cell(small_town):
    sim = tgm.Simulation(small_town, seed=5, threads=2)
    assert sim.week == 0 and sim.steps == 40
    assert sim.step(3) == 3 and sim.week == 3
    trust = sim.metrics["trust"]
    assert trust.shape == (4,)
    assert sim.metric("member_by_group").shape == (4, 3)
    assert sim.labels["group"] == ["established", "mixed", "marginalised"]
    sim.run()
    assert sim.week == 40 and sim.step(5) == 0            # never beyond the scenario's steps
    agents = sim.agents
    assert len(agents["state"]) == 20000 and set(np.unique(agents["state"])) <= {0, 1, 2}
    offsets, targets = sim.network
    assert offsets[-1] == len(targets) and abs(len(targets) / 20000 - 12) < 0.5


def test_metrics_are_read_only_views_without_copy(small_town):
    sim = tgm.Simulation(small_town, seed=1)
    sim.step(5)
    a = sim.metric("trust")
    b = sim.metric("trust")
    assert not a.flags.owndata and not a.flags.writeable
    assert np.shares_memory(a, b)                         # both view the engine's storage
    with pytest.raises(ValueError):
        a[0] = 1.0
    sim.step(5)
    c = sim.metric("trust")
    assert np.shares_memory(a, c) and c[:6].tolist() == a.tolist()   # storage never moves
    offsets, _ = sim.network
    assert not offsets.flags.owndata and not offsets.flags.writeable
    assert not sim.agents["trust"].flags.writeable        # agent columns: read-only copies (documented)


def test_same_seed_same_results_any_threads(small_town):
    a = tgm.run(small_town, seed=9, threads=1)
    b = tgm.run(small_town, seed=9, threads=2)
    for name in ("trust", "member_by_neighbourhood", "concessions"):
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True)
    c = tgm.run(small_town, seed=10, threads=2)
    assert not np.array_equal(a["trust"].values, c["trust"].values)


def test_simulation_equals_first_replicate_of_run(small_town):
    ds = tgm.run(small_town, seed=4, threads=2)
    sim = tgm.Simulation(small_town, seed=4).run()
    assert np.array_equal(sim.metric("trust"), ds["trust"].sel(replicate=0).values)


def test_results_from_hdf5_equal_in_memory(small_town, tmp_path):
    path = tmp_path / "town.h5"
    ds = tgm.run(small_town, seed=2, threads=2, output=path)
    back = tgm.load_results(path)
    assert set(ds.data_vars) == set(back.data_vars)
    for name in ds.data_vars:
        assert back[name].dims == ds[name].dims
        np.testing.assert_array_equal(back[name].values, ds[name].values)
    assert back.attrs["model"] == "organizing" and back.attrs["seed"] == 2
    assert back.attrs["complete"] == 1 and "strategy: alinsky" in back.attrs["config"]
    assert back["trust"].attrs["unit"] and back["trust"].attrs["description"]
    assert list(back["neighbourhood"].values) == ["estate", "rental", "plant", "owners"]
    df = tgm.to_dataframe(back, ["trust", "member_by_group"])
    assert set(df["metric"]) == {"trust", "member_by_group"}
    assert len(df) == 2 * 41 + 2 * 41 * 3


def test_load_results_reads_cli_files(root, tmp_path):
    import subprocess

    cli = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR", root / "build" / "release")) / "bin" / "tegenmacht"
    if not cli.exists():
        pytest.skip("command-line tool not built here")
    out = tmp_path / "cli.h5"
    subprocess.run([str(cli), "run", str(root / "scenarios" / "threshold.yaml"), "-o", str(out), "-q"], check=True)
    ds = tgm.load_results(out)
    assert ds["active"].dims == ("replicate", "week") and ds.attrs["model"] == "threshold"
    sweep = tmp_path / "sweep.h5"
    subprocess.run([str(cli), "sweep", str(root / "scenarios" / "threshold.yaml"), "--vary", "thresholds.sd=5,20",
                    "-o", str(sweep), "-q"], check=True)
    sw = tgm.load_results(sweep)  # a sweep is an experiment of one arm over a grid
    assert sw.attrs["kind"] == "experiment"
    assert sw["active"].dims == ("point", "arm", "replicate")
    assert sw["active_series"].dims == ("point", "arm", "replicate", "week")
    assert list(sw["thresholds.sd"].values) == [5, 20]


def test_load_results_reads_version_0_1_sweep_files(tmp_path):
    """Sweep files of version 0.1 (a leading run axis, /parameters; README "Results file") keep loading."""
    import h5py

    path = tmp_path / "old_sweep.h5"
    active = np.arange(2 * 3 * 5, dtype=float).reshape(2, 3, 5)
    with h5py.File(path, "w") as f:
        f.attrs.update({"schema_version": 1, "model": "threshold", "runs": 2, "complete": 1, "replicates": 3})
        f["config"] = "model: threshold\n"
        d = f.create_dataset("metrics/active", data=active)
        d.attrs["dims"] = ["run", "replicate", "step"]
        d.attrs["unit"] = "share"
        f.create_group("labels")
        f["parameters/thresholds.sd"] = np.array([b"5", b"20"], dtype=object)
        f["parameters/_config"] = np.array([b"a", b"b"], dtype=object)
    ds = tgm.load_results(path)
    assert ds["active"].dims == ("run", "replicate", "week")
    np.testing.assert_array_equal(ds["active"].values, active)
    assert list(ds["thresholds.sd"].values) == ["5", "20"]


def test_load_results_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        tgm.load_results(tmp_path / "missing.h5")
    bad = tmp_path / "corrupt.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"garbage" * 100)
    with pytest.raises(tgm.ResultsFormatError) as e:
        tgm.load_results(bad)
    assert str(bad) in str(e.value)
    import h5py

    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = [1, 2, 3]
    with pytest.raises(ValueError):
        tgm.load_results(other)


def test_run_releases_the_gil(root):
    # long enough (about a second) that a starved thread would show
    sc = tgm.Scenario.load(root / "scenarios" / "default.yaml").set("replicates", 4).set("steps", 800)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    tgm.run(sc, threads=1)
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if start < x < end]
    # without releasing the GIL the other thread would be starved for the whole run
    assert end - start > 0.2
    assert len(during) > 0.3 * (end - start) / 0.005


def test_keyboard_interrupt_stops_a_run_quickly(root):
    import _thread

    sc = tgm.Scenario.load(root / "scenarios" / "default.yaml").set("steps", 100000)
    sim = tgm.Simulation(sc, threads=1)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        sim.run()
    assert time.perf_counter() - start < 1.5            # the interrupt arrived within a second
    assert 0 < sim.week < 100000                         # stopped cleanly between weeks
    week = sim.week
    sim.step(1)                                          # and can go on afterwards
    assert sim.week == week + 1


def test_plots_draw(small_town):
    import matplotlib

    matplotlib.use("Agg")
    ds = tgm.run(small_town, threads=2)
    data = lambda ax: [ln for ln in ax.lines if ln.get_linestyle() != ":"]  # noqa: E731  (not the timeline marks)
    ax = tgm.plot.timeseries(ds, "member_by_group")
    assert len(data(ax)) == 3
    ax = tgm.plot.compare({"a": ds, "b": ds}, "concessions_housing")
    assert len(data(ax)) == 2
    sim = tgm.Simulation(small_town)
    sim.step(10)
    ax = tgm.plot.network(sim, max_nodes=300)
    assert ax.collections
    with pytest.raises(KeyError):
        tgm.plot.timeseries(ds, "nope")


def test_docstrings_on_public_names():
    for name in tgm.__all__:
        obj = getattr(tgm, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
    for name in ("step", "run", "metrics", "agents", "network", "week"):
        assert getattr(tgm.Simulation, name).__doc__, name


def test_shipped_scenarios_load_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nowhere near the repository's scenarios
    names = tgm.scenarios()
    assert "default" in names and "reference/epstein_run1" in names and "experiments/strategies_by_context" in names
    sc = tgm.Scenario.builtin("default")
    assert sc.model == "organizing"
    e = tgm.Experiment.builtin("experiments/strategies_by_context")  # its ../default.yaml resolves too
    assert e.arms == ["polder", "alinsky", "coalition", "casework"]
    with pytest.raises(tgm.ArgumentError, match="no shipped scenario 'nope'"):
        tgm.Scenario.builtin("nope")
    with pytest.raises(tgm.ArgumentError):
        tgm.Scenario.builtin("../../etc/passwd")


def test_reset_runs_the_same_simulation_again_and_version():
    sim = tgm.Simulation(tgm.Scenario.builtin("threshold"), seed=4)
    sim.run()
    first = {k: v.copy() for k, v in sim.metrics.items()}
    assert sim.reset() is sim and sim.week == 0
    sim.run()
    for k, v in first.items():
        assert np.array_equal(v, sim.metrics[k]), k
    assert isinstance(tgm.__version__, str) and tgm.__version__.count(".") == 2


def test_schema_keys_describe_every_control():
    keys = {k["key"]: k for k in tgm._core.schema_keys("organizing")}
    r = keys["institutions.*.responsiveness"]
    assert r["type"] == "number" and r["min"] == 0 and r["max"] == 1 and r["description"]
    assert "polder" in keys["strategy"]["choices"]


def test_time_plots_mark_the_timeline_events():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ds = tgm.run(tgm.Scenario.builtin("default").set("steps", 70).set("replicates", 2), seed=1)
    assert tgm.plot._timeline(ds) == [(20, "structural: housing"), (60, "shock: pollution plant")]
    fig, ax = plt.subplots()
    tgm.plot.timeseries(ds, "hardship", ax=ax)
    marks = [ln for ln in ax.lines if ln.get_linestyle() == ":"]
    assert sorted(ln.get_xdata()[0] for ln in marks) == [20, 60]
    assert {t.get_text() for t in ax.texts} == {"structural: housing", "shock: pollution plant"}
    fig2, ax2 = plt.subplots()
    tgm.plot.timeseries(ds, "hardship", ax=ax2, events=False)
    assert not [ln for ln in ax2.lines if ln.get_linestyle() == ":"]
    plt.close("all")
