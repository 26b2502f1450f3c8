"""Asking the class's `MarketKeeper` for work: in a process of its own, or in this one.

Why a process of its own (`KeeperProcess`, what `mot class` uses): Python runs one thread at a
time, so 30 students' days and 30 pages' messages queued on the server's one core (tried with
threads: the hand-offs at every kernel call doubled the CPU, docs/classroom-speed.md). In another
process the days run on the laptop's second core while the server answers the pages, and a
student's press is answered when their days come back. `concurrent.futures.
ProcessPoolExecutor` with one worker gives the process, the queue (requests run in the order
asked, which keeps each market's levers and days in order) and a future per request.

`KeeperHere` answers the same requests at once in this process: tests, scripts and anything
that does not serve a class.

Both say which keeper answers (`generation`): a process that died (killed, out of memory) is
replaced by a new one, which holds no markets; each market is then rebuilt from its lever
history when next asked for (`sim.classroom.student`).

A student who stepped a week will most likely step a week again: `guess` asks the keeper to run
that week ahead (`MarketKeeper.guess`), but only when it has nothing else to do. `KeeperProcess`
sends one guess at a time and only once every request asked has been answered, so a student's
press waits behind at most one guess (a week of one market, ~15 ms), never behind the class's.
A guess after a lever move goes before the guesses after a step: that student's press most
likely comes next (a class switching a strategy on together: the markets' process runs their
weeks while the server still takes the moves in).

Answers are handed over on a thread of the keeper's own (`when_done`), in the order they
arrive: never on the pool's thread, which holds the pool's locks while it fails the requests
of a process that died (a student's lock taken there could wait for a student asking the
pool, which waits for that lock: a deadlock).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sim.classroom.hand_back import freeze_from_now
from sim.classroom.market_keeper import ClassMarket, MarketKeeper
from sim.reliability.process_hygiene import exit_with


class KeeperLost(RuntimeError):
    """The keeper's process stopped; a new one runs, without the markets it held."""


class Keeper(Protocol):
    """What a student's market asks of its keeper."""

    generation: int

    def ask(self, request: str, *args: Any) -> Future:
        """Run `MarketKeeper.<request>(*args)`, after every request asked before it."""
        ...

    def when_done(self, future: Future, then: Callable[[Future], None]) -> None:
        """Call `then(future)` once it is done, after the answers that arrived before it."""
        ...

    def guess(self, name: str, days: int, soon: bool = False) -> None:
        """Run `name`'s next `days` days ahead when there is nothing else to do, or never
        (`soon`: a lever just moved, so the student will most likely press now)."""
        ...

    def ready(self) -> None:
        """Return once the keeper can answer at once (its process started and warmed up)."""
        ...

    def close(self) -> None:
        """Stop (the class ends)."""
        ...


class KeeperHere:
    """The keeper in this process: every request runs when asked."""

    def __init__(self, made_from: ClassMarket) -> None:
        self.keeper = MarketKeeper(made_from)
        self.generation = 0

    def ask(self, request: str, *args: Any) -> Future:
        """The request's answer, already there."""
        future: Future = Future()
        try:
            future.set_result(getattr(self.keeper, request)(*args))
        except Exception as exc:  # handed to the asker, as a process's failure would be
            future.set_exception(exc)
        return future

    def when_done(self, future: Future, then: Callable[[Future], None]) -> None:
        """`then(future)` now: the answer is there."""
        then(future)

    def guess(self, name: str, days: int, soon: bool = False) -> None:
        """Nothing: this keeper is never idle before a request, it answers each when asked."""

    def ready(self) -> None:
        """Nothing to wait for: the keeper is this process."""

    def close(self) -> None:
        """Nothing runs apart."""


class KeeperProcess:
    """The keeper in a process of its own, started now (it is ready about two seconds later:
    the engine's compiled kernels load from numba's cache)."""

    def __init__(self, made_from: ClassMarket) -> None:
        self.made_from = made_from
        self.generation = 0
        self.lock = threading.Lock()
        self.pool = self.start()
        self.answers = ThreadPoolExecutor(1, thread_name_prefix="mot-keeper-answers")
        self.busy = 0
        """Requests (and guesses) asked and not answered yet."""
        self.wanted: dict[str, int] = {}
        """Guesses to ask once the keeper is idle: market -> days, oldest first."""
        self.soon: set[str] = set()
        """Markets in `wanted` whose levers just moved: guessed before the others."""
        self.closed = False

    def start(self) -> ProcessPoolExecutor:
        """A new process holding a keeper of the class's market, started now: the pool would
        start it at the first request, making the first student's first step wait for it.
        `started` is done once it has started and warmed its keeper up."""
        pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),  # never fork a threaded server
            initializer=start_keeper,
            initargs=(self.made_from, os.getpid()),
        )
        self.started = pool.submit(os.getpid)  # answered once the initializer has run
        return pool

    def ready(self) -> None:
        """Return once the process has started and warmed its keeper up (a process that
        failed to start is started again at the next request)."""
        with contextlib.suppress(BrokenProcessPool):
            self.started.result()

    def ask(self, request: str, *args: Any) -> Future:
        """The request's future.

        Raises:
            KeeperLost: the process had stopped; a new one is starting, so ask again after
                opening the market anew (its `generation` changed).
        """
        with self.lock:
            try:
                return self.submit(request, *args)
            except BrokenProcessPool:
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self.start()
                self.generation += 1
                self.wanted.clear()  # the new process holds no markets to guess
                self.soon.clear()
                raise KeeperLost("the markets' process stopped; it was started again") from None

    def submit(self, request: str, *args: Any) -> Future:
        """Send a request to the process (under `lock`), counted as busy until answered."""
        future = self.pool.submit(answer, request, *args)
        self.busy += 1
        future.add_done_callback(self.count_answer)
        return future

    def count_answer(self, _: Future) -> None:
        """A request was answered or dropped: `answered`, on the answers' thread (never the
        pool's: see the module's docstring)."""
        with contextlib.suppress(RuntimeError):  # closing: the answers' thread has stopped
            self.answers.submit(self.answered)

    def answered(self) -> None:
        """A request was answered (on the answers' thread): guess if nothing else is asked."""
        with self.lock:
            self.busy -= 1
            self.guess_when_idle()

    def guess(self, name: str, days: int, soon: bool = False) -> None:
        """Ask for `name`'s next `days` days once nothing else is asked (the newest wish for a
        market replaces the one before); `soon` (a lever just moved): before the guesses after
        a step, since that student's press most likely comes next."""
        with self.lock:
            self.wanted.pop(name, None)
            self.wanted[name] = days
            (self.soon.add if soon else self.soon.discard)(name)
            self.guess_when_idle()

    def guess_when_idle(self) -> None:
        """Send a guess if no request is on its way (under `lock`): the oldest after a lever
        move, else the oldest."""
        if self.busy or not self.wanted or self.closed:
            return
        name = next((name for name in self.wanted if name in self.soon), next(iter(self.wanted)))
        days = self.wanted.pop(name)
        self.soon.discard(name)
        with contextlib.suppress(BrokenProcessPool):  # the next request starts a new process
            self.submit("guess", name, days)

    def when_done(self, future: Future, then: Callable[[Future], None]) -> None:
        """`then(future)` on the answers' thread, in the order the answers arrive."""
        future.add_done_callback(lambda done: self.answers.submit(then, done))

    def close(self) -> None:
        """Stop the process (requests not started are dropped; the class's file has the rest)."""
        with self.lock:
            self.closed = True
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.answers.shutdown(wait=True)


_KEEPER: MarketKeeper | None = None
"""The keeper of the process `KeeperProcess` started (None in any other process)."""


def start_keeper(made_from: ClassMarket, server: int) -> None:
    """Set the keeper's process up: Ctrl+C is the server's to handle (it stops this process),
    and the process ends with the server even if the server could not stop it
    (`process_hygiene.exit_with`); then its keeper, warmed up, and everything alive then (the
    class's market, the engine's modules) kept out of the garbage collector's walks: logged,
    this process's full collections took 0.07-0.25 s, each a pause for every student waiting."""
    global _KEEPER
    exit_with(server)
    _KEEPER = MarketKeeper(made_from)
    _KEEPER.warm_up()
    freeze_from_now()


def answer(request: str, *args: Any) -> Any:
    """Run one request on this process's keeper."""
    assert _KEEPER is not None, "the keeper's process was not started by KeeperProcess"
    return getattr(_KEEPER, request)(*args)
