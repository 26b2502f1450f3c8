"""The compiled journey rules (`sim.journey.kernels`) give exactly the numbers of the numpy code
they replaced: each test runs a kernel and that numpy code (kept here as the reference) on the
same random columns, empty cohorts and edge cases included, and compares every output and
every column written, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.journey import kernels
from sim.journey.shelf import CHANNEL_OF_SOURCE
from sim.journey.triggers import LEAD_GAIN_OF_TRIGGER
from sim.market.draw_kernels import (
    column_uniforms,
    deliver,
    poisson_counts,
    talkers_today,
    uniforms,
)
from sim.market.keyed_draws import KeyedDraws, poisson_tables
from sim.market.population import Flag
from sim.market.sources import ACQUISITION_CHANNELS, Source

RNG = np.random.default_rng(12)
DAY = 40
SIZES = [0, 1, 7, 300]


def same(a, b) -> bool:
    """Equal values, dtypes aside (NaN equal to NaN)."""
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def unit_columns(n: int = 500) -> dict[str, np.ndarray]:
    """Random unit columns in the engine's dtypes."""
    return {
        "flags": RNG.integers(0, 64, n).astype(np.uint8),
        "chosen": RNG.integers(0, 2, n).astype(np.int8),
        "brand": RNG.integers(-1, 2, n).astype(np.int8),
        "acquired_day": RNG.choice([-1, 3, 9], n).astype(np.int32),
        "churn_day": RNG.choice([-1, 5], n).astype(np.int32),
        "focal_purchases": RNG.integers(0, 3, n).astype(np.int16),
        "lead_source": RNG.integers(0, len(Source), n).astype(np.int8),
        "lead_gain": RNG.normal(0, 1, n).astype(np.float32),
        "satisfaction": RNG.uniform(1, 5, n).astype(np.float32),
        "p_leave": RNG.uniform(0, 0.3, n).astype(np.float32),
        "moment": RNG.integers(0, 6, n).astype(np.int8),
        "need_rate": RNG.uniform(0, 0.2, n).astype(np.float32),
    }


def copies(columns: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Two independent copies, one for the kernel and one for the numpy reference."""
    return {k: v.copy() for k, v in columns.items()}, {k: v.copy() for k, v in columns.items()}


def numpy_churn(who, acquired_day, churn_day, day) -> int:
    """`shelf.record_churn` before the kernel."""
    customers = who[acquired_day[who] >= 0]
    first = customers[churn_day[customers] < 0]
    churn_day[first] = day
    return len(customers)


@pytest.mark.parametrize("n", SIZES)
def test_churn_equals_record_churn(n):
    a, b = copies(unit_columns())
    who = RNG.permutation(500)[:n]
    got = kernels.churn(who, a["acquired_day"], a["churn_day"], DAY)
    assert got == numpy_churn(who, b["acquired_day"], b["churn_day"], DAY)
    assert same(a["churn_day"], b["churn_day"])


@pytest.mark.parametrize("n", SIZES)
def test_service_and_returns_equal_their_numpy_steps(n):
    a, b = copies(unit_columns())
    due = RNG.permutation(500)[:n]
    p_contact, p_resolves, p_return = np.array([0.6, 0.3]), np.array([0.7, 0.9]), 0.4
    rows = kernels.open_trouble(a["flags"], due)
    flags = b["flags"][due]
    trouble = (flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0
    assert same(rows, (trouble & ((flags & Flag.RESOLVED) == 0)).nonzero()[0])
    u = RNG.random((len(rows), 3))
    chances = (p_contact, p_resolves, p_return)
    returned, resolved, returns, lost = kernels.serve_and_return(
        due, rows, u, a["flags"], a["chosen"], chances, a["acquired_day"], a["churn_day"], DAY
    )
    # contact_service, then decide_returns, as the numpy rule did them
    open_, units = due[rows], b
    brand = units["chosen"][open_]
    fixed = (u[:, 0] < p_contact[brand]) & (u[:, 1] < p_resolves[brand])
    units["flags"][open_[fixed]] |= np.uint8(Flag.RESOLVED)
    is_resolved = (units["flags"][due] & Flag.RESOLVED) > 0
    assert resolved == np.count_nonzero(trouble & (units["chosen"][due] == 0) & is_resolved)
    unresolved = (units["flags"][open_] & Flag.RESOLVED) == 0
    went_back = unresolved & (u[:, 2] < p_return)
    units["flags"][open_[went_back]] |= np.uint8(Flag.RETURNED)
    focal = went_back & (units["chosen"][open_] == 0)
    assert returns == np.count_nonzero(focal)
    assert lost == numpy_churn(open_[focal], units["acquired_day"], units["churn_day"], DAY)
    expected = np.zeros(len(due), dtype=bool)
    expected[rows] = went_back
    assert same(returned, expected)
    for name in ("flags", "churn_day"):
        assert same(a[name], b[name])


def numpy_latent(members, unit_of, chosen, flags, role, tables, noise, penalties, onboarding):
    """`rate_experience`'s latent rating before the kernel."""
    (quality, sd, p_onboarded), (late, damaged, problem, bonus) = tables, penalties
    b2b, u, gain = onboarding
    brand = chosen[unit_of].astype(np.int64)
    flags = flags[unit_of]
    resolved = (flags & Flag.RESOLVED) > 0
    latent = quality[brand] + sd[brand] * noise
    latent -= late * ((flags & Flag.LATE) > 0)
    latent -= damaged * (((flags & Flag.DAMAGED) > 0) & ~resolved)
    latent -= problem * (((flags & Flag.PROBLEM) > 0) & ~resolved)
    latent += bonus * (((flags & (Flag.PROBLEM | Flag.DAMAGED)) > 0) & resolved)
    onboarded = np.zeros(len(members), dtype=bool)
    if b2b:
        onboarded = u[:, 3] < p_onboarded[brand]
        latent += np.where(onboarded, gain, -gain)
    user = (role[members] & 4) > 0
    return brand, flags, latent, user, onboarded


def numpy_settle(due, members, position, brand, latent, user, columns, weight, until):
    """`rate_experience` after the latent rating, `learn_from_experience` and `take_stance`."""
    chosen, satisfaction, rating, stars, attitude, aware, stance, stance_brand, talk = columns
    total = np.bincount(position, weights=latent * user, minlength=len(due))
    count = np.bincount(position, weights=user, minlength=len(due))
    mean = np.clip(total / np.maximum(count, 1), 1.0, 5.0)
    satisfaction[due] = mean
    own = np.where(user, latent, mean[position])
    ratings = np.clip(np.rint(own), 1, 5).astype(np.int8)
    rating[members] = ratings
    np.add.at(stars, (brand, ratings.astype(np.int64) - 1), 1)
    attitude[members, brand] += (weight * (ratings - 3.0) / 2.0).astype(np.float32)
    aware[members, brand] = True
    s = np.where(ratings >= 4, 1, np.where(ratings <= 2, -1, 0)).astype(np.int8)
    stance[members] = s
    stance_brand[members] = np.where(s != 0, brand, -1)
    talk[members] = until
    focal = brand == 0
    counts = (np.count_nonzero(chosen[due] == 0), np.count_nonzero((s > 0) & focal))
    return ratings, *counts, np.count_nonzero((s < 0) & focal)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("b2b", [False, True])
def test_ratings_equal_the_numpy_rule(n, b2b):
    units = unit_columns()
    due = RNG.permutation(500)[:n]
    sizes = RNG.integers(1, 4, n) if b2b else np.ones(n, dtype=np.int64)
    position = np.repeat(np.arange(n), sizes)
    members = RNG.permutation(2000)[: len(position)]
    role = RNG.integers(0, 8, 2000).astype(np.uint8)
    tables = (np.array([3.9, 3.2]), np.array([0.8, 1.1]), np.array([0.7, 0.4]))
    penalties = (0.9, 1.1, 1.3, 0.4)
    noise = RNG.normal(0, 1.5, len(members))
    u = RNG.random((len(members), 4 if b2b else 3))
    args = (members, due[position], units["chosen"], units["flags"], role, tables, noise)
    onboarding = (b2b, u, 0.6)
    got = kernels.experience_latent(*args, penalties, onboarding)
    expected = numpy_latent(*args, penalties, onboarding)
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)
    brand, _, latent, user, _ = expected
    columns = [
        units["chosen"],
        units["satisfaction"],
        np.zeros(2000, np.int8),
        RNG.integers(0, 9, (2, 5)),
        RNG.normal(0, 1, (2000, 2)).astype(np.float32),
        RNG.random((2000, 2)) < 0.5,
        np.zeros(2000, np.int8),
        np.zeros(2000, np.int8),
        np.zeros(2000, np.int32),
    ]
    mine, theirs = [c.copy() for c in columns], [c.copy() for c in columns]
    settled = (due, members, position, brand, latent, user)
    got = kernels.settle_experience(*settled, tuple(mine), 0.8, DAY + 7)
    expected = numpy_settle(*settled, theirs, 0.8, DAY + 7)
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)
    for x, y in zip(mine, theirs, strict=True):
        assert same(x, y)


@pytest.mark.parametrize("n", SIZES)
def test_review_tally_equals_record_reviews_counts(n):
    people = RNG.integers(0, 300, n)
    brand, stars = RNG.integers(0, 2, n), RNG.integers(1, 6, n).astype(np.int8)
    unit_of = RNG.integers(0, 100, 300).astype(np.int32)
    flags = RNG.integers(0, 32, 100).astype(np.uint8)
    expected_flags = flags.copy()
    expected_flags[unit_of[people]] |= np.uint8(Flag.REVIEWED)
    got = kernels.review_tally(people, brand, stars, unit_of, flags)
    focal = brand == 0
    per_star = np.bincount(stars[focal].astype(np.int64), minlength=6)[1:]
    head = [
        np.count_nonzero(focal),
        int(stars[focal].sum()),
        np.count_nonzero(focal & (stars <= 2)),
    ]
    assert same(got, [*head, *per_star])
    assert same(flags, expected_flags)


def numpy_choice(views, owned, showrooming, weights, tables, stocked, noise):
    """`shelf_utility`, the stock mask and the argmax of `choose_at_shelf` before the kernel."""
    attitude, aware, rows, rejected, buyers = views
    w_attitude, sensitivity, factor, w_shelf, walk = weights
    relative_price, shelf_quality = tables
    attitude, aware = attitude[rows].astype(np.float64), aware[rows]
    price_weight = sensitivity * np.where(showrooming, factor, 1)
    utility = (
        w_attitude * attitude
        - price_weight[:, None] * relative_price[None, :]
        + w_shelf * shelf_quality[None, :]
    )
    has = owned >= 0
    utility[has.nonzero()[0], owned[has]] += 1.0
    utility = np.where(aware & ~rejected[buyers], utility, -np.inf)
    utility = np.hstack([np.full((len(owned), 1), walk), utility])
    if stocked.shape[0]:
        utility[:, 1:] = np.where(stocked, utility[:, 1:], -np.inf)
    return np.argmax(utility + noise, axis=1) - 1


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("stock_outs", [False, True])
@pytest.mark.parametrize("b2b", [False, True])
def test_shelf_choice_equals_the_numpy_logit(n, stock_outs, b2b):
    people, brands = 400, 3
    attitude = RNG.normal(0, 1, (people, brands)).astype(np.float32)
    if b2b:
        attitude = attitude.astype(np.float64) * 0.7
    aware, rejected = RNG.random((people, brands)) < 0.7, RNG.random((people, brands)) < 0.1
    buyers = RNG.permutation(people)[:n]
    rows = np.arange(n) if b2b else buyers
    view = attitude[buyers] if b2b else attitude
    known = aware[buyers] if b2b else aware
    views = (view, known, rows, rejected, buyers)
    owned = RNG.integers(-1, brands, n).astype(np.int8)
    showrooming = RNG.random(n) < 0.3
    weights = (1.0, 1.2, 1.5, 0.5, 0.3)
    tables = (np.log2(np.array([1.0, 1.4, 0.8]) / 1.0667), np.array([0.2, -0.1, 0.4]))
    stocked = RNG.random((n, brands)) < 0.8 if stock_outs else np.ones((0, 0), dtype=bool)
    noise = -np.log(-np.log(RNG.random((n, 1 + brands))))
    if n > 3:  # ties and a NaN: the first best option wins, as `np.argmax`
        noise[0] = -np.inf  # every option -inf: walking away, the first
        noise[1, 2] = np.nan
    args = (views, owned, showrooming, weights, tables, stocked, noise)
    assert same(kernels.shelf_choice(*args), numpy_choice(*args))


def delivery_tables():
    """Delivery chances per brand and SMOT days, as `shelf.delivery_chances` gives them."""
    return (np.array([0.2, 0.4]), np.array([0.1, 0.3]), np.array([0.3, 0.2]), 12.0, 3.0)


def numpy_start_experience(who, brand, u, flags, chances):
    """`shelf.start_experience` before the kernel: (days, focal late, focal trouble)."""
    p_late, p_damaged, p_problem, smot_days, late_extra = chances
    late = u[:, 0] < p_late[brand]
    damaged = u[:, 1] < p_damaged[brand]
    problem = u[:, 2] < p_problem[brand]
    flags[who] = (late * Flag.LATE | damaged * Flag.DAMAGED | problem * Flag.PROBLEM).astype(
        np.uint8
    )
    focal = brand == 0
    days = np.rint(smot_days + late * late_extra)
    return days, np.count_nonzero(late & focal), np.count_nonzero((problem | damaged) & focal)


@pytest.mark.parametrize("n", SIZES)
def test_buy_and_walk_away_equal_the_numpy_bookkeeping(n):
    a, b = copies(unit_columns())
    who = RNG.permutation(500)[:n]
    brand = RNG.integers(0, 2, n)
    u = RNG.random((n, 3))
    names = ("acquired_day", "focal_purchases", "lead_source", "churn_day", "brand", "chosen")
    columns = tuple(a[k] for k in names) + (a["flags"],)
    n_channels = len(ACQUISITION_CHANNELS)
    got_days, counts, channels = kernels.buy(
        who, brand, u, columns, delivery_tables(), CHANNEL_OF_SOURCE, n_channels, DAY
    )
    focal = brand == 0
    previous = b["brand"][who]
    first = focal & (b["acquired_day"][who] < 0)
    repeat = np.count_nonzero(focal & (b["focal_purchases"][who] > 0))
    b["acquired_day"][who[first]] = DAY
    b["focal_purchases"][who[focal]] += 1
    channel = CHANNEL_OF_SOURCE[b["lead_source"][who[first]].astype(np.int64)]
    per_channel = np.bincount(channel[channel >= 0], minlength=n_channels)
    switched = (previous == 0) & ~focal
    churned = numpy_churn(who[switched], b["acquired_day"], b["churn_day"], DAY)
    b["brand"][who] = brand
    b["chosen"][who] = brand
    days, late, trouble = numpy_start_experience(who, brand, u, b["flags"], delivery_tables())
    head = [np.count_nonzero(focal), np.count_nonzero(~focal), repeat, np.count_nonzero(first)]
    assert same(counts, [*head, np.count_nonzero(switched), churned, late, trouble])
    assert same(channels, per_channel) and same(got_days, days)
    for name in a:
        assert same(a[name], b[name]), name
    seeds_days, *seeds_counts = kernels.start_experience(
        who, brand, u, a["flags"], delivery_tables()
    )
    assert same(seeds_days, days) and seeds_counts == [late, trouble]
    walkers = RNG.permutation(500)[:n]
    leaving, lost = kernels.walk_away(walkers, a["brand"], a["acquired_day"], a["churn_day"], DAY)
    owners = walkers[b["brand"][walkers] == 0]
    assert leaving == len(owners)
    assert lost == numpy_churn(owners, b["acquired_day"], b["churn_day"], DAY)
    b["brand"][walkers] = -1
    for name in a:
        assert same(a[name], b[name]), name


def numpy_word_of_mouth(draws, talk, rates, graph, chances, opinion, weight):
    """`talkers_today`, `message_counts`, `deliver` and `hear` (reject, expose, the positive
    nudges) and the posting influencers, as the rule did them before the kernel."""
    stance, stance_brand, talk_until, person_unit, unit_brand, day = talk[:6]
    brand_heard, critics_heard, is_influencer, post_until = talk[6:]
    start, contacts, strong = graph
    attitude, aware, rejected = opinion
    people, brand, valence, which = talkers_today(*talk[:8])
    rows = is_influencer[people].nonzero()[0]
    posting = rows[talk_until[people[rows]] == post_until]
    posts = (people[posting], brand[posting], valence[posting])
    u = draws.uniform("messages", day, people)
    counts = poisson_counts(u, rates[which], poisson_tables(tuple(rates.tolist())), which)
    sender = np.repeat(np.arange(len(people)), counts)
    j = np.arange(len(sender)) - np.repeat(np.cumsum(counts) - counts, counts)
    key = draws.stream_key("message", day)
    hearer, heard = deliver(key, people[sender], j, start, contacts, strong, *chances[:2])
    sender, j = sender[heard], j[heard]
    hearer, brand, valence = hearer[heard], brand[sender], valence[sender]
    negative = (valence < 0).nonzero()[0]
    who, b = hearer[negative], brand[negative]
    outsider = unit_brand[person_unit[who]] != b
    message = ((people[sender] << 32) | j)[negative]
    hit = outsider & draws.bernoulli(chances[2], "reject", day, who, message)
    rejected[who[hit], b[hit]] = True
    np.add.at(attitude, (hearer, brand), np.asarray(weight * valence, dtype=np.float32))
    aware[hearer, brand] = True
    focal, positive = brand == 0, valence > 0
    counts = len(hearer), np.count_nonzero(focal & positive), np.count_nonzero(focal & ~positive)
    return (hearer[positive], brand[positive], *counts), posts


@pytest.mark.parametrize("n", [0, 1, 50, 2000])
@pytest.mark.parametrize("p_reject", [0.0, 0.6])
def test_spread_messages_equals_talkers_counts_delivery_and_hearing(n, p_reject):
    from sim.market.network import to_csr

    people = max(n, 10)
    u, v = RNG.integers(0, people - 5, 3000), RNG.integers(0, people - 5, 3000)
    graph = to_csr(people, u, v, RNG.random(3000) < 0.5)
    csr = (graph.start, graph.contacts, graph.strong)
    stance = RNG.choice(np.array([-1, 0, 1], dtype=np.int8), people)
    stance[people - 5 :] = RNG.choice(np.array([-1, 1], dtype=np.int8), 5)  # tieless talkers
    stance_brand = np.where(stance != 0, RNG.integers(0, 2, people), -1).astype(np.int8)
    talk_until = RNG.integers(DAY - 10, DAY + 8, people).astype(np.int32)
    person_unit = RNG.integers(0, people, people).astype(np.int32)
    unit_brand = RNG.integers(-1, 2, people).astype(np.int8)
    heard, critics = np.array([True, n != 50]), np.array([n != 2000, True])
    is_influencer = RNG.random(people) < 0.2
    talk = (stance, stance_brand, talk_until, person_unit, unit_brand, DAY, heard, critics)
    talk += (is_influencer, DAY + 7)
    rates = np.array([0.05, 0.1, 0.43, 1.7])
    rates.flags.writeable = False
    opinion = (
        RNG.normal(0, 1, (people, 2)).astype(np.float32),
        RNG.random((people, 2)) < 0.5,
        np.zeros((people, 2), dtype=bool),
    )
    mine, theirs = [x.copy() for x in opinion], [x.copy() for x in opinion]
    draws = KeyedDraws(5).scope("word_of_mouth")
    keys = tuple(draws.stream_key(d, DAY) for d in ("messages", "message", "reject"))
    table = poisson_tables(tuple(rates.tolist()))
    chances = (0.9, 0.3, p_reject)
    got = kernels.spread_messages(keys, talk, (rates, table), csr, chances, tuple(mine), 0.35)
    expected = numpy_word_of_mouth(draws, talk, rates, csr, chances, theirs, 0.35)
    for got_part, expected_part in zip(got, expected, strict=True):
        for x, y in zip(got_part, expected_part, strict=True):
            assert same(x, y)
    for x, y in zip(mine, theirs, strict=True):
        assert same(x, y)
    if n == 2000:
        assert got[0][2] > 100 and len(got[0][0]) > 64 and len(got[1][0]) > 0
        assert (p_reject == 0) == (not mine[2].any())


@pytest.mark.parametrize("n", SIZES)
def test_recurring_paths_and_their_bookkeeping_equal_the_numpy_rule(n):
    a, b = copies(unit_columns())
    due = RNG.permutation(500)[:n]
    u = RNG.random((n, 3))
    leave, direct, p_direct = kernels.recurring_paths(
        due, u, a["p_leave"], a["satisfaction"], (0.7, 0.3)
    )
    expected_leave = u[:, 0] < b["p_leave"][due]
    sat = b["satisfaction"][due]
    expected_p = np.where(sat >= 3.5, 0.7, np.where(sat >= 2.5, 0.3, 0.0))
    expected_direct = ~expected_leave & (u[:, 1] < expected_p)
    assert same(leave, expected_leave) and same(direct, expected_direct)
    assert same(p_direct, expected_p)
    names = ("brand", "acquired_day", "churn_day", "lead_source", "lead_gain")
    got = kernels.settle_paths(due, leave, direct, tuple(a[k] for k in names), 0, DAY)
    gone = due[leave]
    owners = gone[b["brand"][gone] == 0]
    lost = numpy_churn(owners, b["acquired_day"], b["churn_day"], DAY)
    b["brand"][gone] = -1
    b["lead_source"][due[~leave]] = 0
    b["lead_gain"][due[~leave]] = 0.0
    research = ~leave & ~direct
    expected = (gone, due[direct], due[research], research.nonzero()[0], len(owners), lost)
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)
    for name in a:
        assert same(a[name], b[name]), name


@pytest.mark.parametrize("n", SIZES)
def test_note_lead_source_equals_the_numpy_lexsort(n):
    unit = RNG.integers(0, 40, n)
    source = RNG.integers(0, 8, n)
    gain = RNG.integers(-1, 3, (n, 2)).astype(np.float64)  # whole: ties between consultations
    if n > 5:
        gain[3, 0] = np.nan
    lead_source = RNG.integers(0, 8, 40).astype(np.int8)
    lead_gain = RNG.normal(0, 0.5, 40).astype(np.float32)
    mine = (lead_source.copy(), lead_gain.copy())
    kernels.note_lead_source(unit, source, gain, *mine)
    focal_gain = gain[:, 0]
    order = np.lexsort((focal_gain, unit))
    last = np.ones(len(order), dtype=bool)
    last[:-1] = unit[order][1:] != unit[order][:-1]
    best = order[last]
    better = focal_gain[best] > lead_gain[unit[best]]
    winners = unit[best][better]
    lead_gain[winners] = focal_gain[best][better]
    lead_source[winners] = source[best][better]
    assert same(mine[0], lead_source) and same(mine[1], lead_gain)


# `triggers`' starts before `kernels.journey_starts`, the reference it is compared with.


def need_starts(
    waiting: np.ndarray, draw: np.ndarray, need: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`broad_starts` on a day without broad stimuli, in a third of its numpy calls: every
    start is the unit's own need (the same arrays, tested)."""
    started = draw < need
    who, draw, need = waiting[started], draw[started], need[started]
    source = np.full(len(who), int(Source.NEED))
    return who, source, np.full(len(who), -1), rescale(draw, 0.0, need)


def broad_starts(
    market,
    waiting: np.ndarray,
    draw: np.ndarray,
    need: np.ndarray,
    broad: np.ndarray,
    cumulative: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(units, source, brand, uniform for the research) started by their need or a broad
    stimulus: one uniform per waiting unit decides whether and why (competing hazards)."""
    started = draw < need + cumulative[-1]
    who, draw, need = waiting[started], draw[started], need[started]
    from_need = draw < need
    cell = np.searchsorted(cumulative, draw - need, side="right")
    cell = np.minimum(cell, len(broad) - 1)
    source = np.where(from_need, int(Source.NEED), cell // market.brands.n)
    brand = np.where(from_need, -1, cell % market.brands.n)
    low = np.where(from_need, 0.0, need + cumulative[cell] - broad[cell])
    width = np.where(from_need, need, broad[cell])
    return who, source, brand, rescale(draw, low, width)


def rescale(u: np.ndarray, low: np.ndarray, width: np.ndarray) -> np.ndarray:
    """(u - low) / width, kept inside [0, 1): a uniform known to lie in [low, low + width)
    made uniform on [0, 1) again (rounding can put it a hair outside)."""
    return np.clip((u - low) / np.maximum(width, 1e-300), 0.0, np.nextafter(1.0, 0.0))


@pytest.mark.parametrize("with_broad", [False, True])
@pytest.mark.parametrize("new_category", [False, True])
def test_journey_starts_equal_need_and_broad_starts(with_broad, new_category):
    units = unit_columns(3000)
    draws = KeyedDraws(9).scope("triggers")
    broad = np.zeros((len(Source), 2))
    if with_broad:
        broad[Source.ADS] = [0.05, 0.02]
        broad[Source.WORD_OF_MOUTH, 1] = 0.03
    broad = broad.ravel()
    cumulative = np.cumsum(broad)
    knows = RNG.random(3000) < 0.5 if new_category else np.zeros(0, dtype=bool)
    key = draws.stream_key("start", DAY)
    got = kernels.journey_starts(
        units["moment"], units["need_rate"], knows, key, broad, cumulative, 2, 0, int(Source.NEED)
    )
    waiting = (units["moment"] == 0).nonzero()[0]
    need = units["need_rate"][waiting].astype(np.float64)
    if new_category:
        need = need * knows[waiting]
    draw = draws.uniform("start", DAY, waiting)
    if with_broad:
        expected = broad_starts(FakeMarket(), waiting, draw, need, broad, cumulative)
    else:
        expected = need_starts(waiting, draw, need)
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)
    assert len(got[0]) > 10 and (not with_broad or (got[1] != Source.NEED).any())


class FakeMarket:
    """What `broad_starts` reads of a market: the number of brands."""

    class brands:  # noqa: N801 - an attribute namespace
        n = 2


def numpy_nudge_slots(people: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """`triggers.nudge_slots` before the kernel."""
    order = np.lexsort((kind, people))
    key_people, key_kind = people[order], kind[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (key_people[1:] != key_people[:-1]) | (key_kind[1:] != key_kind[:-1])
    start = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - start
    return (kind.astype(np.int64) << 32) | rank


@pytest.mark.parametrize("n", [0, 1, 7, 400])
def test_nudge_starts_equal_the_numpy_nudges(n):
    people = RNG.integers(0, 120, n)  # repeats: several nudges of one kind to a person
    brands, sources = RNG.integers(0, 2, n), RNG.choice([int(Source.WORD_OF_MOUTH), 4], n)
    chances = RNG.uniform(0.2, 0.9, n)
    person_unit = RNG.integers(0, 60, 120).astype(np.int32)
    moment = RNG.integers(0, 2, 60).astype(np.int8)
    started = np.sort(RNG.permutation(60)[:10])
    draws = KeyedDraws(4).scope("triggers")
    key = draws.stream_key("nudge", DAY)
    nudges = (people, brands, sources, chances)
    kind = sources * 2 + brands
    assert same(kernels.nudge_slots(people, kind), numpy_nudge_slots(people, kind))
    got = kernels.nudge_starts(nudges, person_unit, moment, started, key, 2, 0)
    is_started = np.zeros(60, dtype=bool)
    is_started[started] = True
    unit = person_unit[people]
    waiting = (moment[unit] == 0) & ~is_started[unit]
    u = draws.uniform("nudge", DAY, people, numpy_nudge_slots(people, kind))
    hit = waiting & (u < chances)
    unit, index = np.unique(unit[hit], return_index=True)
    rest = rescale(u[hit][index], 0.0, chances[hit][index])
    expected = (unit, sources[hit][index], brands[hit][index], rest)
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)


@pytest.mark.parametrize("n", SIZES)
def test_begin_research_equals_the_numpy_bookkeeping(n):
    units = unit_columns()
    who = RNG.permutation(500)[:n]
    source = RNG.integers(0, len(Source), n)
    brand = RNG.integers(-1, 2, n)
    start = RNG.permutation(500)
    aware = RNG.random((500, 2)) < 0.3
    mine = (start, aware.copy(), units["lead_source"].copy(), units["lead_gain"].copy())
    counts = kernels.begin_research(
        who, source, brand, mine, LEAD_GAIN_OF_TRIGGER, int(Source.NEED), len(Source)
    )
    assert same(counts, np.bincount(source, minlength=len(Source)))
    branded = brand >= 0
    aware[start[who[branded]], brand[branded]] = True
    focal = branded & (brand == 0)
    lead_source, lead_gain = units["lead_source"], units["lead_gain"]
    lead_source[who] = np.where(focal, source, int(Source.NEED))
    lead_gain[who] = np.where(focal, LEAD_GAIN_OF_TRIGGER, 0.0)
    assert same(mine[1], aware) and same(mine[2], lead_source) and same(mine[3], lead_gain)


def test_source_tables_equal_the_numpy_tables():
    from sim.journey.research import PLATFORM_ROWS, SOURCE_TABLE_ROWS
    from sim.market.state import N_SOURCES

    presence = RNG.random((3, len(PLATFORM_ROWS)))
    influencer_presence, pull = RNG.random(3), RNG.normal(0, 0.3, 3)
    found, gain = kernels.source_tables(
        presence, influencer_presence, pull, (0.4, 0.7), SOURCE_TABLE_ROWS, N_SOURCES
    )
    expected_found, expected_gain = np.zeros((N_SOURCES, 3)), np.zeros((N_SOURCES, 3))
    expected_found[PLATFORM_ROWS] = presence.T
    expected_gain[PLATFORM_ROWS] = 0.4
    expected_found[Source.INFLUENCER] = influencer_presence
    expected_gain[Source.INFLUENCER] = 0.7
    for platform in (Source.MARKETPLACE, Source.REVIEW_SITES):
        expected_gain[platform] += pull
    expected_gain[Source.SOCIAL_VIDEO] += 0.5 * pull
    assert same(found, expected_found) and same(gain, expected_gain)


@pytest.mark.parametrize("n", SIZES)
def test_after_feedback_splits_returns_as_numpy(n):
    units = unit_columns()
    due = RNG.permutation(500)[:n]
    u = RNG.random(n)
    chosen = units["chosen"].copy()
    back, u_back, kept, u_kept = kernels.after_feedback(due, u, units["flags"], chosen)
    returned = (units["flags"][due] & Flag.RETURNED) > 0
    units["chosen"][due] = -1
    assert same(back, due[returned]) and same(u_back, u[returned])
    assert same(kept, due[~returned]) and same(u_kept, u[~returned])
    assert same(chosen, units["chosen"])


KEY = KeyedDraws(3).scope("fused").stream_key("day's draws", DAY)
"""A stream key for the kernels that draw their own uniforms."""


@pytest.mark.parametrize("n", SIZES)
def test_drawn_after_feedback_equals_uniforms_then_after_feedback(n):
    a, b = copies(unit_columns())
    due = RNG.permutation(500)[:n].astype(np.int64)
    got = kernels.drawn_after_feedback(due, KEY, a["flags"], a["chosen"])
    u = uniforms(KEY, due)
    expected = kernels.after_feedback(due, u, b["flags"], b["chosen"])
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)
    assert same(a["chosen"], b["chosen"])


@pytest.mark.parametrize("n", SIZES)
def test_serve_open_trouble_equals_its_three_steps(n):
    a, b = copies(unit_columns())
    due = RNG.permutation(500)[:n].astype(np.int64)
    chances = (np.array([0.6, 0.3]), np.array([0.7, 0.9]), 0.4)
    days = ("acquired_day", "churn_day")
    got = kernels.serve_open_trouble(
        due, KEY, a["flags"], a["chosen"], chances, *(a[k] for k in days), DAY
    )
    rows = kernels.open_trouble(b["flags"], due)
    u = column_uniforms(KEY, due[rows], 3)
    expected = kernels.serve_and_return(
        due, rows, u, b["flags"], b["chosen"], chances, *(b[k] for k in days), DAY
    )
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)
    for name in a:
        assert same(a[name], b[name]), name


@pytest.mark.parametrize("n", SIZES)
def test_drawn_paths_equal_their_three_steps(n):
    a, b = copies(unit_columns())
    due = RNG.permutation(500)[:n].astype(np.int64)
    names = ("brand", "acquired_day", "churn_day", "lead_source", "lead_gain")
    got = kernels.drawn_paths(
        due, KEY, a["p_leave"], a["satisfaction"], (0.7, 0.3), tuple(a[k] for k in names), 0, DAY
    )
    u = column_uniforms(KEY, due, 3)
    leave, direct, _ = kernels.recurring_paths(due, u, b["p_leave"], b["satisfaction"], (0.7, 0.3))
    columns = tuple(b[k] for k in names)
    expected = (u, *kernels.settle_paths(due, leave, direct, columns, 0, DAY))
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)
    for name in a:
        assert same(a[name], b[name]), name


@pytest.mark.parametrize("most", [0, 1, 40])
def test_reviewed_source_tables_equal_the_numpy_reviews_pull(most):
    from sim.journey.research import PLATFORM_ROWS, SOURCE_TABLE_ROWS
    from sim.market.book_kernels import review_summary
    from sim.market.state import N_SOURCES

    presence, influencer_presence = RNG.random((3, len(PLATFORM_ROWS))), RNG.random(3)
    stars = RNG.integers(0, most + 1, (3, 5)).astype(np.int64)
    replied = RNG.integers(0, most + 1, 3).astype(np.int64)
    half, bonus, weight = 20.0, 0.12, 0.6
    # `research.reviews_pull` without a half-life, as numpy computes it
    count, mean = review_summary(stars)
    credibility = count / (count + half)
    share = replied / np.maximum(stars[:, :2].sum(axis=1), 1)
    pull = weight * credibility * (mean + bonus * share - 3.0) / 2.0
    rows, weights = SOURCE_TABLE_ROWS, (0.4, 0.7)
    expected = kernels.source_tables(presence, influencer_presence, pull, weights, rows, N_SOURCES)
    reviews = (stars, replied, half, bonus, weight)
    got = kernels.reviewed_source_tables(
        presence, influencer_presence, reviews, weights, rows, N_SOURCES
    )
    for x, y in zip(got, expected, strict=True):
        assert same(x, y)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("stock_outs", [False, True])
def test_choose_and_buy_equals_shelf_choice_then_buy(n, stock_outs):
    a, b = copies(unit_columns())
    people, brands = 500, 2
    attitude = RNG.normal(0, 1, (people, brands)).astype(np.float32)
    aware, rejected = RNG.random((people, brands)) < 0.7, RNG.random((people, brands)) < 0.1
    due = RNG.permutation(500)[:n].astype(np.int64)
    tables = (np.log2(np.array([1.0, 1.4]) / 1.2), np.array([0.2, -0.1]))
    stocked = RNG.random((n, brands)) < 0.8 if stock_outs else np.ones((0, 0), dtype=bool)
    u = RNG.random((n, 1 + (1 + brands) + 3))
    noise = -np.log(-np.log(u[:, 1 : 2 + brands]))
    names = ("acquired_day", "focal_purchases", "lead_source", "churn_day", "brand", "chosen")
    shelf = [(attitude, aware, due, rejected, due), a["brand"][due], u[:, 0] < 0.3]
    shelf += [(1.0, 1.2, 1.5, 0.5, 0.3), tables]
    purchase = (
        tuple(a[k] for k in names) + (a["flags"],),
        delivery_tables(),
        len(ACQUISITION_CHANNELS),
        DAY,
    )
    got = kernels.choose_and_buy(
        tuple(shelf), stocked, noise, due, u, 2 + brands, purchase, CHANNEL_OF_SOURCE
    )
    choice = kernels.shelf_choice(*shelf, stocked, noise)
    bought = choice >= 0
    columns = tuple(b[k] for k in names) + (b["flags"],)
    expected = kernels.buy(
        due[bought],
        choice[bought],
        u[bought, 2 + brands :],
        columns,
        delivery_tables(),
        CHANNEL_OF_SOURCE,
        len(ACQUISITION_CHANNELS),
        DAY,
    )
    assert same(got[0], due[bought]) and same(got[1], choice[bought])
    assert same(got[2], due[~bought])
    for x, y in zip(got[3:], expected, strict=True):
        assert same(x, y)
    for name in a:
        assert same(a[name], b[name]), name
