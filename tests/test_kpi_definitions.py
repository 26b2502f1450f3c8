"""KPIs say who they count: one definition per KPI, people vs events, conversion's population,
and the funnel per moment."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import small_scenario
from tiny_market import counted, place, tiny_market

from sim.journey.shelf import buy, walk_away
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
    counts = market.tally.counts()
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
    market.move(2, Moment.FMOT)  # unit 2's need recurs: straight to the shelf
    market.next_day()
    for unit in (0, 2):  # unit 0 (a prospect) and unit 2 (a rival owner) buy the focal brand
        units.moment[unit] = Moment.FMOT
        units.acquired_day[unit] = market.day
        units.brand[unit] = 0  # `buy` books the brand before the move to SMOT
        market.move(unit, Moment.SMOT)
    counts = market.tally.counts()
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


def test_new_customers_are_converted_prospects_plus_switchers_after_a_warm_up():
    """Every first focal purchase ends a journey begun at <ZMOT (a converted prospect, who was
    shopping in the window: in the denominator) or in a rival's loyalty loop (a switcher)."""
    model = JourneyModel(small_scenario(days=60, warmup_days=45), seed=3, with_agents=False)
    kpis, tally = model.run().kpis(), model.market.tally
    converted = tally.converted
    assert not (converted & ~tally.prospect).any()  # the numerator is inside the denominator
    assert converted.sum() + kpis["new_switchers"] == kpis["new_customers"] > 0
    assert kpis["conversion_rate"] == converted.sum() / kpis["prospects"]


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


def test_conversion_on_a_tiny_market_worked_out_by_hand():
    """Eight units, one warm-up day; who is a prospect, converted or a switcher is by hand.

    Prospects: 0 (began in the warm-up, still researching when the window opens), 1, 2, 3.
    Converted: 0, and 3 (bought the rival, returned it, bought the focal brand: one journey).
    Switchers: 7 (rival owner), 5 (rival owner who returned a rival rebuy first) and 1 (a
    prospect who bought the rival, then switched at its next need: a switch, not a
    conversion). Unit 4 is a lapsed focal customer (not new); unit 6 stays at <ZMOT.
    New customers 5 = 2 converted + 3 switchers; conversion 2 / 4 = 50%.
    """
    market = tiny_market(8, warmup_days=1)
    place(market, [5, 7], Moment.LOYALTY, days=0, brand=1)
    market.units.acquired_day[4] = 0  # a focal customer in the past, now owning nothing
    new_day(market)  # day 1: the warm-up
    market.move(np.array([0]), Moment.ZMOT)
    new_day(market)  # day 2: the window opens
    shop(market, [1, 2, 3, 4], start=True)
    buy_now(market, [0, 4], brand=0)
    buy_now(market, [1, 3], brand=1)
    walk_away(market, np.array([2]))
    shop(market, [5])  # rival owners' need recurs: straight to the shelf
    buy_now(market, [5], brand=1)
    return_product(market, [3, 5])
    buy_now(market, [3, 5], brand=0)
    market.move(np.array([1]), Moment.UMOT)
    market.move(np.array([1]), Moment.LOYALTY)  # unit 1 keeps the rival ...
    shop(market, [1, 7])  # ... until its need recurs, beside unit 7's
    buy_now(market, [1, 7], brand=0)
    counts = market.tally.counts()
    assert counts["prospects"] == 4 and counts["prospects_converted"] == 2
    assert counts["new_switchers"] == 3
    assert counted(market, "new_customers") == 5
    assert market.tally.converted.nonzero()[0].tolist() == [0, 3]


def new_day(market) -> None:
    """The next day (as `JourneyModel` starts one): the tally sees dawn."""
    market.day += 1
    market.daily.day = market.day - 1
    market.new_day()


def shop(market, units, start: bool = False) -> None:
    """Units go to the shelf: from <ZMOT through research (`start`), else from loyalty."""
    units = np.asarray(units)
    if start:
        market.move(units, Moment.ZMOT)
    market.move(units, Moment.FMOT)


def buy_now(market, units, brand: int) -> None:
    """Units at the shelf buy `brand` with a trouble-free delivery (`sim.journey.shelf.buy`)."""
    units = np.asarray(units)
    market.move(units, Moment.FMOT)
    buy(market, units, np.full(len(units), brand), np.full((len(units), 3), 0.999))


def return_product(market, units) -> None:
    """Units return what they bought and look for another (as `finish_experience` and
    `finish_feedback` do)."""
    units = np.asarray(units)
    market.units.brand[units] = -1
    market.move(units, Moment.UMOT)
    market.move(units, Moment.ZMOT)
