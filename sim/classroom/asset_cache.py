"""Solara's front-end files compressed once per server, not once per browser.

Why: Solara's server gzips every response as it sends it (starlette's `GZipMiddleware`), and a
student's browser, with nothing cached, fetches about 8 MB of JavaScript, CSS and fonts before
the join form shows. Compressing them again for each of 30 students cost the server about 0.45 s
of CPU per student (a third of a join's CPU; profiled with py-spy, docs/classroom-speed.md).
These files never change while the server runs, so `AssetCache` keeps each one's finished
response (status, headers, compressed body) the first time it is sent and answers later
requests for it from memory. Pages, the WebSocket and anything that is not a plain GET of a
front-end file pass through untouched.

`mot class` also fills the cache before it prints the address (`warm`): the files a fresh browser
fetches for the student page are listed in `front_end_files.txt` (data, checked against what a
real Chromium fetches by `tests/test_class_browser.py`), so the first student does not wait for
them to be compressed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ASSET_PREFIXES = ("/static/", "/_solara/cdn/", "/jupyter/nbextensions/")
"""Where Solara serves its front end (files that do not change while the server runs)."""
CONDITIONAL = (b"if-none-match", b"if-modified-since", b"range", b"if-range")
"""Requests with these headers are answered by Solara itself (304s, partial content)."""
MAX_BYTES = 16_000_000
"""Largest response kept (the largest front-end file, compressed, is under 1 MB)."""
FRONT_END_FILES = Path(__file__).with_name("front_end_files.txt")
"""The front-end files a fresh browser fetches for the student page, one path a line."""
Key = tuple[str, bool]


class AssetCache:
    """ASGI middleware around Solara's app: front-end files answered from memory after the first
    request (one copy per path and whether the browser accepts gzip)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept: dict[Key, tuple[Message, bytes]] = {}
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = cache_key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        kept = self.kept.get(key)
        if kept is not None:
            start, body = kept
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        await self.app(scope, receive, self.keeping(key, send))

    async def warm(self, paths: Iterable[str]) -> list[str]:
        """Ask for each path as a fresh browser does (gzip accepted), keeping the answers;
        returns the paths not kept (a file Solara no longer serves)."""
        missing = []
        for path in paths:
            scope = {
                "type": "http",
                "method": "GET",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "scheme": "http",
                "server": ("127.0.0.1", 80),
                "headers": [(b"accept-encoding", b"gzip, deflate")],
            }
            await self(scope, one_request(), _discard)
            if cache_key(scope) not in self.kept:
                missing.append(path)
        return missing

    def keeping(self, key: Key, send: Send) -> Send:
        """`send`, keeping a copy of a whole 200 response that sets no cookie."""
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def send_and_keep(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message if keepable(message) else None
            elif message["type"] == "http.response.body" and start is not None:
                chunk = bytes(message.get("body", b""))
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_BYTES:
                    start = None
                elif not message.get("more_body", False):
                    body = b"".join(chunks)
                    headers = with_length(start.get("headers", ()), len(body))
                    with self.lock:
                        self.kept[key] = ({**start, "headers": headers}, body)
            await send(message)

        return send_and_keep


def cache_key(scope: Scope) -> Key | None:
    """(path, gzip accepted) for a plain GET of a front-end file; None otherwise.

    The query is left out: Solara's file servers answer from the path alone, and the page adds
    `?v=HASH` to some files only so that browsers fetch them again after an upgrade."""
    if scope["type"] != "http" or scope.get("method") != "GET":
        return None
    path = scope.get("path", "")
    if not path.startswith(ASSET_PREFIXES):
        return None
    headers = {name.lower(): value for name, value in scope.get("headers", ())}
    if any(name in headers for name in CONDITIONAL):
        return None
    gzip_ok = b"gzip" in headers.get(b"accept-encoding", b"").lower()
    return path, gzip_ok


def front_end_files(listing: Path = FRONT_END_FILES) -> list[str]:
    """The paths in `listing` (one a line; blank lines and # comments skipped)."""
    lines = (line.strip() for line in listing.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def one_request() -> Receive:
    """`receive` for a GET with no body: the request, then nothing until the answer is sent
    (Starlette listens for a disconnect while it sends a file, and cancels that wait at the end)."""
    asked = False

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # never set: cancelled once the response is sent
        return {"type": "http.disconnect"}

    return receive


async def _discard(message: Message) -> None:
    """A warming request's answer goes nowhere (the cache keeps it)."""


def keepable(start: Message) -> bool:
    """A 200 response that sets no cookie."""
    names = {name.lower() for name, _ in start.get("headers", ())}
    return start.get("status") == 200 and b"set-cookie" not in names


def with_length(headers, length: int) -> list:
    """`headers` with content-length set to `length` (a streamed response had none)."""
    kept = [
        (k, v) for k, v in headers if k.lower() not in (b"content-length", b"transfer-encoding")
    ]
    return [*kept, (b"content-length", str(length).encode())]
