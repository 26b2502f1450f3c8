"""The class's markets in a process of their own (`sim.classroom.keeper_process`): the same
markets as in the server's process, a press answered when its days arrive while the event loop
serves other pages, and no process left behind or lost work when a process dies."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from helpers import small_scenario

from sim.classroom.class_session import ClassSession
from sim.classroom.keeper_process import PARENT_CHECK_S

TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def base():
    return small_scenario(days=60, warmup_days=10, seed=7)


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


def test_markets_in_their_own_process_run_byte_for_byte_as_in_this_one(base):
    here, apart = ClassSession(base, n_shown=300), ClassSession(base, n_shown=300, processes=1)
    play(here), play(apart)
    assert not hasattr(apart.keepers[0], "keeper")  # no market runs in this process
    assert len(keeper_pids()) == 1
    assert apart.results_csv() == here.results_csv()
    for name in ("Ana", "Ben"):
        moments = apart.students[name].network().moment.tobytes()
        assert moments == here.students[name].network().moment.tobytes()
    apart.close()
    assert keeper_pids() == []  # the class closed: nothing left running


async def press_and_watch(student) -> list[tuple[str, int]]:
    """Press "Step 7 days" on the loop; note the day when asked, when the loop next ran
    something else (another page's turn) and when the days were shown."""
    events: list[tuple[str, int]] = []
    shown = asyncio.Event()

    def then() -> None:
        events.append(("shown", student.day))
        shown.set()

    student.step_then(7, then)
    events.append(("asked", student.day))
    await asyncio.sleep(0)
    events.append(("loop ran", student.day))
    await asyncio.wait_for(shown.wait(), 60)
    return events


@pytest.mark.parametrize("own_process", [True, False])
def test_a_press_is_shown_when_its_days_arrive_and_the_loop_runs_meanwhile(base, own_process):
    session = ClassSession(base, n_shown=300, processes=int(own_process))
    student = session.student(session.join("Ana"))
    student.step(1)  # the keeper is up and holds the market
    events = asyncio.run(press_and_watch(student))
    session.close()
    if own_process:
        assert events == [("asked", 1), ("loop ran", 1), ("shown", 8)]
    else:  # negative control: in this process the days ran before the loop could do anything
        assert events == [("asked", 8), ("loop ran", 8), ("shown", 8)]


def test_a_killed_keeper_is_replaced_and_the_markets_rebuilt_from_their_levers(base):
    here, apart = ClassSession(base, n_shown=300), ClassSession(base, n_shown=300, processes=1)
    for session in (here, apart):
        ana = session.student(session.join("Ana"))
        ana.step(5)
        session.set_lever(ana, "follow_up_email", True)
        ana.step(5)
    (pid,) = keeper_pids()
    psutil.Process(pid).kill()
    psutil.Process(pid).wait(10)
    for session in (here, apart):
        session.students["Ana"].step(10)  # asked again of a new process, rebuilt by replay
    assert keeper_pids() != [pid] and len(keeper_pids()) == 1
    assert apart.results_csv() == here.results_csv()
    assert (
        apart.students["Ana"].network().moment.tobytes()
        == here.students["Ana"].network().moment.tobytes()
    )
    apart.close()


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
    try:
        assert server.stdout.readline().strip() == "ready"
        (pid,) = keeper_pids(psutil.Process(server.pid))
        server.kill()  # no Ctrl+C, no clean-up: the keeper must notice by itself
        server.wait(10)
        deadline = time.monotonic() + 10 * PARENT_CHECK_S
        while psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie":
            assert time.monotonic() < deadline, "the keeper outlived its server"
            time.sleep(0.1)
    finally:
        server.kill()
