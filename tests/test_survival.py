"""Kaplan-Meier retention with censoring and left truncation, against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import small_scenario
from scipy import stats

from sim.model import JourneyModel
from sim.reports.kpi_table import format_value
from sim.reports.kpis import KPIS, retention_kpis
from sim.reports.survival import (
    KaplanMeier,
    KaplanMeierError,
    at_risk,
    at_risk_by_age,
    curve_table,
    retention_estimates,
    survival_data,
)

# Simulation days; the window opens on day 11 and its last day is 30. -1 = never.
#               A   B   C   D  E  F   G
ACQUIRED = np.array([15, 12, 5, 8, 0, 3, 20])
CHURNED = np.array([20, -1, 25, 9, -1, -1, 28])
# A: acquired in the window, lost at age 5.   B: acquired in it, still there at age 18.
# C: acquired in the warm-up (age 6 on the window's first day), lost at age 20.
# D: lost before the window: not observed.    E: the initial base (age unknown): left out.
# F: warm-up customer (age 8 on the first day), still there at age 27.   G: lost at age 8.


@pytest.fixture
def crafted():
    return survival_data(ACQUIRED, CHURNED, window_start=11, last_day=30)


def test_ages_events_and_entries(crafted):
    assert crafted.duration.tolist() == [5, 18, 20, 27, 8]  # A B C F G
    assert crafted.event.tolist() == [True, False, True, False, True]
    assert crafted.entry.tolist() == [0, 0, 5, 7, 0]  # ages on the day before the window


def test_kaplan_meier_matches_the_hand_computation(crafted):
    # at risk at an age: entered by then, not yet lost or censored
    # age 5: A B G (C is first seen at 6, F at 8) -> S = 1 - 1/3 = 2/3
    # age 8: B C F G                              -> S = 2/3 x 3/4 = 1/2
    # age 20: C F (B censored at 18)              -> S = 1/2 x 1/2 = 1/4
    # age 27: F only (censored there)             -> S = 1/4; age 28: nobody -> not observable
    assert [at_risk(crafted, a) for a in (5, 8, 20, 27, 28)] == [3, 4, 2, 1, 0]
    assert at_risk_by_age(crafted, 28)[[5, 8, 20, 27, 28]].tolist() == [3, 4, 2, 1, 0]
    ages = (4, 5, 8, 19, 20, 27, 28)
    got = {e.age_days: e.retention for e in retention_estimates(crafted, ages)}
    expected = {4: 1.0, 5: 2 / 3, 8: 1 / 2, 19: 1 / 2, 20: 1 / 4, 27: 1 / 4}
    for age, value in expected.items():
        assert got[age] == pytest.approx(value, abs=1e-12), age
    assert math.isnan(got[28])


def test_interval_is_the_exponential_greenwood_one(crafted):
    (estimate,) = retention_estimates(crafted, (8,))
    # Kalbfleisch & Prentice: v = sum d/(n(n-d)) / log(S)^2; bounds S^exp(+-z sqrt(v))
    s, greenwood = 0.5, 1 / (3 * 2) + 1 / (4 * 3)
    spread = stats.norm.ppf(0.975) * math.sqrt(greenwood / math.log(s) ** 2)
    assert estimate.ci_low == pytest.approx(s ** math.exp(spread), rel=1e-9)
    assert estimate.ci_high == pytest.approx(s ** math.exp(-spread), rel=1e-9)
    assert estimate.at_risk == 4


def test_without_truncation_it_is_plain_kaplan_meier_with_censoring():
    # everyone acquired in the window: lost at ages 2, 5 and 5; two censored at age 7
    data = survival_data(
        np.array([1, 1, 1, 2, 1]), np.array([3, -1, 6, 7, -1]), window_start=1, last_day=8
    )
    assert data.entry.tolist() == [0, 0, 0, 0, 0]
    assert sorted(data.duration.tolist()) == [2, 5, 5, 7, 7]
    (s2, s5, s7) = retention_estimates(data, (2, 5, 7))
    assert s2.retention == pytest.approx(4 / 5)  # 1 of 5 lost at age 2
    assert s5.retention == pytest.approx(4 / 5 * 2 / 4)  # 2 of the 4 left lost at age 5
    assert s7.retention == pytest.approx(2 / 5) and s7.at_risk == 2


def test_curve_table_stops_where_nobody_is_observed(crafted):
    table = curve_table(crafted, horizon=30)
    assert table.loc[table["age_days"] == 20, "retention"].item() == pytest.approx(0.25)
    assert table["retention"].notna().sum() == 28  # ages 0..27
    seen = table.dropna(subset=["retention"])
    assert (seen["ci_low"] <= seen["retention"]).all() and (
        seen["retention"] <= seen["ci_high"]
    ).all()
    assert table.loc[28:, "at_risk"].eq(0).all()


def test_not_observable_is_nan_in_kpis_and_labelled_in_tables():
    # a launch with a 100-day window: nobody reaches 180 or 365 days
    data = survival_data(np.array([5, 10, 50]), np.array([-1, 40, -1]), 1, 100)
    kpis = retention_kpis(data)
    assert kpis["retention_km_90d"] == pytest.approx(2 / 3)  # 1 of 3 lost at age 30
    assert math.isnan(kpis["retention_km_180d"]) and kpis["retention_km_180d_at_risk"] == 0
    assert format_value("retention_km_365d", kpis["retention_km_365d"]) == "not observable"
    assert KPIS["retention_km_365d_at_risk"].detail_of == "retention_km_365d"


def test_model_retention_uses_every_customer_the_window_observes():
    model = JourneyModel(small_scenario(days=100, warmup_days=120), seed=8, with_agents=False)
    kpis = model.run().kpis()
    assert 0.5 < kpis["retention_km_90d"] <= 1
    assert kpis["retention_km_90d_ci_low"] <= kpis["retention_km_90d"]
    assert kpis["retention_km_90d"] <= kpis["retention_km_90d_ci_high"]
    # 180 days are observable through warm-up customers (left truncation), 365 are not
    assert kpis["retention_km_180d_at_risk"] > 0 and not math.isnan(kpis["retention_km_180d"])
    assert math.isnan(kpis["retention_km_365d"]) and kpis["retention_km_365d_at_risk"] == 0


# --- sim.reports.survival.KaplanMeier against lifelines itself (the reference) ---


def lifelines_fit(duration, event, entry=None, confidence=0.95):
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=1 - confidence).fit(duration, event_observed=event, entry=entry)


def random_data(seed: int, n: int, truncated: bool, floats: bool = False):
    rng = np.random.default_rng(seed)
    duration = rng.integers(0, 60, n) if not floats else np.round(rng.exponential(20, n), 1)
    event = rng.random(n) < 0.6
    entry = None
    if truncated:  # about half enter late, at an age below their exit
        late = rng.random(n) < 0.5
        entry = np.where(late, np.floor(duration * rng.random(n)), 0).astype(duration.dtype)
    return duration, event, entry


def model_data():
    model = JourneyModel(small_scenario(days=100, warmup_days=120), seed=8, with_agents=False)
    data = model.run().outcome().survival()
    return data.duration, data.event, data.entry


DATASETS = {
    "crafted": lambda: (
        np.array([5, 18, 20, 27, 8]),
        np.array([1, 0, 1, 0, 1]),
        np.array([0, 0, 5, 7, 0]),
    ),
    "ties and censoring": lambda: random_data(1, 400, truncated=False),
    "left truncation": lambda: random_data(2, 400, truncated=True),
    "float ages, truncation": lambda: random_data(3, 300, truncated=True, floats=True),
    "small, truncation": lambda: random_data(4, 12, truncated=True),
    "everyone lost": lambda: (np.array([1, 2, 2, 3, 5]), np.ones(5, bool), None),
    "nobody lost": lambda: (np.array([4, 2, 9]), np.zeros(3, bool), np.array([0, 1, 0])),
    # the risk set empties at age 8 and refills from late entrants at 20 (lifelines: 0/0 is
    # NaN there, passed over by its cumsum and filled forward)
    "risk set empties, late entrants": lambda: (
        np.array([1, 2, 3, 4, 5, 6, 7, 8, 30, 31, 32]),
        np.array([1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1]),
        np.array([0, 0, 0, 0, 0, 0, 0, 0, 20, 20, 21]),
    ),
    "model run": model_data,
}


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_kaplan_meier_equals_lifelines_exactly(name, confidence):
    duration, event, entry = DATASETS[name]()
    ours = KaplanMeier.fit(duration, event, entry, confidence)
    theirs = lifelines_fit(duration, event, entry, confidence)
    np.testing.assert_array_equal(ours.times, theirs.timeline)
    np.testing.assert_array_equal(ours.survival, theirs.survival_function_.iloc[:, 0].to_numpy())
    band = theirs.confidence_interval_survival_function_.to_numpy()
    np.testing.assert_array_equal(ours.ci_low, band[:, 0])
    np.testing.assert_array_equal(ours.ci_high, band[:, 1])
    # read at ages before, on and between the event times, as retention_estimates and
    # curve_table read lifelines' fit
    ages = np.unique(np.concatenate([np.arange(-1, int(np.max(duration)) + 3), ours.times + 0.5]))
    np.testing.assert_array_equal(
        ours.survival_at(ages), theirs.survival_function_at_times(ages).to_numpy()
    )
    padded = theirs.confidence_interval_survival_function_
    expected = padded.reindex(padded.index.union(ages)).ffill().loc[ages].fillna(1.0).to_numpy()
    low, high = ours.band_at(ages)
    np.testing.assert_array_equal(low, expected[:, 0])
    np.testing.assert_array_equal(high, expected[:, 1])


def test_kaplan_meier_refuses_what_lifelines_refuses():
    from lifelines.exceptions import StatError

    # everyone lost before the late entrants arrive, in the first half of the event times
    duration, event, entry = np.array([1, 1, 9, 9, 10]), np.ones(5, bool), np.array([0, 0, 5, 6, 7])
    with pytest.raises(StatError) as theirs:
        lifelines_fit(duration, event, entry)
    with pytest.raises(KaplanMeierError) as ours:
        KaplanMeier.fit(duration, event, entry)
    assert str(ours.value).strip() == str(theirs.value).strip()
    with pytest.raises(ValueError, match="birth time"):
        KaplanMeier.fit(np.array([3, 4]), np.ones(2, bool), np.array([0, 5]))
