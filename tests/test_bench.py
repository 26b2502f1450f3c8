"""`mot bench`: a quick run writes its JSON and chart and prints every figure (no timings asserted)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from sim.bench.chart import log_log_slope
from sim.bench.large import measure_ten_million, memory_problem, needed_bytes, ten_million_figures
from sim.bench.probes import measure_end_to_end
from sim.bench.report import end_to_end_figures
from sim.bench.screen import (
    measure_full_screen,
    measure_screen_sample,
    project,
    sample_indices,
    screen_figures,
)
from sim.bench.targets import Figure, Target
from sim.bench.workload import Workload, with_all_strategies
from sim.cli import main
from sim.model import JourneyModel
from sim.strategies import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
QUICK_VARIANTS = (
    "baseline",
)  # strategies: see test_all_strategies_variant_...; keeps this file fast


def run_mot(*argv: str) -> tuple[int, str, str]:
    """`mot ARGV` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """One `mot bench --quick` run of the baseline variant."""
    out = tmp_path_factory.mktemp("bench") / "bench"
    status, stdout, stderr = run_mot(
        "bench", "--quick", "--variants", ",".join(QUICK_VARIANTS),
        "--scenario", str(BASELINE), "--out", str(out),
    )  # fmt: skip
    assert status == 0, stderr
    return out, stdout, json.loads((out / "bench.json").read_text())


def test_quick_run_writes_json_and_png_chart(quick):
    out, _, _ = quick
    chart = out / "bench_scaling.png"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left"


def test_every_figure_is_printed_with_its_verdict(quick):
    _, stdout, report = quick
    for figure in report["figures"]:
        if figure["target"] is not None or figure["key"].count(".") == 1:
            assert figure["label"] in stdout, figure["label"]
        if figure["target"] is not None:
            assert figure["verdict"] in {"PASS", "MISS", "n/a"}
    for row in report["sizes"]:
        assert row["variant"] in stdout and str(row["n_consumers"]) in stdout
    assert "Cost per rule" in stdout and "Hot spots" in stdout


def test_target_cases_not_run_are_listed_as_not_measured(quick):
    _, _, report = quick
    by_key = {f["key"]: f for f in report["figures"]}
    for variant in QUICK_VARIANTS:
        for n in (100_000, 1_000_000):
            figure = by_key[f"{variant}.{n}x365.run_s"]
            assert figure["value"] is None and figure["verdict"] == "n/a"
    end_to_end = by_key["end_to_end.wall_s"]  # a whole `mot run` takes seconds: full runs only
    assert end_to_end["value"] is None and end_to_end["verdict"] == "n/a"


def test_verdicts_agree_with_the_values(quick):
    _, _, report = quick
    for figure in report["figures"]:
        if figure["target"] is None or figure["value"] is None:
            continue
        text, value = figure["target"], figure["value"]
        if text.startswith("< "):
            met = value < float(text[2:].split()[0])
        elif text.startswith("> "):
            met = value > float(text[2:].split()[0])
        else:
            low, high = (float(x) for x in text.split()[0].split("-"))
            met = low < value < high
        assert figure["verdict"] == ("PASS" if met else "MISS"), figure


def test_each_size_ran_every_day_in_its_own_process(quick):
    _, _, report = quick
    sizes = report["sizes"]
    plan = report["plan"]
    assert {(r["variant"], r["n_consumers"]) for r in sizes} == {
        (v, n) for v in QUICK_VARIANTS for n in plan["sizes"]
    }
    for row in sizes:
        elapsed = np.array(row["elapsed_by_day_s"])
        assert len(elapsed) == row["days"] == plan["days"]
        assert np.all(np.diff(elapsed) > 0)
        assert row["n_people"] == row["n_consumers"]  # the baseline market is b2c
        assert row["peak_rss_kib"] >= row["rss_before_kib"] > 0
        assert row["agent_days"] == row["n_consumers"] * row["days"]


def test_cost_table_covers_every_rule_of_the_day(quick):
    _, _, report = quick
    costs = report["costs"]
    rules = {row["rule"]: row for row in costs["rules"]}
    for rule in (
        "journey.triggers.start_journeys",
        "journey.research.finish_research",
        "journey.shelf.choose_at_shelf",
        "journey.experience.finish_experience",
        "journey.feedback.finish_feedback",
        "journey.loyalty.recur_needs",
        "journey.word_of_mouth.spread_word_of_mouth",
    ):
        assert rules[rule]["calls"] == costs["days"], rule
    assert sum(row["share"] for row in costs["rules"]) == pytest.approx(1.0)


def test_sweep_ran_the_same_runs_with_one_and_two_workers(quick):
    _, _, report = quick
    sweep = report["sweep"]
    assert sweep["one_worker"]["runs"] == sweep["two_workers"]["runs"] > 0
    rates = sweep["one_worker"]["runs_per_s"], sweep["two_workers"]["runs_per_s"]
    assert sweep["efficiency"] == pytest.approx(rates[1] / (2 * rates[0]))


def test_all_strategies_variant_switches_on_every_registered_strategy():
    scenario = with_all_strategies(Workload(500, 3, scenario_path=str(BASELINE)).scenario())
    model = JourneyModel(scenario, with_agents=False)
    b2c = {name for name, cls in REGISTRY.items() if "b2c" in cls.markets}
    assert {s.name for s in model.market.strategies} == b2c


@pytest.mark.parametrize("exponent", [0.5, 1.0, 2.0])
def test_log_log_slope_recovers_a_power_law(exponent):
    x = np.array([1e4, 1e5, 1e6])
    assert log_log_slope(x, 3.0 * x**exponent) == pytest.approx(exponent)


def test_targets_pass_miss_and_margin():
    below, above, band = Target(below=6.0), Target(above=0.85), Target(above=0.9, below=1.1)
    assert below.met(5.9) and not below.met(6.0)
    assert above.met(0.9) and not above.met(0.85)
    assert band.met(1.0) and not band.met(1.2) and not band.met(0.8)
    assert below.margin(9.0) == "50% over the limit"
    assert above.margin(0.425) == "50% short of the floor"
    assert Figure("k", "label", None, "s", below).verdict == "n/a"
    assert Figure("k", "label", 1.0).verdict == "-"


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["--sizes", "ten"], "--sizes"),
        (["--sizes", "0"], "--sizes"),
        (["--sizes", "30000000"], "population.n_consumers"),
        (["--variants", "agents"], "--variants"),
        (["--days", "0"], "--days"),
        (["--scenario", "no/such.toml"], "--scenario"),
    ],
)
def test_bad_options_exit_2_with_one_line_and_write_nothing(tmp_path, args, key):
    out = tmp_path / "bench"
    status, stdout, stderr = run_mot(
        "bench", "--quick", "--out", str(out), "--scenario", str(BASELINE), *args
    )
    assert status == 2
    assert len(stderr.strip().splitlines()) == 1 and key in stderr
    assert not out.exists()


def test_out_under_a_file_is_refused_before_measuring(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    status, stdout, stderr = run_mot(
        "bench", "--quick", "--scenario", str(BASELINE), "--out", str(blocker / "bench")
    )
    assert status == 2 and "--out" in stderr and len(stderr.strip().splitlines()) == 1
    assert stdout == ""  # nothing measured


def test_agent_path_cost_is_measured_per_decision(quick):
    """10% custom agents that decide per person: each decision was called, and its cost per
    call is a figure of its own."""
    _, stdout, report = quick
    path = report["agent_path"]
    for name in ("choose", "rebuy_or_switch"):
        assert path[name]["calls"] > 0, name
        assert f"agents.{name}_us_per_call" in {f["key"] for f in report["figures"]}
    assert "extra microseconds per `choose` call" in stdout


def test_end_to_end_without_a_scenario_file_is_not_measured():
    figures = end_to_end_figures(measure_end_to_end(None))
    assert [f.verdict for f in figures] == ["n/a", "n/a"]
    assert figures[0].target is not None and figures[0].target.below == 2.0


# --- issue 12: the sensitivity screen and 10M x 365 (behaviour only, never how fast) ---------


def test_quick_run_lists_the_screen_and_ten_million_as_not_measured_and_why(quick):
    _, stdout, report = quick
    by_key = {f["key"]: f for f in report["figures"]}
    for key in ("screen.projected_s", "screen.full_s", "ten_million.days"):
        assert by_key[key]["value"] is None and by_key[key]["verdict"] == "n/a", key
        assert by_key[key]["target"] is not None, key
        assert by_key[key]["label"] in stdout, key
    assert "not measured (--quick: run without --quick)" in stdout
    assert "not measured (run with --full-screen)" in stdout
    assert "not measured (run with --ten-million)" in stdout
    assert by_key["ten_million.days"]["target"] == ">= 365 days"
    assert report["ten_million"] == {"measured": False, "why": "run with --ten-million"}


def test_sample_indices_spread_evenly_and_cover_the_sobol_rows():
    indices = sample_indices(1664, 64)
    assert len(indices) == len(set(indices)) == 64
    assert indices[0] == 0 and indices[-1] == 1663 and indices == sorted(indices)
    assert max(np.diff(indices)) - min(np.diff(indices)) <= 1  # evenly spaced
    assert {i % 13 for i in indices} == set(range(13))  # every row kind of the Saltelli blocks
    assert sample_indices(5, 8) == [0, 1, 2, 3, 4]
    assert sample_indices(10, 1) == [0] and sample_indices(0, 4) == []
    for total in range(1, 60):
        for n in range(1, total + 1):
            picked = sample_indices(total, n)
            assert len(set(picked)) == n and max(picked) == total - 1 or n == 1


def test_projection_scales_the_sample_to_every_run():
    assert project(30.0, 64, 1664) == pytest.approx(30.0 * 26)
    assert project(30.0, 64, 1664, startup_s=2.5) == pytest.approx(2.5 + 780.0)
    with pytest.raises(ValueError):
        project(1.0, 0, 1664)


def test_screen_figures_say_measured_from_how_many_runs():
    sample = {
        "path": "experiments/sensitivity_screen.toml", "measured": True, "total_runs": 1664,
        "sample_runs": 64, "workers": 2, "projected_s": 120.0, "runs_per_s": 14.0,
        "startup_s": 1.0,
    }  # fmt: skip
    full = {"path": sample["path"], "measured": True, "runs": 1664, "wall_s": 200.0}
    figures = {f.key: f for f in screen_figures(sample, full)}
    projected = figures["screen.projected_s"]
    assert "projected from 64 of 1,664 runs measured in this bench" in projected.line()
    assert projected.verdict == "PASS" and figures["screen.full_s"].verdict == "MISS"
    assert "33% over the limit" in figures["screen.full_s"].line()


def write_tiny_experiment(folder: Path) -> Path:
    """A 4-point LHS sweep of 100 consumers x 5 days on the baseline: seconds, not minutes."""
    path = folder / "tiny.toml"
    path.write_text(
        f'name = "tiny"\nscenario = "{BASELINE.as_posix()}"\ndesign = "lhs"\nsamples = 4\n'
        'outputs = ["new_customers"]\n[set]\ndays = 5\nwarmup_days = 0\n'
        '"population.n_consumers" = 100\n'
        '[parameters."brands.focal.price"]\nlow = 30.0\nhigh = 80.0\n'
    )
    return path


def test_screen_sample_runs_the_planned_runs_on_warmed_workers(tmp_path):
    path = write_tiny_experiment(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = measure_screen_sample(str(path), 3, 1, progress=lambda line: None)
    assert result["total_runs"] == 4 and result["sample_runs"] == 3
    assert result["sample_indices"] == [0, 1, 3] and result["workers_warmed"] == 1
    assert result["projected_s"] == pytest.approx(
        project(result["wall_s"], 3, 4, result["startup_s"])
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_full_screen_runs_every_run_and_leaves_nothing_behind(tmp_path):
    path = write_tiny_experiment(tmp_path)
    out = tmp_path / "bench"
    result = measure_full_screen(str(path), 1, out, progress=lambda line: None)
    assert result["runs"] == result["executed"] == 4 and result["failures"] == 0
    assert result["wall_s"] >= result["runs_wall_s"] > 0
    assert list(out.iterdir()) == []  # the sweep's folder was temporary


@pytest.mark.parametrize("flag", ["--full-screen", "--ten-million"])
def test_long_cases_are_refused_with_quick(tmp_path, flag):
    out = tmp_path / "bench"
    status, stdout, stderr = run_mot(
        "bench", "--quick", flag, "--scenario", str(BASELINE), "--out", str(out)
    )
    assert status == 2 and flag in stderr and "--quick" in stderr
    assert len(stderr.strip().splitlines()) == 1 and stdout == "" and not out.exists()


def test_ten_million_is_refused_when_memory_is_short(tmp_path, monkeypatch):
    monkeypatch.setattr("sim.commands.bench.available_bytes", lambda: 3_000_000_000)
    out = tmp_path / "bench"
    status, stdout, stderr = run_mot(
        "bench", "--ten-million", "--scenario", str(BASELINE), "--out", str(out)
    )
    assert status == 2 and stdout == "" and not out.exists()
    assert stderr.strip().splitlines() == [
        "mot bench: error: --ten-million: 10,000,000 consumers need about 10 GB of memory, "
        "only 3.0 GB is available: free some and run again"
    ]


def test_memory_check_and_a_refused_or_failed_ten_million_run():
    assert memory_problem(None) is None and memory_problem(needed_bytes()) is None
    assert "10 GB" in memory_problem(needed_bytes() - 1)
    refused = measure_ten_million(Workload(10_000_000, 365), lambda line: None, available=10**9)
    assert refused["measured"] is False and "only 1.0 GB is available" in refused["why"]
    days = {f.key: f for f in ten_million_figures(refused)}["ten_million.days"]
    assert days.verdict == "n/a" and "not measured (10,000,000 consumers need" in days.line()
    failed = {"measured": True, "completed": False, "error": "killed", "days_simulated": 0}
    days = {f.key: f for f in ten_million_figures(failed)}["ten_million.days"]
    assert days.verdict == "MISS" and "failed: killed" in days.line()


def test_a_completed_ten_million_run_passes_and_reports_time_and_memory():
    run = {
        "measured": True, "completed": True, "days_simulated": 365, "run_s": 300.0,
        "run_cpu_s": 250.0, "build_s": 40.0, "agent_days_per_s": 1.2e7,
        "raw_bytes_per_consumer": 700.0, "peak_rss_kib": 7_000_000,
    }  # fmt: skip
    figures = {f.key: f for f in ten_million_figures(run)}
    assert figures["ten_million.days"].verdict == "PASS"
    assert figures["ten_million.days"].line().endswith("PASS, at the floor")
    assert figures["ten_million.raw_bytes_per_consumer"].value == 700.0
    assert figures["ten_million.peak_gb"].value == pytest.approx(7_000_000 * 1024 / 1e9)


def test_a_whole_screen_with_failed_runs_is_not_a_time(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from sim.sweep.driver import SweepReport

    report = SweepReport(runs=4, skipped=0, executed=4, failures=[(2, 0, "ValueError: x")])
    fake = SimpleNamespace(report=report)
    monkeypatch.setattr("sim.sweep.orchestrate.run_experiment", lambda *args: fake)
    path = write_tiny_experiment(tmp_path)
    result = measure_full_screen(str(path), 1, tmp_path / "bench", progress=lambda line: None)
    full = {f.key: f for f in screen_figures(None, result)}["screen.full_s"]
    assert full.verdict == "n/a"
    assert "not measured (1 of 4 runs failed, e.g. point 2: ValueError: x)" in full.line()
