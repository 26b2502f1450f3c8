"""Scenario files (TOML) into validated `Scenario` settings, with one-line errors.

A scenario may start from another with `extends = "baseline.toml"` (a path relative to the file);
its own tables are merged over the base key by key. Every error names the file and the key path:
``scenarios/x.toml: brands.focal.p_problem: must be <= 1, got 1.7``.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError, describe_first_error
from sim.scenario.settings import Scenario

MAX_TOML_BYTES = 1_000_000
"""Largest TOML file read (1 MB): the shipped baseline, every setting documented, is 13 kB, so
anything near this is not a scenario; reading is bounded, so `/dev/zero` is refused too."""

MAX_EXTENDS = 32
"""Longest `extends` chain: far beyond any real layering, well before Python's recursion limit."""

MAX_NESTING = 32
"""Deepest nesting of tables and arrays in a TOML file (the settings need 5 levels)."""


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
    if len(_seen) + 1 >= MAX_EXTENDS:
        raise ScenarioError(f"{path}: extends: chain longer than {MAX_EXTENDS} files")
    if not base_path.exists():
        raise ScenarioError(f"{path}: extends: no such file {base_name}")
    base = load_merged_toml(base_path, (*_seen, path.resolve()))
    base.pop("name", None)
    base.pop("description", None)
    return deep_merge(base, data)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file, turning every failure into a one-line `ScenarioError`.

    Every TOML input (scenario, experiment, lesson) comes through here, so the checks that
    apply to all of them live here: bounded size, bounded nesting, finite numbers only."""
    if not path.exists():
        raise ScenarioError(f"{path}: no such file")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a directory, expected a .toml file")
    try:
        text = read_bounded(path, MAX_TOML_BYTES, "a TOML file").decode("utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: malformed TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: malformed TOML: nested too deeply") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    check_plain_values(data, str(path))
    return data


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The file's bytes, refusing anything over `limit`: the size on disk is checked first, then
    at most `limit + 1` bytes are read, because devices and pipes report a size of 0."""
    too_big = ScenarioError(f"{path}: larger than {limit:,} bytes, the limit for {what}")
    if path.stat().st_size > limit:
        raise too_big
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise too_big
    return data


def check_plain_values(data: Mapping[str, Any], source: str) -> None:
    """Refuse non-finite numbers (`inf`, `nan`) and nesting deeper than `MAX_NESTING`, naming
    the key path. TOML allows both, but no setting means either; the walk is iterative, so a
    deep file cannot exhaust the stack here either; the first problem in file order is named."""
    stack: list[tuple[str, Any, int]] = [(key, value, 1) for key, value in data.items()][::-1]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ScenarioError(f"{source}: {where}: nested deeper than {MAX_NESTING} levels")
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(f"{source}: {where}: must be a finite number, got {value}")
        if isinstance(value, Mapping):
            items = [(f"{where}.{key}", item) for key, item in value.items()]
        elif isinstance(value, list):
            items = [(f"{where}.{index}", item) for index, item in enumerate(value)]
        else:
            continue
        stack.extend((key, item, depth + 1) for key, item in reversed(items))


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
    """Typed settings from a dict, or a `ScenarioError` naming `source` and the key path.

    A market this machine cannot hold is refused here too, so that `mot run`, the sweep's
    parameter checks and every sweep point stop with one line before building anything."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(f"{source}: {describe_first_error(exc)}") from None
    from sim.scenario.memory_budget import check_market_fits
    from sim.strategies import validate_strategies  # late: strategies import settings

    validate_strategies(scenario, source)
    check_market_fits(scenario, source)
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
