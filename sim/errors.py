"""The errors a user can cause, in one place that every module imports (and that imports nothing of the project).

Each carries a one-line message for the user; `mot` prints it as ``mot CMD: error: MESSAGE`` and
exits with status 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class UsageError(ValueError):
    """A command-line value cannot be used; the message is one line for the user."""


class ScenarioError(ValueError):
    """A scenario or experiment file cannot be used; the message is one line for the user."""


class StoreError(UsageError):
    """Results cannot be written where asked; the message is one line for the user."""


def describe_first_error(exc: ValidationError) -> str:
    """`key.path: message` for the first pydantic error, phrased for people (an error inside a
    dict value, see `sim.scenario.settings.Strict`, carries the rest of its path as `ctx["where"]`)."""
    error = exc.errors(include_url=False)[0]
    where = (error.get("ctx") or {}).get("where")
    parts = [*error["loc"], *([where] if where else [])]
    path = ".".join(str(part) for part in parts)
    return f"{path}: {phrase(error)}" if path else phrase(error)


def phrase(error: Mapping[str, Any]) -> str:
    """One pydantic error as a short sentence that shows the offending value."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    bounds = {
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"must be {sign} {ctx[key]}, got {value!r}"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {value!r}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "finite_number":
        return f"must be a finite number, got {value!r}"
    if kind == "not_a_number":
        return error["msg"]
    return f"{error['msg'].lower()}, got {value!r}"


__all__ = ["ScenarioError", "StoreError", "UsageError", "describe_first_error"]
