"""Write a scenario as a commented TOML file: every key, its value, and its source.

`scenarios/baseline.toml` is generated this way (`python -m sim.scenario_doc > scenarios/baseline.toml`)
so that it documents every key with its default and source, and cannot drift from the schema.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

from sim.settings import Scenario

HEADER = """\
# Baseline market: every key with its default value and source ("assumption" where none).
# Other scenarios start from this file with `extends = "baseline.toml"` and list only what differs.
# Generated from the settings schema by `python -m sim.scenario_doc`; edit the schema, not this file.
"""


def render(scenario: Scenario, header: str = HEADER) -> str:
    """The scenario as TOML with each key's docstring as a comment above it."""
    lines = [header.rstrip(), ""]
    lines += table_lines(scenario, prefix="")
    return "\n".join(lines).rstrip() + "\n"


def table_lines(model: BaseModel, prefix: str) -> list[str]:
    """Scalar keys of `model` first, then its sub-tables under `[prefix.key]` headers."""
    lines: list[str] = []
    subtables: list[tuple[str, Any, str | None]] = []
    for key, field in type(model).model_fields.items():
        value = getattr(model, key)
        doc = field.description
        if isinstance(value, BaseModel) or (isinstance(value, dict) and is_table_dict(value)):
            subtables.append((key, value, doc))
            continue
        lines += comment(doc) + [f"{key} = {toml_value(value)}"]
    for key, value, doc in subtables:
        path = f"{prefix}{quote_key(key)}"
        if isinstance(value, BaseModel):
            lines += ["", *comment(doc), f"[{path}]", *table_lines(value, path + ".")]
        else:
            for name, item in value.items():
                sub = f"{path}.{quote_key(name)}"
                lines += ["", *comment(doc), f"[{sub}]", *table_lines(item, sub + ".")]
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


if __name__ == "__main__":
    sys.stdout.write(
        render(
            Scenario(
                name="baseline",
                description="A consumer market with a focal brand and one rival, no strategies switched on.",
            )
        )
    )
