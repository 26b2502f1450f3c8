"""The `mot` subcommands, one module each (see `sim.cli`)."""

from __future__ import annotations

import argparse


def reproducing_argv(
    command: str, positional: list[str], args: argparse.Namespace, options: tuple[str, ...]
) -> list[str]:
    """The `mot COMMAND ...` line that reproduces a run (options as given), for its manifest."""
    argv = ["mot", command, *positional]
    for key in options:
        if (value := getattr(args, key)) is not None:
            argv += [f"--{key}", str(value)]
    return argv + (["--quiet"] if args.quiet else [])
