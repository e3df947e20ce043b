"""Helpers for teaching notebooks."""

from __future__ import annotations

import os

__all__ = ["interactive_frontend"]


def interactive_frontend() -> bool:
    """True when sliders can be shown: ipywidgets is installed and the current cell was
    run by a person in a notebook frontend (which accepts keyboard input: the request
    says ``allow_stdin``). ``jupyter nbconvert --execute``, nbclient and papermill
    execute cells with ``allow_stdin = False`` and no widget frontend is listening, so a
    notebook should show a static fallback instead; Debian 12's ipywidgets 6 and
    nbclient 0.7 do not understand each other's widget messages, so creating a widget
    there would fail. ``TEGENMACHT_HEADLESS=1`` forces the fallback."""
    if os.environ.get("TEGENMACHT_HEADLESS"):
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    kernel = getattr(ip, "kernel", None)
    if kernel is None:
        return False
    try:
        parent = kernel.get_parent("shell") if hasattr(kernel, "get_parent") else kernel._parent_header
    except TypeError:
        parent = kernel.get_parent()
    content = (parent or {}).get("content", {})
    if not content.get("allow_stdin", False):
        return False
    # ipywidgets 6 (Debian 12) waits for a version reply that the notebook's widget
    # extension never sends and then prints "Widget Javascript not detected" although
    # the widgets work: a person is at a frontend, so the warning is false
    import ipywidgets

    widget = getattr(ipywidgets, "Widget", None)
    if widget is not None and getattr(widget, "_version_validated", False) is None:
        widget._version_validated = True
    return True
