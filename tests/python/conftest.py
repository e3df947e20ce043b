import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def root():
    return ROOT


@pytest.fixture
def small_town(root):
    """The default town, shortened: 2 replicates of 40 weeks."""
    import tegenmacht as tgm

    return tgm.Scenario.load(root / "scenarios" / "default.yaml").set("steps", 40).set("replicates", 2)
