"""Results on disk: one folder per run, written atomically, with a manifest to reproduce it.

Layout (see `results/README.md`): ``results/<scenario-name>/<run-id>/`` holding tables
(Parquet for analysis, CSV for spreadsheets), ``kpis.json``, charts and ``manifest.json``.
Every file is written under a temporary name and renamed into place, and a run's folder is
built as a hidden sibling and renamed when complete, so a crash or Ctrl-C never leaves a
half-written result where a reader would look (POSIX rename is atomic on one file system).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import StoreError
from sim.reliability.durable import (
    fsync_folder,
    missing_folders,
    remove_if_empty,
    sync_existing,
    temp_path,
)
from sim.reliability.process_hygiene import alive
from sim.scenario.config import read_toml

RESULTS_ROOT = Path("results")
"""Default results folder, relative to the working directory (git-ignored but for its README)."""

PACKAGES: tuple[str, ...] = (
    "moments-of-truth",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "pydantic",
    "matplotlib",
    "networkx",
    "SALib",
    "dask",
    "pyabc",
)
"""Packages whose versions the manifest records (missing ones are skipped)."""


@contextlib.contextmanager
def atomic_folder(final: Path) -> Iterator[Path]:
    """Yield a hidden temporary sibling of `final`, renamed to `final` when the block succeeds.

    On any exception (including Ctrl-C) the temporary folder, and any parent folders this call
    created, are removed and the exception propagates; `OSError`s become `StoreError`s.
    Refuses to overwrite an existing `final`.

    Raises:
        StoreError: `final` exists, or its parent cannot be created or written.
    """
    final = Path(final)
    if final.exists():
        raise StoreError(f"{final}: already exists; results are never overwritten")
    created = missing_folders(final.parent)
    remove_stale_temporaries(final.parent)
    temp = final.parent / f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        temp.mkdir()
    except OSError as exc:
        remove_if_empty(created)
        raise StoreError(f"{final.parent}: cannot write results: {_reason(exc)}") from None
    try:
        yield temp
        if final.exists():
            raise StoreError(f"{final}: already exists; results are never overwritten")
        temp.rename(final)
    except BaseException as exc:
        shutil.rmtree(temp, ignore_errors=True)
        remove_if_empty(created)
        if isinstance(exc, OSError):
            raise StoreError(f"{final}: cannot write results: {_reason(exc)}") from None
        raise


def remove_stale_temporaries(parent: Path) -> list[Path]:
    """Remove hidden temporary folders left in `parent` by a process that no longer runs.

    A `kill -9` (or a power cut) gives `atomic_folder` no chance to clean up; the folder's name
    carries its writer's pid, so the next writer in the same place removes it. Folders of a
    live process (another run writing now) are left alone.
    """
    removed = []
    for temp in parent.glob(".*.*-*.tmp") if parent.is_dir() else ():
        pid = temp.name.rsplit(".", 2)[-2].split("-")[0]
        if temp.is_dir() and pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(temp, ignore_errors=True)
            removed.append(temp)
    return removed


def _reason(exc: OSError) -> str:
    """The short reason of an OS error ("Permission denied"), without the errno noise."""
    return exc.strerror or str(exc)


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(temp_path)`, then durably rename the temporary file to `path`.

    The temporary file is fsynced before the rename and the folder after it (`sim.reliability.durable`),
    so after a power cut `path` holds its old or its new content, never zero bytes; the
    temporary file is removed on failure.
    """
    path = Path(path)
    temp = temp_path(path)
    try:
        write(temp)
        sync_existing(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write a UTF-8 text file atomically."""
    return atomic_write(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def write_json(path: Path, obj: Any) -> Path:
    """Write `obj` as indented JSON atomically; NaN and infinities become null (valid JSON)."""
    text = json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n"
    return write_text(path, text)


def to_jsonable(obj: Any) -> Any:
    """`obj` with numpy values, paths and timestamps made plain, NaN/inf as None."""
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Path | datetime):
        return str(obj)
    return obj


def write_table(
    frame: pd.DataFrame, folder: Path, stem: str, csv: bool = True, parquet: bool = True
) -> list[Path]:
    """Write `frame` as `<stem>.parquet` and/or `<stem>.csv` in `folder`; return the paths."""
    folder = Path(folder)
    written = []
    if parquet:
        target = folder / f"{stem}.parquet"
        written.append(atomic_write(target, lambda temp: frame.to_parquet(temp, index=False)))
    if csv:
        target = folder / f"{stem}.csv"
        written.append(atomic_write(target, lambda temp: frame.to_csv(temp, index=False)))
    return written


def scenario_files(path: Path) -> list[Path]:
    """A scenario file followed by the files it `extends`, in order (for copying)."""
    chain = [Path(path)]
    while isinstance(base := read_toml(chain[-1]).get("extends"), str):
        base_path = chain[-1].parent / base
        if base_path.resolve() in {p.resolve() for p in chain} or not base_path.is_file():
            break  # config.load_scenario reports these; here we only collect files
        chain.append(base_path)
    return chain


def write_manifest(
    folder: Path,
    *,
    scenario_files: Sequence[Path],
    seeds: Sequence[int],
    argv: Sequence[str],
    started: datetime,
    finished: datetime,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Copy the scenario files into `folder` and write `manifest.json` describing the run.

    The first scenario file is copied as `scenario.toml`; files it extends keep their names (a
    clashing name gets an index prefix), so ``extends = "base.toml"`` of a file in the same
    folder still resolves inside the results folder. The manifest records each
    file's sha256, the seeds, package versions, the git commit, the command line and times.
    """
    folder = Path(folder)
    copies = []
    used: set[str] = set()
    for index, source in enumerate(scenario_files):
        source = Path(source)
        name = "scenario.toml" if index == 0 else source.name
        name = name if name not in used else f"{index}_{name}"
        used.add(name)
        data = source.read_bytes()
        atomic_write(folder / name, lambda temp, data=data: temp.write_bytes(data))
        copies.append(
            {"path": str(source), "copy": name, "sha256": hashlib.sha256(data).hexdigest()}
        )
    manifest = {
        "scenario_files": copies,
        "seeds": [int(s) for s in seeds],
        "command": list(argv),
        "command_line": shlex.join(argv),
        "working_directory": str(Path.cwd()),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 3),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_state(),
        **(extra or {}),
    }
    return write_json(folder / "manifest.json", manifest)


def package_versions(names: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of `names` (packages that are not installed are left out)."""
    versions = {}
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def git_state() -> dict[str, Any] | None:
    """The commit of the source checkout and whether tracked files differ from it, or None."""
    source_dir = Path(__file__).resolve().parent
    try:
        commit = _git(source_dir, "rev-parse", "HEAD")
        dirty = bool(_git(source_dir, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def _git(cwd: Path, *args: str) -> str:
    """Output of a git command in `cwd`; raises if git is missing or fails."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
    )
    return done.stdout.strip()


def new_run_id() -> str:
    """A sortable, unique run id: UTC time to the second plus 6 random hex digits."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def safe_name(name: str, what: str = "name") -> str:
    """`name` if it is a single, visible folder name; a `StoreError` naming `what` otherwise.

    Stops a scenario name such as ``..`` or ``../../etc`` from placing results outside the
    results folder.
    """
    bad = (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or any(sep in name for sep in ("/", "\\", "\0"))
        or Path(name).is_absolute()
        or name != name.strip()
    )
    if bad:
        raise StoreError(
            f"{what}: {name!r} is not a usable folder name (no '/', '..' or leading '.')"
        )
    return name


def run_folder(root: Path, scenario_name: str, run_id: str | None = None) -> Path:
    """``root/<scenario_name>/<run_id>``: each part a single folder name, so it stays in `root`."""
    return (
        Path(root) / safe_name(scenario_name, "name") / safe_name(run_id or new_run_id(), "run id")
    )


def started_now() -> datetime:
    """The current time, timezone-aware, for manifests."""
    return datetime.now().astimezone()
