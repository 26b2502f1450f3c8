"""`mot`: the command line. Each subcommand lives in `sim/commands/<name>.py`.

A command module provides `HELP` (one line), `EXAMPLE`, `add_arguments(parser)` and
`run(args) -> int`. Bad input raises `ScenarioError` (or `UsageError`); `main` prints it as one
line and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from sim.config import ScenarioError

COMMANDS: tuple[str, ...] = ("run", "compare", "sweep", "app", "bench", "validate", "calibrate")
"""Subcommands, in the order `mot --help` lists them (a missing module is skipped)."""


class UsageError(ValueError):
    """A command-line value cannot be used; the message is one line for the user."""


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
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = next((word for word in argv if not word.startswith("-")), None)
    parser = build_parser((chosen,) if chosen in COMMANDS else COMMANDS)
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except (ScenarioError, UsageError) as exc:
        print(f"mot {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mot {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
