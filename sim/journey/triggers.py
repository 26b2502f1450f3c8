"""<ZMOT: a latent need becomes active and the unit starts researching.

Competing hazards (Bass 1969): a unit at <ZMOT starts a journey today with chance
need + sum of broad stimuli (ads; word of mouth in a mean-field market), one uniform draw
deciding both whether and why. Targeted nudges (a friend's message, an influencer's post) then
each get their own chance. With only ads (p) and mean-field word of mouth (q x) switched on,
this is exactly the discrete Bass recursion.

In a genuinely new category (`triggers.new_category`) a need becomes active on its own only in
units whose buyer has heard of some brand: awareness must come first (the seeds' iPad case).
"""

from __future__ import annotations

import numpy as np

from sim.journey import kernels
from sim.journey.involvement import research_days
from sim.market.keyed_draws import KeyedDraws
from sim.market.moments import Moment
from sim.market.sources import Source
from sim.market.state import Market
from sim.market.touch_log import record_stimuli

LEAD_GAIN_OF_TRIGGER = float(np.finfo(np.float32).max)
"""A journey started by a branded stimulus (an ad, a friend's message, an influencer's post, a
referral) is credited to it; research decides the credit only for journeys people start on their
own (their need), as "what brought them in" is read in marketing attribution."""


NOBODY = np.zeros(0, dtype=bool)
"""`kernels.journey_starts`' table of who knows a brand outside a new category (never written)."""

TRIGGER_COLUMN: tuple[str, ...] = tuple(f"triggered_{s.key}" for s in Source)
"""The daily table's column counting journeys started by each source."""


def start_journeys(market: Market, draws: KeyedDraws) -> None:
    """Apply today's stimuli to units at <ZMOT; started units go to ZMOT.

    Each waiting unit's uniform is keyed by the unit and the day, so whether a unit starts does
    not depend on how many others wait today (common random numbers across strategies). The
    same uniform, rescaled within the interval that decided the start and its cause, is again
    uniform and independent of both: it sets how long the research lasts (one draw a journey).
    One compiled pass over the units (`kernels.journey_starts`: competing hazards of the
    unit's need and the broad stimuli) and one over the nudges (`apply_nudges`).
    """
    units = market.units
    broad = market.today.broad.ravel()
    cumulative = np.cumsum(broad)
    knows = NOBODY
    if market.scenario.triggers.new_category:
        knows = market.people.aware[units.start].any(axis=1)
    who, source, brand, u = kernels.journey_starts(
        units.moment,
        units.need_rate,
        knows,
        draws.stream_key("start", market.day),
        broad,
        cumulative,
        market.brands.n,
        int(Moment.PRE_ZMOT),
        int(Source.NEED),
    )
    nudged, nudge_source, nudge_brand, nudge_u = apply_nudges(market, draws, who)
    if len(nudged):
        who = np.concatenate([who, nudged])
        source = np.concatenate([source, nudge_source])
        brand = np.concatenate([brand, nudge_brand])
        u = np.concatenate([u, nudge_u])
    begin_research(market, draws, who, source, brand, u)


def apply_nudges(
    market: Market, draws: KeyedDraws, started: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(units, source, brand, uniform for the research) started by targeted nudges: each nudge
    to a person whose unit is at <ZMOT and not `started` today already starts it with its
    chance; the first hit counts (`kernels.nudge_starts`, one compiled pass).

    A nudge's draw is keyed by the person and by which of their nudges it is (source, brand
    and rank among identical ones), not by its place in today's list of nudges.
    """
    people, brands, sources, chances = market.today.targeted()
    if len(people) == 0:
        return people, sources, brands, chances
    return kernels.nudge_starts(
        (people, brands, sources, chances),
        market.people.unit,
        market.units.moment,
        started,
        draws.stream_key("nudge", market.day),
        market.brands.n,
        int(Moment.PRE_ZMOT),
    )


def begin_research(
    market: Market,
    draws: KeyedDraws,
    who: np.ndarray,
    source: np.ndarray,
    brand: np.ndarray,
    u: np.ndarray,
) -> None:
    """Start journeys: count the trigger, note what led the unit in, move it to ZMOT for a
    research of geometric length (by the unit's involvement) drawn from the uniforms `u`."""
    if len(who) == 0:
        return
    units, people = market.units, market.people
    columns = (units.start, people.aware, units.lead_source, units.lead_gain)
    counts = kernels.begin_research(
        who, source, brand, columns, LEAD_GAIN_OF_TRIGGER, int(Source.NEED), len(Source)
    )
    for s, count in enumerate(counts.tolist()):
        if count:
            market.daily.add(TRIGGER_COLUMN[s], count)
    record_stimuli(market, who, source, brand)
    market.move(who, Moment.ZMOT, research_days(market, draws, who, u))
