"""SMOT: delivery, use, onboarding and service turn into private ratings.

Expectation-confirmation (Oliver 1980): an end user's private rating (1-5 stars) is the brand's
quality plus personal noise, less penalties for a late or damaged delivery and an unresolved
problem, plus a service-recovery bonus when a problem was resolved, plus or minus onboarding in
B2B. A unit's satisfaction is its end users' mean rating; the buyer hears it from them.
"""

from __future__ import annotations

import numpy as np

from sim.feedback import give_feedback
from sim.keyed_draws import KeyedDraws
from sim.market import Market
from sim.moments import Moment
from sim.population import Flag, Role
from sim.shelf import record_churn


def finish_experience(market: Market, draws: KeyedDraws) -> None:
    """Units whose SMOT ends today: service, returns, ratings; then UMOT.

    Draws are keyed by unit (service, returns) or person (ratings) and the day.
    """
    due = market.units_due(Moment.SMOT)
    if len(due) == 0:
        return
    contact_service(market, due, draws)
    returned = decide_returns(market, due, draws)
    ratings, members, position = rate_experience(market, due, draws)
    brand = market.units.chosen[due].astype(np.int64)
    learn_from_experience(market, members, brand[position], ratings)
    give_feedback(market, due, members, position, ratings, draws)
    market.units.brand[due[returned]] = -1
    market.move(due, Moment.UMOT, np.rint(market.scenario.feedback.feedback_days))


def contact_service(market: Market, due: np.ndarray, draws: KeyedDraws) -> None:
    """Customers with a problem or damage may contact service, which may resolve it."""
    units, brands = market.units, market.brands
    brand = units.chosen[due]
    trouble = (units.flags[due] & (Flag.PROBLEM | Flag.DAMAGED)) > 0
    open_ = trouble & ((units.flags[due] & Flag.RESOLVED) == 0)
    rows = np.flatnonzero(open_)  # only these draw: a quiet day costs no hashing
    u = draws.columns("service", market.day, due[rows], 2)
    reported = u[:, 0] < brands.p_contact_service[brand[rows]]
    fixed = reported & (u[:, 1] < brands.p_service_resolves[brand[rows]])
    units.flags[due[rows[fixed]]] |= np.uint8(Flag.RESOLVED)
    focal = brand == 0
    market.daily.add(
        "resolved", int((trouble & focal & ((units.flags[due] & Flag.RESOLVED) > 0)).sum())
    )


def decide_returns(market: Market, due: np.ndarray, draws: KeyedDraws) -> np.ndarray:
    """Unresolved trouble may end in a return: refund, and the unit no longer owns the brand."""
    units = market.units
    flags = units.flags[due]
    unresolved = ((flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0) & ((flags & Flag.RESOLVED) == 0)
    p_return = market.scenario.experience.p_return_if_unresolved
    returned = draws.bernoulli_where(unresolved, p_return, "return", market.day, due)
    units.flags[due[returned]] |= np.uint8(Flag.RETURNED)
    focal = returned & (units.chosen[due] == 0)
    market.daily.add("returns", int(focal.sum()))
    market.daily.add("revenue_usd", -float(market.brands.price[0] * focal.sum()))
    lost = due[focal]
    record_churn(market, lost)
    return returned


def rate_experience(
    market: Market, due: np.ndarray, draws: KeyedDraws
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Private ratings of every member: end users rate their own use; others take the unit mean."""
    units, brands, people = market.units, market.brands, market.people
    exp = market.scenario.experience
    members, position = market.members(due)
    brand = units.chosen[due][position]
    flags = units.flags[due][position]
    resolved = (flags & Flag.RESOLVED) > 0
    noise = draws.normal("rating", market.day, members)
    latent = brands.quality[brand] + brands.satisfaction_sd[brand] * noise
    latent -= exp.penalty_late * ((flags & Flag.LATE) > 0)
    latent -= exp.penalty_damaged * (((flags & Flag.DAMAGED) > 0) & ~resolved)
    latent -= exp.penalty_problem * (((flags & Flag.PROBLEM) > 0) & ~resolved)
    latent += exp.recovery_bonus * (((flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0) & resolved)
    if market.scenario.population.market == "b2b":
        onboarded = draws.bernoulli(brands.p_onboarded[brand], "onboarded", market.day, members)
        latent += np.where(onboarded, exp.onboarding_gain, -exp.onboarding_gain)
    user = (people.role[members] & Role.END_USER) > 0
    total = np.bincount(position, weights=latent * user, minlength=len(due))
    count = np.bincount(position, weights=user, minlength=len(due))
    mean = np.clip(total / np.maximum(count, 1), 1.0, 5.0)
    units.satisfaction[due] = mean
    own = np.where(user, latent, mean[position])
    ratings = np.clip(np.rint(own), 1, 5).astype(np.int8)
    people.rating[members] = ratings
    np.add.at(brands.private_stars, (brand, ratings.astype(np.int64) - 1), 1)
    market.daily.add("experiences", int((units.chosen[due] == 0).sum()))
    return ratings, members, position


def learn_from_experience(
    market: Market, members: np.ndarray, brand: np.ndarray, ratings: np.ndarray
) -> None:
    """Own experience moves each member's attitude toward the brand used."""
    weight = market.scenario.experience.weight_own_experience
    market.people.attitude[members, brand] += (weight * (ratings - 3.0) / 2.0).astype(np.float32)
    market.people.aware[members, brand] = True
