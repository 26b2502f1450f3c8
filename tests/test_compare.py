"""`sim.comparison.paired` (paired statistics) and `mot compare` (runs on shared seeds, results folder)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.comparison.paired import compare_runs, cost_per_extra, paired_test, verdicts
from sim.reports.kpis import KPI_NAMES


def test_paired_test_matches_the_textbook_interval():
    result = paired_test(np.array([1.0, 2.0, 3.0]))
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)  # sd of (1, 2, 3) is 1
    assert result["difference"] == pytest.approx(2.0)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((2 - half, 2 + half))
    assert result["p_value"] == pytest.approx(stats.ttest_1samp([1, 2, 3], 0).pvalue)
    assert result["effect_size_dz"] == pytest.approx(2.0)


def test_paired_test_edge_cases():
    assert paired_test(np.zeros(5))["p_value"] == 1.0
    exact = paired_test(np.full(5, 3.0))
    assert (exact["ci_low"], exact["ci_high"], exact["p_value"]) == (3.0, 3.0, 0.0)
    assert math.isnan(paired_test(np.array([1.0]))["ci_low"])
    assert paired_test(np.array([1.0, np.nan, 3.0]))["n"] == 2


def test_paired_interval_covers_the_true_difference_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    trials = 600
    covered = sum(
        lo <= 0.7 <= hi
        for lo, hi in (
            (r["ci_low"], r["ci_high"])
            for r in (paired_test(rng.normal(0.7, 2.0, size=10)) for _ in range(trials))
        )
    )
    # binomial SD of the coverage over 600 trials: sqrt(0.95 * 0.05 / 600) = 0.0089; allow 3 SDs
    assert abs(covered / trials - 0.95) < 3 * math.sqrt(0.95 * 0.05 / trials)


def tidy(values: dict[str, np.ndarray], kpi: str = "new_customers") -> pd.DataFrame:
    """Tidy runs for one KPI: scenario -> values per replication."""
    rows = [
        (name, i, 100 + i, kpi, float(v))
        for name, series in values.items()
        for i, v in enumerate(series)
    ]
    return pd.DataFrame(rows, columns=["scenario", "replication", "seed", "kpi", "value"])


def test_pairing_removes_the_noise_the_scenarios_share():
    rng = np.random.default_rng(1)
    market = rng.normal(1000, 200, size=12)  # run-to-run noise both scenarios share
    runs = tidy({"base": market, "plan": market + 15 + rng.normal(0, 2, size=12)})
    (row,) = compare_runs(runs, "base").itertuples()
    assert row.distinguishable and row.ci_low > 0
    unpaired = stats.ttest_ind(market + 15, market).pvalue
    assert row.p_value < 0.001 < unpaired


def test_cost_per_extra_customer_only_for_clear_gains():
    n = 10
    base = {"new_customers": np.full(n, 100.0), "churned": np.full(n, 50.0)}
    rows = []
    for kpi in KPI_NAMES:
        b = base.get(kpi, np.zeros(n))
        gain = {"new_customers": 20.0, "strategy_cost_usd": 500.0, "churned": -10.0}.get(kpi, 0.0)
        jitter = np.linspace(-1, 1, n)
        rows.append(tidy({"base": b, "plan": b + gain + jitter}, kpi))
    comparison = compare_runs(pd.concat(rows), "base")
    (cost,) = cost_per_extra(comparison).itertuples()
    assert cost.cost_per_extra_acquired_usd == pytest.approx(500.0 / 20.0)
    assert cost.cost_per_extra_retained_usd == pytest.approx(500.0 / 10.0)  # 10 fewer lost
    assert math.isnan(cost.cost_per_extra_at_end_usd)  # no more customers at the end
    (line,) = verdicts(comparison)
    assert "new_customers up" in line and "strategy_cost_usd up" in line
    no_gain = comparison.copy()
    no_gain.loc[no_gain["kpi"] == "new_customers", "distinguishable"] = False
    assert math.isnan(cost_per_extra(no_gain)["cost_per_extra_acquired_usd"].iloc[0])


def write_scenario(folder: Path, name: str, body: str = "", n: int = 400, days: int = 40) -> str:
    """A small scenario file; `body` adds TOML tables."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\ndays = {days}\n[population]\nn_consumers = {n}\n{body}')
    return str(path)


FOLLOW_UP = "[brands.focal.strategies.follow_up_email]\n"


def test_compare_writes_a_complete_folder(tmp_path, capsys):
    a = write_scenario(tmp_path, "base")
    b = write_scenario(tmp_path, "email", FOLLOW_UP)
    out = tmp_path / "out"
    argv = ["compare", a, b, "--replications", "3", "--workers", "1", "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    (folder,) = (out / "compare-base-vs-email").iterdir()
    assert capsys.readouterr().out.strip() == str(folder)
    names = {p.name for p in folder.iterdir()}
    for expected in (
        "comparison.csv",
        "runs.parquet",
        "manifest.json",
        "kpi_differences.png",
        "retention_curves.png",
        "acquisitions.png",
        "costs.csv",
        "scenarios",
    ):
        assert expected in names
    runs = pd.read_parquet(folder / "runs.parquet")
    assert list(runs.columns) == ["scenario", "replication", "seed", "kpi", "value"]
    assert len(runs) == 2 * 3 * len(KPI_NAMES)
    seeds = runs.groupby("scenario")["seed"].apply(lambda s: tuple(sorted(set(s))))
    assert seeds["base"] == seeds["email"]  # common random numbers
    comparison = pd.read_csv(folder / "comparison.csv")
    cost = comparison.set_index("kpi").loc["strategy_cost_usd"]
    assert cost["difference"] > 0 and bool(cost["distinguishable"])


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(tmp_path):
    """Same seeds, same settings, any worker count: identical runs, so every difference is 0."""
    a = write_scenario(tmp_path, "one", n=200, days=20)
    b = write_scenario(tmp_path, "two", n=200, days=20)
    out = tmp_path / "out"
    argv = ["compare", a, b, "--replications", "2", "--workers", "2", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    (folder,) = (out / "compare-one-vs-two").iterdir()
    comparison = pd.read_csv(folder / "comparison.csv")
    finite = comparison["difference"].dropna()
    assert len(finite) > 10 and (finite == 0).all()


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ({"name": "other", "n": 500}, "population.n_consumers: is 500 but"),
        ({"name": "other", "days": 41}, "days: is 41 but"),
        ({"name": "other", "body": 'market = "b2b"\n'}, "population.market: is 'b2b' but"),
        (
            {"name": "other", "body": "[brands.focal]\np_problem = 2.0\n"},
            "brands.focal.p_problem: must be <= 1",
        ),
        ({"name": "base"}, "used twice"),
    ],
)
def test_incomparable_or_bad_scenarios_are_refused(tmp_path, capsys, second, message):
    a = write_scenario(tmp_path, "base")
    (tmp_path / "b").mkdir()
    b = write_scenario(tmp_path / "b", **second)
    out = tmp_path / "out"
    assert main(["compare", a, b, "--replications", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()  # nothing half-written


def test_bad_options_are_one_line_errors(tmp_path, capsys):
    a = write_scenario(tmp_path, "base")
    assert main(["compare", a]) == 2
    assert main(["compare", a, a.replace("base", "nope"), "--replications", "2"]) == 2
    assert main(["compare", a, a, "--replications", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("mot compare: error:") for line in err)
