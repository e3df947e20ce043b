"""Exceptions raised by tegenmacht.

Every error a user can cause names where it happened: the scenario file,
line and column when there is one, and the key path or argument.
"""

from __future__ import annotations

__all__ = ["TegenmachtError", "ConfigError", "UnknownKeyError", "ArgumentError", "ResultsIOError",
           "ResultsFormatError", "ScenarioWarning", "IncompleteResultsWarning"]


class ScenarioWarning(UserWarning):
    """A valid scenario contains something that cannot act as written (an event after the
    last week, a subsidy cut on an institution that pays no one, a neighbourhood far smaller
    than the rest); the message names the file, line and key. ``Scenario.warnings`` lists
    them; ``tgm.run`` and ``tgm.Simulation`` issue them with :func:`warnings.warn`."""


class IncompleteResultsWarning(UserWarning):
    """A results file from an interrupted run or experiment (attribute ``complete`` is
    false): weeks, replicates or jobs that did not run are NaN. Issued by
    :func:`load_results`; finish an experiment with ``resume=True``."""


class TegenmachtError(Exception):
    """Base class of tegenmacht's errors."""


class ConfigError(TegenmachtError, ValueError):
    """A scenario value is wrong: bad type, out of range, inconsistent, or a syntax error.

    Attributes: ``key`` (dotted key path, e.g. ``"network.rewire"``), ``file``,
    ``line`` and ``column`` (1-based; 0 when unknown, e.g. for values set from Python).
    """

    def __init__(self, message: str, key: str = "", file: str = "", line: int = 0, column: int = 0):
        super().__init__(message)
        self.key, self.file, self.line, self.column = key, file, line, column


class UnknownKeyError(ConfigError, KeyError):
    """A scenario key that the model does not declare; the message suggests the nearest valid key."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ArgumentError(TegenmachtError, ValueError):
    """An argument of a function or method is invalid; ``argument`` names it."""

    def __init__(self, message: str, argument: str = ""):
        super().__init__(message)
        self.argument = argument


class ResultsIOError(TegenmachtError, FileNotFoundError):
    """A file could not be read or written; ``path`` names it."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ResultsFormatError(TegenmachtError, ValueError):
    """A file exists but is not a readable tegenmacht results file (corrupt, truncated,
    or written by something else); ``path`` names it."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.path = path
