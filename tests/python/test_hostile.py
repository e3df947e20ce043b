"""Hostile arguments and damaged files in the Python API (issue: every bad input): each
ends in one of the package's typed exceptions naming the argument or file, never in a
crash, a pybind11 message, or an exception from deep inside h5py, numpy or xarray."""

import threading

import h5py
import numpy as np
import pytest

import tegenmacht as tgm


@pytest.fixture
def tiny(root):
    """The small organizing town of tests/cases/bad-input (800 residents, 10 weeks)."""
    return tgm.Scenario.load(root / "tests" / "cases" / "bad-input" / "tiny.yaml").set("replicates", 1)


@pytest.fixture
def run_file(tiny, tmp_path):
    p = tmp_path / "run.h5"
    with pytest.warns(tgm.ScenarioWarning):
        tgm.run(tiny, output=p, seed=4)
    return p


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("seed", [np.uint64(2**64 - 1), np.int64(5), np.uint32(7), 2**64 - 1])
def test_numpy_and_large_seeds_are_exact(tiny, seed, tmp_path):
    sim = tgm.Simulation(tiny, seed=seed)
    assert sim.scenario["seed"] == int(seed) and isinstance(sim.scenario["seed"], int)
    with pytest.warns(tgm.ScenarioWarning):
        tgm.run(tiny, seed=seed, output=tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5") as f:
        assert int(f.attrs["seed"]) == int(seed)


def test_integer_keys_above_2_to_the_63_stay_ints(tiny):
    s = tiny.copy().set("seed", 2**64 - 2)
    assert s["seed"] == 2**64 - 2 and isinstance(s["seed"], int)
    assert s.to_dict()["seed"] == 2**64 - 2


@pytest.mark.parametrize("kwargs, name", [
    (dict(threads=10**30), "threads"), (dict(threads=4097), "threads"), (dict(replicates=10**30), "replicates"),
    (dict(replicates=np.uint64(2**64 - 1)), "replicates"), (dict(seed=2**64), "seed"), (dict(seed=-1), "seed"),
])
def test_out_of_range_arguments_name_themselves(tiny, kwargs, name):
    with pytest.raises(tgm.ArgumentError) as e:
        tgm.run(tiny, **kwargs)
    assert e.value.args[0].startswith(name + ":")


def test_replicate_and_step_bounds(tiny):
    with pytest.raises(tgm.ArgumentError, match="^replicate: must be at most"):
        tgm.Simulation(tiny, replicate=2**31)
    with pytest.raises(TypeError, match="replicate must be an int"):
        tgm.Simulation(tiny, replicate=None)
    sim = tgm.Simulation(tiny)
    with pytest.raises(TypeError, match="n must be an int, not NoneType"):
        sim.step(None)
    # more weeks than the run has: the rest of the run, not an error
    assert sim.step(2**63) == sim.steps
    assert sim.step(np.uint64(2**64 - 1)) == 0


# ---------------------------------------------------------------- threads

def test_one_simulation_from_two_threads_raises_instead_of_racing(tiny):
    long = tiny.copy().set("steps", 4000)
    sim = tgm.Simulation(long, seed=9)
    errors, started = [], threading.Event()

    def stepper():
        started.set()
        sim.run()

    t = threading.Thread(target=stepper)
    t.start()
    started.wait()
    # while the first thread runs, every call from another thread is refused
    clashes = 0
    for call in (lambda: sim.step(1), lambda: sim.run(), lambda: sim.checkpoint(), lambda: sim.fork(),
                 lambda: sim.set("residents.invite", 0.2), lambda: sim.metrics["trust"], lambda: sim.agents()):
        try:
            call()
        except tgm.ArgumentError as e:
            assert "another thread" in str(e)
            clashes += 1
        except Exception as e:  # noqa: BLE001 - anything else is the failure this test is about
            errors.append(e)
    t.join()
    assert errors == []
    assert clashes >= 1, "the run ended before any call could clash; make it longer"
    # and the run that went on is the run a single thread gives
    alone = tgm.Simulation(long, seed=9).run()
    assert np.array_equal(np.asarray(sim.metrics["trust"]), np.asarray(alone.metrics["trust"]))


# ---------------------------------------------------------------- damaged files

def _damage(src, dst, fn):
    import shutil
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        fn(f)
    return dst


def _group_for_dataset(f):
    del f["metrics/trust"]
    f.create_group("metrics/trust")


def _dataset_for_group(f):
    del f["labels"]
    f["labels"] = np.zeros(3)


def _extra_dimension(f):
    dims = f["metrics/trust"].attrs["dims"]
    del f["metrics/trust"]
    f["metrics/trust"] = np.zeros((2, 3, 4))
    f["metrics/trust"].attrs["dims"] = dims


def _other_weeks(f):
    dims = f["metrics/trust"].attrs["dims"]
    r, w = f["metrics/trust"].shape
    del f["metrics/trust"]
    f["metrics/trust"] = np.zeros((r, w + 3))
    f["metrics/trust"].attrs["dims"] = dims


def _strings_for_numbers(f):
    dims = f["metrics/trust"].attrs["dims"]
    n = f["metrics/trust"].shape
    del f["metrics/trust"]
    f["metrics/trust"] = np.full(n, b"x")
    f["metrics/trust"].attrs["dims"] = dims


def _dims_a_float(f):
    f["metrics/trust"].attrs["dims"] = 1.5


def _newer_schema(f):
    f.attrs["schema_version"] = 99


@pytest.mark.parametrize("fn, words", [
    (_group_for_dataset, "should be a dataset, but it is a group"),
    (_dataset_for_group, "should be a group of datasets"),
    (_extra_dimension, "has 3 dimensions but its dims attribute names 2"),
    (_other_weeks, "do not fit together"),
    (_strings_for_numbers, "should hold numbers"),
    (_dims_a_float, "dimensions"),
    (_newer_schema, "newer tegenmacht"),
])
def test_damaged_run_files_raise_results_format_error(run_file, tmp_path, fn, words):
    bad = _damage(run_file, tmp_path / "bad.h5", fn)
    with pytest.raises(tgm.ResultsFormatError) as e:
        tgm.load_results(bad)
    assert str(bad) in str(e.value) and words in str(e.value)


def test_a_folder_is_not_a_results_file(tmp_path):
    with pytest.raises(tgm.ResultsIOError, match="is a folder"):
        tgm.load_results(tmp_path)


def test_an_interrupted_file_loads_with_a_warning(run_file, tmp_path):
    bad = _damage(run_file, tmp_path / "part.h5", lambda f: f.attrs.__setitem__("complete", np.uint8(0)))
    with pytest.warns(tgm.IncompleteResultsWarning, match="interrupted"):
        tgm.load_results(bad)
