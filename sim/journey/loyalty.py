"""The loyalty loop (Court et al. 2009, McKinsey): when the need recurs, rebuy, research or leave.

A satisfied customer often goes straight to the shelf (FMOT) without research; an indifferent
or unhappy one researches again and may switch; some leave the category.
"""

from __future__ import annotations

import numpy as np

from sim.journey import kernels
from sim.journey.decisions import RecurringNeed
from sim.journey.involvement import research_days
from sim.market.keyed_draws import KeyedDraws
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market


def recur_needs(market: Market, draws: KeyedDraws) -> None:
    """Customers whose need recurs today: leave, rebuy directly, or research again.

    Draws are keyed by unit and day, so a unit's path does not depend on who else is due.
    """
    due = market.units_due(Moment.LOYALTY)
    if len(due) == 0:
        return
    u, leavers, rebuyers, research, rows, focal, churned = paths_today(market, draws, due)
    market.daily.add("left_category", focal)
    market.daily.add("churned", churned)
    market.move(leavers, Moment.PRE_ZMOT)
    market.daily.add("direct_rebuys", len(rebuyers))
    market.move(rebuyers, Moment.FMOT)
    market.move(research, Moment.ZMOT, research_days(market, draws, research, u[rows, 2]))


def paths_today(market: Market, draws: KeyedDraws, due: np.ndarray) -> tuple:
    """(the units' uniforms: leave, rebuy directly, days of research; then leavers, direct
    rebuyers, researchers, researchers' positions in `due`, focal owners leaving, customers
    lost). One compiled call (`kernels.drawn_paths`) unless some buyer's class decides itself;
    a recurring need is the unit's own, so attribution starts afresh on both paths."""
    loyalty, units = market.scenario.loyalty, market.units
    chances = (float(loyalty.p_rebuy_direct_satisfied), float(loyalty.p_rebuy_direct_indifferent))
    columns = (units.brand, units.acquired_day, units.churn_day, units.lead_source)
    columns += (units.lead_gain,)
    need, day = int(Source.NEED), market.day
    if "rebuy_or_switch" not in market.deciders:
        key = draws.stream_key("path", day)
        p_leave, satisfaction = units.p_leave, units.satisfaction
        return kernels.drawn_paths(due, key, p_leave, satisfaction, chances, columns, need, day)
    u = draws.columns("path", day, due, 3)
    leave, direct, p_direct = kernels.recurring_paths(
        due, u, units.p_leave, units.satisfaction, chances
    )
    leave, direct = paths_per_agent(market, due, u, p_direct, leave, direct)
    return u, *kernels.settle_paths(due, leave, direct, columns, need, day)


def paths_per_agent(market: Market, due, u, p_direct, leave, direct):
    """`leave` and `direct` with the units whose buyer's class decides itself replaced by that
    agent's `rebuy_or_switch` (given the same uniforms the vectorised rule used)."""
    deciders = market.deciders["rebuy_or_switch"]
    units, names = market.units, market.brands.names
    buyers = units.start[due]
    leave, direct = leave.copy(), direct.copy()
    for position in deciders.positions(buyers):
        unit = int(due[position])
        brand = int(units.brand[unit])
        need = RecurringNeed(
            brand=names[brand] if brand >= 0 else None,
            satisfaction=float(units.satisfaction[unit]),
            p_leave=float(units.p_leave[unit]),
            p_rebuy_direct=float(p_direct[position]),
            u_leave=float(u[position, 0]),
            u_rebuy=float(u[position, 1]),
        )
        path = deciders.agent(buyers[position]).rebuy_or_switch(need)
        if path not in ("rebuy", "research", "leave"):
            raise ValueError(f"rebuy_or_switch() returned {path!r}; use rebuy, research or leave")
        leave[position], direct[position] = path == "leave", path == "rebuy"
    return leave, direct
