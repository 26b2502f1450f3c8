"""SMOT: delivery, use, onboarding and service turn into private ratings.

Expectation-confirmation (Oliver 1980): an end user's private rating (1-5 stars) is the brand's
quality plus personal noise, less penalties for a late or damaged delivery and an unresolved
problem, plus a service-recovery bonus when a problem was resolved, plus or minus onboarding in
B2B. A unit's satisfaction is its end users' mean rating; the buyer hears it from them.
"""

from __future__ import annotations

import numpy as np

from sim.journey import kernels
from sim.journey.decisions import Experience
from sim.journey.feedback import post_reviews
from sim.market.keyed_draws import KeyedDraws, normal
from sim.market.moments import Moment
from sim.market.population import Flag
from sim.market.state import Market


def finish_experience(market: Market, draws: KeyedDraws) -> None:
    """Units whose SMOT ends today: service, returns, ratings; then UMOT.

    Draws are keyed by unit (service, returns) or person (ratings) and the day; only units
    with open trouble draw for service and returns (three numbers each, in one call).
    """
    due = market.units_due(Moment.SMOT)
    if len(due) == 0:
        return
    returned = serve_and_return(market, due, draws.stream_key("service", market.day))
    ratings, members, brand, u_review = rate_experience(market, due, draws)
    post_reviews(market, members, brand, ratings, u_review)
    market.units.brand[due[returned]] = -1
    market.move(due, Moment.UMOT, np.rint(market.scenario.feedback.feedback_days))


def serve_and_return(market: Market, due: np.ndarray, key: np.uint64):
    """Customers with open trouble may contact service, which may resolve it; trouble still
    unresolved may end in a return: refund, and the unit no longer owns the brand. Each open
    unit draws three uniforms (contact, resolves, return) on the stream `key`; returns whether
    each unit of `due` was returned (one compiled pass, `kernels.serve_open_trouble`: finding
    the open units, their draws and the service were three calls)."""
    units, brands, daily = market.units, market.brands, market.daily
    chances = (
        brands.p_contact_service,
        brands.p_service_resolves,
        float(market.scenario.experience.p_return_if_unresolved),
    )
    returned, resolved, returns, lost = kernels.serve_open_trouble(
        due,
        key,
        units.flags,
        units.chosen,
        chances,
        units.acquired_day,
        units.churn_day,
        market.day,
    )
    daily.add("resolved", resolved)
    daily.add("returns", returns)
    daily.add("revenue_usd", -float(brands.price[0] * returns))
    daily.add("churned", lost)
    return returned


def rate_experience(
    market: Market, due: np.ndarray, draws: KeyedDraws
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Private ratings of every member: end users rate their own use; others take the unit
    mean. Own experience then moves each member's attitude toward the brand used, and the
    rating gives them a stance (`settle_ratings`), in the same compiled pass.

    Returns (ratings, members, the brand each used, a uniform per member
    for posting a review: drawn here, with the rating's numbers, to save a hash call).
    """
    units, brands, people = market.units, market.brands, market.people
    exp, day = market.scenario.experience, market.day
    members, position = market.members(due)
    b2b = market.scenario.population.market == "b2b"
    u = draws.columns("rating", day, members, 4 if b2b else 3)  # noise, review, onboarded
    noise = normal(u[:, 0], u[:, 1])
    brand_table = (brands.quality, brands.satisfaction_sd, brands.p_onboarded)
    penalties = (
        float(exp.penalty_late),
        float(exp.penalty_damaged),
        float(exp.penalty_problem),
        float(exp.recovery_bonus),
    )
    onboarding = (b2b, u, float(exp.onboarding_gain))
    brand, flags, latent, user, onboarded = kernels.experience_latent(
        members,
        due[position],
        units.chosen,
        units.flags,
        people.role,
        brand_table,
        noise,
        penalties,
        onboarding,
    )
    if "rate" in market.deciders:  # end users of a class that rates itself
        rate_per_agent(
            market,
            members[user],
            brand[user],
            flags[user],
            noise[user],
            onboarded[user] if b2b else None,
            latent,
            user,
        )
    ratings = settle_ratings(market, due, members, position, brand, latent, user)
    return ratings, members, brand, u[:, 2]


def settle_ratings(
    market: Market,
    due: np.ndarray,
    members: np.ndarray,
    position: np.ndarray,
    brand: np.ndarray,
    latent: np.ndarray,
    user: np.ndarray,
) -> np.ndarray:
    """Private ratings from latent ones, and what they do (`kernels.settle_experience`): the
    unit's satisfaction, attitude learned from use, and a stance (4-5 stars: advocate; 1-2:
    critic; 3: neither; a fresh stance talks for the feedback window). Returns the ratings."""
    units, people, brands = market.units, market.people, market.brands
    window = int(np.rint(market.scenario.feedback.feedback_days))
    columns = (units.chosen, units.satisfaction, people.rating, brands.private_stars)
    columns += (people.attitude, people.aware, people.stance, people.stance_brand)
    ratings, experiences, advocates, critics = kernels.settle_experience(
        due,
        members,
        position,
        brand,
        latent,
        user,
        columns + (people.talk_until,),
        float(market.scenario.experience.weight_own_experience),
        market.day + window,
    )
    market.daily.add("experiences", experiences)
    market.daily.add("advocates", advocates)
    market.daily.add("critics", critics)
    return ratings


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
