"""Can results be written under `--out`? Checked before any work starts, refused in one line.

A sweep or a benchmark runs for minutes to hours; finding out at the end that `--out` is a
file, a read-only folder or a full disk wastes all of it (and used to end in a traceback). So
`check_out_folder` refuses such a folder up front, writing nothing, and `disk_errors` turns a
disk that fills up during the work into the same kind of one-line error.
"""

from __future__ import annotations

import errno
import functools
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from sim.errors import UsageError

P = ParamSpec("P")
R = TypeVar("R")

WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
"""Errors of a disk that fills up (or a quota) or is remounted read-only while results are
written; other errors are not about `--out` and keep their traceback."""


def nearest_existing(path: Path) -> Path:
    """`path` itself or its closest ancestor that exists (what a write there would hit first)."""
    return next((p for p in (path, *path.parents) if p.exists()), Path("."))


def check_out_folder(out: Path, option: str, need_bytes: int) -> None:
    """Refuse `out` unless it is (or can become) a folder that takes a write of `need_bytes`.

    The permission test is a real write (a probe file, removed at once), not `os.access`: root
    passes `os.access` everywhere, yet cannot write to a read-only mount or /proc."""
    existing = nearest_existing(Path(out))
    if not existing.is_dir():
        raise UsageError(f"{option}: {out}: {existing} is a file, not a folder")
    probe_write(existing, out, option)
    free = shutil.disk_usage(existing).free
    if free < need_bytes:
        raise UsageError(
            f"{option}: {out}: not enough free space: needs about {megabytes(need_bytes)}, "
            f"{megabytes(free)} free on {existing}"
        )


def probe_write(folder: Path, out: Path, option: str) -> None:
    """Create and remove a hidden file in `folder`, or refuse `out` in one line."""
    try:
        handle, name = tempfile.mkstemp(prefix=".mot-probe-", dir=folder)
    except OSError as exc:
        raise UsageError(f"{option}: {out}: cannot write in {folder}: {reason(exc)}") from None
    os.close(handle)
    os.unlink(name)


def disk_errors(option: str, hint: str = "") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a command's `run` so that a disk that fills up while results are written
    becomes one line naming the option, the file and `hint`, not a traceback."""

    def decorate(run: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(run)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return run(*args, **kwargs)
            except OSError as exc:
                if exc.errno not in WRITE_ERRORS:
                    raise
                where = f"{exc.filename}: " if exc.filename else ""
                raise UsageError(f"{option}: {where}{reason(exc)}{hint}") from None

        return guarded

    return decorate


def reason(exc: OSError) -> str:
    """An OSError's reason in words, without the file name (messages name it themselves)."""
    return (exc.strerror or str(exc)).lower()


def megabytes(size: int) -> str:
    """Bytes as MB, for messages."""
    return f"{size / 1e6:,.1f} MB"
