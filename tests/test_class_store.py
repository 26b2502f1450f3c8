"""A class kept on disk: restart, reload, released markets rebuilt byte for byte, whole writes.

Small markets (2,000 people, a 10-day warm-up, 60 days); every run is seeded. A market is
rebuilt by replaying its lever moves from the class's seed, so the tests compare the rebuilt
market with the one that ran live, as CSV bytes.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from helpers import small_scenario

from sim.classroom.class_session import ClassSession
from sim.classroom.class_store import FILE_NAME, ClassStore, DaysRun, day_rows
from sim.classroom.days_table import DaysTable
from sim.errors import ScenarioError


@pytest.fixture
def base():
    return small_scenario(days=60, warmup_days=10, seed=7)


def csv_bytes(market) -> bytes:
    """A market's daily measures as the CSV the teacher downloads, byte for byte."""
    return market.daily().to_csv(index=False).encode()


def play_a_class(session: ClassSession) -> None:
    """Three students: levers moved mid-run (one toggled on, off and on on the same day),
    answers typed, free play, then two rounds."""
    ana = session.student(session.join("Ana", browser="cookie-ana"))
    ben = session.student(session.join("Ben"))
    cy = session.student(session.join("Cy"))
    ana.step(7)
    session.set_lever(ana, "follow_up_email", True)
    ana.step(5)
    session.set_lever(ana, "quality", 3.2)
    ben.step(3)
    for on in (True, False, True):  # toggled three times on day 3: a fresh e-mail each time
        session.set_lever(ben, "follow_up_email", on)
    ben.step(9)
    session.set_answer(ana, 0, "fewer critics")
    session.set_answer(cy, 1, "the loop")
    session.set_mode("rounds", round_days=10, n_rounds=3)
    assert session.run_round()
    session.set_lever(cy, "follow_up_email", True)
    assert session.run_round()


def test_a_restarted_class_comes_back_whole_and_each_market_byte_for_byte(base, tmp_path):
    live = ClassSession(base, n_shown=300)  # never stops: what the class would have been
    first = ClassSession(base, n_shown=300, folder=tmp_path)  # stopped and started again
    play_a_class(live), play_a_class(first)
    first.close()

    again = ClassSession(base, n_shown=300, folder=tmp_path)
    assert again.resumed and again.token == first.token
    assert list(again.students) == ["Ana", "Ben", "Cy"]
    assert again.keys == first.keys
    assert (again.mode, again.round_days, again.n_rounds, again.rounds_run) == ("rounds", 10, 3, 2)
    assert again.student(first.keys["Cy"]).answers == {1: "the loop"}
    assert again.answers().values.tolist() == live.answers().values.tolist()
    assert not any(s.loaded for s in again.students.values())  # rebuilt only when needed
    assert again.table().to_csv() == live.table().to_csv()  # from the stored rows
    for name, student in again.students.items():
        assert csv_bytes(student) == csv_bytes(live.students[name])  # the stored rows
        moments = student.network().moment.tobytes()  # the market, replayed
        assert moments == live.students[name].network().moment.tobytes()
        assert student.loaded and csv_bytes(student) == csv_bytes(live.students[name])
    assert again.results_csv() == live.results_csv()
    assert again.run_round() and live.run_round()  # and the class goes on as it would have
    assert again.results_csv() == live.results_csv()
    again.close()


def test_a_student_who_leaves_hands_the_market_back_and_finds_it_again(base):
    session = ClassSession(base, n_shown=300)
    stays, leaves = (session.student(session.join(n)) for n in ("Stays", "Leaves"))
    for student in (stays, leaves):
        student.viewers += 1
        student.step(5)
        session.set_lever(student, "follow_up_email", True)
        student.step(10)
    leaves.viewers -= 1
    assert leaves.release() and not leaves.loaded and leaves.day == 15
    assert csv_bytes(leaves) == csv_bytes(stays)  # the teacher still sees the measures
    assert not stays.release()  # a page still shows it
    leaves.step(20), stays.step(20)  # comes back: rebuilt by replay, then runs on
    assert leaves.loaded and csv_bytes(leaves) == csv_bytes(stays)


def test_the_same_browser_rejoins_by_name_another_browser_cannot(base):
    session = ClassSession(base, n_shown=300)
    key = session.join("Ana", browser="cookie-1")
    assert session.join(" Ana ", browser="cookie-1") == key
    assert session.known_browser("cookie-1") == "Ana" and session.known_browser("x") is None
    for other in ("cookie-2", None):
        with pytest.raises(ValueError, match="joined already"):
            session.join("Ana", browser=other)


def test_a_round_is_stored_whole_or_not_at_all(tmp_path):
    store = ClassStore(tmp_path)
    for name in ("a", "b"):
        store.add_market(name, name, None)

    def runs():
        yield DaysRun("a", 1, ['{"day": 1}', '{"day": 2}'])
        raise RuntimeError("the server died in the middle of the round")

    with pytest.raises(RuntimeError):
        store.add_days(runs(), rounds_run=1)
    assert store.rows("a") == [] and store.meta() == {}
    assert [m.day for m in store.markets()] == [0, 0]


KILLED_WRITER = """
import sys
from sim.classroom.class_store import ClassStore, DaysRun
store = ClassStore(sys.argv[1])
for name in "abcdefgh":
    store.add_market(name, name, None)
day = 0
while True:  # rounds of 10 days for 8 markets, one transaction each, until killed
    rows = ['{"x": %d}' % i for i in range(10)]
    store.add_days([DaysRun(n, day + 1, rows) for n in "abcdefgh"], rounds_run=day // 10 + 1)
    day += 10
    print(day, flush=True)
"""


def test_a_server_killed_mid_write_leaves_the_last_whole_round(tmp_path):
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(KILLED_WRITER), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    for _ in range(20):  # some rounds written, then SIGKILL whatever it is doing
        writer.stdout.readline()
    time.sleep(0.05)
    writer.kill()
    writer.wait()
    db = sqlite3.connect(tmp_path / FILE_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = ClassStore(tmp_path)
    rounds = store.meta()["rounds_run"]
    assert rounds >= 20
    for market in store.markets():
        assert market.day == rounds * 10 == len(store.rows(market.name))


def test_a_folder_of_another_lesson_or_a_broken_file_is_one_line(base, tmp_path):
    ClassSession(base, n_shown=300, folder=tmp_path / "one").close()
    other = small_scenario(days=60, warmup_days=10, seed=8)
    with pytest.raises(ScenarioError, match="another lesson") as caught:
        ClassSession(other, n_shown=300, folder=tmp_path / "one")
    assert "\n" not in str(caught.value)
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / FILE_NAME).write_bytes(b"not a database" * 100)
    with pytest.raises(ScenarioError, match="cannot be used as a class's file") as caught:
        ClassSession(base, n_shown=300, folder=tmp_path / "two")
    assert "\n" not in str(caught.value)


def test_stored_rows_are_the_market_s_rows_exactly(base, tmp_path):
    session = ClassSession(base, n_shown=300, folder=tmp_path)
    ana = session.student(session.join("Ana"))
    ana.step(12)
    assert ClassStore(tmp_path).rows("Ana") == day_rows(ana.numbers())


def dumped_rows(days: DaysTable) -> list[str]:
    """`day_rows` as it was: `json.dumps` of each day's dict, the day a whole number."""
    rows = days.values.tolist()
    return [json.dumps(dict(zip(days.columns, [int(r[0]), *r[1:]], strict=True))) for r in rows]


@pytest.mark.parametrize("odd", [None, np.nan, np.inf, -np.inf])
def test_day_rows_are_json_dumps_of_each_day_byte_for_byte(odd):
    rng = np.random.default_rng(3)
    values = np.column_stack([np.arange(1, 9), rng.normal(0, 1e6, (8, 5)) ** 3])
    values[:, 2] = np.round(values[:, 2])  # whole numbers, as counts are
    values[1, 3], values[2, 4], values[3, 5] = 0.1 + 0.2, -0.0, 5e-324
    if odd is not None:
        values[4, 1] = odd
    columns = ("day", "new_customers", '%s 100% "rate"', "naïve", "x\ny", "last")
    days = DaysTable(columns, values)
    assert day_rows(days) == dumped_rows(days)


def test_mot_class_stops_on_a_folder_it_cannot_use_with_status_2(
    small_scenario_file, tmp_path, capsys
):
    from sim.cli import main

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / FILE_NAME).write_text("not a database")
    assert main(["class", str(small_scenario_file), "--port", "8798", "--out", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mot class: error: ") and FILE_NAME in err[0]
