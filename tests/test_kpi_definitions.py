"""KPIs say who they count: one definition per KPI, people vs events, conversion's population,
and the funnel per moment."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import small_scenario

from sim.market.moments import Moment
from sim.market.window_tally import WindowTally, histogram_median
from sim.model import JourneyModel
from sim.reports.kpi_docs import generated_block, markdown_tables
from sim.reports.kpi_table import format_value, kind_of
from sim.reports.kpis import DEPRECATED_NAMES, KPI_DEFINITIONS, KPI_NAMES, KPIS, resolve_name

ROOT = Path(__file__).resolve().parents[1]


class CraftedMarket:
    """Just enough of a market for the tally: one person per unit, moves applied by hand."""

    def __init__(self, n: int) -> None:
        self.day = 1
        self.units = SimpleNamespace(
            moment=np.full(n, Moment.PRE_ZMOT, dtype=np.int8),
            acquired_day=np.full(n, -1, dtype=np.int32),
            brand=np.full(n, -1, dtype=np.int8),
        )
        self.people = SimpleNamespace(
            stance=np.zeros(n, dtype=np.int8), stance_brand=np.full(n, -1, dtype=np.int8)
        )
        self.tally = WindowTally(n, n)

    def members(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return units, np.arange(len(units))

    def move(self, unit: int, moment: Moment) -> None:
        units = np.array([unit])
        self.tally.on_move(self, units, moment)
        self.units.moment[units] = moment

    def feel(self, person: int, stance: int, brand: int) -> None:
        """The person takes a stance and their unit enters UMOT (as `finish_experience`)."""
        self.people.stance[person] = stance
        self.people.stance_brand[person] = brand if stance else -1
        self.units.moment[person] = Moment.SMOT
        self.move(person, Moment.UMOT)

    def next_day(self) -> None:
        self.day += 1
        self.tally.dawn(self)


def test_advocates_and_critics_are_counted_as_people_and_as_events():
    market = CraftedMarket(4)
    market.tally.dawn(market)
    market.feel(0, +1, 0)  # person 0: advocate of the focal brand ...
    market.next_day()
    market.feel(0, +1, 0)  # ... twice
    market.feel(1, -1, 0)  # person 1: critic once
    market.feel(2, +1, 1)  # person 2: advocate of the rival, not counted
    market.feel(3, 0, 0)  # person 3: three stars, neither
    counts = market.tally.counts(market.units.acquired_day)
    assert counts["advocate_people"] == 1 and counts["advocate_events"] == 2
    assert counts["critic_people"] == 1 and counts["critic_events"] == 1


def test_conversion_has_the_same_population_on_top_and_bottom():
    market = CraftedMarket(4)
    units = market.units
    units.brand[2], units.moment[2] = 1, Moment.LOYALTY  # unit 2 owns the rival
    units.acquired_day[3] = 0  # unit 3 is a former focal customer
    market.tally.dawn(market)
    for unit in (0, 1, 3):  # three journeys start at <ZMOT
        market.move(unit, Moment.ZMOT)
    market.next_day()
    for unit in (0, 2):  # unit 0 (a prospect) and unit 2 (a rival owner) buy the focal brand
        units.moment[unit] = Moment.FMOT
        units.acquired_day[unit] = market.day
        market.move(unit, Moment.SMOT)
        units.brand[unit] = 0
    counts = market.tally.counts(units.acquired_day)
    assert counts["prospects"] == 2  # units 0 and 1; unit 3 had bought before
    assert counts["prospects_converted"] == 1  # unit 0; unit 2 never was a prospect
    assert counts["new_switchers"] == 1  # unit 2


def test_funnel_counts_moves_and_stays():
    market = CraftedMarket(2)
    market.tally.dawn(market)  # day 1: both at <ZMOT since the initial state (unknown start)
    market.move(0, Moment.ZMOT)
    for _ in range(3):
        market.next_day()
    market.move(0, Moment.FMOT)  # day 4: three days of research
    market.move(0, Moment.PRE_ZMOT)  # walked away the same day: 0 days at the shelf
    funnel = market.tally.funnel(market.units.moment).set_index("moment")
    assert funnel.loc["ZMOT", ["entered", "moved_on", "dropped_out"]].tolist() == [1, 1, 0]
    assert funnel.loc["FMOT", ["entered", "moved_on", "dropped_out"]].tolist() == [1, 0, 1]
    assert funnel.loc["ZMOT", "median_days"] == 3 and funnel.loc["FMOT", "median_days"] == 0
    assert funnel.loc["<ZMOT", "stays_measured"] == 0  # its stay began in the initial state
    assert funnel.loc["<ZMOT", "at_end"] == 2


def test_histogram_median():
    assert histogram_median(np.array([0, 0, 5])) == 2
    assert histogram_median(np.array([1, 1, 1, 1])) == 1.5
    assert np.isnan(histogram_median(np.zeros(3, dtype=int)))


@pytest.fixture(scope="module")
def run():
    model = JourneyModel(small_scenario(days=90), seed=3, with_agents=False)
    model.run()
    return model


def test_tally_events_match_the_daily_counters(run):
    kpis, daily = run.kpis(), run.daily()
    assert kpis["advocate_events"] == daily["advocates"].sum() > 0
    assert kpis["critic_events"] == daily["critics"].sum() > 0
    assert kpis["advocate_people"] <= kpis["advocate_events"]
    assert kpis["critic_people"] <= kpis["critic_events"]
    assert 0 < kpis["conversion_rate"] < 1
    assert kpis["new_switchers"] <= kpis["new_customers"]


def test_funnel_stocks_and_flows_balance(run):
    funnel = run.funnel()
    balance = funnel["at_start"] + funnel["entered"] - funnel["moved_on"] - funnel["dropped_out"]
    assert (balance == funnel["at_end"]).all()
    assert funnel["at_end"].sum() == run.market.units.n
    assert funnel.loc[funnel["moment"] == "<ZMOT", "dropped_out"].item() == 0


def test_every_kpi_is_defined_once_with_who_is_counted():
    assert len(KPI_NAMES) == len(set(KPI_NAMES)) == len(KPI_DEFINITIONS)
    for k in KPI_DEFINITIONS:
        assert k.label and k.counted and k.definition, k.name
    assert kind_of("conversion_rate") == "share" and kind_of("revenue_usd") == "usd"
    assert kind_of("advocate_people") == "count" and kind_of("not_a_kpi_usd") == "count"
    assert format_value("mean_rating", 4.25) == "4.25 ★"


def test_docs_hold_the_generated_definitions():
    docs = (ROOT / "docs" / "kpis.md").read_text()
    assert generated_block(docs) == markdown_tables(), "run python -m sim.reports.kpi_docs"


def test_deprecated_names_warn_and_read_their_successor():
    for old, new in DEPRECATED_NAMES.items():
        assert new in KPIS and old not in KPIS
        with pytest.warns(FutureWarning, match=new):
            assert resolve_name(old, "x.toml") == new
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_name("new_customers") == "new_customers"


def test_experiments_with_old_kpi_names_still_load_with_a_warning(tmp_path):
    from sim.sweep.experiment import load_experiment

    path = tmp_path / "old.toml"
    path.write_text(
        f'scenario = "{ROOT / "scenarios" / "baseline.toml"}"\n'
        'outputs = ["retention_365d", "critics_per_new"]\n'
        '[derived]\ncritics_per_new = "critics / new_customers"\n'
        '[parameters."brands.focal.price"]\nvalues = [40.0, 50.0]\n'
        '[[charts]]\nkind = "line"\nx = "brands.focal.price"\ny = "retention_365d"\n'
    )
    with pytest.warns(FutureWarning) as caught:
        loaded = load_experiment(path)
    experiment = loaded.experiment
    assert experiment.outputs == ["retention_km_365d", "critics_per_new"]
    assert experiment.charts[0].y == "retention_km_365d"
    assert experiment.derived["critics_per_new"] == "critic_events / new_customers"
    assert any("outputs.0" in str(w.message) for w in caught)
