"""Runs, their keys, and the Parquet part files that make a sweep resumable.

Every run has a key: a hash of the model version, the run's full settings (JSON) and its seed.
Finished chunks of runs are written as Parquet parts (a temporary name, then an atomic rename)
in `results/<experiment>/parts/`. A rerun reads the parts, skips every key already finished and
runs only what is missing, so an interrupted sweep (Ctrl-C, kill -9, a dead Dask worker) loses
no finished run, and the final table equals an uninterrupted sweep's exactly: each run's result
depends only on its settings and seed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.config import set_path, validate_scenario
from sim.kpis import KPI_NAMES
from sim.runner import replication_seeds, run_once
from sim.settings import Scenario
from sim.store import atomic_write

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


ENGINE_SOURCES: tuple[str, ...] = ("*.py", "strategies/*.py")
"""The engine's modules (relative to the `sim` package): their code decides a run's numbers."""


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


class PartStore:
    """The `parts/` folder of a sweep: atomic part writes, and what is already finished."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"PartStore({str(self.folder)!r})"

    def prepare(self) -> None:
        """Create the folder and remove temporary files left by a killed sweep."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for temp in self.folder.glob(".*.tmp"):
            temp.unlink(missing_ok=True)

    def write(self, part: pd.DataFrame) -> Path:
        """Write a finished chunk under a temporary name and rename it into place."""
        name = f"part-{time.time_ns():020d}-{secrets.token_hex(4)}.parquet"
        return atomic_write(self.folder / name, lambda temp: part.to_parquet(temp, index=False))

    def paths(self) -> list[Path]:
        """Finished part files, oldest first."""
        return sorted(self.folder.glob("part-*.parquet"))

    def read(self) -> pd.DataFrame:
        """Every row of every part (oldest first)."""
        frames = [pd.read_parquet(path) for path in self.paths()]
        frames = [frame.astype(part_dtypes()) for frame in frames if len(frame)]
        return pd.concat(frames, ignore_index=True) if frames else empty_part()

    def finished_keys(self) -> set[str]:
        """Keys of runs that finished without error (failed runs are tried again)."""
        rows = self.read()
        return set(rows.loc[rows["status"] == "ok", "key"])


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
