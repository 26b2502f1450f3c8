"""`mot app`: start the classroom page on this computer (works with no internet).

The page is a Solara app (`sim.classroom.page`) served from this process. Solara's front end is
bundled by `solara-assets`, so nothing is fetched from a CDN; telemetry is switched off.
"""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

from sim.cli import UsageError
from sim.config import load_scenario

HELP = "Start the classroom page: students move levers and watch people move through the moments."
EXAMPLE = "mot app scenarios/lessons/zmot_loop.toml --port 8765"
DEFAULT_SCENARIO = Path("scenarios/baseline.toml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Scenario, host and port."""
    parser.add_argument(
        "scenario",
        nargs="?",
        help=f"scenario file the page starts from (default: {DEFAULT_SCENARIO} if present)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the classroom network)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")


def run(args: argparse.Namespace) -> int:
    """Check the inputs, then serve the page until Ctrl+C."""
    scenario = scenario_path(args.scenario)
    if scenario is not None:
        load_scenario(scenario)  # a bad file stops here with a one-line error
    check_port(args.host, args.port)
    os.environ["MOT_APP_SCENARIO"] = str(scenario.resolve()) if scenario else ""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    try:
        from solara.__main__ import cli
    except ImportError:
        raise UsageError('the page needs the app extra: pip install -e ".[app]"') from None
    where = f"http://{args.host}:{args.port}"
    print(f"mot app: classroom page on {where} (Ctrl+C to stop)", flush=True)
    options = [
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--no-open",
        "--production",
        "--no-check-version",
    ]
    cli(["run", "sim.classroom.page", *options], standalone_mode=False)
    return 0


def scenario_path(given: str | None) -> Path | None:
    """The scenario to start from: the given file, else the baseline if present, else defaults."""
    if given is not None:
        return Path(given)
    return DEFAULT_SCENARIO if DEFAULT_SCENARIO.is_file() else None


def check_port(host: str, port: int) -> None:
    """Fail early, in one line, when the port is out of range or already taken."""
    if not 1 <= port <= 65535:
        raise UsageError(f"--port: must be between 1 and 65535, got {port}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(f"--port: cannot listen on {host}:{port} ({exc.strerror})") from None
