"""tegenmacht: agent-based simulation of community organizing versus consensus strategies.

>>> import tegenmacht as tgm
>>> ds = tgm.run("scenarios/default.yaml", replicates=4)
>>> ds["trust"].mean("replicate").plot()

Main names: :class:`Scenario`, :class:`Simulation`, :func:`run`,
:class:`Experiment`, :func:`experiment`, :func:`compare`, :func:`sweep`,
:func:`summary`, :func:`report`, :func:`export`, :func:`load_results`, :class:`Dashboard`, :mod:`tegenmacht.analysis`, :mod:`tegenmacht.plot`.
"""

from ._core import __version__  # noqa: F401
from .errors import (ArgumentError, ConfigError, IncompleteResultsWarning, ResultsFormatError,  # noqa: F401
                     ResultsIOError, ScenarioWarning, TegenmachtError, UnknownKeyError)
from .core import Checkpoint, Scenario, Simulation, models, run, scenarios  # noqa: F401
from .results import load_results, to_dataframe  # noqa: F401
from .experiment import Experiment, compare, experiment, summary, sweep  # noqa: F401
from .reporting import export, report  # noqa: F401
from . import analysis, plot, teaching  # noqa: F401
from .dashboard import Dashboard  # noqa: F401

__all__ = ["Scenario", "Simulation", "Checkpoint", "run", "models", "scenarios", "__version__", "load_results", "to_dataframe", "analysis", "plot",
           "Experiment", "experiment", "sweep", "compare", "summary", "report", "export",
           "TegenmachtError", "ConfigError", "UnknownKeyError", "ArgumentError", "ResultsIOError",
           "ResultsFormatError", "ScenarioWarning", "IncompleteResultsWarning", "Dashboard"]
