"""People and buying units as columns: one row per person, one row per buying unit.

A buying unit is the buyer (decides and pays), influencers (sway the choice) and end users (live
with the product). In B2C one person holds all three roles; in B2B a buying centre has several
people (Webster & Wind 1972). Members of a unit are contiguous rows, so unit u owns the people
`start[u] : start[u] + size[u]` and its buyer is `start[u]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

import numpy as np

from sim.market.moments import Moment
from sim.market.sources import Source
from sim.scenario.settings import Scenario


class Role(IntFlag):
    """Roles in a buying unit; a B2C consumer holds all three."""

    BUYER = 1
    INFLUENCER = 2
    END_USER = 4


class Flag(IntFlag):
    """What happened to a unit's current purchase at SMOT."""

    PROBLEM = 1
    LATE = 2
    DAMAGED = 4
    RESOLVED = 8
    RETURNED = 16
    REVIEWED = 32


@dataclass
class People:
    """Per-person columns."""

    unit: np.ndarray  # int32: the buying unit a person belongs to
    role: np.ndarray  # uint8: Role bits
    age_group: np.ndarray  # uint8: index into the scenario's age groups
    attitude: np.ndarray  # float32 (people, brands): liking, 0 = neutral
    aware: np.ndarray  # bool (people, brands)
    rating: np.ndarray  # int8: private rating 1-5 of the last experience, 0 = none
    stance: np.ndarray  # int8: +1 advocate, -1 critic, 0 neither
    stance_brand: np.ndarray  # int8: the brand the stance is about, -1 none
    talk_until: np.ndarray  # int32: last day of the active feedback window
    rejected: np.ndarray  # bool (people, brands): ruled the brand out for good after bad news

    @property
    def n(self) -> int:
        """Number of people."""
        return len(self.unit)


@dataclass
class Units:
    """Per-buying-unit columns: the journey state."""

    start: np.ndarray  # int64: first member (the buyer)
    size: np.ndarray  # int16: members
    moment: np.ndarray  # int8: Moment
    until: np.ndarray  # int32: day the current moment ends
    need_rate: np.ndarray  # float32: daily chance a latent need activates
    brand: np.ndarray  # int8: brand owned, -1 none
    chosen: np.ndarray  # int8: brand of the purchase in progress, -1 none
    flags: np.ndarray  # uint8: Flag bits of the current purchase
    satisfaction: np.ndarray  # float32: mean private rating of the last experience, 0 = none
    lead_source: np.ndarray  # int8: Source with the largest pull toward the focal brand
    lead_gain: np.ndarray  # float32: that pull
    acquired_day: np.ndarray  # int32: day of the first focal purchase, -1 never
    churn_day: np.ndarray  # int32: day a focal customer first left, -1 never
    p_leave: np.ndarray  # float32: own chance of leaving the category when the need recurs
    focal_purchases: np.ndarray  # int16

    @property
    def n(self) -> int:
        """Number of buying units."""
        return len(self.start)


def unit_sizes(scenario: Scenario) -> np.ndarray:
    """Members per unit: 1 in B2C; buyer + influencers + end users in B2B (last unit may be short)."""
    pop = scenario.population
    n = pop.n_consumers
    if pop.market == "b2c":
        return np.ones(n, dtype=np.int16)
    full = 1 + pop.influencers_per_unit + pop.end_users_per_unit
    n_full, rest = divmod(n, full)
    sizes = np.full(n_full + (rest > 0), full, dtype=np.int16)
    if rest:
        sizes[-1] = rest
    return sizes


def roles_for(sizes: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Role bits for every person, unit by unit."""
    if scenario.population.market == "b2c":
        return np.full(int(sizes.sum()), Role.BUYER | Role.INFLUENCER | Role.END_USER, np.uint8)
    rank = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    n_infl = scenario.population.influencers_per_unit
    role = np.where(rank == 0, int(Role.BUYER), 0)
    role = np.where((rank >= 1) & (rank <= n_infl), int(Role.INFLUENCER), role)
    role = np.where(rank > n_infl, int(Role.END_USER), role)
    # a unit too small for an end user: its buyer uses the product too
    lone = np.repeat(sizes <= n_infl + 1, sizes) & (rank == 0)
    return (role | np.where(lone, int(Role.END_USER), 0)).astype(np.uint8)


def build_people(scenario: Scenario, sizes: np.ndarray, rng: np.random.Generator) -> People:
    """People with their roles, age groups and initial awareness."""
    n = int(sizes.sum())
    brands = scenario.brand_names
    shares = np.array([g.share for g in scenario.population.age_groups.values()])
    aware_share = np.array([scenario.brands[b].initial_awareness for b in brands])
    return People(
        unit=np.repeat(np.arange(len(sizes), dtype=np.int32), sizes),
        role=roles_for(sizes, scenario),
        age_group=rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.uint8),
        attitude=np.zeros((n, len(brands)), dtype=np.float32),
        aware=rng.random((n, len(brands))) < aware_share,
        rating=np.zeros(n, dtype=np.int8),
        stance=np.zeros(n, dtype=np.int8),
        stance_brand=np.full(n, -1, dtype=np.int8),
        talk_until=np.full(n, -1, dtype=np.int32),
        rejected=np.zeros((n, len(brands)), dtype=bool),
    )


def build_units(scenario: Scenario, sizes: np.ndarray, rng: np.random.Generator) -> Units:
    """Units on day 0: existing customers of each brand in the loyalty loop, the rest at <ZMOT."""
    m = len(sizes)
    pop = scenario.population
    mean_rate = pop.p_need_daily
    shape = pop.need_heterogeneity
    need_rate = rng.gamma(shape, mean_rate / shape, size=m) if mean_rate > 0 else np.zeros(m)
    units = Units(
        start=(np.cumsum(sizes) - sizes).astype(np.int64),
        size=sizes,
        moment=np.full(m, Moment.PRE_ZMOT, dtype=np.int8),
        until=np.zeros(m, dtype=np.int32),
        need_rate=np.minimum(need_rate, 1.0).astype(np.float32),
        brand=np.full(m, -1, dtype=np.int8),
        chosen=np.full(m, -1, dtype=np.int8),
        flags=np.zeros(m, dtype=np.uint8),
        satisfaction=np.zeros(m, dtype=np.float32),
        lead_source=np.full(m, Source.NEED, dtype=np.int8),
        lead_gain=np.zeros(m, dtype=np.float32),
        acquired_day=np.full(m, -1, dtype=np.int32),
        churn_day=np.full(m, -1, dtype=np.int32),
        p_leave=leave_chances(scenario, m, rng),
        focal_purchases=np.zeros(m, dtype=np.int16),
    )
    seed_customers(units, scenario, rng)
    return units


BASE_RATING = 4
"""Private rating of the existing customer base on day 0 (assumption: the base is content)."""


def leave_chances(scenario: Scenario, m: int, rng: np.random.Generator) -> np.ndarray:
    """Each unit's chance of leaving at a recurring need: Beta(a, b) with the settings' mean and
    polarisation 1/(a+b+1) (Fader & Hardie 2007); all equal (and no draws) when polarisation is 0."""
    mean, polarisation = scenario.loyalty.p_leave_category, scenario.loyalty.leave_polarisation
    if polarisation <= 0 or mean <= 0 or mean >= 1:
        return np.full(m, mean, dtype=np.float32)
    concentration = (1 - polarisation) / polarisation
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=m).astype(np.float32)


def seed_customers(units: Units, scenario: Scenario, rng: np.random.Generator) -> None:
    """Place each brand's initial customers in the loyalty loop with a random time to next need."""
    shares = [scenario.brands[b].initial_share for b in scenario.brand_names]
    draw = rng.random(units.n)
    edges = np.cumsum(shares)
    owner = np.searchsorted(edges, draw, side="right")
    customer = owner < len(shares)
    units.brand[customer] = owner[customer]
    units.moment[customer] = Moment.LOYALTY
    units.satisfaction[customer] = BASE_RATING
    units.acquired_day[owner == 0] = 0  # the focal brand's existing base: the day-0 cohort
    units.until[customer] = days_to_next_need(scenario, int(customer.sum()), rng)


def days_to_next_need(scenario: Scenario, n: int, rng: np.random.Generator) -> np.ndarray:
    """Days until each initial customer's need recurs, drawn as in a market that has been
    running for a while (the stationary residual time), so that the base does not come back
    to the shelf in one synchronised wave: memoryless cycles leave a geometric residual with
    the cycle's own mean; fixed cycles a uniform one over the cycle. Never, for cycle 0."""
    cycle = scenario.loyalty.repurchase_days
    if cycle <= 0:
        return np.full(n, np.iinfo(np.int32).max, dtype=np.int64)
    if scenario.loyalty.fixed_cycle:
        return rng.integers(1, int(cycle) + 1, size=n)
    return rng.geometric(min(1.0 / cycle, 1.0), size=n)


def seed_base_opinions(people: People, units: Units, weight_own_experience: float) -> None:
    """Members of day-0 customer units know their brand and liked it (rating `BASE_RATING`)."""
    owner = np.repeat(units.brand, units.size).astype(np.int64)
    members = np.flatnonzero(owner >= 0)
    brand = owner[members]
    people.aware[members, brand] = True
    people.attitude[members, brand] = weight_own_experience * (BASE_RATING - 3) / 2
    people.rating[members] = BASE_RATING
    people.stance[members] = 1
    people.stance_brand[members] = brand
