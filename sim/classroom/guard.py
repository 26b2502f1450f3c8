"""Who may talk to the classroom page: a Host allow-list, same-origin WebSockets, no framing.

Solara's server answers any Host header and accepts a WebSocket from any Origin. A web page on
another site could then drive a student's market through the student's own browser (cross-site
WebSocket hijacking), reach a page bound to 127.0.0.1 through a DNS name it controls (DNS
rebinding), or show the page inside a frame to trick clicks. `Guard` is a pure ASGI middleware
wrapped around solara's app that refuses all three; the helpers below say which host names belong
to this computer, and which address students should type.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
"""Names of this computer that every `mot app` answers to, whatever address it listens on."""
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
"""Addresses that mean "every network interface": the page is open to the whole network."""
FRAMING_HEADERS = (
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
)
"""Sent on every response: only the page itself may put the page in a frame (no clickjacking)."""
UNROUTABLE = {socket.AF_INET: "10.254.254.254", socket.AF_INET6: "fd00:ffff::1"}
"""Private addresses used to ask the system for its outgoing route; no packet is ever sent."""


class Guard:
    """ASGI middleware: unknown Host -> 400, foreign-Origin WebSocket -> 403, framing headers."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed_hosts = frozenset(normal_host(host) for host in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request before solara sees it; lifespan events pass straight through."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = header(scope, b"host")
        if not self.host_allowed(host):
            await refuse(scope, send, "unknown host name: open the address `mot app` printed")
        elif scope["type"] == "websocket" and not same_origin(scope, host):
            await refuse(scope, send, "WebSocket from another site")
        elif scope["type"] == "websocket":
            await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, with_language(with_framing_headers(send)))

    def host_allowed(self, host: str | None) -> bool:
        """True when the Host header names this computer (any port: the socket fixes the port)."""
        return host is not None and normal_host(split_host(host)[0]) in self.allowed_hosts


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header `name` (lower case), decoded as Latin-1 like HTTP itself."""
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def split_host(host: str) -> tuple[str, int | None]:
    """`example:80` -> ("example", 80); `[::1]:8765` -> ("::1", 8765); a bad port -> None."""
    try:
        parts = urlsplit(f"//{host}")
        return parts.hostname or "", parts.port
    except ValueError:
        return "", None


def normal_host(host: str) -> str:
    """Lower case, no IPv6 brackets or zone (`[fe80::1%eth0]` -> `fe80::1`), no trailing dot."""
    return host.strip("[]").split("%")[0].rstrip(".").lower()


def same_origin(scope: Scope, host: str | None) -> bool:
    """True when the WebSocket's Origin is the page's own scheme, host and port.

    Browsers always send Origin with a WebSocket; a missing one is refused too, since the page's
    own script always has one.
    """
    origin = header(scope, b"origin")
    if origin is None or host is None:
        return False
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    default = 443 if scheme == "https" else 80
    name, own_port = split_host(host)
    return (parts.scheme.lower(), normal_host(parts.hostname or ""), port or default) == (
        scheme,
        normal_host(name),
        own_port or default,
    )


async def refuse(scope: Scope, send: Send, reason: str) -> None:
    """Answer 400 to HTTP; close a WebSocket before accepting it (the server answers 403)."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": reason})
        return
    body = f"mot app: {reason}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), *FRAMING_HEADERS]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def with_framing_headers(send: Send) -> Send:
    """`send`, with the framing headers replacing any of the same name on the response start."""
    names = {name for name, _ in FRAMING_HEADERS}

    async def send_framed(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in names]
            message = {**message, "headers": [*kept, *FRAMING_HEADERS]}
        await send(message)

    return send_framed


LANGUAGE_TAG = b'<html lang="en">'
"""The pages are in English; screen readers pick their voice from the page's `lang`."""


def with_language(send: Send) -> Send:
    """`send`, with `lang="en"` on the `<html>` tag of an HTML page (Solara's template has no
    `lang`). A page sent in one piece is rewritten (and its content-length fixed); anything
    else passes unchanged."""
    held: list[Message] = []

    async def send_with_language(message: Message) -> None:
        if message["type"] == "http.response.start" and is_html(message):
            held.append(message)  # wait for the body: its length may change
            return
        if held and message["type"] == "http.response.body":
            start = held.pop()
            if not message.get("more_body", False):
                body = with_lang_tag(message.get("body", b""), encoding(start))
                start = {**start, "headers": with_length(start.get("headers", ()), len(body))}
                message = {**message, "body": body}
            await send(start)
        await send(message)

    return send_with_language


def with_lang_tag(body: bytes, coding: bytes) -> bytes:
    """The page with `lang="en"` on its `<html>` tag, plain or gzipped (solara gzips pages for
    browsers that accept it); another encoding is left alone."""
    if coding == b"gzip":
        return gzip.compress(with_lang_tag(gzip.decompress(body), b""), mtime=0)
    return body.replace(b"<html>", LANGUAGE_TAG, 1) if not coding else body


def encoding(start: Message) -> bytes:
    """The response's content-encoding (b"" for none)."""
    codings = [v for k, v in start.get("headers", ()) if k.lower() == b"content-encoding"]
    return codings[0].strip().lower() if codings else b""


def is_html(start: Message) -> bool:
    """True for a response whose content-type is HTML."""
    types = [v for k, v in start.get("headers", ()) if k.lower() == b"content-type"]
    return any(v.lower().startswith(b"text/html") for v in types)


def with_length(headers: Iterable[tuple[bytes, bytes]], length: int) -> list:
    """`headers` with content-length set to `length`."""
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(length).encode())]


def allowed_hosts(bind_host: str) -> set[str]:
    """Host names the page answers to: loopback, the bound address, and with a wildcard address
    every name and address of this computer (students type one of them)."""
    hosts = set(LOOPBACK_NAMES) | {normal_host(bind_host)}
    if normal_host(bind_host) in WILDCARD_HOSTS:
        hosts |= own_names() | hostname_addresses() | interface_addresses()
        hosts |= {lan_address(socket.AF_INET) or "", lan_address(socket.AF_INET6) or ""}
    return {normal_host(host) for host in hosts if host} - WILDCARD_HOSTS


def own_names() -> set[str]:
    """This computer's name as students may type it: `teacher-pc`, its FQDN, `teacher-pc.local`."""
    name = socket.gethostname()
    return {name, f"{name}.local", socket.getfqdn()}


def hostname_addresses() -> set[str]:
    """Addresses the system resolves this computer's name to (may be only 127.0.1.1)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)
    except OSError:
        return set()
    return {str(info[4][0]) for info in infos}


def interface_addresses() -> set[str]:
    """Every address of every network interface (psutil comes with dask.distributed)."""
    import psutil

    families = (socket.AF_INET, socket.AF_INET6)
    return {
        address.address
        for addresses in psutil.net_if_addrs().values()
        for address in addresses
        if address.family in families
    }


def lan_address(family: socket.AddressFamily = socket.AF_INET) -> str | None:
    """The address other computers reach this one by: the source of the default route.

    Connecting a UDP socket sends nothing; it only makes the system pick the outgoing interface.
    None when there is no route (no network).
    """
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((UNROUTABLE[family], 1))
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return address if reachable(address) else None


def student_address() -> str:
    """What students type for a page on every interface: the LAN address, else another address of
    this computer's name or interfaces (IPv4 first), else 127.0.0.1 (no network: this computer)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        if address := lan_address(family):
            return address
    others = [a for a in hostname_addresses() | interface_addresses() if reachable(a)]
    others.sort(key=lambda a: (":" in a, a))  # IPv4 first: shorter to type
    return others[0] if others else "127.0.0.1"


def reachable(address: str) -> bool:
    """True for an IP address another computer can type: not loopback, link-local or wildcard."""
    try:
        ip = ipaddress.ip_address(normal_host(address))
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def url(host: str, port: int) -> str:
    """`http://host:port`, with brackets around an IPv6 address."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
