"""Check 3: self-selected reviews are J-shaped; solicited reviews move toward private opinion.

Hu, Pavlou & Zhang (2009, CACM 52(10)): posted product ratings are J-shaped (many 5s, some 1s,
few in between) while the ratings of everyone who bought (their experiment) are unimodal,
because people with extreme experiences post more (under-reporting bias). Karaman (2021,
Management Science): asking for reviews raises posting for all, most among the moderately
satisfied, softening the extremes.

Three arms on the same market and seed (common random numbers): self-selected posting (the
engine's Chen, Zheng & Ceran chances with the extremity boost), the `review_solicitation`
strategy (when installed), and everyone reviewing (every buyer posts: the private distribution).

Tolerances (fixed before looking): J shape = share(5) > share(4) and share(1) > share(2), each by
more than 3 multinomial standard errors; solicitation must cut the total-variation distance
to the private distribution, the 99% bootstrap interval of the cut above zero.

"Everyone reviews = private ratings" (chi-square goodness of fit at alpha = 0.001) is an
identity: when every buyer posts their own rating, the posted ratings are the private ones. It
is `check_consistency`, labelled a consistency check (holds by construction), not counted as a
validation and not part of this check's verdict (issue 14).
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from sim.model import JourneyModel
from sim.reports.charts import new_axes
from sim.strategies import REGISTRY
from sim.validation.check import CheckResult, Control, power_beyond, quiet_brand, scenario

Z = 3.0
"""Standard errors by which a J-shape inequality must hold."""
ALPHA = 0.001
"""Goodness-of-fit level for 'everyone reviews' against the private ratings."""
QUALITY, SPREAD = 4.4, 0.8
"""A well-liked product, as the Amazon books and DVDs of Hu, Pavlou & Zhang (mean posted rating
above 4); default problem, late and damaged rates (assumption)."""


def reviews_scenario(n: int, arm: str):
    """One brand bought once by everyone; posting by `arm`: self, solicited or everyone."""
    strategies = dict(advertising=dict(reach_daily=1.0))
    feedback = {}
    if arm == "solicited":
        strategies["review_solicitation"] = {}
    if arm == "everyone":
        feedback = dict(
            p_review_unsatisfied=1.0,
            p_review_indifferent=1.0,
            p_review_satisfied=1.0,
            extremity_boost=1.0,
            moan_boost=1.0,
            moderate_reporting=1.0,
        )
    brand = quiet_brand(
        quality=QUALITY,
        satisfaction_sd=SPREAD,
        p_problem=0.08,
        p_late_delivery=0.08,
        p_damaged=0.02,
        strategies=strategies,
    )
    raw = dict(
        name=f"reviews-{arm}",
        days=60,
        population=dict(n_consumers=n, p_need_daily=0.0, n_social_influencers=0),
        network=dict(kind="mixed"),
        brands=dict(focal=brand),
        triggers=dict(p_trigger_ad=0.5, p_trigger_wom=0.0),
        choice=dict(walk_away_utility=-50.0),
        experience=dict(p_return_if_unresolved=0.0),
        feedback=feedback,
        loyalty=dict(repurchase_days=0.0),
    )
    return scenario(raw, source=f"reviews check ({arm})")


def rating_counts(n: int, arm: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(private ratings of every buyer, posted reviews) as counts of 1..5 stars (copies of a
    cached run: the check and the consistency check read the same arms)."""
    private, posted = cached_counts(n, arm, seed)
    return private.copy(), posted.copy()


@functools.lru_cache(maxsize=8)
def cached_counts(n: int, arm: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`rating_counts`, run once per arm."""
    model = JourneyModel(reviews_scenario(n, arm), seed=seed, with_agents=False).run()
    rating = model.market.people.rating
    private = np.bincount(rating[rating > 0], minlength=6)[1:]
    return private, model.market.brands.stars[0].copy()


def j_margins(counts: np.ndarray) -> tuple[float, float]:
    """(share5 - share4, share1 - share2), each in multinomial standard errors."""
    n = counts.sum()
    share = counts / n

    def z(a: int, b: int) -> float:
        diff = share[a] - share[b]
        se = np.sqrt(max(share[a] + share[b] - diff**2, 1e-12) / n)
        return float(diff / se)

    return z(4, 3), z(0, 1)


def total_variation(a: np.ndarray, b: np.ndarray) -> float:
    """Half the L1 distance between two rating distributions (counts or shares)."""
    return float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())


def tv_cut_interval(private, selfsel, solicited, rng, draws: int = 2000) -> tuple[float, float]:
    """99% bootstrap interval of TV(self, private) - TV(solicited, private) (multinomial resampling)."""
    cuts = np.empty(draws)
    for i in range(draws):
        p = rng.multinomial(private.sum(), private / private.sum())
        s = rng.multinomial(selfsel.sum(), selfsel / selfsel.sum())
        o = rng.multinomial(solicited.sum(), solicited / solicited.sum())
        cuts[i] = total_variation(s, p) - total_variation(o, p)
    low, high = np.quantile(cuts, [0.005, 0.995])
    return float(low), float(high)


def check(quick: bool = False, seed: int = 3) -> CheckResult:
    """Run the arms and judge J shape, solicitation and the everyone-reviews reproduction."""
    n = 10_000 if quick else 40_000
    private, selfsel = rating_counts(n, "self", seed)
    arms = {"self-selected": selfsel}
    has_solicitation = "review_solicitation" in REGISTRY
    if has_solicitation:
        arms["solicited (review_solicitation)"] = rating_counts(n, "solicited", seed)[1]
    everyone = rating_counts(n, "everyone", seed)[1]
    arms["everyone reviews"] = everyone
    j5, j1 = j_margins(selfsel)
    ok = j5 > Z and j1 > Z
    figures = dict(
        private=private.tolist(),
        posted={k: v.tolist() for k, v in arms.items()},
        j_margin_5_over_4_se=j5,
        j_margin_1_over_2_se=j1,
        tv_to_private={k: total_variation(v, private) for k, v in arms.items()},
    )
    if has_solicitation:
        solicited = arms["solicited (review_solicitation)"]
        low, high = tv_cut_interval(private, selfsel, solicited, np.random.default_rng(seed))
        figures["tv_cut_99ci"] = [low, high]
        ok = ok and low > 0
    return CheckResult(
        name="reviews",
        title="Reviews: J-shaped when self-selected, closer to private opinion when solicited",
        source="Hu, Pavlou & Zhang 2009 (CACM 52(10): 144-147); Karaman 2021 (Management "
        "Science 67(7)); posting chances Chen, Zheng & Ceran",
        settings=f"{n:,} buyers of one brand (quality {QUALITY}, sd {SPREAD}, default problem/"
        "late/damage rates, no returns so each buyer has one experience), one purchase each; arms: engine's self-selected posting, "
        + ("`review_solicitation` with its defaults, " if has_solicitation else "")
        + "and every buyer posting (all p_review = 1, no extremity boost)",
        tolerance=f"J: share5 > share4 and share1 > share2 by > {Z} multinomial se; "
        "solicitation: 99% bootstrap interval of the cut in total-variation distance to private "
        "above 0",
        passed=bool(ok),
        summary=f"J margins {j5:.1f} se (5 over 4) and {j1:.1f} se (1 over 2); TV to private "
        + ", ".join(f"{k.split(' ')[0]} {v:.3f}" for k, v in figures["tv_to_private"].items()),
        figures=figures,
        details=distribution_table(private, arms) + "\n\n" + explain(private, j5, j1),
        charts=dict(reviews_distribution=lambda: chart_distributions(private, arms)),
        control=self_selection_off(everyone),
        power=power_beyond(min(j5, j1), Z),
        inconclusive=quick and abs(min(j5, j1)) < Z,
    )


def check_consistency(quick: bool = False, seed: int = 3) -> CheckResult:
    """Every buyer posting reproduces the private ratings: an identity (posted = private when
    everyone posts), kept as a consistency check of the bookkeeping, not a validation."""
    n = 10_000 if quick else 40_000
    private, _ = rating_counts(n, "self", seed)
    everyone = rating_counts(n, "everyone", seed)[1]
    gof = stats.chisquare(everyone, everyone.sum() * private / private.sum())
    return CheckResult(
        name="reviews_everyone",
        title="Reviews: everyone reviewing reproduces the private ratings",
        source="identity: with every buyer posting, the posted ratings are the private ones",
        settings=f"the reviews check's market, {n:,} buyers, every buyer posting "
        "(all p_review = 1, no extremity boost, moan boost or under-reporting)",
        tolerance=f"chi-square goodness of fit to the private ratings, p > {ALPHA}",
        passed=bool(gof.pvalue > ALPHA and everyone.sum() == private.sum()),
        summary=f"{int(everyone.sum()):,} reviews from {int(private.sum()):,} buyers; "
        f"chi-square p = {gof.pvalue:.3f}",
        figures=dict(
            private=private.tolist(), everyone=everyone.tolist(), gof_pvalue=float(gof.pvalue)
        ),
        by_construction=True,
    )


def self_selection_off(everyone: np.ndarray) -> Control:
    """The J test on the arm where every buyer posts (self-selection off): it must fail. (That
    arm reproducing the private ratings is a consistency check: it holds by construction.)"""
    j5, j1 = j_margins(everyone)
    return Control(
        "self-selection off (every buyer posts: p_review = 1, no extremity boost)",
        bool(j5 > Z and j1 > Z),
        f"J margins {j5:.1f} se (5 over 4) and {j1:.1f} se (1 over 2)",
    )


def distribution_table(private: np.ndarray, arms: dict[str, np.ndarray]) -> str:
    """Markdown: share of each star per arm, with the TV distance to the private ratings."""
    head = "| ratings | n | 1 | 2 | 3 | 4 | 5 | TV to private |\n|---|---|---|---|---|---|---|---|"
    rows = [("private (every buyer's experience)", private), *arms.items()]
    lines = [
        f"| {name} | {c.sum():,} | "
        + " | ".join(f"{100 * s:.1f}%" for s in c / c.sum())
        + f" | {total_variation(c, private):.3f} |"
        for name, c in rows
    ]
    return head + "\n" + "\n".join(lines)


def chart_distributions(private: np.ndarray, arms: dict[str, np.ndarray]) -> Figure:
    """Grouped bars: the private ratings and the posted ones per arm."""
    fig, ax = new_axes(
        "Posted vs private ratings: self-selected, solicited, everyone",
        "stars",
        "share of ratings (%)",
        note="private = every buyer's own rating; posted = reviews on the brand's page",
    )
    series = [("private (all buyers)", private), *arms.items()]
    width = 0.8 / len(series)
    stars = np.arange(1, 6)
    for i, (name, counts) in enumerate(series):
        ax.bar(
            stars + (i - (len(series) - 1) / 2) * width,
            100 * counts / counts.sum(),
            width,
            label=name,
        )
    ax.set_xticks(stars)
    ax.legend()
    return fig


def explain(private: np.ndarray, j5: float, j1: float) -> str:
    """Why the shape is (or is not) a J: the hook at 1 star needs share1 x boost > share2."""
    if j1 > Z and j5 > Z:
        return "Self-selection makes the posted ratings J-shaped, as Hu, Pavlou & Zhang found."
    need = private[1] / max(private[0], 1)
    return (
        f"**Cause of the failure:** self-selection lifts the 5s over the 4s ({j5:.1f} se) but not "
        f"the 1s over the 2s ({j1:.1f} se). With the Chen, Zheng & Ceran chances 1- and 2-star "
        "customers post at the same base rate (0.06) and only `feedback.extremity_boost` (1.5) "
        "favours 1 star; the engine's private ratings have "
        f"{need:.2f} times as many 2s as 1s, so the hook needs a boost above {need:.2f}. The "
        "engine also has no purchase bias (private ratings are drawn after the purchase, "
        "independent of the attitude that made people buy), the other half of Hu et al.'s "
        "explanation. Either raising `extremity_boost` for 1 star (a 'moan' motive) or "
        "correlating experience with pre-purchase attitude would produce the hook; both are "
        "model changes for the lead to decide, not tuned here."
    )
