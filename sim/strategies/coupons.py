"""Discount codes: a price cut one person holds for a while, felt at the shelf.

Why a helper: a referral programme's reward to the friend and a win-back offer are both money
off the next purchase, valid for some days. The shelf (`sim.journey.shelf`) weighs price as
`price_sensitivity` x log2(price / mean price) and attitude as `weight_attitude` x attitude, so
a discount d on price p moves a holder's utility for the brand as much as an attitude of

    price_sensitivity x log2(p / (p - d)) / weight_attitude

(the showrooming multiplier left out: a code is held, not looked up). A code adds that attitude
(through `expose`, so the holder also knows the brand) and takes it back when it is used or
expires: its pull lasts exactly as long as the code.
"""

from __future__ import annotations

import math

import numpy as np

from sim.journey.exposure import expose
from sim.market.state import Market
from sim.strategies.base import Calendar


def discount_attitude(market: Market, brand: int, discount_usd: float) -> float:
    """The attitude worth as much at the shelf as paying `discount_usd` less for `brand`."""
    choice = market.scenario.choice
    price = float(market.brands.price[brand])
    paid = max(price - discount_usd, 0.01 * price)  # a code never makes the product free
    if choice.weight_attitude == 0:
        return 0.0
    return choice.price_sensitivity * math.log2(price / paid) / choice.weight_attitude


class Coupons:
    """Codes held per person for one brand: who holds one, its pull and its last valid day."""

    def __init__(self, n_people: int, brand: int) -> None:
        self.brand = brand
        self.until = np.full(n_people, -1, dtype=np.int64)
        self.gain = np.zeros(n_people, dtype=np.float32)
        self.expiries = Calendar()

    def holding(self, people: np.ndarray, day: int) -> np.ndarray:
        """True for people who hold a valid code today."""
        return self.until[people] >= day

    def grant(self, market: Market, people: np.ndarray, gain: float, valid_days: int) -> np.ndarray:
        """Give a code to each person who holds none (duplicates count once); returns them."""
        people = np.unique(people)
        people = people[~self.holding(people, market.day)]
        if len(people) == 0 or gain <= 0:
            return people
        last = market.day + valid_days
        self.until[people] = last
        self.gain[people] = np.float32(gain)
        expose(market, people, self.brand, self.gain[people])
        self.expiries.schedule(np.full(len(people), last + 1), people)
        return people

    def withdraw(self, market: Market, people: np.ndarray) -> None:
        """Codes used or expired: their pull at the shelf goes."""
        people = np.unique(people)
        people = people[self.until[people] >= 0]
        market.people.attitude[people, self.brand] -= self.gain[people]
        self.until[people] = -1
        self.gain[people] = 0.0

    def expire(self, market: Market) -> None:
        """Withdraw the codes whose last valid day was yesterday (re-granted ones stay)."""
        due = self.expiries.pop(market.day)
        self.withdraw(market, due[self.until[due] == market.day - 1])
