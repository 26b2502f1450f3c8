"""`mot app` on a network: who may reach the page, what it prints, and a clean Ctrl+C.

Every test talks to a real `mot app` process (a 2,000-person market, on a free port) through real
clients: `http.client` for pages, raw WebSocket handshakes for refusals (they can set any Host and
Origin) and the `websockets` client, which solara's server extra installs, for a browser tab.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.sync.client import connect

from sim.classroom import guard

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
KERNEL_SOCKET = "/jupyter/api/kernels/test-kernel/channels?session_id=test-page"
FRAMING = {"x-frame-options": "SAMEORIGIN", "content-security-policy": "frame-ancestors 'self'"}


@dataclass
class App:
    """A running `mot app` process and where its output goes."""

    process: subprocess.Popen
    port: int
    out: Path
    err: Path

    def stdout(self) -> str:
        return self.out.read_text()

    def stderr(self) -> str:
        return self.err.read_text()

    def interrupt(self, timeout_s: float = 30) -> int:
        """Ctrl+C, then the exit code (the test fails if it takes longer than `timeout_s`)."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout_s)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def small_scenario(folder: Path) -> Path:
    path = folder / "small.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "small"\ndays = 60\nwarmup_days = 10\nseed = 11\n'
        "[population]\nn_consumers = 2000\n"
    )
    return path


def start_app(
    folder: Path, *options: str, address: str = "127.0.0.1", command_name: str = "app"
) -> App:
    """`mot app` (or `mot class`) with `options` on a free port; returns once the page answers
    at `address`."""
    port = free_port()
    out, err = folder / "stdout.txt", folder / "stderr.txt"
    scenario = str(small_scenario(folder))
    command = [sys.executable, "-m", "sim", command_name, scenario, "--port", str(port)]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen([*command, *options], stdout=stdout, stderr=stderr, cwd=ROOT)
    app = App(process, port, out, err)
    try:
        wait_until_up(app, address)
    except BaseException:
        app.kill()
        raise
    return app


def wait_until_up(app: App, address: str, timeout_s: float = 90) -> None:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if app.process.poll() is not None:
            raise RuntimeError(f"mot app exited with {app.process.returncode}: {app.stderr()}")
        try:
            get(app.port, "/readyz", address=address)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"mot app did not answer on port {app.port}")


def get(
    port: int, path: str = "/", host: str | None = None, address: str = "127.0.0.1"
) -> tuple[int, dict[str, str]]:
    """Status and headers (lower-case names) of a GET, with `host` as the Host header if given."""
    connection = http.client.HTTPConnection(address, port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=host is not None)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def handshake(port: int, host: str, origin: str | None) -> int:
    """The status of a raw WebSocket opening handshake with these Host and Origin headers."""
    lines = [
        f"GET {KERNEL_SOCKET} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        *([f"Origin: {origin}"] if origin is not None else []),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return int(reply.split(b" ", 2)[1])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """One `mot app` on 127.0.0.1 for the Host, Origin and header checks."""
    running = start_app(tmp_path_factory.mktemp("app"))
    yield running
    running.kill()


@pytest.mark.parametrize("path", ["/", "/readyz", "/_solara/api/close/nope"])
def test_every_response_forbids_framing_by_other_sites(app, path):
    status, headers = get(app.port, path)
    assert status < 500
    for name, value in FRAMING.items():
        assert headers.get(name) == value


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}", "", "[::1"]
)
def test_an_unknown_host_name_is_refused(app, host):
    """DNS rebinding: another site's name pointed at 127.0.0.1 must not get the page."""
    status, headers = get(app.port, "/", host=host.format(port=app.port))
    assert status == 400
    assert headers.get("x-frame-options") == FRAMING["x-frame-options"]


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST"]
)
def test_this_computers_own_names_get_the_page_unframed(app, host):
    status, headers = get(app.port, "/", host=host.format(port=app.port))
    assert status == 200
    assert headers.get("content-security-policy") == FRAMING["content-security-policy"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://localhost:{port}",  # another origin, though the same computer
        "http://127.0.0.1:{other}",
        "https://127.0.0.1:{port}",
        "null",
        None,
    ],
)
def test_a_websocket_from_another_site_is_refused(app, origin):
    """Cross-site WebSocket hijacking: another page must not drive a student's market."""
    own = f"127.0.0.1:{app.port}"
    origin = origin and origin.format(port=app.port, other=app.port + 1)
    assert handshake(app.port, own, origin) == 403


def test_a_websocket_through_an_unknown_host_name_is_refused(app):
    """DNS rebinding again: the Origin matches the Host, but the Host is not this computer."""
    host = f"evil.example:{app.port}"
    assert handshake(app.port, host, f"http://{host}") == 403


def test_a_websocket_opens_from_the_page_itself_only(app):
    """The same handshake opens with the page's own Origin and is refused with another site's."""
    own = f"127.0.0.1:{app.port}"
    assert handshake(app.port, own, f"http://{own}") == 101
    assert handshake(app.port, own, "http://evil.example") == 403
    with connect(f"ws://{own}{KERNEL_SOCKET}", origin=f"http://{own}", open_timeout=30) as tab:
        assert tab.response.status_code == 101


def test_every_interface_prints_what_students_type_and_a_warning(tmp_path):
    app = start_app(tmp_path, "--host", "0.0.0.0")
    try:
        match = re.search(r"http://(\[[^\]]+\]|[^:/\s]+):(\d+)", app.stdout())
        assert match, app.stdout()
        address = match.group(1).strip("[]")
        assert address not in ("0.0.0.0", "::") and int(match.group(2)) == app.port
        assert "students" in app.stdout()
        assert "warning: everyone on this network can open the page" in app.stderr()
        status, headers = get(app.port, "/", address=address)  # Host: the printed address
        assert status == 200 and headers.get("x-frame-options")
        assert get(app.port, "/", host="evil.example")[0] == 400
    finally:
        app.kill()


def test_the_students_address_falls_back_to_this_computers_addresses(monkeypatch):
    """No default route: an address of this computer's name or interfaces, else loopback."""
    monkeypatch.setattr(guard, "lan_address", lambda family=socket.AF_INET: None)
    monkeypatch.setattr(guard, "hostname_addresses", lambda: {"127.0.1.1", "fe80::1"})
    monkeypatch.setattr(guard, "interface_addresses", lambda: {"fd00::2", "192.168.1.20"})
    assert guard.student_address() == "192.168.1.20"
    assert guard.url("fd00::2", 8765) == "http://[fd00::2]:8765"
    monkeypatch.setattr(guard, "interface_addresses", lambda: {"127.0.0.1", "::1"})
    assert guard.student_address() == "127.0.0.1"


def ipv6_loopback_missing() -> str | None:
    """Why IPv6 loopback cannot be used on this machine, or None when it can."""
    if not socket.has_ipv6:
        return "Python was built without IPv6"
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError as exc:
        return f"no IPv6 loopback on this machine ({exc.strerror})"
    return None


def test_ipv6_loopback_serves_the_page(tmp_path):
    if reason := ipv6_loopback_missing():
        pytest.skip(reason)
    app = start_app(tmp_path, "--host", "::1", address="::1")
    try:
        assert f"http://[::1]:{app.port}" in app.stdout()
        status, headers = get(app.port, "/", address="::1")  # Host: [::1]:port
        assert status == 200 and headers.get("x-frame-options")
    finally:
        app.kill()


def test_ctrl_c_stops_the_page_cleanly_while_a_tab_is_open(tmp_path):
    app = start_app(tmp_path)
    own = f"127.0.0.1:{app.port}"
    try:
        with connect(f"ws://{own}{KERNEL_SOCKET}", origin=f"http://{own}", open_timeout=30):
            code = app.interrupt(timeout_s=30)
    finally:
        app.kill()
    assert code in (0, 130), app.stderr()
    assert "Traceback" not in app.stderr()


def test_the_class_pages_keep_the_same_guard(tmp_path):
    """`mot class` serves through the same guard: Host allow-list, same-origin WebSockets, framing
    headers; on every interface it prints the address students type (never 0.0.0.0)."""
    app = start_app(tmp_path, "--host", "0.0.0.0", command_name="class")
    try:
        own = f"127.0.0.1:{app.port}"
        for path in ("/", "/teacher?token=wrong"):
            status, headers = get(app.port, path)
            assert status == 200 and headers.get("x-frame-options") == FRAMING["x-frame-options"]
            assert get(app.port, path, host=f"evil.example:{app.port}")[0] == 400
        assert handshake(app.port, own, "http://evil.example") == 403
        assert handshake(app.port, own, f"http://{own}") == 101
        printed = app.stdout()
        assert "students open http://" in printed and "0.0.0.0" not in printed
        assert re.search(r"teacher's page http://127\.0\.0\.1:\d+/teacher\?token=\S{12,}", printed)
    finally:
        app.kill()


def test_pages_say_they_are_in_english_and_keep_a_true_length():
    """Screen readers choose their voice from `<html lang>`; Solara's template has none."""
    import asyncio
    import gzip

    from sim.classroom.guard import Guard

    page = b"<!DOCTYPE html>\n<html>\n<head></head><body>x</body></html>"

    def app_sending(content_type: bytes, body: bytes, more: bool = False, coding: bytes = b""):
        async def app(scope, receive, send):
            headers = [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
            headers += [(b"content-encoding", coding)] if coding else []
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": more})

        return app

    def served(app) -> tuple[dict, bytes]:
        sent: list = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "headers": [(b"host", b"127.0.0.1:8765")]}
        asyncio.run(Guard(app, ["127.0.0.1"])(scope, None, send))
        return dict(sent[0]["headers"]), b"".join(m.get("body", b"") for m in sent[1:])

    headers, body = served(app_sending(b"text/html; charset=utf-8", page))
    assert body.startswith(b'<!DOCTYPE html>\n<html lang="en">') and body.count(b"<html") == 1
    assert headers[b"content-length"] == str(len(body)).encode()
    headers, body = served(app_sending(b"text/html", gzip.compress(page), coding=b"gzip"))
    assert gzip.decompress(body).startswith(b'<!DOCTYPE html>\n<html lang="en">')
    assert headers[b"content-length"] == str(len(body)).encode()
    for app in (app_sending(b"text/javascript", page), app_sending(b"text/html", page, True)):
        assert served(app)[1] == page  # scripts and streamed pages pass unchanged
