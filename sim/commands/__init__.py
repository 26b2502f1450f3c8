"""Subcommands of `mot`, one module each (see `sim.cli`)."""
