"""The due calendar returns exactly the units a scan of every unit finds, every day."""

from __future__ import annotations

import numpy as np
import pytest

from sim.bench.workload import with_all_strategies
from sim.market import state as market_module
from sim.market.due_calendar import SCHEDULED, DueCalendar
from sim.market.moments import Moment
from sim.market.state import Market
from sim.model import JourneyModel
from tests.helpers import small_scenario


def scan(market: Market, moment: Moment) -> np.ndarray:
    """The brute-force answer the calendar replaces."""
    units = market.units
    return np.flatnonzero((units.moment == moment) & (units.until <= market.day))


@pytest.mark.parametrize("market_kind", ["b2c", "b2b"])
def test_calendar_due_set_equals_a_scan_every_day_and_every_call(monkeypatch, market_kind):
    monkeypatch.setattr(market_module, "CALENDAR_MIN_UNITS", 0)  # the calendar at any size
    calls: list[int] = []
    calendar_due = Market.units_due

    def checked(market: Market, moment: Moment) -> np.ndarray:
        due = calendar_due(market, moment)
        np.testing.assert_array_equal(due, scan(market, moment))
        calls.append(len(due))
        return due

    monkeypatch.setattr(Market, "units_due", checked)
    scenario = with_all_strategies(
        small_scenario(
            days=90, warmup_days=20, population={"n_consumers": 600, "market": market_kind}
        )
    )
    model = JourneyModel(scenario, with_agents=False, warm_up=False)
    assert model.market.calendar is not None
    for _ in range(scenario.warmup_days + scenario.days):
        model._one_day()
        market = model.market  # market.day is tomorrow now
        for moment in SCHEDULED:  # tomorrow's due sets, before any rule runs
            np.testing.assert_array_equal(market.units_due(moment), scan(market, moment))
    assert sum(calls) > 0


def test_overdue_units_stay_due_until_moved():
    moment = np.array([Moment.FMOT, Moment.FMOT, Moment.ZMOT], dtype=np.int8)
    until = np.array([3, 5, 3], dtype=np.int32)
    calendar = DueCalendar.of(moment, until)
    assert calendar.due(Moment.FMOT, 2, moment, until).tolist() == []
    assert calendar.due(Moment.FMOT, 3, moment, until).tolist() == [0]
    assert calendar.due(Moment.FMOT, 4, moment, until).tolist() == [0]  # not moved: still due
    moment[0], until[0] = Moment.SMOT, 9  # unit 0 moves on
    calendar.file(Moment.SMOT, np.array([0]), 9)
    assert calendar.due(Moment.FMOT, 5, moment, until).tolist() == [1]
    assert calendar.due(Moment.SMOT, 9, moment, until).tolist() == [0]


def test_stale_entries_are_dropped_and_duplicates_read_once():
    moment = np.full(3, Moment.ZMOT, dtype=np.int8)
    until = np.array([4, 4, 8], dtype=np.int32)
    calendar = DueCalendar.of(moment, until)
    until[2] = 4  # unit 2 re-enters ZMOT, now due on day 4 (its day-8 entry is stale)
    calendar.file(Moment.ZMOT, np.array([2, 2]), np.array([4, 4]))
    assert calendar.due(Moment.ZMOT, 4, moment, until).tolist() == [0, 1, 2]
    moment[:] = Moment.FMOT
    assert calendar.due(Moment.ZMOT, 8, moment, until).tolist() == []


def test_reading_an_earlier_day_is_an_error():
    moment, until = np.array([Moment.UMOT], dtype=np.int8), np.array([3], dtype=np.int32)
    calendar = DueCalendar.of(moment, until)
    calendar.due(Moment.UMOT, 5, moment, until)
    with pytest.raises(ValueError, match="read for day 5"):
        calendar.due(Moment.UMOT, 4, moment, until)
