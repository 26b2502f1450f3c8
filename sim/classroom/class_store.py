"""A class kept on disk: one SQLite file (`class.sqlite`) in the class's results folder.

Why: a class lives in one `mot class` process; a crash, a closed laptop lid or Ctrl+C used to
lose every student's market, answers and results. Everything a class needs to come back is
written here as it happens, each change in one transaction (an interrupted write leaves the
last whole state, never half of one):

- `meta`: the lesson's fingerprint, the teacher's token, free play or rounds and the rounds run;
- `markets`: every student (and the baseline) in joining order, the key in their page's
  address, a hash of their browser's session cookie, and the days their market has run;
- `levers`: every lever a student moved, in order, with the day after which it acts;
- `days`: each market's daily measures (its results), one JSON row per day;
- `answers`: the answers typed, per question.

A market is not pickled: it is rebuilt by replaying its levers day by day from the class's seed
(the engine is deterministic for a seed and a lever history; `tests/test_class_store.py` checks
it byte for byte). Values are JSON (data, never code).
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.classroom.days_table import DaysTable
from sim.errors import ScenarioError

FILE_NAME = "class.sqlite"
FORMAT = 1
"""Bumped when the tables change; an older file is refused with one line, not misread."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS markets (
    name TEXT PRIMARY KEY, position INTEGER NOT NULL, key TEXT, browser TEXT,
    day INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS levers (
    name TEXT NOT NULL, seq INTEGER NOT NULL, day INTEGER NOT NULL, lever TEXT NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (name, seq));
CREATE TABLE IF NOT EXISTS days (
    name TEXT NOT NULL, day INTEGER NOT NULL, row TEXT NOT NULL, PRIMARY KEY (name, day));
CREATE TABLE IF NOT EXISTS answers (
    name TEXT NOT NULL, question INTEGER NOT NULL, text TEXT NOT NULL,
    PRIMARY KEY (name, question));
"""


@dataclass(frozen=True)
class StoredMarket:
    """One market as stored: who, their key and browser, days run, levers moved."""

    name: str
    key: str | None
    browser: str | None
    day: int
    levers: list[tuple[int, str, Any]]
    """(day after which it acts, lever key, value), in the order they were moved."""


@dataclass(frozen=True)
class DaysRun:
    """New daily rows of one market: `rows[i]` is day `first_day + i`; `day` is days run now."""

    name: str
    first_day: int
    rows: list[str]

    @property
    def day(self) -> int:
        """Days the market has run once these rows are in."""
        return self.first_day + len(self.rows) - 1


class ClassStore:
    """The class's SQLite file; every method is one transaction, safe from any thread."""

    def __init__(self, folder: Path) -> None:
        folder = Path(folder)
        self.path = folder / FILE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at each checkpoint
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ScenarioError(f"{self.path}: cannot be used as a class's file ({exc})") from None
        self.lock = threading.Lock()
        stored = self.meta().get("format")
        if stored is not None and stored != FORMAT:
            raise ScenarioError(f"{self.path}: format {stored}, this version reads {FORMAT}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: an error (or a crash) inside leaves the file as it was before."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def meta(self) -> dict[str, Any]:
        """The class's settings (empty for a new file)."""
        with self.lock:
            rows = self.db.execute("SELECT key, value FROM meta").fetchall()
        return {key: json.loads(value) for key, value in rows}

    def set_meta(self, **values: Any) -> None:
        """Keep class settings (mode, rounds, ...)."""
        with self.transaction() as db:
            write_meta(db, values)

    def add_market(self, name: str, key: str | None, browser: str | None) -> None:
        """A student (or the baseline, without a key) joins at the end of the list."""
        with self.transaction() as db:
            (position,) = db.execute("SELECT COUNT(*) FROM markets").fetchone()
            db.execute(
                "INSERT INTO markets (name, position, key, browser) VALUES (?, ?, ?, ?)",
                (name, position, key, browser),
            )

    def add_lever(self, name: str, day: int, lever: str, value: Any) -> None:
        """A lever moved after `day` days (it acts from day `day + 1`)."""
        with self.transaction() as db:
            (seq,) = db.execute("SELECT COUNT(*) FROM levers WHERE name = ?", (name,)).fetchone()
            db.execute(
                "INSERT INTO levers (name, seq, day, lever, value) VALUES (?, ?, ?, ?, ?)",
                (name, seq, day, lever, json.dumps(value)),
            )

    def drop_levers_after(self, name: str, day: int) -> None:
        """Forget `name`'s lever moves made after `day` days (their market's process died before
        those days ran: `StudentMarket.lose`). They are the last ones: moves come in day order."""
        with self.transaction() as db:
            db.execute("DELETE FROM levers WHERE name = ? AND day > ?", (name, day))

    def add_days(self, runs: Iterable[DaysRun], **meta: Any) -> None:
        """Days run by one or more markets (a round: every market) and any class settings that
        change with them, in one transaction: a round is stored whole or not at all."""
        with self.transaction() as db:
            for run in runs:
                db.executemany(
                    "INSERT OR REPLACE INTO days (name, day, row) VALUES (?, ?, ?)",
                    [(run.name, run.first_day + i, row) for i, row in enumerate(run.rows)],
                )
                db.execute("UPDATE markets SET day = ? WHERE name = ?", (run.day, run.name))
            write_meta(db, meta)

    def set_answer(self, name: str, question: int, text: str) -> None:
        """A student's answer to question `question` (0-based)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO answers (name, question, text) VALUES (?, ?, ?)",
                (name, question, text),
            )

    def markets(self) -> list[StoredMarket]:
        """Every market in joining order, with its levers."""
        with self.lock:
            rows = self.db.execute(
                "SELECT name, key, browser, day FROM markets ORDER BY position"
            ).fetchall()
            levers = self.db.execute(
                "SELECT name, day, lever, value FROM levers ORDER BY name, seq"
            ).fetchall()
        moved: dict[str, list[tuple[int, str, Any]]] = {}
        for name, day, lever, value in levers:
            moved.setdefault(name, []).append((day, lever, json.loads(value)))
        return [StoredMarket(n, k, b, d, moved.get(n, [])) for n, k, b, d in rows]

    def rows(self, name: str) -> list[str]:
        """A market's daily rows (JSON), day 1 first."""
        with self.lock:
            found = self.db.execute(
                "SELECT row FROM days WHERE name = ? ORDER BY day", (name,)
            ).fetchall()
        return [row for (row,) in found]

    def answers(self, name: str) -> dict[int, str]:
        """A student's answers by question (0-based)."""
        with self.lock:
            found = self.db.execute(
                "SELECT question, text FROM answers WHERE name = ?", (name,)
            ).fetchall()
        return dict(found)

    def close(self) -> None:
        """Close the file (tests; the server keeps it open while it runs)."""
        with self.lock:
            self.db.close()


def write_meta(db: sqlite3.Connection, values: dict[str, Any]) -> None:
    """Upsert class settings inside the caller's transaction."""
    db.executemany(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        [(key, json.dumps(value)) for key, value in values.items()],
    )


def day_rows(days: DaysTable) -> list[str]:
    """Daily rows as JSON text, one per day (floats written exactly: `repr` round-trips; the
    day as a whole number, as pandas' `to_dict` wrote it), from the days' numbers in one
    `tolist` (this runs at every step of every student).

    Finite numbers fill a template of the row (`row_template`), one `%` a row: `json.dumps`
    of a dict per day cost about 75 us a day in the markets' process (a fifth of a step's
    work outside the engine), and writes a finite float as its `repr`, as `%r` does. NaN or
    infinities (JSON's own spellings) still go through `json.dumps`."""
    rows = days.values.tolist()
    if np.isfinite(days.values).all():
        template = row_template(days.columns)
        return [template % tuple(row) for row in rows]
    for row in rows:
        row[0] = int(row[0])
    return [json.dumps(dict(zip(days.columns, row, strict=True))) for row in rows]


@functools.lru_cache(maxsize=16)
def row_template(columns: tuple[str, ...]) -> str:
    """`json.dumps` of a day's row as a %-template: each key as JSON writes it (a `%` in it
    doubled), the first column (the day) as a whole number, the others as their `repr`."""
    keys = [json.dumps(column).replace("%", "%%") for column in columns]
    values = ["%d"] + ["%r"] * (len(columns) - 1)
    return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True)) + "}"


def frame_from_rows(rows: list[str]) -> pd.DataFrame:
    """Stored daily rows back as a table."""
    return pd.DataFrame.from_records([json.loads(row) for row in rows])
