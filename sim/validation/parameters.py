"""Every parameter as a Markdown table (ODD "parameters"), generated from the settings schema.

The table in `docs/model.md` sits between two markers and is rewritten by
``python -m sim.validation.parameters docs/model.md``, so it always matches the code: name,
meaning and source (the field's docstring), default, unit (from the name or type) and range
(from the field's bounds).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.settings import Scenario
from sim.strategies import REGISTRY

BEGIN, END = "<!-- parameters:begin -->", "<!-- parameters:end -->"


def unit_of(name: str, default: Any) -> str:
    """Unit from naming conventions: p_ probabilities, _days, _usd, n_ counts."""
    if name.startswith("p_") or name.endswith(("_share", "_rate", "_presence")) or name == "share":
        return "probability"
    for suffix, unit in (("_days", "days"), ("_usd", "USD"), ("_daily", "per day")):
        if name.endswith(suffix):
            return unit
    if name.startswith("n_") or isinstance(default, bool):
        return "count" if not isinstance(default, bool) else "on/off"
    return "-"


def range_of(field: FieldInfo) -> str:
    """Bounds of a field from its constraints (e.g. [0, 1])."""
    low = high = None
    for rule in field.metadata:
        low = getattr(rule, "ge", getattr(rule, "gt", low))
        high = getattr(rule, "le", getattr(rule, "lt", high))
    args = getattr(field.annotation, "__metadata__", ())
    for rule in args:
        low = getattr(rule, "ge", low)
        high = getattr(rule, "le", high)
    if low is None and high is None:
        return "-"
    return f"[{'' if low is None else f'{low:g}'}, {'' if high is None else f'{high:g}'}]"


def rows(model: BaseModel, prefix: str) -> list[tuple[str, str, str, str, str]]:
    """(name, meaning and source, default, unit, range) for every scalar key, recursively."""
    out = []
    for key, field in type(model).model_fields.items():
        value = getattr(model, key)
        name = f"{prefix}{key}"
        if isinstance(value, BaseModel):
            out += rows(value, f"{name}.")
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, BaseModel) for v in value.values())
        ):
            first = next(iter(value))
            out += rows(
                value[first],
                f"{name}.<{key.rstrip('s')}>." if key != "age_groups" else f"{name}.<group>.",
            )
        elif key not in ("strategies", "name", "description", "habits"):
            meaning = " ".join((field.description or "").split()) or "see the table's docstring"
            shown = (
                f"{value:g}"
                if isinstance(value, float)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
            out.append((name, meaning, shown, unit_of(key, value), range_of(field)))
    return out


def table() -> str:
    """The Markdown parameter table: scenario keys, then each strategy's keys."""
    all_rows = rows(Scenario(), "")
    for name, cls in sorted(REGISTRY.items()):
        all_rows += rows(cls.settings_type(), f"brands.<brand>.strategies.{name}.")
    head = "| parameter | meaning and source | default | unit | range |\n|---|---|---|---|---|"
    body = "\n".join(
        "| `" + r[0] + "` | " + " | ".join(c.replace("|", "/") for c in r[1:]) + " |"
        for r in all_rows
    )
    return head + "\n" + body


def update(path: Path) -> None:
    """Replace the text between the markers in `path` with the current table."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(text[:start] + "\n" + table() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    update(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/model.md"))
