"""`mpirun -n P tegenmacht experiment` on loopback: the same file as one process for any P,
a rank killed mid-run then --resume gives the same file, and an invalid experiment fails
once, with exit code 2, on every rank count."""

import os
import pathlib
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

BUILD = pathlib.Path(os.environ.get("TEGENMACHT_BUILD_DIR",
                                    pathlib.Path(__file__).resolve().parents[2] / "build" / "release"))
CLI = BUILD / "bin" / "tegenmacht"
ROOT = pathlib.Path(__file__).resolve().parents[2]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_btl="self,tcp",
           OMPI_MCA_btl_tcp_if_include="lo", OMPI_MCA_oob_tcp_if_include="lo")

if not shutil.which("mpirun"):
    pytest.skip("mpirun is not installed (scripts/deps.sh installs openmpi-bin)", allow_module_level=True)

EXPERIMENT = f"""scenario: {ROOT}/scenarios/default.yaml
steps: 60
replicates: 3
arms: {{key: strategy, values: [polder, alinsky]}}
factors: [{{key: network.homophily, values: [0.5, 0.8]}}, {{key: workers.funding_dependence, values: [0.2, 0.7]}}]
record: [trust, member_by_group]
"""


def mpirun(n, *args, **kw):
    return subprocess.run(["mpirun", "--oversubscribe", "-n", str(n), str(CLI), *args], capture_output=True,
                          text=True, env=ENV, timeout=600, **kw)


def same(a, b):
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        names = [g + "/" + k for g in ("outcomes", "metrics") for k in x[g]] + ["jobs/done"]
        assert len(names) > 3
        for n in names:
            assert np.array_equal(x[n][()], y[n][()], equal_nan=True), n
        assert x.attrs["complete"] == y.attrs["complete"] == 1
        assert sorted(x["analysis"]) == sorted(y["analysis"])


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    d = tmp_path_factory.mktemp("mpi")
    (d / "e.yaml").write_text(EXPERIMENT)
    r = subprocess.run([str(CLI), "experiment", "e.yaml", "-o", "serial.h5", "-q", "--threads", "1"], cwd=d,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return d


@pytest.mark.parametrize("ranks", [2, 3])
def test_any_number_of_ranks_gives_the_serial_file(serial, ranks):
    out = f"m{ranks}.h5"
    r = mpirun(ranks, "experiment", "e.yaml", "-o", out, "--threads", "1", cwd=serial)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"on {ranks} MPI ranks" in r.stdout
    assert r.stdout.count("paired difference from polder") == 1  # one report, from rank 0
    same(serial / "serial.h5", serial / out)


def test_a_rank_killed_mid_run_then_resume_gives_the_serial_file(serial):
    out = serial / "k.h5"
    p = subprocess.Popen(["mpirun", "--oversubscribe", "-n", "3", str(CLI), "experiment", "e.yaml", "-o", "k.h5", "-q",
                          "--threads", "1"], cwd=serial, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = serial / "k.h5.partial"
    killed = None
    deadline = time.time() + 120
    while time.time() < deadline and killed is None:  # kill rank 1 once some jobs are in the file
        time.sleep(0.2)
        done = 0
        if partial.exists():
            try:
                with h5py.File(partial, "r") as f:
                    done = int(f["jobs/done"][()].sum())
            except (OSError, KeyError):   # caught between two writes of its metadata: look again
                pass
        if done >= 3:
            for pid in subprocess.run(["pgrep", "-f", "experiment e.yaml -o k.h5"], capture_output=True,
                                      text=True).stdout.split():
                try:
                    env = pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"OMPI_COMM_WORLD_RANK=1" in env:
                    os.kill(int(pid), signal.SIGKILL)
                    killed = pid
    p.communicate(timeout=120)
    assert killed, "rank 1 was not found running"
    assert p.returncode != 0
    assert partial.exists() and not out.exists()
    with h5py.File(partial, "r") as f:
        assert f.attrs["complete"] == 0
        assert 3 <= f["jobs/done"][()].sum() < f["jobs/done"].size
    r = mpirun(2, "experiment", "e.yaml", "-o", "k.h5", "--resume", "-q", "--threads", "1", cwd=serial)
    assert r.returncode == 0, r.stderr
    same(serial / "serial.h5", out)


@pytest.mark.parametrize("ranks", [1, 2, 3])
def test_an_invalid_experiment_fails_once_with_exit_code_2(serial, ranks):
    (serial / "bad.yaml").write_text(f"scenario: {ROOT}/scenarios/default.yaml\nreplicate: 3\n")
    r = mpirun(ranks, "experiment", "bad.yaml", "-o", "bad.h5", cwd=serial)
    assert r.returncode == 2, r.stderr
    lines = [x for x in (r.stdout + r.stderr).splitlines() if x.startswith("tegenmacht: error")]
    assert lines == ["tegenmacht: error: bad.yaml:2:1: key 'replicate': unknown key; did you mean 'replicates'?"]
    assert not (serial / "bad.h5").exists() and not (serial / "bad.h5.partial").exists()
