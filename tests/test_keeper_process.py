"""The class's markets in a process of their own (`sim.classroom.keeper_process`): the same
markets as in the server's process, a press answered when its days arrive while the event loop
serves other pages, and no process left behind or lost work when a process dies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import BrokenExecutor
from pathlib import Path

import numpy as np
import psutil
import pytest
from helpers import small_scenario
from test_app_security import start_app

from sim.classroom import keeper_process
from sim.classroom.class_session import ClassSession
from sim.classroom.market_keeper import LeverMove, MarketKeeper, market_copy
from sim.classroom.relever import change_levers
from sim.classroom.student import WEEK
from sim.errors import ScenarioError
from sim.reliability.process_hygiene import POLL_S

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def base():
    return small_scenario(days=60, warmup_days=10, seed=7)


@pytest.fixture
def classes():
    """Classes made by a test, closed after it even if it failed (no keeper left running)."""
    made: list[ClassSession] = []
    yield lambda *args, **kwargs: made.append(ClassSession(*args, **kwargs)) or made[-1]
    for session in made:
        session.close()


def keeper_pids(process: psutil.Process | None = None) -> list[int]:
    """The keeper processes `process` (this one by default) started."""
    children = (process or psutil.Process()).children()
    return [p.pid for p in children if "spawn_main" in " ".join(p.cmdline())]


def play(session: ClassSession) -> None:
    """Two students, levers moved mid-run, free play then a round."""
    ana, ben = (session.student(session.join(name)) for name in ("Ana", "Ben"))
    ana.step(7)
    session.set_lever(ana, "follow_up_email", True)
    ana.step(5)
    session.set_lever(ben, "quality", 3.2)
    ben.step(9)
    session.set_mode("rounds", round_days=10, n_rounds=2)
    assert session.run_round()


def test_markets_in_their_own_process_run_byte_for_byte_as_in_this_one(base, classes):
    here, apart = classes(base, n_shown=300), classes(base, n_shown=300, processes=1)
    play(here), play(apart)
    assert not hasattr(apart.keepers[0], "keeper")  # no market runs in this process
    assert len(keeper_pids()) == 1
    assert apart.results_csv() == here.results_csv()
    for name in ("Ana", "Ben"):
        moments = apart.students[name].network().moment.tobytes()
        assert moments == here.students[name].network().moment.tobytes()
    apart.close()
    assert keeper_pids() == []  # the class closed: nothing left running


def test_a_class_waits_for_its_markets_processes_to_start_and_warm_up(base, classes):
    """`mot class` serves only once the markets' processes are ready (`wait_for_markets`): a
    process warming up beside the first page slowed it."""
    session = classes(base, n_shown=300, processes=2)
    session.wait_for_markets()
    assert all(keeper.started.done() for keeper in session.keepers)
    started = sorted(keeper.started.result() for keeper in session.keepers)  # their own pids
    assert started == sorted(keeper_pids())


async def press_and_watch(student, stall) -> list[tuple[str, int]]:
    """Press "Step 7 days" on the loop; note the day when asked, when the loop next ran
    something else (another page's turn) and when the days were shown."""
    events: list[tuple[str, int]] = []
    shown = asyncio.Event()

    def then() -> None:
        events.append(("shown", student.day))
        shown.set()

    stall()  # the keeper is busy for a while, as with other students' days
    student.step_then(7, then)
    events.append(("asked", student.day))
    await asyncio.sleep(0)
    events.append(("loop ran", student.day))
    await asyncio.wait_for(shown.wait(), 60)
    return events


@pytest.mark.parametrize("own_process", [True, False])
def test_a_press_is_shown_when_its_days_arrive_and_the_loop_runs_meanwhile(
    base, classes, own_process
):
    session = classes(base, n_shown=300, processes=int(own_process))
    student = session.student(session.join("Ana"))
    student.step(1)  # the keeper is up and holds the market
    keeper = session.keepers[0]
    stall = (lambda: keeper.pool.submit(time.sleep, 0.3)) if own_process else (lambda: None)
    events = asyncio.run(press_and_watch(student, stall))
    if own_process:
        assert events == [("asked", 1), ("loop ran", 1), ("shown", 8)]
    else:  # negative control: in this process the days ran before the loop could do anything
        assert events == [("asked", 8), ("loop ran", 8), ("shown", 8)]


def kill_keeper(session: ClassSession, stalled) -> None:
    """Kill the class's keeper process and wait until its pool knows (`stalled` fails)."""
    (pid,) = keeper_pids()
    psutil.Process(pid).kill()
    assert stalled.exception(timeout=30) is not None


def test_a_killed_keeper_is_replaced_and_the_markets_rebuilt_from_their_levers(base, classes):
    here, apart = classes(base, n_shown=300), classes(base, n_shown=300, processes=1)
    for session in (here, apart):
        ana = session.student(session.join("Ana"))
        ana.step(5)
        session.set_lever(ana, "follow_up_email", True)
        ana.step(5)
    before = keeper_pids()
    kill_keeper(apart, apart.keepers[0].pool.submit(time.sleep, 30))
    for session in (here, apart):
        session.students["Ana"].step(10)  # asked again of a new process, rebuilt by replay
    assert len(keeper_pids()) == 1 and keeper_pids() != before
    assert apart.results_csv() == here.results_csv()
    assert (
        apart.students["Ana"].network().moment.tobytes()
        == here.students["Ana"].network().moment.tobytes()
    )


def test_days_and_levers_in_flight_when_the_keeper_dies_are_lost_in_memory_and_file(
    base, classes, tmp_path
):
    here = classes(base, n_shown=300)
    apart = classes(base, n_shown=300, processes=1, folder=tmp_path)
    for session in (here, apart):
        ana = session.student(session.join("Ana"))
        ana.step(5)
        session.set_lever(ana, "follow_up_email", True)
        ana.step(5)
    ana = apart.students["Ana"]
    stalled = apart.keepers[0].pool.submit(time.sleep, 30)
    in_flight = ana.ask_days(7, save=True)
    apart.set_lever(ana, "quality", 2.0)  # acts after the 7 days in flight
    kill_keeper(apart, stalled)
    assert isinstance(in_flight.exception(timeout=30), BrokenExecutor)
    assert ana.day == 10 and ana.values["quality"] == here.students["Ana"].values["quality"]
    assert "lost" in ana.error
    stored = {m.name: m for m in apart.store.markets()}["Ana"]
    assert [lever for _, lever, _ in stored.levers] == ["follow_up_email"]
    for session in (here, apart):
        session.students["Ana"].step(5)
    assert apart.results_csv() == here.results_csv()
    assert ana.error is None  # days ran again: the notice is gone


def test_a_round_interrupted_by_the_keepers_death_runs_again_whole(base, classes, tmp_path):
    here = classes(base, n_shown=300)
    apart = classes(base, n_shown=300, processes=1, folder=tmp_path)
    for session in (here, apart):
        for name in ("Ana", "Ben", "Cy"):
            session.join(name)
        session.set_mode("rounds", round_days=10, n_rounds=2)
    first = apart.students["Ana"]
    killed = []

    def kill_after_the_first_market() -> None:  # on_progress: one market taken, others running
        if not killed:
            killed.append(True)
            (pid,) = keeper_pids()
            psutil.Process(pid).kill()

    assert here.run_round()
    assert apart.run_round(on_progress=kill_after_the_first_market)
    assert killed and apart.rounds_run == 1 and first.day == 10
    assert apart.results_csv() == here.results_csv()
    assert [m.day for m in apart.store.markets()] == [10, 10, 10, 10]


SERVER = """
    import sys, time
    sys.path.insert(0, {tests!r})
    from helpers import small_scenario
    from sim.classroom.class_session import ClassSession

    if __name__ == "__main__":
        session = ClassSession(small_scenario(days=30, warmup_days=5, seed=3), n_shown=100,
                               processes=1)
        session.student(session.join("Ana")).step(1)
        print("ready", flush=True)
        time.sleep(600)
"""


def test_the_keeper_ends_when_the_server_is_killed(tmp_path):
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(SERVER.format(tests=str(TESTS))))
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    keepers: list[psutil.Process] = []
    try:
        assert server.stdout.readline().strip() == "ready"
        keepers = [psutil.Process(pid) for pid in keeper_pids(psutil.Process(server.pid))]
        server.kill()  # no Ctrl+C, no clean-up: the keeper must notice by itself
        server.wait(10)
        gone, alive = psutil.wait_procs(keepers, timeout=10 * POLL_S + 5)
        assert len(keepers) == 1 and gone and not alive, "the keeper outlived its server"
    finally:
        server.kill()
        for keeper in keepers:  # only this test's processes
            with contextlib.suppress(psutil.NoSuchProcess):
                keeper.kill()


def test_ctrl_c_of_a_class_stops_its_markets_process_quietly(tmp_path):
    app = start_app(tmp_path, "--out", str(tmp_path / "class"), command_name="class")
    try:
        (pid,) = keeper_pids(psutil.Process(app.process.pid))  # started with the class
        keeper = psutil.Process(pid)
        os.kill(pid, signal.SIGINT)  # a terminal's Ctrl+C reaches every process of its group
        code = app.interrupt(timeout_s=30)
        gone, alive = psutil.wait_procs([keeper], timeout=10)
    finally:
        app.kill()
    assert code in (0, 130), app.stderr()
    assert "Traceback" not in app.stderr(), app.stderr()
    assert gone and not alive  # nothing left running


def test_a_week_guessed_ahead_is_the_week_run_when_asked(base, classes):
    """`MarketKeeper.guess` runs a market's next days on a copy; a `run` of exactly those days
    takes them, anything else (a lever moved, other days) runs the market itself. Either way
    the days are those of a keeper that never guesses."""
    session = classes(base, n_shown=300)
    plain, guessing = MarketKeeper(session.made_from), MarketKeeper(session.made_from)
    email = {**session.made_from.start_values, "follow_up_email": True}
    moved = (LeverMove(14, "follow_up_email", True), email)
    steps = [("run", (7,)), ("run", (7,)), ("move_levers", moved)] + [
        ("run", (days,)) for days in (7, 3, 7)
    ]
    for keeper in (plain, guessing):
        keeper.open("Ana", [], 0)
    taken = 0
    for request, args in steps:
        guessing.guess("Ana", 7)
        guess = guessing.ahead[(guessing.held["Ana"].path, 7)]
        done = getattr(guessing, request)("Ana", *args)
        expected = getattr(plain, request)("Ana", *args)
        taken += done is guess.done
        if request == "run":
            assert done.rows == expected.rows and done.first == expected.first
            assert done.network.moment.tobytes() == expected.network.moment.tobytes()
    assert taken == 4  # every week asked (a guess made after the lever moved is taken too)
    assert guessing.look("Ana").stance.tobytes() == plain.look("Ana").stance.tobytes()


def test_a_lever_moved_after_a_guess_drops_it(base, classes):
    """Negative control of the test above: the guessed week (old levers) differs from the week
    run after the lever moved, so taking a stale guess would be seen."""
    session = classes(base, n_shown=300)
    keeper = MarketKeeper(session.made_from)
    keeper.open("Ana", [], 20)
    keeper.guess("Ana", 7)
    stale = keeper.ahead[(keeper.held["Ana"].path, 7)].done
    email = {**session.made_from.start_values, "follow_up_email": True}
    keeper.move_levers("Ana", LeverMove(20, "follow_up_email", True), email)
    assert keeper.guessed() == [] and not keeper.ahead
    assert keeper.run("Ana", 7).rows != stale.rows


def guessed_markets() -> list[str]:
    """In the keeper's process: the markets whose next days ran ahead."""
    return keeper_process._KEEPER.guessed()


def idle(keeper, timeout_s: float = 30.0) -> None:
    """Wait until the keeper process has no request or guess on its way."""
    deadline = time.monotonic() + timeout_s
    while keeper.busy or keeper.wanted:
        assert time.monotonic() < deadline, "the keeper never went idle"
        time.sleep(0.02)


def test_the_keeper_guesses_a_weeks_step_again_only_when_idle(base, classes):
    session = classes(base, n_shown=300, processes=1)
    keeper = session.keepers[0]
    ana, ben = (session.student(session.join(name)) for name in ("Ana", "Ben"))
    ana.step(WEEK)
    ben.step(1)  # a day (Play's step) is not guessed
    idle(keeper)
    assert keeper.pool.submit(guessed_markets).result() == ["Ana"]
    with keeper.lock:
        keeper.busy += 1  # as if a request were on its way
    session.set_lever(ben, "quality", 3.2)
    ben.step(WEEK)
    ben.guess_next_week()
    assert keeper.wanted == {"Ben": WEEK}  # held back while the keeper is busy
    keeper.answered()  # the request "answered": the guess goes
    idle(keeper)
    assert keeper.pool.submit(guessed_markets).result() == ["Ana", "Ben"]


def test_a_guess_after_a_lever_move_goes_before_the_guesses_after_a_step(base, classes):
    """The week after a lever move is guessed first: that student's press most likely comes
    next, while a week after a step is wanted only once the student has looked at it."""
    session = classes(base, n_shown=300, processes=1)
    keeper = session.keepers[0]
    ana, ben = (session.student(session.join(name)) for name in ("Ana", "Ben"))
    ben.step(WEEK)
    idle(keeper)
    with keeper.lock:
        keeper.busy += 1  # as if a request were on its way
    ana.step(WEEK)  # wants Ana's next week (after a step), first
    session.set_lever(ben, "quality", 3.2)  # wants Ben's (after a lever move), second
    assert list(keeper.wanted) == ["Ana", "Ben"] and keeper.soon == {"Ben"}
    deadline = time.monotonic() + 30
    while keeper.busy > 1:  # the step and the lever move answered
        assert time.monotonic() < deadline
        time.sleep(0.01)
    keeper.answered()  # idle: one guess goes
    assert keeper.wanted == {"Ana": WEEK} and keeper.soon == set()  # Ben's went first
    idle(keeper)
    assert keeper.pool.submit(guessed_markets).result() == ["Ana", "Ben"]


def test_a_lever_combination_is_validated_once_and_an_error_names_the_student(base, classes):
    """30 students switching a strategy on ask for one scenario: it is built and checked once
    and shared; an impossible combination is refused in each student's name."""
    made_from = classes(base).made_from
    values = {**made_from.start_values, "follow_up_email": True}
    first = made_from.scenario(values, "levers of Ana")
    assert made_from.scenario(dict(values), "levers of Ben") is first  # kept and shared
    assert made_from.validated.cache_info().hits == 1
    crisis = {**values, "quality_crisis": True, "crisis_start": 30, "crisis_end": 10}
    for name in ("Ana", "Ben"):
        with pytest.raises(ScenarioError, match=f"^levers of {name}: .*end_day"):
            made_from.scenario(crisis, f"levers of {name}")
    sent = pickle.loads(pickle.dumps(made_from))  # as the markets' process receives it
    assert "validated" not in vars(sent)
    assert sent.scenario(values, "levers of Ana") == first


def counted_days(keeper: MarketKeeper) -> list[int]:
    """The days runs `keeper` makes from now on (one entry per run, its days)."""
    runs: list[int] = []
    days_of = keeper.days_of

    def counting(model, days):
        runs.append(days)
        return days_of(model, days)

    keeper.days_of = counting
    return runs


def same_moves_then_apart(keeper: MarketKeeper, made_from, interleaved: bool) -> dict:
    """Ana, Ben and Cy run a week, switch the e-mail on and run a week (all of one student's
    requests first, or each request for all three: `interleaved`); then Ana switches it off
    again and everyone runs a week. What each student's runs gave, by name."""
    names = ("Ana", "Ben", "Cy")
    email = {**made_from.start_values, "follow_up_email": True}
    requests = [
        ("run", (7,)),
        ("move_levers", (LeverMove(7, "follow_up_email", True), email)),
        ("run", (7,)),
    ]
    weeks: dict[str, list] = {name: [] for name in names}
    for name in names:
        keeper.open(name, [], 0)
    order = (
        [(r, n) for r in requests for n in names]
        if interleaved
        else [(r, n) for n in names for r in requests]
    )
    for (request, args), name in order:
        weeks[name].append(getattr(keeper, request)(name, *args))
    keeper.move_levers("Ana", LeverMove(14, "follow_up_email", False), made_from.start_values)
    for name in names:
        weeks[name].append(keeper.run(name, 7))
    return {name: [week.rows for week in done if week is not None] for name, done in weeks.items()}


def alone(made_from, ana: bool) -> list[list[str]]:
    """The same weeks of one student alone in a keeper (`ana`: with Ana's last move)."""
    keeper = MarketKeeper(made_from)
    keeper.open("Solo", [], 0)
    email = {**made_from.start_values, "follow_up_email": True}
    weeks = [keeper.run("Solo", 7).rows]
    keeper.move_levers("Solo", LeverMove(7, "follow_up_email", True), email)
    weeks.append(keeper.run("Solo", 7).rows)
    if ana:
        off = LeverMove(14, "follow_up_email", False)
        keeper.move_levers("Solo", off, made_from.start_values)
    weeks.append(keeper.run("Solo", 7).rows)
    return weeks


@pytest.mark.parametrize("interleaved", [False, True])
def test_students_who_made_the_same_moves_share_one_market_and_its_weeks(
    base, classes, interleaved
):
    """Three students who make the same moves on the same days hold one market: each of their
    weeks runs once, whoever asks first. A student who then moves on alone gets a copy, and
    every student's days are those of a market run alone."""
    made_from = classes(base, n_shown=300).made_from
    keeper = MarketKeeper(made_from)
    runs = counted_days(keeper)
    weeks = same_moves_then_apart(keeper, made_from, interleaved)
    # two weeks for all three, then Ana's and the others' apart; one by one, a student who is a
    # week ahead of the others runs their next week alone (`tidy`), but Ben's is Cy's
    assert len(runs) == (4 if interleaved else 6)
    assert weeks["Ana"] == alone(made_from, ana=True)
    assert weeks["Ben"] == weeks["Cy"] == alone(made_from, ana=False)
    assert weeks["Ana"][-1] != weeks["Ben"][-1]  # Ana's move shows: a shared change would too
    market = {name: held.model for name, held in keeper.held.items()}
    assert market["Ben"] is market["Cy"] is not market["Ana"]
    keeper.open("Dee", [LeverMove(7, "follow_up_email", True)], 21)  # Ben's path: his market
    assert keeper.held["Dee"].model is market["Ben"]
    for name in ("Ana", "Ben", "Cy", "Dee"):
        keeper.forget(name)
    assert keeper.held == keeper.ahead == {}  # nothing kept for no one


def test_without_copy_on_write_a_shared_market_moved_by_one_changes_the_others(
    base, classes, monkeypatch
):
    """Negative control of the test above: were a shared market changed in place, not copied,
    Ana's lever move would change Ben's and Cy's days."""
    monkeypatch.setattr(MarketKeeper, "copy_on_write", lambda _, model: model)
    made_from = classes(base, n_shown=300).made_from
    weeks = same_moves_then_apart(MarketKeeper(made_from), made_from, interleaved=True)
    assert weeks["Ben"] != alone(made_from, ana=False)


def test_a_markets_copy_shares_its_scenario_and_nothing_a_day_changes(base, classes):
    """`market_copy` shares the read-only scenario (a lever move puts another in its place) and
    copies the rest: the copy runs the original's days, and moving its levers or running it
    leaves the original as it was."""
    made_from = classes(base).made_from
    days_of = MarketKeeper(made_from).days_of  # runs days of a market: the rows they gave
    model = market_copy(made_from.template)
    twin = market_copy(model)
    assert twin.settings is model.settings
    assert not np.shares_memory(twin.market.people.attitude, model.market.people.attitude)
    assert days_of(twin, 1).rows == days_of(model, 1).rows
    attitude = model.market.people.attitude.copy()
    email = made_from.scenario({**made_from.start_values, "follow_up_email": True}, "Ana")
    change_levers(twin, email)
    with_email = days_of(twin, WEEK).rows
    assert model.settings is made_from.template.settings  # the original's levers as they were
    assert model.days_run == 1
    assert np.array_equal(model.market.people.attitude, attitude)  # and its people
    assert days_of(market_copy(model), WEEK).rows != with_email  # the e-mail acts in the copy
