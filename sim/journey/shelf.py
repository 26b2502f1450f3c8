"""FMOT: the first 3-7 seconds at the shelf or product page; buy a brand or walk away.

A multinomial logit (McFadden 1974) over the brands the unit knows: attitude, price relative
to the market, shelf / product-page quality, a pull toward the brand already owned, and an
outside option. Showrooming buyers check prices on their phone and weigh price more.
B2B units decide on the buyer's attitude blended with their influencers' (Webster & Wind 1972);
a buying centre whose members favour different brands may loop back to research instead
(Gartner 2019; `choice.p_loop_back_on_dissent`, off by default: a strict sequence).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.journey import kernels
from sim.journey.decisions import Offer, Shelf
from sim.journey.involvement import research_days
from sim.market.keyed_draws import KeyedDraws, gumbel
from sim.market.moments import Moment
from sim.market.population import Role
from sim.market.sources import ACQUISITION_CHANNELS, Source
from sim.market.state import Market
from sim.market.touch_log import record_decisions

CHANNEL_OF_SOURCE = np.full(len(Source), -1)
for _index, _sources in enumerate(ACQUISITION_CHANNELS.values()):
    CHANNEL_OF_SOURCE[list(_sources)] = _index
"""Source -> index of its acquisition channel (-1: none), so one lookup counts every channel."""
CHANNEL_COLUMNS: tuple[str, ...] = tuple(f"new_from_{name}" for name in ACQUISITION_CHANNELS)
"""The daily columns counting new focal customers by acquisition channel."""
PURCHASE_COLUMNS: tuple[str, ...] = (
    "purchases",
    "rival_purchases",
    "repeat_purchases",
    "new_customers",
    "revenue_usd",
    *CHANNEL_COLUMNS,
    "switched",
    "churned",
    "late_deliveries",
    "problems",
)
"""The daily columns `buy` adds to, in the order of its values (one `add_many`)."""
NO_STOCK_OUTS = np.ones((0, 0), dtype=bool)
"""`kernels.shelf_choice`'s stock table when every brand is in stock (never written)."""

OWNED_BRAND_PULL = 1.0
"""Utility of sticking with the brand one owns: habit and switching cost (assumption)."""


def choose_at_shelf(market: Market, draws: KeyedDraws) -> None:
    """Units at FMOT buy (-> SMOT) or walk away (-> <ZMOT).

    A unit's draws (showrooming, the Gumbel noise of each option, then late, damaged and
    problem if it buys) are keyed by (unit, day), so its choice does not depend on who else is
    at the shelf today; all come from one hash call.
    """
    due = market.units_due(Moment.FMOT)
    if market.scenario.choice.p_loop_back_on_dissent > 0.0:
        due = loop_back_on_dissent(market, draws, due)
    if len(due) == 0:
        return
    options = 1 + market.brands.n
    u = draws.columns("shelf", market.day, due, 1 + options + 3)
    showrooming = u[:, 0] < market.scenario.choice.p_showrooming
    market.daily.add("showrooming", np.count_nonzero(showrooming))
    stocked = on_the_shelf(market, draws, due)
    noise = gumbel(u[:, 1 : 1 + options])
    if "choose" in market.deciders or market.touches is not None:
        choice = shelf_choice(market, due, showrooming, noise, stocked)
        if "choose" in market.deciders:  # buyers of a class that overrides `choose`
            choose_per_agent(market, due, choice, showrooming, noise, stocked)
        record_decisions(market, due, choice)
        bought = choice >= 0
        buy(market, due[bought], choice[bought], u[bought, 1 + options :])
        walk_away(market, due[~bought])
    else:
        choose_and_buy(market, due, u, showrooming, noise, stocked)


def choose_and_buy(
    market: Market,
    due: np.ndarray,
    u: np.ndarray,
    showrooming: np.ndarray,
    noise: np.ndarray,
    stocked: np.ndarray | None,
) -> None:
    """`shelf_choice`, `buy` and `walk_away` when nobody decides for themselves and no touch
    log reads the choices: the choice, the split and the purchases in one compiled call
    (`kernels.choose_and_buy`; they were two calls and six numpy calls), the same numbers."""
    shelf = shelf_inputs(market, due, showrooming)
    no_stock_outs = NO_STOCK_OUTS if stocked is None else stocked
    first = 2 + market.brands.n  # the delivery uniforms: after showrooming and the noise
    who, brand, walkers, *bought = kernels.choose_and_buy(
        shelf, no_stock_outs, noise, due, u, first, purchase_inputs(market), CHANNEL_OF_SOURCE
    )
    book_purchases(market, who, brand, *bought)
    walk_away(market, walkers)


def on_the_shelf(market: Market, draws: KeyedDraws, due: np.ndarray) -> np.ndarray | None:
    """Per unit at the shelf today and brand: whether the brand is in stock for it (chance
    `brands.<b>.in_stock`; Gruen, Corsten & Bharadwaj 2002); None when every brand always is.
    Draws keyed by unit and day (scope "choice", decision "stock"), so stock-outs move no one
    else's draws."""
    in_stock = market.brands.in_stock  # a lever column, as the brand's other chances
    if in_stock.min() >= 1.0:  # one reduction (NaN: False, as `(in_stock >= 1).all()`)
        return None
    u = draws.columns("stock", market.day, due, market.brands.n)
    return u < in_stock[None, :]


def loop_back_on_dissent(market: Market, draws: KeyedDraws, due: np.ndarray) -> np.ndarray:
    """B2B buying centres whose deciders (buyer and influencers) favour different brands go
    back to research with chance `choice.p_loop_back_on_dissent` instead of choosing today
    (Gartner 2019: B2B buyers loop back between research, supplier selection and consensus);
    returns the units that choose today. Draws are keyed by unit and day (scope "choice",
    decision "loop"), so looping moves no one else's draws."""
    dissent = deciders_disagree(market, due)
    u = draws.columns("loop", market.day, due, 2)  # loop back or not, days of research
    loops = dissent & (u[:, 0] < market.scenario.choice.p_loop_back_on_dissent)
    looping = due[loops]
    market.move(looping, Moment.ZMOT, research_days(market, draws, looping, u[loops, 1]))
    return due[~loops]


def deciders_disagree(market: Market, due: np.ndarray) -> np.ndarray:
    """Per unit: whether its buyer and influencers do not all favour the same brand (each
    favours the brand they know with the highest attitude; people who know none abstain)."""
    people = market.people
    members, position = market.members(due)
    deciding = (people.role[members] & (Role.BUYER | Role.INFLUENCER)) > 0
    members, position = members[deciding], position[deciding]
    attitude = np.where(people.aware[members], people.attitude[members], -np.inf)
    favourite = np.argmax(attitude, axis=1)
    knows = np.isfinite(attitude.max(axis=1, initial=-np.inf))
    members, position, favourite = members[knows], position[knows], favourite[knows]
    low = np.full(len(due), np.iinfo(np.int64).max)
    high = np.full(len(due), -1)
    np.minimum.at(low, position, favourite)
    np.maximum.at(high, position, favourite)
    return (high >= 0) & (low != high)


def shelf_choice(
    market: Market,
    due: np.ndarray,
    showrooming: np.ndarray,
    noise: np.ndarray,
    stocked: np.ndarray | None,
) -> np.ndarray:
    """Brand each unit picks (-1: walks away): the multinomial logit's utility of walking away
    and of each brand it knows, not rejected and in stock (attitude, price relative to the
    market, weighed more by showrooming buyers, shelf quality, the pull of the brand owned),
    plus the Gumbel `noise`, the best option taken; one compiled pass
    (`kernels.shelf_choice`)."""
    no_stock_outs = NO_STOCK_OUTS if stocked is None else stocked
    return kernels.shelf_choice(*shelf_inputs(market, due, showrooming), no_stock_outs, noise)


def shelf_inputs(market: Market, due: np.ndarray, showrooming: np.ndarray) -> tuple:
    """`kernels.shelf_choice`'s first five arguments: (the deciders' attitude and awareness
    rows with each unit's row, the buyers' rejections, the buyers), each unit's brand owned,
    showrooming, the logit's weights, and (log2 relative price, shelf quality) per brand."""
    choice, brands, people = market.scenario.choice, market.brands, market.people
    buyers = market.units.start[due]
    if market.scenario.population.market == "b2c":
        views = (people.attitude, people.aware, buyers, people.rejected, buyers)
    else:
        attitude, aware = unit_views(market, due)
        views = (attitude, aware, np.arange(len(due)), people.rejected, buyers)
    weights = (
        float(choice.weight_attitude),
        float(choice.price_sensitivity),
        float(choice.showrooming_price_factor),
        float(choice.weight_shelf),
        float(choice.walk_away_utility),
    )
    brand_table = (log_relative_price(tuple(brands.price.tolist())), brands.shelf_quality)
    return views, market.units.brand[due], showrooming, weights, brand_table


@lru_cache(maxsize=64)
def log_relative_price(prices: tuple[float, ...]) -> np.ndarray:
    """log2 of each brand's price over the market's mean price, made once per set of prices
    (prices change only when a lever or strategy changes them; `ndarray.mean` alone cost more
    than the shelf's compiled pass on a small market). Never written."""
    price = np.array(prices, dtype=np.float64)
    return np.log2(price / price.mean())


def choose_per_agent(
    market: Market,
    due: np.ndarray,
    choice: np.ndarray,
    showrooming: np.ndarray,
    noise,
    stocked: np.ndarray | None = None,
) -> None:
    """Replace `choice` (brand index, -1 none) for units whose buyer's class decides itself:
    each gets a `Shelf` with the inputs, stock and Gumbel draws the vectorised choice used."""
    deciders = market.deciders["choose"]
    buyers = market.units.start[due]
    names = market.brands.names
    for position in deciders.positions(buyers):
        in_stock = None if stocked is None else stocked[position]
        shelf = shelf_view(
            market, int(due[position]), bool(showrooming[position]), noise[position], in_stock
        )
        picked = deciders.agent(buyers[position]).choose(shelf)
        if picked is not None and picked not in names:
            raise ValueError(f"choose() returned {picked!r}; brands are {names} or None")
        if picked is not None and in_stock is not None and not in_stock[names.index(picked)]:
            raise ValueError(f"choose() returned {picked!r}, which is out of stock today")
        choice[position] = -1 if picked is None else names.index(picked)


def shelf_view(
    market: Market,
    unit: int,
    showrooming: bool,
    noise: np.ndarray,
    in_stock: np.ndarray | None = None,
) -> Shelf:
    """What one buying unit sees at the shelf today (`sim.journey.decisions.Shelf`)."""
    choice, brands = market.scenario.choice, market.brands
    attitude, aware = unit_views(market, np.array([unit]))
    rejected = market.people.rejected[market.units.start[unit]]
    relative_price = np.log2(brands.price / brands.price.mean())
    ratings, counts = brands.mean_rating(), brands.review_count()
    offers = tuple(
        Offer(
            brand=name,
            aware=bool(aware[0, b]),
            attitude=float(attitude[0, b]),
            price_usd=float(brands.price[b]),
            relative_price=float(relative_price[b]),
            shelf_quality=float(brands.shelf_quality[b]),
            mean_rating=float(ratings[b]),
            review_count=int(counts[b]),
            owned=bool(market.units.brand[unit] == b),
            rejected=bool(rejected[b]),
            in_stock=True if in_stock is None else bool(in_stock[b]),
        )
        for b, name in enumerate(brands.names)
    )
    price_weight = choice.price_sensitivity * (
        choice.showrooming_price_factor if showrooming else 1
    )
    return Shelf(
        offers=offers,
        walk_away_utility=choice.walk_away_utility,
        weight_attitude=choice.weight_attitude,
        price_weight=float(price_weight),
        weight_shelf=choice.weight_shelf,
        owned_brand_pull=OWNED_BRAND_PULL,
        showrooming=showrooming,
        noise=tuple(float(x) for x in noise),
    )


def unit_views(market: Market, due: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each deciding unit's attitude (buyer blended with influencers) and awareness per brand."""
    people = market.people
    buyers = market.units.start[due]
    attitude = people.attitude[buyers].astype(np.float64)
    aware = people.aware[buyers].copy()
    if market.scenario.population.market == "b2c":
        return attitude, aware
    members, position = market.members(due)
    influencer = (people.role[members] & Role.INFLUENCER) > 0
    members, position = members[influencer], position[influencer]
    total = np.zeros_like(attitude)
    np.add.at(total, position, people.attitude[members])
    count = np.bincount(position, minlength=len(due))[:, None]
    weight = market.scenario.population.influencer_weight * (count > 0)
    mean = total / np.maximum(count, 1)
    aware_any = np.zeros_like(aware)
    np.logical_or.at(aware_any, position, people.aware[members])
    return (1 - weight) * attitude + weight * mean, aware | aware_any


def buy(market: Market, who: np.ndarray, brand: np.ndarray, u_delivery: np.ndarray) -> None:
    """Book the purchase and start SMOT: delivery (maybe late or damaged), then use;
    `u_delivery` holds three uniforms per buyer (late, damaged, problem). New focal customers
    are attributed to the channel of the source that pulled hardest; a focal owner who buys a
    rival has switched (churn). One compiled pass (`kernels.buy`)."""
    columns, chances, n_channels, day = purchase_inputs(market)
    days, counts, channels = kernels.buy(
        who, brand, u_delivery, columns, chances, CHANNEL_OF_SOURCE, n_channels, day
    )
    book_purchases(market, who, brand, days, counts, channels)


def purchase_inputs(market: Market) -> tuple:
    """`kernels.buy`'s (columns, chances, number of channels, day): the units' (acquired
    day, focal purchases, lead source, churn day, brand owned, brand chosen, flags), the
    delivery chances (`delivery_chances`), the acquisition channels and today."""
    units = market.units
    columns = (units.acquired_day, units.focal_purchases, units.lead_source, units.churn_day)
    columns += (units.brand, units.chosen, units.flags)
    return columns, delivery_chances(market), len(CHANNEL_COLUMNS), market.day


def book_purchases(
    market: Market,
    who: np.ndarray,
    brand: np.ndarray,
    days: np.ndarray,
    counts: np.ndarray,
    channels: np.ndarray,
) -> None:
    """What `kernels.buy` counted goes to the daily table; the buyers start SMOT for their
    `days`; strategies hear of the purchases."""
    purchases, rival, repeat, new, switched, churned, late, problems = counts.tolist()
    revenue = float(market.brands.price[0] * purchases)
    values = [purchases, rival, repeat, new, revenue, *channels.tolist()]
    market.daily.add_many(PURCHASE_COLUMNS, values + [switched, churned, late, problems])
    market.move(who, Moment.SMOT, days)
    for strategy in market.strategies:
        strategy.on_purchase(market, who, brand)


def delivery_chances(market: Market) -> tuple:
    """(late, damaged, problem chances per brand, days of delivery and use, extra days if
    late): what `kernels.start_experience` reads."""
    brands, experience = market.brands, market.scenario.experience
    return (
        brands.p_late_delivery,
        brands.p_damaged,
        brands.p_problem,
        float(experience.delivery_days + experience.use_days),
        float(experience.late_extra_days),
    )


def start_experience(market: Market, who: np.ndarray, brand: np.ndarray, u: np.ndarray):
    """What delivery and the product will bring (from three uniforms per buyer), and how
    long SMOT lasts."""
    days, late, problems = kernels.start_experience(
        who, brand, u, market.units.flags, delivery_chances(market)
    )
    market.daily.add("late_deliveries", late)
    market.daily.add("problems", problems)
    market.move(who, Moment.SMOT, days)


def walk_away(market: Market, who: np.ndarray) -> None:
    """No purchase: back to <ZMOT. An owner who walks away from a repurchase leaves the brand."""
    if len(who) == 0:  # nobody walks away: every count is 0, which adds nothing
        return
    units = market.units
    leaving, churned = kernels.walk_away(
        who, units.brand, units.acquired_day, units.churn_day, market.day
    )
    market.daily.add("walk_aways", len(who))
    market.daily.add("left_category", leaving)
    market.daily.add("churned", churned)
    market.move(who, Moment.PRE_ZMOT)


def record_churn(market: Market, who: np.ndarray) -> None:
    """Focal customers lost today (switched or left); cohorts remember the first loss.

    Only units that have paid for the brand count: a seed (`sim.strategies.seeding`) who gives
    up a free product was never a customer."""
    units = market.units
    churned = kernels.churn(who, units.acquired_day, units.churn_day, market.day)
    market.daily.add("churned", churned)
