"""Word of mouth: advocates and critics talk to their contacts; what they say shapes tomorrow.

Fresh advocates send `messages_advocate` messages over their feedback window ("satisfied
customers tell 3"); critics send `negativity_ratio` times as many (Goldenberg et al. 2007 use 2;
folk wisdom says 1,000). Owners keep talking at a low daily rate. A message moves the hearer's
attitude and may start their need tomorrow. Social influencers post once about each experience to their whole audience.
In a mixed (mean-field) market the trigger is the Bass (1969) imitation term q x.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.journey import kernels as journey_kernels
from sim.journey.decisions import Conversation
from sim.journey.exposure import expose
from sim.market import draw_kernels as kernels
from sim.market.keyed_draws import (
    POISSON_TABLE_MAX_MEAN,
    KeyedDraws,
    poisson_quantile,
    poisson_tables,
)
from sim.market.silenced_sources import negative_unsilenced, silenced_by, unsilenced
from sim.market.sources import Source
from sim.market.state import Market


def spread_word_of_mouth(market: Market, draws: KeyedDraws) -> None:
    """Today's talkers send messages; hearers' attitudes change; tomorrow's nudges are set.

    A message is keyed by its sender, the day and its number j among the sender's messages:
    how many a talker sends, to whom and whether it is heard do not depend on who else talks.
    """
    if on_ties_alone(market):
        spread_on_ties(market, draws)
        return
    talkers, brand, valence, which = talkers_and_rates(market)
    if len(talkers) == 0:
        return
    spread_generally(market, draws, talkers, brand, valence, which)
    influencer_posts(market, talkers, brand, valence, draws)


def on_ties_alone(market: Market) -> bool:
    """Whether today's messages can take the compiled path (`spread_on_ties`): a graph of
    ties, talk not scaled by degree, no talker deciding for themselves, rates within the
    Poisson tables."""
    graph, scenario = market.graph, market.scenario
    return (
        not graph.mixed
        and len(graph.contacts) > 0
        and not scenario.network.talk_scales_with_degree
        and "talk" not in market.deciders
        and talk_tables(market)[1] <= POISSON_TABLE_MAX_MEAN
    )


def spread_on_ties(market: Market, draws: KeyedDraws) -> None:
    """`spread_generally` and the influencers' posts in one compiled pass over everyone
    (`kernels.spread_messages`: the same talkers, draws, messages and attitudes): a day's word
    of mouth was some thirty numpy calls over every talker (thousands: owners keep talking at
    a low rate) and their messages."""
    day, graph, people = market.day, market.graph, market.people
    rates, _, tables = talk_tables(market)
    net, feedback = market.scenario.network, market.scenario.feedback
    heard, critics = heard_and_critics(market)
    window = int(np.rint(feedback.feedback_days))
    talk = (people.stance, people.stance_brand, people.talk_until, people.unit)
    talk += (market.units.brand, day, heard, critics, market.is_influencer, day + window)
    positive, posts = journey_kernels.spread_messages(
        (
            draws.stream_key("messages", day),
            draws.stream_key("message", day),
            draws.stream_key("reject", day),
        ),
        talk,
        (rates, tables),
        (graph.start, graph.contacts, graph.strong),
        (
            float(net.p_message_strong),
            float(net.p_message_weak),
            float(feedback.p_reject_on_negative),
        ),
        (people.attitude, people.aware, people.rejected),
        float(feedback.weight_wom),
    )
    hearer, brand_heard, messages, focal_positive, focal_negative = positive
    market.daily.add("wom_positive", focal_positive)
    market.daily.add("wom_negative", focal_negative)
    if messages:
        chance = market.scenario.triggers.p_trigger_wom
        market.tomorrow.nudge(hearer, brand_heard, Source.WORD_OF_MOUTH, chance)
    post_to_followers(market, *posts, draws)


def spread_generally(market: Market, draws: KeyedDraws, talkers, brand, valence, which) -> None:
    """Today's talkers send messages, in any market: counts, delivery, then hearing."""
    rate = talk_rates(market)[which]
    scaled = scale_by_degree(market, talkers, rate)
    if scaled is not None:  # every talker their own rate: no table of kinds
        rate, which = scaled, None
    if market.graph.mixed:
        add_mean_field_pressure(market, brand, valence, rate)
    counts = message_counts(market, draws, talkers, rate, which)
    if "talk" in market.deciders:  # talkers of a class that decides itself
        talk_per_agent(market, talkers, brand, valence, rate, counts, draws)
    sender = np.repeat(np.arange(len(talkers)), counts)
    j = np.arange(len(sender)) - np.repeat(np.cumsum(counts) - counts, counts)
    hearer, heard = deliver(market, talkers[sender], j, draws)
    sender, j = sender[heard], j[heard]
    count_messages(market, brand[sender], valence[sender])
    message = (talkers[sender] << 32) | j
    hear(market, hearer[heard], brand[sender], valence[sender], draws, ("reject", message))


def talk_per_agent(market, talkers, brand, valence, rate, counts, draws: KeyedDraws) -> None:
    """Replace `counts` (in place) for talkers whose class decides (`Person.talk`), given the
    rate and the keyed uniform the vectorised Poisson draw inverted."""
    deciders, names, day = market.deciders["talk"], market.brands.names, market.day
    positions = deciders.positions(talkers)
    u = draws.uniform("messages", day, talkers[positions])
    rate = np.broadcast_to(rate, talkers.shape)
    for k, uk in zip(positions, u, strict=True):
        fresh = bool(market.people.talk_until[talkers[k]] >= day)
        view = Conversation(names[int(brand[k])], int(valence[k]), fresh, float(rate[k]), float(uk))
        count = deciders.agent(talkers[k]).talk(view)
        if count != int(count) or count < 0:
            raise ValueError(f"talk() returned {count!r}; messages are a whole number >= 0")
        counts[k] = int(count)


def talkers_today(market: Market) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(people, brand, +1/-1, messages per day) of everyone talking today."""
    talkers, brand, valence, which = talkers_and_rates(market)
    rate = talk_rates(market)[which]
    scaled = scale_by_degree(market, talkers, rate)
    return talkers, brand, valence, rate if scaled is None else scaled


def scale_by_degree(market: Market, talkers: np.ndarray, rate: np.ndarray) -> np.ndarray | None:
    """Rates x degree / mean degree when `network.talk_scales_with_degree` (hubs reach more
    people: Goldenberg, Han, Lehmann & Hong 2009); None when talk does not scale (the default)."""
    if not market.scenario.network.talk_scales_with_degree or market.graph.mixed:
        return None
    degree = market.graph.degree()
    return rate * degree[talkers] / max(degree.mean(), 1e-12)


def talkers_and_rates(market: Market) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(people, brand, +1/-1, index into `talk_rates`) of everyone talking today.

    A person with a stance talks while their feedback window lasts (fresh) or while they own
    the brand; one compiled pass over everyone (`draw_kernels.talkers_today`): this was a
    dozen numpy passes over every opinion holder a day, the largest cost of a small market.
    """
    people = market.people
    heard, critics = heard_and_critics(market)
    return kernels.talkers_today(
        people.stance,
        people.stance_brand,
        people.talk_until,
        people.unit,
        market.units.brand,
        market.day,
        heard,
        critics,
    )


def heard_and_critics(market: Market) -> tuple[np.ndarray, np.ndarray]:
    """Per brand: whether its word of mouth is heard, and whether its critics are (silenced
    sources, `sim.market.silenced_sources`). When nothing is silenced (the warm-up, and most
    scenarios), the same two all-True arrays every day: five numpy calls a day saved."""
    if market.day < market.window_start or nothing_silenced(market):
        return everyone_heard(market.brands.n)
    every_brand = np.arange(market.brands.n)
    heard = every_brand >= 0
    heard &= unsilenced(market, Source.WORD_OF_MOUTH, every_brand)
    return heard, (every_brand >= 0) & negative_unsilenced(market, every_brand)


def nothing_silenced(market: Market) -> bool:
    """Whether no brand silences any source, its critics included."""
    table, critics = silenced_by(market)
    return table is None and critics is None


@lru_cache(maxsize=16)
def everyone_heard(n_brands: int) -> tuple[np.ndarray, np.ndarray]:
    """`heard_and_critics` when nothing is silenced (made once; never written: the kernels
    only read them, and they stay writable so that the kernels' types do not change)."""
    return np.ones(n_brands, dtype=bool), np.ones(n_brands, dtype=bool)


def talk_tables(market: Market) -> tuple[np.ndarray, float, np.ndarray]:
    """(`talk_rates`, their largest, their Poisson tables), made once per run rather than a
    reduction and a tuple of the rates every day."""
    fb = market.scenario.feedback
    return rate_tables(
        fb.messages_advocate, fb.feedback_days, fb.loyal_messages_per_day, fb.negativity_ratio
    )


@lru_cache(maxsize=16)
def rate_tables(
    advocate: float, feedback_days: float, loyal: float, ratio: float
) -> tuple[np.ndarray, float, np.ndarray]:
    """`talk_tables` from the feedback settings (cached with `message_rates`)."""
    rates = message_rates(advocate, feedback_days, loyal, ratio)
    return rates, float(rates.max()), poisson_tables(tuple(rates.tolist()))


def talk_rates(market: Market) -> np.ndarray:
    """Messages a day by kind of talker, indexed 2 x fresh + critic: an owner's low daily rate
    or a fresh experience's messages spread over the feedback window, critics times
    `negativity_ratio`."""
    fb = market.scenario.feedback
    return message_rates(
        fb.messages_advocate, fb.feedback_days, fb.loyal_messages_per_day, fb.negativity_ratio
    )


@lru_cache(maxsize=16)
def message_rates(advocate: float, feedback_days: float, loyal: float, ratio: float) -> np.ndarray:
    """`talk_rates` from the feedback settings (made once per run; read-only)."""
    window = max(float(np.rint(feedback_days)), 1.0)
    fresh = np.float64(advocate / window)
    rates = np.array([loyal * 1.0, loyal * ratio, fresh * 1.0, fresh * ratio])
    rates.flags.writeable = False
    return rates


def message_counts(market: Market, draws: KeyedDraws, talkers, rate, which) -> np.ndarray:
    """Messages each talker sends today: a Poisson count keyed by the talker and the day."""
    u = draws.uniform("messages", market.day, talkers)
    rates = talk_rates(market)
    if which is None or rates.max() > POISSON_TABLE_MAX_MEAN:  # rates not from the table
        return poisson_quantile(u, rate)
    return kernels.poisson_counts(u, rate, poisson_tables(tuple(rates.tolist())), which)


def add_mean_field_pressure(
    market: Market, brand: np.ndarray, valence: np.ndarray, rate: np.ndarray
):
    """Mixed market: tomorrow everyone at <ZMOT faces p_trigger_wom x positive messages per person."""
    positive = valence > 0
    expected = np.bincount(brand[positive], weights=rate[positive], minlength=market.brands.n)
    chance = market.scenario.triggers.p_trigger_wom * expected / market.people.n
    for b in chance.nonzero()[0]:
        market.tomorrow.add_broad(Source.WORD_OF_MOUTH, int(b), float(chance[b]))


def deliver(market: Market, senders: np.ndarray, j: np.ndarray, draws: KeyedDraws):
    """(hearer, heard) per message j of each sender: a random contact, heard with the tie's chance."""
    net, graph = market.scenario.network, market.graph
    if not graph.mixed and len(graph.contacts):  # one compiled pass: the same numbers
        key = draws.stream_key("message", market.day)
        chances = float(net.p_message_strong), float(net.p_message_weak)
        return kernels.deliver(key, senders, j, graph.start, graph.contacts, graph.strong, *chances)
    u = draws.columns("message", market.day, senders, 2, slot=j)
    hearer, strong = market.graph.random_contact(senders, u[:, 0])
    chance = np.where(strong, net.p_message_strong, net.p_message_weak)
    heard = (hearer >= 0) & (u[:, 1] < chance)
    return hearer, heard


def hear(
    market: Market,
    hearer: np.ndarray,
    brand: np.ndarray,
    valence: np.ndarray,
    draws: KeyedDraws,
    key: tuple[str, np.ndarray],
) -> None:
    """Messages move attitudes, make brands known, and positive ones may start needs tomorrow.

    `key` names each message for the hearer's own draws: (decision, a number per message).
    """
    if len(hearer) == 0:
        return
    reject(market, hearer, brand, valence, draws, key)
    expose(market, hearer, brand, market.scenario.feedback.weight_wom * valence)
    if not market.graph.mixed:
        positive = valence > 0
        chance = market.scenario.triggers.p_trigger_wom
        market.tomorrow.nudge(hearer[positive], brand[positive], Source.WORD_OF_MOUTH, chance)


def influencer_posts(market: Market, talkers, brand, valence, draws: KeyedDraws) -> None:
    """A social influencer posts once about each fresh experience, to all followers."""
    if len(market.influencers) == 0:
        return
    rows = market.is_influencer[talkers].nonzero()[0]
    window = int(np.rint(market.scenario.feedback.feedback_days))
    posting = rows[market.people.talk_until[talkers[rows]] == market.day + window]
    post_to_followers(market, talkers[posting], brand[posting], valence[posting], draws)


def post_to_followers(market: Market, posters, brand, valence, draws: KeyedDraws) -> None:
    """Each posting influencer's post (about `brand`, +1/-1) reaches all their followers."""
    if len(posters) == 0:  # most days nobody posts
        return
    for poster, b_post, v_post in zip(posters, brand, valence, strict=True):
        followers = market.followers_of(int(poster))
        b, v = np.full(len(followers), b_post), np.full(len(followers), v_post)
        count_messages(market, b, v)
        post = np.full(len(followers), poster, dtype=np.int64)
        hear(market, followers, b, v, draws, ("reject_post", post))


def reject(market: Market, hearer, brand, valence, draws: KeyedDraws, key) -> None:
    """Bad news may make a hearer who does not own the brand rule it out for good.

    Goldenberg, Libai, Moldovan & Muller (2007): a potential adopter who hears negative word
    of mouth becomes a rejecter. Off by default (`feedback.p_reject_on_negative` = 0), when
    bad news only lowers attitudes and later good news can win the hearer back.
    """
    chance = market.scenario.feedback.p_reject_on_negative
    if chance <= 0:
        return
    negative = (valence < 0).nonzero()[0]
    if len(negative) == 0:
        return
    people, b = hearer[negative], brand[negative]
    outsider = market.units.brand[market.people.unit[people]] != b
    decision, message = key
    hit = outsider & draws.bernoulli(chance, decision, market.day, people, message[negative])
    market.people.rejected[people[hit], b[hit]] = True


def count_messages(market: Market, brand: np.ndarray, valence: np.ndarray) -> None:
    """Messages heard about the focal brand, positive and negative."""
    focal = brand == 0
    market.daily.add("wom_positive", np.count_nonzero(focal & (valence > 0)))
    market.daily.add("wom_negative", np.count_nonzero(focal & (valence < 0)))
