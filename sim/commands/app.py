"""`mot app`: start the classroom page on this computer (works with no internet).

The page is a Solara app (`sim.classroom.page`) served from this process by uvicorn, behind
`sim.classroom.guard` (known Host names only, same-origin WebSockets, no framing). Solara's front
end is bundled by `solara-assets`, so nothing is fetched from a CDN; telemetry is switched off.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.classroom.asset_cache import AssetCache
from sim.classroom.guard import (
    WILDCARD_HOSTS,
    Guard,
    allowed_hosts,
    normal_host,
    student_address,
    url,
)
from sim.classroom.one_loop import serve_on_one_loop
from sim.classroom.quiet_shell import quiet_events
from sim.errors import UsageError
from sim.scenario.config import load_scenario

if TYPE_CHECKING:
    import uvicorn

HELP = "Start the classroom page: students move levers and watch people move through the moments."
EXAMPLE = "mot app scenarios/lessons/zmot_loop.toml --port 8765"
DEFAULT_SCENARIO = Path("scenarios/baseline.toml")
PAGE = "sim.classroom.page"
SHUTDOWN_SECONDS = 3
"""How long Ctrl+C waits for open browser tabs to disconnect (uvicorn would wait forever)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Scenario, host and port."""
    parser.add_argument(
        "scenario",
        nargs="?",
        help=f"scenario file the page starts from (default: {DEFAULT_SCENARIO} if present)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (0.0.0.0: everyone on the classroom network; ::1: IPv6 loopback)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")


def run(args: argparse.Namespace) -> int:
    """Check the inputs, then serve the page until Ctrl+C.

    Uvicorn stops gracefully on Ctrl+C (or SIGTERM), then raises it again once the page is down,
    so `sim.cli.main` ends the command with its usual one line and no traceback.
    """
    scenario = scenario_path(args.scenario)
    if scenario is not None:
        load_scenario(scenario)  # a bad file stops here with a one-line error
    check_port(args.host, args.port)
    os.environ["MOT_APP_SCENARIO"] = str(scenario.resolve()) if scenario else ""
    server = build_server(args.host, args.port)
    announce(args.host, args.port)
    server.run()
    return 0


def build_server(
    host: str, port: int, page: str = PAGE, front_end: Sequence[str] = ()
) -> uvicorn.Server:
    """Uvicorn serving solara's app wrapped in the `Guard` (Host, Origin and framing checks),
    its front-end files compressed once (`AssetCache`); the `front_end` paths compressed now,
    before the first browser asks (a path Solara does not serve: a one-line warning).

    Why not `solara run`: it builds the app from a module path, leaving no place for the guard, and
    turns the Ctrl+C that stops it into a click `Abort` traceback while a browser tab is connected.
    This mirrors what `solara run --production` sets up; the rest are solara's defaults.
    """
    os.environ["SOLARA_APP"] = page  # read when solara.server.app is first imported
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    # about session cookies inside another site's frame, which the guard forbids anyway
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
    try:
        import uvicorn
        from solara.__main__ import LOGGING_CONFIG
        from solara.server import settings
    except ImportError:
        raise UsageError('the page needs the app extra: pip install -e ".[app]"') from None
    settings.main.mode = "production"
    # A class runs offline and its students' use is nobody else's business: Solara's usage
    # reports (Mixpanel) stay off. The variable above only counts if solara was not imported
    # yet, and `mot class` imports it (the class's pages) before building the server.
    settings.telemetry.mixpanel_enable = False
    from solara.server import kernel_context
    from solara.server.starlette import WebsocketWrapper
    from solara.server.starlette import app as solara_app

    serve_on_one_loop(settings, WebsocketWrapper, kernel_context)
    from solara.server import patch as solara_patch  # not before the app: they import each other

    quiet_events(solara_patch)

    cache = AssetCache(solara_app)
    missing = asyncio.run(cache.warm(front_end)) if front_end else []
    if missing:
        print(f"mot: warning: front-end files not found: {', '.join(missing)}", file=sys.stderr)
    config = uvicorn.Config(
        Guard(cache, allowed_hosts(host)),
        host=host,
        port=port,
        log_config=LOGGING_CONFIG,
        log_level="error",
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
        # A page's messages are a few kB of numbers on a LAN or this computer; compressing
        # each one was ~6% of the class server's CPU per step (profiled), and every browser
        # had to inflate each one (docs/classroom-speed.md, "seventh round").
        ws_per_message_deflate=False,
    )
    return uvicorn.Server(config)


def announce(host: str, port: int) -> None:
    """Print the address to open; on every interface, what students type and who can see it."""
    if normal_host(host) not in WILDCARD_HOSTS:
        print(f"mot app: classroom page on {url(host, port)} (Ctrl+C to stop)", flush=True)
        return
    where = url(student_address(), port)
    print(f"mot app: classroom page on {where} (students type this; Ctrl+C to stop)", flush=True)
    print(
        "mot app: warning: everyone on this network can open the page"
        " (the default --host 127.0.0.1 keeps it on this computer)",
        file=sys.stderr,
        flush=True,
    )


def scenario_path(given: str | None) -> Path | None:
    """The scenario to start from: the given file, else the baseline if present, else defaults."""
    if given is not None:
        return Path(given)
    return DEFAULT_SCENARIO if DEFAULT_SCENARIO.is_file() else None


def check_port(host: str, port: int) -> None:
    """Fail early, in one line, when the port is out of range or the address cannot be used."""
    if not 1 <= port <= 65535:
        raise UsageError(f"--port: must be between 1 and 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise UsageError(f"--host: cannot listen on {host!r} ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            where = url(host, port).removeprefix("http://")
            raise UsageError(f"--port: cannot listen on {where} ({exc.strerror})") from None
