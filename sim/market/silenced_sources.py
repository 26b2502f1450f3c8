"""Silenced sources: a brand's touches through some sources have no effect on anyone.

Why: the ground truth of attribution is what a brand would lose without a channel, measured
by running the same market twice on the same random numbers, once with the channel switched
off (`sim.attribution.incrementality`). For strategies the switch exists (`enabled = false`);
for the organic channels (reviews, search, word of mouth, ...) a brand lists the sources to
silence in `brands.<brand>.silenced_sources` (default none, which changes nothing):

- a research source (search, social video, marketplace, review sites, brand site, friends,
  influencer content): consulting it finds nothing about the brand and moves no attitude
  toward it (the consultation still happens and makes the same draws);
- word of mouth: nobody talks about the brand, so no message or post about it is heard and
  none starts a journey;
- negative word of mouth: the brand's critics are unheard, its advocates still talk (the
  counterfactual of Goldenberg et al.'s 2007 "NPV of bad news": what the brand's bad news
  costs it, with the rival's bad news unchanged).

A source is silenced from the first day of the measured window, when strategies switch on
too: the warm-up is the same market in every arm, and the paired difference is what the window
loses. The journey rules call `silence_consultations` and `unsilenced`; both are free when no
brand silences anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.market.sources import Source

if TYPE_CHECKING:
    from sim.market.state import Market


def silenced_table(market: Market) -> np.ndarray | None:
    """(sources, brands): True where the brand is silenced today; None when nothing is (the
    fast path, and every day of the warm-up). Read-only: made once per scenario."""
    if market.day < market.window_start:
        return None
    return silenced_by(market)[0]


def silenced_by(market: Market) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(`silenced_table`, per brand whether its critics are unheard), or None for either when
    nothing is silenced; read from the scenario once, not on each of a day's calls (the
    scenario is replaced, not changed, when a window opens on new settings)."""
    scenario, tables = market.silenced
    if scenario is market.scenario:
        return tables
    brands = [market.scenario.brands[name] for name in market.scenario.brand_names]
    keys = [[k for k in b.silenced_sources if k != "negative_word_of_mouth"] for b in brands]
    table = None
    if any(keys):
        table = np.zeros((len(Source), len(brands)), dtype=bool)
        for column, brand_keys in enumerate(keys):
            for key in brand_keys:
                table[Source[key.upper()], column] = True
        table.flags.writeable = False
    critics = np.array(["negative_word_of_mouth" in b.silenced_sources for b in brands])
    tables = table, (critics if critics.any() else None)
    market.silenced = (market.scenario, tables)
    return tables


def silence_consultations(
    market: Market, source: np.ndarray, gain: np.ndarray, found: np.ndarray
) -> None:
    """Consultations (rows) of a silenced source find nothing about the silenced brands
    (columns) and move no attitude toward them; `gain` and `found` change in place."""
    table = silenced_table(market)
    if table is None:
        return
    off = table[source]
    gain[off] = 0.0
    found[off] = False


def unsilenced(market: Market, source: Source, brand: np.ndarray) -> np.ndarray | bool:
    """Per entry of `brand`: whether `source` still works for that brand (True when no brand
    silences anything, so callers can `&` it in at no cost)."""
    table = silenced_table(market)
    if table is None:
        return True
    return ~table[int(source), np.asarray(brand, dtype=np.int64)]


def negative_unsilenced(market: Market, brand: np.ndarray) -> np.ndarray | bool:
    """Per entry of `brand`: whether critics of that brand are heard (True when no brand
    silences its negative word of mouth, so callers can `|` it in at no cost)."""
    if market.day < market.window_start:
        return True
    silenced = silenced_by(market)[1]
    if silenced is None:
        return True
    return ~silenced[np.asarray(brand, dtype=np.int64)]
