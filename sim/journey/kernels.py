"""Compiled (numba) passes of the journey rules: a rule's bookkeeping in one call, not twenty.

Why: a day's cohorts are tens of units, so a rule's numpy calls (each 1-5 us whatever the
cohort's size) cost more than the work; about 900 Python calls a day made the 10,000-consumer
year (issue 12). Each kernel here does one rule's integer, comparison and bookkeeping steps in
one pass over its cohort, in the order the numpy code did them.

The same rules as `sim.market.draw_kernels` keep the results bit for bit: only integer
arithmetic, comparisons and exact float operations, each elementwise float operation in
numpy's order and dtype (float32 where the column is float32), and float sums in numpy's
order (`np.bincount` and `np.add.at` add in index order). Logarithms, cosines and square
roots of the draws (normal and Gumbel noise) stay in numpy. `tests/test_journey_kernels.py`
compares every kernel with the numpy code it replaced.
"""

from __future__ import annotations

import numpy as np

from sim.market import book_kernels, draw_kernels
from sim.market.compiled import inline, jit
from sim.market.draw_kernels import GAMMA, _id_hash, _mix, _talk_class, _unit
from sim.market.population import Flag, Role

PROBLEM, LATE, DAMAGED = int(Flag.PROBLEM), int(Flag.LATE), int(Flag.DAMAGED)
RESOLVED, RETURNED, REVIEWED = int(Flag.RESOLVED), int(Flag.RETURNED), int(Flag.REVIEWED)
TROUBLE = PROBLEM | DAMAGED
END_USER = int(Role.END_USER)
_GAMMA, _ONE = np.uint64(GAMMA), np.uint64(1)


@inline
def _slot_unit(h: np.uint64, slot: int) -> float:
    """The uniform of `slot` of an id whose first hash step is `h` (`keyed_draws.slot_steps`)."""
    return _unit(_mix(h + (np.uint64(slot) + _ONE) * _GAMMA))


@inline
def _churn(unit: int, acquired_day: np.ndarray, churn_day: np.ndarray, day: int) -> int:
    """`shelf.record_churn` for one unit: 1 if it was a paying customer (its first loss
    remembered), else 0."""
    if acquired_day[unit] < 0:
        return 0
    if churn_day[unit] < 0:
        churn_day[unit] = day
    return 1


@jit
def churn(who: np.ndarray, acquired_day: np.ndarray, churn_day: np.ndarray, day: int) -> int:
    """`shelf.record_churn`'s bookkeeping: customers among `who` lost today (count returned),
    each one's first loss day written to `churn_day`."""
    lost = 0
    for i in range(who.shape[0]):
        lost += _churn(who[i], acquired_day, churn_day, day)
    return lost


@jit
def open_trouble(flags: np.ndarray, due: np.ndarray) -> np.ndarray:
    """Positions in `due` of units with a problem or damage not yet resolved."""
    rows = np.empty(due.shape[0], dtype=np.int64)
    n = 0
    for i in range(due.shape[0]):
        f = flags[due[i]]
        if f & TROUBLE and not f & RESOLVED:
            rows[n] = i
            n += 1
    return rows[:n]


@jit
def serve_and_return(
    due: np.ndarray,
    rows: np.ndarray,
    u: np.ndarray,
    flags: np.ndarray,
    chosen: np.ndarray,
    chances: tuple,
    acquired_day: np.ndarray,
    churn_day: np.ndarray,
    day: int,
) -> tuple[np.ndarray, int, int, int]:
    """`contact_service` then `decide_returns` on the units at `due[rows]` (open trouble):
    (returned per position in `due`, focal problems resolved, focal returns, customers lost).

    `u` holds three uniforms per open unit (contact, resolves, return); `chances` is (contact
    service per brand, service resolves per brand, return if unresolved).
    """
    p_contact, p_resolves, p_return = chances
    for i in range(rows.shape[0]):
        unit = due[rows[i]]
        b = chosen[unit]
        if u[i, 0] < p_contact[b] and u[i, 1] < p_resolves[b]:
            flags[unit] |= RESOLVED
    resolved = 0
    for i in range(due.shape[0]):
        f = flags[due[i]]
        resolved += (f & TROUBLE) > 0 and chosen[due[i]] == 0 and (f & RESOLVED) > 0
    returned = np.zeros(due.shape[0], dtype=np.bool_)
    returns, lost = 0, 0
    for i in range(rows.shape[0]):
        unit = due[rows[i]]
        if flags[unit] & RESOLVED or not u[i, 2] < p_return:
            continue
        flags[unit] |= RETURNED
        returned[rows[i]] = True
        if chosen[unit] == 0:
            returns += 1
            lost += _churn(unit, acquired_day, churn_day, day)
    return returned, resolved, returns, lost


@jit
def serve_open_trouble(
    due: np.ndarray,
    key: np.uint64,
    flags: np.ndarray,
    chosen: np.ndarray,
    chances: tuple,
    acquired_day: np.ndarray,
    churn_day: np.ndarray,
    day: int,
) -> tuple[np.ndarray, int, int, int]:
    """`open_trouble`, the open units' three service uniforms on the stream `key` and
    `serve_and_return`, in one call instead of three (`experience.finish_experience`); returns
    what `serve_and_return` does."""
    rows = open_trouble(flags, due)
    u = draw_kernels.column_uniforms(key, due[rows], 3)
    return serve_and_return(due, rows, u, flags, chosen, chances, acquired_day, churn_day, day)


@jit
def experience_latent(
    members: np.ndarray,
    unit_of: np.ndarray,
    chosen: np.ndarray,
    flags: np.ndarray,
    role: np.ndarray,
    brand_table: tuple,
    noise: np.ndarray,
    penalties: tuple,
    onboarding: tuple,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(brand, flags, latent rating, end user, onboarded) per member: `rate_experience`'s
    latent rating before end users of a deciding class replace theirs.

    `unit_of` is each member's unit; `brand_table` is (quality, satisfaction sd, chance
    onboarded) per brand; `penalties` is (late, damaged, problem, recovery bonus); `onboarding`
    is (B2B or not, the members' draws with the onboarding uniform in column 3, the onboarding
    gain).
    """
    quality, sd, p_onboarded = brand_table
    late, damaged, problem, bonus = penalties
    b2b, u, gain = onboarding
    n = members.shape[0]
    brand = np.empty(n, dtype=np.int64)
    member_flags = np.empty(n, dtype=flags.dtype)
    latent = np.empty(n)
    user = np.empty(n, dtype=np.bool_)
    onboarded = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        unit = unit_of[i]
        b = np.int64(chosen[unit])
        f = flags[unit]
        brand[i], member_flags[i] = b, f
        resolved = (f & RESOLVED) > 0
        x = quality[b] + sd[b] * noise[i]
        x -= late * np.float64((f & LATE) > 0)
        x -= damaged * np.float64((f & DAMAGED) > 0 and not resolved)
        x -= problem * np.float64((f & PROBLEM) > 0 and not resolved)
        x += bonus * np.float64((f & TROUBLE) > 0 and resolved)
        if b2b:
            onboarded[i] = u[i, 3] < p_onboarded[b]
            x += gain if onboarded[i] else -gain
        latent[i] = x
        user[i] = (role[members[i]] & END_USER) > 0
    return brand, member_flags, latent, user, onboarded


@jit
def settle_experience(
    due: np.ndarray,
    members: np.ndarray,
    position: np.ndarray,
    brand: np.ndarray,
    latent: np.ndarray,
    user: np.ndarray,
    columns: tuple,
    weight: float,
    talk_until_day: int,
) -> tuple[np.ndarray, int, int, int]:
    """Ratings from latent ratings, and what they do: `rate_experience` after the latent
    rating, learning from use and taking a stance, in one pass. Returns (rating per member,
    focal experiences, focal advocates, focal critics).

    A unit's satisfaction is its end users' mean latent rating (summed in member order, as
    `np.bincount`), clipped to 1-5; end users keep their own, the others take the mean.
    `columns` is (chosen, satisfaction, person rating, private stars, attitude, aware, stance,
    stance brand, talk until).
    """
    chosen, satisfaction, rating, private_stars, attitude, aware = columns[:6]
    stance, stance_brand, talk_until = columns[6:]
    n_units, n = due.shape[0], members.shape[0]
    total = np.zeros(n_units)
    count = np.zeros(n_units)
    for i in range(n):
        total[position[i]] += latent[i] * np.float64(user[i])
        count[position[i]] += np.float64(user[i])
    mean = np.empty(n_units)
    experiences = 0
    for k in range(n_units):
        mean[k] = _clip(total[k] / max(count[k], 1.0), 1.0, 5.0)
        satisfaction[due[k]] = mean[k]
        experiences += chosen[due[k]] == 0
    ratings = np.empty(n, dtype=np.int8)
    advocates, critics = 0, 0
    for i in range(n):
        own = latent[i] if user[i] else mean[position[i]]
        r = np.int8(_clip(np.rint(own), 1.0, 5.0))
        p, b = members[i], brand[i]
        ratings[i] = r
        rating[p] = r
        private_stars[b, r - 1] += 1
        attitude[p, b] += np.float32(weight * (np.float64(r) - 3.0) / 2.0)
        aware[p, b] = True
        s = 1 if r >= 4 else (-1 if r <= 2 else 0)
        stance[p] = s
        stance_brand[p] = b if s != 0 else -1
        talk_until[p] = talk_until_day
        advocates += s > 0 and b == 0
        critics += s < 0 and b == 0
    return ratings, experiences, advocates, critics


@inline
def _clip(x: float, low: float, high: float) -> float:
    """`np.clip` of one double (a NaN stays NaN)."""
    if x < low:
        return low
    if x > high:
        return high
    return x


@jit
def review_tally(
    people: np.ndarray,
    brand: np.ndarray,
    stars: np.ndarray,
    unit_of: np.ndarray,
    flags: np.ndarray,
) -> np.ndarray:
    """`record_reviews`' bookkeeping: flags the reviewers' units as reviewed and returns the
    focal brand's (reviews, stars summed, negative reviews, reviews with 1 .. 5 stars)."""
    out = np.zeros(8, dtype=np.int64)
    for i in range(people.shape[0]):
        flags[unit_of[people[i]]] |= REVIEWED
        if brand[i] != 0:
            continue
        s = np.int64(stars[i])
        out[0] += 1
        out[1] += s
        out[2] += s <= 2
        out[2 + s] += 1
    return out


@jit
def shelf_choice(
    views: tuple,
    owned: np.ndarray,
    showrooming: np.ndarray,
    weights: tuple,
    brand_table: tuple,
    stocked: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """Brand chosen (-1: walk away) per unit at the shelf: `shelf.shelf_utility` plus the
    Gumbel `noise` (walking away in column 0), out-of-stock and unknown or rejected brands
    left out, the first best option taken (`np.argmax`).

    `views` is (attitude rows, aware rows, row of each unit, rejected rows, buyer of each unit);
    `weights` is (attitude, price sensitivity, showrooming price factor, shelf, walking away);
    `brand_table` is (log2 relative price, shelf quality) per brand; `stocked` is (units,
    brands), or empty when every brand is in stock.
    """
    attitude, aware, rows, rejected, buyers = views
    w_attitude, sensitivity, factor, w_shelf, walk = weights
    relative_price, shelf_quality = brand_table
    n, n_brands = owned.shape[0], relative_price.shape[0]
    check_stock = stocked.shape[0] > 0
    choice = np.empty(n, dtype=np.int64)
    for i in range(n):
        price_weight = sensitivity * (factor if showrooming[i] else 1.0)
        r, buyer = rows[i], buyers[i]
        best, pick = walk + noise[i, 0], 0
        for b in range(n_brands):
            if np.isnan(best):
                break
            utility = w_attitude * np.float64(attitude[r, b]) - price_weight * relative_price[b]
            utility = utility + w_shelf * shelf_quality[b]
            if owned[i] == b:
                utility += 1.0
            if not aware[r, b] or rejected[buyer, b] or (check_stock and not stocked[i, b]):
                utility = -np.inf
            value = utility + noise[i, 1 + b]
            if value > best or np.isnan(value):
                best, pick = value, 1 + b
        choice[i] = pick - 1
    return choice


@jit
def choose_and_buy(
    shelf: tuple,
    stocked: np.ndarray,
    noise: np.ndarray,
    due: np.ndarray,
    u: np.ndarray,
    first: int,
    purchase: tuple,
    channel_of_source: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`shelf_choice`, the split into buyers and walkers, and `buy` in one call instead of
    two and six numpy calls (`shelf.choose_at_shelf` when nobody decides for themselves and
    no touch log reads the choices): (buyers, brand bought, walkers, then what `buy` returns).

    `shelf` is `shelf_choice`'s (views, brand owned, showrooming, weights, brand table);
    `u` holds each unit's uniforms, its delivery ones from column `first` on; `purchase` is
    `buy`'s (columns, chances, number of channels, day).
    """
    views, owned, showrooming, weights, brand_table = shelf
    choice = shelf_choice(views, owned, showrooming, weights, brand_table, stocked, noise)
    n, n_bought = due.shape[0], 0
    for i in range(n):
        n_bought += choice[i] >= 0
    who, brand = np.empty(n_bought, dtype=np.int64), np.empty(n_bought, dtype=np.int64)
    walkers = np.empty(n - n_bought, dtype=np.int64)
    u_delivery = np.empty((n_bought, u.shape[1] - first))
    k, w = 0, 0
    for i in range(n):
        if choice[i] < 0:
            walkers[w] = due[i]
            w += 1
            continue
        who[k], brand[k] = due[i], choice[i]
        for c in range(first, u.shape[1]):
            u_delivery[k, c - first] = u[i, c]
        k += 1
    columns, chances, n_channels, day = purchase
    days, counts, channels = buy(
        who, brand, u_delivery, columns, chances, channel_of_source, n_channels, day
    )
    return who, brand, walkers, days, counts, channels


@inline
def _deliver(i, unit, b, u, flags, chances, days) -> tuple[bool, bool]:
    """`shelf.start_experience` for buyer i: flags (late, damaged, problem) from its three
    uniforms and its days of SMOT; returns (late, problem or damaged)."""
    p_late, p_damaged, p_problem, smot_days, late_extra_days = chances
    late = u[i, 0] < p_late[b]
    damaged = u[i, 1] < p_damaged[b]
    problem = u[i, 2] < p_problem[b]
    flags[unit] = np.uint8(late * LATE | damaged * DAMAGED | problem * PROBLEM)
    days[i] = np.rint(smot_days + late_extra_days * np.float64(late))
    return late, problem or damaged


@jit
def start_experience(
    who: np.ndarray, brand: np.ndarray, u: np.ndarray, flags: np.ndarray, chances: tuple
) -> tuple[np.ndarray, int, int]:
    """`shelf.start_experience`'s steps: (days of SMOT per buyer, focal late deliveries,
    focal problems or damage); `chances` is (late, damaged, problem per brand, delivery and use
    days, extra days if late)."""
    days = np.empty(who.shape[0])
    late, trouble = 0, 0
    for i in range(who.shape[0]):
        b = np.int64(brand[i])
        is_late, is_trouble = _deliver(i, who[i], b, u, flags, chances, days)
        late += is_late and b == 0
        trouble += is_trouble and b == 0
    return days, late, trouble


@jit
def buy(
    who: np.ndarray,
    brand: np.ndarray,
    u: np.ndarray,
    columns: tuple,
    chances: tuple,
    channel_of_source: np.ndarray,
    n_channels: int,
    day: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`shelf.buy`'s bookkeeping and `start_experience` in one pass: (days of SMOT per buyer,
    counts, new customers per acquisition channel). Counts are (purchases, rival purchases,
    repeat purchases, new customers, switched, churned, late deliveries, problems), each of
    the focal brand.

    `columns` is the units' (acquired day, focal purchases, lead source, churn day, brand
    owned, brand chosen, flags); `chances` as `start_experience`'s; `channel_of_source` maps a
    lead source to its acquisition channel (-1: none) of `n_channels`.
    """
    acquired_day, focal_purchases, lead_source, churn_day, unit_brand, chosen, flags = columns
    counts = np.zeros(8, dtype=np.int64)
    channels = np.zeros(n_channels, dtype=np.int64)
    days = np.empty(who.shape[0])
    for i in range(who.shape[0]):
        unit, b = who[i], np.int64(brand[i])
        focal = b == 0
        counts[0] += focal
        counts[1] += not focal
        if focal:
            counts[2] += focal_purchases[unit] > 0
            if acquired_day[unit] < 0:
                counts[3] += 1
                acquired_day[unit] = day
                source = np.int64(lead_source[unit])
                if source < 0:
                    source += channel_of_source.shape[0]
                channel = channel_of_source[source]
                if channel >= 0:
                    channels[channel] += 1
            focal_purchases[unit] += 1
        elif unit_brand[unit] == 0:
            counts[4] += 1
            counts[5] += _churn(unit, acquired_day, churn_day, day)
        unit_brand[unit] = b
        chosen[unit] = b
        is_late, is_trouble = _deliver(i, unit, b, u, flags, chances, days)
        counts[6] += is_late and focal
        counts[7] += is_trouble and focal
    return days, counts, channels


@jit
def walk_away(
    who: np.ndarray, unit_brand: np.ndarray, acquired_day, churn_day, day: int
) -> tuple[int, int]:
    """`shelf.walk_away`'s bookkeeping: (focal owners leaving the category, customers lost);
    every unit in `who` owns no brand afterwards."""
    leaving, lost = 0, 0
    for i in range(who.shape[0]):
        unit = who[i]
        if unit_brand[unit] == 0:
            leaving += 1
            lost += _churn(unit, acquired_day, churn_day, day)
        unit_brand[unit] = -1
    return leaving, lost


@jit
def spread_messages(
    keys: tuple,
    talk: tuple,
    rates: tuple,
    graph: tuple,
    chances: tuple,
    opinion: tuple,
    weight: float,
) -> tuple:
    """A day's word of mouth on a graph of ties in one call: `talkers_today`, `message_counts`
    (one pass over everyone, `_senders`), `deliver` and `hear`, and which influencers post today. Returns
    (hearer and brand of each positive message heard, messages heard, focal positive ones,
    focal negative ones, posting influencers, their brand, their valence); attitudes,
    awareness and rejections change in place.

    A person with a stance talks while their feedback window lasts (fresh) or while their unit
    owns the brand, unless that brand's word of mouth (or, for a critic, its bad news) is
    silenced (`draw_kernels._talk_class`); their count is Poisson, inverted from a uniform
    keyed by the talker and the day (`poisson_counts`); message j's two uniforms (slots 2j,
    2j + 1 of the sender) pick a contact and decide whether they hear it (`deliver`). Each
    message heard moves the hearer's attitude by `weight` x valence (float32, in message order,
    as `expose`'s `np.add.at`) and makes the brand known; a negative one makes a hearer whose
    unit does not own the brand reject it with the rejection chance (a uniform keyed by the
    hearer and the message, `(sender << 32) | j`, as `reject`). Influencers talking on the
    first day of their feedback window (`talk_until` = `post_until`) post about it.

    `keys` is (counts key, messages key, rejection key); `talk` is (stance, stance brand, talk
    until, person's unit, unit's brand, day, brand heard, critics heard, is influencer,
    post_until); `rates` is (messages a day by class 2 x fresh + critic, their Poisson CDFs, as
    `poisson_tables`); `graph` is the CSR (start, contacts, strong); `chances` is (heard over a
    strong tie, a weak one, rejection); `opinion` is (attitude, aware, rejected).
    """
    key_counts, key_message, key_reject = keys
    stance, stance_brand, person_unit, unit_brand = talk[0], talk[1], talk[3], talk[4]
    start, contacts, strong = graph
    p_strong, p_weak, p_reject = chances
    attitude, aware, rejected = opinion
    last = contacts.shape[0] - 1
    senders, counts, posters = _senders(key_counts, talk, rates, start)
    hearer = np.empty(counts.sum(), dtype=contacts.dtype)  # room for every message
    about = np.empty(hearer.shape[0], dtype=np.int64)
    m, positive, focal_positive, focal_negative = 0, 0, 0, 0
    for k in range(senders.shape[0]):
        p = senders[k]
        v, b = np.int64(stance[p]), np.int64(stance_brand[p])
        begin = start[p]
        degree = start[p + 1] - begin
        h = _id_hash(key_message, p)
        gain = np.float32(weight * np.float64(v))
        for j in range(counts[k]):
            tie = min(begin + np.int64(_slot_unit(h, 2 * j) * degree), last)
            who = contacts[tie]
            if who < 0 or not _slot_unit(h, 2 * j + 1) < (p_strong if strong[tie] else p_weak):
                continue
            m += 1
            if v < 0 and p_reject > 0.0 and unit_brand[person_unit[who]] != b:
                message = (np.int64(p) << 32) | j
                if _slot_unit(_id_hash(key_reject, who), message) < p_reject:
                    rejected[who, b] = True
            attitude[who, b] += gain
            aware[who, b] = True
            focal_positive += b == 0 and v > 0
            focal_negative += b == 0 and v < 0
            if v > 0:
                hearer[positive], about[positive] = who, b
                positive += 1
    post_brand = np.empty(posters.shape[0], dtype=np.int64)
    post_valence = np.empty(posters.shape[0], dtype=np.int64)
    for k in range(posters.shape[0]):
        post_brand[k] = stance_brand[posters[k]]
        post_valence[k] = stance[posters[k]]
    heard = (hearer[:positive], about[:positive], m, focal_positive, focal_negative)
    return heard, (posters, post_brand, post_valence)


@jit
def _senders(key_counts: np.uint64, talk: tuple, rates: tuple, start: np.ndarray) -> tuple:
    """`spread_messages`' talkers who send at least one message today, their message counts,
    and the influencers posting today, in person order.

    Why a pass of its own: with the messages' arrays grown inside the loop over everyone (and
    the posters appended), numba counted references at each of the thousands of talkers; an
    array of each sender's count sizes the messages' arrays once (0.13 -> 0.06 ms a day of
    5,000 people). Reads no column the messages write, so the order of draws is unchanged.
    """
    stance, stance_brand, talk_until, person_unit, unit_brand, day = talk[:6]
    brand_heard, critics_heard, is_influencer, post_until = talk[6:]
    mean_of, cdfs = rates
    senders = np.empty(stance.shape[0], dtype=np.int64)
    counts = np.empty(stance.shape[0], dtype=np.int64)
    posters = np.empty(stance.shape[0], dtype=np.int64)
    n, n_posters = 0, 0
    for p in range(stance.shape[0]):
        if stance[p] == 0:
            continue
        v, b = np.int64(stance[p]), np.int64(stance_brand[p])
        fresh, owns = talk_until[p] >= day, unit_brand[person_unit[p]] == b
        which = _talk_class(v, fresh, owns, brand_heard[b], critics_heard[b])
        if which < 0:
            continue
        if is_influencer[p] and talk_until[p] == post_until:
            posters[n_posters] = p
            n_posters += 1
        mean = mean_of[which]
        u = _unit(_id_hash(key_counts, p))
        if mean <= 0.0 or u < 1.0 - mean:
            continue
        count, hi = 0, cdfs.shape[1]
        while count < hi:  # messages: CDF entries at or below u (`searchsorted`, "right")
            mid = (count + hi) // 2
            if cdfs[which, mid] <= u:
                count = mid + 1
            else:
                hi = mid
        if count > 0 and start[p + 1] > start[p]:
            senders[n], counts[n] = p, count
            n += 1
    return senders[:n], counts[:n], posters[:n_posters]


@jit
def recurring_paths(
    due: np.ndarray, u: np.ndarray, p_leave: np.ndarray, satisfaction: np.ndarray, chances: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(leave, rebuy directly, chance of a direct rebuy) per unit whose need recurs today
    (`loyalty.recur_needs`): a unit leaves with its own chance; one that stays rebuys without
    research with the chance of its satisfaction band. `u` holds the units' (leave, rebuy)
    uniforms in its first two columns; `chances` is (direct rebuy if satisfied, if
    indifferent)."""
    satisfied, indifferent = chances
    n = due.shape[0]
    leave = np.empty(n, dtype=np.bool_)
    direct = np.empty(n, dtype=np.bool_)
    p_direct = np.empty(n)
    for i in range(n):
        unit = due[i]
        leave[i] = u[i, 0] < p_leave[unit]
        s = satisfaction[unit]
        p_direct[i] = satisfied if s >= 3.5 else (indifferent if s >= 2.5 else 0.0)
        direct[i] = not leave[i] and u[i, 1] < p_direct[i]
    return leave, direct, p_direct


@jit
def drawn_paths(
    due: np.ndarray,
    key: np.uint64,
    p_leave: np.ndarray,
    satisfaction: np.ndarray,
    chances: tuple,
    columns: tuple,
    need_source: int,
    day: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """`loyalty.recur_needs` when nobody's class decides itself: the units' three uniforms on
    the stream `key`, `recurring_paths` and `settle_paths` in one call instead of three.
    Returns (the uniforms, then what `settle_paths` does)."""
    u = draw_kernels.column_uniforms(key, due, 3)
    leave, direct, _ = recurring_paths(due, u, p_leave, satisfaction, chances)
    leavers, rebuyers, research, rows, focal, lost = settle_paths(
        due, leave, direct, columns, need_source, day
    )
    return u, leavers, rebuyers, research, rows, focal, lost


@jit
def settle_paths(
    due: np.ndarray,
    leave: np.ndarray,
    direct: np.ndarray,
    columns: tuple,
    need_source: int,
    day: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """`recur_needs`' bookkeeping once each unit's path is known: leavers own no brand (focal
    owners leaving counted, customers lost remembered); the others' lead starts afresh from
    their own need. Returns (leavers, direct rebuyers, researchers, researchers' positions in
    `due`, focal owners leaving, customers lost). `columns` is the units' (brand owned, acquired
    day, churn day, lead source, lead gain)."""
    unit_brand, acquired_day, churn_day, lead_source, lead_gain = columns
    n = due.shape[0]
    leavers = np.empty(n, dtype=np.int64)
    rebuyers = np.empty(n, dtype=np.int64)
    research = np.empty(n, dtype=np.int64)
    rows = np.empty(n, dtype=np.int64)
    n_leave, n_direct, n_research, focal, lost = 0, 0, 0, 0, 0
    for i in range(n):
        unit = due[i]
        if leave[i]:
            leavers[n_leave] = unit
            n_leave += 1
            if unit_brand[unit] == 0:
                focal += 1
                lost += _churn(unit, acquired_day, churn_day, day)
            unit_brand[unit] = -1
            continue
        lead_source[unit] = need_source
        lead_gain[unit] = 0.0
        if direct[i]:
            rebuyers[n_direct] = unit
            n_direct += 1
        else:
            research[n_research], rows[n_research] = unit, i
            n_research += 1
    return (
        leavers[:n_leave],
        rebuyers[:n_direct],
        research[:n_research],
        rows[:n_research],
        focal,
        lost,
    )


@jit
def note_lead_source(
    unit: np.ndarray,
    source: np.ndarray,
    gain: np.ndarray,
    lead_source: np.ndarray,
    lead_gain: np.ndarray,
) -> None:
    """`research.note_lead_source`: per unit, the consultation that pulled hardest toward the
    focal brand (column 0 of `gain`; the last of equal ones, a NaN above all, as the last row
    of `np.lexsort((gain, unit))`) becomes its lead if it beats the lead it has."""
    n = unit.shape[0]
    order = np.argsort(unit, kind="mergesort")
    k = 0
    while k < n:
        who, best = unit[order[k]], order[k]
        k += 1
        while k < n and unit[order[k]] == who:
            g, top = gain[order[k], 0], gain[best, 0]
            if np.isnan(g) or (not np.isnan(top) and g >= top):
                best = order[k]
            k += 1
        if gain[best, 0] > lead_gain[who]:
            lead_gain[who] = gain[best, 0]
            lead_source[who] = source[best]


@jit
def reviewed_source_tables(
    presence: np.ndarray,
    influencer_presence: np.ndarray,
    reviews: tuple,
    weights: tuple,
    rows: tuple,
    n_sources: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`source_tables` with the reviews' pull computed here from every review alike (no
    half-life): `review_summary`, then `research.reviews_pull`'s arithmetic per brand in its
    order and dtypes, in one call instead of two and ten numpy calls on arrays of two or
    three brands. `reviews` is (stars per brand and star, negative reviews replied to per
    brand, half credibility, reply rating bonus, weight of reviews)."""
    stars, replied, half, bonus, weight = reviews
    count, mean = book_kernels.review_summary(stars)
    pull = np.empty(count.shape[0])
    for b in range(count.shape[0]):
        credibility = count[b] / (count[b] + half)
        negatives = max(stars[b, 0] + stars[b, 1], 1)
        rating = mean[b] + bonus * (replied[b] / negatives)
        pull[b] = weight * credibility * (rating - 3.0) / 2.0
    return source_tables(presence, influencer_presence, pull, weights, rows, n_sources)


@jit
def source_tables(
    presence: np.ndarray,
    influencer_presence: np.ndarray,
    review_pull: np.ndarray,
    weights: tuple,
    rows: tuple,
    n_sources: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`research.source_tables`: per (source, brand), the chance research finds the brand
    there and the attitude gain if so. `weights` is (platform presence, influencer); `rows`
    is (platform rows, in the columns' order of `presence`; influencer, marketplace, review
    sites, social video)."""
    weight_presence, weight_influencer = weights
    platforms, influencer, marketplace, review_sites, social_video = rows
    n_brands = presence.shape[0]
    found = np.zeros((n_sources, n_brands))
    gain = np.zeros((n_sources, n_brands))
    for c in range(platforms.shape[0]):
        for b in range(n_brands):
            found[platforms[c], b] = presence[b, c]
            gain[platforms[c], b] = weight_presence
    for b in range(n_brands):
        found[influencer, b] = influencer_presence[b]
        gain[influencer, b] = weight_influencer
        gain[marketplace, b] += review_pull[b]
        gain[review_sites, b] += review_pull[b]
        gain[social_video, b] += 0.5 * review_pull[b]
    return found, gain


@jit
def after_feedback(
    due: np.ndarray, u: np.ndarray, flags: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`feedback.finish_feedback`'s split: (units that returned the product, their uniforms,
    units that keep it, theirs), in order; every unit's chosen brand is cleared."""
    n = due.shape[0]
    back, kept = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    u_back, u_kept = np.empty(n), np.empty(n)
    n_back, n_kept = 0, 0
    for i in range(n):
        unit = due[i]
        chosen[unit] = -1
        if flags[unit] & RETURNED:
            back[n_back], u_back[n_back] = unit, u[i]
            n_back += 1
        else:
            kept[n_kept], u_kept[n_kept] = unit, u[i]
            n_kept += 1
    return back[:n_back], u_back[:n_back], kept[:n_kept], u_kept[:n_kept]


@jit
def drawn_after_feedback(
    due: np.ndarray, key: np.uint64, flags: np.ndarray, chosen: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`after_feedback` with each unit's uniform drawn on the stream `key` in the same call:
    one call instead of two, and no array of uniforms handed back and forth."""
    return after_feedback(due, draw_kernels.uniforms(key, due), flags, chosen)


_BELOW_ONE = np.nextafter(1.0, 0.0)
"""The largest double below 1: `_rescale` keeps a uniform inside [0, 1)."""


@inline
def _rescale(u: float, low: float, width: float) -> float:
    """(u - low) / width, kept inside [0, 1): a uniform known to lie in [low, low + width)
    made uniform on [0, 1) again (rounding can put it a hair outside)."""
    return _clip((u - low) / max(width, 1e-300), 0.0, _BELOW_ONE)


@jit
def journey_starts(
    moment: np.ndarray,
    need_rate: np.ndarray,
    knows_a_brand: np.ndarray,
    key: np.uint64,
    broad: np.ndarray,
    cumulative: np.ndarray,
    n_brands: int,
    waiting_moment: int,
    need_source: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Journeys started by a unit's need or a broad stimulus (competing hazards: one uniform
    decides whether and why) over every unit waiting at <ZMOT (`moment` equal to
    `waiting_moment`), each unit's uniform keyed by the unit (`key`: the day's "start"
    stream): (units, source, brand or -1, uniform for the research), in unit order.

    `knows_a_brand` is empty, or per unit whether its buyer knows a brand (a new category:
    the need is switched on only then); `broad` and `cumulative` are today's broad stimuli
    per (source, brand), flat, and their running sum (`np.cumsum`).
    """
    n, cells = moment.shape[0], broad.shape[0]
    total = cumulative[cells - 1]
    new_category = knows_a_brand.shape[0] > 0
    who = np.empty(n, dtype=np.int64)
    source = np.empty(n, dtype=np.int64)
    brand = np.empty(n, dtype=np.int64)
    rest = np.empty(n)
    m = 0
    for unit in range(n):
        if moment[unit] != waiting_moment:
            continue
        need = np.float64(need_rate[unit])
        if new_category:
            need = need * np.float64(knows_a_brand[unit])
        draw = _unit(_id_hash(key, unit))
        if not draw < need + total:  # competing hazards: the need, then each broad cell
            continue
        who[m] = unit
        if draw < need:
            source[m], brand[m] = need_source, -1
            rest[m] = _rescale(draw, 0.0, need)
        else:
            x, lo, hi = draw - need, 0, cells
            while lo < hi:  # `np.searchsorted(cumulative, x, side="right")`
                mid = (lo + hi) // 2
                if cumulative[mid] <= x:
                    lo = mid + 1
                else:
                    hi = mid
            cell = min(lo, cells - 1)
            source[m], brand[m] = cell // n_brands, cell % n_brands
            low = need + cumulative[cell] - broad[cell]
            rest[m] = _rescale(draw, low, broad[cell])
        m += 1
    return who[:m], source[:m], brand[:m], rest[:m]


@jit
def nudge_starts(
    nudges: tuple,
    person_unit: np.ndarray,
    moment: np.ndarray,
    started: np.ndarray,
    key: np.uint64,
    n_brands: int,
    waiting_moment: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`apply_nudges` after the day's nudges are gathered: (units, source, brand, uniform for
    the research) started by a nudge, in unit order.

    `nudges` is (people, brands, sources, chances), one row per nudge; a nudge to a person whose
    unit waits at <ZMOT and is not in `started` (units started today already) starts it with
    its chance, from a uniform keyed by the person and the nudge's slot (`nudge_slots`); a unit's
    first hit counts.
    """
    people, brands, sources, chances = nudges
    n = people.shape[0]
    kind = np.empty(n, dtype=np.int64)
    for i in range(n):
        kind[i] = np.int64(sources[i]) * n_brands + np.int64(brands[i])
    slot = nudge_slots(people, kind)
    state = np.zeros(moment.shape[0], dtype=np.int8)  # 1: started already, 2: nudged today
    for i in range(started.shape[0]):
        state[started[i]] = 1
    hits = np.empty(n, dtype=np.int64)
    rest = np.empty(n)
    m = 0
    for i in range(n):
        unit = person_unit[people[i]]
        if moment[unit] != waiting_moment or state[unit] != 0:
            continue
        u = _slot_unit(_id_hash(key, people[i]), slot[i])
        if u < chances[i]:
            state[unit] = 2
            hits[m], rest[m] = i, _rescale(u, 0.0, chances[i])
            m += 1
    unit_of_hit = np.empty(m, dtype=np.int64)
    for k in range(m):
        unit_of_hit[k] = person_unit[people[hits[k]]]
    order = np.argsort(unit_of_hit)
    out_source = np.empty(m, dtype=np.int64)
    out_brand = np.empty(m, dtype=np.int64)
    out_rest = np.empty(m)
    for k in range(m):
        i = hits[order[k]]
        out_source[k], out_brand[k], out_rest[k] = sources[i], brands[i], rest[order[k]]
    return unit_of_hit[order], out_source, out_brand, out_rest


@jit
def nudge_slots(people: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """`triggers.nudge_slots`: a slot per nudge, its kind in the high bits and its rank among
    the person's earlier nudges of that kind in the low bits."""
    n = people.shape[0]
    order = np.argsort(kind, kind="mergesort")  # by person, then kind, then place (`lexsort`)
    order = order[np.argsort(people[order], kind="mergesort")]
    slot = np.empty(n, dtype=np.int64)
    rank = 0
    for k in range(n):
        i = order[k]
        if k > 0:
            j = order[k - 1]
            rank = rank + 1 if people[i] == people[j] and kind[i] == kind[j] else 0
        slot[i] = (kind[i] << 32) | rank
    return slot


@jit
def begin_research(
    who: np.ndarray,
    source: np.ndarray,
    brand: np.ndarray,
    columns: tuple,
    lead_gain_of_trigger: float,
    need_source: int,
    n_sources: int,
) -> np.ndarray:
    """`triggers.begin_research`'s bookkeeping: the buyer learns a branded stimulus's brand;
    the unit's lead is the stimulus if it was the focal brand's, else its own need. Returns
    journeys started per source. `columns` is (units' first member, aware, lead source, lead
    gain)."""
    start, aware, lead_source, lead_gain = columns
    counts = np.zeros(n_sources, dtype=np.int64)
    for i in range(who.shape[0]):
        unit, b = who[i], brand[i]
        counts[source[i]] += 1
        if b >= 0:
            aware[start[unit], b] = True
        if b == 0:
            lead_source[unit] = source[i]
            lead_gain[unit] = lead_gain_of_trigger
        else:
            lead_source[unit] = need_source
            lead_gain[unit] = 0.0
    return counts


def warm_up() -> None:
    """Load every kernel the day's rules call, for the argument types they pass: these and the
    draw and bookkeeping kernels (`draw_kernels.warm_up`: the first call of a kernel would
    otherwise land on day 1). `churn` and `start_experience` serve only the seeding strategy
    and tests, so they load when first called (each load costs about 7 ms of CPU a process)."""
    if _warm:
        return
    draw_kernels.warm_up()
    ids, small, day = np.zeros(1, np.int64), np.zeros(1, np.int8), np.zeros(1, np.int32)
    flags, reals = np.zeros(1, np.uint8), np.zeros(1)
    rows = open_trouble(flags, ids)
    chances = (reals, reals, 0.5)
    serve_and_return(ids, rows, np.zeros((0, 3)), flags, small, chances, day, day.copy(), 0)
    brand_table, penalties = (reals, reals, reals), (0.0, 0.0, 0.0, 0.0)
    latent = experience_latent(
        ids, ids, small, flags, flags, brand_table, reals, penalties, (False, np.zeros((1, 3)), 0.0)
    )
    attitude, aware = np.zeros((1, 1), np.float32), np.zeros((1, 1), bool)
    columns = (small, reals.astype(np.float32), small.copy(), np.zeros((1, 5), np.int64))
    columns += (attitude, aware, small.copy(), small.copy(), day.copy())
    settle_experience(ids, ids, ids, ids, latent[2], latent[3], columns, 1.0, 1)
    review_tally(ids, ids, small + 1, day, flags)
    matrix, yes = np.zeros((1, 1), np.float32), np.ones(1, dtype=bool)
    weights, brand_table = (1.0, 1.0, 1.0, 1.0, 0.0), (reals, reals)
    for attitude_view in (matrix, matrix.astype(np.float64)):  # B2C, B2B (blended attitudes)
        views = (attitude_view, aware, ids, aware, ids)
        stocked, noise = np.ones((0, 0), bool), np.zeros((1, 2))
        shelf_choice(views, small, yes, weights, brand_table, stocked, noise)
    chances = (reals, reals, reals, 1.0, 1.0)
    u = np.zeros((1, 3))
    columns = (day.copy(), np.zeros(1, np.int16), small.copy(), day.copy(), small.copy())
    columns += (small.copy(), flags)
    buy(ids, ids, u, columns, chances, ids, 1, 0)
    for attitude_view in (matrix, matrix.astype(np.float64)):
        shelf = ((attitude_view, aware, ids, aware, ids), small, yes, weights, brand_table)
        purchase = (columns, chances, 1, 0)
        choose_and_buy(shelf, stocked, noise, ids, np.zeros((1, 6)), 3, purchase, ids)
    walk_away(ids, small.copy(), day.copy(), day.copy(), 0)
    key, table, rates = np.uint64(0), np.full((1, 1), 2.0), reals.copy()
    table.flags.writeable = rates.flags.writeable = False  # as the rules' cached tables
    graph = (np.array([0, 1]), np.zeros(1, np.int32), yes)
    talk = (small, small, day, day, small, 0, yes, yes, yes, 0)
    opinion = (matrix, aware, aware.copy())
    spread_messages((key,) * 3, talk, (rates, table), graph, (1.0, 1.0, 0.0), opinion, 1.0)
    need, nobody = np.zeros(1, np.float32), np.zeros(0, dtype=bool)
    note_lead_source(ids, ids, np.zeros((1, 2)), small.copy(), need.copy())
    leave, direct, _ = recurring_paths(ids, np.zeros((1, 3)), need, need, (0.5, 0.5))
    columns = (small.copy(), day.copy(), day.copy(), small.copy(), need.copy())
    settle_paths(ids, leave, direct, columns, 0, 0)
    key = np.uint64(0)
    drawn_paths(ids, key, need, need, (0.5, 0.5), columns, 0, 0)
    started = journey_starts(small, need, nobody, key, reals, reals, 1, 0, 0)[0]
    nudge_starts((ids, ids, ids, reals), day, small, started, key, 1, 0)
    columns = (ids, aware, small.copy(), need.copy())
    begin_research(ids, ids, ids, columns, 1.0, 0, 1)
    rows = (ids, 0, 0, 0, 0)
    source_tables(np.zeros((1, 1)), reals, reals, (1.0, 1.0), rows, 1)
    reviews = (np.zeros((1, 5), np.int64), np.zeros(1, np.int64), 1.0, 0.0, 1.0)
    reviewed_source_tables(np.zeros((1, 1)), reals, reviews, (1.0, 1.0), rows, 1)
    after_feedback(ids, reals, flags, small.copy())
    drawn_after_feedback(ids, key, flags, small.copy())
    chances = (reals, reals, 0.5)
    serve_open_trouble(ids, key, flags, small, chances, day, day.copy(), 0)
    _warm.append(True)


_warm: list[bool] = []
"""Non-empty once `warm_up` has run in this process."""
