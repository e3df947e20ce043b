"""A NetLogo-like interface for lecturers: controls, setup / step / play / reset buttons,
live plots of a few metrics with replicate bands, and a live view of the town.

>>> dash = tgm.Dashboard("default")          # in a notebook: the last line of a cell shows it
>>> dash                                     # sliders, buttons, plots (static picture under nbconvert)
>>> dash.set("institutions.0.responsiveness", 0.9).run()   # the same from code
>>> dash.figure()                            # a matplotlib Figure of the current state

Everything works without a browser (scripts, tests, ``nbconvert --execute``): the widgets
are only built when they are shown to a person (:func:`tegenmacht.teaching.interactive_frontend`)
or when :attr:`Dashboard.widget` is asked for. Written for Debian 12's ipywidgets 6: the
plots are a PNG in an ``Image`` widget (no Output-widget capture needed), and "play" steps
in a background thread that the "pause" button stops.
"""

from __future__ import annotations

import difflib
import html
import io
import math
import os
import textwrap
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from . import _core
from .core import Scenario, Simulation, _check_int, _check_replicates, _check_seed, _scenario, scenarios
from .errors import ArgumentError

__all__ = ["Dashboard"]

# the controls a lecturer gets for a model unless `params` says otherwise
_DEFAULT_PARAMS = {
    "organizing": ["strategy", "institutions.0.responsiveness", "institutions.0.repression",
                   "workers.funding_dependence", "network.homophily"],
    # NetLogo's Rebellion model has these sliders
    "civil_violence": ["legitimacy.initial", "citizen_density", "cops.density", "jail.max_term"],
    # Granovetter's crowd: the mean and spread of the thresholds
    "threshold": ["thresholds.mean", "thresholds.sd", "population"],
    "bounded_confidence": ["epsilon", "mu", "population"],
}
_DEFAULT_METRICS = {"organizing": ["concessions", "trust", "member", "hardship"]}
# keys every model has: not the model's own parameters
_GLOBAL_KEYS = {"model", "description", "seed", "steps", "replicates"}
_CONTROL_TYPES = {"number", "int", "bool", "choice"}
_STATE_COLOURS = {0: "#c8c8c8", 1: "#4a90d9", 2: "#d9534f"}   # as tgm.plot.network
_NETWORK_NODES = 1500                                           # nodes drawn of a large town
_DPI = 72


class Control(NamedTuple):
    """One control of a :class:`Dashboard`: the scenario ``key`` (``"institutions.0.x"``),
    its ``schema_key`` (``"institutions.*.x"``), ``type`` (``'number'`` → float slider,
    ``'int'`` → int slider, ``'choice'`` → dropdown, ``'bool'`` → checkbox), the slider's
    ``min``, ``max`` and ``step`` (None for choice and bool), ``choices``, the schema's
    ``description`` and ``unit``."""
    key: str
    schema_key: str
    type: str
    min: Optional[float]
    max: Optional[float]
    step: Optional[float]
    choices: Tuple[str, ...]
    description: str
    unit: str


def _schema_key(key: str) -> str:
    """'institutions.0.responsiveness' → 'institutions.*.responsiveness'."""
    return ".".join("*" if part.isdigit() else part for part in key.split("."))


def _nice_step(span: float) -> float:
    """About span / 100, rounded to 1, 2 or 5 times a power of ten."""
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / 100.0
    p = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 5.0, 10.0):
        if raw <= m * p * 1.0000001:
            return m * p
    return 10.0 * p


def _slider_range(lo: float, hi: float, value: float, integer: bool) -> Tuple[float, float]:
    """The schema range, or a span around the current value where the schema's range is
    infinite or only a sanity bound (wider than 1000)."""
    finite = math.isfinite(lo) and math.isfinite(hi)
    if not finite or hi - lo > 1000:
        half = max(2.0 * abs(value), 10.0 if integer else 1.0)
        lo = max(lo, value - half) if math.isfinite(lo) else value - half
        hi = min(hi, value + half) if math.isfinite(hi) else value + half
    if integer:
        lo, hi = math.ceil(lo), math.floor(hi)
    return (lo, hi) if hi > lo else (lo, lo + 1)


def _decimals(step: float) -> int:
    return max(0, -int(math.floor(math.log10(step) + 1e-9))) if step > 0 else 2


def _with_unit(name: str, unit: str) -> str:
    from .plot import _with_unit as w

    return w(name, unit)


class Dashboard:
    """A NetLogo-like dashboard of a scenario: one control per parameter, buttons
    *setup*, *step*, *play / pause* and *reset*, the week, live plots of ``metrics`` and a
    live view of the town.

    Parameters
    ----------
    scenario : Scenario, path, dict or the name of a shipped scenario (``"default"``,
        ``"reference/epstein_run1"``, see :func:`tegenmacht.scenarios`). The dashboard works
        on a copy: your scenario is not changed.
    params : list of scenario keys to control, e.g. ``["strategy",
        "institutions.0.responsiveness", "network.homophily"]``; list items by index. Ranges
        and descriptions come from the model's schema (``institutions.*.responsiveness``);
        where the schema's range is infinite or very wide the slider spans the current
        value ± twice its size. Types: number (float slider), int (int slider), choice
        (dropdown), bool (checkbox). Default: for ``organizing`` strategy, the first
        institution's responsiveness and repression, the workers' funding dependence and
        the network's homophily; for the other shipped models their classic parameters;
        else the first 4 numeric keys of the model with finite ranges.
    metrics : list of metric names to plot (see ``Simulation.metric_info``). Default: for
        ``organizing`` concessions, trust, member and hardship; else the model's first 3
        scalar metrics. A metric broken down by group, neighbourhood or institution gets one
        line per label.
    replicates : int >= 1. With more than one, replicates 0..R-1 run side by side and the
        plots show their mean with the 5–95 % range as a band.
    seed : int >= 0, the seed of every replicate (replicate r draws from (seed, r)).
    redraw_every : keyword only, int >= 1: while playing, redraw every this many weeks
        (default 4: the default town plays at about 20 weeks/s on two cores).

    Raises
    ------
    ArgumentError
        naming an unknown parameter key or metric, a key without a control (a list, a
        string) or a bad ``replicates`` / ``seed``.
    ConfigError
        from the scenario (a path that does not load).

    Changing a control (or :meth:`set`) rebuilds the town with the new value (setup) and
    re-runs it to the week shown, so the curves change at once; the previous curves stay
    in grey for comparison until the next :meth:`setup`.
    """

    def __init__(self, scenario: Any, params: Optional[Sequence[str]] = None,
                 metrics: Optional[Sequence[str]] = None, replicates: int = 1, seed: int = 1, *,
                 redraw_every: int = 4):
        replicates = _check_replicates(replicates)
        seed = _check_seed(seed)
        _check_int("redraw_every", redraw_every, 1)
        if isinstance(scenario, str) and not os.path.exists(scenario) and scenario in scenarios():
            scenario = Scenario.builtin(scenario)
        self.scenario: Scenario = _scenario(scenario).copy()
        self.model: str = self.scenario.model
        self.replicates = int(replicates)
        self.seed = int(seed)
        self.redraw_every = int(redraw_every)
        self._schema = {k["key"]: k for k in _core.schema_keys(self.model)}
        self.params: List[str] = self._check_params(params)
        self.controls: Dict[str, Control] = {k: self._control(k) for k in self.params}
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(min(self.replicates, os.cpu_count() or 1)) if self.replicates > 1 else None
        self._ghost: Optional[Tuple[str, Dict[str, np.ndarray]]] = None
        self._ui: Optional[Dict[str, Any]] = None
        self._live = None
        self._play_thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._status_lock = threading.Lock()
        self._busy_token: Optional[object] = None
        self.simulations: List[Simulation] = []
        self._build_simulations()
        self.metrics: List[str] = self._check_metrics(metrics)

    # ------------------------------------------------------------------ checks and controls

    def _unknown(self, what: str, name: str, known: Sequence[str]) -> ArgumentError:
        near = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        return ArgumentError(f"{what}: unknown {'metric' if what == 'metrics' else 'scenario key'} '{name}' "
                             f"for model {self.model}{hint}", what)

    def _check_params(self, params) -> List[str]:
        if params is None:
            keys = _DEFAULT_PARAMS.get(self.model)
            if keys is None:
                keys = [k for k, s in self._schema.items()
                        if s["type"] in ("number", "int") and "*" not in k and k.split(".")[0] not in _GLOBAL_KEYS
                        and not k.startswith("output.") and math.isfinite(s["min"]) and math.isfinite(s["max"])][:4]
            return [k for k in keys if self._has_value(k)]       # a scenario without, say, institutions
        if isinstance(params, str) or not isinstance(params, Sequence):
            raise TypeError(f"params must be a list of scenario keys, not {type(params).__name__}")
        out = []
        for key in params:
            if not isinstance(key, str):
                raise TypeError(f"params: keys must be str, not {type(key).__name__}")
            entry = self._schema.get(_schema_key(key))
            if entry is None:
                raise self._unknown("params", key, [k.replace("*", "0") for k in self._schema])
            if entry["type"] not in _CONTROL_TYPES:
                raise ArgumentError(f"params: '{key}' is a {entry['type']}: there is no control for it (controls "
                                    "are for number, int, choice and bool keys)", "params")
            if not self._has_value(key):
                raise ArgumentError(f"params: '{key}' is not in this scenario (is the list that long?)", "params")
            if key not in out:
                out.append(key)
        return out

    def _has_value(self, key: str) -> bool:
        try:
            self.scenario[key]
            return True
        except (KeyError, ValueError):
            return False

    def _control(self, key: str) -> Control:
        s = self._schema[_schema_key(key)]
        kind, value = s["type"], self.scenario[key]
        lo = hi = step = None
        if kind in ("number", "int"):
            integer = kind == "int"
            lo, hi = _slider_range(float(s["min"]), float(s["max"]), float(value), integer)
            step = 1 if integer else _nice_step(hi - lo)
            if integer:
                lo, hi = int(lo), int(hi)
            else:   # slider values are min + k * step: keep them round (-3.1 … 3.1, not -π …)
                d = _decimals(step)
                lo, hi = round(math.ceil(lo / step - 1e-9) * step, d), round(math.floor(hi / step + 1e-9) * step, d)
                if s.get("min_exclusive") and lo <= float(s["min"]):
                    lo = round(lo + step, d)   # the range is (min, max]: the slider starts one step in
        return Control(key, s["key"], kind, lo, hi, step, tuple(s["choices"]), s["description"], s["unit"])

    def _check_metrics(self, metrics) -> List[str]:
        info = self.simulations[0].metric_info
        if metrics is None:
            wanted = _DEFAULT_METRICS.get(self.model)
            if wanted is None or not all(m in info for m in wanted):
                wanted = [m for m, (axis, _, _) in info.items() if axis == ""][:3]
            return list(wanted)
        if isinstance(metrics, str) or not isinstance(metrics, Sequence):
            raise TypeError(f"metrics must be a list of metric names, not {type(metrics).__name__}")
        for m in metrics:
            if m not in info:
                raise self._unknown("metrics", m, list(info))
        if not metrics:
            raise ArgumentError("metrics: give at least one metric", "metrics")
        return list(dict.fromkeys(metrics))

    # ------------------------------------------------------------------ simulations

    def _build_simulations(self) -> None:
        threads = None if self.replicates == 1 else 1
        self.simulations = [Simulation(self.scenario.copy(), seed=self.seed, threads=threads, replicate=r)
                            for r in range(self.replicates)]

    def _each(self, fn) -> List[Any]:
        if self._pool is None:
            return [fn(s) for s in self.simulations]
        return list(self._pool.map(fn, self.simulations))

    @property
    def simulation(self) -> Simulation:
        """Replicate 0 (the one the town view shows)."""
        return self.simulations[0]

    @property
    def week(self) -> int:
        """Weeks (steps) simulated so far: 0 after setup or reset."""
        return self.simulations[0].week

    @property
    def steps(self) -> int:
        """The scenario's number of weeks (steps)."""
        return self.simulations[0].steps

    @property
    def _unit(self) -> str:
        return "week" if self.model == "organizing" else "step"

    @property
    def label(self) -> str:
        """What the week label shows: ``'week 12 of 260'`` (``'step ...'`` for models in steps)."""
        return f"{self._unit} {self.week} of {self.steps}"

    def values(self, metric: str) -> np.ndarray:
        """A metric of every replicate so far (a copy): shape (replicates, week + 1), or
        (replicates, week + 1, width) for a metric by group, neighbourhood or institution.
        Row 0 is the initial state. ArgumentError for an unknown metric."""
        info = self.simulations[0].metric_info
        if metric not in info:
            raise self._unknown("metrics", metric, list(info))
        with self._lock:
            return np.stack([np.array(s.metric(metric)) for s in self.simulations])

    def setup(self) -> "Dashboard":
        """Builds the town anew from the current settings (week 0); clears the grey
        curves of earlier settings. Returns self."""
        self.pause()
        with self._lock, self._busy():
            self._build_simulations()
            self._ghost = None
            self._refresh(rebuild=True)
        return self

    def step(self, n: int = 1) -> int:
        """Advances every replicate ``n`` weeks (never beyond the scenario's steps);
        returns the weeks taken."""
        _check_int("n", n, 0)
        self.pause()
        with self._lock, self._busy():
            taken = self._each(lambda s: s.step(n))[0]
            self._refresh()
        return taken

    def run(self) -> "Dashboard":
        """Runs every replicate to the scenario's last week. Returns self."""
        self.step(max(self.steps - self.week, 0))
        return self

    def reset(self) -> "Dashboard":
        """Back to week 0 with the same settings: stepping again gives the same numbers,
        bit for bit. Returns self."""
        self.pause()
        with self._lock, self._busy():
            for s in self.simulations:
                s.reset()
            self._refresh(rebuild=True)
        return self

    def set(self, key: str, value: Any, rerun: bool = True) -> "Dashboard":
        """Sets a scenario key (any key of the model, not only the controls; list items by
        index: ``"institutions.0.responsiveness"``), rebuilds the town and, with ``rerun``,
        runs it again to the week shown (else it stays at week 0). The curves of the
        previous settings stay in grey. Returns self.

        Raises ArgumentError naming an unknown key, ConfigError for a value the scenario
        rejects (the dashboard is then unchanged)."""
        if not isinstance(key, str):
            raise TypeError(f"key must be a str, not {type(key).__name__}")
        if _schema_key(key) not in self._schema:
            raise self._unknown("key", key, [k.replace("*", "0") for k in self._schema])
        self.pause()
        with self._lock, self._busy():
            trial = self.scenario.copy()
            trial.set(key, value)                   # ConfigError: nothing changed
            old = self.scenario[key]
            week = self.week
            ghost = {m: self._mean(m) for m in self.metrics if self._scalar(m)}
            self.scenario = trial
            if key == "seed":
                self.seed = int(trial["seed"])
            self._build_simulations()
            if rerun and week:
                self._each(lambda s: s.step(week))
            self._ghost = (f"before: {key} = {old}", ghost)
            self._sync_controls()
            self._refresh(rebuild=True)
        return self

    def _scalar(self, metric: str) -> bool:
        return self.simulations[0].metric_info[metric][0] == ""

    def _mean(self, metric: str) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN weeks
            return np.nanmean(self.values(metric), axis=0)

    # ------------------------------------------------------------------ play

    def play(self) -> None:
        """Steps one week at a time in a background thread, redrawing every
        ``redraw_every`` weeks, until the last week or :meth:`pause`. Returns at once."""
        with self._lock:
            if self._play_thread is not None or self.week >= self.steps:
                return
            self._stop.clear()
            self._play_thread = threading.Thread(target=self._play_loop, name="tegenmacht-dashboard-play",
                                                 daemon=True)
            self._set_play_button(True)
            self._play_thread.start()

    def pause(self) -> None:
        """Stops :meth:`play` after the current week (waits for it)."""
        t = self._play_thread
        if t is None:
            return
        self._stop.set()
        if t is not threading.current_thread():
            t.join()

    @property
    def playing(self) -> bool:
        """True while :meth:`play` is stepping."""
        return self._play_thread is not None

    def _play_loop(self) -> None:
        since = 0
        try:
            while not self._stop.is_set():
                with self._lock:
                    if self.week >= self.steps:
                        break
                    self._each(lambda s: s.step(1))
                    since += 1
                    if since >= self.redraw_every:
                        self._refresh()
                        since = 0
        except Exception as e:   # shown in the status line; a thread has nowhere else to say it
            self._set_status(f"error: {e}", error=True)
        finally:
            with self._lock:
                try:
                    self._refresh()
                    self._set_play_button(False)
                finally:
                    self._play_thread = None

    # ------------------------------------------------------------------ pictures

    def _town_kind(self) -> Optional[str]:
        sim = self.simulations[0]
        agents = sim.agents
        if "site" in agents and "state" in agents and self._has_value("width") and self._has_value("height"):
            return "grid"
        net = sim.network
        if net is not None and "state" in agents and "neighbourhood" in agents:
            return "network"
        if net is not None and self._has_value("network.type") and self.scenario["network.type"] == "lattice":
            col = "active" if "active" in agents else None
            n = len(net[0]) - 1
            width = int(self.scenario["network.width"]) if self._has_value("network.width") else 0
            width = width or int(round(math.sqrt(n)))
            if col is not None and width > 0 and n % width == 0:
                return "lattice"
        return None

    def _timeline_source(self):
        """What tgm.plot reads the timeline from: the resolved scenario as ``attrs["config"]``."""
        import types

        return types.SimpleNamespace(attrs={"config": self.scenario.to_yaml()})

    def _build(self, fig) -> Dict[str, Any]:
        """Creates the axes and artists of a figure; _update fills them."""
        m = len(self.metrics)
        town = self._town_kind()
        cols = 1 if m <= 2 else 2
        rows = math.ceil(m / cols)
        fig.set_size_inches(4.3 * cols + (4.6 if town else 0), 2.9 * rows + 0.5)
        gs = fig.add_gridspec(rows, cols + (1 if town else 0), width_ratios=[1.0] * cols + ([1.05] if town else []),
                              left=0.08 if cols == 1 else 0.07, right=0.98, top=0.9 - 0.04 / rows, bottom=0.13 / rows,
                              wspace=0.38, hspace=0.62)
        h: Dict[str, Any] = {"town": town, "panels": []}
        sim = self.simulations[0]
        info, labels = sim.metric_info, sim.labels
        for i, name in enumerate(self.metrics):
            ax = fig.add_subplot(gs[i // cols, i % cols])
            axis, unit, desc = info[name]
            ax.set_title("\n".join(textwrap.wrap(desc, 46)[:2]), fontsize=8.5)
            ax.set_ylabel(_with_unit(name, unit), fontsize=9)
            if i // cols == rows - 1 or (i + cols >= m):
                ax.set_xlabel(self._unit, fontsize=9)
            ax.tick_params(labelsize=8)
            ax.set_xlim(0, max(self.steps, 1))
            ax.grid(alpha=0.25)
            from .plot import _mark_events
            _mark_events(ax, self._timeline_source())  # the scenario's timeline as dotted lines
            names = [None] if axis == "" else list(labels.get(axis, []))
            ghost = None
            if self._ghost is not None and axis == "" and name in self._ghost[1]:
                g = self._ghost[1][name]
                (ghost,) = ax.plot(np.arange(len(g)), g, color="#999999", lw=1.2, ls="--", label=self._ghost[0])
            from .plot import _arm_colour

            lines = [ax.plot([], [], lw=1.6, color="#0072B2" if lab is None else _arm_colour(j),
                             label="now" if lab is None else str(lab))[0] for j, lab in enumerate(names)]
            if axis != "":
                ax.legend(fontsize=7, title=axis, title_fontsize=7, loc="best")
            elif ghost is not None and i == 0:
                ax.legend(fontsize=7, loc="best")
            h["panels"].append({"ax": ax, "name": name, "axis": axis, "lines": lines, "bands": []})
        if town:
            ax = fig.add_subplot(gs[:, cols])
            h["town_ax"] = ax
            if town == "network":
                from .plot import network

                network(sim, ax=ax, max_nodes=_NETWORK_NODES)
                n = len(sim.network[0]) - 1
                # the nodes tgm.plot.network drew: the same draw as there (seed 0)
                rng = np.random.default_rng(0)
                h["nodes"] = np.sort(rng.choice(n, size=min(n, _NETWORK_NODES), replace=False))
                h["n"] = n
                h["scatter"] = ax.collections[-1]
                if len(h["scatter"].get_offsets()) != len(h["nodes"]):   # plot.network changed: draw anew
                    h["scatter"] = None
            else:
                from matplotlib.colors import ListedColormap
                from matplotlib.patches import Patch

                if town == "grid":
                    shape = (int(self.scenario["height"]), int(self.scenario["width"]))
                    names, colours = ["quiet", "active"], ["#c8c8c8", "#d9534f"]
                else:
                    n = len(sim.network[0]) - 1
                    w = int(self.scenario["network.width"]) or int(round(math.sqrt(n)))
                    shape = (n // w, w)
                    names, colours = ["inactive", "active"], ["#c8c8c8", "#d9534f"]
                cmap = ListedColormap(colours)
                cmap.set_bad("white")
                h["image"] = ax.imshow(np.full(shape, np.nan), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
                h["shape"] = shape
                ax.set_axis_off()
                handles = [Patch(color=c, label=l) for l, c in zip(names, colours)]
                if town == "grid":
                    handles.append(Patch(facecolor="white", edgecolor="#999999", label="empty or cop"))
                ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3,
                          frameon=False)
        return h

    def _update(self, h: Dict[str, Any]) -> None:
        """Fills the artists of _build with the current state."""
        x = np.arange(self.week + 1)
        lo_q, hi_q = 0.05, 0.95
        for p in h["panels"]:
            ax = p["ax"]
            vals = self.values(p["name"])           # (R, T) or (R, T, width)
            series = [vals] if vals.ndim == 2 else [vals[:, :, j] for j in range(vals.shape[2])]
            for band in p["bands"]:
                band.remove()
            p["bands"] = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                for line, v in zip(p["lines"], series):
                    line.set_data(x, np.nanmean(v, axis=0))
                    if v.shape[0] > 1:
                        lo, hi = np.nanquantile(v, lo_q, axis=0), np.nanquantile(v, hi_q, axis=0)
                        p["bands"].append(ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0))
            ax.relim()
            ax.autoscale_view(scalex=False)
        town = h["town"]
        if not town:
            return
        sim, ax = self.simulations[0], h["town_ax"]
        rep = " (replicate 0)" if self.replicates > 1 else ""
        agents = sim.agents
        if town == "network":
            if h["scatter"] is not None:
                state = agents["state"][h["nodes"]]
                h["scatter"].set_facecolors([_STATE_COLOURS.get(int(v), "#000000") for v in state])
            ax.set_title(f"the town, {self._unit} {self.week}{rep}: {len(h['nodes'])} of {h['n']} residents",
                         fontsize=9)
        elif town == "grid":
            grid = np.full(h["shape"], np.nan)
            state, site = agents["state"], agents["site"]
            free = state != 2
            grid.flat[site[free]] = state[free]
            h["image"].set_data(grid)
            ax.set_title(f"{self._unit} {self.week}{rep}: {int((state == 1).sum())} active, "
                         f"{int((state == 2).sum())} jailed", fontsize=9)
        else:
            h["image"].set_data(agents["active"].astype(float).reshape(h["shape"]))
            ax.set_title(f"{self._unit} {self.week}{rep}: {int(agents['active'].sum())} of "
                         f"{agents['active'].size} active", fontsize=9)

    def figure(self):
        """A new matplotlib Figure of the current state: one panel per metric (mean over
        replicates against weeks, with the 5–95 % band when there are several replicates)
        and, for a model with a picture of the town, the town: the contact network
        coloured by resident state (organizing), the lattice of citizens (civil_violence:
        quiet, active; jailed citizens are off the lattice, cops are not shown) or the
        lattice of agents (threshold on a lattice). ``len(fig.axes)`` is the number of
        metrics plus one for the town. Not registered with pyplot (no double display)."""
        from matplotlib.figure import Figure

        fig = Figure(dpi=_DPI)
        with self._lock:
            self._update(self._build(fig))
        return fig

    @staticmethod
    def _png(fig) -> bytes:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.canvas.print_png(buf)
        return buf.getvalue()

    # ------------------------------------------------------------------ widgets

    @property
    def widget(self):
        """The ipywidgets box (built on first use): the controls, the buttons, the week,
        a status line and the plots as a PNG. Needs ipywidgets (6 or later)."""
        if self._ui is None:
            self._build_widgets()
        return self._ui["box"]

    def _build_widgets(self) -> None:
        import ipywidgets as w

        ui: Dict[str, Any] = {"controls": {}}
        rows = []
        for key, c in self.controls.items():
            tip = html.escape(c.description + (f" [{c.unit}]" if c.unit else ""), quote=True)
            name = html.escape(key) + (f" <small>[{html.escape(c.unit)}]</small>" if c.unit else "")
            value = self.scenario[key]
            if c.type == "number":
                ctl = w.FloatSlider(value=float(value), min=c.min, max=c.max, step=c.step, continuous_update=False,
                                    readout_format=f".{_decimals(c.step)}f")
            elif c.type == "int":
                ctl = w.IntSlider(value=int(value), min=c.min, max=c.max, step=1, continuous_update=False)
            elif c.type == "choice":
                ctl = w.Dropdown(options=list(c.choices), value=value)
            else:
                ctl = w.Checkbox(value=bool(value))
            self._fit(ctl, value)
            ctl.observe(lambda change, key=key: self._on_control(key, change["new"]), names="value")
            label = w.HTML(value=f'<span title="{tip}" style="cursor:help">{name}</span>',
                           layout=w.Layout(width="250px"))
            hint = w.HTML(value=f'<span style="color:#666;font-size:85%">{html.escape(c.description)}</span>')
            rows.append(w.HBox([label, ctl, hint]))
            ui["controls"][key] = ctl
        buttons = {}
        for name, tip, style in (("setup", "build the town anew from the settings (week 0)", "info"),
                                 ("step", f"one {self._unit}", ""),
                                 ("play", f"step {self._unit} by {self._unit} to the end; press again to pause",
                                  "success"),
                                 ("reset", f"back to {self._unit} 0 with the same settings (the same run again)",
                                  "warning")):
            b = w.Button(description=name, tooltip=tip, button_style=style, layout=w.Layout(width="80px"))
            b.on_click(lambda _b, name=name: self._on_button(name))
            buttons[name] = b
        ui["buttons"] = buttons
        ui["week"] = w.HTML(value=f"<b>{self.label}</b>", layout=w.Layout(width="160px"))
        ui["status"] = w.HTML(value="")
        ui["image"] = w.Image(format="png")
        ui["box"] = w.VBox(rows + [w.HBox(list(buttons.values()) + [ui["week"], ui["status"]]), ui["image"]])
        self._ui = ui
        self._refresh(rebuild=True)

    @staticmethod
    def _fit(ctl, value) -> None:
        """Widens a slider's range to hold a value set from code."""
        if hasattr(ctl, "max") and not isinstance(value, (bool, str)):
            if value > ctl.max:
                ctl.max = value
            if value < ctl.min:
                ctl.min = value

    def _sync_controls(self) -> None:
        """The controls show the scenario's values (a strategy preset changes others)."""
        if self._ui is None:
            return
        self._ui["syncing"] = True
        try:
            for key, ctl in self._ui["controls"].items():
                value = self.scenario[key]
                self._fit(ctl, value)
                if ctl.value != value:
                    ctl.value = value
        finally:
            self._ui["syncing"] = False

    def _on_control(self, key: str, value: Any) -> None:
        if self._ui.get("syncing"):
            return
        if isinstance(value, float):
            value = float(f"{value:.12g}")          # slider steps: 0.9, not 0.9000000000000001
        try:
            self.set(key, value)
            self._set_status("")
        except Exception as e:                       # a widget callback has nowhere else to say it
            self._set_status(str(e), error=True)
            self._sync_controls()

    def _on_button(self, name: str) -> None:
        try:
            if name == "play":
                if self.playing:
                    self.pause()
                elif self.week >= self.steps:
                    self._set_status(f"at the last {self._unit}: press reset or setup")
                else:
                    self._set_status("")
                    self.play()
            else:
                self._set_status("")
                {"setup": self.setup, "step": self.step, "reset": self.reset}[name]()
        except Exception as e:
            self._set_status(str(e), error=True)

    def _set_play_button(self, playing: bool) -> None:
        if self._ui is not None:
            b = self._ui["buttons"]["play"]
            b.description, b.button_style = ("pause", "danger") if playing else ("play", "success")

    def _set_status(self, text: str, error: bool = False) -> None:
        if self._ui is None:
            return
        colour = "#c0392b" if error else "#666"
        with self._status_lock:
            self._ui["status"].value = f'<span style="color:{colour}">{html.escape(text)}</span>' if text else ""

    def _busy(self):
        """Shows 'running…' while an operation takes longer than a frame (0.1 s)."""
        dash = self

        class _Busy:
            def __enter__(self):
                if dash._ui is None:
                    self.timer = None
                    return
                token = self.token = object()
                dash._busy_token = token

                def show():
                    with dash._status_lock:
                        if dash._busy_token is token:
                            dash._ui["status"].value = '<span style="color:#666"><i>running…</i></span>'

                self.timer = threading.Timer(0.1, show)
                self.timer.daemon = True
                self.timer.start()

            def __exit__(self, *exc):
                if self.timer is not None:
                    self.timer.cancel()
                    with dash._status_lock:
                        if dash._busy_token is self.token:
                            dash._busy_token = None
                            if "running" in dash._ui["status"].value:
                                dash._ui["status"].value = ""
                return False

        return _Busy()

    def _refresh(self, rebuild: bool = False) -> None:
        """Redraws the widget's picture and week label (nothing without widgets)."""
        if self._ui is None:
            return
        if rebuild or self._live is None:
            from matplotlib.figure import Figure

            fig = Figure(dpi=_DPI)
            self._live = (fig, self._build(fig))
        fig, h = self._live
        self._update(h)
        self._ui["image"].value = self._png(fig)
        self._ui["week"].value = f"<b>{self.label}</b>"

    def _ipython_display_(self, **kwargs) -> None:
        from IPython.display import Image, display

        from .teaching import interactive_frontend

        if interactive_frontend():
            display(self.widget)
        else:
            display(Image(data=self._png(self.figure())))

    def __repr__(self) -> str:
        return (f"Dashboard({self.model!r}, {self.label}, replicates={self.replicates}, seed={self.seed}, "
                f"params={self.params}, metrics={self.metrics})")

    def __del__(self):
        try:
            self._stop.set()
            if self._pool is not None:
                self._pool.shutdown(wait=False)
        except Exception:
            pass
