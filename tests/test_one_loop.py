"""The class's pages on one event loop (`sim.classroom.one_loop`): the gaps it closes in Solara's
thread-free mode, each shown failing without the module (run in a fresh Python: the module
changes Solara for the whole process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TWO_THREADS_OF_ONE_PAGE = """
import sys, threading
import solara.server.app  # Solara's patches: threads started in a page carry its kernel
from solara.server import kernel, kernel_context, settings
from solara.server.starlette import WebsocketWrapper
from sim.classroom.one_loop import serve_on_one_loop

settings.kernel.threaded = False
if sys.argv[1] == "with":
    serve_on_one_loop(settings, WebsocketWrapper, kernel_context)
page = kernel_context.VirtualKernelContext(id="k1", kernel=kernel.Kernel(), session_id="s")
kernel_context.async_context_id.set("the page's task")
found = {}
with page:
    short_ended = threading.Event()

    def poll():  # lives as long as the page, like the class's poll
        short_ended.wait(10)
        try:
            found["poll"] = kernel_context.get_current_context() is page
        except RuntimeError:
            found["poll"] = "lost"

    poller = threading.Thread(target=poll)
    poller.start()
    play = threading.Thread(target=lambda: None)  # Play, paused at once
    play.start()
    play.join()
    short_ended.set()
    poller.join()
    found["page"] = kernel_context.get_current_context() is page
print(found["poll"], found["page"])
"""

SEND_FROM_A_THREAD = """
import asyncio, sys, threading, time
from solara.server import kernel_context, settings
from solara.server.starlette import WebsocketWrapper
from sim.classroom.one_loop import serve_on_one_loop

if sys.argv[1] == "with":
    serve_on_one_loop(settings, WebsocketWrapper, kernel_context)


class Socket:  # what the wrapper sends to
    def __init__(self):
        self.sent, self.all_in = [], asyncio.Event()

    async def send_text(self, text):
        self.sent.append(text)
        if len(self.sent) == 3:
            self.all_in.set()


async def main():
    socket = Socket()
    wrapper = WebsocketWrapper(socket, None)  # no portal: Solara's thread-free mode

    def frames():  # Play's frames, sent from Play's thread while the loop waits for input
        time.sleep(0.3)  # the loop is asleep by now
        for n in range(3):
            wrapper.send_text(f"frame {n}")

    threading.Thread(target=frames).start()
    try:
        await asyncio.wait_for(socket.all_in.wait(), 2)
        print("in_time", socket.sent == ["frame 0", "frame 1", "frame 2"])
    except TimeoutError:
        print("late", False)


asyncio.run(main())
"""


SEND_ON_THE_LOOP = """
import asyncio, sys
from solara.server import kernel_context, settings
from solara.server.starlette import WebsocketWrapper
from sim.classroom.one_loop import serve_on_one_loop

if sys.argv[1] == "with":
    serve_on_one_loop(settings, WebsocketWrapper, kernel_context)


class Socket:  # a page's socket; while `gate` is closed, a send waits (a slow network)
    def __init__(self):
        self.sent, self.gate = [], None

    async def send_text(self, text):
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(text)


async def main():
    socket = Socket()
    wrapper = WebsocketWrapper(socket, None)
    wrapper.send_text("day 7")  # a step's answer, sent while the loop handles the step
    at_once = socket.sent == ["day 7"]
    socket.gate = asyncio.Event()
    for text in ("day 14", "charts 14", "day 21"):
        wrapper.send_text(text)
    await asyncio.sleep(0.01)
    socket.gate.set()
    await asyncio.sleep(0.05)
    print(at_once, socket.sent == ["day 7", "day 14", "charts 14", "day 21"])


asyncio.run(main())
"""


def run(script: str, *args: str) -> list[str]:
    """The words `script` printed, run in a fresh Python with `args`."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_page_thread_that_ends_leaves_the_page_to_its_other_threads():
    assert run(TWO_THREADS_OF_ONE_PAGE, "with") == ["True", "True"]
    # negative control: Solara alone files both threads under the page's key, and the first
    # to end removes it; the poll has lost its page
    assert run(TWO_THREADS_OF_ONE_PAGE, "without") == ["lost", "True"]


def test_a_page_thread_s_sends_go_out_on_the_loop_in_order():
    assert run(SEND_FROM_A_THREAD, "with") == ["in_time", "True"]
    # negative control: Solara alone queues them from the thread without waking the loop, which
    # sleeps on until something else happens (here its 2 s timeout): a frame shown late
    assert run(SEND_FROM_A_THREAD, "without") == ["late", "False"]


def test_a_step_s_answer_leaves_at_once_and_waiting_sends_keep_their_order():
    """When 30 presses wait on the loop together, each student's day leaves as soon as their
    step is done, not after all 30 (the median waited as long as the last)."""
    assert run(SEND_ON_THE_LOOP, "with") == ["True", "True"]
    # negative control: Solara alone sends on a later turn of the loop
    assert run(SEND_ON_THE_LOOP, "without") == ["False", "True"]


def test_the_class_server_runs_every_page_on_one_loop():
    code = (
        "from solara.server import settings\n"
        "from sim.commands.app import build_server\n"
        "build_server('127.0.0.1', 8765, 'sim.classroom.class_app')\n"
        "print(settings.kernel.threaded)\n"
    )
    assert run(code)[-1] == "False"
