"""A settled window: the market runs `warmup_days` first; KPIs, daily tables and charts cover
the window only, strategies act from its first day, and the baseline's warm-up is measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import small_scenario

from sim.model import JourneyModel
from sim.scenario.config import load_scenario
from sim.validation.settle import Trajectories, customer_drifts, moment_drifts, recommend

ROOT = Path(__file__).resolve().parents[1]


def test_warm_up_days_are_run_but_not_measured():
    warm = JourneyModel(small_scenario(days=20, warmup_days=30), seed=4, with_agents=False).run()
    launch = JourneyModel(small_scenario(days=50), seed=4, with_agents=False).run()
    window, everything = warm.daily(), warm.daily(warmup=True)
    assert window["day"].tolist() == list(range(1, 21))
    assert everything["day"].tolist() == list(range(-29, 21))
    # the same market (no strategies): the window is the launch run's last 20 days
    same = launch.daily().iloc[30:].drop(columns="day").reset_index(drop=True)
    pd.testing.assert_frame_equal(window.drop(columns="day"), same)
    kpis = warm.kpis()
    assert kpis["new_customers"] == window["new_customers"].sum()
    assert kpis["new_customers"] < everything["new_customers"].sum()
    assert kpis["customers_start"] == everything.loc[everything["day"] == 0, "customers"].item()
    assert warm.days_run == 20 and warm.funnel()["at_end"].sum() == warm.market.units.n


def test_funnel_starts_with_the_window():
    model = JourneyModel(small_scenario(days=15, warmup_days=40), seed=2, with_agents=False).run()
    funnel = model.funnel()
    assert funnel["at_start"].sum() == model.market.units.n
    balance = funnel["at_start"] + funnel["entered"] - funnel["moved_on"] - funnel["dropped_out"]
    assert (balance == funnel["at_end"]).all()
    assert funnel.loc[funnel["moment"] == "SMOT", "at_start"].item() > 0  # a running market


def test_strategies_act_from_the_first_day_of_the_window():
    strategies = {"follow_up_email": {}, "quality_crisis": {"start_day": 5, "end_day": 9}}
    scenario = small_scenario(days=12, warmup_days=25, brands={"focal": {"strategies": strategies}})
    model = JourneyModel(scenario, seed=1, with_agents=False)
    assert model.market.strategies == [] and model.days_run == 0
    normal = model.market.brands.p_problem[0]
    model.run(4)
    assert model.market.brands.p_problem[0] == normal  # window days 1-4: no crisis yet
    model.run(1)
    assert model.market.brands.p_problem[0] > normal  # window day 5: the crisis starts
    model.run()
    cost = model.daily(warmup=True).set_index("day")["strategy_cost_usd"]
    assert cost.loc[:0].sum() == 0 and cost.loc[1:].sum() > 0


def test_customers_at_the_window_start_form_the_day_zero_cohort():
    model = JourneyModel(small_scenario(days=40, warmup_days=60), seed=5, with_agents=False).run()
    cohorts = model.cohorts()
    base = cohorts[(cohorts["cohort_start_day"] == 0) & (cohorts["age_days"] == 0)]
    units = model.market.units  # acquired in the warm-up (or before), not lost by its end
    before = (units.acquired_day >= 0) & (units.acquired_day <= 60)
    kept = before & ((units.churn_day < 0) | (units.churn_day > 60))
    assert base["customers"].item() == kept.sum()
    # customers lost once and won back own the brand but have left their cohort (first loss)
    assert kept.sum() <= model.kpis()["customers_start"]
    assert cohorts["cohort_start_day"].min() == 0


def test_shipped_scenarios_say_whether_they_are_settled_or_a_launch():
    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
    launch = load_scenario(ROOT / "scenarios" / "launch.toml")
    assert baseline.warmup_days == 180 and launch.warmup_days == 0
    assert launch.brands["focal"].initial_share < baseline.brands["focal"].initial_share


def crafted(customers: list[float], smot: list[float]) -> Trajectories:
    """Two replications of a crafted run: focal customers and people at SMOT per day."""
    days = len(customers)
    frame = pd.DataFrame(
        {"day": np.arange(1, days + 1), "customers": customers, "people_smot": smot}
    )
    for column in ("people_pre_zmot", "people_zmot", "people_fmot", "people_umot"):
        frame[column] = 0.0
    frame["people_loyalty"] = 1000.0
    frames = [frame.assign(replication=r) for r in (0, 1)]
    return Trajectories(pd.concat(frames, ignore_index=True), window_days=60, people=1000)


def test_settle_measures_drift_over_the_window_after_each_warm_up():
    customers = [100.0] * 30 + list(np.linspace(100, 110, 60))  # grows 10% after day 30
    smot = [0.0] * 10 + [50.0] * 80  # fills by day 11, then steady
    runs = crafted(customers, smot)
    assert customer_drifts(runs, 30) == pytest.approx([0.10, 0.10])
    assert customer_drifts(runs, 0)[0] == pytest.approx(0.1 * 29 / 59)  # half-way up by day 60
    drift = moment_drifts(runs, 10)
    assert drift["people_smot"].tolist() == pytest.approx([0.0, 0.0])
    assert "people_zmot" not in drift  # holds less than 1% of people: not judged


def test_recommendation_is_where_every_longer_warm_up_is_settled_too():
    table = pd.DataFrame(
        {"warmup_days": [0, 30, 60, 90, 180], "settled": [False, True, False, True, True]}
    )
    assert recommend(table) == 90  # 30 was a lucky one
    assert recommend(table.assign(settled=[True, True, True, True, False])) is None
