"""Scenarios, simulations and ensemble runs (thin wrappers over the C++ engine)."""

from __future__ import annotations

import json
import os
import pathlib
import sys
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from . import _core
from .errors import ArgumentError, ResultsIOError, ScenarioWarning

__all__ = ["Scenario", "Simulation", "run", "models"]

PathLike = Union[str, "os.PathLike[str]"]


def _yaml_value(value: Any) -> str:
    """A Python value as YAML text (JSON is valid YAML)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    try:
        return json.dumps(value)
    except TypeError as e:
        raise TypeError(f"cannot use a value of type {type(value).__name__} in a scenario") from e


class Scenario:
    """A validated scenario: a YAML file (or dict) plus the keys you changed.

    Every change is validated at once, with the same messages as the command
    line (errors name the key path, and the file, line and column where there
    is one).

    >>> sc = Scenario.load("scenarios/default.yaml")
    >>> sc.set("strategy", "polder").set("steps", 52)
    >>> sc["tactics.max_level"]
    0
    """

    def __init__(self, handle: "_core.ScenarioHandle"):
        self._h = handle

    @classmethod
    def load(cls, path: PathLike) -> "Scenario":
        """Reads and validates a scenario file. Raises FileNotFoundError (ResultsIOError) or ConfigError."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
        return cls(_core.ScenarioHandle.from_file(os.fspath(path)))

    @classmethod
    def builtin(cls, name: str) -> "Scenario":
        """A scenario shipped with the package, by name: ``"default"``,
        ``"reference/epstein_run1"``, ... (:func:`scenarios` lists them). Works from any
        folder, after ``pip install`` as well as from the build tree. Raises
        ArgumentError naming the known scenarios for an unknown name."""
        return cls.load(builtin_path(name))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "<dict>") -> "Scenario":
        """Builds a scenario from a dict with the same keys as a YAML file (``model`` is required)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping, not {type(data).__name__}")
        return cls(_core.ScenarioHandle.from_text(_yaml_value(dict(data)), name))

    @classmethod
    def from_yaml(cls, text: str, name: str = "<yaml>") -> "Scenario":
        """Builds a scenario from YAML text."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        return cls(_core.ScenarioHandle.from_text(text, name))

    def set(self, key: str, value: Any) -> "Scenario":
        """Sets a key (dotted path, list items by index: ``"neighbourhoods.0.size"``) and
        revalidates. Returns the scenario, so calls can be chained. On error the
        scenario is unchanged."""
        if not isinstance(key, str):
            raise TypeError(f"key must be a str, not {type(key).__name__}")
        self._h.set(key, _yaml_value(value))
        return self

    def copy(self) -> "Scenario":
        """An independent copy (later set() calls do not affect this one). It keeps the
        original text and the keys set so far, so changing ``strategy`` on the copy
        still brings in that strategy's preset values."""
        return Scenario(self._h.copy())

    def __getitem__(self, key: str) -> Any:
        """The resolved value of a key, e.g. ``sc["network.mean_degree"]``."""
        return self._h.get(key)

    def to_dict(self) -> Dict[str, Any]:
        """The fully resolved scenario (defaults filled in) as nested dicts and lists."""
        return self._h.to_dict()

    def to_yaml(self) -> str:
        """The fully resolved scenario as YAML text (what results files store)."""
        return self._h.to_yaml()

    @property
    def model(self) -> str:
        """Name of the model this scenario runs."""
        return self["model"]

    @property
    def warnings(self) -> List[str]:
        """What in this (valid) scenario cannot act as written, one line each with file,
        line and key: an event after the last week, a subsidy cut on an institution that
        pays no one, a neighbourhood far smaller than the rest. Empty when nothing is."""
        return list(self._h.warnings())

    def _warn(self, stacklevel: int = 3) -> None:
        import warnings as _w

        for text in self.warnings:
            _w.warn(text, ScenarioWarning, stacklevel=stacklevel)

    def __repr__(self) -> str:
        changed = f", set={self._h.overrides}" if self._h.overrides else ""
        return f"Scenario(model={self.model!r}, source={self._h.source!r}{changed})"


def _scenario(s: Union[Scenario, PathLike, Mapping[str, Any]]) -> Scenario:
    if isinstance(s, Scenario):
        return s
    if isinstance(s, (str, os.PathLike)):
        return Scenario.load(s)
    if isinstance(s, Mapping):
        return Scenario.from_dict(s)
    raise TypeError(f"scenario must be a Scenario, a path or a dict, not {type(s).__name__}")


def _check_int(name: str, value: Any, minimum: int, maximum: Optional[int] = None) -> Optional[int]:
    """``value`` as a Python int (numpy integers included, read exactly), or None;
    TypeError for another type, ArgumentError naming ``name`` outside [minimum, maximum]."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    value = int(value)
    if value < minimum:
        raise ArgumentError(f"{name}: must be at least {minimum} (got {value})", name)
    if maximum is not None and value > maximum:
        raise ArgumentError(f"{name}: must be at most {maximum} (got {value})", name)
    return value


_MAX_SEED = 2**64 - 1       # seeds are exact unsigned 64-bit integers
_MAX_THREADS = 4096         # as the command line
_MAX_REPLICATES = 2**20     # replicate indices are 20 bits of every random stream's key
_MAX_WEEKS = 2**32 - 1


def _check_seed(seed: Any) -> Optional[int]:
    return _check_int("seed", seed, 0, _MAX_SEED)


def _check_threads(threads: Any) -> Optional[int]:
    return _check_int("threads", threads, 1, _MAX_THREADS)


def _check_replicates(replicates: Any) -> Optional[int]:
    return _check_int("replicates", replicates, 1, _MAX_REPLICATES)


class Simulation:
    """One replicate of a scenario that you can step week by week.

    >>> sim = Simulation("scenarios/default.yaml", seed=3)
    >>> sim.step(10)          # ten weeks
    >>> sim.metrics["trust"]  # one value per week recorded so far (a read-only view, no copy)

    ``step`` and ``run`` release the GIL and stop with KeyboardInterrupt on Ctrl-C.
    The result does not depend on ``threads``.
    """

    def __init__(self, scenario: Union[Scenario, PathLike, Mapping[str, Any]], seed: Optional[int] = None,
                 threads: Optional[int] = None, replicate: int = 0):
        seed = _check_seed(seed)
        threads = _check_threads(threads)
        replicate = _check_int("replicate", replicate, 0, _MAX_REPLICATES - 1)
        if replicate is None:
            raise TypeError("replicate must be an int, not NoneType")
        self.scenario = _scenario(scenario)
        if seed is not None:   # the scenario shows the seed that runs
            self.scenario = self.scenario.copy().set("seed", seed)
        self._args = dict(seed=seed, threads=threads, replicate=replicate)
        self._h = _core.SimulationHandle(self.scenario._h, **self._args)
        self.scenario._warn()

    def reset(self) -> "Simulation":
        """Back to week 0 with the same scenario, seed and replicate: the same run again
        (bit for bit). Returns self."""
        self._h = _core.SimulationHandle(self.scenario._h, **self._args)
        return self

    def step(self, n: int = 1) -> int:
        """Advances ``n`` weeks (never beyond the scenario's ``steps``); returns the weeks taken."""
        n = _check_int("n", n, 0)
        if n is None:
            raise TypeError("n must be an int, not NoneType")
        return self._h.step(min(n, _MAX_WEEKS))   # never more than a run has

    def run(self) -> "Simulation":
        """Runs to the scenario's last week. Returns self."""
        self._h.run()
        return self

    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first step)."""
        return self._h.week

    @property
    def steps(self) -> int:
        """The scenario's number of weeks."""
        return self._h.steps

    @property
    def metrics(self) -> Dict[str, np.ndarray]:
        """Every recorded metric as a read-only numpy view of the engine's storage (no copy):
        shape (week + 1,) or (week + 1, width) for metrics by group, neighbourhood or institution.
        Row 0 is the initial state. Views taken earlier do not grow: access again after stepping."""
        return {name: self._h.metric(name) for name in self._h.metric_info()}

    def metric(self, name: str) -> np.ndarray:
        """One metric (see ``metrics``); KeyError for an unknown name."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        return self._h.metric(name)

    @property
    def metric_info(self) -> Dict[str, Tuple[str, str, str]]:
        """name → (axis, unit, description); axis is '' for a scalar metric."""
        return self._h.metric_info()

    @property
    def labels(self) -> Dict[str, list]:
        """Names along each axis (group, neighbourhood, institution, issue)."""
        return self._h.labels()

    @property
    def agents(self) -> Dict[str, np.ndarray]:
        """Agent columns (for the organizing model: one entry per resident), as read-only
        numpy arrays. These are copies: the engine double-buffers some columns."""
        return self._h.agents()

    @property
    def network(self) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """The contact network in CSR form, ``(offsets, targets)``: the neighbours of node i
        are ``targets[offsets[i]:offsets[i + 1]]``. Read-only views (no copy); a complete
        graph is materialised. None for a model without a network."""
        net = self._h.network()
        return None if net is None else (net[0], net[1])

    @property
    def threads(self) -> int:
        """Worker threads of this simulation."""
        return self._h.threads

    @property
    def replicate(self) -> int:
        """The replicate index (its random streams are keyed by (seed, replicate))."""
        return self._h.replicate

    # ------------------------------------------------------------------ state as data

    def checkpoint(self, path: Optional[PathLike] = None) -> Union["Checkpoint", pathlib.Path]:
        """Everything needed to continue this run bit for bit: the model's whole state, the
        metrics so far, the resolved scenario, seed, replicate and week.

        Without ``path`` a :class:`Checkpoint` in memory; with ``path`` an HDF5 checkpoint
        file written atomically (``path`` is returned). Continue it with
        :meth:`Simulation.restore` or ``tegenmacht run --from PATH``. Raises ArgumentError
        for a model that declares no state, ResultsIOError if the file cannot be written."""
        ck = Checkpoint(self._h.checkpoint())
        if path is None:
            return ck
        return ck.write(path)

    @classmethod
    def restore(cls, checkpoint: Union["Checkpoint", PathLike], threads: Optional[int] = None,
                steps: Optional[int] = None) -> "Simulation":
        """A simulation continued from a :class:`Checkpoint` or a checkpoint file: stepping it
        gives, bit for bit, what the checkpointed run would have given (for any ``threads``).
        ``steps`` replaces the scenario's number of weeks (at least the checkpoint's week).
        ``reset()`` of the result goes back to week 0 of the checkpoint's scenario.

        Raises ResultsIOError for a missing, damaged or newer-format file, ArgumentError
        for a checkpoint that does not fit the model (another model or version)."""
        threads = _check_threads(threads)
        steps = _check_int("steps", steps, 0)
        if steps is not None and steps > _MAX_WEEKS:
            raise ArgumentError(f"steps: {steps} is more than a run can take (at most {_MAX_WEEKS})", "steps")
        if isinstance(checkpoint, (str, os.PathLike)):
            what = os.fspath(checkpoint)
            checkpoint = Checkpoint.load(checkpoint)
        elif isinstance(checkpoint, Checkpoint):
            what = "checkpoint"
        else:
            raise TypeError(f"checkpoint must be a Checkpoint or a path, not {type(checkpoint).__name__}")
        sim = cls.__new__(cls)
        sim._h = _core.SimulationHandle.restore(checkpoint._h, threads=threads, steps=steps or 0, what=what)
        sim.scenario = Scenario.from_yaml(checkpoint.scenario, name=f"{what} (its scenario)")
        if steps:
            sim.scenario.set("steps", steps)
        sim._args = dict(seed=checkpoint.seed, threads=threads, replicate=checkpoint.replicate)
        return sim

    def fork(self) -> "Simulation":
        """An independent copy at the same week that continues on the same random streams:
        stepped alike, the two stay bit-identical; change one (``set``) to ask "what if, from
        here?"."""
        copy = type(self).__new__(type(self))
        copy.scenario = self.scenario.copy()
        copy._args = dict(self._args)
        copy._h = self._h.fork()
        return copy

    def set(self, key: str, value: Any) -> "Simulation":
        """Changes a parameter from this week on (e.g. ``"strategy"``, ``"tactics.patience"``),
        checked against the key's type and range exactly as in a scenario file. The keys that
        can change are :attr:`settable`. Raises ConfigError naming the key. Returns self."""
        if not isinstance(key, str):
            raise TypeError(f"key must be a str, not {type(key).__name__}")
        self._h.set(key, value if isinstance(value, str) else _yaml_value(value))
        return self

    @property
    def settable(self) -> List[str]:
        """Scenario keys that :meth:`set` (and a timeline ``set`` event) may change during a run."""
        return list(self._h.settable())

    @property
    def changes(self) -> List[str]:
        """The changes made by :meth:`set` so far, as ``"week: key=value"``."""
        return list(self._h.changes)

    def __repr__(self) -> str:
        return f"Simulation({self.scenario.model!r}, week={self.week}/{self.steps})"


class Checkpoint:
    """A saved run: the model's whole state at a week, the metrics so far, the resolved
    scenario, seed and replicate. Made by :meth:`Simulation.checkpoint`, continued by
    :meth:`Simulation.restore`; ``write(path)`` / ``Checkpoint.load(path)`` for HDF5 files
    (the same files as ``tegenmacht run --checkpoint-at`` writes)."""

    def __init__(self, handle: "_core.CheckpointHandle"):
        self._h = handle

    @classmethod
    def load(cls, path: PathLike) -> "Checkpoint":
        """Reads a checkpoint file; ResultsIOError if it is missing, damaged or of a newer format."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a path, not {type(path).__name__}")
        return cls(_core.CheckpointHandle.read(os.fspath(path)))

    def write(self, path: PathLike) -> pathlib.Path:
        """Writes the checkpoint to an HDF5 file (atomically); returns the path."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a path, not {type(path).__name__}")
        self._h.write(os.fspath(path))
        return pathlib.Path(path)

    model = property(lambda self: self._h.model, doc="The model's registry name.")
    week = property(lambda self: self._h.step, doc="Weeks (steps) done when it was taken.")
    replicate = property(lambda self: self._h.replicate, doc="The replicate index.")
    seed = property(lambda self: self._h.seed, doc="The scenario's seed (an unsigned 64-bit integer).")
    version = property(lambda self: self._h.version, doc="The tegenmacht version that took it.")
    scenario = property(lambda self: self._h.scenario, doc="The resolved scenario (YAML text).")
    changes = property(lambda self: list(self._h.changes), doc="Run-time changes before it was taken.")

    def __repr__(self) -> str:
        return f"Checkpoint({self.model!r}, week={self.week}, replicate={self.replicate}, seed={self.seed})"


def run(scenario: Union[Scenario, PathLike, Mapping[str, Any]], replicates: Optional[int] = None,
        seed: Optional[int] = None, threads: Optional[int] = None, output: Optional[PathLike] = None):
    """Runs every replicate of a scenario and returns the results as an ``xarray.Dataset``
    (dims replicate, week and group / neighbourhood / institution), the same as
    ``load_results`` gives for the file. With ``output`` it also writes the HDF5 results file.

    Releases the GIL while simulating; Ctrl-C raises KeyboardInterrupt within a second.
    Replicate r is keyed by (seed, r): the same for any ``threads``.
    """
    replicates = _check_replicates(replicates)
    seed = _check_seed(seed)
    threads = _check_threads(threads)
    if output is not None and not isinstance(output, (str, os.PathLike)):
        raise TypeError(f"output must be a path, not {type(output).__name__}")
    sc = _scenario(scenario)
    raw = _core.run_ensemble(sc._h, replicates=replicates, seed=seed, threads=threads,
                             output=None if output is None else os.fspath(output),
                             command_line=" ".join(["python:"] + sys.argv[:1]))
    sc._warn()   # about a scenario the model accepted
    from .results import _dataset_from_arrays
    return _dataset_from_arrays(raw)


def scenario_dir() -> pathlib.Path:
    """The folder of the shipped scenario files (inside the package; in a source
    checkout without a build, the repository's ``scenarios``)."""
    here = pathlib.Path(__file__).resolve().parent
    for d in (here / "scenarios", here.parents[2] / "scenarios" if len(here.parents) > 2 else None):
        if d is not None and (d / "default.yaml").is_file():
            return d
    raise ResultsIOError(f"{here / 'scenarios'}: the shipped scenarios are missing (rebuild or reinstall the "
                         "package)", str(here / "scenarios"))


def scenarios() -> List[str]:
    """Names of the shipped scenarios and experiment files, for :meth:`Scenario.builtin`
    and :meth:`Experiment.builtin`: ``default``, ``reference/...``, ``experiments/...``."""
    d = scenario_dir()
    return sorted(str(p.relative_to(d).with_suffix("")) for p in d.rglob("*.yaml"))


def builtin_path(name: str) -> pathlib.Path:
    """The file of a shipped scenario or experiment (see :func:`scenarios`)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {type(name).__name__}")
    d = scenario_dir()
    path = d / (name[:-5] if name.endswith(".yaml") else name)
    path = path.with_suffix(".yaml")
    if not path.is_file() or d not in path.resolve().parents:
        raise ArgumentError(f"name: no shipped scenario {name!r} (there are: {', '.join(scenarios())})", "name")
    return path


def models() -> list:
    """Names of the registered models."""
    return list(_core.models())
