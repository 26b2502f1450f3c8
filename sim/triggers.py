"""<ZMOT: a latent need becomes active and the unit starts researching.

Competing hazards (Bass 1969): a unit at <ZMOT starts a journey today with chance
need + sum of broad stimuli (ads; word of mouth in a mean-field market), one uniform draw
deciding both whether and why. Targeted nudges (a friend's message, an influencer's post) then
each get their own chance. With only ads (p) and mean-field word of mouth (q x) switched on,
this is exactly the discrete Bass recursion.
"""

from __future__ import annotations

import numpy as np

from sim.market import Market, draw_days
from sim.moments import Moment
from sim.sources import Source

LEAD_GAIN_OF_TRIGGER = float(np.finfo(np.float32).max)
"""A journey started by a branded stimulus (an ad, a friend's message, an influencer's post, a
referral) is credited to it; research decides the credit only for journeys people start on their
own (their need), as "what brought them in" is read in marketing attribution."""


def start_journeys(market: Market, rng: np.random.Generator) -> None:
    """Apply today's stimuli to units at <ZMOT; started units go to ZMOT."""
    units = market.units
    waiting = np.flatnonzero(units.moment == Moment.PRE_ZMOT)
    if len(waiting) == 0:
        return
    stimuli = market.today
    broad = stimuli.broad.ravel()
    cumulative = np.cumsum(broad)
    need = units.need_rate[waiting].astype(np.float64)
    draw = rng.random(len(waiting))
    started = draw < need + cumulative[-1]
    who, draw, need = waiting[started], draw[started], need[started]
    from_need = draw < need
    cell = np.searchsorted(cumulative, draw - need, side="right")
    cell = np.minimum(cell, len(broad) - 1)
    source = np.where(from_need, int(Source.NEED), cell // market.brands.n)
    brand = np.where(from_need, -1, cell % market.brands.n)
    begin_research(market, who, source, brand, rng)
    apply_nudges(market, rng)


def apply_nudges(market: Market, rng: np.random.Generator) -> None:
    """Each targeted nudge to a person whose unit is still at <ZMOT starts it with its chance."""
    people, brands, sources, chances = market.today.targeted()
    if len(people) == 0:
        return
    unit = market.people.unit[people]
    hit = (market.units.moment[unit] == Moment.PRE_ZMOT) & (rng.random(len(people)) < chances)
    unit, index = np.unique(unit[hit], return_index=True)
    begin_research(market, unit, sources[hit][index], brands[hit][index], rng)


def begin_research(
    market: Market,
    who: np.ndarray,
    source: np.ndarray,
    brand: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Start journeys: count the trigger, note what led the unit in, move it to ZMOT."""
    if len(who) == 0:
        return
    units, people = market.units, market.people
    for s in np.unique(source):
        market.daily.add(f"triggered_{Source(int(s)).key}", int((source == s).sum()))
    branded = brand >= 0
    buyers = units.start[who[branded]]
    people.aware[buyers, brand[branded]] = True
    focal = branded & (brand == 0)
    units.lead_source[who] = np.where(focal, source, int(Source.NEED))
    units.lead_gain[who] = np.where(focal, LEAD_GAIN_OF_TRIGGER, 0.0)
    days = draw_days(rng, market.scenario.research.mean_days, len(who))
    market.move(who, Moment.ZMOT, days)
