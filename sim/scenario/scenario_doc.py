"""Write a scenario as a commented TOML file: every key, its value, and its source.

`scenarios/baseline.toml` is generated this way (`python -m sim.scenario.scenario_doc > scenarios/baseline.toml`)
so that it documents every key with its default and source, and cannot drift from the schema.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

from sim.scenario.settings import Scenario

HEADER = """\
# Baseline market: every key with its value and source ("assumption" where none). Values are the
# schema's defaults except where a comment says why the baseline departs from them (a settled
# market: initial shares near the steady state, and a measured warm-up).
# Other scenarios start from this file with `extends = "baseline.toml"` and list only what differs.
# Generated from the settings schema by `python -m sim.scenario.scenario_doc`; edit the schema (or
# BASELINE in sim/scenario/scenario_doc.py), not this file.
"""

BASELINE_WARMUP_DAYS = 180
"""The baseline's warm-up, chosen by `python -m sim.validation.settle scenarios/baseline.toml` (docs/kpis.md)."""

BASELINE: dict[str, tuple[Any, str]] = {
    "warmup_days": (
        BASELINE_WARMUP_DAYS,
        "Days the market runs before the measured window (no strategies, nothing measured).\n"
        "Measured: from a 180-day warm-up on, focal customers at the window's end are within 15%\n"
        "of its start in every replication and every moment's count drifts less than 15%\n"
        "(`python -m sim.validation.settle scenarios/baseline.toml`, docs/kpis.md). 0 = a launch\n"
        "(scenarios/launch.toml).",
    ),
    **{
        f"brands.{brand}.initial_share": (
            0.475,
            "Share of buying units that are customers on day 0. Near the steady state: with these\n"
            "dynamics about 95% of units own a brand after three years, split evenly between two\n"
            "equal brands (measured, `python -m sim.validation.settle`); a launch starts at 0.1 (assumption).",
        )
        for brand in ("focal", "rival")
    },
}
"""Where the baseline departs from the schema's defaults: dotted key -> (value, comment)."""


def render(scenario: Scenario, header: str = HEADER, notes: dict[str, str] | None = None) -> str:
    """The scenario as TOML with each key's docstring (or its `notes` entry) above it."""
    lines = [header.rstrip(), ""]
    lines += table_lines(scenario, prefix="", notes=notes or {})
    return "\n".join(lines).rstrip() + "\n"


def table_lines(model: BaseModel, prefix: str, notes: dict[str, str] | None = None) -> list[str]:
    """Scalar keys of `model` first, then its sub-tables under `[prefix.key]` headers; a key
    in `notes` (dotted path) gets that comment instead of its docstring."""
    notes = notes or {}
    lines: list[str] = []
    subtables: list[tuple[str, Any, str | None]] = []
    for key, field in type(model).model_fields.items():
        value = getattr(model, key)
        doc = notes.get(f"{prefix}{key}", field.description)
        if isinstance(value, BaseModel) or (isinstance(value, dict) and is_table_dict(value)):
            subtables.append((key, value, doc))
            continue
        lines += comment(doc) + [f"{key} = {toml_value(value)}"]
    for key, value, doc in subtables:
        path = f"{prefix}{quote_key(key)}"
        if isinstance(value, BaseModel):
            lines += ["", *comment(doc), f"[{path}]", *table_lines(value, path + ".", notes)]
        else:
            for name, item in value.items():
                sub = f"{path}.{quote_key(name)}"
                lines += ["", *comment(doc), f"[{sub}]", *table_lines(item, sub + ".", notes)]
    return lines


def is_table_dict(value: dict) -> bool:
    """A dict of settings models (brands, age groups), rendered as one table each."""
    return bool(value) and all(isinstance(v, BaseModel) for v in value.values())


def comment(doc: str | None) -> list[str]:
    """A docstring as TOML comment lines."""
    return [f"# {line}".rstrip() for line in (doc or "").splitlines()] if doc else []


def quote_key(key: str) -> str:
    """A bare TOML key when possible, else a quoted one."""
    return (
        key
        if key.replace("_", "").replace("-", "").isalnum() and not key[0].isdigit()
        else f'"{key}"'
    )


def toml_value(value: Any) -> str:
    """A TOML literal for a scalar, list or inline table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{quote_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def baseline() -> Scenario:
    """The shipped baseline: the schema's defaults with the departures in `BASELINE`."""
    from sim.scenario.config import with_overrides

    scenario = Scenario(
        name="baseline",
        description="A settled consumer market with a focal brand and one rival, no strategies "
        "switched on.",
    )
    return with_overrides(scenario, {k: v for k, (v, _) in BASELINE.items()}, "BASELINE")


if __name__ == "__main__":
    sys.stdout.write(render(baseline(), notes={k: note for k, (_, note) in BASELINE.items()}))
