"""Sweeps on a real Dask LocalCluster (processes, loopback): same table as local processes, and a
worker killed mid-task is retried without changing the results."""

from __future__ import annotations

import os
import signal
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.design import build_design
from sim.sweep.driver import run_sweep
from sim.sweep.executors import ExecutorChoice, open_executor
from sim.sweep.experiment import load_experiment
from sim.sweep.orchestrate import run_experiment
from sim.sweep.parts import PartStore, plan_runs
from sim.sweep.results import build_tables

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on loopback, restarted by their nannies if killed."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    """A 2 x 2 grid x 6 replications (24 runs) on a 1,000-person, 60-day market."""
    path = tmp_path_factory.mktemp("dask") / "grid.toml"
    path.write_text(
        textwrap.dedent(
            """
            name = "grid"
            replications = 6
            outputs = ["new_customers", "churned"]
            [set]
            days = 60
            "population.n_consumers" = 1000
            [parameters."brands.focal.p_problem"]
            values = [0.05, 0.3]
            [parameters."feedback.negativity_ratio"]
            values = [1, 20]
            """
        )
    )
    return path


@pytest.fixture(scope="module")
def local_runs(experiment, tmp_path_factory) -> pd.DataFrame:
    """The reference table from local processes."""
    folder = tmp_path_factory.mktemp("local")
    run_experiment(load_experiment(experiment), folder, ExecutorChoice(workers=2), chunk=4)
    return pd.read_parquet(folder / "runs.parquet")


def test_dask_cluster_gives_the_local_table(cluster, experiment, local_runs, tmp_path):
    choice = ExecutorChoice(workers=2, dask=cluster.scheduler_address)
    outcome = run_experiment(load_experiment(experiment), tmp_path, choice, chunk=3)
    assert outcome.report.executed == 24 and not outcome.report.failures
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "runs.parquet"), local_runs)


def test_a_worker_killed_mid_task_is_retried_and_results_are_unchanged(
    cluster, experiment, local_runs, tmp_path
):
    loaded = load_experiment(experiment)
    design = build_design(loaded.experiment)
    specs = plan_runs(
        loaded.scenario, design, loaded.experiment.replications, loaded.experiment.seed
    )
    store = PartStore(tmp_path / "parts")
    choice = ExecutorChoice(workers=2, dask=cluster.scheduler_address)
    reports = []
    sweep = threading.Thread(
        target=lambda: reports.append(
            run_sweep(specs, store, lambda: open_executor(choice), 2, size=4)
        )
    )
    with distributed.Client(cluster.scheduler_address) as client:
        pids_before = set(client.run(os.getpid).values())
        sweep.start()
        victim = None
        deadline = time.monotonic() + 60
        while victim is None and time.monotonic() < deadline:
            busy = [worker for worker, keys in client.processing().items() if keys]
            victim = busy[0] if busy else None
            time.sleep(0.01)
        assert victim is not None, "no task started"
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)  # the worker dies with its chunk unfinished
        sweep.join(timeout=120)
        assert not sweep.is_alive()
        client.wait_for_workers(2, timeout=60)
        pids_after = set(client.run(os.getpid).values())
    assert pid in pids_before and pid not in pids_after  # the nanny started a new worker
    report = reports[0]
    assert report.executed == 24 and report.failures == []
    tables = build_tables(loaded, design, specs, store.read())
    pd.testing.assert_frame_equal(tables.runs, local_runs)
