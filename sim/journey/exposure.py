"""Exposure: the one way a person meets a brand's message, whoever sends it.

An ad seen, an influencer's post, a friend's referral code, a word-of-mouth message and a
brand's e-mail all do the same two things (Lavidge & Steiner 1961: awareness comes before
liking): the person learns the brand exists and their attitude toward it moves by the message's
gain. Repeated exposures add up: a person who hears two friends on one day, or is picked twice
for a referral, gains twice (`np.add.at`; plain fancy-index `+=` would count them once). Whether
an exposure also starts a journey is the sender's business (a trigger chance on `market.today`
or `market.tomorrow`), since ads act as a broad hazard and messages as targeted nudges.
"""

from __future__ import annotations

import numpy as np

from sim.market.state import Market


def expose(
    market: Market, people: np.ndarray, brand: int | np.ndarray, gain: float | np.ndarray
) -> None:
    """People (one row per exposure, repeats allowed) learn `brand` and like it `gain` more.

    `brand` and `gain` are one value or one per row; gains are applied in the attitude's float32,
    so one exposure of a unique person gives the same bits as `attitude[people, brand] += gain`."""
    if len(people) == 0:
        return
    attitude = market.people.attitude
    np.add.at(attitude, (people, brand), np.asarray(gain, dtype=attitude.dtype))
    market.people.aware[people, brand] = True
