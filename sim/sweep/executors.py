"""Where chunks of runs execute: local processes (default) or a Dask cluster.

Both are standard `concurrent.futures.Executor`s, so the sweep loop does not care which:

- local: `ProcessPoolExecutor` with `--workers` processes (default 2, this machine's cores),
  started by a forkserver that has already imported the engine (fast, and safe with the
  progress bar's thread, unlike a plain fork), and ending with `mot` however it ends;
- Dask: `--dask tcp://host:8786` joins a running scheduler (for example one started by
  `dask-jobqueue` on Slurm or PBS; see docs/sweeps.md); `--dask local` starts a `LocalCluster`
  of `--workers` single-threaded processes. `client.get_executor(pure=False)`: chunks are
  never deduplicated, and a task lost with a dead worker is rescheduled by Dask.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass

from sim.errors import UsageError
from sim.reliability.process_hygiene import worker_pool


@dataclass
class ExecutorChoice:
    """How to run a sweep: `workers` local processes, or a Dask address (or "local")."""

    workers: int = 2
    dask: str | None = None

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise UsageError(f"--workers: must be >= 1, got {self.workers}")
        if self.dask is not None and self.dask != "local" and "://" not in self.dask:
            raise UsageError(
                f"--dask: expected 'local' or an address like tcp://host:8786, got {self.dask!r}"
            )

    def describe(self) -> str:
        """One line for the summary and the manifest."""
        if self.dask is None:
            return f"local processes x {self.workers}"
        if self.dask == "local":
            return f"dask LocalCluster x {self.workers}"
        return f"dask {self.dask}"


@contextlib.contextmanager
def open_executor(choice: ExecutorChoice) -> Iterator[Executor]:
    """The executor for `choice`, shut down (pending work cancelled) when the block ends."""
    if choice.dask is None:
        with local_executor(choice.workers) as executor:
            yield executor
    else:
        with dask_executor(choice) as executor:
            yield executor


@contextlib.contextmanager
def local_executor(workers: int) -> Iterator[Executor]:
    """Worker processes forked from a server that has imported the engine.

    They end with this process however it ends (even `kill -9`), and are terminated at once
    when the sweep stops early (Ctrl-C, SIGTERM): see `sim.reliability.process_hygiene`.
    """
    with worker_pool(workers, preload=["sim.sweep.parts"]) as executor:
        yield executor


@contextlib.contextmanager
def dask_executor(choice: ExecutorChoice) -> Iterator[Executor]:
    """A Dask client's executor, on a new LocalCluster or a running scheduler."""
    from distributed import Client, LocalCluster

    from sim.sweep.watch import watch_workers

    with contextlib.ExitStack() as stack:
        if choice.dask == "local":
            cluster = LocalCluster(
                n_workers=choice.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            stack.enter_context(cluster)
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(choice.dask, timeout="10s"))
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"--dask: cannot reach {choice.dask}: {exc}") from None
        executor = client.get_executor(pure=False)
        stack.enter_context(watch_workers(client))  # no workers: say so, never wait silently
        try:
            yield executor
        finally:
            executor.shutdown(wait=False)
