"""The class's student page rendered without a browser (solara.render): Play, closing the page.

Small markets (2,000 people, a 10-day warm-up, 200 days); seeded.
"""

from __future__ import annotations

import threading
import time

import ipyvuetify as v
import pytest
import solara
from helpers import small_scenario

from sim.classroom.class_session import ClassSession
from sim.classroom.student_page import StudentView


@pytest.fixture
def session():
    return ClassSession(small_scenario(days=200, warmup_days=10, seed=7), n_shown=300)


def wait_for(condition, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_play_stops_and_the_market_is_handed_back_when_the_page_closes(session):
    student = session.student(session.join("Ana"))
    threads_before = threading.active_count()
    box, rc = solara.render(StudentView(session, student), handle_error=False)
    assert student.viewers == 1
    (play,) = [b for b in rc.find(v.Btn).widgets if "Play" in b.children]
    play.click()
    wait_for(lambda: student.day >= 3)
    rc.close()  # the tab closed (the server closes its page's render context)
    stopped_at = student.day
    time.sleep(0.5)
    assert student.day == stopped_at < student.days, "Play kept running after the page closed"
    assert student.viewers == 0 and not student.loaded  # its memory handed back
    wait_for(lambda: threading.active_count() <= threads_before)
