"""ZMOT: research across information sources, each shifting awareness and attitude.

Each researching member (buyer and influencers) consults Poisson(`mean_sources`) sources (10.4
per decision: Google ZMOT 2011), chosen by the platform habits of their age group. What a source
says comes from the market itself: review sites and marketplaces show the reviews earlier
customers posted, and friends pass on their own stance.
"""

from __future__ import annotations

import numpy as np

from sim.journey import kernels as journey_kernels
from sim.journey.decisions import Consultation, Research
from sim.journey.involvement import mean_sources
from sim.market import draw_kernels as kernels
from sim.market.keyed_draws import KeyedDraws
from sim.market.moments import Moment
from sim.market.silenced_sources import silence_consultations
from sim.market.sources import PLATFORMS, RESEARCH_SOURCES, Source
from sim.market.state import N_SOURCES, RESEARCHING, Market
from sim.market.touch_log import record_consultations

RESEARCH_SOURCE_CODES = np.asarray(RESEARCH_SOURCES)
"""`RESEARCH_SOURCES` as an array, made once (a source is picked by its index in it)."""
PLATFORM_ROWS = np.asarray(PLATFORMS)
"""`PLATFORMS` as row indices of the per-source tables (column c of `presence` is row c)."""
SOURCE_TABLE_ROWS = (
    PLATFORM_ROWS,
    int(Source.INFLUENCER),
    int(Source.MARKETPLACE),
    int(Source.REVIEW_SITES),
    int(Source.SOCIAL_VIDEO),
)
"""The rows `kernels.source_tables` fills: platforms, then the influencer, marketplace, review
sites and social video rows."""


def finish_research(market: Market, draws: KeyedDraws) -> None:
    """Units whose research ends today consult their sources and go to the shelf (FMOT)."""
    due = market.units_due(Moment.ZMOT)
    if len(due) == 0:
        return
    consult(market, *researchers(market, due), draws)
    market.move(due, Moment.FMOT)


def researchers(market: Market, due: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the buyers and influencers among the members of the units `due`, the unit of each).
    When everyone holds one of those roles, every member, without the role test (six numpy
    calls a day); when every unit has one member, its unit is `due` itself, in order."""
    people, position = market.members(due)
    if not market.everyone_researches:
        researching = (market.people.role[people] & RESEARCHING) > 0
        return people[researching], due[position[researching]]
    return people, due if len(people) == len(due) else due[position]


def consult(market: Market, people: np.ndarray, units: np.ndarray, draws: KeyedDraws):
    """Every researcher consults their sources; attitudes and awareness change in place.

    Draws are keyed by the researcher, the day and the consultation's number j (0, 1, ...),
    so one person's research does not depend on who else researches today.
    """
    mean = mean_sources(market, draws, units)  # by the unit's involvement
    counts = draws.poisson(mean, "sources", market.day, people)
    if market.graph.mixed or len(market.graph.contacts) == 0:
        found_by = consultations_numpy(market, people, units, counts, draws)
    else:
        found_by = consultations_compiled(market, people, units, counts, draws)
    if found_by is None:
        return
    person, unit, source, gain, found = found_by
    silence_consultations(market, source, gain, found)
    if "research" in market.deciders:  # researchers of a class that weighs sources itself
        research_per_agent(market, person, source, gain, found)
    record_consultations(market, unit, source, found[:, 0])
    kernels.absorb(market.people.attitude, market.people.aware, person, gain, found)
    note_lead_source(market, unit, source, gain)


def consultations_numpy(market: Market, people, units, counts, draws: KeyedDraws):
    """(person, unit, source, attitude gain per brand, brand found) per consultation, None
    when nobody consults: the draws keyed by researcher, day and consultation number j, then
    the source picked, its effects and the friends' answers (the form for a mean-field
    market; `consultations_compiled` gives the same numbers on a graph of ties)."""
    person = np.repeat(people, counts)
    unit = np.repeat(units, counts)
    if len(person) == 0:
        return None
    j = np.arange(len(person)) - np.repeat(np.cumsum(counts) - counts, counts)
    # per consultation: which source, which friend if a friend, each brand found or not, and
    # the answer to a question on each brand's site
    n = market.brands.n
    u = draws.columns("consultation", market.day, person, 2 + 2 * n, slot=j)
    source = pick_sources(market, person, u[:, 0])
    gain, found = source_effects(market, source, u[:, 2 : 2 + n], u[:, 2 + n :])
    ask_friends(market, person, source == Source.FRIENDS, u[:, 1], gain, found)
    return person, unit, source, gain, found


def consultations_compiled(market: Market, people, units, counts, draws: KeyedDraws):
    """`consultations_numpy` in one compiled pass (`draw_kernels.consultations`): a day's
    research was some seventy numpy calls on a few dozen researchers."""
    if not counts.any():
        return None
    found_chance, base_gain = source_tables(market)
    research, people_, graph = market.scenario.research, market.people, market.graph
    tables = (
        found_chance,
        base_gain,
        market.brands.faq_coverage.astype(np.float64),
        float(research.weight_faq),
        float(research.weight_friend),
        int(Source.BRAND_SITE),
        int(Source.FRIENDS),
    )
    owners = (people_.unit, market.units.brand, people_.stance, people_.stance_brand)
    return kernels.consultations(
        draws.stream_key("consultation", market.day),
        people,
        units,
        counts,
        market.habits_cumulative[people_.age_group[people]],
        RESEARCH_SOURCE_CODES,
        tables,
        (graph.start, graph.contacts),
        owners,
    )


def research_per_agent(market, person, source, gain, found) -> None:
    """Replace the attitude gains (in place) of consultations by researchers whose class
    weighs what it finds (`Buyer.research`): one call per researcher, their sources in order."""
    deciders, names = market.deciders["research"], market.brands.names
    rows = deciders.positions(person)
    if len(rows) == 0:
        return
    starts = np.flatnonzero(np.r_[True, person[rows][1:] != person[rows][:-1]])
    for mine in np.split(rows, starts[1:]):
        view = Research(
            tuple(
                Consultation(
                    Source(int(source[k])).key,
                    dict(zip(names, found[k].tolist(), strict=True)),
                    dict(zip(names, gain[k].tolist(), strict=True)),
                )
                for k in mine
            )
        )
        gains = deciders.agent(person[mine[0]]).research(view)
        if len(gains) != len(mine):
            raise ValueError(f"research() returned {len(gains)} gains for {len(mine)} sources")
        for k, answer in zip(mine, gains, strict=True):
            gain[k] = [float(answer.get(name, 0.0)) for name in names]
        if not np.isfinite(gain[mine]).all():
            raise ValueError("research() returned a gain that is not a finite number")


def pick_sources(market: Market, person: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A source per consultation, picked by its uniform `u` from the person's age-group habits."""
    cumulative = market.habits_cumulative[market.people.age_group[person]]
    pick = (u[:, None] > cumulative).sum(axis=1)
    return RESEARCH_SOURCE_CODES[np.minimum(pick, len(RESEARCH_SOURCES) - 1)]


def source_effects(
    market: Market, source: np.ndarray, u_found: np.ndarray, u_faq: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(attitude gain, brand found) per consultation and brand, for platform and influencer
    sources; `u_found` and `u_faq` hold a uniform per consultation and brand."""
    found_chance, base_gain = source_tables(market)
    found = u_found < found_chance[source]
    gain = np.where(found, base_gain[source], 0.0)
    rows, brand = np.nonzero(found & (source == Source.BRAND_SITE)[:, None])
    if len(rows):  # a question asked on each brand site found: answered or not
        research, coverage = market.scenario.research, market.brands.faq_coverage[brand]
        answered = u_faq[rows, brand] < coverage
        gain[rows, brand] += np.where(answered, research.weight_faq, -research.weight_faq)
    return gain, found


def source_tables(market: Market) -> tuple[np.ndarray, np.ndarray]:
    """Per (source, brand): chance research finds the brand there, and the attitude gain if so
    (one compiled pass, `kernels.reviewed_source_tables`, the reviews' pull included; with
    the reviews' half-life on, `kernels.source_tables` after the numpy `reviews_pull`)."""
    brands, research = market.brands, market.scenario.research
    if research.review_half_life_days <= 0:
        return journey_kernels.reviewed_source_tables(
            brands.presence,
            brands.influencer_presence,
            (
                brands.stars,
                brands.replied,
                float(research.reviews_half_credibility),
                float(research.reply_rating_bonus),
                float(research.weight_reviews),
            ),
            (float(research.weight_presence), float(research.weight_influencer)),
            SOURCE_TABLE_ROWS,
            N_SOURCES,
        )
    return journey_kernels.source_tables(
        brands.presence,
        brands.influencer_presence,
        reviews_pull(market),
        (float(research.weight_presence), float(research.weight_influencer)),
        SOURCE_TABLE_ROWS,
        N_SOURCES,
    )


def reviews_pull(market: Market) -> np.ndarray:
    """Attitude change from reading a brand's reviews: credibility x (rating - 3) / 2.

    Replies to negative reviews raise the rating readers perceive (Proserpio & Zervas 2017:
    +0.12 stars for hotels that respond). With `review_half_life_days` on, count and rating
    weigh recent reviews more (readers look at the latest reviews; BrightLocal 2020).
    """
    brands, research = market.brands, market.scenario.research
    count, mean = brands.read_reviews(research.review_half_life_days)
    credibility = count / (count + research.reviews_half_credibility)
    replied = brands.replied / np.maximum(brands.stars[:, :2].sum(axis=1), 1)
    rating = mean + research.reply_rating_bonus * replied
    return research.weight_reviews * credibility * (rating - 3.0) / 2.0


def ask_friends(
    market: Market,
    person: np.ndarray,
    asking: np.ndarray,
    u_friend: np.ndarray,
    gain: np.ndarray,
    found: np.ndarray,
) -> None:
    """Friends pass on their stance about the brand they own (advocate +, critic -); the
    friend asked is picked by the consultation's uniform `u_friend`."""
    rows = asking.nonzero()[0]
    if len(rows) == 0:
        return
    friend, _ = market.graph.random_contact(person[rows], u_friend[rows])
    known = friend >= 0
    rows, friend = rows[known], friend[known]
    brand = market.units.brand[market.people.unit[friend]].astype(np.int64)
    talks = brand >= 0
    rows, friend, brand = rows[talks], friend[talks], brand[talks]
    found[rows, brand] = True
    stance = market.people.stance[friend] * (market.people.stance_brand[friend] == brand)
    gain[rows, brand] += market.scenario.research.weight_friend * stance


def note_lead_source(market: Market, unit: np.ndarray, source: np.ndarray, gain: np.ndarray):
    """Remember, per unit, the source that pulled hardest toward the focal brand (column 0 of
    the consultations' `gain`), in one compiled pass (`kernels.note_lead_source`)."""
    units = market.units
    journey_kernels.note_lead_source(unit, source, gain, units.lead_source, units.lead_gain)
