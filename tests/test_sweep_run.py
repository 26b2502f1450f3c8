"""Running sweeps locally: tables, charts, failures, bad input, and resuming after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.reports.kpis import KPI_NAMES
from sim.sweep.executors import ExecutorChoice
from sim.sweep.experiment import load_experiment
from sim.sweep.orchestrate import run_experiment
from sim.sweep.parts import PartStore

MOT = Path(sys.executable).with_name("mot")


def experiment_file(
    tmp_path: Path, replications: int = 2, extra: str = "", charts: bool = True
) -> Path:
    """A 2 x 2 grid on a 1,000-person, 60-day market (about 0.1 s a run)."""
    path = tmp_path / "tiny.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            name = "tiny"
            replications = {replications}
            outputs = ["new_customers", "churned", "cost_per_customer_usd"]
            derived.cost_per_customer_usd = "strategy_cost_usd / customers_end"
            {extra}
            [set]
            days = 60
            "population.n_consumers" = 1000
            [parameters."brands.focal.p_problem"]
            values = [0.05, 0.3]
            [parameters."brands.focal.strategies.follow_up_email.delay_days"]
            values = [1, 7]
            [[charts]]
            kind = "line"
            x = "brands.focal.p_problem"
            hue = "brands.focal.strategies.follow_up_email.delay_days"
            y = "churned"
            [[charts]]
            kind = "heatmap"
            x = "brands.focal.p_problem"
            hue = "brands.focal.strategies.follow_up_email.delay_days"
            y = "new_customers"
            """
        )
    )
    if not charts:
        path.write_text(path.read_text().split("[[charts]]")[0])
    return path


def test_local_sweep_writes_tidy_tables_and_charts(tmp_path):
    loaded = load_experiment(experiment_file(tmp_path))
    outcome = run_experiment(loaded, tmp_path / "out", ExecutorChoice(workers=2), chunk=2)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    n_outputs = len(KPI_NAMES) + 1
    assert len(runs) == 8 * n_outputs  # 4 points x 2 replications, one row per run and output
    assert runs.groupby(["point", "replication"]).size().eq(n_outputs).all()
    wide = outcome.tables.wide
    assert (
        wide["cost_per_customer_usd"] == wide["strategy_cost_usd"] / wide["customers_end"]
    ).all()
    # Common random numbers: replication r has the same seed at every point.
    assert wide.groupby("replication")["seed"].nunique().eq(1).all()
    for name in ("design.csv", "runs.csv", "summary.csv", "manifest.json", "summary.png"):
        assert (tmp_path / "out" / name).is_file(), name
    assert {p.name for p in outcome.charts} >= {
        "line-churned-p_problem-delay_days.png",
        "heatmap-new_customers-p_problem-delay_days.png",
    }
    assert outcome.report.executed == 8 and outcome.report.skipped == 0
    again = run_experiment(loaded, tmp_path / "out", ExecutorChoice(workers=1))
    assert again.report.executed == 0 and again.report.skipped == 8
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "runs.parquet"), runs)


def test_failed_runs_are_recorded_and_the_sweep_carries_on(tmp_path, capsys):
    # Each initial_share is valid alone (every value is checked before any run), but the two
    # brands' 0.6 together exceed 1: those runs raise while the others finish; the command
    # exits 1 naming the failures.
    path = experiment_file(
        tmp_path,
        1,
        '[parameters."brands.focal.initial_share"]\nvalues = [0.1, 0.6]\n'
        '[parameters."brands.rival.initial_share"]\nvalues = [0.1, 0.6]\n',
    )
    status = main(["sweep", str(path), "--out", str(tmp_path / "res"), "--workers", "2"])
    assert status == 1
    err = capsys.readouterr().err
    assert "4 runs failed" in err
    assert "initial_share" in err
    failures = pd.read_csv(tmp_path / "res" / "tiny" / "failures.csv")
    assert len(failures) == 4
    runs = pd.read_parquet(tmp_path / "res" / "tiny" / "runs.parquet")
    shares = runs[["brands.focal.initial_share", "brands.rival.initial_share"]].sum(axis=1)
    assert shares.lt(1).all()
    assert runs[["point", "replication"]].drop_duplicates().shape[0] == 12


def test_bad_experiment_is_one_line_exit_2_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('outputs = ["new_customers"]\n[parameters."foo.bar"]\nvalues = [1]\n')
    done = subprocess.run(
        [str(MOT), "sweep", str(path), "--out", str(tmp_path / "res")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"mot sweep: error: {path}: parameters.foo.bar: unknown key 'foo'"
    assert not (tmp_path / "res").exists()


def test_kill_9_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    path = experiment_file(tmp_path, replications=6, charts=False)  # 24 runs
    reference = run_experiment(load_experiment(path), tmp_path / "ref", ExecutorChoice(workers=2))
    out = tmp_path / "res"
    command = [str(MOT), "sweep", str(path), "--out", str(out), "--chunk", "1"]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    parts = out / "tiny" / "parts"
    try:
        deadline = time.monotonic() + 60
        while len(list(parts.glob("part-*.parquet"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)  # a real kill -9 of the sweep
        process.wait(timeout=10)
    finally:
        with pytest.raises(ProcessLookupError):  # the workers we started go too
            for _ in range(100):
                os.killpg(process.pid, signal.SIGKILL)
                time.sleep(0.05)
    done_before = PartStore(parts).finished_keys()
    assert 3 <= len(done_before) < 24, "the sweep must be killed part-way"
    files_before = {p.name: p.stat().st_mtime_ns for p in parts.glob("part-*.parquet")}
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done_before)} already done, {24 - len(done_before)} run now" in resumed.stderr
    after = {p.name: p.stat().st_mtime_ns for p in parts.glob("part-*.parquet")}
    assert all(after[name] == mtime for name, mtime in files_before.items())
    rows = PartStore(parts).read()
    per_key = rows[rows["status"] == "ok"].groupby("key")["kpi"].size()
    assert per_key.eq(len(KPI_NAMES)).all() and len(per_key) == 24  # nothing ran twice
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "tiny" / "runs.parquet"),
        pd.read_parquet(tmp_path / "ref" / "runs.parquet"),
    )
    assert reference.report.executed == 24
