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
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, wait_until_up

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


@pytest.fixture
def server(lesson: Path):
    """`mot class` on a free loopback port: (students' address, teacher's token)."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "class-server.log"
    with log.open("w") as out:
        command = [sys.executable, "-m", "sim", "class", str(lesson), "--host", "127.0.0.1"]
        process = subprocess.Popen(
            [*command, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    address = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(address, process, timeout_s=120)
        token = re.search(r"token=(\S+)", log.read_text()).group(1)
        yield address, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
