"""The student's page in a class: join with a name, then one market with the lesson beside it.

The market is the student's `StudentMarket`; the page holds nothing a reload would lose: the
address keeps the student's key (`/?key=...`), so reloading brings the same market back. Charts
are drawn in the browser (`LiveChart`): each frame sends numbers, not images.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import ipyvue
import ipyvuetify
import ipywidgets
import solara

from sim.classroom.class_session import ClassSession, JoinError
from sim.classroom.day_parts import DayParts
from sim.classroom.hand_back import hand_back_memory_soon, keep_out_of_collection_soon
from sim.classroom.lever_set import STRATEGY_LEVERS, available
from sim.classroom.levers import Lever
from sim.classroom.page import (
    CAPTION_STYLE,
    PLAY_PAUSE_S,
    SPEEDS,
    STILL_SWITCHES,
    LeverControl,
    caption_of,
    use_play,
    use_polled_reactive,
)
from sim.classroom.page_address import query
from sim.classroom.rich_text import RichText
from sim.classroom.separate import use_separate
from sim.classroom.step_buttons import StepButtons, shown_levers
from sim.classroom.student import WEEK, StudentMarket


@solara.component
def StudentPage(session: ClassSession) -> None:
    """Join form, or the student's market when the address holds their key."""
    router = solara.use_router()
    student = session.student(query(router.search, "key"))
    solara.Title("Moments of Truth: class")
    if student is None:
        JoinForm(session, browser_id(), lambda key: router.push(f"/?key={key}"))
    else:
        StudentView(session, student)


def browser_id() -> str | None:
    """This browser's session cookie (Solara's, kept until 2038): the same browser may re-join
    under its name after losing the address, even after the server restarted."""
    try:
        return solara.get_session_id()
    except Exception:  # rendered outside a server (tests): no browser
        return None


@solara.component
def JoinForm(session: ClassSession, browser: str | None, joined) -> None:
    """A name (or a team's name) and a Join button; filled in for a browser that joined before."""
    name = solara.use_reactive(session.known_browser(browser) or "")
    error = solara.use_reactive("")

    def join() -> None:
        try:
            joined(session.join(name.value, browser))
        except JoinError as exc:
            error.value = str(exc)

    with solara.Card("Join the class", style={"max-width": "480px", "margin": "40px auto"}):
        if session.lesson:
            RichText(f"**{session.lesson.title}**")
        solara.InputText("Your name or your team's name", value=name, continuous_update=True)
        solara.Button("Join", color="primary", on_click=join, classes=["mot-join"])
        if error.value:
            solara.Error(error.value, classes=["mot-join-error"])


@solara.component
def StudentView(session: ClassSession, student: StudentMarket) -> None:
    """Levers, controls and lesson on the left; the network and journey charts on the right.

    What a day changes (the day, today's numbers, the charts) is a set of widgets updated in
    place (`DayParts`), and the levers and the lesson are rendered apart (`sim.classroom.
    separate`): a step neither re-renders the page's layout, the buttons, the twenty sliders
    and the lesson's text (~190 elements) nor re-renders the day's parts (docs/classroom-speed.md).
    """
    class_version = use_polled_reactive(lambda: session.class_version)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEEDS[0])
    ticks = solara.use_memo(lambda: LeverTicks(shown_levers_of(session)), [session])
    solara.use_effect(lambda: ticks.close, [ticks])
    done = solara.use_reactive(student.day >= student.days)
    day = solara.use_memo(lambda: DayParts(session, student), [student])
    solara.use_effect(lambda: day.close, [day])
    solara.use_effect(day.show, [class_version.value])  # a round ran, or the class changed

    def ran() -> None:
        day.show()
        ticks.notes.show(student.error, student.notes)  # days that failed: the card says why
        drawn.set()  # the frame is out: Play may run the next
        done.set(student.day >= student.days)  # the buttons redraw only when it changes

    def frame() -> bool:
        if student.day >= student.days or session.mode != "free" or student.viewers < 1:
            return False
        student.step(speed.value)
        ran()
        return True

    drawn = solara.use_memo(threading.Event, dependencies=[])
    use_play(playing, frame, PLAY_PAUSE_S, drawn)
    solara.use_effect(lambda: watch(session, student), [student])
    levers = use_separate(
        lambda: Levers(session, student, ticks, class_version), [session, student]
    )
    lesson = use_separate(lambda: LessonPanel(session, student), [session, student])
    with solara.Columns([2, 5], style={"padding": "8px", "margin": "0"}):  # no sideways scroll
        with solara.Column():
            Header(session, student, class_version.value, day.who)
            solara.Column(children=[levers, lesson], style={"padding": "0"})
        with solara.Column():
            if session.mode == "free":
                finished = done.value or student.day >= student.days  # a round may have ended it
                Controls(session, student, playing, speed, ticks, finished, day.day, ran)
            solara.Column(children=[day.summary], style={"padding": "0"})
            solara.Columns([1, 1], children=[day.network, day.journey])


def watch(session: ClassSession, student: StudentMarket):
    """Count this page as showing `student`'s market; when the last page showing it closes,
    its memory is handed back (the class keeps its measures and lever history)."""
    with student.lock:
        student.viewers += 1
    keep_out_of_collection_soon()  # the page lives as long as the student stays

    def closed() -> None:
        with student.lock:
            student.viewers -= 1
            student.release()
        hand_back_memory_soon()

    return closed


@solara.component
def Header(
    session: ClassSession, student: StudentMarket, class_version: int, who: ipywidgets.Widget
) -> None:
    """The lesson's title, who and which day (`who`, updated each day), what the class is doing
    (`class_version` changes when it does: the header re-renders then, not at each step)."""
    title = session.lesson.title if session.lesson else session.base.name
    RichText(f"### {title}")
    solara.Column(children=[who], style={"padding": "0"})
    if session.mode == "rounds":
        status = f"Round {session.rounds_run} of {session.n_rounds} done ({session.round_days} days each)."
        if session.running:
            status = f"Round {session.rounds_run + 1} is running."
        elif session.rounds_run < session.n_rounds:
            status += " Set your levers; the teacher runs the next round."
        solara.Info(status, dense=True, classes=["mot-round"])
    locked = session.levers_locked()
    if locked:
        solara.Warning(f"Levers locked: {locked}.", dense=True, classes=["mot-locked"])


class LeverTicks:
    """What a lever move redraws on the student's page (`move`): a counter per lever, the
    card's notes (set in place), and the parts of the levers that show only while a switch is
    on.

    Why not one counter for the whole card: each lever is rendered in its own render context
    (`use_separate`), because re-rendering the card's twenty sliders for one move cost the
    server 20 ms (a slider) to 80 ms (a switch that shows another lever), and 30 students
    moving levers before a step queued seconds of it (docs/classroom-speed.md, "eighth round"). A
    move redraws only what it changed: even one small part costs reacton about 2.5 ms, and
    making a lever's slider when its switch turns on about 6 ms (docs/classroom-speed.md, "ninth
    round")."""

    def __init__(self, levers: list[Lever]) -> None:
        self.shown = {lever.key: lever for lever in levers}
        """The levers, by key, in the card's order."""
        self.levers = {lever.key: solara.Reactive(0) for lever in levers}
        self.notes = Notes()
        """The card's error and advice."""
        self.needed_by = {
            key: [lever.key for lever in levers if lever.needs == key] for key in self.levers
        }
        self.refused = {lever.key: 0 for lever in levers}
        """Moves refused per lever: the lever's control is made anew after one. Why: a control
        keeps the value its widget sent while the value it is given stays the same (reacton sets
        only the properties that changed), so a redraw alone would leave a refused switch
        showing the move."""
        self.parts: dict[str, ipyvue.Html] = {}
        """Each lever's part (`place`). A lever that needs a switch is always rendered and
        hidden by its part's style while the switch is off, so the switch shows it by one
        style change instead of making its widgets."""
        self.captions: dict[str, ipyvue.Html] = {}
        """Each slider's caption ("now 3.5"), its text set in place as the slider moves
        (`caption`). Redrawing the lever for it took most of a slider move's ~3.5 ms of the
        server's time, the largest part of it when 30 students set levers of their own and
        pressed Step together (docs/classroom-speed.md, "twelfth round")."""

    def place(self, parts: list[ipyvue.Html], values: Mapping[str, Any]) -> None:
        """The levers' parts, in the card's order, shown or hidden as `values` say."""
        self.parts = dict(zip(self.shown, parts, strict=True))
        for key in self.shown:
            self.show_or_hide(key, values)

    def caption(self, key: str, value: Any) -> ipyvue.Html:
        """Slider `key`'s caption widget, made at its first render, reading `value`."""
        text = caption_of(self.shown[key], value)
        if key not in self.captions:
            self.captions[key] = ipyvuetify.Html(tag="span", style_=CAPTION_STYLE)
        self.captions[key].children = [text]  # sent only if it changed (traitlets)
        return self.captions[key]

    def close(self) -> None:
        """Close the captions' and the notes' widgets (the page closed)."""
        for widget in self.captions.values():
            widget.close()
        self.notes.close()

    def hidden(self, key: str, values: Mapping[str, Any]) -> bool:
        """True for a lever that needs a switch that is off in `values`."""
        needs = self.shown[key].needs
        return needs is not None and not values.get(needs)

    def show_or_hide(self, key: str, values: Mapping[str, Any]) -> None:
        """Show or hide the part of lever `key` as `values` say (`hidden`)."""
        if key in self.parts:
            self.parts[key].style_ = "display: none" if self.hidden(key, values) else ""

    def move(
        self,
        session: ClassSession,
        student: StudentMarket,
        key: str,
        value: Any,
        widget_shows_it: bool,
    ) -> None:
        """Move lever `key` of `student` to `value`, then redraw what changed.

        `widget_shows_it`: the lever's own widget sent `value` (its control already shows it).
        Then the lever is redrawn only if the move was refused (the control goes back); a
        slider's caption is set in place ("now 3.5"). A value that came with a click
        (`Controls`) redraws the lever, since its widget may not have received it yet. A
        hidden lever's widget moves only when Vuetify rounds a slider's value to its step,
        never by the student: such a move is ignored (`as_shown` applies it when the lever
        shows)."""
        if widget_shows_it and self.hidden(key, student.values):
            return
        accepted = session.set_lever(student, key, value)
        if not accepted:
            self.refused[key] += 1
        if not (accepted and widget_shows_it):
            self.levers[key].value += 1
        elif self.shown[key].slider:
            self.caption(key, value)
        for shown in self.needed_by.get(key, []):
            self.show_or_hide(shown, student.values)
            if not self.hidden(shown, student.values):
                self.as_shown(session, student, shown)
        self.notes.show(student.error, student.notes)

    def as_shown(self, session: ClassSession, student: StudentMarket, key: str) -> None:
        """Move lever `key` to the value its slider shows, if that differs (the lesson's 56 %
        on a slider of 5 % steps shows 55): what a student sees is what runs. The slider took
        that value when it was made, hidden, and a hidden lever's moves are ignored."""
        shown = self.shown[key].on_slider(student.values[key])
        if shown != student.values[key]:
            self.move(session, student, key, shown, widget_shows_it=True)


def shown_levers_of(session: ClassSession) -> list[Lever]:
    """The strategy levers this lesson shows (some only while the lever they need is on)."""
    return [lever for lever in available(STRATEGY_LEVERS) if lever.shown_in(session.base)]


@solara.component
def Levers(
    session: ClassSession,
    student: StudentMarket,
    ticks: LeverTicks,
    class_version: solara.Reactive[int],
) -> None:
    """The focal brand's levers; they act from the next day on. Rendered apart from the rest of
    the page, each lever and the notes in a part of their own (`LeverTicks`); the card itself
    re-renders only when the class changed (`class_version`: levers locked or not)."""
    _ = class_version.value  # read: this part re-renders when it changes
    locked = session.levers_locked() is not None
    parts = [
        use_separate(
            lambda lever=lever: StudentLever(session, student, lever, ticks, locked),
            [session, student, locked],
        )
        for lever in ticks.shown.values()
    ]
    notes = use_separate(lambda: LeverNotes(student, ticks.notes), [student])
    ticks.place(parts, student.values)  # widgets kept from the first render: idempotent
    with solara.Card("Your strategy", classes=["mot-levers"]):
        solara.Style(STILL_SWITCHES)
        solara.Column(children=[*parts, notes], style={"padding": "0"})


@solara.component
def StudentLever(
    session: ClassSession, student: StudentMarket, lever: Lever, ticks: LeverTicks, locked: bool
) -> None:
    """One lever (hidden by `ticks` while a switch it needs is off)."""
    _ = ticks.levers[lever.key].value  # read: re-rendered when `ticks` says so

    def on_value(value) -> None:
        ticks.move(session, student, lever.key, value, widget_shows_it=True)

    value = student.values[lever.key]
    caption = ticks.caption(lever.key, value) if lever.slider else None
    with solara.Div(classes=[f"mot-lever-{lever.key}"]) as part:  # read by the Step buttons
        LeverControl(lever, value, on_value, disabled=locked, caption=caption)
    part.key(f"{lever.key}-{ticks.refused[lever.key]}")  # made anew after a refusal


class Notes:
    """Why a lever move was refused and the lesson's advice for the levers as set: alerts as
    `solara.Error` and `solara.Info` draw them, whose texts and list are set in place
    (`show`). Rendered anew, they cost the server a render at most moves when 30 students set
    levers of their own and pressed Step together (the e-mail's advice names its delay), and
    a new advice made its widgets: 4.8 ms a move under cProfile (docs/classroom-speed.md, "twelfth
    round")."""

    def __init__(self) -> None:
        self.box = ipyvuetify.Html(tag="div", children=[])
        """What the card shows: the error (if any), then one alert per advice."""
        self.error = ipyvuetify.Alert(type="error", text=True, outlined=True, class_="mot-error")
        self.advice: list[ipyvuetify.Alert] = []
        """Advice alerts made so far (kept: the next advice reuses them)."""

    def show(self, error: str | None, notes: list[str]) -> None:
        """Show `error` and the advice `notes`. Only what changed is sent (traitlets sends no
        value equal to the one it holds), so a page calls this after every move and step."""
        while len(self.advice) < len(notes):
            self.advice.append(ipyvuetify.Alert(type="info", text=True, outlined=True, dense=True))
        for alert, text in zip(self.advice, notes, strict=False):
            alert.children = [text]
        if error:
            self.error.children = [error]
        self.box.children = ([self.error] if error else []) + self.advice[: len(notes)]

    def close(self) -> None:
        """Close the alerts' widgets (the page closed)."""
        for widget in [self.box, self.error, *self.advice]:
            widget.close()


@solara.component
def LeverNotes(student: StudentMarket, notes: Notes) -> None:
    """Why a lever move was refused, and the lesson's advice for the levers as set (`Notes`:
    rendered once, then set in place)."""
    notes.show(student.error, student.notes)
    solara.Column(children=[notes.box], style={"padding": "0"})


@solara.component
def Controls(
    session: ClassSession,
    student: StudentMarket,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    ticks: LeverTicks,
    done: bool,
    day: ipyvue.Html,
    ran: Callable[[], None],
) -> None:
    """Play / pause, step a day or a week, days per frame (free play only). A click first
    applies the lever values the page shows (`sim.classroom.step_buttons`). `day` shows the
    day (updated in place each day); `ran` tells the page that days ran."""

    def press(action: str, levers: dict) -> None:
        for key, value in shown_levers(levers).items():
            if key in ticks.levers and student.values[key] != value:  # shown on this page
                ticks.move(session, student, key, value, widget_shows_it=False)
        if action == "play":
            playing.set(not playing.value)
        elif action in ("step_1", "step_7"):
            student.step_then(1 if action == "step_1" else WEEK, ran)

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        StepButtons(playing.value, done, press)
        solara.Column(children=[day], style={"padding": "0"})
        solara.Text("Days per frame:")
        solara.ToggleButtonsSingle(value=speed.value, values=list(SPEEDS), on_value=speed.set)


@solara.component
def LessonPanel(session: ClassSession, student: StudentMarket) -> None:
    """The lesson's goal, steps and questions, with a box for each answer."""
    lesson = session.lesson
    if lesson is None:
        return
    with solara.Card("The lesson", classes=["mot-lesson"]):
        RichText(f"**Goal.** {lesson.goal}")
        if lesson.steps:
            RichText(
                "**Steps.**\n\n" + "\n".join(f"{n}. {s}" for n, s in enumerate(lesson.steps, 1))
            )
        for number, question in enumerate(lesson.questions):

            def on_value(text: str, number=number) -> None:
                session.set_answer(student, number, text)

            RichText(f"**Q{number + 1}.** {question}")
            with solara.Column(classes=[f"mot-answer-{number + 1}"]):
                solara.InputTextArea(
                    "Your answer", value=student.answers.get(number, ""), on_value=on_value, rows=2
                )
