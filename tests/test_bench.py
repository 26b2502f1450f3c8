"""`mot bench`: a quick run writes its JSON and chart and prints every figure (no timings asserted)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from sim.bench.chart import log_log_slope
from sim.bench.probes import measure_end_to_end
from sim.bench.report import end_to_end_figures
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
