"""Compiled (numba) loops for the keyed draws and today's talkers: the same bits, fewer calls.

Why: a day of a small market is mostly fixed cost, and the SplitMix64 hash of
`sim.market.keyed_draws` took about twenty numpy calls per draw call (each 1-5 us whatever the
cohort's size), a dozen draw calls a day; word of mouth selected today's talkers with another
dozen passes over every opinion holder. Here each is one call of a compiled loop.

Only integer arithmetic, comparisons and exact float operations live here (a 53-bit integer
times 2^-53; a product of two doubles, as numpy computes it), so every result is bit for bit
what the numpy code gives (`tests/test_draw_kernels.py` compares them). Logarithms, cosines
and exponentials stay in numpy: a compiled `log` need not round like numpy's SIMD one.
`cache=True` keeps the machine code in `__pycache__`, so only a first run on a machine compiles.
"""

from __future__ import annotations

import numpy as np

from sim.market import book_kernels
from sim.market.compiled import inline, jit

GAMMA = 0x9E3779B97F4A7C15
"""SplitMix64's increment: the odd integer closest to 2^64 / golden ratio."""
MIX_1, MIX_2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
"""Multipliers of SplitMix64's finaliser (Stafford's "Mix13")."""

_GAMMA = np.uint64(GAMMA)
_MIX_1 = np.uint64(MIX_1)
_MIX_2 = np.uint64(MIX_2)
_ONE = np.uint64(1)
_TO_UNIT = 2.0**-53


@inline
def _mix(h: np.uint64) -> np.uint64:
    """SplitMix64's finaliser on one word (`keyed_draws._mix`, unvectorised)."""
    h ^= h >> np.uint64(30)
    h *= _MIX_1
    h ^= h >> np.uint64(27)
    h *= _MIX_2
    h ^= h >> np.uint64(31)
    return h


@inline
def _unit(h: np.uint64) -> float:
    """`keyed_draws.to_unit` of one word: its top 53 bits as a double in [0, 1)."""
    return np.float64(h >> np.uint64(11)) * _TO_UNIT


@inline
def _id_hash(key: np.uint64, id_) -> np.uint64:
    """The first SplitMix64 step of an id on the stream `key` (`hash_keys` without slots)."""
    return _mix(np.uint64(id_) * _GAMMA + key)


@jit
def uniforms(key: np.uint64, ids: np.ndarray) -> np.ndarray:
    """One uniform per id: `to_unit(hash_keys(key, ids))`."""
    out = np.empty(ids.shape[0])
    for i in range(ids.shape[0]):
        out[i] = _unit(_id_hash(key, ids[i]))
    return out


@jit
def slot_uniforms(key: np.uint64, ids: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """One uniform per (id, slot) pair of two equal-length arrays."""
    out = np.empty(ids.shape[0])
    for i in range(ids.shape[0]):
        step = (np.uint64(slots[i]) + _ONE) * _GAMMA
        out[i] = _unit(_mix(_id_hash(key, ids[i]) + step))
    return out


@jit
def column_uniforms(key: np.uint64, ids: np.ndarray, k: int) -> np.ndarray:
    """k uniforms per id, (len(ids), k): slots 0 .. k-1 (`KeyedDraws.columns` without slot)."""
    out = np.empty((ids.shape[0], k))
    for i in range(ids.shape[0]):
        h = _id_hash(key, ids[i])
        for c in range(k):
            out[i, c] = _unit(_mix(h + (np.uint64(c) + _ONE) * _GAMMA))
    return out


@jit
def slot_column_uniforms(key: np.uint64, ids: np.ndarray, slots: np.ndarray, k: int) -> np.ndarray:
    """k uniforms per (id, slot): column c is slot `slot x k + c`."""
    out = np.empty((ids.shape[0], k))
    for i in range(ids.shape[0]):
        h = _id_hash(key, ids[i])
        first = slots[i] * k
        for c in range(k):
            out[i, c] = _unit(_mix(h + (np.uint64(first + c) + _ONE) * _GAMMA))
    return out


@inline
def _talk_class(stance: int, fresh: bool, owns: bool, heard: bool, critics_heard: bool) -> int:
    """A person's rate class today (2 x fresh + critic), or -1 if they do not talk: the one
    statement of who talks, for `talkers_today` and the journey's `spread_on_ties`.

    `stance` is +1 / -1 / 0; `fresh`: inside their feedback window; `owns`: their unit owns the
    brand of their stance; `heard` / `critics_heard`: that brand's word of mouth / bad news is
    not silenced. Scalars, not the columns: numba's inlining of a helper that takes arrays
    costs a reference count per array per call, 20 times the rule's own work (0.45 ms a day
    of 5,000 people; docs/performance.md).
    """
    if stance == 0:
        return -1
    if not (fresh or owns) or not heard:
        return -1
    if stance < 0 and not critics_heard:
        return -1
    return 2 * np.int64(fresh) + np.int64(stance < 0)


@jit
def talkers_today(
    stance: np.ndarray,
    stance_brand: np.ndarray,
    talk_until: np.ndarray,
    unit: np.ndarray,
    unit_brand: np.ndarray,
    day: int,
    brand_heard: np.ndarray,
    critics_heard: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(people, brand, +1/-1, rate class) of everyone talking today, in id order.

    A person with a stance talks while their feedback window lasts (fresh) or while their unit
    owns the brand they have a stance on, unless that brand's word of mouth (`brand_heard`)
    or, for a critic, its negative word of mouth (`critics_heard`) is silenced. The rate class
    is 2 x fresh + critic, an index into the four messages-per-day rates.
    """
    n = 0
    for p in range(stance.shape[0]):
        n += stance[p] != 0
    people = np.empty(n, dtype=np.int64)
    brand = np.empty(n, dtype=np.int64)
    valence = np.empty(n, dtype=np.int64)
    which = np.empty(n, dtype=np.int64)
    m = 0
    for p in range(stance.shape[0]):
        if stance[p] == 0:
            continue
        b = np.int64(stance_brand[p])
        fresh, owns = talk_until[p] >= day, unit_brand[unit[p]] == b
        rate_class = _talk_class(stance[p], fresh, owns, brand_heard[b], critics_heard[b])
        if rate_class < 0:
            continue
        people[m], brand[m], valence[m] = p, stance_brand[p], stance[p]
        which[m] = rate_class
        m += 1
    return people[:m], brand[:m], valence[:m], which[:m]


@jit
def poisson_counts(u: np.ndarray, mean: np.ndarray, cdfs: np.ndarray, which: np.ndarray):
    """`poisson_quantile(u, mean)` when the means come from a short list: row r of `cdfs`
    is the CDF of the mean `which` maps to (padded with 2.0), `which[i]` its row for draw i.

    The count is the number of CDF entries at or below u (numpy's `searchsorted(cdf, u,
    "right")`); a draw below 1 - mean is 0 at once (exp(-mean) >= 1 - mean).
    """
    out = np.zeros(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        if mean[i] <= 0.0 or u[i] < 1.0 - mean[i]:
            continue
        row = cdfs[which[i]]
        lo, hi = 0, row.shape[0]
        while lo < hi:
            mid = (lo + hi) // 2
            if row[mid] <= u[i]:
                lo = mid + 1
            else:
                hi = mid
        out[i] = lo
    return out


@jit
def deliver(
    key: np.uint64,
    senders: np.ndarray,
    j: np.ndarray,
    start: np.ndarray,
    contacts: np.ndarray,
    strong: np.ndarray,
    p_strong: float,
    p_weak: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(hearer or -1, heard) of message j of each sender on a graph of ties (CSR `start`,
    `contacts`, `strong`): the message's two keyed uniforms pick a contact
    (`SocialGraph.random_contact`) and decide whether they hear it (the tie's chance)."""
    n, last = senders.shape[0], contacts.shape[0] - 1
    hearer = np.full(n, -1, dtype=contacts.dtype)
    heard = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        h = _id_hash(key, senders[i])
        first = j[i] * 2
        u_pick = _unit(_mix(h + (np.uint64(first) + _ONE) * _GAMMA))
        u_heard = _unit(_mix(h + (np.uint64(first + 1) + _ONE) * _GAMMA))
        begin = start[senders[i]]
        degree = start[senders[i] + 1] - begin
        if degree <= 0:
            continue
        tie = min(begin + np.int64(u_pick * degree), last)
        hearer[i] = contacts[tie]
        heard[i] = hearer[i] >= 0 and u_heard < (p_strong if strong[tie] else p_weak)
    return hearer, heard


@jit
def consultations(
    key: np.uint64,
    people: np.ndarray,
    units: np.ndarray,
    counts: np.ndarray,
    habits: np.ndarray,
    codes: np.ndarray,
    tables: tuple,
    graph: tuple,
    owners: tuple,
):
    """(person, unit, source, gain, found) per consultation: `research.consult`'s numpy steps
    from the draws to the friends' answers, in one pass (the same numbers, tested).

    `habits` holds each researcher's cumulative source chances (one row per person), `codes`
    the research sources; `tables` is (found chance, attitude gain per (source, brand), FAQ
    coverage per brand, FAQ weight, friend weight, brand-site code, friends code); `graph` is
    the CSR (start, contacts); `owners` is (person -> unit, unit -> brand, stance, stance brand).
    """
    found_chance, base_gain, coverage, weight_faq, weight_friend, site, friends = tables
    start, contacts = graph
    person_unit, unit_brand, stance, stance_brand = owners
    n_brands, m = found_chance.shape[1], 0
    for r in range(counts.shape[0]):
        m += counts[r]
    k = 2 + 2 * n_brands
    person = np.empty(m, dtype=people.dtype)
    unit = np.empty(m, dtype=units.dtype)
    source = np.empty(m, dtype=codes.dtype)
    gain = np.zeros((m, n_brands))
    found = np.zeros((m, n_brands), dtype=np.bool_)
    u = np.empty(k)
    i = 0
    for r in range(counts.shape[0]):
        p = people[r]
        h = _id_hash(key, p)
        for j in range(counts[r]):
            for c in range(k):
                u[c] = _unit(_mix(h + (np.uint64(j * k + c) + _ONE) * _GAMMA))
            person[i], unit[i] = p, units[r]
            pick = 0
            for c in range(habits.shape[1]):
                pick += u[0] > habits[r, c]
            s = codes[min(pick, codes.shape[0] - 1)]
            source[i] = s
            for b in range(n_brands):
                found[i, b] = u[2 + b] < found_chance[s, b]
                if found[i, b]:
                    gain[i, b] = base_gain[s, b]
                    if s == site:  # a question on the brand's site: answered or not
                        gain[i, b] += (
                            weight_faq if u[2 + n_brands + b] < coverage[b] else -weight_faq
                        )
            if s == friends:
                _ask_friend(i, p, u[1], start, contacts, owners, weight_friend, gain, found)
            i += 1
    return person, unit, source, gain, found


@inline
def _ask_friend(i, p, u_friend, start, contacts, owners, weight_friend, gain, found) -> None:
    """A friend picked by `u_friend` passes on their stance about the brand they own."""
    person_unit, unit_brand, stance, stance_brand = owners
    begin, degree = start[p], start[p + 1] - start[p]
    if degree <= 0:
        return
    friend = contacts[min(begin + np.int64(u_friend * degree), contacts.shape[0] - 1)]
    if friend < 0:
        return
    b = np.int64(unit_brand[person_unit[friend]])
    if b < 0:
        return
    found[i, b] = True
    gain[i, b] += weight_friend * np.float64(stance[friend] * (stance_brand[friend] == b))


@jit
def absorb(attitude: np.ndarray, aware: np.ndarray, person: np.ndarray, gain, found) -> None:
    """Consultations move attitudes (float32, in their order, as `np.add.at`) and make the
    brands found known."""
    for i in range(person.shape[0]):
        p = person[i]
        for b in range(gain.shape[1]):
            attitude[p, b] += np.float32(gain[i, b])
            if found[i, b]:
                aware[p, b] = True


def warm_up() -> None:
    """Load every kernel for the argument types the day's rules pass, once per process.

    Why: numba compiles (or loads from its cache) a kernel at its first call, and the first
    call of any kernel also sets numba's compiler up: about 0.3 s of CPU that would otherwise
    land on the first simulated day. `JourneyModel` calls this while it builds the market.
    """
    if _warm:
        return
    book_kernels.warm_up()
    ids, small = np.zeros(1, np.int64), np.zeros(1, np.int8)
    key = np.uint64(0)
    uniforms(key, ids)
    slot_uniforms(key, ids, ids)
    column_uniforms(key, ids, 1)
    slot_column_uniforms(key, ids, ids, 1)
    table = np.full((1, 1), 2.0)
    table.flags.writeable = False  # as `keyed_draws.poisson_tables` gives it
    poisson_counts(np.zeros(1), np.zeros(1), table, ids)
    slot_uniforms(key, ids.astype(np.int32), ids)  # contacts heard are int32
    flags, day = np.ones(1, dtype=bool), np.zeros(1, np.int32)
    talkers_today(small, small, day, day, small, 1, flags, flags)
    start, contacts = np.array([0, 1]), np.zeros(1, np.int32)
    deliver(key, ids, ids, start, contacts, np.ones(1, dtype=bool), 1.0, 1.0)
    gains, found = np.zeros((1, 1)), np.zeros((1, 1), dtype=bool)  # no consultation (count 0)
    tables = (gains, gains, np.zeros(1), 0.0, 0.0, 0, 0)
    owners = (contacts, small, small, small)  # person -> unit is int32
    consultations(key, ids, ids, ids, gains, ids, tables, (start, contacts), owners)
    absorb(np.zeros((1, 1), dtype=np.float32), found, ids, gains, found)
    _warm.append(True)


_warm: list[bool] = []
"""Non-empty once `warm_up` has run in this process."""
