"""Nothing half-done survives a sweep: damaged parts are set aside and redone, parts and their
manifest are written durably with checksums, one sweep at a time per folder, and a Dask sweep
with no workers says so instead of waiting silently."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import sim.reliability.durable
from sim.cli import main
from sim.reliability.durable import sha256_file
from sim.sweep.executors import ExecutorChoice
from sim.sweep.experiment import load_experiment
from sim.sweep.orchestrate import run_experiment
from sim.sweep.parts import PartStore

MOT = Path(sys.executable).with_name("mot")


def tiny_experiment(folder: Path, replications: int = 2) -> Path:
    """A 2 x 2 grid on a 1,000-person, 60-day market, no charts (about 0.1 s a run)."""
    path = folder / "tiny.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            name = "tiny"
            replications = {replications}
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


def sweep(path: Path, out: Path, *more: str) -> list[str]:
    """`mot sweep` arguments for the tiny experiment: one worker, two runs per part."""
    return ["sweep", str(path), "--out", str(out), "--workers", "1", "--chunk", "2", *more]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    """The tiny experiment file (8 runs)."""
    return tiny_experiment(tmp_path_factory.mktemp("experiment"))


@pytest.fixture(scope="module")
def clean_runs(experiment, tmp_path_factory) -> pd.DataFrame:
    """`runs.parquet` of an uninterrupted sweep, the reference every resume must equal."""
    out = tmp_path_factory.mktemp("clean")
    assert main(sweep(experiment, out)) == 0
    return pd.read_parquet(out / "tiny" / "runs.parquet")


def damage(path: Path, how: str) -> None:
    """Zero the file, cut it in half, or overwrite bytes in its middle."""
    data = path.read_bytes()
    if how == "zero bytes":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 16]))


@pytest.mark.parametrize("how", ["zero bytes", "truncated", "corrupted"])
def test_a_damaged_part_is_set_aside_and_its_runs_redone(
    experiment, clean_runs, tmp_path, capsys, how
):
    out = tmp_path / "res"
    assert main(sweep(experiment, out)) == 0
    parts = sorted((out / "tiny" / "parts").glob("part-*.parquet"))
    assert len(parts) == 4
    victim = parts[1]
    damage(victim, how)
    capsys.readouterr()
    assert main(sweep(experiment, out)) == 0
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if victim.name in line]
    assert len(said) == 1 and "damaged part" in said[0] and "moved to" in said[0], err
    assert "6 already done, 2 run now" in err
    assert (out / "tiny" / "damaged" / victim.name).is_file()
    assert not victim.exists()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "tiny" / "runs.parquet"), clean_runs)


def test_an_unlisted_part_is_set_aside(experiment, clean_runs, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(sweep(experiment, out)) == 0
    parts = out / "tiny" / "parts"
    stray = parts / "part-00000000000000000000-0000abcd.parquet"
    stray.write_bytes(sorted(parts.glob("part-*.parquet"))[0].read_bytes())
    capsys.readouterr()
    assert main(sweep(experiment, out)) == 0
    err = capsys.readouterr().err
    assert f"damaged part {stray.name} (not listed in manifest.json)" in err
    assert (out / "tiny" / "damaged" / stray.name).is_file()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "tiny" / "runs.parquet"), clean_runs)


def test_parts_and_manifests_are_written_durably_with_checksums(experiment, tmp_path, monkeypatch):
    events: list[tuple[str, ...]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source, target) -> None:
        events.append(("replace", str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(sim.reliability.durable.os, "fsync", fsync)
    monkeypatch.setattr(sim.reliability.durable.os, "replace", replace)
    folder = tmp_path / "out"
    run_experiment(load_experiment(experiment), folder, ExecutorChoice(workers=1), chunk=2)
    monkeypatch.undo()

    parts = folder / "parts"
    files = sorted(parts.glob("part-*.parquet"))
    assert len(files) == 4
    for final in [*files, parts / "manifest.json"]:
        renames = [e for e in events if e[0] == "replace" and e[2] == str(final)]
        assert renames, f"{final.name} was not renamed into place"
        temp = renames[-1][1]
        at = events.index(renames[-1])
        assert ("fsync", temp) in events[:at], f"{final.name}: data not fsynced before rename"
        assert ("fsync", str(parts)) in events[at:], f"{final.name}: folder not fsynced"
    listing = json.loads((parts / "manifest.json").read_text())["parts"]
    assert sorted(listing) == [path.name for path in files]
    for path in files:
        assert listing[path.name] == {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    assert json.loads((folder / "manifest.json").read_text())["parts"] == listing
    assert not list(folder.rglob("*.tmp"))


def files_in(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_a_second_sweep_into_the_same_folder_is_refused_in_one_line(tmp_path):
    path = tiny_experiment(tmp_path, replications=6)  # 24 runs
    out = tmp_path / "res"
    lock = out / "tiny" / "sweep.lock"
    command = [str(MOT), *sweep(path, out)]
    log = tmp_path / "first.log"
    with log.open("w") as stderr:
        first = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and b'"pid"' not in read_or_empty(lock):
            time.sleep(0.02)
        os.killpg(first.pid, signal.SIGSTOP)  # hold the first sweep mid-way: no race
        before = files_in(out)
        second = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert files_in(out) == before  # the refused sweep wrote nothing
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert first.wait(timeout=120) == 0, log.read_text()
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert f"pid {first.pid} on {socket.gethostname()} since " in lines[0]
    assert "in use by another sweep" in lines[0] and "tiny.toml" in lines[0]
    rows = PartStore(out / "tiny" / "parts").read()
    assert rows[rows["status"] == "ok"].groupby("key").size().eq(rows["kpi"].nunique()).all()
    assert rows["key"].nunique() == 24  # every run once: the second sweep ran nothing
    assert not lock.exists()  # released on exit


def read_or_empty(path: Path) -> bytes:
    """A file's bytes, or nothing if it does not exist yet."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def test_a_stale_lock_of_a_dead_process_is_taken_over(experiment, tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "res"
    (out / "tiny").mkdir(parents=True)
    record = {"pid": dead.pid, "host": socket.gethostname(), "started": "2026-01-01T09:00:00"}
    (out / "tiny" / "sweep.lock").write_text(json.dumps({**record, "command": "mot sweep x"}))
    assert main(sweep(experiment, out)) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "stale lock" in line]
    assert len(lines) == 1
    assert f"pid {dead.pid} on {socket.gethostname()} since 2026-01-01T09:00:00" in lines[0]
    assert "no longer running" in lines[0]
    assert (out / "tiny" / "runs.parquet").is_file()
    assert not (out / "tiny" / "sweep.lock").exists()


def test_the_lock_is_released_on_ctrl_c(experiment, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        assert (tmp_path / "res" / "sweep.lock").is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.sweep.orchestrate.run_sweep", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(load_experiment(experiment), tmp_path / "res", ExecutorChoice(workers=1))
    assert not (tmp_path / "res").exists()  # lock released, and the empty folder removed


def test_a_dask_sweep_without_workers_says_so_and_waits(experiment, tmp_path, monkeypatch, capsys):
    distributed = pytest.importorskip("distributed")
    import sim.sweep.watch as watch

    monkeypatch.setattr(watch, "NO_WORKERS_GRACE_S", 1.0)
    monkeypatch.setattr(watch, "REMINDER_S", 1.5)
    monkeypatch.setattr(watch, "POLL_S", 0.1)
    with distributed.LocalCluster(
        n_workers=0, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        choice = ExecutorChoice(workers=1, dask=cluster.scheduler_address)
        outcomes = []
        thread = threading.Thread(
            target=lambda: outcomes.append(
                run_experiment(load_experiment(experiment), tmp_path / "res", choice, chunk=4)
            ),
            daemon=True,
        )
        thread.start()
        err = ""
        try:
            deadline = time.monotonic() + 30
            while err.count("no Dask workers are connected") < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
                err += capsys.readouterr().err
        finally:
            cluster.scale(1)
            thread.join(timeout=120)
        err += capsys.readouterr().err
    notices = [line for line in err.splitlines() if "no Dask workers are connected" in line]
    assert len(notices) >= 2, err  # the notice, then a reminder while still waiting
    assert cluster.scheduler_address in notices[0]
    assert "Ctrl-C is safe" in notices[0] and "resumes" in notices[0]
    assert "connected again" in err
    assert outcomes and outcomes[0].report.executed == 8
