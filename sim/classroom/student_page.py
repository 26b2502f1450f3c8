"""The student's page in a class: join with a name, then one market with the lesson beside it.

The market is the student's `StudentMarket`; the page holds nothing a reload would lose: the
address keeps the student's key (`/?key=...`), so reloading brings the same market back. Charts
are drawn in the browser (`LiveChart`): each frame sends numbers, not images.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import ipyvue
import solara

from sim.classroom import chart_options as opts
from sim.classroom.class_session import ClassSession, JoinError, hand_back_memory_soon
from sim.classroom.lever_set import STRATEGY_LEVERS, available
from sim.classroom.live_chart import LiveChart, layout_json, state_codes, to_json
from sim.classroom.page import (
    PLAY_PAUSE_S,
    SPEEDS,
    LeverControl,
    day_numbers,
    use_play,
    use_polled_reactive,
)
from sim.classroom.page_address import query
from sim.classroom.rich_text import RichText, escaped
from sim.classroom.separate import use_separate
from sim.classroom.step_buttons import StepButtons, shown_levers
from sim.classroom.student import StudentMarket


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

    What a day changes (the day, today's numbers, the charts) is rendered apart from the rest,
    and so are the levers and the lesson (`sim.classroom.separate`): a 7-day step redraws about
    twenty elements, without reacton walking the page's layout, the buttons, the twenty sliders
    and the lesson's text (~190 elements, 16 ms of server CPU a step before; docs/teaching.md).
    """
    class_version = use_polled_reactive(lambda: session.class_version)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEEDS[0])
    lever_tick = solara.use_reactive(0)
    done = solara.use_reactive(student.day >= student.days)

    def ran() -> None:
        tick.value += 1
        done.set(student.day >= student.days)  # the buttons redraw only when it changes

    def frame() -> bool:
        if student.day >= student.days or session.mode != "free" or student.viewers < 1:
            return False
        student.step(speed.value)
        ran()
        return True

    drawn = solara.use_memo(threading.Event, dependencies=[])  # set when `Market` has drawn
    use_play(playing, frame, PLAY_PAUSE_S, drawn)
    solara.use_effect(lambda: watch(session, student), [student])
    parts = [session, student]
    left = use_separate(lambda: LeftPanel(session, student, lever_tick, class_version), parts)
    who = use_separate(lambda: WhoAndDay(student, tick, class_version), parts)
    day = use_separate(lambda: DayLabel(student, tick, class_version), parts)
    market = use_separate(lambda: Market(session, student, tick, class_version, drawn), parts)
    with solara.Columns([2, 5], style={"padding": "8px", "margin": "0"}):  # no sideways scroll
        with solara.Column():
            Header(session, student, class_version.value, who)
            solara.Column(children=[left], style={"padding": "0"})
        with solara.Column():
            if session.mode == "free":
                finished = done.value or student.day >= student.days  # a round may have ended it
                Controls(session, student, playing, speed, lever_tick, finished, day, ran)
            solara.Column(children=[market], style={"padding": "0"})


@solara.component
def LeftPanel(
    session: ClassSession,
    student: StudentMarket,
    lever_tick: solara.Reactive[int],
    class_version: solara.Reactive[int],
) -> None:
    """The levers and the lesson (rendered apart from the rest of the page)."""
    with solara.Column(style={"padding": "0"}):
        Levers(session, student, lever_tick, (lever_tick.value, class_version.value))
        LessonPanel(session, student)


def watch(session: ClassSession, student: StudentMarket):
    """Count this page as showing `student`'s market; when the last page showing it closes,
    its memory is handed back (the class keeps its measures and lever history)."""
    with student.lock:
        student.viewers += 1

    def closed() -> None:
        with student.lock:
            student.viewers -= 1
            student.release()
        hand_back_memory_soon()

    return closed


@solara.component
def Header(
    session: ClassSession, student: StudentMarket, class_version: int, who: ipyvue.Html
) -> None:
    """The lesson's title, who and which day (`who`, redrawn each day), what the class is doing
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


def redraw_each_day(tick: solara.Reactive[int], class_version: solara.Reactive[int]) -> None:
    """Make the calling part re-render after every step (`tick`) and every change of the
    class, such as a round run (`class_version`): Solara subscribes a component to each
    reactive variable whose value it reads."""
    _ = tick.value, class_version.value


@solara.component
def WhoAndDay(
    student: StudentMarket, tick: solara.Reactive[int], class_version: solara.Reactive[int]
) -> None:
    """ "You are ... · day D of N", redrawn after every step and round (it reads both)."""
    redraw_each_day(tick, class_version)
    RichText(f"You are **{escaped(student.name)}** · day **{student.day}** of {student.days}")


@solara.component
def Levers(
    session: ClassSession, student: StudentMarket, lever_tick: solara.Reactive[int], version: tuple
) -> None:
    """The focal brand's levers; they act from the next day on.

    `version` changes only when a lever moved or the class changed, not every day: redrawing
    twenty sliders each frame would cost more than the frame's charts."""
    locked = session.levers_locked() is not None
    with solara.Card("Your strategy", classes=["mot-levers"]):
        for lever in available(STRATEGY_LEVERS):
            if lever.needs is not None and not student.values.get(lever.needs):
                continue
            if not lever.shown_in(session.base):
                continue

            def on_value(value, key=lever.key):
                session.set_lever(student, key, value)
                lever_tick.value += 1

            with solara.Div(classes=[f"mot-lever-{lever.key}"]):  # read by the Step buttons
                LeverControl(lever, student.values[lever.key], on_value, disabled=locked)
        if student.error:
            solara.Error(student.error, classes=["mot-error"])
        for note in student.notes:
            solara.Info(note, dense=True)


@solara.component
def Controls(
    session: ClassSession,
    student: StudentMarket,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    lever_tick: solara.Reactive[int],
    done: bool,
    day: ipyvue.Html,
    ran: Callable[[], None],
) -> None:
    """Play / pause, step a day or a week, days per frame (free play only). A click first
    applies the lever values the page shows (`sim.classroom.step_buttons`). `day` shows the
    day (redrawn each day, apart); `ran` tells the page that days ran."""

    def press(action: str, levers: dict) -> None:
        moved = False
        for key, value in shown_levers(levers).items():
            if key in student.values and student.values[key] != value:
                moved = session.set_lever(student, key, value) or moved
        if moved:
            lever_tick.value += 1
        if action == "play":
            playing.set(not playing.value)
        elif action in ("step_1", "step_7"):
            student.step(1 if action == "step_1" else 7)
            ran()

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        StepButtons(playing.value, done, press)
        solara.Column(children=[day], style={"padding": "0"})
        solara.Text("Days per frame:")
        solara.ToggleButtonsSingle(value=speed.value, values=list(SPEEDS), on_value=speed.set)


@solara.component
def DayLabel(
    student: StudentMarket, tick: solara.Reactive[int], class_version: solara.Reactive[int]
) -> None:
    """ "Day D", large, beside the buttons."""
    redraw_each_day(tick, class_version)
    solara.Text(
        f"Day {student.day}",
        classes=["mot-day"],
        style={"font-size": "1.3em", "font-weight": "bold"},
    )


@solara.component
def Market(
    session: ClassSession,
    student: StudentMarket,
    tick: solara.Reactive[int],
    class_version: solara.Reactive[int],
    drawn: threading.Event,
) -> None:
    """Today's numbers, the network picture (laid out once) and the journey charts; redrawn
    after every step and round (it reads both). `drawn` is set after each render (Play waits
    for it before the next frame)."""
    redraw_each_day(tick, class_version)
    solara.use_effect(drawn.set)
    network, journey = chart_setups()
    points, ties = layout_json(session.sample)
    feed = solara.use_memo(opts.JourneyFeed, [student])  # only the new days' JSON a frame
    daily = student.daily()
    with solara.Column(classes=["mot-summary"]):
        RichText(summary_line(session, daily))
    with solara.Columns([1, 1]):
        LiveChart(
            network,
            label=f"Network picture of {len(session.sample.people)} people coloured by moment, "
            f"day {student.day}.",
            height="560px",
            classes=["mot-network"],
            points=points,
            ties=ties,
            states=state_codes(student.network(session.sample)),
        )
        LiveChart(
            journey,
            feed.patch_json(daily),
            label=opts.journey_label(daily),
            height="800px",
            classes=["mot-journey"],
        )


@functools.cache
def chart_setups() -> tuple[str, str]:
    """The student's two charts set up (JSON), made once for every page."""
    return (
        to_json(opts.network_option("Your market: a sample of the people")),
        to_json(opts.journey_option("Your market: the journey")),
    )


def summary_line(session: ClassSession, daily) -> str:
    """Today's numbers in one line."""
    if not len(daily):
        return "Press Step or Play (or wait for the teacher's round) to start the days."
    return day_numbers(daily)


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
