"""Say so when a Dask sweep has no workers, instead of waiting silently forever.

When every worker is gone (a batch allocation ended, the nodes rebooted), the scheduler keeps
the tasks and the sweep waits for workers that may never come. A watcher thread asks the
scheduler how many workers are connected; after `NO_WORKERS_GRACE_S` without any it prints one
line saying so (still waiting: workers may come back), reminds every `REMINDER_S` that Ctrl-C
is safe and a rerun resumes, and says when workers are back.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

NO_WORKERS_GRACE_S = 20.0
"""Seconds without workers before the first notice (with `POLL_S`, within 30 s as promised)."""
REMINDER_S = 300.0
"""Seconds between reminders while there are still no workers."""
POLL_S = 2.0
"""Seconds between two questions to the scheduler."""


def stderr_line(text: str) -> None:
    """Print one line on stderr (above the progress bar when one is shown)."""
    print(text, file=sys.stderr, flush=True)


class WorkerWatch:
    """The notices, from a series of (time, connected workers) observations."""

    def __init__(
        self, where: str, say: Callable[[str], None], grace_s: float, reminder_s: float
    ) -> None:
        self.where, self.say = where, say
        self.grace_s, self.reminder_s = grace_s, reminder_s
        self.none_since: float | None = None
        self.next_notice = math.inf
        self.announced = False

    def observe(self, now: float, workers: int) -> None:
        """Take one observation: say what changed, or remind when it is time."""
        if workers > 0:
            if self.announced:
                self.say(f"{workers} Dask worker(s) connected again to {self.where}; carrying on")
            self.none_since, self.next_notice, self.announced = None, math.inf, False
            return
        if self.none_since is None:
            self.none_since, self.next_notice = now, now + self.grace_s
        if now >= self.next_notice:
            self.say(self.notice(now - self.none_since))
            self.next_notice, self.announced = now + self.reminder_s, True

    def notice(self, waited_s: float) -> str:
        """One line: no workers for how long, still waiting, Ctrl-C is safe."""
        waited = f"{waited_s:.0f} s" if waited_s < 120 else f"{waited_s / 60:.0f} min"
        return (
            f"no Dask workers are connected to {self.where} (for {waited}); still waiting. "
            "Ctrl-C is safe: finished runs are saved and the same command resumes."
        )


def connected_workers(client: Any) -> int:
    """How many workers the scheduler has (0 if it cannot be asked)."""
    try:
        info = client.scheduler_info(n_workers=0)
    except Exception:  # the scheduler is unreachable: as good as no workers
        return 0
    return int(info.get("n_workers", len(info.get("workers", {}))))


@contextlib.contextmanager
def watch_workers(client: Any, say: Callable[[str], None] = stderr_line) -> Iterator[WorkerWatch]:
    """Watch `client`'s scheduler for the duration of the block, in a daemon thread.

    The intervals are read from this module when the block starts (tests shorten them).
    """
    where = getattr(client.scheduler, "address", None) or "the scheduler"
    watch = WorkerWatch(where, say, NO_WORKERS_GRACE_S, REMINDER_S)
    stop = threading.Event()
    interval = POLL_S

    def loop() -> None:
        while not stop.is_set():
            workers = connected_workers(client)
            if not stop.is_set():
                watch.observe(time.monotonic(), workers)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="dask-worker-watch", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        stop.set()
        thread.join(timeout=interval + 5)
