"""A class in a real browser: a teacher and ten students through a two-round class, offline.

`mot class` runs a small lesson (2,000 people, 40 days, two rounds of 20) on a free loopback
port; Debian's headless Chromium opens the teacher's page and ten students' pages, with every
request that does not go to that server blocked (the class must work with no internet). The
students join, one switches a strategy on, one answers a question; the teacher runs both rounds;
a student reloads and finds their market; the leaderboard, debrief and downloaded results hold
every student. Screenshots go to `results/test-artifacts/`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, wait_until_up

from sim.bench.classroom_load import same_origin_paths
from sim.classroom.asset_cache import front_end_files

pytestmark = pytest.mark.browser
STUDENTS = 10
LESSON_TEXT = """title = "Test lesson"
goal = "See the follow-up e-mail at work."
steps = ["Switch the e-mail on.", "Wait for the teacher's round."]
questions = ["How many critics did you make?", "Why?"]
kpi = "critics"
[rounds]
count = 2
days = 20
"""


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(
        f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\nname = "small"\ndays = 40\n'
        "warmup_days = 10\nseed = 5\n[population]\nn_consumers = 2000\n"
    )
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "small.toml").write_text(LESSON_TEXT)
    return path


def start_class(lesson: Path, port: int, folder: Path) -> tuple[subprocess.Popen, str]:
    """`mot class` on loopback `port`, kept in `folder`: (the process, the teacher's token)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "class-server.log"
    with log.open("w") as out:
        command = [sys.executable, "-m", "sim", "class", str(lesson), "--host", "127.0.0.1"]
        process = subprocess.Popen(
            [*command, "--port", str(port), "--out", str(folder)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, timeout_s=120)
    except BaseException:
        stop(process)
        raise
    return process, re.search(r"token=(\S+)", log.read_text()).group(1)


def stop(process: subprocess.Popen) -> None:
    """Stop `mot class` as Ctrl+C would (kill it after 20 s)."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def server(lesson: Path, tmp_path: Path):
    """`mot class` on a free loopback port: (students' address, teacher's token)."""
    port = free_port()
    process, token = start_class(lesson, port, tmp_path / "class")
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        stop(process)


def text_of(page) -> str:
    return page.inner_text("body")


def wait_text(page, text: str, timeout_ms: int = 90_000) -> None:
    page.wait_for_function(
        "t => document.body.innerText.includes(t)", arg=text, timeout=timeout_ms, polling=200
    )


def test_a_teacher_and_ten_students_play_two_rounds_offline(server):
    from playwright.sync_api import sync_playwright

    address, token = server
    outside: list[str] = []

    def offline(route):
        url = route.request.url
        if url.startswith(address) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 720}, accept_downloads=True
        )
        context.route("**/*", offline)
        try:
            intruder = context.new_page()
            intruder.goto(f"{address}/teacher?token=wrong")
            wait_text(intruder, "This is the teacher's page")
            assert "How the class plays" not in text_of(intruder)
            intruder.close()

            students = [context.new_page() for _ in range(STUDENTS)]
            for page in students:
                page.goto(address, wait_until="commit")
            for number, page in enumerate(students, start=1):
                page.wait_for_selector(".mot-join", timeout=120_000)
                page.get_by_label("Your name or your team's name").fill(f"Student {number}")
                page.locator(".mot-join").click()
            for page in students:
                page.wait_for_selector(".mot-network[data-drawn]", timeout=120_000)
                assert "See the follow-up e-mail at work." in text_of(page)  # the lesson's text

            first, second = students[0], students[1]
            first.locator(".v-input", has_text="Follow-up e-mail").locator("input").click(
                force=True
            )
            wait_text(first, "E-mail delay")
            second.locator(".mot-answer-1 textarea").fill("twelve critics")
            second.locator(".mot-answer-1 textarea").blur()

            teacher = context.new_page()
            teacher.goto(f"{address}/teacher?token={token}")
            wait_text(teacher, f"{STUDENTS} joined")
            teacher.get_by_role("button", name="rounds").click()
            for round_number in (1, 2):
                teacher.get_by_role("button", name=f"Run round {round_number}").click()
                wait_text(teacher, f"{round_number} of 2 run (")
                wait_text(first, f"day {20 * round_number} of 40")
                if round_number == 1:
                    students[2].reload()
                    wait_text(students[2], "You are Student 3 · day 20 of 40")
            wait_text(teacher, "all rounds run, levers locked")
            wait_text(first, "the last round has run")
            wait_text(teacher, "twelve critics")
            teacher.wait_for_selector(".mot-debrief[data-drawn]", timeout=60_000)
            board = teacher.inner_text("body")
            assert all(f"Student {n}" in board for n in range(1, STUDENTS + 1))

            with teacher.expect_download() as download:
                teacher.get_by_text("Class results (CSV)").click()
            rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
            assert len(rows) == (STUDENTS + 1) * 40  # every student's days and the baseline's
            emailed = {r["lever_follow_up_email"] for r in rows if r["student"] == "Student 1"}
            assert emailed == {"True"}
            assert {r["lever_follow_up_email"] for r in rows if r["student"] == "Student 2"} == {
                "False"
            }

            teacher.screenshot(path=str(ARTIFACTS / "class-teacher.png"), full_page=True)
            first.screenshot(path=str(ARTIFACTS / "class-student.png"), full_page=True)
            for page in [teacher, *students]:
                assert "Traceback" not in text_of(page)
                assert page.locator(".mot-error").count() == 0
            assert outside == [], f"the class asked the internet for {outside}"
        finally:
            browser.close()


CHART_FONT_SIZES = """() => [...document.querySelectorAll('.mot-chart')].map(el => {
  const sizes = [], walk = v => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) k === 'fontSize' ? sizes.push(x) : walk(x);
  };
  walk(el.__vue__.chart.getOption());
  return Math.min(...sizes);
})"""
PICTURE = """() => {
  const vue = document.querySelector('.mot-network').__vue__, drawn = vue.drawn || {};
  const graphic = (vue.chart.getOption().graphic || [{ elements: [] }])[0].elements;
  const ties = graphic.find(e => e.id === 'ties');
  return { states: vue.states, points: vue.p.length, drawn: drawn,
           ties: ties ? [ties.style.image.width, ties.style.width] : null };
}"""


def assert_picture_draws_every_person(page) -> None:
    """The network picture draws each person in the moment, and each talker with the shape,
    that the server's letters say (`live_chart.state_codes`: "A" + moment x 3 + talk), over a
    picture of the grey ties drawn once."""
    page.wait_for_function(  # the newest letters drawn (they may arrive after the day's text)
        f"() => {{ const p = ({PICTURE})(), sum = Object.keys(p.drawn)"
        ".filter(k => k.startsWith('moment_')).reduce((t, k) => t + p.drawn[k], 0);"
        " return p.states.length === 2000 && sum === p.states.length; }",
        timeout=30_000,
    )
    picture = page.evaluate(PICTURE)
    codes = [ord(letter) - ord("A") for letter in picture["states"]]
    assert len(codes) == picture["points"] == 2000
    for moment in range(6):
        assert picture["drawn"][f"moment_{moment}"] == sum(c // 3 == moment for c in codes)
    assert picture["drawn"]["advocates"] == sum(c % 3 == 1 for c in codes)
    assert picture["drawn"]["critics"] == sum(c % 3 == 2 for c in codes)
    assert len({c // 3 for c in codes}) >= 2  # after 7 days people are in several moments
    picture_width, shown_width = picture["ties"]  # the grey ties: a picture behind the people
    assert shown_width > 0 and picture_width >= 2 * shown_width  # sharp in the 2x PNG download


ANIMATED_SWITCH_PARTS = """() => {
  const switches = [...document.querySelectorAll('.mot-levers .v-input--switch')];
  const parts = switches.flatMap((s) => [s, ...s.querySelectorAll('*')]);
  return parts.filter((e) => getComputedStyle(e).transitionDuration.split(',')
    .some((d) => parseFloat(d) > 0)).length;
}"""
"""How many parts of the levers' switches animate (each frame of a flip restyles and repaints)."""

JOURNEY_DAYS = """(days) => {
  const series = document.querySelector('.mot-journey').__vue__.chart.getOption().series;
  return series.every(s => s.data.length === days) && series.find(s => s.id === 'customers')
    .data.map(point => point[0]).join() === Array.from({ length: days }, (_, d) => d + 1).join();
}"""
"""Every journey series has one point per day run, and the customers' line runs day 1, 2, ..."""


CLIPPED = """() => [...document.querySelectorAll('body *')].filter(el => {
  const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  const leaf = el.matches('button, input, textarea, canvas')
    || (el.childElementCount === 0 && el.textContent.trim() !== '');
  if (!leaf || !box.width || style.visibility === 'hidden') return false;
  return box.right > innerWidth + 1 || box.left < -1 || el.scrollWidth > el.clientWidth + 1;
}).map(el => `${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`)"""
"""Text and controls that stick out of the window or are cut short inside their box."""


CHART_LABELS = """(day) => {
  const label = (css) => document.querySelector(css).getAttribute('aria-label') || '';
  return label('.mot-network').startsWith('Network picture of') && label('.mot-network').includes(`day ${day}.`)
    && label('.mot-journey').startsWith(`Journey charts, day ${day}:`);
}"""
"""True once both charts' `aria-label` is the page's own text alternative for `day`."""


def test_a_student_keeps_their_market_through_a_reload_and_a_restart(lesson, tmp_path):
    """Quick lever typing runs the new value; the page is English, unclipped at 1280x720 with
    chart text of 12 px or more; a reload and a server restart bring the market back. A fresh
    browser fetches no front-end file that `mot class` did not compress before it started."""
    from playwright.sync_api import sync_playwright

    port, folder = free_port(), tmp_path / "class"
    address = f"http://127.0.0.1:{port}"
    process, token = start_class(lesson, port, folder)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        fetched: list[str] = []
        page.on("request", lambda request: fetched.append(request.url))
        try:
            page.goto(address)
            page.wait_for_selector(".mot-join", timeout=120_000)
            assert page.evaluate("document.documentElement.lang") == "en"
            page.get_by_label("Your name or your team's name").fill("Ana")
            page.locator(".mot-join").click()
            page.wait_for_selector(".mot-network[data-drawn]", timeout=120_000)
            page.wait_for_selector(".mot-journey[data-drawn]", timeout=120_000)
            files = {path.split("?")[0] for path in same_origin_paths(fetched, address)}
            assert files - set(front_end_files()) == set(), "add them to front_end_files.txt"
            assert min(page.evaluate(CHART_FONT_SIZES)) >= 12
            assert page.evaluate(CLIPPED) == []
            assert (
                page.evaluate("document.documentElement.scrollWidth") <= 1280
            )  # no sideways scroll

            page.locator(".mot-lever-quality [role='slider']").focus()
            for _ in range(21):  # 4.0 stars -> 1.9, as fast as the keyboard goes
                page.keyboard.press("ArrowLeft")
            page.get_by_role("button", name="Step 7 days").click()
            wait_text(page, "You are Ana · day 7 of 40")
            assert_picture_draws_every_person(page)
            moves = sqlite3.connect(folder / "class.sqlite").execute(
                "SELECT day, value FROM levers WHERE name = 'Ana' AND lever = 'quality' ORDER BY seq"
            )
            ran = [float(value) for day, value in moves if day == 0]
            assert ran[-1] == pytest.approx(1.9), (
                "day 1-7 ran another quality than the slider showed"
            )
            moved = sqlite3.connect(folder / "class.sqlite").execute(
                "SELECT DISTINCT lever FROM levers WHERE name = 'Ana'"
            )
            assert [lever for (lever,) in moved] == ["quality"]  # not the hidden levers

            page.reload()
            wait_text(page, "You are Ana · day 7 of 40")
            stop(process)
            process, again = start_class(lesson, port, folder)
            assert again == token  # the teacher's address still works
            page.reload()
            wait_text(page, "You are Ana · day 7 of 40")
            page.get_by_role("button", name="Step 7 days").click()
            wait_text(page, "You are Ana · day 14 of 40")
            page.wait_for_function(JOURNEY_DAYS, arg=14, timeout=30_000)  # patch + tail
            # a screen reader hears the page's text alternatives, today's, after a redraw
            page.wait_for_function(CHART_LABELS, arg=14, timeout=10_000)
            page.screenshot(path=str(ARTIFACTS / "class-student-restarted.png"))
            # a lever that needs a switch is made hidden, shown by the switch, moved by keys
            part = page.locator(".mot-lever-follow_up_delay")
            delay = part.locator("[role='slider']")
            assert delay.count() == 1 and not part.is_visible()
            email = page.locator(".v-input", has_text="Follow-up e-mail").locator("input")
            # a flip is not animated (page.STILL_SWITCHES; without it: 5 parts per switch)
            assert page.evaluate(ANIMATED_SWITCH_PARTS) == 0
            email.click(force=True)
            part.wait_for(state="visible", timeout=10_000)
            shown = float(delay.get_attribute("aria-valuenow"))
            delay.focus()
            for _ in range(3):
                page.keyboard.press("ArrowRight")
            page.get_by_role("button", name="Step 7 days").click()
            wait_text(page, "You are Ana · day 21 of 40")
            page.screenshot(path=str(ARTIFACTS / "class-student-email-on.png"))
            moves = sqlite3.connect(folder / "class.sqlite").execute(
                "SELECT lever, value FROM levers WHERE name = 'Ana' AND day = 14 ORDER BY seq"
            )
            moved = [(lever, json.loads(value)) for lever, value in moves]
            assert ("follow_up_email", True) in moved
            assert moved[-1] == ("follow_up_delay", shown + 3)

            teacher = browser.new_page(viewport={"width": 1280, "height": 720})
            teacher.goto(f"{address}/teacher?token={token}")
            wait_text(teacher, "1 joined")
            teacher.wait_for_selector(".mot-debrief[data-drawn]", timeout=60_000)
            teacher.wait_for_timeout(1000)  # the tables settle their column widths
            assert teacher.evaluate(CLIPPED) == []
            assert teacher.evaluate("document.documentElement.scrollWidth") <= 1280
            assert "Traceback" not in text_of(page) + text_of(teacher)
        finally:
            browser.close()
            stop(process)
