"""Scenario files (TOML) into validated `Scenario` settings, with one-line errors.

A scenario may start from another with `extends = "baseline.toml"` (a path relative to the file);
its own tables are merged over the base key by key. Every error names the file and the key path:
``scenarios/x.toml: brands.focal.p_problem: must be <= 1, got 1.7``.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.settings import Scenario


class ScenarioError(ValueError):
    """A scenario or experiment file cannot be used; the message is one line for the user."""


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (`extends`) and validate a scenario file."""
    path = Path(path)
    raw = load_merged_toml(path)
    raw.setdefault("name", path.stem)
    return validate_scenario(raw, source=str(path))


def load_merged_toml(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A TOML file as a dict, with its `extends` chain merged under it."""
    data = read_toml(path)
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    if not isinstance(base_name, str):
        raise ScenarioError(f"{path}: extends: must be a file name, got {base_name!r}")
    base_path = (path.parent / base_name).resolve()
    if base_path in _seen or base_path == path.resolve():
        raise ScenarioError(f"{path}: extends: circular reference to {base_name}")
    if not base_path.is_file():
        raise ScenarioError(f"{path}: extends: no such file {base_name}")
    base = load_merged_toml(base_path, (*_seen, path.resolve()))
    base.pop("name", None)
    base.pop("description", None)
    return deep_merge(base, data)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file, turning every failure into a one-line `ScenarioError`."""
    if not path.exists():
        raise ScenarioError(f"{path}: no such file")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a directory, expected a .toml file")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`, table by table; values (including lists) replace whole."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def validate_scenario(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Typed settings from a dict, or a `ScenarioError` naming `source` and the key path."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {describe_first_error(exc)}") from None
    from sim.strategies import validate_strategies  # late: strategies import settings

    validate_strategies(scenario, source)
    return scenario


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any], source: str) -> Scenario:
    """A copy of `scenario` with dotted key paths set, validated like a file."""
    raw = scenario.model_dump()
    for dotted, value in overrides.items():
        set_path(raw, dotted, value, source)
    return validate_scenario(raw, source)


def set_path(raw: dict[str, Any], dotted: str, value: Any, source: str) -> None:
    """Set `a.b.c` in nested dicts; the path must already exist (strategy tables may be new)."""
    keys = dotted.split(".")
    node = raw
    for depth, key in enumerate(keys[:-1]):
        if key not in node:
            if depth >= 2 and keys[depth - 1] == "strategies":
                node[key] = {}
            else:
                raise ScenarioError(f"{source}: {dotted}: unknown key {key!r}")
        node = node[key]
        if not isinstance(node, dict):
            raise ScenarioError(f"{source}: {dotted}: {key!r} is not a table")
    if keys[-1] not in node and "strategies" not in keys:
        raise ScenarioError(f"{source}: {dotted}: unknown key {keys[-1]!r}")
    node[keys[-1]] = value


def describe_first_error(exc: ValidationError) -> str:
    """`key.path: message` for the first pydantic error, phrased for people."""
    error = exc.errors(include_url=False)[0]
    path = ".".join(str(part) for part in error["loc"])
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
    return f"{error['msg'].lower()}, got {value!r}"
