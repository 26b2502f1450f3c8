"""Worker processes that never outlive the `mot` command that started them.

`mot sweep` and `mot compare` run replications in a forkserver `ProcessPoolExecutor`. Python
lets those processes outlive their parent: after a `kill -9` the workers wait forever for work
on a queue they hold both ends of, and the forkserver and the resource tracker stay up as long
as any worker holds their pipes (all three were found alive 15 minutes later, issue 11).

The fix needs only the workers to die: the forkserver exits when the last holder of its "alive"
pipe (the command and the workers) is gone, and the resource tracker when the last holder of
its pipe is gone. So each worker watches the command's process, not its own parent (the
forkserver, which would only die after the workers: `PR_SET_PDEATHSIG` cannot break that
circle), and exits at once when the command ends, however it ended. On Linux the watch is a
pidfd (the kernel wakes the watcher: no polling); elsewhere the watcher polls the pid.

When the command itself stops early (an error, Ctrl-C, SIGTERM), `worker_pool` terminates the
workers instead of waiting for their chunks to finish, so the command exits within a second.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

POLL_S = 0.5
"""How often a worker checks its command where pidfds are missing (non-Linux): well under 5 s."""
ORPHAN_EXIT = 70
"""Exit status of a worker whose command is gone (EX_SOFTWARE; nobody is left to read it)."""


@contextlib.contextmanager
def worker_pool(workers: int, preload: Sequence[str]) -> Iterator[ProcessPoolExecutor]:
    """A forkserver pool of `workers` processes that end with this process, whatever happens.

    The forkserver imports `preload` once, so each worker starts with the engine imported (fast,
    and safe next to the progress bar's thread, unlike a plain fork). Leaving the block normally
    waits for the pool to wind down; leaving it with an exception (Ctrl-C, SIGTERM) first
    terminates the workers, so work in flight is dropped rather than waited for.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=exit_with,
        initargs=(os.getpid(),),
    )
    try:
        yield pool
    except BaseException:
        terminate_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def terminate_workers(pool: ProcessPoolExecutor) -> None:
    """Send SIGTERM to the pool's live workers (Python 3.12 has no public call for this)."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, ValueError):
            process.terminate()


def exit_with(pid: int) -> None:
    """Pool initializer: leave Ctrl-C to the command, and exit as soon as process `pid` ends.

    A terminal's Ctrl-C reaches every process of the foreground group; the command handles it
    (and terminates the workers), so workers ignore SIGINT instead of each printing a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watcher = threading.Thread(
        target=_exit_when_gone, args=(pid,), name=f"exit-with-{pid}", daemon=True
    )
    watcher.start()


def _exit_when_gone(pid: int) -> None:
    """Block until `pid` has ended, then end this whole process at once (no cleanup to run)."""
    wait_for_exit(pid)
    os._exit(ORPHAN_EXIT)


def wait_for_exit(pid: int, poll_s: float = POLL_S) -> None:
    """Return once process `pid` has ended (at once if it already has)."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfds (macOS, old kernels): poll the pid
        while alive(pid):
            time.sleep(poll_s)
        return
    try:
        select.select([descriptor], [], [])
    finally:
        os.close(descriptor)


def alive(pid: object) -> bool:
    """Whether a process `pid` exists on this machine (one owned by another user counts)."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_in_chunks(
    jobs: Sequence[Any],
    run_chunk: Callable[[list[Any]], list[dict]],
    *,
    workers: int,
    quiet: bool,
    verb: str,
    preload: Sequence[str],
) -> list[dict]:
    """Every job, in chunks (about four per worker, so one slow chunk does not idle the rest)
    over `worker_pool`, with a progress bar labelled `verb` on a terminal; the outputs of
    `run_chunk` (a module-level function, so workers can import it) in completion order."""
    from concurrent.futures import as_completed

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    jobs = list(jobs)
    size = max(1, -(-len(jobs) // (4 * workers)))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    console = Console(stderr=True)
    columns = (TextColumn(verb), BarColumn(), MofNCompleteColumn(), TextColumn("runs"))
    show = not quiet and console.is_terminal
    outputs: list[dict] = []
    with Progress(
        *columns, TimeRemainingColumn(), console=console, transient=True, disable=not show
    ) as progress:
        task = progress.add_task("runs", total=len(jobs))
        if workers == 1:
            for chunk in chunks:
                outputs += run_chunk(chunk)
                progress.advance(task, len(chunk))
            return outputs
        with worker_pool(workers, preload=preload) as pool:
            futures = {pool.submit(run_chunk, chunk): len(chunk) for chunk in chunks}
            for future in as_completed(futures):
                outputs += future.result()
                progress.advance(task, futures[future])
    return outputs
