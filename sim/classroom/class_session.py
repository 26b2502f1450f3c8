"""A whole class on one computer: students join, play the same market, and the teacher watches.

`ClassSession` is plain Python (no Solara), shared by every page of a class and tested without a
browser. It warms the lesson's market up once and gives each student a copy (`StudentMarket`,
run by the class's keeper: `sim.classroom.market_keeper`),
lays out the network picture once for everyone, and runs the class in free play (each student
steps their own market) or in rounds (the teacher advances every market by a round's days; levers
are locked while a round runs).

With a folder, the class is kept on disk as it happens (`sim.classroom.class_store`): a class
started again on the same folder comes back with its students, levers, rounds and answers, and
each market is rebuilt by replaying its levers from the class's seed when it is next needed.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.classroom.class_kpis import CLASS_KPIS, KPI_LIST
from sim.classroom.class_store import FORMAT, ClassStore, DaysRun, StoredMarket
from sim.classroom.keeper_process import Keeper, KeeperHere, KeeperProcess
from sim.classroom.lesson_text import LessonText, Rounds
from sim.classroom.lever_set import MARKET_LEVERS, STRATEGY_LEVERS, lever_values
from sim.classroom.market_keeper import ClassMarket
from sim.classroom.network_view import N_SHOWN, sample_network
from sim.classroom.student import LeverMove, StudentMarket
from sim.errors import ScenarioError
from sim.model import JourneyModel
from sim.scenario.settings import Scenario

Mode = Literal["free", "rounds"]
NAME = re.compile(r"^[\w][\w .'-]{0,39}$")
"""A student's or team's name: 1-40 letters, digits, spaces and . ' - (no markup)."""
BASELINE = "baseline (lesson's levers)"


class JoinError(ValueError):
    """A name that cannot join; the message is one line for the student."""


class ClassSession:
    """The class: its market, students, mode and rounds.

    Args:
        base: the lesson's scenario (every student's market starts from it).
        lesson: the lesson's text, KPI and default rounds (None: a plain scenario).
        token: the teacher's secret; a new random one when not given.
        n_shown: people in the network picture.
        folder: the class's folder: kept there as it happens, resumed from it.
        processes: run the markets in this many processes of their own (`sim.classroom.
            keeper_process`; what a served class does), each market in one of them, taken in
            turn as students join; 0: in this process.
    """

    def __init__(
        self,
        base: Scenario,
        lesson: LessonText | None = None,
        token: str | None = None,
        n_shown: int = N_SHOWN,
        folder: Path | None = None,
        processes: int = 0,
    ) -> None:
        self.base = base
        self.lesson = lesson
        self.token = token or secrets.token_urlsafe(12)
        self.store = ClassStore(folder) if folder is not None else None  # a bad file: stop now
        self.template = JourneyModel(base, with_agents=False)
        self.sample = sample_network(self.template.market.graph, n_shown, base.seed)
        self.market = lever_values(base, MARKET_LEVERS)
        self.start_values = lever_values(base, STRATEGY_LEVERS)
        self.made_from = ClassMarket(
            base, self.market, self.start_values, self.template, self.sample
        )
        self.keepers: list[Keeper] = [KeeperProcess(self.made_from) for _ in range(processes)]
        self.keepers = self.keepers or [KeeperHere(self.made_from)]
        self.made = 0
        """Markets made so far (the next goes to keeper `made % len(keepers)`)."""
        self.unit_cost_usd = base.brands["focal"].unit_cost_usd
        self.student_url = ""
        """The address students type (`mot class` sets it), shown with its QR code."""
        self.students: dict[str, StudentMarket] = {}
        self.keys: dict[str, str] = {}
        """Student name -> the secret key in their page's address (a reload brings them back)."""
        self.browsers: dict[str, str] = {}
        """Student name -> hash of the browser's session cookie (the same browser may re-join)."""
        rounds = lesson.rounds if lesson else Rounds()
        self.mode: Mode = "free"
        self.round_days, self.n_rounds = rounds.days, rounds.count
        self.rounds_run = 0
        self.running = False
        self.version = 0
        """Bumped after every change, so the teacher's page knows when to redraw."""
        self.class_version = 0
        """Bumped when the teacher changes the class (mode, rounds), so students' pages redraw."""
        self.lock = threading.RLock()
        self.resumed = self.store is not None and bool(self.store.meta())
        if self.resumed:
            self.resume()
        else:
            self.baseline = self.add_market(BASELINE, None, None)
            self.save_meta(format=FORMAT, fingerprint=fingerprint(base), token=self.token)

    @property
    def kpi(self) -> str:
        """The KPI the leaderboard ranks by."""
        return self.lesson.kpi if self.lesson else "customers"

    def new_market(self, name: str) -> StudentMarket:
        """A copy of the class's market with the lesson's starting levers."""
        keeper = self.keepers[self.made % len(self.keepers)]
        self.made += 1
        return StudentMarket(name, self.made_from, keeper, self.start_values, self.store)

    def add_market(self, name: str, key: str | None, browser: str | None) -> StudentMarket:
        """A new market in the class (and its file): a student's, or the baseline's."""
        market = self.new_market(name)
        if self.store is not None:
            self.store.add_market(name, key, browser)
        return market

    def save_meta(self, **extra: Any) -> None:
        """Keep the class's mode and rounds (and `extra`) in its file."""
        if self.store is not None:
            self.store.set_meta(**self.meta(), **extra)

    def meta(self) -> dict[str, Any]:
        """What the class's file keeps about the class itself."""
        return {
            "mode": self.mode,
            "round_days": self.round_days,
            "n_rounds": self.n_rounds,
            "rounds_run": self.rounds_run,
        }

    def resume(self) -> None:
        """Come back from the class's file: settings, students, levers, answers, days run.

        Raises:
            ScenarioError: the file holds a class of another lesson (or another seed).
        """
        meta = self.store.meta()
        if meta.get("fingerprint") != fingerprint(self.base):
            raise ScenarioError(
                f"{self.store.path}: holds a class of another lesson or market "
                f"(start it with the lesson it was started with, or use a new folder)"
            )
        self.token = meta["token"]
        self.mode, self.rounds_run = meta["mode"], meta["rounds_run"]
        self.round_days, self.n_rounds = meta["round_days"], meta["n_rounds"]
        for stored in self.store.markets():
            market = self.restored(stored)
            if stored.key is None:
                self.baseline = market
            else:
                self.students[stored.name] = market
                self.keys[stored.name] = stored.key
                self.browsers[stored.name] = stored.browser or ""

    def restored(self, stored: StoredMarket) -> StudentMarket:
        """One market from the class's file, released until a page or a round needs it."""
        market = self.new_market(stored.name)
        moves = [LeverMove(day, key, value) for day, key, value in stored.levers]
        market.restore(stored.day, moves, self.store.rows(stored.name))
        market.answers = self.store.answers(stored.name)
        return market

    def changed(self, whole_class: bool = False) -> None:
        """Tell open pages something changed (`whole_class`: every student's page too)."""
        self.version += 1
        if whole_class:
            self.class_version += 1

    def check_token(self, given: str | None) -> bool:
        """True only for the teacher's token (compared in constant time)."""
        return given is not None and secrets.compare_digest(given, self.token)

    def join(self, name: str, browser: str | None = None) -> str:
        """Add a student (or team); returns the key their page keeps. Names are unique, but
        the same name from the same browser (`browser`: its session cookie) comes back to its
        market, so a student who lost the address re-joins where they were."""
        name = " ".join(name.split())
        if not NAME.match(name):
            raise JoinError("a name is 1-40 letters, digits, spaces or . ' -")
        seen = browser_hash(browser)
        with self.lock:
            if name in self.students and seen and self.browsers.get(name) == seen:
                return self.keys[name]
            if name in self.students or name == BASELINE:
                raise JoinError(f"{name!r} has joined already: add an initial or a number")
            key = secrets.token_urlsafe(9)
            student = self.add_market(name, key, seen)
            student.step(self.baseline.day if self.mode == "rounds" else 0)
            self.students[name] = student
            self.keys[name] = key
            self.browsers[name] = seen
            self.changed()
            return key

    def known_browser(self, browser: str | None) -> str | None:
        """The name of the student who joined from this browser, if any (to fill the form)."""
        seen = browser_hash(browser)
        return next((n for n, b in self.browsers.items() if seen and b == seen), None)

    def student(self, key: str | None) -> StudentMarket | None:
        """The student whose page holds `key`, or None."""
        for name, own in self.keys.items():
            if key is not None and secrets.compare_digest(own, key):
                return self.students[name]
        return None

    def levers_locked(self) -> str | None:
        """Why students cannot move their levers now, or None when they can."""
        if self.running:
            return "a round is running: levers are locked until it ends"
        if self.mode == "rounds" and self.rounds_run >= self.n_rounds:
            return "the last round has run"
        return None

    def set_lever(self, student: StudentMarket, key: str, value: Any) -> bool:
        """Move a student's lever unless the class locks levers now."""
        with self.lock:
            locked = self.levers_locked()
            if locked:
                student.error = locked
                return False
        done = student.set_lever(key, value)
        self.changed()
        return done

    def set_answer(self, student: StudentMarket, question: int, text: str) -> None:
        """Keep a student's answer to a lesson question (at most 2,000 characters)."""
        student.answers[question] = text[:2000]
        if self.store is not None:
            self.store.set_answer(student.name, question, text[:2000])
        self.changed()

    def set_mode(
        self, mode: Mode, round_days: int | None = None, n_rounds: int | None = None
    ) -> None:
        """Free play or rounds (of `round_days` days, `n_rounds` of them)."""
        with self.lock:
            self.mode = mode
            self.round_days = max(1, int(round_days or self.round_days))
            self.n_rounds = max(1, int(n_rounds or self.n_rounds))
            self.save_meta()
            self.changed(whole_class=True)

    def run_round(self, on_progress: Callable[[], None] | None = None) -> bool:
        """Advance every market (and the baseline) by one round; False when none can run.

        The round is written to the class's file in one transaction at its end: a crash during
        a round leaves the class as it was before the round, to be run again."""
        with self.lock:
            if self.running or self.mode != "rounds" or self.rounds_run >= self.n_rounds:
                return False
            self.running = True
            self.changed(whole_class=True)
        markets = [self.baseline, *list(self.students.values())]
        runs: list[DaysRun] = []
        try:
            runs = self.advance(markets, on_progress)
        finally:
            with self.lock:
                if len(runs) == len(markets):
                    self.rounds_run += 1
                    if self.store is not None:
                        self.store.add_days(runs, **self.meta())
                self.running = False
                self.changed(whole_class=True)
        return True

    def advance(
        self, markets: list[StudentMarket], on_progress: Callable[[], None] | None
    ) -> list[DaysRun]:
        """Every market's round. If the markets' process died meanwhile, the markets go back to
        the round's start and the round runs once more; any other failure leaves them at its
        start (the class's file never saw the round)."""
        firsts = [market.day for market in markets]
        try:
            try:
                return self.run_markets(markets, firsts, on_progress)
            except BrokenExecutor:
                go_back(markets, firsts)
                return self.run_markets(markets, firsts, on_progress)
        except BaseException:
            go_back(markets, firsts)
            raise

    def run_markets(
        self,
        markets: list[StudentMarket],
        firsts: list[int],
        on_progress: Callable[[], None] | None,
    ) -> list[DaysRun]:
        """Ask every market's round at once (the keeper runs them while pages are answered),
        then take them in turn: the days each market ran, as the class's file keeps them."""
        asked = [market.ask_days(self.round_days, save=False) for market in markets]
        runs = []
        for market, first, days in zip(markets, firsts, asked, strict=True):
            days.result()
            runs.append(market.days_since(first))
            if market is not self.baseline:
                market.release()  # a student who left keeps only their measures
            if on_progress is not None:
                on_progress()
        return runs

    def catch_up_baseline(self) -> None:
        """In free play the baseline runs as far as the furthest student, for the debrief."""
        furthest = max((s.day for s in list(self.students.values())), default=0)
        if furthest > self.baseline.day:
            self.baseline.step(furthest - self.baseline.day)

    def table(self) -> pd.DataFrame:
        """One row per student: day, levers and every class KPI (the teacher's live table)."""
        rows = [self.row(student) for student in list(self.students.values())]
        columns = ["student", "day", *self.start_values, *CLASS_KPIS, "answers"]
        return pd.DataFrame(rows, columns=columns)

    def row(self, student: StudentMarket) -> dict[str, Any]:
        """A student's levers and KPIs now."""
        daily = student.daily()
        kpis = {kpi.key: kpi.value(daily, self.unit_cost_usd) for kpi in KPI_LIST}
        answered = sum(1 for text in student.answers.values() if text.strip())
        return {
            "student": student.name,
            "day": student.day,
            **student.values,
            **kpis,
            "answers": answered,
        }

    def leaderboard(self, kpi: str | None = None) -> pd.DataFrame:
        """Students ranked by `kpi` (the lesson's by default), best first; ties by name."""
        definition = CLASS_KPIS[kpi or self.kpi]
        table = self.table()[["student", "day", definition.key]]
        table = table.sort_values(
            [definition.key, "student"], ascending=[not definition.higher_is_better, True]
        )
        table.insert(0, "rank", range(1, len(table) + 1))
        return table.reset_index(drop=True)

    def results(self) -> pd.DataFrame:
        """Every student's days with the levers in force each day, then the baseline's."""
        self.catch_up_baseline()
        markets = [*self.students.values(), self.baseline]
        return pd.concat([market.data() for market in markets], ignore_index=True)

    def results_csv(self) -> str:
        """`results()` as CSV text."""
        buffer = io.StringIO()
        self.results().to_csv(buffer, index=False)
        return buffer.getvalue()

    def answers(self) -> pd.DataFrame:
        """Every answer typed: student, question number, question, answer."""
        questions = self.lesson.questions if self.lesson else []
        rows = [
            {
                "student": s.name,
                "question": n + 1,
                "text": questions[n] if n < len(questions) else "",
                "answer": a,
            }
            for s in list(self.students.values())
            for n, a in sorted(s.answers.items())
            if a.strip()
        ]
        return pd.DataFrame(rows, columns=["student", "question", "text", "answer"])

    def wait_for_markets(self) -> None:
        """Return once every markets' process has started and warmed up. `mot class` waits
        before it serves: a process warming up beside the first student's page slowed the
        page (3.05-3.53 s to usable in two of six benchmark runs, 1.85-2.60 s otherwise)."""
        for keeper in self.keepers:
            keeper.ready()

    def close(self) -> None:
        """Stop the markets' processes and close the class's file (the server does at exit;
        tests to start the class again)."""
        for keeper in self.keepers:
            keeper.close()
        if self.store is not None:
            self.store.close()

    def __repr__(self) -> str:
        return f"ClassSession({self.base.name!r}, {len(self.students)} students, mode={self.mode})"


def go_back(markets: list[StudentMarket], firsts: list[int]) -> None:
    """Each market back to its day in `firsts` (a round that did not finish)."""
    for market, first in zip(markets, firsts, strict=True):
        market.back_to(first)


def fingerprint(base: Scenario) -> str:
    """The lesson's market as a short hash: a class resumes only on the market it started on."""
    return hashlib.sha256(base.model_dump_json().encode()).hexdigest()[:16]


def browser_hash(browser: str | None) -> str:
    """The browser's session cookie, hashed: the class's file never holds the cookie itself."""
    return hashlib.sha256(browser.encode()).hexdigest()[:24] if browser else ""
