"""Experiments: designs × arms × replicates on common random numbers (thin
wrappers over the C++ experiments library).

>>> exp = tgm.Experiment.load("scenarios/experiments/strategies_by_context.yaml")
>>> ds = tgm.experiment(exp, output="context.h5", threads=2)
>>> ds["concessions"].mean(["point", "replicate"])       # one value per arm
>>> tgm.summary(ds)                                      # per-arm means, paired differences from the baseline

An experiment file's keys are documented in README.md ("Experiments").
Job (point p, arm a, replicate r) of an experiment always gives the same
result: replicate r uses the same random streams in every point and arm
(common random numbers), for any thread count and order, interrupted and
resumed or not.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import _core
from .core import PathLike, Scenario, _check_int, _check_replicates, _check_seed, _check_threads, _yaml_value
from .errors import ArgumentError

__all__ = ["Experiment", "experiment", "sweep", "compare", "summary"]


def _plain(value: Any) -> Any:
    """Plain Python values from numpy scalars and arrays (and paths), at any depth,
    so that ``np.int64(3)`` or ``np.arange(3)`` can be given wherever a number or list can."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _check_sets(sets: Optional[Mapping[str, Any]]) -> List[str]:
    if sets is None:
        return []
    if not isinstance(sets, Mapping):
        raise TypeError(f"set must be a dict of scenario keys, not {type(sets).__name__}")
    out = []
    for k, v in sets.items():
        if not isinstance(k, str):
            raise TypeError(f"set: keys must be str, not {type(k).__name__}")
        out.append(f"{k}={_yaml_value(v)}")
    return out


class Experiment:
    """A validated experiment: a base scenario, a design over factors, arms,
    replicates and outcomes (see README.md, "Experiments").

    Errors name the file, line, column and key, like scenario errors
    (``tgm.ConfigError``, ``tgm.UnknownKeyError``, ``tgm.ResultsIOError``).
    """

    def __init__(self, handle: "_core.ExperimentHandle"):
        self._h = handle

    @classmethod
    def load(cls, path: PathLike, set: Optional[Mapping[str, Any]] = None) -> "Experiment":
        """Reads and validates an experiment file; ``set`` overrides keys of its base scenario."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
        return cls(_core.ExperimentHandle.from_file(os.fspath(path), _check_sets(set)))

    @classmethod
    def builtin(cls, name: str, set: Optional[Mapping[str, Any]] = None) -> "Experiment":
        """An experiment file shipped with the package, e.g.
        ``"experiments/strategies_by_context"`` (see :func:`tegenmacht.scenarios`)."""
        from .core import builtin_path
        return cls.load(builtin_path(name), set=set)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: Optional[PathLike] = None,
                  name: str = "<dict>") -> "Experiment":
        """Builds an experiment from a dict with the keys of an experiment file.

        ``scenario`` may be a path (relative to ``base_dir``, default the current folder),
        a dict of scenario keys, or a :class:`Scenario` (its keys set with ``.set()``
        stay overrides, so a strategy chosen by an arm still brings its preset).
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping, not {type(data).__name__}")
        data = dict(data)
        scenario = data.get("scenario")
        handle = None
        if isinstance(scenario, Scenario):
            handle = scenario._h
            data["scenario"] = scenario.to_dict()  # validated here; replaced by the handle's text below
        elif isinstance(scenario, os.PathLike):
            data["scenario"] = os.fspath(scenario)
        base = os.getcwd() if base_dir is None else os.fspath(base_dir)
        text = _yaml_value(_plain(data))
        return cls(_core.ExperimentHandle.from_text(text, name, base, [], handle))

    @classmethod
    def from_yaml(cls, text: str, base_dir: Optional[PathLike] = None, name: str = "<yaml>") -> "Experiment":
        """Builds an experiment from YAML text (a relative ``scenario`` path is taken from ``base_dir``)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        base = os.getcwd() if base_dir is None else os.fspath(base_dir)
        return cls(_core.ExperimentHandle.from_text(text, name, base, []))

    @property
    def arms(self) -> List[str]:
        """Arm names, in order (the first is the default baseline)."""
        return list(self._h.arms)

    @property
    def factors(self) -> List[str]:
        """Factor names (the design's coordinates in results)."""
        return list(self._h.factors)

    @property
    def baseline(self) -> str:
        return self._h.baseline

    @property
    def replicates(self) -> int:
        return self._h.replicates

    @property
    def points(self) -> int:
        """Number of design points."""
        return self._h.points

    @property
    def jobs(self) -> int:
        """points × arms × replicates."""
        return self.points * len(self.arms) * self.replicates

    def to_yaml(self) -> str:
        """The resolved experiment (what results files store as /experiment)."""
        return self._h.to_yaml()

    def __repr__(self) -> str:
        return (f"Experiment({self._h.design!r}, points={self.points}, arms={self.arms}, "
                f"replicates={self.replicates}, jobs={self.jobs})")


def _experiment(e: Union[Experiment, PathLike, Mapping[str, Any]]) -> Experiment:
    if isinstance(e, Experiment):
        return e
    if isinstance(e, (str, os.PathLike)):
        return Experiment.load(e)
    if isinstance(e, Mapping):
        return Experiment.from_dict(e)
    raise TypeError(f"experiment must be an Experiment, a path or a dict, not {type(e).__name__}")


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None, None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional
        return None, None
    try:  # tqdm's notebook bar needs ipywidgets >= 7 (Debian 12 has 6): a text bar there
        import ipywidgets
        if int(str(ipywidgets.__version__).split(".")[0]) < 7:
            from tqdm.std import tqdm
    except (ImportError, ValueError):
        pass
    bar = tqdm(total=total, unit="job", desc="experiment")

    def update(done: int, total_: int) -> None:
        bar.n = done
        bar.refresh()

    return bar, update


def experiment(exp: Union[Experiment, PathLike, Mapping[str, Any]], output: Optional[PathLike] = None,
               threads: Optional[int] = None, resume: bool = False, progress: bool = True):
    """Runs every job of an experiment and returns its results as an ``xarray.Dataset``.

    Outcomes are variables with dims ``(point, arm, replicate)``; recorded metric
    time series are ``<metric>_series`` with dims ``(point, arm, replicate, week[, group|...])``;
    the design factors are coordinates along ``point``. With ``output`` the HDF5
    file is kept (streamed job by job; ``resume=True`` runs only the jobs it lacks),
    otherwise a temporary file is used and removed.

    Releases the GIL; Ctrl-C raises KeyboardInterrupt and leaves ``output + ".partial"``,
    which ``resume=True`` continues. Raises ConfigError / ResultsIOError / ArgumentError
    before any job runs when the experiment, a design point or an outcome is invalid.
    """
    e = _experiment(exp)
    threads = _check_threads(threads)
    if not isinstance(resume, bool):
        raise TypeError(f"resume must be a bool, not {type(resume).__name__}")
    if output is not None and not isinstance(output, (str, os.PathLike)):
        raise TypeError(f"output must be a path, not {type(output).__name__}")
    if resume and output is None:
        raise ArgumentError("resume: needs the output file to continue", "resume")
    tmpdir = None
    if output is None:
        tmpdir = tempfile.mkdtemp(prefix="tegenmacht_")
        path = os.path.join(tmpdir, "experiment.h5")
    else:
        path = os.fspath(output)
    bar, update = _progress_bar(e.jobs, progress)
    try:
        report = _core.run_experiment(e._h, path, threads=threads, resume=resume,
                                      command_line=" ".join(["python:"] + sys.argv[:1]), progress=update,
                                      analyse=tmpdir is None)  # /analysis only in a file that stays
        from .results import load_results
        if not report["path"]:
            raise KeyboardInterrupt  # stopped before any job finished (no file is left)
        ds = load_results(report["path"])
        if tmpdir is not None:
            ds = ds.load()
            ds.attrs.pop("path", None)  # the temporary file is removed below
        return ds
    finally:
        if bar is not None:
            bar.close()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)


def sweep(scenario: Union[Scenario, PathLike, Mapping[str, Any]], factors: Mapping[str, Sequence[Any]],
          replicates: Optional[int] = None, seed: Optional[int] = None,
          outcomes: Optional[Iterable[Union[str, Mapping[str, Any]]]] = None, record: Any = "none",
          output: Optional[PathLike] = None, threads: Optional[int] = None, resume: bool = False,
          progress: bool = True):
    """The grid of ``factors`` (``{key: [values]}``, first key slowest), every point on the
    same seeds: a shortcut for :func:`experiment` with a grid design and one arm."""
    if not isinstance(factors, Mapping) or not factors:
        raise TypeError("factors must be a non-empty dict {scenario key: [values]}")
    fs = []
    for k, v in factors.items():
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise TypeError(f"factors[{k!r}] must be a list of values")
        fs.append({"key": k, "values": list(v)})
    return experiment(_shortcut(scenario, {"design": {"type": "grid"}, "factors": fs}, replicates, seed, outcomes,
                                record), output=output, threads=threads, resume=resume, progress=progress)


def compare(scenario: Union[Scenario, PathLike, Mapping[str, Any]], key: str = "strategy",
            values: Optional[Sequence[Any]] = None, baseline: Optional[str] = None,
            replicates: Optional[int] = None, seed: Optional[int] = None,
            outcomes: Optional[Iterable[Union[str, Mapping[str, Any]]]] = None, record: Any = "none",
            output: Optional[PathLike] = None, threads: Optional[int] = None, resume: bool = False,
            progress: bool = True):
    """The scenario under each value of ``key`` (default: the strategies polder, alinsky,
    coalition, casework), paired on common random numbers: a shortcut for :func:`experiment`
    with one point and one arm per value. ``tgm.summary(ds)`` gives the paired differences."""
    if not isinstance(key, str):
        raise TypeError(f"key must be a str, not {type(key).__name__}")
    if values is None:
        values = ["polder", "alinsky", "coalition", "casework"] if key == "strategy" else None
        if values is None:
            raise ArgumentError(f"values: give the values of '{key}' to compare", "values")
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"values must be a list of values of '{key}', not {type(values).__name__}")
    arms: Dict[str, Any] = {"key": key, "values": list(values)}
    extra: Dict[str, Any] = {"arms": arms}
    if baseline is not None:
        extra["baseline"] = baseline
    return experiment(_shortcut(scenario, extra, replicates, seed, outcomes, record),
                      output=output, threads=threads, resume=resume, progress=progress)


def _shortcut(scenario, extra, replicates, seed, outcomes, record) -> Experiment:
    replicates = _check_replicates(replicates)
    seed = _check_seed(seed)
    d: Dict[str, Any] = dict(extra)
    if isinstance(scenario, (str, os.PathLike)):
        d["scenario"] = os.path.abspath(os.fspath(scenario))
    elif isinstance(scenario, (Scenario, Mapping)):
        d["scenario"] = scenario
    else:
        raise TypeError(f"scenario must be a Scenario, a path or a dict, not {type(scenario).__name__}")
    if replicates is not None:
        d["replicates"] = replicates
    if seed is not None:
        d["seed"] = seed
    if outcomes is not None:
        if isinstance(outcomes, (str, bytes)) or not isinstance(outcomes, Iterable):
            raise TypeError("outcomes must be a list of metric names or outcome dicts")
        d["outcomes"] = [{"metric": o} if isinstance(o, str) else dict(o) for o in outcomes]
    d["record"] = record
    return Experiment.from_dict(d)


def summary(results: Any, level: float = 0.95):
    """Per-arm means of every outcome and each arm's paired difference from the baseline,
    as a ``pandas.DataFrame`` indexed by (outcome, arm): n, mean, sd over points and
    replicates; diff, diff_lo, diff_hi (Student-t interval at ``level`` over replicates,
    each replicate's difference averaged over the design points; Student 1908), diff_sd,
    effect_size (d_z = diff / diff_sd, Cohen 1988), pairs. The same numbers as the
    command line's table (one C++ implementation).

    ``results``: a Dataset from :func:`experiment` / :func:`load_results`, or an experiment file.
    """
    import pandas as pd

    if isinstance(level, bool) or not isinstance(level, (float, int)) or not 0 < level < 1:
        raise ArgumentError(f"level: must be in (0, 1) (got {level!r})", "level")
    if isinstance(results, (str, os.PathLike)):
        from .results import load_results
        results = load_results(results)
    if getattr(results, "attrs", {}).get("kind") != "experiment":
        raise ArgumentError("results: not the results of an experiment (give what tgm.experiment returns, "
                            "or an experiment file)", "results")
    names = list(results.attrs["outcome_names"])
    arms = [str(a) for a in results["arm"].values]
    values = [np.ascontiguousarray(results[n].transpose("point", "arm", "replicate").values, dtype=float)
              for n in names]
    s = _core.summarise_arrays(names, arms, str(results.attrs.get("baseline", arms[0])), values, float(level))
    return pd.DataFrame(s["rows"]).set_index(["outcome", "arm"])
