"""SMOT: delivery, use, onboarding and service turn into private ratings.

Expectation-confirmation (Oliver 1980): an end user's private rating (1-5 stars) is the brand's
quality plus personal noise, less penalties for a late or damaged delivery and an unresolved
problem, plus a service-recovery bonus when a problem was resolved, plus or minus onboarding in
B2B. A unit's satisfaction is its end users' mean rating; the buyer hears it from them.
"""

from __future__ import annotations

import numpy as np

from sim.journey.decisions import Experience
from sim.journey.feedback import give_feedback
from sim.journey.shelf import record_churn
from sim.market.keyed_draws import KeyedDraws, normal
from sim.market.moments import Moment
from sim.market.population import Flag, Role
from sim.market.state import Market


def finish_experience(market: Market, draws: KeyedDraws) -> None:
    """Units whose SMOT ends today: service, returns, ratings; then UMOT.

    Draws are keyed by unit (service, returns) or person (ratings) and the day; only units
    with open trouble draw for service and returns (three numbers each, in one call).
    """
    due = market.units_due(Moment.SMOT)
    if len(due) == 0:
        return
    flags = market.units.flags[due]
    trouble = (flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0
    rows = (trouble & ((flags & Flag.RESOLVED) == 0)).nonzero()[0]
    u = draws.columns("service", market.day, due[rows], 3)  # contact, resolves, return
    contact_service(market, due, trouble, due[rows], u[:, :2])
    returned = np.zeros(len(due), dtype=bool)
    returned[rows] = decide_returns(market, due[rows], u[:, 2])
    ratings, members, position, u_review = rate_experience(market, due, draws)
    brand = market.units.chosen[due].astype(np.int64)
    learn_from_experience(market, members, brand[position], ratings)
    give_feedback(market, due, members, position, ratings, u_review)
    market.units.brand[due[returned]] = -1
    market.move(due, Moment.UMOT, np.rint(market.scenario.feedback.feedback_days))


def contact_service(
    market: Market, due: np.ndarray, trouble: np.ndarray, open_: np.ndarray, u: np.ndarray
) -> None:
    """Customers with an open problem or damage (`open_`, units) may contact service, which
    may resolve it; `u` holds their two uniforms (contact, resolves)."""
    units, brands = market.units, market.brands
    brand = units.chosen[open_]
    fixed = (u[:, 0] < brands.p_contact_service[brand]) & (
        u[:, 1] < brands.p_service_resolves[brand]
    )
    units.flags[open_[fixed]] |= np.uint8(Flag.RESOLVED)
    resolved = (units.flags[due] & Flag.RESOLVED) > 0
    market.daily.add("resolved", np.count_nonzero(trouble & (units.chosen[due] == 0) & resolved))


def decide_returns(market: Market, open_: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Trouble still unresolved after service may end in a return: refund, and the unit no
    longer owns the brand. `open_` are the units that had open trouble, `u` a uniform each."""
    units = market.units
    unresolved = (units.flags[open_] & Flag.RESOLVED) == 0
    returned = unresolved & (u < market.scenario.experience.p_return_if_unresolved)
    units.flags[open_[returned]] |= np.uint8(Flag.RETURNED)
    focal = returned & (units.chosen[open_] == 0)
    market.daily.add("returns", np.count_nonzero(focal))
    market.daily.add("revenue_usd", -float(market.brands.price[0] * focal.sum()))
    record_churn(market, open_[focal])
    return returned


def rate_experience(
    market: Market, due: np.ndarray, draws: KeyedDraws
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Private ratings of every member: end users rate their own use; others take the unit mean.

    Returns (ratings, members, position of each member's unit in `due`, a uniform per member
    for posting a review: drawn here, with the rating's numbers, to save a hash call).
    """
    units, brands, people = market.units, market.brands, market.people
    exp = market.scenario.experience
    members, position = market.members(due)
    brand = units.chosen[due][position]
    flags = units.flags[due][position]
    resolved = (flags & Flag.RESOLVED) > 0
    b2b = market.scenario.population.market == "b2b"
    u = draws.columns("rating", market.day, members, 4 if b2b else 3)  # noise, review, onboarded
    noise = normal(u[:, 0], u[:, 1])
    latent = brands.quality[brand] + brands.satisfaction_sd[brand] * noise
    latent -= exp.penalty_late * ((flags & Flag.LATE) > 0)
    latent -= exp.penalty_damaged * (((flags & Flag.DAMAGED) > 0) & ~resolved)
    latent -= exp.penalty_problem * (((flags & Flag.PROBLEM) > 0) & ~resolved)
    latent += exp.recovery_bonus * (((flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0) & resolved)
    onboarded = u[:, 3] < brands.p_onboarded[brand] if b2b else None
    if b2b:
        latent += np.where(onboarded, exp.onboarding_gain, -exp.onboarding_gain)
    user = (people.role[members] & Role.END_USER) > 0
    if "rate" in market.deciders:  # end users of a class that rates itself
        rate_per_agent(
            market,
            members[user],
            brand[user],
            flags[user],
            noise[user],
            None if onboarded is None else onboarded[user],
            latent,
            user,
        )
    total = np.bincount(position, weights=latent * user, minlength=len(due))
    count = np.bincount(position, weights=user, minlength=len(due))
    mean = np.clip(total / np.maximum(count, 1), 1.0, 5.0)
    units.satisfaction[due] = mean
    own = np.where(user, latent, mean[position])
    ratings = np.clip(np.rint(own), 1, 5).astype(np.int8)
    people.rating[members] = ratings
    np.add.at(brands.private_stars, (brand, ratings.astype(np.int64) - 1), 1)
    market.daily.add("experiences", np.count_nonzero(units.chosen[due] == 0))
    return ratings, members, position, u[:, 2]


def rate_per_agent(market, users, brand, flags, noise, onboarded, latent, user) -> None:
    """Replace the latent rating of end users whose class rates itself (`EndUser.rate`), given
    the experience and the normal draw the vectorised rule used; `latent` changes in place."""
    deciders, brands, exp = market.deciders["rate"], market.brands, market.scenario.experience
    where = np.flatnonzero(user)
    for k in deciders.positions(users):
        b = int(brand[k])
        resolved = bool(flags[k] & Flag.RESOLVED)
        onboarding = None
        if onboarded is not None:
            onboarding = exp.onboarding_gain if onboarded[k] else -exp.onboarding_gain
        view = Experience(
            brand=brands.names[b],
            quality=float(brands.quality[b]),
            satisfaction_sd=float(brands.satisfaction_sd[b]),
            noise=float(noise[k]),
            late=bool(flags[k] & Flag.LATE),
            damaged=bool(flags[k] & Flag.DAMAGED),
            problem=bool(flags[k] & Flag.PROBLEM),
            resolved=resolved,
            penalty_late=exp.penalty_late,
            penalty_damaged=exp.penalty_damaged,
            penalty_problem=exp.penalty_problem,
            recovery_bonus=exp.recovery_bonus,
            onboarding=onboarding,
        )
        rating = float(deciders.agent(users[k]).rate(view))
        if not np.isfinite(rating):
            raise ValueError(f"rate() returned {rating!r}; a rating is a finite number")
        latent[where[k]] = rating


def learn_from_experience(
    market: Market, members: np.ndarray, brand: np.ndarray, ratings: np.ndarray
) -> None:
    """Own experience moves each member's attitude toward the brand used."""
    weight = market.scenario.experience.weight_own_experience
    market.people.attitude[members, brand] += (weight * (ratings - 3.0) / 2.0).astype(np.float32)
    market.people.aware[members, brand] = True
