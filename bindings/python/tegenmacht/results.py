"""Reading results: HDF5 files written by the command line or by :func:`tegenmacht.run`.

Results become an ``xarray.Dataset``: one variable per metric with dims
``replicate``, ``week`` and, for metrics broken down, ``group``,
``neighbourhood`` or ``institution`` (labelled); sweep files of version 0.1
add a leading ``run`` dim with the varied keys as coordinates.

Experiment results files (``tegenmacht experiment``, ``compare``, ``sweep``,
:func:`tegenmacht.experiment`) give one variable per outcome with dims
``(point, arm, replicate)``, recorded time series as ``<metric>_series``
with dims ``(point, arm, replicate, week[, X])``, the design factors as
coordinates along ``point``, ``job_done`` (which jobs the file holds) and
``design_unit`` (the unit-cube coordinates of sampling designs). Provenance (version, commit, seed,
command line, ...) is in ``ds.attrs`` and the resolved scenario in
``ds.attrs["config"]``.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, Iterable, Optional

import numpy as np

from .errors import IncompleteResultsWarning, ResultsFormatError, ResultsIOError

__all__ = ["load_results", "to_dataframe"]


def _text(v: Any) -> Any:
    import h5py

    if isinstance(v, h5py.Empty):   # an empty list attribute (e.g. no warnings)
        return []
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.ndarray) and v.dtype.kind in "OS":
        return [_text(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def _build(metrics: Dict[str, np.ndarray], dims: Dict[str, list], units: Dict[str, str],
           descriptions: Dict[str, str], labels: Dict[str, list], attrs: Dict[str, Any],
           parameters: Optional[Dict[str, list]] = None):
    import xarray as xr

    data_vars = {}
    for name, arr in metrics.items():
        d = ["week" if x == "step" else x for x in dims[name]]
        data_vars[name] = xr.Variable(d, arr, attrs={"unit": units.get(name, ""),
                                                     "description": descriptions.get(name, "")})
    coords: Dict[str, Any] = {}
    any_arr = next(iter(metrics.values()), None)
    if any_arr is not None:
        first = dims[next(iter(metrics))]
        for axis, size in zip(first, any_arr.shape):
            if axis == "replicate":   # a run continued from a checkpoint keeps its replicate index
                coords[axis] = np.arange(size) + int(attrs.get("first_replicate", 0) or 0)
            elif axis == "run":
                coords[axis] = np.arange(size)
            elif axis == "step":
                coords["week"] = np.arange(size)
    for axis, names in labels.items():
        coords[axis] = list(names)
    if parameters:
        for key, values in parameters.items():
            coords[key] = ("run", list(values))
    ds = xr.Dataset(data_vars, coords={k: v for k, v in coords.items()
                                      if k in ("replicate", "run", "week") or isinstance(v, tuple)
                                      or any(k in var.dims for var in data_vars.values())})
    ds.attrs.update(attrs)
    return ds


def _dataset_from_arrays(raw: Dict[str, Any]):
    """The Dataset of an in-memory ensemble (what :func:`tegenmacht.run` returns)."""
    attrs = {"config": raw["config"], "complete": int(raw["complete"]),
             "steps_completed": list(raw["steps_completed"]), "elapsed_seconds": raw["elapsed_seconds"]}
    return _build(raw["metrics"], raw["dims"], raw["units"], raw["descriptions"], raw["labels"], attrs)


def load_results(path: "os.PathLike[str] | str"):
    """Reads a results file into an ``xarray.Dataset`` (see the module docstring).

    Raises ResultsIOError (a FileNotFoundError) if the file does not exist and
    ResultsFormatError (a ValueError) if it is not a readable tegenmacht results file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, not {type(path).__name__}")
    path = os.fspath(path)
    if not os.path.exists(path):
        raise ResultsIOError(f"{path}: no such results file", path)
    if os.path.isdir(path):
        raise ResultsIOError(f"{path}: is a folder, not a results file", path)
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ResultsFormatError(f"{path}: not a readable HDF5 file ({e})", path) from None
    with f:
        if _text(f.attrs.get("kind", "")) == "experiment":
            _check_schema(f, path)
            try:
                ds = _load_experiment(f, path)
                _warn_if_incomplete(ds, path)
                return ds
            except ResultsFormatError:
                raise
            except _DAMAGE as e:
                raise ResultsFormatError(f"{path}: corrupt or incomplete experiment file ({e})", path) from None
        try:
            if "metrics" not in f or "schema_version" not in f.attrs:
                raise ResultsFormatError(f"{path}: not a tegenmacht results file (no /metrics or schema_version)", path)
            _check_schema(f, path)
            attrs = {k: _text(v) for k, v in f.attrs.items()}
            attrs["config"] = _text(_dataset(f, "config", path)[()]) if "config" in f else ""
            metrics, dims, units, descriptions = {}, {}, {}, {}
            for name in _group(f, "metrics", path):
                d = _dataset(f, "metrics/" + name, path, numeric=True)
                metrics[name] = d[()]
                dims[name] = [str(x) for x in np.atleast_1d(_text(d.attrs["dims"]))]
                if len(dims[name]) != metrics[name].ndim:
                    raise ResultsFormatError(f"{path}: metrics/{name} has {metrics[name].ndim} dimensions but its "
                                             f"dims attribute names {len(dims[name])}", path)
                units[name] = _text(d.attrs.get("unit", ""))
                descriptions[name] = _text(d.attrs.get("description", ""))
            labels = ({k: _text(_dataset(f, "labels/" + k, path)[()]) for k in _group(f, "labels", path)}
                      if "labels" in f else {})
            parameters = None
            if "parameters" in f:
                parameters = {k: _text(_dataset(f, "parameters/" + k, path)[()])
                              for k in _group(f, "parameters", path) if k != "_config"}
        except ResultsFormatError:
            raise
        except _DAMAGE as e:
            raise ResultsFormatError(f"{path}: corrupt or incomplete results file ({e})", path) from None
    try:
        ds = _build(metrics, dims, units, descriptions, labels, attrs, parameters)
    except ResultsFormatError:
        raise
    except _DAMAGE as e:
        raise ResultsFormatError(f"{path}: its datasets do not fit together (shapes, dims or labels: {e})",
                                 path) from None
    _warn_if_incomplete(ds, path)
    return ds


def _warn_if_incomplete(ds, path: str) -> None:
    if str(ds.attrs.get("complete", "1")).strip() in ("0", "False", "false"):
        warnings.warn(f"{path}: the run was interrupted (complete = false): what did not run is NaN "
                      "(steps_completed, jobs_done say how far it got)", IncompleteResultsWarning, stacklevel=3)


# what h5py, numpy and xarray raise on a damaged file: all become ResultsFormatError
_DAMAGE = (OSError, KeyError, ValueError, TypeError, AttributeError, IndexError, MemoryError)


def _check_schema(f, path: str) -> None:
    from ._core import schema_version
    v = f.attrs.get("schema_version")
    try:
        v = int(np.asarray(v).item())
    except (TypeError, ValueError):
        raise ResultsFormatError(f"{path}: schema_version {v!r} is not a version number", path) from None
    if v > schema_version():
        raise ResultsFormatError(f"{path}: written by a newer tegenmacht (results schema {v}; this one reads up "
                                 f"to {schema_version()}): update tegenmacht to read it", path)


def _group(f, name: str, path: str):
    import h5py
    g = f[name]
    if not isinstance(g, h5py.Group):
        raise ResultsFormatError(f"{path}: /{name} should be a group of datasets, but it is a dataset", path)
    return list(g.keys())


def _dataset(f, name: str, path: str, numeric: bool = False):
    import h5py
    d = f[name]
    if not isinstance(d, h5py.Dataset):
        raise ResultsFormatError(f"{path}: /{name} should be a dataset, but it is a group", path)
    if numeric and not np.issubdtype(d.dtype, np.number):
        raise ResultsFormatError(f"{path}: /{name} should hold numbers, but holds {d.dtype}", path)
    return d


def _names(v: Any) -> list:
    """A list of strings from an attribute (an empty list is stored as a null dataspace)."""
    import h5py

    if isinstance(v, h5py.Empty) or v is None:
        return []
    return [str(x) for x in _text(v)]


def _load_experiment(f, path: str):
    import xarray as xr

    attrs = {k: _text(v) for k, v in f.attrs.items() if k not in ("outcome_names", "recorded_metrics")}
    attrs["outcome_names"] = _names(f.attrs.get("outcome_names"))
    attrs["recorded_metrics"] = _names(f.attrs.get("recorded_metrics"))
    attrs["config"] = _text(f["config"][()]) if "config" in f else ""
    attrs["experiment"] = _text(f["experiment"][()]) if "experiment" in f else ""
    attrs["path"] = os.path.abspath(path)
    P, A, R = int(attrs["points"]), int(attrs["arms"]), int(attrs["replicates"])
    data_vars: Dict[str, Any] = {}
    for name in attrs["outcome_names"]:
        d = f["outcomes"][name]
        data_vars[name] = xr.Variable(("point", "arm", "replicate"), d[()],
                                      attrs={k: _text(d.attrs[k]) for k in ("metric", "group", "reduce", "unit", "better",
                                                                               "description", "at", "from", "to")
                                             if k in d.attrs})
    for name in attrs["recorded_metrics"]:
        d = f["metrics"][name]
        dims = ["week" if x == "step" else x for x in _text(d.attrs["dims"])]
        data_vars[name + "_series"] = xr.Variable(dims, d[()], attrs={"unit": _text(d.attrs.get("unit", "")),
                                                                      "description": _text(d.attrs.get("description", ""))})
    data_vars["job_done"] = xr.Variable(("point", "arm", "replicate"), f["jobs"]["done"][()].astype(bool))
    coords: Dict[str, Any] = {"point": np.arange(P), "arm": _names(f["arms"]["name"][()]), "replicate": np.arange(R)}
    if attrs["recorded_metrics"]:
        coords["week"] = np.arange(int(attrs["steps"]) + 1)
    design = f["design"]
    factors = _names(design.attrs.get("factors"))
    for name in factors:
        coords[name] = ("point", _text(design[name][()]) if design[name].dtype.kind in "OS" else design[name][()])
    if "_unit" in design:
        data_vars["design_unit"] = xr.Variable(("point", "factor"), design["_unit"][()])
        coords["factor"] = factors
    if "_morris_changed" in design:
        data_vars["morris_changed"] = xr.Variable(("point",), design["_morris_changed"][()].astype(int))
    for axis, ds in (f["labels"].items() if "labels" in f else []):
        if any(axis in v.dims for v in data_vars.values()):
            coords[axis] = _text(ds[()])
    for key in ("type", "n", "levels", "trajectories", "seed", "morris_delta"):
        if key in design.attrs:
            attrs["design_" + key] = _text(design.attrs[key])
    attrs["factor_keys"] = _names(design.attrs.get("keys"))
    attrs["factor_names"] = factors
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(attrs)
    if len(ds["arm"]) != A:
        raise ResultsFormatError(f"{path}: /arms/name does not match the arms attribute", path)
    return ds


def to_dataframe(ds, metrics: Optional[Iterable[str]] = None):
    """A tidy ``pandas.DataFrame`` (one row per value): columns for the dims of each
    metric (replicate, week, and group / neighbourhood / ... where it has one),
    ``metric`` and ``value``. ``ds.to_dataframe()`` (xarray) gives the wide form instead."""
    import pandas as pd

    names = list(ds.data_vars) if metrics is None else list(metrics)
    frames = []
    for name in names:
        if name not in ds.data_vars:
            raise KeyError(f"unknown metric '{name}'")
        df = ds[name].to_dataframe(name="value").reset_index()
        df.insert(0, "metric", name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["metric", "value"])
