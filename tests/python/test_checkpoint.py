"""State as data from Python and the command line: checkpoint / restore / fork continue a
run bit for bit (in memory, through a file, in a new process), set() is checked like the
scenario, and bad checkpoints raise errors that name the file."""

import os
import pathlib
import subprocess

import h5py
import numpy as np
import pytest

import tegenmacht as tgm

BUILD = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build" / "release"))
CLI = BUILD / "bin" / "tegenmacht"


def _same(a, b):
    assert a.week == b.week
    for name in a.metric_info:
        np.testing.assert_array_equal(a.metric(name), b.metric(name), err_msg=name)


@pytest.fixture
def town():
    return tgm.Scenario.builtin("default").set("steps", 30).set("replicates", 1)


def test_checkpoint_restore_fork_in_memory_and_file(town, tmp_path):
    whole = tgm.Simulation(town, seed=5, replicate=2).run()
    sim = tgm.Simulation(town, seed=5, replicate=2, threads=2)
    sim.step(12)
    ck = sim.checkpoint()
    assert (ck.model, ck.week, ck.replicate, ck.seed) == ("organizing", 12, 2, 5)
    again = tgm.Simulation.restore(ck, threads=1)
    assert again.replicate == 2 and again.week == 12
    again.run()
    _same(whole, again)
    path = sim.checkpoint(tmp_path / "week12.h5")
    assert path.is_file() and not (tmp_path / "week12.h5.partial").exists()
    from_file = tgm.Simulation.restore(path).run()
    _same(whole, from_file)
    copy = sim.fork()
    copy.step(3)
    assert sim.week == 12 and copy.week == 15   # independent
    sim.run()
    copy.run()
    _same(whole, sim)
    _same(whole, copy)


def test_what_if_from_here(town):
    sim = tgm.Simulation(town.copy().set("strategy", "polder"), seed=1)
    sim.step(10)
    alinsky = sim.fork().set("strategy", "alinsky")
    assert alinsky.changes == ["10: strategy=alinsky"]
    sim.run()
    alinsky.run()
    # the same town until week 10, then the two runs part
    np.testing.assert_array_equal(sim.metric("member")[:11], alinsky.metric("member")[:11])
    assert not np.array_equal(sim.metric("member"), alinsky.metric("member"))


def test_set_is_checked_like_the_scenario(town):
    sim = tgm.Simulation(town, seed=1)
    with pytest.raises(tgm.ConfigError, match=r"out of range \[1, 1000\]"):
        sim.set("organizing.meeting_interval", 0)
    with pytest.raises(tgm.ConfigError, match="expected an integer"):
        sim.set("tactics.max_level", 2.5)
    with pytest.raises(tgm.ConfigError, match="cannot be changed during a run"):
        sim.set("population", 5)
    with pytest.raises(TypeError):
        sim.set(3, 1)
    assert "tactics.patience" in sim.settable and "strategy" in sim.settable
    sim.set("workers.profile", [0.5, 0.5, 0])
    assert sim.changes == ["0: workers.profile=[0.5, 0.5, 0]"]


def test_bad_checkpoints(tmp_path, town):
    with pytest.raises(tgm.TegenmachtError, match="no such checkpoint file"):
        tgm.Simulation.restore(tmp_path / "missing.h5")
    results = tmp_path / "results.h5"
    tgm.run(town.copy().set("steps", 3), output=results)
    with pytest.raises(tgm.TegenmachtError, match="is not a checkpoint file"):
        tgm.Simulation.restore(results)
    path = tgm.Simulation(town, seed=1).checkpoint(tmp_path / "ck.h5")
    with h5py.File(path, "r+") as f:   # edited after it was written: the checksum says so
        f["checkpoint"].attrs.modify("model", "threshold")
    with pytest.raises(tgm.TegenmachtError, match="do not match its checksum"):
        tgm.Simulation.restore(path)
    with pytest.raises(tgm.ArgumentError, match="steps"):
        tgm.Simulation.restore(tgm.Simulation(town, seed=1).checkpoint(), steps=2**64)
    with pytest.raises(TypeError):
        tgm.Simulation.restore(42)


def test_the_command_line_continues_in_a_new_process(tmp_path):
    if not CLI.exists():
        pytest.skip("the command-line program is not built")
    scenario = tgm.core.builtin_path("independence_dilemma")
    run = [str(CLI), "run", str(scenario), "--steps", "40", "--replicates", "1", "-q"]
    subprocess.run(run + ["-o", str(tmp_path / "whole.h5"), "--checkpoint-at", "15"], check=True, cwd=tmp_path)
    assert (tmp_path / "whole_week15.h5").is_file()
    subprocess.run([str(CLI), "run", "--from", "whole_week15.h5", "-o", "continued.h5", "-q"], check=True,
                   cwd=tmp_path)
    with h5py.File(tmp_path / "whole.h5") as a, h5py.File(tmp_path / "continued.h5") as b:
        for name in a["metrics"]:
            np.testing.assert_array_equal(a["metrics"][name][...], b["metrics"][name][...], err_msg=name)
    # a change on restore is checked like a timeline `set`: one line, exit code 2, no results file
    bad = subprocess.run([str(CLI), "run", "--from", "whole_week15.h5", "--set", "tactics.patience=0", "-o",
                          "bad.h5"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "tactics.patience" in bad.stderr and "out of range" in bad.stderr
    assert not (tmp_path / "bad.h5").exists()
    # and the same file continues in Python
    sim = tgm.Simulation.restore(tmp_path / "whole_week15.h5").run()
    with h5py.File(tmp_path / "whole.h5") as a:
        np.testing.assert_array_equal(a["metrics"]["member"][0], sim.metric("member"))


def test_seeds_are_exact_unsigned_64_bit_integers():
    crowd = tgm.Scenario.builtin("threshold")
    top = tgm.Simulation(crowd, seed=2**64 - 1).checkpoint()
    assert top.seed == 2**64 - 1
    # 2^53 and 2^53 + 1 are different seeds (a double would make them one)
    a = tgm.Simulation(crowd, seed=2**53).checkpoint()
    b = tgm.Simulation(crowd, seed=2**53 + 1).checkpoint()
    assert (a.seed, b.seed) == (2**53, 2**53 + 1)
    with pytest.raises(tgm.ArgumentError, match="at most 18446744073709551615"):
        tgm.Simulation(crowd, seed=2**64)
    with pytest.raises(tgm.ArgumentError, match="at least 0"):
        tgm.run(crowd, seed=-1)
    with pytest.raises(TypeError):
        tgm.Simulation(crowd, seed=1.0)
