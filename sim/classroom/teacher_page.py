"""The teacher's page: who joined, free play or rounds, the live table, leaderboard and debrief.

Only an address with the class's token (printed by `mot class`) shows anything; any other gets
one line and no class data. The page checks the class every second and redraws when a student
moved a lever, stepped, or answered a question.
"""

from __future__ import annotations

import io
import threading

import pandas as pd
import segno
import solara
import solara.lab

from sim.classroom import debrief_options as debrief
from sim.classroom.class_kpis import CLASS_KPIS
from sim.classroom.class_session import BASELINE, ClassSession
from sim.classroom.debrief_png import debrief_png
from sim.classroom.live_chart import LiveChart, to_json
from sim.classroom.page import use_polled
from sim.classroom.page_address import query

"""How often the teacher's page looks for changes (students' levers, days, answers)."""


def qr_png(url: str) -> bytes:
    """The students' address as a QR code (PNG) for phones and tablets."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


@solara.component
def TeacherPage(session: ClassSession) -> None:
    """The teacher's console, behind the token."""
    router = solara.use_router()
    solara.Title("Moments of Truth: teacher")
    if not session.check_token(query(router.search, "token")):
        solara.Error(
            "This is the teacher's page: open the address `mot class` printed (it holds the token).",
            classes=["mot-refused"],
        )
        return
    TeacherConsole(session)


@solara.component
def TeacherConsole(session: ClassSession) -> None:
    """Everything the teacher sees once the token matched."""
    version = use_polled(lambda: session.version)
    kpi = solara.use_reactive(session.kpi)
    with solara.Column(style={"padding": "12px"}):
        JoinInfo(session)
        RoundControls(session, version)
        solara.Markdown("### The class now")
        solara.DataFrame(live_table(session), items_per_page=40)
        with solara.Row(style={"align-items": "center"}):
            solara.Markdown("### Leaderboard and debrief by")
            solara.Select("KPI", values=list(CLASS_KPIS), value=kpi)
        Leaderboard(session, kpi.value, version)
        Debrief(session, kpi.value, version)
        Answers(session, version)
        Downloads(session, kpi.value)


@solara.component
def JoinInfo(session: ClassSession) -> None:
    """The address students type, large, with its QR code."""
    url = session.student_url or "(the address `mot class` printed)"
    title = session.lesson.title if session.lesson else session.base.name
    with solara.Row(style={"align-items": "center"}):
        if session.student_url:
            solara.Image(qr_png(url), width="170px", classes=["mot-qr"])
        with solara.Column(classes=["mot-join-address"]):
            solara.Markdown(
                f"## {title}\n\nStudents open **{url}** and join with a name. "
                f"Everyone plays the same market (seed {session.base.seed})."
            )


@solara.component
def RoundControls(session: ClassSession, version: int) -> None:
    """Free play or rounds; run the next round (levers lock while it runs)."""
    days = solara.use_reactive(session.round_days)
    count = solara.use_reactive(session.n_rounds)

    def set_mode(mode: str) -> None:
        session.set_mode(mode, days.value, count.value)

    def run() -> None:
        threading.Thread(target=session.run_round, daemon=True).start()

    with solara.Card("How the class plays", classes=["mot-rounds"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.ToggleButtonsSingle(
                value=session.mode, values=["free", "rounds"], on_value=set_mode
            )
            solara.InputInt(
                "Days per round",
                value=days,
                on_value=lambda v: session.set_mode(session.mode, v, None),
            )
            solara.InputInt(
                "Rounds", value=count, on_value=lambda v: session.set_mode(session.mode, None, v)
            )
            if session.mode == "rounds":
                left = session.rounds_run < session.n_rounds
                solara.Button(
                    f"Run round {session.rounds_run + 1}" if left else "All rounds run",
                    color="primary",
                    on_click=run,
                    disabled=session.running or not left,
                    classes=["mot-run-round"],
                )
        with solara.Column(classes=["mot-status"]):
            solara.Markdown(status(session))


def status(session: ClassSession) -> str:
    """One line: who joined and where the class stands."""
    who = f"**{len(session.students)}** joined"
    if session.mode == "free":
        return f"{who} · free play: each student steps their own market."
    state = "running now, levers locked" if session.running else "levers open"
    if session.rounds_run >= session.n_rounds:
        state = "all rounds run, levers locked"
    return (
        f"{who} · rounds of {session.round_days} days: {session.rounds_run} of "
        f"{session.n_rounds} run ({state}) · day {session.baseline.day}"
    )


def live_table(session: ClassSession) -> pd.DataFrame:
    """Every student's day, levers moved from the lesson's start, KPIs and answers (rounded).

    Twenty lever columns do not fit a projector; the levers a student moved say it in one."""
    table = session.table()
    levers = list(session.start_values)
    moved = [moved_levers(row, session.start_values) for row in table[levers].to_dict("records")]
    table = table.drop(columns=levers)
    table.insert(2, "levers moved", moved)
    return shown(table)


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """For the projector: two decimals, and counts as whole numbers (214, not 214.0)."""
    table = table.round(2)
    for column in table.select_dtypes("float"):
        values = table[column]
        if values.notna().all() and (values % 1 == 0).all():
            table[column] = values.astype("int64")
    return table


def moved_levers(values: dict, start: dict) -> str:
    """`follow_up_email on, follow_up_delay 20`: the levers that differ from the start."""
    moved = []
    for key, value in values.items():
        if value == start[key]:
            continue
        shown = ("on" if value else "off") if isinstance(value, bool) else f"{value:g}"
        moved.append(f"{key} {shown}")
    return ", ".join(moved) or "(as the lesson starts)"


@solara.component
def Leaderboard(session: ClassSession, kpi: str, version: int) -> None:
    """Students ranked by the KPI, best first."""
    board = shown(session.leaderboard(kpi))
    better = "higher" if CLASS_KPIS[kpi].higher_is_better else "lower"
    solara.Markdown(f"**{CLASS_KPIS[kpi].label}** ({better} is better)")
    solara.DataFrame(board, items_per_page=40)


@solara.component
def Debrief(session: ClassSession, kpi: str, version: int) -> None:
    """Every student's run of the KPI over the baseline (the lesson's starting levers)."""
    definition = CLASS_KPIS[kpi]
    option = solara.use_memo(
        lambda: to_json(
            debrief.overlay_option(f"Class debrief: {definition.label}", definition.label)
        ),
        [kpi],
    )
    runs = class_runs(session, kpi)
    label = f"Class debrief chart of {definition.label}: {len(runs) - 1} students and the baseline."
    LiveChart(
        option,
        to_json(debrief.overlay_patch(runs, BASELINE)),
        label=label,
        height="480px",
        classes=["mot-debrief"],
    )


def class_runs(session: ClassSession, kpi: str) -> dict[str, pd.Series]:
    """Each student's KPI by day, and the baseline's (run as far as the furthest student)."""
    session.catch_up_baseline()
    definition = CLASS_KPIS[kpi]
    runs = {}
    for market in [*session.students.values(), session.baseline]:
        daily = market.daily()
        values = (
            definition.series(daily, session.unit_cost_usd)
            if len(daily)
            else pd.Series(dtype=float)
        )
        runs[market.name] = pd.Series(values.to_numpy(), index=daily["day"].to_numpy())
    return runs


@solara.component
def Answers(session: ClassSession, version: int) -> None:
    """The answers students typed, per question."""
    answers = session.answers()
    solara.Markdown(f"### Answers ({len(answers)})")
    if len(answers):
        solara.DataFrame(answers, items_per_page=40)


@solara.component
def Downloads(session: ClassSession, kpi: str) -> None:
    """The class's results: levers and measures per student and day (CSV), the debrief (PNG)."""
    name = session.base.name
    with solara.Row():
        solara.FileDownload(
            session.results_csv,
            f"class-{name}-results.csv",
            "Class results (CSV)",
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: session.answers().to_csv(index=False),
            f"class-{name}-answers.csv",
            "Answers (CSV)",
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: debrief_png(class_runs(session, kpi), BASELINE, CLASS_KPIS[kpi].label),
            f"class-{name}-debrief-{kpi}.png",
            "Debrief chart (PNG)",
            mime_type="image/png",
        )
