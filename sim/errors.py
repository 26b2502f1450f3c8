"""The errors a user can cause, in one place that every module imports (and that imports nothing).

Each carries a one-line message for the user; `mot` prints it as ``mot CMD: error: MESSAGE`` and
exits with status 2, never a traceback.
"""

from __future__ import annotations


class UsageError(ValueError):
    """A command-line value cannot be used; the message is one line for the user."""


class ScenarioError(ValueError):
    """A scenario or experiment file cannot be used; the message is one line for the user."""


class StoreError(UsageError):
    """Results cannot be written where asked; the message is one line for the user."""


__all__ = ["ScenarioError", "StoreError", "UsageError"]
