"""Reading a page's address: the `?key=` a student's page keeps, the teacher's `?token=`."""

from __future__ import annotations

from urllib.parse import parse_qs


def query(search: str | None, name: str) -> str | None:
    """One parameter of the page address (`key=...&token=...`), or None."""
    values = parse_qs(search or "").get(name)
    return values[0] if values else None
