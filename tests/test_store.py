"""Results on disk: atomic folders and files, manifests, safe names; replication statistics."""

from __future__ import annotations

import json
import math
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim.reports import store
from sim.reports.stats import mean_ci


def test_atomic_folder_renames_on_success(tmp_path):
    final = tmp_path / "deep" / "run"
    with store.atomic_folder(final) as temp:
        assert temp.parent == final.parent and temp.name.startswith(".")
        (temp / "a.txt").write_text("x")
        assert not final.exists()
    assert (final / "a.txt").read_text() == "x"
    assert [p.name for p in final.parent.iterdir()] == ["run"]


def test_atomic_folder_leaves_nothing_on_failure(tmp_path):
    final = tmp_path / "scenario" / "run"
    with pytest.raises(RuntimeError), store.atomic_folder(final) as temp:
        (temp / "half.csv").write_text("1,2")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []  # neither the run nor the folder created for it


def test_atomic_folder_refuses_to_overwrite(tmp_path):
    (tmp_path / "run").mkdir()
    with (
        pytest.raises(store.StoreError, match="already exists"),
        store.atomic_folder(tmp_path / "run"),
    ):
        pass


def test_atomic_folder_unwritable_parent_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with (
        pytest.raises(store.StoreError, match="cannot write results"),
        store.atomic_folder(blocker / "run"),
    ):
        pass


def test_write_json_is_valid_json_without_nan(tmp_path):
    obj = {"a": math.nan, "b": np.float64(1.5), "c": np.array([1.0, np.inf]), 4: np.int32(2)}
    path = store.write_json(tmp_path / "k.json", obj)
    assert json.loads(path.read_text()) == {"a": None, "b": 1.5, "c": [1.0, None], "4": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]  # no temp file left


def test_atomic_write_failure_keeps_old_file(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")

    def fail(temp):
        temp.write_text("partial")
        raise OSError("disk full")

    with pytest.raises(OSError):
        store.atomic_write(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_write_table_round_trips(tmp_path):
    frame = pd.DataFrame({"replication": [0, 0], "day": [1, 2], "x": [0.5, 1.5]})
    paths = store.write_table(frame, tmp_path, "daily")
    assert sorted(p.name for p in paths) == ["daily.csv", "daily.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "daily.parquet"), frame)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "daily.csv"), frame)


def test_manifest_copies_scenario_chain_with_hashes(tmp_path):
    (tmp_path / "base.toml").write_text('name = "base"\ndays = 10\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\nname = "child"\n')
    files = store.scenario_files(child)
    assert [p.name for p in files] == ["child.toml", "base.toml"]
    out = tmp_path / "out"
    out.mkdir()
    t0 = datetime(2025, 1, 1, 12, 0, 0).astimezone()
    t1 = datetime(2025, 1, 1, 12, 0, 5).astimezone()
    store.write_manifest(
        out, scenario_files=files, seeds=[7, 8], argv=["mot", "run", "x y"], started=t0, finished=t1
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert (out / "scenario.toml").read_text() == child.read_text()
    assert (out / "base.toml").read_text() == (tmp_path / "base.toml").read_text()
    import hashlib

    assert manifest["scenario_files"][0]["sha256"] == hashlib.sha256(child.read_bytes()).hexdigest()
    assert manifest["seeds"] == [7, 8]
    assert manifest["command_line"] == "mot run 'x y'"
    assert manifest["duration_s"] == 5.0
    assert "numpy" in manifest["packages"] and "mesa" in manifest["packages"]


def test_manifest_copies_never_overwrite_each_other(tmp_path):
    (tmp_path / "a").mkdir()
    base = tmp_path / "a" / "scenario.toml"
    base.write_text("days = 10\n")
    child = tmp_path / "child.toml"
    child.write_text('extends = "a/scenario.toml"\n')
    out = tmp_path / "out"
    out.mkdir()
    now = datetime.now().astimezone()
    store.write_manifest(
        out,
        scenario_files=store.scenario_files(child),
        seeds=[1],
        argv=[],
        started=now,
        finished=now,
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert [f["copy"] for f in manifest["scenario_files"]] == ["scenario.toml", "1_scenario.toml"]
    assert (out / "scenario.toml").read_text() == child.read_text()
    assert (out / "1_scenario.toml").read_text() == base.read_text()


def test_run_ids_sort_by_time_and_are_unique():
    ids = {store.new_run_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i.split("-")) == 3 for i in ids)


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../x", "/etc", ".hidden", "a\\b", " x"])
def test_safe_name_rejects_escapes(name):
    with pytest.raises(store.StoreError):
        store.safe_name(name)


def test_run_folder_stays_in_root(tmp_path):
    folder = store.run_folder(tmp_path, "baseline", "id1")
    assert folder == tmp_path / "baseline" / "id1"
    with pytest.raises(store.StoreError, match="name"):
        store.run_folder(tmp_path, "..")


def test_mean_ci_matches_t_interval():
    values = [3.0, 5.0, 4.0, 6.0]
    mean, low, high = mean_ci(values)
    sem = np.std(values, ddof=1) / 2.0
    half = scipy_stats.t.ppf(0.975, 3) * sem
    assert mean == 4.5
    assert low == pytest.approx(4.5 - half) and high == pytest.approx(4.5 + half)


def test_mean_ci_edge_cases():
    assert math.isnan(mean_ci([])[0])
    mean, low, high = mean_ci([2.0, math.nan])
    assert mean == 2.0 and math.isnan(low) and math.isnan(high)
    assert mean_ci([1.0, 1.0, 1.0]) == (1.0, 1.0, 1.0)


def test_mean_ci_covers_true_mean_at_nominal_rate():
    # 2,000 intervals from n=5 normal samples: coverage ~ Binomial(2000, 0.95)/2000, SD ~0.0049;
    # accept within 4 SD (0.93 to 0.97).
    rng = np.random.default_rng(12345)
    hits = 0
    for _ in range(2000):
        _, low, high = mean_ci(rng.normal(10.0, 2.0, size=5))
        hits += low <= 10.0 <= high
    assert 0.93 <= hits / 2000 <= 0.97
