"""The class's student page rendered without a browser (solara.render): Play, closing the page.

Small markets (2,000 people, a 10-day warm-up, 200 days); seeded.
"""

from __future__ import annotations

import threading
import time

import ipyvuetify as v
import pandas as pd
import pytest
import solara
from helpers import small_scenario

from sim.classroom import student_page
from sim.classroom.class_session import ClassSession
from sim.classroom.levers import Lever
from sim.classroom.step_buttons import StepButtonsWidget
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
    rc.find(StepButtonsWidget).widget.vue_press({"action": "play", "levers": {}})
    wait_for(lambda: student.day >= 3)
    rc.close()  # the tab closed (the server closes its page's render context)
    stopped_at = student.day
    time.sleep(0.5)
    assert student.day == stopped_at < student.days, "Play kept running after the page closed"
    assert student.viewers == 0 and not student.loaded  # its memory handed back
    wait_for(lambda: threading.active_count() <= threads_before)


def test_play_draws_frame_after_frame_without_waiting_out_the_frame_timeout(session):
    """Each Play frame waits until the page has drawn the last one; the market's part is updated
    in place (`DayParts`, no render), so the page must say when it has drawn. Without that,
    every frame waited FRAME_WAIT_S (10 s): 0 frames/s in the class benchmark."""
    student = session.student(session.join("Player"))
    box, rc = solara.render(StudentView(session, student), handle_error=False)
    rc.find(StepButtonsWidget).widget.vue_press({"action": "play", "levers": {}})
    time.sleep(3.0)  # frames of a 2,000-person market take ~0.03 s; one timeout would be 10 s
    days = student.day
    rc.close()
    assert days >= 10, f"{days} frames in 3 s"


def test_a_step_runs_the_lever_values_the_page_shows(session):
    """The click carries the levers shown (a slider's last value may still be on its way)."""
    typed, waited = (session.student(session.join(n)) for n in ("Typed", "Waited"))
    session.set_lever(waited, "quality", 1.9)  # the slow way: the values arrived, then Step
    session.set_lever(waited, "on_time", 80.0)
    waited.step(7)
    box, rc = solara.render(StudentView(session, typed), handle_error=False)
    buttons = rc.find(StepButtonsWidget).widget
    shown = {"quality": 1.9, "on_time": "80", "follow_up_email": False, "no_such": 3, "seed": 9}
    shown["onboarding"] = True  # a lever this B2C lesson does not show
    buttons.vue_press({"action": "step_7", "levers": shown})
    assert typed.day == 7 and typed.levers_on(1) == waited.levers_on(1)
    assert [m.key for m in typed.moves] == ["quality", "on_time"]  # junk, seed, unshown ignored
    pd.testing.assert_frame_equal(typed.daily(), waited.daily())
    rc.close()


def test_a_lever_move_redraws_only_what_it_changed(session, monkeypatch):
    """Each lever is a part of its own: a move re-renders that lever (if its control must
    change), shows or hides the levers that need it by their part's style, and nothing else
    (re-rendering the card's twenty cost the server 20-80 ms a move; docs/teaching.md)."""
    rendered: list[str] = []
    control = student_page.LeverControl

    @solara.component
    def Counted(lever, value, on_value, disabled=False, caption=None):
        rendered.append(lever.key)
        control(lever, value, on_value, disabled=disabled, caption=caption)

    monkeypatch.setattr(student_page, "LeverControl", Counted)
    student = session.student(session.join("Ana"))
    box, rc = solara.render(StudentView(session, student), handle_error=False)
    assert len(rendered) >= 10 and "follow_up_delay" in rendered  # every lever, once
    delay_slider = rc.find(v.Slider, label="E-mail delay (days after delivery)").widget
    lever = rc.find(v.Html, class_="mot-lever-follow_up_delay").widget
    delay = next(w for w in descendants(box) if lever in getattr(w, "children", ()))  # its part
    assert delay.style_ == "display: none"  # made, but hidden while the e-mail is off
    before = student.values["follow_up_delay"]
    delay_slider.v_model = before + 2  # Vuetify snapping a hidden slider's value: ignored
    assert student.values["follow_up_delay"] == before and student.moves == []
    buttons = rc.find(StepButtonsWidget).widget
    switch = rc.find(v.Switch, label="Follow-up e-mail").widget

    rendered.clear()
    buttons.vue_press({"action": "step_1", "levers": {"quality": 2.5}})
    assert rendered == ["quality"]  # came with a click: its control may not show it yet
    rendered.clear()
    switch.v_model = True  # the switch's own widget: it shows the value already
    assert rendered == [] and delay.style_ == "" and student.values["follow_up_email"] is True
    switch.v_model = False
    assert rendered == [] and delay.style_ == "display: none"
    buttons.vue_press({"action": "step_1", "levers": {"follow_up_email": True}})
    assert rendered == ["follow_up_email"] and delay.style_ == ""
    caption = rc.find(v.Html, children=[f"now {before}"]).widget
    delay_slider.v_model = 12
    assert rendered == ["follow_up_email"]  # the slider shows 12 already: nothing redrawn,
    assert caption.children == ["now 12"]  # its caption set in place
    assert student.values["follow_up_delay"] == 12
    notes = student_page.LeverNotes.render_count
    delay_slider.v_model = 30  # after customers judged the product: the lesson's advice
    assert "arrives 30 days" in " ".join(texts(box))  # "... can no longer prevent a critic"
    delay_slider.v_model = 29  # the advice names the delay: its text is set anew
    assert "arrives 29 days" in " ".join(texts(box))
    assert "arrives 30 days" not in " ".join(texts(box))
    delay_slider.v_model = 12  # in time again: no advice
    assert "can no longer prevent a critic" not in " ".join(texts(box))
    assert student_page.LeverNotes.render_count == notes  # all set in place, nothing rendered
    delay_slider.v_model = 30

    reply = rc.find(v.Switch, label="Reply to critics").widget
    assert student.values["reply_share"] == 56.0  # the lesson's, off its slider's 5 % steps
    reply.v_model = True
    assert student.values["reply_share"] == 55.0  # as its slider shows it
    assert [(m.key, m.value) for m in student.moves][-2:] == [
        ("reply_to_reviews", True),
        ("reply_share", 55.0),
    ]

    renders = student_page.StudentLever.render_count
    session.running = True  # a round runs: levers are locked, the move is refused
    switch.v_model = False
    assert student_page.StudentLever.render_count == renders + 1  # its part redraws:
    assert rc.find(v.Switch, label="Follow-up e-mail").widget.v_model is True  # back on
    (error,) = [w for w in descendants(box) if "mot-error" in (getattr(w, "class_", "") or "")]
    assert "levers are locked" in " ".join(texts(error))  # the card says why
    switch.v_model = False  # refused again, the same value as before
    assert rc.find(v.Switch, label="Follow-up e-mail").widget.v_model is True
    assert student.values["follow_up_email"] is True and delay.style_ == ""
    rc.close()


def texts(widget) -> list[str]:
    """Every text below `widget`."""
    below = [widget, *descendants(widget)]
    return [c for w in below for c in getattr(w, "children", None) or [] if isinstance(c, str)]


def descendants(widget) -> list:
    """Every widget below `widget` (children, depth first)."""
    found = []
    for child in getattr(widget, "children", None) or []:
        if not isinstance(child, str):
            found += [child, *descendants(child)]
    return found


def test_a_slider_shows_a_value_rounded_to_its_step_from_its_minimum():
    """As Vuetify rounds it (half up, under the maximum): what `LeverTicks.as_shown` applies."""
    share = Lever("share", "Share", "float", None, None, minimum=0.0, maximum=100.0, step=5.0)
    days = Lever("days", "Days", "int", None, None, minimum=1, maximum=30, step=2)
    assert [share.on_slider(x) for x in (56.0, 57.5, 55.0, 99.0, 0.4)] == [55, 60, 55, 100, 0]
    assert [days.on_slider(x) for x in (4, 2, 30)] == [5, 3, 30]  # 1, 3, ... 29; max 30
    switch = Lever("on", "On", "switch", None, None)
    assert switch.on_slider(True) is True
