"""The agent examples run as a new user runs them, and write their charts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", ["price_only_shopper.py", "loyal_until_betrayed.py"])
def test_example_runs_and_writes_its_chart(script, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    chart = tmp_path / script.replace(".py", ".png")
    assert chart.stat().st_size > 10_000
