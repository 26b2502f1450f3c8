"""What every validation check returns: its source, settings, figure, tolerance and verdict.

Each check module (`bass`, `retention`, `reviews`, `negative_wom`, `ties`) runs the model against
a published pattern and returns a `CheckResult`; `sim.validation.report` writes them as a
Markdown report with charts and a JSON of the figures. Tolerances are derived from sampling
error and fixed in code before any result is seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy import stats

from sim.scenario.config import deep_merge, validate_scenario
from sim.scenario.settings import Scenario


@dataclass
class Control:
    """A negative control: the check's own test on a run with its mechanism switched off.

    A check that still passes there cannot fail, so it validates nothing; the report says so
    and the check itself FAILs."""

    description: str
    """What was switched off."""
    passed: bool
    """Whether the check's test passed on the control run (it must not)."""
    summary: str
    """The control's figure, as the check's summary gives its own."""

    def as_dict(self) -> dict[str, Any]:
        """Plain figures for the JSON report."""
        return dict(description=self.description, passed=self.passed, summary=self.summary)


@dataclass
class CheckResult:
    """One validation check: what was compared, how closely it had to agree, and whether it did."""

    name: str
    title: str
    source: str
    settings: str
    tolerance: str
    passed: bool
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    """Numbers for the JSON report (plain floats, lists and dicts)."""
    details: str = ""
    """Markdown: tables and the explanation of the result (and of a failure's cause)."""
    charts: dict[str, Callable[[], Figure]] = field(default_factory=dict)
    """File stem -> function drawing the chart."""
    kind: str = "mechanism"
    """"baseline" (a pattern of the shipped baseline itself) or "mechanism" (a stripped market
    that isolates one mechanism)."""
    control: Control | None = None
    """The negative control run beside the check (None: not natural, or not yet written)."""
    by_construction: bool = False
    """True for a consistency check: it holds by construction, so it has no negative control
    and is not counted as a validation."""
    power: float | None = None
    """Chance that a re-run's interval excludes the tolerance boundary, given the observed
    effect and its sampling error (`power_beyond`)."""
    inconclusive: bool = False
    """Quick runs only: the interval straddles the tolerance boundary, so neither PASS nor FAIL
    would be the full run's verdict for sure."""

    @property
    def verdict(self) -> str:
        """PASS, FAIL (also when the negative control passes) or INCONCLUSIVE (power X%)."""
        if self.inconclusive:
            power = "?" if self.power is None else f"{self.power:.0%}"
            return f"INCONCLUSIVE (power {power})"
        if not self.passed or (self.control is not None and self.control.passed):
            return "FAIL"
        return "PASS"

    @property
    def ok(self) -> bool:
        """Whether the check passed and its negative control failed."""
        return self.verdict == "PASS"

    @property
    def kind_label(self) -> str:
        """The kind as the report shows it; checks that hold by construction say so."""
        if self.by_construction:
            return "consistency check (holds by construction)"
        return self.kind

    @property
    def control_verdict(self) -> str:
        """The negative control's outcome in words."""
        if self.by_construction:
            return "none (holds by construction)"
        if self.control is None:
            return "none yet"
        if self.control.passed:
            return "PASSED - the check cannot fail"
        return "FAIL as expected"

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, {self.verdict}, {self.summary!r})"


def power_beyond(distance_se: float, critical: float) -> float:
    """Chance that an estimate `distance_se` standard errors from the tolerance boundary lands
    more than `critical` standard errors beyond it on a re-run (normal approximation, the
    observed effect taken as the truth): the check's power to reach a verdict."""
    if not np.isfinite(distance_se):
        return 1.0 if distance_se > 0 else 0.0
    return float(stats.norm.cdf(abs(distance_se) - critical))


def scenario(raw: dict[str, Any], source: str) -> Scenario:
    """A validated scenario for a check, from the settings it states (everything else default)."""
    return validate_scenario(raw, source=source)


def quiet_brand(**levers: Any) -> dict[str, Any]:
    """A brand whose experience never goes wrong (quality 5, no problems, late or damaged
    deliveries) unless `levers` say otherwise: checks switch on only what they test."""
    brand = dict(
        quality=5.0,
        satisfaction_sd=0.0,
        p_problem=0.0,
        p_late_delivery=0.0,
        p_damaged=0.0,
        initial_share=0.0,
        initial_awareness=1.0,
    )
    brand.update(levers)
    return brand


def cliques_market(
    name: str,
    days: int,
    clique_size: int,
    ties: tuple[float, float],
    brand: dict[str, Any],
    **tables: dict[str, Any],
) -> dict[str, Any]:
    """Goldenberg et al.'s market: 3,000 people in strong-tie cliques with as many weak ties,
    messages heard with chance `ties` = (q_strong, q_weak), one purchase each with no research
    or delays; `tables` override or add scenario tables (triggers, choice, feedback, ...)."""
    q_strong, q_weak = ties
    raw = dict(
        name=name,
        days=days,
        population=dict(n_consumers=3_000, p_need_daily=0.0, n_social_influencers=0),
        network=dict(
            kind="cliques",
            clique_size=clique_size,
            weak_ties=clique_size,
            p_message_strong=q_strong,
            p_message_weak=q_weak,
        ),
        brands=dict(focal=brand),
        research=dict(mean_sources=0.0, mean_days=0.0),
        choice=dict(p_showrooming=0.0),
        experience=dict(delivery_days=0.0, use_days=0.0),
        feedback=dict(feedback_days=1.0),
        loyalty=dict(repurchase_days=0.0),
    )
    return deep_merge(raw, tables)


@dataclass(frozen=True)
class OneSided:
    """A one-sided paired t test that the mean of `differences` (mechanism on minus off, per
    replication on common random numbers) is above 0 at level `alpha`.

    Why paired: the arms share seeds, so the noise both arms have in common cancels and the
    test sees the mechanism's own effect. The burden is on passing: a check built on it fails
    when its mechanism is switched off in both arms (the differences are then 0)."""

    differences: np.ndarray
    alpha: float

    @property
    def mean(self) -> float:
        """Mean paired difference."""
        return float(np.mean(self.differences))

    @property
    def se(self) -> float:
        """Standard error of the mean difference (0 when every pair agrees)."""
        return float(np.std(self.differences, ddof=1) / np.sqrt(len(self.differences)))

    @property
    def critical(self) -> float:
        """One-sided critical t at `alpha` with n - 1 degrees of freedom."""
        return float(stats.t.ppf(1 - self.alpha, len(self.differences) - 1))

    @property
    def bound(self) -> float:
        """Lower one-sided confidence bound of the mean difference."""
        return self.mean - self.critical * self.se

    @property
    def distance(self) -> float:
        """The mean in standard errors (+-inf with no spread; 0 when every difference is 0)."""
        if self.se > 0:
            return self.mean / self.se
        return 0.0 if self.mean == 0 else float(np.sign(self.mean) * np.inf)

    @property
    def passed(self) -> bool:
        """Whether the mean is significantly above 0 (the bound above 0)."""
        return bool(self.distance > self.critical)

    @property
    def decided(self) -> bool:
        """Whether the interval lies clear of 0 on one side (a re-run would likely agree)."""
        return bool(abs(self.distance) > self.critical)

    @property
    def power(self) -> float:
        """`power_beyond` at this test's distance and critical value."""
        return power_beyond(self.distance, self.critical)

    def text(self, scale: float = 1.0, unit: str = "") -> str:
        """Mean and one-sided bound in words (`scale` 100 with unit '%' for shares)."""
        return (
            f"{scale * self.mean:+.1f}{unit} (one-sided {1 - self.alpha:.0%} bound "
            f"{scale * self.bound:+.1f}{unit}, n = {len(self.differences)})"
        )


def design_power(n: int, effect: float, sd: float, alpha: float) -> float:
    """Power of a one-sided paired t test with `n` pairs to detect a true mean `effect` when
    the pairs' sd is `sd` (noncentral t): the replications a check needs, fixed before it runs."""
    critical = stats.t.ppf(1 - alpha, n - 1)
    return float(stats.nct.sf(critical, n - 1, effect / sd * np.sqrt(n)))
