"""Shared fixtures: small scenario files on disk and a results root for command tests."""

from __future__ import annotations

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
