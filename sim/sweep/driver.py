"""The sweep loop: plan the runs, skip the finished ones, run the rest in chunks, save each chunk.

Chunks (several runs per task) keep the per-task overhead small (Dask: ~1.7 ms per task) while
leaving enough tasks to balance the workers and to checkpoint often. Each chunk is written as a
Parquet part the moment it comes back, so stopping the sweep at any point loses at most the
chunks still in flight.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, as_completed
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sim.sweep.parts import PART_COLUMNS, PartStore, RunSpec, one_line, part_dtypes, run_chunk

MAX_CHUNK = 20
"""Largest chunk: at ~0.1-1 s a run, a killed sweep loses at most ~20 s of work (assumption)."""
CHUNKS_PER_WORKER = 8
"""Chunks per worker when the size is automatic: enough to balance uneven runs (assumption)."""
DAMAGE_LINES = 5
"""Damaged parts named one per line; more are counted (a folder of old parts has many)."""


@dataclass
class SweepReport:
    """What a sweep session did."""

    runs: int
    skipped: int
    executed: int = 0
    failures: list[tuple[int, int, str]] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def rate(self) -> float:
        """Runs per second executed in this session."""
        return self.executed / self.wall_s if self.wall_s > 0 else math.nan

    def __repr__(self) -> str:
        return (
            f"SweepReport(runs={self.runs}, skipped={self.skipped}, executed={self.executed}, "
            f"failures={len(self.failures)}, wall_s={self.wall_s:.1f})"
        )


def chunk_size(pending: int, workers: int, requested: int | None = None) -> int:
    """Runs per task: `requested`, or about `CHUNKS_PER_WORKER` chunks per worker."""
    if requested is not None:
        return max(1, requested)
    return max(1, min(MAX_CHUNK, math.ceil(pending / (workers * CHUNKS_PER_WORKER))))


def chunks(specs: list[RunSpec], size: int) -> Iterator[list[RunSpec]]:
    """Consecutive chunks of `size` runs."""
    for start in range(0, len(specs), size):
        yield specs[start : start + size]


def run_sweep(
    specs: list[RunSpec],
    store: PartStore,
    open_executor: Callable[[], AbstractContextManager[Executor]],
    workers: int,
    size: int | None = None,
    console: Console | None = None,
    task: Callable[[list[RunSpec]], pd.DataFrame] = run_chunk,
) -> SweepReport:
    """Run every spec whose key has not finished yet, writing a part per finished chunk.

    `open_executor()` is entered only if some run is missing (a finished sweep starts nothing).
    Damaged parts are set aside first (one line each), so their runs count as missing.
    """
    report_damage(store.set_aside_damaged(), console)
    finished = store.finished_keys()
    pending = [spec for spec in specs if spec.key not in finished]
    report = SweepReport(runs=len(specs), skipped=len(specs) - len(pending))
    started = time.perf_counter()
    size = chunk_size(len(pending), workers, size)
    if not pending:
        return report
    with open_executor() as executor, make_progress(console) as progress:
        store.prepare()  # only once the executor is up: a bad --dask address writes nothing
        bar = progress.add_task("runs", total=len(specs), completed=report.skipped)
        futures: dict[Future, list[RunSpec]] = {
            executor.submit(task, chunk): chunk for chunk in chunks(pending, size)
        }
        try:
            for future in as_completed(futures):
                part = collect(future, futures.pop(future))
                store.write(part)
                report.executed += part["key"].nunique()
                report.failures += failures_in(part)
                progress.advance(bar, part["key"].nunique())
        finally:
            for future in futures:
                future.cancel()
    report.wall_s = time.perf_counter() - started
    return report


def report_damage(lines: list[str], console: Console | None, shown: int = DAMAGE_LINES) -> None:
    """One line per damaged part set aside (at most `shown`, then how many more)."""
    console = console or Console(stderr=True, soft_wrap=True)
    for line in lines[:shown]:
        console.print(line, markup=False, highlight=False)
    if len(lines) > shown:
        console.print(f"... and {len(lines) - shown} more damaged parts set aside", markup=False)


def collect(future: Future, chunk: list[RunSpec]) -> pd.DataFrame:
    """A chunk's rows, or every run of the chunk recorded as failed if the task itself died."""
    try:
        return future.result()
    except Exception as exc:  # a broken pool or a worker lost too often: record, carry on
        error = f"task failed: {one_line(exc)}"
        rows = [
            (s.key, s.point, s.replication, s.seed, "failed", error, "", math.nan, 0.0)
            for s in chunk
        ]
        return pd.DataFrame(rows, columns=list(PART_COLUMNS)).astype(part_dtypes())


def failures_in(part: pd.DataFrame) -> list[tuple[int, int, str]]:
    """(point, replication, error) of the failed runs in a part."""
    failed = part[part["status"] == "failed"]
    return list(zip(failed["point"], failed["replication"], failed["error"], strict=True))


class RateColumn(ProgressColumn):
    """Runs per second, from rich's own speed estimate."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("-- runs/s" if speed is None else f"{speed:.2f} runs/s", style="cyan")


def make_progress(console: Console | None) -> Progress:
    """A progress bar: runs done of total, rate, elapsed and remaining time (ETA)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
