"""A student's page driven without a browser: Solara's own WebSocket protocol, spoken directly.

Why: on one 2-core machine, 30 headless Chromiums beside the server measure mostly the
browsers (each parses several MB of JavaScript and draws the charts on the same cores), while a
classroom's students each bring a computer. A `PageClient` asks the server for exactly what a
fresh browser asks (the page, the same front-end files, gzip accepted), opens the page's
WebSocket, runs the app, keeps every widget's state as the server sends it, and presses the
same buttons by sending the messages the page's JavaScript would send. What it cannot measure is
the browser's own work (parsing, drawing): its times are "the server answered", not "the page
shows it"; the benchmark reports them apart from the real browser's.

Messages are Jupyter's (`comm_open`, `comm_msg`): the client opens Solara's `solara.control`
comm and sends `run`; the server answers with one `comm_open` per widget (its state) and
`comm_msg` updates; a click is a widget `custom` message (`{"event": "click"}`), a typed value
an `update` of the widget's `v_model`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import re
import struct
import time
import urllib.request
import uuid
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

DAY = re.compile(r"Day (\d+)")


class PageClient:
    """One student's page over Solara's WebSocket (no browser).

    Args:
        base: the class's address, e.g. http://127.0.0.1:8765.
        assets: front-end files to fetch after the page, as a fresh browser does (paths).
    """

    def __init__(self, base: str, assets: list[str] | None = None) -> None:
        self.base = base.rstrip("/")
        self.assets = list(assets or [])
        self.models: dict[str, dict[str, Any]] = {}
        """Widget id -> its state as the server sent it."""
        self.day_widgets: set[str] = set()
        """The widgets showing "Day D" (`day` reads only these: scanning every widget at every
        message cost this client more CPU than the server spent on its step)."""
        self.changed = asyncio.Event()
        self.cookie = ""
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.session = uuid.uuid4().hex
        self.control = uuid.uuid4().hex
        self.finished = asyncio.Event()
        self.bytes_received = 0

    async def open(self, timeout_s: float) -> None:
        """Load the page and its files, connect, run the app; returns when the join form is in."""
        await asyncio.to_thread(self.fetch_page)
        import websockets

        kernel = uuid.uuid4()
        address = self.base.replace("http://", "ws://")
        self.ws = await websockets.connect(
            f"{address}/jupyter/api/kernels/{kernel}/channels?session_id={self.session}",
            additional_headers={"Cookie": self.cookie},
            origin=self.base,
            max_size=None,
            open_timeout=timeout_s,
        )
        self.reader = asyncio.create_task(self.read())
        await self.send(
            "comm_open", {"comm_id": self.control, "target_name": "solara.control", "data": {}}
        )
        await self.send(
            "comm_msg",
            {
                "comm_id": self.control,
                "data": {
                    "method": "run",
                    "args": {"path": "", "appName": None, "themes": None, "dark": False},
                },
            },
        )
        await asyncio.wait_for(self.finished.wait(), timeout_s)
        await self.wait_for(lambda: self.find(class_="mot-join") is not None, timeout_s)

    def fetch_page(self) -> None:
        """The page (its cookie is this browser's session) and the front-end files, gzipped."""
        with urllib.request.urlopen(self.request("/"), timeout=120) as answer:
            cookie = SimpleCookie()
            for header in answer.headers.get_all("Set-Cookie") or []:
                cookie.load(header)
            self.cookie = "; ".join(f"{k}={m.value}" for k, m in cookie.items())
            self.bytes_received += len(answer.read())
        for path in self.assets:
            try:
                with urllib.request.urlopen(self.request(path), timeout=120) as answer:
                    self.bytes_received += len(answer.read())
            except OSError:
                pass  # a file the browser also did not get (solara asks for a few that 404)

    def request(self, path: str) -> urllib.request.Request:
        headers = {"Accept-Encoding": "gzip, deflate", "User-Agent": "mot-bench-page-client"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        return urllib.request.Request(self.base + path, headers=headers)

    async def send(self, msg_type: str, content: dict[str, Any]) -> None:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "",
            "session": self.session,
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "version": "5.3",
        }
        message = {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
        await self.ws.send(json.dumps(message))

    async def read(self) -> None:
        """Keep every widget's state as the server sends it."""
        try:
            async for raw in self.ws:
                self.bytes_received += len(raw)
                message = decode(raw)
                kind = message.get("msg_type") or message.get("header", {}).get("msg_type")
                content = message.get("content", {})
                comm = content.get("comm_id")
                data = content.get("data", {}) or {}
                if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                    self.models[comm] = dict(data.get("state", {}))
                elif kind == "comm_msg" and comm == self.control:
                    if data.get("method") == "finished":
                        self.finished.set()
                elif kind == "comm_msg" and comm in self.models and data.get("method") == "update":
                    self.models[comm].update(data.get("state", {}))
                elif kind == "comm_close":
                    self.models.pop(comm, None)
                if comm in self.models and has(self.models[comm], "class_", "mot-day"):
                    self.day_widgets.add(comm)
                else:
                    self.day_widgets.discard(comm)
                self.changed.set()
        except Exception:  # the connection closed
            self.changed.set()

    async def wait_for(self, condition: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the page did not show it in time")
            self.changed.clear()
            if condition():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))

    def find(self, **match: str) -> str | None:
        """The id of a widget whose state holds each `match` (class_: one of its classes)."""
        for comm, state in reversed(self.models.items()):  # the newest first
            if all(has(state, key, value) for key, value in match.items()):
                return comm
        return None

    async def widget_msg(self, comm: str, data: dict[str, Any]) -> None:
        await self.send("comm_msg", {"comm_id": comm, "data": data})

    async def join(self, name: str, timeout_s: float) -> None:
        """Type a name and press Join; returns when the market's charts have arrived."""
        field = self.find(_model_name="TextFieldModel", label="Your name or your team's name")
        await self.widget_msg(
            field, {"method": "update", "state": {"v_model": name}, "buffer_paths": []}
        )
        button = self.find(class_="mot-join")
        await self.widget_msg(
            button, {"method": "custom", "content": {"event": "click", "data": {}}}
        )
        await self.wait_for(lambda: self.find(_dom_classes="mot-network") is not None, timeout_s)
        await self.wait_for(lambda: self.find(_dom_classes="mot-journey") is not None, timeout_s)

    async def settle(self, quiet_s: float = 0.3, timeout_s: float = 60.0) -> None:
        """Wait until the server has sent nothing for `quiet_s` (a redraw has ended)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), quiet_s)
            except TimeoutError:
                return

    def day(self) -> int:
        """The day the page shows (-1: none yet). A redraw may send a new "Day" widget before
        the old one is closed, and days only go up: the highest shown."""
        days = [-1]
        for comm in self.day_widgets:
            children = self.models[comm].get("children", [])
            match = DAY.search(" ".join(str(c) for c in children))
            days.append(int(match.group(1)) if match else -1)
        return max(days)

    async def move_lever(self, key: str, value: Any) -> None:
        """Set lever `key`'s control to `value`, as the page does when a student moves it: an
        `update` of the control's `v_model` (inside the `mot-lever-KEY` part)."""
        part = self.find(class_=f"mot-lever-{key}")
        control = next((c for c in self.below(part) if is_control(self.models[c])), None)
        if control is None:
            raise LookupError(f"no lever {key} on the page")
        self.models[control]["v_model"] = value
        await self.widget_msg(
            control, {"method": "update", "state": {"v_model": value}, "buffer_paths": []}
        )

    def below(self, comm: str | None) -> list[str]:
        """The widgets inside widget `comm`, depth first (none if it is not on the page)."""
        found = []
        for child in (self.models.get(comm or "") or {}).get("children", []) or []:
            widget = child.removeprefix("IPY_MODEL_") if isinstance(child, str) else ""
            if widget in self.models:
                found += [widget, *self.below(widget)]
        return found

    async def press(self, action: str, levers: dict[str, Any] | None = None) -> None:
        """Play / Step as the page's buttons send it, with the lever values the page shows
        (`levers`; none: no lever moved)."""
        comm = self.step_buttons()
        content = {"event": "press", "data": {"action": action, "levers": levers or {}}}
        await self.widget_msg(comm, {"method": "custom", "content": content})

    def step_buttons(self) -> str:
        for comm, state in reversed(self.models.items()):  # a redraw may have replaced them
            if "playing" in state and "done" in state:
                return comm
        raise LookupError("no Play / Step buttons on the page")

    async def step_week(self, timeout_s: float, levers: dict[str, Any] | None = None) -> float:
        """Press Step 7 days, first moving `levers` as a student does who just set them (each
        control's update, then the click carrying the values shown, as the page's buttons
        send them); seconds from the first message until the server has sent the new day."""
        before = self.day()
        start = time.monotonic()
        for key, value in (levers or {}).items():
            await self.move_lever(key, value)
        await self.press("step_7", levers)
        await self.wait_for(lambda: self.day() >= before + 7, timeout_s)
        return time.monotonic() - start

    async def play_fps(self, seconds: float) -> float:
        """Press Play (1 day a frame) for `seconds`; new days the server sent per second."""
        await self.press("play")
        await self.wait_for(lambda: self.day() > 0, 30)
        first, start = self.day(), time.monotonic()
        frames, seen = 0, first
        while time.monotonic() - start < seconds:
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 0.5)
            if self.day() != seen:
                frames, seen = frames + 1, self.day()
        elapsed = time.monotonic() - start
        await self.press("play")  # Pause
        return frames / elapsed

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


CONTROLS = ("SwitchModel", "SliderModel", "BtnToggleModel", "TextFieldModel")
"""Vuetify's models of the widgets a student moves (a lever's part holds one)."""


def is_control(state: dict[str, Any]) -> bool:
    return state.get("_model_name") in CONTROLS


def has(state: dict[str, Any], key: str, value: str) -> bool:
    """True when the widget's `key` is `value` (for classes: holds it)."""
    got = state.get(key)
    if key in ("class_", "_dom_classes"):
        classes = got.split() if isinstance(got, str) else list(got or [])
        return value in classes
    return got == value


def decode(raw: bytes | str) -> dict[str, Any]:
    """A message from the server: Jupyter's binary framing (Solara's) or plain JSON."""
    if isinstance(raw, str):
        return json.loads(raw)
    count = struct.unpack("!i", raw[:4])[0]
    offsets = list(struct.unpack("!" + "I" * count, raw[4 : 4 * (count + 1)]))
    first = raw[offsets[0] : offsets[1] if count > 1 else None]
    if first[:2] == b"\x1f\x8b":
        first = gzip.decompress(first)
    message = json.loads(first.decode("utf8"))
    if "msg_type" not in message and "header" in message:
        message["msg_type"] = message["header"].get("msg_type")
    return message
