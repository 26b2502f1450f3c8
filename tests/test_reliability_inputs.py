"""Nonsense is refused in one line (issue 11): non-finite numbers, booleans for numbers, bad
calibration data, unusable `--out` folders, mixed sweep values, deep nesting, markets too
large for memory and oversized input files. Each case exits 2 with exactly one line on stderr
(`mot <cmd>: error: <file>: <key>: <what>`), no traceback, and writes nothing."""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.reliability import disk_budget
from sim.scenario import memory_budget
from sim.scenario.config import (
    MAX_EXTENDS,
    MAX_TOML_BYTES,
    ScenarioError,
    load_scenario,
    validate_scenario,
    with_overrides,
)
from sim.scenario.settings import Scenario
from sim.strategies import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
SURVIVAL = "period,alive\n0,1000\n1,700\n2,550\n3,470\n"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `mot` in this process: (exit status, stdout, stderr)."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_refused(status: int, err: str, command: str, *fragments: str) -> str:
    """Exit 2, exactly one line `mot <command>: error: ...` holding every fragment."""
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"mot {command}: error: "), lines[0]
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def scenario_file(tmp_path: Path, body: str, name: str = "bad.toml") -> Path:
    """A scenario extending the shipped baseline with `body`."""
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE}"\n{body}')
    return path


def refuse_run(capsys, tmp_path: Path, path: Path, *fragments: str) -> str:
    """`mot run path` is refused naming the file; nothing is written."""
    out = tmp_path / "results"
    status, stdout, err = run_cli(capsys, "run", str(path), "--out", str(out))
    line = assert_refused(status, err, "run", f"{path}: ", *fragments)
    assert stdout == ""
    assert not out.exists()
    return line


# --- non-finite numbers and booleans in scenarios --------------------------------------------

NON_FINITE = {
    "price inf": ("[brands.focal]\nprice = inf\n", "brands.focal.price", "finite"),
    "price nan": ("[brands.focal]\nprice = nan\n", "brands.focal.price", "finite"),
    "quality -inf": ("[brands.focal]\nquality = -inf\n", "brands.focal.quality", "finite"),
    "probability nan": ("[triggers]\np_trigger_ad = nan\n", "triggers.p_trigger_ad", "finite"),
    "whole number inf": ("[population]\nn_consumers = inf\n", "population.n_consumers", "finite"),
    "days nan": ("days = nan\n", "days", "finite"),
    "habit weight": (
        '[population.age_groups."18-24".habits]\nsearch = inf\n',
        "population.age_groups.18-24.habits.search",
        "finite",
    ),
    "strategy setting": (
        "[brands.focal.strategies.follow_up_email]\nopen_rate = nan\n",
        "brands.focal.strategies.follow_up_email.open_rate",
        "finite",
    ),
    "rival brand": ("[brands.rival]\nprice = +inf\n", "brands.rival.price", "finite"),
}


@pytest.mark.parametrize("case", sorted(NON_FINITE))
def test_non_finite_number_in_a_scenario_is_refused(case, tmp_path, capsys):
    body, *fragments = NON_FINITE[case]
    refuse_run(capsys, tmp_path, scenario_file(tmp_path, body), *fragments)


BOOLEANS = {
    "days": ("days = true\n", "days: must be a number, got a boolean (true)"),
    "seed": ("seed = false\n", "seed: must be a number"),
    "n_consumers": ("[population]\nn_consumers = true\n", "population.n_consumers: must be a"),
    "price": ("[brands.focal]\nprice = true\n", "brands.focal.price: must be a number"),
    "probability": ("[brands.focal]\np_problem = false\n", "brands.focal.p_problem: must be"),
    "mean_degree": ("[network]\nmean_degree = true\n", "network.mean_degree: must be a number"),
    "habit weight": (
        '[population.age_groups."65+".habits]\nfriends = true\n',
        "population.age_groups.65+.habits.friends: must be a number",
    ),
    "strategy setting": (
        "[brands.focal.strategies.follow_up_email]\ndelay_days = true\n",
        "brands.focal.strategies.follow_up_email.delay_days: must be a number",
    ),
}


@pytest.mark.parametrize("case", sorted(BOOLEANS))
def test_boolean_for_a_number_in_a_scenario_is_refused(case, tmp_path, capsys):
    body, fragment = BOOLEANS[case]
    refuse_run(capsys, tmp_path, scenario_file(tmp_path, body), fragment)


def test_booleans_still_work_where_a_switch_is_wanted(tmp_path):
    path = scenario_file(
        tmp_path,
        "[loyalty]\nfixed_cycle = true\n"
        "[brands.focal.strategies.follow_up_email]\nenabled = false\n",
    )
    scenario = load_scenario(path)
    assert scenario.loyalty.fixed_cycle is True


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("days", True),
        ("brands.focal.price", float("inf")),
        ("population.n_consumers", False),
        ("choice.weight_shelf", float("nan")),
        ("brands.focal.strategies.follow_up_email.open_rate", True),
    ],
)
def test_dotted_overrides_refuse_booleans_and_non_finite_numbers(key, value):
    with pytest.raises(ScenarioError, match=f"^here: {key.replace('.', '[.]')}: "):
        with_overrides(Scenario(), {key: value}, "here")


def test_whole_floats_and_numpy_numbers_are_still_accepted():
    np = pytest.importorskip("numpy")
    scenario = with_overrides(
        Scenario(), {"days": 30.0, "population.n_consumers": np.int64(500)}, "here"
    )
    assert scenario.days == 30 and scenario.population.n_consumers == 500


# --- property tests over every numeric key of the baseline -----------------------------------


def full_baseline() -> dict[str, Any]:
    """The baseline as a dict, with every strategy at its defaults (so strategy settings are
    among the keys too): switched on if it acts in the baseline's B2C market, present but
    switched off if not (its keys are validated all the same)."""
    raw = load_scenario(BASELINE).model_dump()
    tables = {name: cls.settings_type().model_dump() for name, cls in REGISTRY.items()}
    for name, cls in REGISTRY.items():
        tables[name]["enabled"] = "b2c" in cls.markets
    raw["brands"]["focal"]["strategies"] = tables
    return raw


def numeric_paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Key paths of every int or float (not bool) leaf."""
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in numeric_paths(value, (*prefix, key))]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [prefix]
    return []


BASE = full_baseline()
PATHS = numeric_paths(BASE)
NONSENSE = st.one_of(
    st.sampled_from([math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not math.isfinite(x)),
    st.booleans(),
)


def test_the_property_tests_cover_many_keys():
    assert len(PATHS) > 150
    assert ("brands", "focal", "price") in PATHS
    assert ("brands", "focal", "strategies", "follow_up_email", "open_rate") in PATHS


def set_at(raw: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `raw` with `value` at `path`."""
    copy = json.loads(json.dumps(raw))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(PATHS), value=NONSENSE)
def test_any_nonsense_number_at_any_key_is_refused_naming_the_key(path, value):
    raw = set_at(BASE, path, value)
    with pytest.raises(ScenarioError) as refused:
        validate_scenario(raw, "f.toml")
    message = str(refused.value)
    assert message.startswith(f"f.toml: {'.'.join(path)}: "), message
    assert "\n" not in message


def toml_key(path: tuple[str, ...]) -> str:
    """A dotted TOML key, each part quoted (age groups are named like "18-24")."""
    return ".".join(json.dumps(part) for part in path)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), value=st.sampled_from(["inf", "-inf", "nan", "true", "false"]))
def test_any_nonsense_number_in_a_file_is_refused_naming_file_and_key(tmp_path, path, value):
    file = tmp_path / "p.toml"
    file.write_text(f'extends = "{BASELINE}"\n{toml_key(path)} = {value}\n')
    with pytest.raises(ScenarioError) as refused:
        load_scenario(file)
    assert str(refused.value).startswith(f"{file}: {'.'.join(path)}: "), str(refused.value)


# --- experiment files ------------------------------------------------------------------------


def experiment_file(tmp_path: Path, body: str, name: str = "exp.toml") -> Path:
    """A small experiment on the settings' defaults."""
    path = tmp_path / name
    path.write_text(f'outputs = ["customers_end"]\n{body}')
    return path


def refuse_sweep(capsys, tmp_path: Path, path: Path, *fragments: str, out: Path | None = None):
    """`mot sweep path` is refused in one line naming the file; no results folder appears."""
    out = out or tmp_path / "results"
    status, stdout, err = run_cli(capsys, "sweep", str(path), "--out", str(out), "--workers", "1")
    line = assert_refused(status, err, "sweep", *fragments)
    assert stdout == ""
    assert not out.exists() or not any(out.iterdir())
    return line


EXPERIMENTS = {
    "set inf": ('[set]\n"brands.focal.price" = inf\n[parameters.days]\nvalues = [5]\n', "set."),
    "set bool": ('[set]\n"days" = true\n[parameters.seed]\nvalues = [1]\n', "set.days: must be"),
    "values nan": (
        '[parameters."brands.focal.price"]\nvalues = [40.0, nan]\n',
        "parameters.brands.focal.price.values.1: must be a finite number",
    ),
    "low -inf": (
        '[parameters."brands.focal.price"]\nlow = -inf\nhigh = 50.0\n',
        "parameters.brands.focal.price.low: must be a finite number",
    ),
    "high inf": (
        'design = "lhs"\n[parameters."brands.focal.price"]\nlow = 10.0\nhigh = inf\n',
        "parameters.brands.focal.price.high: must be a finite number",
    ),
    "low bool": (
        '[parameters."brands.focal.price"]\nlow = true\nhigh = 50.0\n',
        "parameters.brands.focal.price.low: must be a number, got a boolean",
    ),
    "levels bool": (
        '[parameters."brands.focal.price"]\nlow = 1.0\nhigh = 50.0\nlevels = true\n',
        "parameters.brands.focal.price.levels: must be a number",
    ),
    "values bool for a number": (
        '[parameters."brands.focal.price"]\nvalues = [true, false]\n',
        "parameters.brands.focal.price: must be a number, got a boolean",
    ),
    "mixed types": (
        '[parameters."brands.focal.price"]\nvalues = [40.0, "cheap"]\n',
        "parameters.brands.focal.price.values: values mix numbers and text",
    ),
    "mixed booleans and numbers": (
        '[parameters."brands.focal.price"]\nvalues = [40.0, true]\n',
        "parameters.brands.focal.price.values: values mix booleans and numbers",
    ),
    "a later value out of range": (
        '[parameters."brands.focal.p_problem"]\nvalues = [0.1, 0.2, 1.5]\n',
        "parameters.brands.focal.p_problem: must be <= 1",
    ),
    "the high end out of range": (
        '[parameters."brands.focal.p_problem"]\nlow = 0.1\nhigh = 2.0\n',
        "parameters.brands.focal.p_problem: must be <= 1",
    ),
    "quick values nan": (
        "[parameters.days]\nvalues = [5]\n[quick.parameters.days]\nvalues = [nan]\n",
        "quick.parameters.days.values.0: must be a finite number",
    ),
}


@pytest.mark.parametrize("case", sorted(EXPERIMENTS))
def test_nonsense_in_an_experiment_is_refused_before_any_run(case, tmp_path, capsys):
    body, fragment = EXPERIMENTS[case]
    path = experiment_file(tmp_path, body)
    refuse_sweep(capsys, tmp_path, path, f"{path}: ", fragment)


def test_values_of_one_kind_still_load(tmp_path):
    from sim.sweep.experiment import load_experiment

    path = experiment_file(
        tmp_path,
        '[parameters."brands.focal.price"]\nvalues = [40, 45.5]\n'
        '[parameters."loyalty.fixed_cycle"]\nvalues = [true, false]\n',
    )
    loaded = load_experiment(path)
    assert loaded.experiment.parameters["brands.focal.price"].values == [40, 45.5]


# --- calibration data ------------------------------------------------------------------------

BAD_SURVIVAL = {
    "nan count": ("0,1000\n1,nan\n2,500\n", "row 2", "'nan'"),
    "inf count": ("0,inf\n1,700\n2,500\n", "row 1", "'inf'"),
    "-inf count": ("0,1000\n1,700\n2,-inf\n", "row 3", "'-inf'"),
    "nan period": ("0,1000\nnan,700\n2,500\n", "row 2", "'nan'"),
    "inf period": ("0,1000\n1,700\ninf,500\n", "row 3", "'inf'"),
    "overflowing period": ("0,1000\n1e999,700\n2,500\n", "row 2", "finite"),
    "fractional period": ("0,1000\n1.5,700\n2,500\n", "row 2", "periods must be 0, 1, 2"),
}


@pytest.mark.parametrize("case", sorted(BAD_SURVIVAL))
def test_calibrate_refuses_non_finite_data(case, tmp_path, capsys):
    text, *fragments = BAD_SURVIVAL[case]
    data = tmp_path / "survival.csv"
    data.write_text("period,alive\n" + text)
    out = tmp_path / "calibration"
    status, stdout, err = run_cli(
        capsys, "calibrate", "retention", "--data", str(data), "--scenario", str(BASELINE),
        "--out", str(out),
    )  # fmt: skip
    assert_refused(status, err, "calibrate", f"{data}: ", *fragments)
    assert stdout == "" and not out.exists()


# --- --out of mot sweep and mot bench --------------------------------------------------------


def good_experiment(tmp_path: Path) -> Path:
    """A valid one-point experiment (it is refused before it would run)."""
    return experiment_file(
        tmp_path, "[set]\ndays = 5\n[parameters.seed]\nvalues = [1]\n", "ok.toml"
    )


def read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write: chmod 0o500 where that binds, else /proc (root
    ignores permission bits, but nobody can create a file in /proc)."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").write_text("x")
    except OSError:
        return folder
    (folder / "probe").unlink()
    if not Path("/proc").is_dir():
        pytest.skip("running as root without /proc: no folder here refuses writes")
    return Path("/proc")


def out_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """`--out` values that cannot take results, with the fragment their refusal shows."""
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    return {
        "a file": (a_file, "is a file, not a folder"),
        "under a file": (a_file / "deeper", "is a file, not a folder"),
        "read-only": (read_only_folder(tmp_path) / "results", "cannot write in"),
    }


@pytest.mark.parametrize("case", ["a file", "under a file", "read-only"])
def test_sweep_out_that_cannot_be_written_is_refused(case, tmp_path, capsys):
    out, fragment = out_cases(tmp_path)[case]
    path = good_experiment(tmp_path)
    status, stdout, err = run_cli(capsys, "sweep", str(path), "--out", str(out))
    assert_refused(status, err, "sweep", "--out: ", str(out), fragment)
    assert stdout == ""
    assert (tmp_path / "a_file").read_text() == "not a folder"
    assert case == "a file" or not out.exists()
    assert not list(tmp_path.rglob(".mot-probe-*"))


@pytest.mark.parametrize("case", ["a file", "under a file", "read-only"])
def test_bench_out_that_cannot_be_written_is_refused_before_measuring(case, tmp_path, capsys):
    out, fragment = out_cases(tmp_path)[case]
    status, stdout, err = run_cli(
        capsys, "bench", "--quick", "--scenario", str(BASELINE), "--out", str(out)
    )
    assert_refused(status, err, "bench", "--out: ", str(out), fragment)
    assert stdout == ""  # nothing measured


class FullDisk:
    """`shutil.disk_usage` of a disk with 1 kB free (the real one has room: this simulates)."""

    def __call__(self, path: Any) -> Any:
        return shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000)  # type: ignore[attr-defined]


def test_sweep_without_room_on_disk_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(disk_budget.shutil, "disk_usage", FullDisk())
    out = tmp_path / "results"
    path = good_experiment(tmp_path)
    status, stdout, err = run_cli(capsys, "sweep", str(path), "--out", str(out))
    assert_refused(status, err, "sweep", "--out: ", "not enough free space", "0.0 MB free")
    assert stdout == "" and not out.exists()


def test_bench_without_room_on_disk_is_refused_before_measuring(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(disk_budget.shutil, "disk_usage", FullDisk())
    out = tmp_path / "bench"
    status, stdout, err = run_cli(
        capsys, "bench", "--quick", "--scenario", str(BASELINE), "--out", str(out)
    )
    assert_refused(status, err, "bench", "--out: ", "not enough free space")
    assert stdout == "" and not out.exists()


def test_a_disk_filling_up_during_a_sweep_is_one_line(tmp_path, capsys, monkeypatch):
    """The disk fills while results are written (simulated: the writer raises ENOSPC)."""
    from sim.sweep import orchestrate

    def fill_up(loaded, folder, *args, **kwargs):
        target = Path(folder) / "parts" / "part-1.parquet"
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(orchestrate, "run_experiment", fill_up)
    path = good_experiment(tmp_path)
    status, _, err = run_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "results"))
    started, error = err.strip().splitlines()  # the sweep had started: its header, then one line
    assert started.startswith("sweep ok -> ")
    assert_refused(status, error, "sweep", "--out: ", "part-1.parquet", "no space left on device")
    assert "run again to resume" in error and "Traceback" not in err


def test_a_disk_filling_up_during_a_bench_is_one_line(tmp_path, capsys, monkeypatch):
    from sim.bench import suite

    def fill_up(plan, out):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "bench.json"))

    monkeypatch.setattr(suite, "run_bench", fill_up)
    out = tmp_path / "bench"
    status, _, err = run_cli(
        capsys, "bench", "--quick", "--scenario", str(BASELINE), "--out", str(out)
    )
    assert_refused(status, err, "bench", "--out: ", "bench.json", "no space left on device")


def test_other_os_errors_are_not_disguised_as_disk_errors():
    @disk_budget.disk_errors("--out")
    def broken() -> None:
        raise FileNotFoundError(errno.ENOENT, "gone", "x")

    with pytest.raises(FileNotFoundError):
        broken()


# --- extends chains and deep nesting ---------------------------------------------------------


def chain(tmp_path: Path, length: int) -> Path:
    """`length` files, each extending the one before; returns the last."""
    (tmp_path / "f1.toml").write_text("days = 10\n")
    for index in range(2, length + 1):
        (tmp_path / f"f{index}.toml").write_text(f'extends = "f{index - 1}.toml"\n')
    return tmp_path / f"f{length}.toml"


def test_an_extends_chain_up_to_the_limit_loads(tmp_path):
    assert load_scenario(chain(tmp_path, MAX_EXTENDS)).days == 10


@pytest.mark.parametrize("length", [MAX_EXTENDS + 1, 1200])
def test_an_extends_chain_beyond_the_limit_is_refused(length, tmp_path, capsys):
    path = chain(tmp_path, length)
    status, _, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "results"))
    assert_refused(status, err, "run", "extends: chain longer than 32 files")
    assert not (tmp_path / "results").exists()


DEEP = {
    "arrays 2000 deep": "x = " + "[" * 2000 + "]" * 2000 + "\n",
    "arrays 40 deep": "x = " + "[" * 40 + "]" * 40 + "\n",
    "inline tables 2000 deep": "x = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
    "dotted key 3000 deep": ".".join(["a"] * 3000) + " = 1\n",
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_deeply_nested_toml_is_refused(case, tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text(DEEP[case])
    refuse_run(capsys, tmp_path, path, "nested")


def test_deeply_nested_experiment_values_are_refused(tmp_path, capsys):
    path = experiment_file(tmp_path, "[parameters.days]\nvalues = " + "[" * 3000 + "]" * 3000)
    refuse_sweep(capsys, tmp_path, path, f"{path}: ", "nested")


# --- markets too large for memory -----------------------------------------------------------


def test_a_market_too_large_for_memory_is_refused_fast(tmp_path, capsys):
    path = scenario_file(
        tmp_path, "[population]\nn_consumers = 20000000\n[network]\nmean_degree = 200\n"
    )
    started = time.monotonic()
    line = refuse_run(capsys, tmp_path, path, "population.n_consumers", "needs about", "available")
    assert time.monotonic() - started < 10  # it used to fail with MemoryError after 46 s
    assert "GiB" in line


def test_ten_billion_consumers_are_refused_fast(tmp_path, capsys):
    path = scenario_file(tmp_path, "[population]\nn_consumers = 10000000000\n")
    started = time.monotonic()
    refuse_run(capsys, tmp_path, path, "population.n_consumers")
    assert time.monotonic() - started < 10


def test_the_memory_check_compares_with_what_is_available(monkeypatch):
    scenario = with_overrides(Scenario(), {"population.n_consumers": 100_000}, "s.toml")
    need = memory_budget.market_bytes(scenario)
    monkeypatch.setattr(memory_budget, "available_bytes", lambda: need - 1)
    with pytest.raises(
        ScenarioError, match=r"^s\.toml: population\.n_consumers: .* 100,000 people"
    ):
        memory_budget.check_market_fits(scenario, "s.toml")
    monkeypatch.setattr(memory_budget, "available_bytes", lambda: need)
    memory_budget.check_market_fits(scenario, "s.toml")


def test_the_model_checks_memory_before_building(monkeypatch):
    from sim.model import JourneyModel

    monkeypatch.setattr(memory_budget, "available_bytes", lambda: 1000)
    with pytest.raises(ScenarioError, match="needs about .* available"):
        JourneyModel(Scenario(), with_agents=False)


def test_a_sweep_point_too_large_for_memory_is_refused_before_any_run(tmp_path, capsys):
    path = experiment_file(
        tmp_path,
        '[set]\n"network.mean_degree" = 200\n'
        '[parameters."population.n_consumers"]\nvalues = [1000, 20000000]\n',
    )
    refuse_sweep(capsys, tmp_path, path, "parameters.population.n_consumers", "needs about")


def test_available_memory_is_read_on_this_machine():
    have = memory_budget.available_bytes()
    if sys.platform.startswith("linux"):
        assert have is not None and have > 0


PEAK = """
import json, sys
from sim.scenario.config import validate_scenario
from sim.model import JourneyModel
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
scenario = validate_scenario(json.loads(sys.argv[1]))
if sys.argv[2] == "market":  # the compiled kernels warm up on a tiny market first
    JourneyModel(validate_scenario({"population": {"n_consumers": 100}}), with_agents=False).run(2)
before = hwm()
JourneyModel(scenario, with_agents=False).run(20)
print(hwm() - before)
"""


def measured_peak(raw: dict, part: str, env: dict | None = None) -> int:
    """Peak memory of building and running `raw` for 20 days in a fresh process: the market's
    own (`part="market"`, kernels warmed up first) or with the kernels' warm-up ("first")."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, json.dumps(raw), part],
        capture_output=True, text=True, check=True, cwd=ROOT, env=env,
    )  # fmt: skip
    return int(done.stdout.strip())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("network", [{"kind": "mixed"}, {"kind": "small_world"}])
def test_the_memory_estimate_matches_a_real_build(network):
    """The documented per-person and per-tie figures hold on a real build (within 2x)."""
    raw = {"days": 20, "population": {"n_consumers": 100_000}, "network": network}
    measured = measured_peak(raw, "market")
    kernels = memory_budget.COMPILED_KERNELS_BYTES
    estimate = memory_budget.market_bytes(validate_scenario(raw)) - kernels
    assert measured / 2 <= estimate <= measured * 2, (measured, estimate)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_the_estimate_covers_compiling_the_kernels_in_a_fresh_checkout(tmp_path):
    """A process's first model compiles the draw kernels (no cache yet, as in a fresh clone):
    the fixed term covers that peak on a small market."""
    raw = {"days": 20, "population": {"n_consumers": 1_000}, "network": {"kind": "mixed"}}
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    measured = measured_peak(raw, "first", env)
    assert measured <= memory_budget.market_bytes(validate_scenario(raw)), measured


# --- oversized input files ------------------------------------------------------------------


def zero_link(tmp_path: Path, name: str) -> Path:
    """`name` as a symlink to /dev/zero: a character device whose size reads as 0."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    return link


def big_file(tmp_path: Path, name: str, size: int = 2_000_000) -> Path:
    """A file of `size` bytes (a comment line: valid TOML, were it not too large)."""
    path = tmp_path / name
    path.write_text("# " + "x" * size + "\n")
    return path


def sparse_file(tmp_path: Path, name: str, size: int = 60_000_000) -> Path:
    """A file that stat says is `size` bytes, without writing them."""
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize("make", [zero_link, big_file])
def test_an_oversized_scenario_is_refused(make, tmp_path, capsys):
    path = make(tmp_path, "huge.toml")
    refuse_run(capsys, tmp_path, path, f"larger than {MAX_TOML_BYTES:,} bytes")


@pytest.mark.parametrize("make", [zero_link, big_file])
def test_an_oversized_experiment_is_refused(make, tmp_path, capsys):
    path = make(tmp_path, "huge_experiment.toml")
    refuse_sweep(capsys, tmp_path, path, f"{path}: larger than")


def test_an_oversized_base_scenario_is_refused(tmp_path, capsys):
    zero_link(tmp_path, "zero.toml")
    path = tmp_path / "child.toml"
    path.write_text('extends = "zero.toml"\n')
    status, _, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "results"))
    assert_refused(status, err, "run", "/dev/zero: larger than")  # the base, symlink resolved
    assert not (tmp_path / "results").exists()


def test_an_oversized_lesson_scenario_is_refused(tmp_path):
    """Lessons load their scenarios through the same reader."""
    with pytest.raises(ScenarioError, match="larger than"):
        load_scenario(zero_link(tmp_path, "lesson.toml"))


@pytest.mark.parametrize("make", [zero_link, sparse_file])
def test_oversized_calibration_data_is_refused(make, tmp_path, capsys):
    data = make(tmp_path, "survival.csv")
    status, stdout, err = run_cli(
        capsys, "calibrate", "retention", "--data", str(data), "--scenario", str(BASELINE),
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert_refused(status, err, "calibrate", f"{data}: larger than")
    assert not (tmp_path / "out").exists()


def test_a_file_just_under_the_limit_still_loads(tmp_path):
    path = scenario_file(tmp_path, "# " + "x" * (MAX_TOML_BYTES - 500) + "\ndays = 7\n")
    assert path.stat().st_size <= MAX_TOML_BYTES
    assert load_scenario(path).days == 7
