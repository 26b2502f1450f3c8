"""`mot`: the command line. Each subcommand lives in `sim/commands/<name>.py`.

A command module provides `HELP` (one line), `EXAMPLE`, `add_arguments(parser)` and
`run(args) -> int`. Bad input raises `ScenarioError` (or `UsageError`); `main` prints it as one
line and exits with status 2, never a traceback.

Stopping a command is the same whichever way it is asked: Ctrl-C (SIGINT) and SIGTERM (`kill`,
a batch scheduler, a container stop) both unwind as a `KeyboardInterrupt`, so the same cleanup
runs (a half-written results folder is removed, worker processes are stopped), then `main`
prints one line and exits with status 130 after Ctrl-C or 143 after SIGTERM (128 + the signal).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from types import FrameType

from sim.errors import ScenarioError, UsageError

COMMANDS: tuple[str, ...] = (
    "run",
    "compare",
    "attribute",
    "sweep",
    "app",
    "class",
    "bench",
    "validate",
    "calibrate",
)
"""Subcommands, in the order `mot --help` lists them (a missing module is skipped)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's `KeyboardInterrupt` so that the same cleanup runs."""


EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT, as shells report it)."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM (128 + SIGTERM), so a scheduler can tell it from Ctrl-C."""


def build_parser(names: tuple[str, ...] = COMMANDS) -> argparse.ArgumentParser:
    """The `mot` parser with the named subcommands (all of them for `mot --help`)."""
    parser = argparse.ArgumentParser(
        prog="mot",
        description="Moments of Truth: simulate the customer journey and compare strategies.",
        epilog="Example: mot run scenarios/baseline.toml   (see `mot COMMAND --help`)",
    )
    from sim import __version__

    parser.add_argument("--version", action="version", version=f"mot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in names:
        try:
            module = importlib.import_module(f"sim.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"sim.commands.{name}":
                continue
            raise
        command = sub.add_parser(
            name,
            help=module.HELP.replace("%", "%%"),  # HELP is plain text; argparse %-formats help
            description=module.HELP,
            epilog=f"Example: {module.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `mot` and `python -m sim`.

    Only the chosen command's module is imported (each pulls in its own libraries), so that
    `mot run` reaches its first simulated day quickly; `mot --help` imports them all.
    """
    process = argv is None  # the process's own command line: `mot ...` or `python -m sim ...`
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = next((word for word in argv if not word.startswith("-")), None)
    prog = f"mot {chosen}" if chosen in COMMANDS else "mot"
    try:
        with sigterm_as_interrupt():
            return dispatch(argv, chosen, freeze=process)
    except BaseException as exc:
        interrupt = interrupt_behind(exc)
        if interrupt is None:
            raise
        if isinstance(interrupt, Terminated):
            print(f"{prog}: terminated", file=sys.stderr)
            return EXIT_TERMINATED
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM that caused `exc`, if one did.

    Why: a library may turn the interrupt into an error of its own. Numba, interrupted while it
    compiles a kernel on a fresh checkout's first run, raises `RuntimeError: no compiled object
    yet` with the `KeyboardInterrupt` as its context; the user asked to stop, so the command
    stops the same way as when nothing came between.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        pending += [current.__cause__, current.__context__]
    return None


def dispatch(argv: list[str], chosen: str | None, freeze: bool = False) -> int:
    """Parse `argv` and run the command; bad input becomes one line on stderr and status 2.
    With `freeze` (the process runs this one command, then exits), see `freeze_objects`."""
    parser = build_parser((chosen,) if chosen in COMMANDS else COMMANDS)
    if freeze:
        freeze_objects()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        with one_line_warnings(f"mot {args.command}"):
            return int(args.handler(args) or 0)
    except (ScenarioError, UsageError) as exc:
        print(f"mot {args.command}: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if freeze:
            freeze_objects()


def freeze_objects() -> None:
    """Move every object alive now out of the cyclic garbage collector's sight (`gc.freeze`).

    Why: the libraries a command imports (pandas, numba, Mesa, scipy, matplotlib) leave
    hundreds of thousands of objects that live until the process ends, and the collector walks
    them all in each full collection and again, several times, as the interpreter shuts down:
    0.3 s of CPU during `mot run scenarios/baseline.toml` and 0.7 s after it had finished.
    Called once the command's modules are imported and again when it returns (what is left
    then is freed with the process), it cuts both to about 0.1 s. Only for a process running
    one command (`main()` with no arguments): a program calling `main([...])` keeps its
    collector as it was. Objects are still freed when their last reference goes; only garbage
    cycles made before a freeze are never collected, and there are few.
    """
    gc.freeze()


@contextlib.contextmanager
def one_line_warnings(prog: str) -> Iterator[None]:
    """Print our FutureWarnings (a deprecated KPI name, ...) as `<prog>: warning: ...`, one
    line each, instead of Python's two lines pointing into the source."""
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, FutureWarning):
            print(f"{prog}: warning: {message}", file=sys.stderr)
        else:
            original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = original


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises `Terminated` in the main thread.

    Python's default for SIGTERM is to die at once, skipping every `finally`: the hidden
    temporary results folder and the worker processes would be left behind. Signal handlers
    can only be set from the main thread; elsewhere (an embedding program) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    """Raise `Terminated`; a repeated SIGTERM is ignored so that the cleanup can finish."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


if __name__ == "__main__":
    sys.exit(main())
