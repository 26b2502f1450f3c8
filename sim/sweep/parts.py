"""Runs, their keys, and the Parquet part files that make a sweep resumable.

Every run has a key: a hash of the model version, the run's full settings (JSON) and its seed.
Finished chunks of runs are written as Parquet parts in `results/<experiment>/parts/`, durably
(`sim.reliability.durable`: temporary name, fsync, rename, fsync of the folder), and each part's sha256 and
size are recorded in `parts/manifest.json` before the part itself is written, so every part on
disk is listed. A rerun first checks every part against that list; a damaged one (zero bytes,
truncated, other bytes, unreadable, unlisted) is moved to `results/<experiment>/damaged/` and
its runs simply count as not done. It then skips every key already finished and runs only what
is missing, so an interrupted sweep (Ctrl-C, kill -9, a dead Dask worker, a power cut) loses no
finished run, and the final table equals an uninterrupted sweep's exactly: each run's result
depends only on its settings and seed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.reliability.durable import (
    TEMP_GLOB,
    fsync_folder,
    sha256_bytes,
    sha256_file,
    write_bytes_atomically,
    write_json_atomically,
)
from sim.reports.kpis import KPI_NAMES
from sim.runner import replication_seeds, run_once
from sim.scenario.config import set_path, validate_scenario
from sim.scenario.settings import Scenario

PART_COLUMNS: tuple[str, ...] = (
    "key",
    "point",
    "replication",
    "seed",
    "status",
    "error",
    "kpi",
    "value",
    "seconds",
)
"""Columns of a part file: one row per run and KPI (one row with an empty KPI for a failure)."""


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a design point, a replication, its seed and full settings."""

    point: int
    replication: int
    seed: int
    settings_json: str
    key: str

    def __repr__(self) -> str:
        return f"RunSpec(point={self.point}, replication={self.replication}, key={self.key})"


ENGINE_SOURCES: tuple[str, ...] = (
    "*.py",
    "market/*.py",
    "journey/*.py",
    "scenario/*.py",
    "strategies/*.py",
    "reports/*.py",
)
"""The engine's wings (relative to the `sim` package): their code decides a run's numbers."""


@functools.cache
def model_version() -> str:
    """`sim.__version__` plus a digest of the engine's source, so an edited engine (in a shared
    checkout the version is rarely bumped) never reuses parts computed by older code."""
    root = Path(sim.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for pattern in ENGINE_SOURCES for p in root.glob(pattern)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{sim.__version__}+{digest.hexdigest()[:12]}"


def run_key(settings_json: str, seed: int, version: str | None = None) -> str:
    """A stable id: sha256 of the model version, the settings JSON and the seed (16 hex)."""
    text = f"{version or model_version()}\n{settings_json}\n{seed}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def plan_runs(base: Scenario, design: pd.DataFrame, replications: int, seed: int) -> list[RunSpec]:
    """Every (point, replication) of a design. Replication i uses the same seed at every point
    (common random numbers, Law 2015 ch. 11), so differences between points are not noise."""
    seeds = replication_seeds(seed, replications)
    raw = base.model_dump(mode="json")
    specs = []
    for row in design.to_dict("records"):
        point = int(row.pop("point"))
        settings = json.loads(json.dumps(raw))
        for dotted, value in row.items():
            set_path(settings, dotted, plain(value), source="design")
        settings_json = json.dumps(settings, sort_keys=True)
        for replication, run_seed in enumerate(seeds):
            key = run_key(settings_json, run_seed)
            specs.append(RunSpec(point, replication, run_seed, settings_json, key))
    return specs


def plain(value: Any) -> Any:
    """A numpy scalar as a Python value, so it serialises to JSON."""
    return value.item() if hasattr(value, "item") else value


def run_chunk(specs: list[RunSpec]) -> pd.DataFrame:
    """Run a chunk of runs (on a worker) and return their tidy rows; a run that raises is
    recorded as failed with its one-line error and the chunk carries on."""
    frames = [run_spec(spec) for spec in specs]
    return pd.concat(frames, ignore_index=True) if frames else empty_part()


def run_spec(spec: RunSpec) -> pd.DataFrame:
    """One run's rows: every KPI (so outputs can change without rerunning), or one failure."""
    started = time.perf_counter()
    base = {"key": spec.key, "point": spec.point, "replication": spec.replication}
    base["seed"] = spec.seed
    try:
        scenario = validate_scenario(json.loads(spec.settings_json), f"point {spec.point}")
        kpis = run_once(scenario, spec.seed, spec.replication).kpis
    except (
        Exception
    ) as exc:  # a failed run (bad settings or an engine error) must not stop the sweep
        row = {**base, "status": "failed", "error": one_line(exc), "kpi": "", "value": None}
        row["seconds"] = time.perf_counter() - started
        return pd.DataFrame([row], columns=list(PART_COLUMNS)).astype(part_dtypes())
    seconds = time.perf_counter() - started
    rows = [
        {**base, "status": "ok", "error": "", "kpi": name, "value": kpis[name], "seconds": seconds}
        for name in KPI_NAMES
    ]
    return pd.DataFrame(rows, columns=list(PART_COLUMNS)).astype(part_dtypes())


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def part_dtypes() -> dict[str, str]:
    """Column types of part files (stable, so parts concatenate and compare exactly)."""
    return {
        "key": "str",
        "point": "int64",
        "replication": "int64",
        "seed": "int64",
        "status": "str",
        "error": "str",
        "kpi": "str",
        "value": "float64",
        "seconds": "float64",
    }


def empty_part() -> pd.DataFrame:
    """A part with no rows."""
    return pd.DataFrame(columns=list(PART_COLUMNS)).astype(part_dtypes())


LISTING_NAME = "manifest.json"
"""The parts' manifest, inside `parts/`: every part's sha256 and size."""
DAMAGED_FOLDER = "damaged"
"""Where damaged parts go, next to `parts/` (kept for inspection, never read again)."""


class PartStore:
    """The `parts/` folder of a sweep: durable part writes with checksums, damaged parts set
    aside, and what is already finished."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._listing: dict[str, dict[str, Any]] | None = None
        self._listing_problem: str | None = None

    def __repr__(self) -> str:
        return f"PartStore({str(self.folder)!r})"

    @property
    def damaged_folder(self) -> Path:
        """`<results>/damaged/`, next to `parts/`."""
        return self.folder.parent / DAMAGED_FOLDER

    def prepare(self) -> None:
        """Create the folder and remove temporary files left by a killed sweep."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for temp in self.folder.glob(TEMP_GLOB):
            temp.unlink(missing_ok=True)

    def listing(self) -> dict[str, dict[str, Any]]:
        """Part name -> {"sha256", "bytes"}, from `parts/manifest.json` (empty if absent)."""
        if self._listing is None:
            self._listing, self._listing_problem = read_listing(self.folder / LISTING_NAME)
        return self._listing

    def write(self, part: pd.DataFrame) -> Path:
        """Write a finished chunk durably, listing its checksum first.

        Listed first, so a part on disk is always listed: a kill between the two writes leaves a
        listed name with no file, which the next check simply forgets.
        """
        data = part.to_parquet(index=False)
        name = f"part-{time.time_ns():020d}-{secrets.token_hex(4)}.parquet"
        self.listing()[name] = {"sha256": sha256_bytes(data), "bytes": len(data)}
        self._save_listing()
        return write_bytes_atomically(self.folder / name, data)

    def paths(self) -> list[Path]:
        """Finished part files, oldest first."""
        return sorted(self.folder.glob("part-*.parquet"))

    def set_aside_damaged(self) -> list[str]:
        """Move every damaged part to `damaged/` and return one line per part saying so.

        Their runs then count as not done, so the sweep runs them again; a listed name without
        a file (killed between listing and writing it) is forgotten.
        """
        if not self.folder.is_dir():
            return []
        listing = self.listing()
        lines = self._set_aside_listing()
        for path in self.paths():
            reason = part_damage(path, listing.get(path.name))
            if reason is not None:
                listing.pop(path.name, None)
                lines.append(self._move_aside(path, reason))
        present = {path.name for path in self.paths()}
        forgotten = [name for name in listing if name not in present]
        for name in forgotten:
            del listing[name]
        if lines or forgotten:
            self._save_listing()
        return lines

    def read(self) -> pd.DataFrame:
        """Every row of every part (oldest first)."""
        frames = [pd.read_parquet(path) for path in self.paths()]
        frames = [frame.astype(part_dtypes()) for frame in frames if len(frame)]
        return pd.concat(frames, ignore_index=True) if frames else empty_part()

    def finished_keys(self) -> set[str]:
        """Keys of runs that finished without error (failed runs are tried again)."""
        rows = self.read()
        return set(rows.loc[rows["status"] == "ok", "key"])

    def _save_listing(self) -> None:
        """Rewrite `parts/manifest.json` durably."""
        entries = dict(sorted(self.listing().items()))
        write_json_atomically(self.folder / LISTING_NAME, {"format": 1, "parts": entries})

    def _set_aside_listing(self) -> list[str]:
        """An unreadable `parts/manifest.json` is moved aside too (its parts become unlisted)."""
        if self._listing_problem is None:
            return []
        line = self._move_aside(self.folder / LISTING_NAME, self._listing_problem)
        self._listing_problem = None
        return [line]

    def _move_aside(self, path: Path, reason: str) -> str:
        """Move `path` into `damaged/` (never overwriting) and say so in one line."""
        self.damaged_folder.mkdir(exist_ok=True)
        target = self.damaged_folder / path.name
        while target.exists():
            target = self.damaged_folder / f"{secrets.token_hex(2)}-{path.name}"
        os.replace(path, target)
        fsync_folder(self.folder)
        fsync_folder(self.damaged_folder)
        what = "part" if path.name != LISTING_NAME else "parts list"
        return (
            f"damaged {what} {path.name} ({reason}): moved to {target}; its runs will be done again"
        )


def read_listing(path: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The parts' manifest as name -> entry, and why it could not be read (None if it could)."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as exc:
        return {}, f"unreadable: {one_line(exc)}"
    parts = data.get("parts") if isinstance(data, dict) else None
    if not isinstance(parts, dict) or not all(isinstance(v, dict) for v in parts.values()):
        return {}, "unexpected content"
    return dict(parts), None


def part_damage(path: Path, entry: dict[str, Any] | None) -> str | None:
    """Why a part file cannot be trusted, or None if it is exactly what was written."""
    size = path.stat().st_size
    if size == 0:
        return "zero bytes"
    if entry is None:
        return f"not listed in {LISTING_NAME}"
    if size != entry.get("bytes"):
        return f"{size} bytes, {entry.get('bytes')} were written"
    if sha256_file(path) != entry.get("sha256"):
        return "sha256 differs from the one recorded"
    try:
        columns = list(pd.read_parquet(path).columns)
    except Exception as exc:  # any parser error means the same thing: unreadable
        return f"unreadable: {one_line(exc)}"
    return None if columns == list(PART_COLUMNS) else "unexpected columns"


def latest_outcomes(rows: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    """For each key of this sweep, its successful rows if any finished, else its last failure.

    A key can appear twice only if a worker finished a chunk the driver had not recorded yet
    (a killed sweep); both copies hold identical values, so the first successful copy is kept.
    """
    rows = rows[rows["key"].isin(keys)]
    ok = rows[rows["status"] == "ok"].drop_duplicates(["key", "kpi"], keep="first")
    failed = rows[(rows["status"] == "failed") & ~rows["key"].isin(set(ok["key"]))]
    failed = failed.drop_duplicates("key", keep="last")
    return pd.concat([ok, failed], ignore_index=True)
