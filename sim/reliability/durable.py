"""Durable file writes: after kill -9 or a power cut a file holds either its old or its new
complete content, never a mix, a truncation or zero bytes.

`os.replace` alone is atomic for other processes but not for the disk: without `fsync` the
rename can reach the disk before the data (delayed allocation on ext4, XFS), leaving a
zero-byte file after a power cut. So every writer here writes a temporary file in the same
folder (same file system, so the rename is atomic), flushes and fsyncs it, renames it over the
final name and fsyncs the folder, so the rename itself is on disk before we go on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TEMP_GLOB = ".*.tmp"
"""Temporary files left by a killed writer match this (`.<name>.<random>.tmp`)."""


def temp_path(path: Path) -> Path:
    """A fresh hidden temporary name next to `path` (same folder, so the rename is atomic)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


@contextlib.contextmanager
def atomic_writer(path: Path, binary: bool = True) -> Iterator[IO[Any]]:
    """An open file whose content replaces `path` durably when the block ends without error.

    If the block raises (or the process dies), `path` keeps its old content and the temporary
    file is removed (or, after kill -9, left under a name matching `TEMP_GLOB`).
    """
    path = Path(path)
    temp = temp_path(path)
    try:
        mode, encoding = ("xb", None) if binary else ("x", "utf-8")
        with open(temp, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    """Replace `path` with `data`, durably (see the module docstring)."""
    with atomic_writer(path) as f:
        f.write(data)
    return Path(path)


def write_text_atomically(path: Path, text: str) -> Path:
    """Replace `path` with UTF-8 `text`, durably."""
    return write_bytes_atomically(path, text.encode("utf-8"))


def write_json_atomically(path: Path, obj: Any) -> Path:
    """Replace `path` with `obj` as indented JSON, durably."""
    return write_text_atomically(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (new names, renames) to disk.

    Some file systems cannot fsync a folder (EINVAL); there the rename is as durable as the
    file system allows, which is all we can do.
    """
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def sync_existing(path: Path) -> None:
    """fsync a file someone else already wrote and renamed, and its folder."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_folder(Path(path).parent)


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's content, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def missing_folders(folder: Path) -> list[Path]:
    """`folder` and its ancestors that do not exist yet, deepest first (to undo a mkdir -p)."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def remove_if_empty(folders: list[Path]) -> None:
    """Remove folders (deepest first) that are still empty; leave anything else alone.

    A refused or failed write then leaves no empty folder tree behind it.
    """
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()
