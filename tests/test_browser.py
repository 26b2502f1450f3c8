"""The classroom page in a real browser: Debian's headless Chromium driven by Playwright, offline.

The test starts `mot app` (baseline: 10,000 people, 2,000 in the network picture) on a free
loopback port, blocks every request that does not go to that
server (so the page must work with no internet), moves a slider, steps the days and checks that
the charts and the network picture change and that no error shows. A screenshot is kept in
`results/test-artifacts/classroom.png`. Skipped only when Chromium is absent outside CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
ARTIFACTS = ROOT / "results" / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser test: install Debian's chromium (.ci/run)")
    pytest.skip(
        "Debian chromium is not installed (apt-get install chromium)", allow_module_level=True
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server():
    """`mot app` (the baseline: 10,000 people) on a free loopback port; stops it afterwards."""
    port = free_port()
    log = ARTIFACTS / "classroom-server.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        command = [
            sys.executable,
            "-m",
            "sim",
            "app",
            str(BASELINE),
            "--port",
            str(port),
        ]
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    address = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(address, process)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_until_up(address: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(f"mot app exited with {process.returncode}")
        try:
            urllib.request.urlopen(address, timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"mot app did not answer on {address}")


def picture(page, selector: str) -> bytes:
    """Pixels of one element (the charts are canvases drawn by ECharts: pixels are the content)."""
    return page.locator(selector).screenshot()


def wait_for_day(page, day: int) -> None:
    page.wait_for_function(
        f"document.querySelector('.mot-day').innerText.startsWith('Day {day} ')", timeout=30_000
    )


TIES_PICTURE = """() => document.querySelector('.mot-network-A').__vue__.chart.getOption()
  .graphic[0].elements.find(e => e.id === 'ties').style.image"""
"""The network picture's grey ties, drawn once per layout into a picture (`live_chart.vue`)."""


def test_students_drive_the_page_offline(server):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []

    def offline(route):
        url = route.request.url
        if url.startswith(server) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.route("**/*", offline)
            page.goto(server)
            page.wait_for_selector(".mot-day", timeout=60_000)
            wait_for_day(page, 0)
            page.wait_for_selector(".mot-network-A[data-drawn]")
            page.wait_for_selector(".mot-journey-A[data-drawn]")
            page.wait_for_timeout(500)
            network_0 = picture(page, ".mot-network-A[data-drawn]")
            journey_0 = picture(page, ".mot-journey-A[data-drawn]")

            slider = page.locator(".v-input", has_text="Product quality (stars)").locator(
                ".v-slider__thumb-container"
            )
            slider.focus()
            for _ in range(5):
                page.keyboard.press("ArrowLeft")
            page.wait_for_selector("text=now 3.5", timeout=20_000)  # 4.0 - 5 x 0.1 stars

            started = time.monotonic()
            for day in range(1, 5):
                page.get_by_role("button", name="Step 7 days").click()
                wait_for_day(page, 7 * day)
            seconds_per_step = (time.monotonic() - started) / 4
            page.wait_for_timeout(500)
            network_1 = picture(page, ".mot-network-A[data-drawn]")
            journey_1 = picture(page, ".mot-journey-A[data-drawn]")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "classroom.png"), full_page=True)

            assert network_1 != network_0, "the network picture did not change"
            assert journey_1 != journey_0, "the journey charts did not change"
            assert page.locator(".mot-error").count() == 0
            assert page.locator(".v-alert.error").count() == 0  # solara.Error and crash boxes
            assert "Traceback" not in page.inner_text("body")
            assert outside == [], f"the page asked the internet for {outside}"
            # responsiveness bar (generous for a shared CI machine): a week's step redraws in < 15 s
            assert seconds_per_step < 15

            seed = page.get_by_label("Seed (same seed = same market for the whole class)")
            seed.fill("-1")
            seed.press("Enter")
            page.wait_for_selector(".mot-error", timeout=20_000)
            assert "seed: must be >= 0" in page.inner_text(".mot-error")
            wait_for_day(page, 28)  # the running market is kept

            page.evaluate(f"window.oldTies = ({TIES_PICTURE})()")
            seed.fill("7")
            seed.press("Enter")
            page.get_by_role("button", name="Reset").click()
            wait_for_day(page, 0)  # another market: its ties are pictured anew
            page.wait_for_function(f"() => ({TIES_PICTURE})() !== window.oldTies", timeout=30_000)
        finally:
            browser.close()
