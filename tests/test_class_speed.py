"""What makes a class fast enough (issue 16): each shortcut gives what the slow way gave.

Front-end files compressed once (`AssetCache`), the student page's text converted without
python-markdown, the journey chart's JSON grown a few days at a time, the class's daily rows
written without pandas' `to_dict`, and the levers and lesson rendered apart from the day's
numbers (a step does not redraw them). Small markets (2,000 people); seeded.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import subprocess
import sys

import ipyvuetify as v
import markdown
import numpy as np
import pandas as pd
import pytest
import solara
from helpers import small_scenario

from sim.bench import classroom_load
from sim.bench.classroom_load import ROOT, same_origin_paths
from sim.bench.page_client import decode
from sim.classroom import chart_options as opts
from sim.classroom import student_page
from sim.classroom.asset_cache import AssetCache, front_end_files
from sim.classroom.class_session import ClassSession
from sim.classroom.class_store import day_rows
from sim.classroom.days_table import DaysTable
from sim.classroom.live_chart import LiveChartWidget, to_json
from sim.classroom.market_keeper import MarketKeeper
from sim.classroom.page import day_numbers
from sim.classroom.rich_text import escaped, simple_html, to_html
from sim.classroom.step_buttons import StepButtonsWidget
from sim.classroom.student_page import StudentView


@pytest.fixture(scope="module")
def session():
    return ClassSession(small_scenario(days=120, warmup_days=10, seed=7), n_shown=300)


class FakeApp:
    """An ASGI app answering every request with a body in two chunks; counts its calls."""

    def __init__(self, status: int = 200, headers: list | None = None) -> None:
        self.calls = 0
        self.status = status
        self.headers = headers or [(b"content-type", b"text/javascript")]

    async def __call__(self, scope, receive, send) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"var a", "more_body": True})
        await send({"type": "http.response.body", "body": b" = 1;", "more_body": False})


def get(
    app, path: str, method: str = "GET", headers: list | None = None, query: bytes = b"v=1"
) -> list[dict]:
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(b"accept-encoding", b"gzip"), *(headers or [])],
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def body(sent: list[dict]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_front_end_files_are_answered_from_memory_after_the_first_request():
    inner = FakeApp()
    app = AssetCache(inner)
    first, second = get(app, "/static/main.js"), get(app, "/static/main.js")
    assert inner.calls == 1 and body(first) == body(second) == b"var a = 1;"
    headers = dict(second[0]["headers"])
    assert second[0]["status"] == 200 and headers[b"content-length"] == b"10"
    get(app, "/_solara/cdn/echarts.js")
    get(app, "/_solara/cdn/echarts.js")
    assert inner.calls == 2


def test_the_query_does_not_make_another_copy():
    inner = FakeApp()
    app = AssetCache(inner)
    get(app, "/static/main.js", query=b"v=1")
    get(app, "/static/main.js", query=b"v=2")
    assert inner.calls == 1


def test_mot_class_compresses_every_listed_front_end_file_before_it_starts():
    """Solara serves every file in `front_end_files.txt` (a Solara upgrade that renames one
    fails here), and the server is built with all of them already kept."""
    code = (
        "from sim.commands.app import build_server\n"
        "from sim.classroom.asset_cache import front_end_files\n"
        "server = build_server('127.0.0.1', 8765, 'sim.classroom.class_app', front_end_files())\n"
        "print(len(server.config.app.app.kept))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert "not found" not in done.stderr
    assert int(done.stdout.split()[-1]) == len(front_end_files()) > 10


def test_a_class_server_sends_no_usage_reports():
    """`mot class` imports solara (the class's pages) before it builds the server, too late for
    the environment variable that switches Solara's Mixpanel reports off: the setting itself is
    switched off."""
    code = (
        "import solara.server.settings as settings\n"  # imported first, as `mot class` does
        "assert settings.telemetry.mixpanel_enable\n"  # on unless told: the negative control
        "from sim.commands.app import build_server\n"
        "server = build_server('127.0.0.1', 8765, 'sim.classroom.class_app')\n"
        "print(settings.telemetry.mixpanel_enable)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLARA_TELEMETRY")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "False"


@pytest.mark.parametrize(
    "path, method, headers",
    [
        ("/", "GET", []),  # the page itself (it sets the browser's cookie)
        ("/teacher", "GET", []),
        ("/static/main.js", "POST", []),
        ("/static/main.js", "GET", [(b"if-none-match", b'"abc"')]),  # answered by Solara: 304
        ("/static/main.js", "GET", [(b"range", b"bytes=0-1")]),
    ],
)
def test_pages_posts_and_conditional_requests_pass_through(path, method, headers):
    inner = FakeApp()
    app = AssetCache(inner)
    get(app, path, method, headers)
    get(app, path, method, headers)
    assert inner.calls == 2


@pytest.mark.parametrize(
    "status, headers", [(404, []), (200, [(b"set-cookie", b"solara-session-id=x")])]
)
def test_errors_and_responses_with_cookies_are_not_kept(status, headers):
    inner = FakeApp(status, headers)
    app = AssetCache(inner)
    get(app, "/static/x.js")
    get(app, "/static/x.js")
    assert inner.calls == 2


def with_tail(patch: str, tail: str) -> dict:
    """What the browser draws (`live_chart.vue`'s `withTail`): the patch's series with the
    tail's days after theirs."""
    option, more = json.loads(patch), json.loads(tail)
    series = {s["id"]: s for s in option.get("series", [])}
    for extra in more.get("series", []):
        kept = series.setdefault(extra["id"], {"id": extra["id"], "data": []})
        kept["data"] = kept["data"] + extra["data"]
    return {**option, "series": list(series.values())}


def test_the_journey_patch_with_its_tail_is_the_whole_journey(session):
    student = session.student(session.join("Feed"))
    feed, patches = opts.JourneyFeed(), set()
    for days in (0, 0, 1, 1, 6, 7, 30, 7, 7, 7, 7, 7, 7, 7, 7, 7):
        student.step(days)
        daily = student.daily()
        patch, tail = feed.update(daily)
        patches.add(patch)
        assert with_tail(patch, tail) == json.loads(to_json(opts.journey_patch(daily)))
        assert len(json.loads(tail).get("series", [{"data": []}])[0]["data"]) <= opts.TAIL_DAYS
    assert 2 <= len(patches) <= 3  # the whole journey is sent again now and then, not each frame
    short = daily.iloc[:3]  # days dropped: the patch starts again
    assert with_tail(*feed.update(short)) == json.loads(to_json(opts.journey_patch(short)))


def test_the_day_lines_convert_as_python_markdown_does(session):
    student = session.student(session.join("Lines"))
    student.step(9)
    texts = [
        day_numbers(student.daily()),
        f"### {session.base.name}\n\nYou are **{escaped('Ana')}** · day **9** of 120",
        "**Goal.** See the follow-up e-mail at work.",
        "Press Step or Play (or wait for the teacher's round) to start the days.",
    ]
    for text in texts:
        assert simple_html(text) == markdown.markdown(text, extensions=["tables"])
    for text in ["**Steps.**\n\n1. Switch it on.\n2. Wait.", "a_b_", "- item", "x <b>y</b>"]:
        assert simple_html(text) is None  # python-markdown's job
        assert to_html(text) == markdown.markdown(text, extensions=["tables"])


def test_stored_daily_rows_are_the_rows_to_dict_gave(session):
    """The rows a class's file keeps are written from the days' numbers, and are the text
    pandas' `to_dict` gave of the engine's own table (old class files are read back)."""
    student = session.student(session.join("Rows"))
    student.step(12)
    numbers, engine = student.numbers(), student.daily()
    assert len(engine) == 12 and engine["day"].dtype == np.int64
    for first, last in ((0, 12), (5, 12), (0, 0)):
        rows = engine.iloc[first:last]
        wanted = [json.dumps(row) for row in rows.to_dict("records")]
        assert day_rows(numbers.since(first).head(last - first)) == wanted


def test_the_days_table_is_the_engine_s_daily_table(session):
    """A step's days as numbers hold exactly the engine's daily table (the page's numbers and
    the teacher's table read them), and grow and shrink as the market's days do."""
    student = session.student(session.join("Numbers"))
    student.step(5)
    student.step(4)
    model = student.keeper.keeper.held["Numbers"].model  # the market itself (keeper in-process)
    pd.testing.assert_frame_equal(student.daily(), model.daily())
    assert opts.journey_label(student.numbers()) == opts.journey_label(model.daily())
    assert day_numbers(student.numbers()) == day_numbers(model.daily())
    student.back_to(6)
    pd.testing.assert_frame_equal(student.daily(), model.daily().iloc[:6])
    with pytest.raises(ValueError, match="other measures"):
        student.numbers().then(DaysTable(("day", "x"), np.zeros((1, 2))))


def test_a_step_updates_the_day_in_place_and_renders_nothing(session):
    """A step sets the day's widgets (`DayParts`): no component renders, not the layout, the
    buttons, the levers or the lesson; a moved lever redraws that lever only."""
    student = session.student(session.join("Steady"))
    box, rc = solara.render(StudentView(session, student), handle_error=False)
    buttons = rc.find(StepButtonsWidget).widget
    steady = (
        student_page.StudentView,
        student_page.Header,
        student_page.Controls,
        student_page.Levers,
        student_page.LessonPanel,
        student_page.StudentLever,
        student_page.LeverNotes,
    )
    counts = [part.render_count for part in steady]
    day = rc.find(v.Html, class_="mot-day").widget
    network = rc.find(LiveChartWidget, _dom_classes=("mot-network",)).widget
    states = network.states
    for _ in range(3):
        buttons.vue_press({"action": "step_7", "levers": {}})
    assert student.day == 21
    assert [part.render_count - count for part, count in zip(steady, counts, strict=True)] == [
        0
    ] * len(steady)
    assert day.children == ["Day 21"]  # the same widgets, updated
    assert network.states != states and "day 21" in network.label
    buttons.vue_press({"action": "step_1", "levers": {"quality": 2.5}})  # a lever moved
    assert student.values["quality"] == 2.5
    moved = [part.render_count - count for part, count in zip(steady, counts, strict=True)]
    assert moved == [0, 0, 0, 0, 0, 1, 0]  # the quality lever, not the card (no new notes)
    rc.close()


def test_the_buttons_turn_off_when_a_step_reaches_the_last_day(session):
    student = session.student(session.join("Last"))
    box, rc = solara.render(StudentView(session, student), handle_error=False)
    student.step(student.days - 7)
    rc.find(StepButtonsWidget).widget.vue_press({"action": "step_7", "levers": {}})
    assert student.day == student.days
    assert rc.find(StepButtonsWidget).widget.done
    rc.close()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--chromium", "/no/such/chromium"], "--chromium: /no/such/chromium not found"),
        (["--students", "2"], "--students: light mode needs 3 students or more"),
        (["--mode", "browsers", "--students", "0"], "--students: at least 1"),
        (["--lesson", "{missing}", "--chromium", sys.executable], "--lesson: {missing}: no such"),
    ],
)
def test_the_class_benchmark_refuses_what_it_cannot_run_in_one_line(
    options, named, tmp_path, capsys, monkeypatch
):
    """Before starting a class or writing anything: exit status 2 and one line naming the
    option (no traceback, no Chromium left to fail half-way)."""
    monkeypatch.setattr(classroom_load, "start_class", lambda *a, **k: pytest.fail("started"))
    missing = str(tmp_path / "missing.toml")
    options = [option.format(missing=missing) for option in options]
    out = tmp_path / "bench.json"
    assert classroom_load.main([*options, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    named = named.format(missing=missing)
    assert err.count("\n") == 1 and err.startswith(f"{classroom_load.PROG}: error: {named}")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_the_class_benchmark_times_the_lessons_own_week_alone(monkeypatch):
    """The machine's yardstick printed beside the figures: `PROBE_WEEKS` 7-day steps of the
    lesson's market (its 5,000 people), one market alone, each timed."""
    steps: list[tuple[int, int]] = []
    run = MarketKeeper.run

    def counted(keeper, name, days):
        steps.append((keeper.made_from.base.population.n_consumers, days))
        return run(keeper, name, days)

    monkeypatch.setattr(MarketKeeper, "run", counted)
    lesson = ROOT / "scenarios" / "lessons" / "follow_up_email.toml"
    assert 0 < classroom_load.week_alone_ms(lesson) < float("inf")
    assert steps == [(5000, 7)] * classroom_load.PROBE_WEEKS
    assert classroom_load.cpu_model()


def test_light_clients_read_solaras_binary_messages_and_fetch_what_the_browser_fetched():
    message = {"header": {"msg_type": "comm_msg"}, "content": {"comm_id": "a", "data": {}}}
    text = json.dumps(message).encode()
    framed = struct.pack("!II", 1, 8) + text
    assert decode(framed)["msg_type"] == "comm_msg"
    assert decode(json.dumps(message))["content"]["comm_id"] == "a"
    urls = [
        "http://127.0.0.1:9/",
        "http://127.0.0.1:9/static/a.js?v=1",
        "http://127.0.0.1:9/static/a.js?v=1",
        "http://127.0.0.1:9/jupyter/api/kernels/x/channels",
        "https://elsewhere.example/b.js",
        "http://127.0.0.1:9/_solara/cdn/echarts.js",
    ]
    assert same_origin_paths(urls, "http://127.0.0.1:9") == [
        "/static/a.js?v=1",
        "/_solara/cdn/echarts.js",
    ]


def test_a_step_whose_days_failed_says_why_on_the_page(session, monkeypatch):
    """Days that could not run (the markets' process died, or the engine failed) leave the day
    where it was and the levers' card shows the notice (`LeverNotes`); the next step clears it."""
    student = session.student(session.join("Unlucky"))
    box, rc = solara.render(StudentView(session, student), handle_error=False)
    buttons = rc.find(StepButtonsWidget).widget
    buttons.vue_press({"action": "step_7", "levers": {}})
    keeper = session.keepers[0].keeper

    def broken(name: str, days: int):
        raise RuntimeError("the engine failed")

    notes = rc.find(v.Html, children=[]).widgets  # the card's notes: nothing to say yet
    with monkeypatch.context() as patch:
        patch.setattr(keeper, "run", broken)
        buttons.vue_press({"action": "step_7", "levers": {}})
    assert student.day == 7 and "lost" in student.error
    (error,) = rc.find(v.Alert, class_="mot-error").widgets  # the card's notes show the error
    assert "lost" in error.children[0]
    buttons.vue_press({"action": "step_7", "levers": {}})  # rebuilt from its levers, runs on
    assert student.day == 14 and student.error is None
    assert not any(error in box.children for box in notes)  # the error is gone
    rc.close()


PAGES_KEPT_OUT = """
import gc, time, weakref
from sim.classroom import hand_back

frozen = gc.get_freeze_count()
hand_back.keep_out_of_collection_soon()  # not a class's server: nothing happens
time.sleep(hand_back.KEEP_AFTER_S + 0.5)
assert gc.get_freeze_count() == frozen
hand_back.freeze_from_now()  # what `mot class` does once it is ready


class Widget:
    pass


page = [Widget() for _ in range(5000)]
for widget in page:
    widget.page = page  # a page's widgets refer to each other: only a collection frees them
alive = weakref.ref(page[0])
hand_back.keep_out_of_collection_soon()
time.sleep(hand_back.KEEP_AFTER_S + 0.5)
assert len(gc.get_objects()) < 1000, len(gc.get_objects())  # a collection walks none of it
del page, widget
gc.collect()
assert alive() is not None  # frozen: no collection sees the closed page
hand_back.hand_back_memory()  # students left
assert alive() is None and gc.get_freeze_count() > 0  # collected; what lives on frozen again
print("ok")
"""


def test_a_page_on_screen_is_kept_out_of_collection_until_its_student_leaves():
    """In a class's server (and only there) a page's objects are frozen once it is on screen,
    so full collections walk only the pages since; when students leave, the frozen objects
    are collected with the rest (a closed page frozen would otherwise never be freed: the
    script shows that a plain collection does not see it). In a process of its own: freezing
    would change this test process's collector."""
    done = subprocess.run(
        [sys.executable, "-c", PAGES_KEPT_OUT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
