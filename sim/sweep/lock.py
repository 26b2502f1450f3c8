"""One sweep at a time per results folder: a lock file, `<results>/sweep.lock`.

Two identical sweeps into the same folder would both run every run. The lock is an exclusive
`fcntl.flock` on the file, which the kernel drops when its holder dies however it dies, so a
lock can never outlive its sweep; the file's content (pid, host, start time, command) only says
who holds it. A file whose lock nobody holds (left by a killed sweep) is taken over, saying so.

The lock is re-entrant within a process (`mot sweep` takes it before printing anything, then
`run_experiment` takes it again), since two flocks of one process on one file would conflict.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.reliability.durable import missing_folders, remove_if_empty
from sim.reliability.process_hygiene import alive

LOCK_NAME = "sweep.lock"
"""The lock file, inside the results folder."""

_HELD: dict[Path, int] = {}
"""Folders this process holds, with how many nested holds (re-entrancy)."""


class FolderLocked(UsageError):
    """Another sweep holds the results folder (exit status 2, one line naming it)."""


def stderr_line(text: str) -> None:
    """Print one line on stderr."""
    print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def folder_lock(
    folder: Path,
    say: Callable[[str], None] | None = None,
    command: Sequence[str] | None = None,
) -> Iterator[Path]:
    """Hold `folder`'s lock for the block (created if needed), released on any exit.

    Raises `FolderLocked` without writing anything if another live sweep holds it. Folders
    this call created are removed again if they are still empty at the end. `say` prints the
    one line about a stale lock taken over (default: stderr).
    """
    folder = Path(folder)
    say = say or stderr_line
    key = folder.resolve()
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield folder / LOCK_NAME
        finally:
            _HELD[key] -= 1
        return
    created = missing_folders(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = acquire(
            folder / LOCK_NAME, say, list(command or [Path(sys.argv[0]).name, *sys.argv[1:]])
        )
    except BaseException:
        remove_if_empty(created)
        raise
    _HELD[key] = 1
    try:
        yield folder / LOCK_NAME
    finally:
        del _HELD[key]
        release(fd, folder / LOCK_NAME)
        remove_if_empty(created)


def acquire(path: Path, say: Callable[[str], None], command: list[str]) -> int:
    """Lock `path` and record who we are in it; return the open descriptor."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = read_record(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise UsageError(f"{path}: cannot lock: {exc.strerror}") from None
            raise FolderLocked(held_message(path.parent, holder)) from None
        if same_file(fd, path):
            break
        os.close(fd)  # the holder removed the file as we opened it: lock the new one
    previous = read_record(fd)
    if previous:
        say(stale_message(path, previous))
    write_record(fd, command)
    return fd


def release(fd: int, path: Path) -> None:
    """Remove the file while still holding it (so nobody locks a removed file), then unlock."""
    with contextlib.suppress(OSError):
        path.unlink()
    os.close(fd)


def same_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the file open as `fd`."""
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def write_record(fd: int, command: list[str]) -> None:
    """Pid, host, start time and command, as one JSON line (replacing any older record)."""
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join(command),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
    os.fsync(fd)


def read_record(fd: int) -> dict[str, Any]:
    """The record in an open lock file ({} if empty or unreadable: written as we read it)."""
    try:
        data = json.loads(os.pread(fd, 65536, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def held_message(folder: Path, holder: dict[str, Any]) -> str:
    """One line: who holds the folder, since when, and what to do."""
    who = describe(holder) if holder else "another process (it is starting)"
    return (
        f"{folder} is in use by another sweep: {who}. "
        "Wait for it to finish, or stop it and run this command again (it resumes)."
    )


def stale_message(path: Path, previous: dict[str, Any]) -> str:
    """One line: the lock of a sweep that is gone is taken over."""
    pid, host = previous.get("pid"), previous.get("host")
    state = "no longer running" if host == socket.gethostname() and not alive(pid) else "gone"
    return f"taking over the stale lock {path} of {describe(previous)} ({state})"


def describe(record: dict[str, Any]) -> str:
    """`pid 123 on host since 2026-01-01T12:00:00+00:00 (mot sweep ...)`."""
    text = f"pid {record.get('pid', '?')} on {record.get('host', '?')}"
    text += f" since {record.get('started', '?')}"
    return text + (f" ({record['command']})" if record.get("command") else "")
