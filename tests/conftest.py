"""Shared fixtures: small scenario files on disk and a results root for command tests."""

from __future__ import annotations

import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture
def small_scenario_file(tmp_path: Path) -> Path:
    """A 2,000-person, 60-day scenario file extending the shipped baseline (fast to run: a
    10-day warm-up instead of the baseline's)."""
    path = tmp_path / "small.toml"
    path.write_text(
        f'extends = "{BASELINE}"\nname = "small"\ndays = 60\nwarmup_days = 10\nseed = 11\n'
        "[population]\nn_consumers = 2000\n"
    )
    return path


@pytest.fixture
def results_root(tmp_path: Path) -> Path:
    """Where a command under test writes results (not yet created)."""
    return tmp_path / "results"


@pytest.fixture(autouse=True)
def sigint_left_as_found(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with Ctrl+C acted on, and a test that leaves SIGINT ignored is named.

    Why: an ignored SIGINT is inherited by every process started afterwards, so a command
    launched by a later test could not be stopped by Ctrl+C (in full fresh-clone runs the
    sweep Ctrl+C test found pytest's own SIGINT ignored; alone, and in a run of every file up
    to it with warm caches, it was not). The culprit is restored and reported as a warning."""
    before = signal.getsignal(signal.SIGINT)
    yield
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN and before != signal.SIG_IGN:
        signal.signal(signal.SIGINT, before)
        warnings.warn(f"{request.node.nodeid} left SIGINT ignored (restored)", stacklevel=1)
