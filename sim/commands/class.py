"""`mot class LESSON`: a whole class on this computer, with a teacher's page behind a token.

The lesson's market is warmed up once; each student who joins gets a copy, so everyone plays
the same market. The terminal prints the address students type (this computer's network
address, never 0.0.0.0) and the teacher's address with its token.

The class is kept in its results folder (`class.sqlite`, `sim.classroom.class_store`) as it
happens: `mot class LESSON --out FOLDER` on a folder that holds a class resumes it (students,
levers, rounds, answers; each market rebuilt from the seed and its levers).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.classroom.asset_cache import front_end_files
from sim.classroom.guard import WILDCARD_HOSTS, normal_host, student_address, url
from sim.classroom.hand_back import freeze_from_now
from sim.classroom.lesson_text import text_for
from sim.commands.app import build_server, check_port
from sim.reports.store import run_folder
from sim.scenario.config import load_scenario

HELP = "Start a class: students join one market from their browsers; the teacher runs rounds and debriefs."
EXAMPLE = "mot class scenarios/lessons/follow_up_email.toml"
PAGE = "sim.classroom.class_app"
CLASS_RESULTS = Path("results") / "class"
"""Where a class's folder goes unless `--out` names one."""
CULL_SECONDS = 30
"""How long a closed student tab keeps its page's memory (the market itself stays in the class)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Lesson, host and port."""
    parser.add_argument(
        "lesson", help="the lesson's scenario file (its text, if any: text/NAME.toml beside it)"
    )
    parser.add_argument(
        "--host",
        default="0.0.0.0",
        help="address to listen on (default 0.0.0.0: the classroom network; 127.0.0.1: this computer only)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    parser.add_argument(
        "--out",
        default=None,
        help="the class's folder (default: a new one under results/class/LESSON/); "
        "a folder that holds a class resumes it",
    )


def run(args: argparse.Namespace) -> int:
    """Check the lesson, warm its market up, print the addresses, serve until Ctrl+C."""
    from sim.classroom import class_app
    from sim.classroom.class_session import ClassSession

    path = Path(args.lesson)
    scenario = load_scenario(path)  # a bad file stops here with a one-line error
    lesson = text_for(path)
    check_port(args.host, args.port)
    folder = Path(args.out) if args.out else run_folder(CLASS_RESULTS, scenario.name)
    print("mot class: warming the lesson's market up ...", flush=True)
    class_app.CURRENT = session = ClassSession(scenario, lesson, folder=folder, processes=1)
    session.wait_for_markets()
    print(f"mot class: {resumed(session)} in {folder} (resume with --out {folder})", flush=True)

    server = build_server(args.host, args.port, PAGE, front_end_files())
    from solara.server import settings

    settings.kernel.cull_timeout = f"{CULL_SECONDS}s"
    students = url(student_address(), args.port) if wild(args.host) else url(args.host, args.port)
    class_app.CURRENT.student_url = students
    announce(students, teacher_url(args.host, args.port, class_app.CURRENT.token), wild(args.host))
    freeze_startup_objects()
    try:
        server.run()
    finally:
        session.close()
    return 0


def freeze_startup_objects() -> None:
    """Keep the objects made at start (the warmed-up market, Solara and its imports: ~250,000)
    out of Python's garbage collector from now on.

    Why: a full collection walks every object the process holds, ~0.12 s here, and each
    student's page makes enough objects to set one off: py-spy showed ~0.14 s of a join's CPU
    spent collecting. Those objects live as long as the server anyway (`gc.freeze`); so do the
    students' pages while they stay (`hand_back.freeze_from_now`)."""
    freeze_from_now()


def resumed(session) -> str:
    """`class resumed: 12 students, 2 of 4 rounds run` or `new class`."""
    if not session.resumed:
        return "new class, kept"
    rounds = (
        f", {session.rounds_run} of {session.n_rounds} rounds run"
        if session.mode == "rounds"
        else ""
    )
    return f"class resumed ({len(session.students)} students{rounds}), kept"


def wild(host: str) -> bool:
    """True when the page listens on every network interface."""
    return normal_host(host) in WILDCARD_HOSTS


def teacher_url(host: str, port: int, token: str) -> str:
    """The teacher's address on this computer, with the token."""
    own = "127.0.0.1" if wild(host) else host
    return f"{url(own, port)}/teacher?token={token}"


def announce(students: str, teacher: str, open_network: bool) -> None:
    """Print what students type and the teacher's private address."""
    print(f"mot class: students open {students}", flush=True)
    print(
        f"mot class: teacher's page {teacher} (keep the token to yourself; Ctrl+C to stop)",
        flush=True,
    )
    if open_network:
        print(
            "mot class: warning: everyone on this network can open the student page",
            file=sys.stderr,
            flush=True,
        )
