"""The package installs with pip from the source tree, offline (Debian's setuptools drives CMake)."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not os.environ.get("TEGENMACHT_TEST_INSTALL"), reason="set TEGENMACHT_TEST_INSTALL=1")
def test_pip_install_no_build_isolation(tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
                    "--target", str(target), str(ROOT)], check=True)
    code = "import tegenmacht as t; s = t.Simulation({'model': 'threshold', 'steps': 3}); s.run(); print(s.week)"
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert out.stdout.strip() == "3"
