"""The classroom page (Solara): levers in the sidebar, play / step / reset, charts per strategy.

Why Solara components rather than Mesa's `SolaraViz`: SolaraViz drives one model whose
constructor takes the sliders as keyword arguments, rebuilds it on Reset without catching errors
(an impossible combination ends in a traceback), and has no side-by-side comparison or
downloads. This page keeps Mesa underneath (`JourneyModel` is a `mesa.Model`; step = one day) and
charts drawn in the browser by ECharts from data (`sim.classroom.live_chart`; matplotlib PNGs
only for downloads), and adds
what a classroom needs: two strategies on the same market, a debrief chart, CSV/PNG downloads and
one-line messages for levers that cannot work together.

Run it with `mot app [SCENARIO]`; the scenario path comes in the `MOT_APP_SCENARIO` variable.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable

import ipyvue
import reacton.ipyvuetify as rv
import solara
from matplotlib.figure import Figure

from sim.classroom import chart_options as opts
from sim.classroom import charts
from sim.classroom import debrief_options as debrief
from sim.classroom.lever_set import MARKET_LEVERS, STRATEGY_LEVERS, available
from sim.classroom.levers import Lever
from sim.classroom.live_chart import LiveChart, layout_json, state_codes, to_json
from sim.classroom.session import Classroom
from sim.scenario.config import load_scenario
from sim.scenario.settings import Scenario

SCENARIO_VARIABLE = "MOT_APP_SCENARIO"
"""Environment variable holding the scenario file the page starts from (empty: built-in defaults)."""
SPEEDS: tuple[int, ...] = (1, 7, 30)
"""Days per frame while playing."""


def base_scenario() -> Scenario:
    """The scenario named by `MOT_APP_SCENARIO`, or the built-in defaults."""
    path = os.environ.get(SCENARIO_VARIABLE, "")
    return load_scenario(path) if path else Scenario(name="defaults")


def png(figure: Figure) -> bytes:
    """A figure as PNG bytes (shown on the page and offered for download)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


STILL_SWITCHES = (
    ".mot-levers .v-input--switch, .mot-levers .v-input--switch * { transition: none !important; }"
)
"""CSS for a card of levers: a switch flips without Vuetify's animation. Each of its ~23 frames
had the browser recompute styles and repaint (~0.13 s of a browser's CPU per flip, about as
much as drawing a week's charts), on the same laptop as the class's server when the teacher's
page projects it or students share a machine (docs/classroom-speed.md, "tenth round")."""


CAPTION_STYLE = "font-size: 0.8em; color: #555"
"""The line under a lever (`caption_of`)."""


def caption_of(lever: Lever, value) -> str:
    """The line under a lever: a slider's value ("now 3.5": its thumb shows it only while
    dragged, and a projected class reads it from the back row), then the lever's help."""
    if not lever.slider:
        return lever.help or ""
    return f"now {value:g}" + (f" · {lever.help}" if lever.help else "")


@solara.component
def LeverControl(
    lever: Lever,
    value,
    on_value: Callable,
    disabled: bool = False,
    caption: ipyvue.Html | None = None,
) -> None:
    """One lever as a slider, switch, choice or number box (greyed out when `disabled`), with
    its caption (`caption_of`) below: a new text each render, or the widget `caption` whose
    text its page sets in place as the lever moves (a student's page: `LeverTicks`).

    The switch and the sliders are Vuetify's own, as `solara.Switch` and `solara.SliderInt`
    make them but without their state: that state re-rendered the control at every move
    (~1.3 ms of the server's time for a switch, 30 times when a class switches a strategy on
    together; for a slider the larger part of a move's ~3.5 ms), and the page redraws a lever
    when it must anyway."""
    if lever.kind == "switch":
        rv.Switch(
            label=lever.label,
            v_model=bool(value),
            on_v_model=on_value,
            disabled=disabled,
            ripple=False,
            children=[lever.label],
        )
    elif lever.kind == "choice" and disabled:
        solara.Text(f"{lever.label}: {value:g}")
    elif lever.kind == "choice":
        solara.Text(lever.label)
        solara.ToggleButtonsSingle(
            value=value,
            values=list(lever.choices),
            on_value=on_value,
            dense=True,
            style={"flex-wrap": "wrap"},  # no choice hidden off a narrow column
        )
    elif lever.key == "seed":
        solara.InputInt(label=lever.label, value=int(value), on_value=on_value)
    else:
        as_number = int if lever.kind == "int" else float
        rv.Slider(
            v_model=as_number(value),
            on_v_model=lambda moved: on_value(as_number(moved)),
            label=lever.label,
            min=as_number(lever.minimum),
            max=as_number(lever.maximum),
            step=as_number(lever.step),
            thumb_label=True,
            dense=False,
            hide_details=True,
            disabled=disabled,
        )
    if caption is not None:
        solara.Div(children=[caption])
    elif text := caption_of(lever, value):
        solara.Text(text, style=CAPTION_STYLE)


@solara.component
def MarketPanel(classroom: Classroom, changed: Callable[[], None], tick: int) -> None:
    """The shared market: people and seed (`tick` changes whenever the classroom does)."""
    with solara.Card("Market (same for A and B)", classes=["mot-market"]):
        for lever in available(MARKET_LEVERS):

            def on_value(value, key=lever.key):
                classroom.set_market(key, value)
                changed()

            LeverControl(lever, classroom.market[lever.key], on_value)


@solara.component
def StrategyPanel(classroom: Classroom, arm: str, changed: Callable[[], None], tick: int) -> None:
    """The focal brand's levers for strategy `arm`."""
    values = classroom.arms[arm].values
    with solara.Card(f"Strategy {arm}", classes=[f"mot-levers-{arm}"]):
        for lever in available(STRATEGY_LEVERS):
            if lever.needs is not None and not values.get(lever.needs):
                continue
            if not lever.shown_in(classroom.base):
                continue

            def on_value(value, key=lever.key):
                classroom.set_lever(arm, key, value)
                changed()

            LeverControl(lever, values[lever.key], on_value)


@solara.component
def PlayButtons(playing: solara.Reactive[bool], step: Callable[[int], None], done: bool) -> None:
    """Play / pause and step a day or a week (the app's page and a student's page)."""
    solara.Button(
        "Pause" if playing.value else "Play",
        icon_name="mdi-play-pause",
        color="primary",
        disabled=done,
        on_click=lambda: playing.set(not playing.value),
    )
    solara.Button("Step 1 day", on_click=lambda: step(1), disabled=done or playing.value)
    solara.Button("Step 7 days", on_click=lambda: step(7), disabled=done or playing.value)


@solara.component
def Controls(
    classroom: Classroom,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[int],
    changed: Callable[[], None],
    tick: int,
) -> None:
    """Play / pause, step one day, step a week, reset, and the day counter."""

    def step(days: int) -> None:
        classroom.step(days)
        changed()

    def reset() -> None:
        playing.value = False
        classroom.reset()
        changed()

    def compare(value: bool) -> None:
        playing.value = False
        classroom.set_compare(value)
        changed()

    done = classroom.finished
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        PlayButtons(playing, step, done)
        solara.Button("Reset", color="warning", on_click=reset)
        solara.Text(
            f"Day {classroom.day} of {classroom.days}",
            classes=["mot-day"],
            style={"font-size": "1.3em", "font-weight": "bold"},
        )
        solara.Text("Days per frame:")
        solara.ToggleButtonsSingle(value=speed.value, values=list(SPEEDS), on_value=speed.set)
        solara.Switch(
            label="Compare strategy B (same market)", value=classroom.compare, on_value=compare
        )


@solara.component
def Messages(classroom: Classroom, tick: int) -> None:
    """Errors (impossible levers), pending changes and advice, one line each."""
    if classroom.error:
        solara.Error(
            f"These levers cannot work together: {classroom.error}. "
            "The page keeps the last market that worked.",
            classes=["mot-error"],
        )
    if classroom.pending:
        solara.Warning("Levers changed: press Reset to start a new run with them.")
    for arm in classroom.active:
        for note in arm.notes:
            solara.Info(f"Strategy {arm.name}: {note}")


PLAY_PAUSE_S = 0.02
"""Pause between Play frames: lets a lever move or Pause slip in between two frames."""
FRAME_WAIT_S = 10.0
"""Longest a Play frame waits for the page to draw the last one (a closed page never does)."""
POLL_SECONDS = 1.0
"""How often a class page checks whether the class changed (the teacher ran a round, a student
joined): a redraw follows within a second."""


def use_play(
    playing: solara.Reactive[bool],
    frame: Callable[[], bool],
    pause_s: float,
    drawn: threading.Event | None = None,
) -> None:
    """While `playing`, run `frame` (one Play frame; False once the market cannot go on) in a
    thread, each frame after the page has drawn the last one, `pause_s` apart. `drawn` is set
    by whatever draws a frame (default: set after every render of the calling component; a
    page that draws its frames in a part rendered apart passes that part's event).

    Why not `solara.lab.use_task`: its thread is not stopped when the page closes, so a closed
    tab's Play kept stepping (and holding) the market to its last day; and it stepped on while
    the page was still drawing, so a render that took longer than a frame never ended ("Too
    many renders"). Here the thread stops at Pause, at the market's end, or when the page closes
    (the effect's cleanup), and waits for each frame to be drawn."""
    own = solara.use_memo(threading.Event, dependencies=[])
    solara.use_effect(own.set)  # after every render of the calling component
    drawn = own if drawn is None else drawn

    def loop(cancel: threading.Event) -> None:
        while playing.value and not cancel.is_set():
            drawn.clear()
            if not frame():
                break
            wait_for_either(drawn, cancel, FRAME_WAIT_S)
            cancel.wait(pause_s)
        if not cancel.is_set():
            playing.set(False)

    solara.use_thread(loop, dependencies=[playing.value], intrusive_cancel=False)


def wait_for_either(first: threading.Event, second: threading.Event, timeout_s: float) -> None:
    """Wait until either event is set (or `timeout_s` passed), checking every 20 ms."""
    deadline = time.monotonic() + timeout_s
    while not (first.is_set() or second.is_set()) and time.monotonic() < deadline:
        first.wait(0.02)


def use_polled(read: Callable[[], int]) -> int:
    """A number another page may change (a class's version), read every `POLL_SECONDS` in a
    thread that ends with the page; the component redraws when it changed."""
    return use_polled_reactive(read).value


def use_polled_reactive(read: Callable[[], int]) -> solara.Reactive[int]:
    """`use_polled`'s number as a reactive variable: every component that reads its value
    (in this render context or another, `sim.classroom.separate`) redraws when it changed."""
    seen = solara.use_reactive(read())

    def watch(cancel: threading.Event) -> None:
        while not cancel.wait(POLL_SECONDS):  # ends when the page closes (a daemon thread)
            if read() != seen.value:
                seen.value = read()

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)
    return seen


def summary(classroom: Classroom, arm: str) -> str:
    """One line of today's numbers for an arm."""
    daily = classroom.daily(arm)
    return day_numbers(daily) if len(daily) else "Press Step or Play to start the days."


def day_numbers(daily) -> str:
    """The days run so far in one line: customers today, new, lost, reviews, rating, critics
    (also the student page's line in class mode)."""
    last = opts.last_day(daily, ("customers", "review_count", "mean_rating"))
    total = opts.totals(daily, ("new_customers", "churned", "critics"))
    rating = f"{last['mean_rating']:.2f} stars" if last["review_count"] else "no reviews yet"
    return (
        f"**{int(last['customers'])}** customers · **{int(total['new_customers'])}** new · "
        f"**{int(total['churned'])}** lost · **{int(last['review_count'])}** reviews, "
        f"{rating} · **{int(total['critics'])}** critics"
    )


@solara.component
def ArmView(classroom: Classroom, arm: str, tick: int) -> None:
    """Network picture and journey charts of one strategy, drawn in the browser (data, not
    images); side by side, A and B share their y scales. PNG downloads are drawn on request."""
    sample = classroom.sample
    network = solara.use_memo(
        lambda: to_json(
            opts.network_option(f"Strategy {arm}: a sample of {len(sample.people)} people")
        ),
        [arm, len(sample.people)],
    )
    points, ties = solara.use_memo(lambda: layout_json(sample), [sample])
    journey = solara.use_memo(
        lambda: to_json(opts.journey_option(f"Strategy {arm}: the journey")), [arm]
    )
    daily = classroom.daily(arm)
    tops = opts.journey_tops([classroom.daily(a.name) for a in classroom.active])
    with solara.Column(classes=[f"mot-arm-{arm}"]):
        solara.Markdown(summary(classroom, arm))
        LiveChart(
            network,
            label=f"Network picture of strategy {arm} on day {classroom.day}, coloured by moment.",
            height="520px",
            classes=[f"mot-network-{arm}"],
            points=points,
            ties=ties,
            states=state_codes(classroom.network(arm)),
        )
        LiveChart(
            journey,
            to_json(opts.journey_patch(daily, tops)),
            label=opts.journey_label(daily),
            height="800px",
            classes=[f"mot-journey-{arm}"],
        )
        with solara.Row():
            solara.FileDownload(
                lambda: png(
                    charts.network_figure(sample, classroom.network(arm), f"Strategy {arm}")
                ),
                f"classroom-network-{arm}-day{classroom.day}.png",
                "Network (PNG)",
                mime_type="image/png",
            )
            solara.FileDownload(
                lambda: png(
                    charts.journey_figure(classroom.daily(arm), f"Strategy {arm}: the journey")
                ),
                f"classroom-journey-{arm}-day{classroom.day}.png",
                "Journey charts (PNG)",
                mime_type="image/png",
            )


@solara.component
def Debrief(classroom: Classroom, tick: int) -> None:
    """The difference chart, B minus A, for the debrief (drawn in the browser)."""
    seed = classroom.market["seed"]
    option = solara.use_memo(lambda: to_json(debrief.difference_option(seed)), [seed])
    table = charts.difference_table(classroom.daily("A"), classroom.daily("B"))
    with solara.Column(classes=["mot-debrief"]):
        LiveChart(
            option,
            to_json(debrief.difference_patch(table)),
            label=debrief.difference_label(table),
            height="520px",
        )
        solara.FileDownload(
            lambda: png(charts.difference_figure(classroom.daily("A"), classroom.daily("B"), seed)),
            f"classroom-debrief-day{classroom.day}.png",
            "Debrief chart (PNG)",
            mime_type="image/png",
        )


@solara.component
def Page() -> None:
    """The whole page: one `Classroom` per browser session.

    Components get `tick` (bumped after every change) because reacton skips re-rendering a child
    whose arguments compare equal, and the `Classroom` object itself stays the same.
    """
    classroom = solara.use_memo(lambda: Classroom(base_scenario()), dependencies=[])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(SPEEDS[0])

    def changed() -> None:
        tick.value += 1

    def frame() -> bool:
        if classroom.finished:
            return False
        classroom.step(speed.value)
        changed()
        return True

    use_play(playing, frame, PLAY_PAUSE_S)

    solara.Title("Moments of Truth: classroom")
    with solara.Sidebar():
        MarketPanel(classroom, changed, tick.value)
        for arm in classroom.active:
            StrategyPanel(classroom, arm.name, changed, tick.value)
    with solara.Column(style={"padding": "8px"}):
        solara.Markdown(f"## Moments of Truth: {classroom.base.name}")
        Controls(classroom, playing, speed, changed, tick.value)
        Messages(classroom, tick.value)
        with solara.Columns([1] * len(classroom.active)):
            for arm in classroom.active:
                ArmView(classroom, arm.name, tick.value)
        if classroom.compare:
            Debrief(classroom, tick.value)
        solara.FileDownload(
            lambda: classroom.data_csv(),
            f"classroom-{classroom.base.name}.csv",
            "Download the run's data (CSV)",
            mime_type="text/csv",
        )
