"""Decisions an agent class may take over: what the decider sees, and who decides.

The day's rules decide for whole cohorts at once (numpy). A researcher who subclasses a role
(`sim.agents.Buyer`, ...) and overrides one decision method gets that method called, per
agent, for the people of that class, with the same inputs and the same keyed random numbers
the vectorised rule used for them; everyone else keeps the vectorised rule. With no custom
class in the market nothing here runs (`market.deciders` is empty).

Each view is a plain snapshot for one decision: reading it costs nothing of the engine, and
writing to it changes nothing (change the agent's attributes instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

DECISIONS: tuple[str, ...] = ("research", "choose", "rebuy_or_switch", "rate", "review", "talk")
"""The decision methods the engine calls per agent when a class overrides them."""

NeedPath = Literal["rebuy", "research", "leave"]
"""What a customer does when the need recurs: straight to the shelf, research again, or leave
the category."""


@dataclass(frozen=True)
class Consultation:
    """One source consulted at ZMOT, and what it says about each brand."""

    source: str
    """The source's key (`search`, `review_sites`, `marketplace`, `friends`, ...)."""
    found: dict[str, bool]
    """Whether the source showed each brand (a brand not found says nothing)."""
    gain: dict[str, float]
    """What the source says, as the market weighs it: the attitude change toward each brand
    (reviews' pull on review sites and marketplaces, presence, an FAQ answered or not, a
    friend's stance)."""


@dataclass(frozen=True)
class Research:
    """ZMOT for one researcher today: the sources consulted, in order."""

    consultations: tuple[Consultation, ...]


@dataclass(frozen=True)
class Offer:
    """One brand on the shelf, as one buyer sees it today."""

    brand: str
    aware: bool
    """The buying unit knows the brand (the buyer or, in B2B, any influencer)."""
    attitude: float
    """The unit's liking of the brand (B2B: the buyer's blended with the influencers')."""
    price_usd: float
    relative_price: float
    """log2(price / the mean price of the brands): -1 is half the average, +1 double."""
    shelf_quality: float
    mean_rating: float
    """The public star rating (3.0 before the first review)."""
    review_count: int
    owned: bool
    """The unit owns this brand now (a repurchase)."""
    rejected: bool
    """The buyer ruled this brand out for good after bad news."""
    in_stock: bool = True
    """The brand is on the shelf today (`brands.<b>.in_stock`); out of stock it cannot be bought."""


@dataclass(frozen=True)
class Shelf:
    """FMOT for one buyer: the offers, the market's choice weights and today's draws."""

    offers: tuple[Offer, ...]
    walk_away_utility: float
    weight_attitude: float
    price_weight: float
    """Price sensitivity today (higher when showrooming)."""
    weight_shelf: float
    owned_brand_pull: float
    showrooming: bool
    """Checking prices on a phone in the store today (a keyed draw)."""
    noise: tuple[float, ...]
    """Gumbel noise per option, walk-away first: the random part of a logit choice (keyed by
    the unit and the day, as the vectorised rule draws it)."""


@dataclass(frozen=True)
class RecurringNeed:
    """The loyalty loop for one customer whose need recurs today."""

    brand: str | None
    """The brand the unit owns (None: none)."""
    satisfaction: float
    """Mean private rating (1-5) of the last experience; 0 = none."""
    p_leave: float
    """This unit's own chance of leaving the category at a recurring need."""
    p_rebuy_direct: float
    """The market's chance of going straight to the shelf at this satisfaction."""
    u_leave: float
    """Today's keyed uniform for leaving."""
    u_rebuy: float
    """Today's keyed uniform for rebuying directly."""


@dataclass(frozen=True)
class Experience:
    """SMOT for one end user: what the product and its delivery brought."""

    brand: str
    quality: float
    """The brand's mean rating of a trouble-free experience (1-5)."""
    satisfaction_sd: float
    """How much experiences vary between people."""
    noise: float
    """This person's standard normal draw for today's experience (keyed by person and day)."""
    late: bool
    damaged: bool
    problem: bool
    resolved: bool
    """Service fixed the damage or problem."""
    penalty_late: float
    penalty_damaged: float
    penalty_problem: float
    recovery_bonus: float
    onboarding: float | None
    """B2B: +gain if the unit was onboarded, -gain if not; None in B2C."""


@dataclass(frozen=True)
class ReviewChance:
    """UMOT for one person: whether to post a review of the experience just rated."""

    brand: str
    stars: int
    """The private rating (1-5) the review would carry."""
    chance: float
    """The market's posting chance for these stars, after the brand's strategies."""
    u: float
    """Today's keyed uniform for posting."""


@dataclass(frozen=True)
class Conversation:
    """Word of mouth for one talker today."""

    brand: str
    valence: int
    """+1 advocate, -1 critic."""
    fresh: bool
    """Within the feedback window after an experience (else an owner talking at a low rate)."""
    rate: float
    """The market's expected messages today for this talker."""
    u: float
    """Today's keyed uniform for the number of messages (`poisson_quantile(u, rate)`)."""


@dataclass
class Deciders:
    """The people whose class overrides one decision: sorted person rows and their agents."""

    rows: np.ndarray
    agents: list

    def positions(self, deciding_people: np.ndarray) -> np.ndarray:
        """Positions in `deciding_people` that belong to a custom decider."""
        return np.flatnonzero(np.isin(deciding_people, self.rows))

    def agent(self, row: int):
        """The agent of one person row."""
        return self.agents[int(np.searchsorted(self.rows, row))]
