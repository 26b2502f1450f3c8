"""When strategies with running costs are billed: monthly fees and one-off set-up costs."""

from __future__ import annotations

from sim.market.state import Market

BILLING_PERIOD_DAYS = 30
"""Length of a billing month (assumption: 30-day months)."""


def is_billing_day(day: int, period_days: int = BILLING_PERIOD_DAYS) -> bool:
    """Day 1, 31, 61, ...: a new period starts and its fee is due in advance."""
    return (day - 1) % period_days == 0


def set_lever(market: Market, lever: str, brand: int, value: float) -> float:
    """Set one brand's lever; returns the value it had (strategies report the change)."""
    column = market.brands.levers[lever]
    before = float(column[brand])
    column[brand] = value
    return before
