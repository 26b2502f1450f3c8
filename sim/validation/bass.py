"""Check 1: with only ads (p) and word of mouth (q) on, the model is Bass (1969) diffusion.

Reduction (issue 2): one brand, nobody aware of a rival, no spontaneous need, every ad exposure
a trigger with chance p, every adopter an advocate sending q messages a day that each start a
need, no research, delivery, use or repurchase delays. On a fully mixed population the engine
adds p and q x as competing hazards, so the adopters' share follows the discrete recursion
x[t+1] = x[t] + (p + q x[t])(1 - x[t]) (one model day = one Bass period).

Tolerances (fixed before looking, from sampling error alone):

* one-step residuals z_t = (new_t - m_t h_t) / sqrt(m_t h_t (1 - h_t)), with m_t = N(1 - x_{t-1})
  units left and h_t = p + q x_{t-1}, are independent N(0, 1) given the past (binomial draws), so
  sum z_t^2 is chi-square with one degree of freedom per day; two-sided test at alpha = 0.001;
* trajectory band from the linear-noise approximation (van Kampen): v[t+1] = (1 + f'(x))^2 v[t] +
  h (1 - h)(1 - x) / N with f(x) = (p + q x)(1 - x); |x_sim - x_rec| < 4.5 sd every day. A 4.5 sd
  excursion has two-sided chance 6.8e-6 a day, so <= 2.5e-3 over 365 days (Bonferroni).

Against the continuous curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) a daily step is a
forward-Euler scheme: the gap is discretisation, known before running. Shrinking the step (k
model days per Bass period with p/k and q/k a day) brings the recursion to F; the check then
requires |x_sim - F| < max|x_rec - F| + 4.5 sd. (That follows from the band by the triangle
inequality, so it is reported, not counted as a separate test.)

Calendar time (issue 14): a year's p and q become daily chances p/365 and q/365 (k = 365), and
adoption at the end of each year must match the closed form F(year): |x_sim - F| at most the
Euler error of the daily step there plus 4.5 linear-noise sd, every year until 99.5% adopt.
Slow products need decades (refrigerators about 45 years, 16,000 days), longer than the 3,650
days a scenario file may ask for; the check runs the validated scenario for the days it needs.
Negative control: imitation off in the model (q = 0) judged against F with the product's q.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.runner import run_once
from sim.scenario.settings import Scenario
from sim.validation.check import quiet_brand, scenario

PRODUCTS: dict[str, tuple[float, float]] = {
    "room air conditioners": (0.0104, 0.4186),
    "clothes dryers": (0.0172, 0.3569),
    "black-and-white TV": (0.0279, 0.2511),
    "refrigerators": (0.0026, 0.2157),
    "steam irons": (0.0286, 0.3279),
    "record players": (0.0248, 0.6541),
    "typical (Sultan, Farley & Lehmann 1990)": (0.03, 0.38),
}
"""(p, q) per period: Bass (1969) Table 1 durables; typical values from Sultan, Farley & Lehmann 1990."""

ALPHA_RESIDUALS = 0.001
"""Two-sided level of the chi-square test on the one-step residuals (fixed before looking)."""
BAND_SD = 4.5
"""Half-width of the trajectory band in linear-noise standard deviations (fixed before looking)."""
SCENARIO_MAX_DAYS = 3650
"""The most days a scenario file may ask for; longer checks validate the scenario at this
length and then run the same settings longer (as `run_once(days=...)` does)."""
DAYS_PER_YEAR = 365
"""Model days per Bass period in calendar time: a year's p and q become p/365 and q/365 a day."""
MIN_EXPECTED = 5.0
"""Days enter the chi-square sum only when both expected counts are >= 5 (normal approximation)."""


def bass_scenario(
    p: float,
    q: float,
    n: int,
    days: int,
    seed: int = 1,
    network: str = "mixed",
    steps_per_period: int = 1,
) -> Scenario:
    """The reduced market: only ads (p) and word of mouth (q) on, per model day p/k and q/k."""
    k = steps_per_period
    raw = dict(
        name="bass",
        days=min(days, SCENARIO_MAX_DAYS),
        seed=seed,
        population=dict(n_consumers=n, p_need_daily=0.0, n_social_influencers=0),
        network=dict(kind=network),
        brands=dict(focal=quiet_brand(strategies=dict(advertising=dict(reach_daily=1.0)))),
        triggers=dict(p_trigger_ad=p / k, p_trigger_wom=1.0),
        research=dict(mean_sources=0.0, mean_days=0.0),
        choice=dict(walk_away_utility=-50.0, p_showrooming=0.0),
        experience=dict(delivery_days=0.0, use_days=0.0, late_extra_days=0.0),
        feedback=dict(messages_advocate=q / k, loyal_messages_per_day=q / k, feedback_days=0.0),
        loyalty=dict(repurchase_days=0.0),
    )
    checked = scenario(raw, source=f"bass(p={p}, q={q})")
    return checked if days <= SCENARIO_MAX_DAYS else checked.model_copy(update={"days": days})


def recursion(p: float, q: float, days: int) -> np.ndarray:
    """Discrete Bass: x[0] = 0, x[t+1] = x[t] + (p + q x[t])(1 - x[t]); days + 1 values."""
    x = np.zeros(days + 1)
    for t in range(days):
        x[t + 1] = x[t] + (p + q * x[t]) * (1 - x[t])
    return x


def continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass (1969) cumulative adoption F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - decay) / (1 + (q / p) * decay)


def peak_time(p: float, q: float) -> float:
    """Time of the continuous adoption peak, ln(q/p) / (p + q) periods (0 if q <= p)."""
    return max(math.log(q / p), 0.0) / (p + q)


def lna_sd(p: float, q: float, n: int, days: int) -> np.ndarray:
    """Linear-noise sd of the adopters' share around the recursion, per day (days + 1 values)."""
    x = recursion(p, q, days)
    var = np.zeros(days + 1)
    for t in range(days):
        h = p + q * x[t]
        slope = q * (1 - x[t]) - h
        var[t + 1] = (1 + slope) ** 2 * var[t] + h * (1 - h) * (1 - x[t]) / n
    return np.sqrt(var)


def days_to_saturate(p: float, q: float, share: float = 0.995) -> int:
    """Days the recursion needs to reach `share` of the market. No cap: a slow product in
    calendar time (p/365 a day) needs decades, and a cap would judge it before it saturates."""
    if p <= 0:
        raise ValueError(f"p must be above 0 for the market to saturate, got {p}")
    x, t = 0.0, 0
    while x < share:
        x, t = x + (p + q * x) * (1 - x), t + 1
    return t


def simulate(scenario_: Scenario, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(adopters' share x[0..days], new adopters per day) of one run."""
    daily = run_once(scenario_, seed).daily
    new = daily["new_customers"].to_numpy()
    x = np.concatenate([[0.0], np.cumsum(new) / scenario_.population.n_consumers])
    return x, new


def residual_test(p: float, q: float, n: int, x: np.ndarray, new: np.ndarray) -> dict:
    """Chi-square test of the one-step binomial residuals (two-sided, `ALPHA_RESIDUALS`)."""
    hazard = np.minimum(p + q * x[:-1], 1.0)
    left = n * (1 - x[:-1])
    usable = (left * hazard >= MIN_EXPECTED) & (left * (1 - hazard) >= MIN_EXPECTED)
    z = (new[usable] - left[usable] * hazard[usable]) / np.sqrt(
        left[usable] * hazard[usable] * (1 - hazard[usable])
    )
    df = int(usable.sum())
    statistic = float((z**2).sum())
    low, high = stats.chi2.ppf([ALPHA_RESIDUALS / 2, 1 - ALPHA_RESIDUALS / 2], df)
    return dict(statistic=statistic, df=df, low=float(low), high=float(high))


@dataclass
class Diffusion:
    """One product's simulated diffusion against the recursion and the continuous curve."""

    product: str
    p: float
    q: float
    n: int
    steps_per_period: int
    x: np.ndarray
    new: np.ndarray
    x_rec: np.ndarray
    sd: np.ndarray
    chi2: dict

    @property
    def periods(self) -> np.ndarray:
        """Time of each x value in Bass periods."""
        return np.arange(len(self.x)) / self.steps_per_period

    @property
    def x_cont(self) -> np.ndarray:
        """The continuous Bass curve at the same times."""
        return continuous(self.p, self.q, self.periods)

    @property
    def gap_recursion(self) -> float:
        """Largest |x_sim - x_rec| (share of the market)."""
        return float(np.abs(self.x - self.x_rec).max())

    @property
    def gap_continuous(self) -> float:
        """Largest |x_sim - F| (share of the market)."""
        return float(np.abs(self.x - self.x_cont).max())

    @property
    def discretisation(self) -> float:
        """Largest |x_rec - F|: the Euler-step error, known before running."""
        return float(np.abs(self.x_rec - self.x_cont).max())

    @property
    def band_ok(self) -> bool:
        """Every day within `BAND_SD` linear-noise sds of the recursion."""
        return bool(np.all(np.abs(self.x - self.x_rec) <= BAND_SD * self.sd + 1e-12))

    @property
    def chi2_ok(self) -> bool:
        """One-step residuals consistent with binomial draws at the recursion's hazard."""
        return self.chi2["low"] <= self.chi2["statistic"] <= self.chi2["high"]

    @property
    def continuous_ok(self) -> bool:
        """Within the known discretisation error plus the sampling band of the continuous curve."""
        return self.gap_continuous <= self.discretisation + BAND_SD * float(self.sd.max())

    def peak_periods(self) -> dict[str, float]:
        """Adoption peak time (periods): simulated, recursion and continuous (day t spans (t-1, t])."""
        k = self.steps_per_period
        rec_new = np.diff(self.x_rec)
        return dict(
            simulated=(int(np.argmax(self.new)) + 0.5) / k,
            recursion=(int(np.argmax(rec_new)) + 0.5) / k,
            continuous=peak_time(self.p, self.q),
        )

    def figures(self) -> dict:
        """Numbers for the report."""
        peaks = self.peak_periods()
        return dict(
            p=self.p,
            q=self.q,
            n=self.n,
            steps_per_period=self.steps_per_period,
            gap_recursion=self.gap_recursion,
            band_sd_max=float(self.sd.max()),
            gap_continuous=self.gap_continuous,
            discretisation=self.discretisation,
            peak_simulated=peaks["simulated"],
            peak_recursion=peaks["recursion"],
            peak_continuous=peaks["continuous"],
            peak_error_vs_recursion=peaks["simulated"] - peaks["recursion"],
            peak_error_vs_continuous=peaks["simulated"] - peaks["continuous"],
            chi2=self.chi2,
            band_ok=self.band_ok,
            chi2_ok=self.chi2_ok,
            continuous_ok=self.continuous_ok,
        )


def diffuse(
    product: str,
    p: float,
    q: float,
    n: int,
    seed: int = 1,
    steps_per_period: int = 1,
    network: str = "mixed",
    q_model: float | None = None,
) -> Diffusion:
    """Run one product's reduced market and compare it with the recursion (per model day).
    `q_model` (default `q`) is the model's word of mouth: 0 for a negative control judged
    against Bass with the product's q."""
    k = steps_per_period
    days = days_to_saturate(p / k, q / k)
    q_run = q if q_model is None else q_model
    x, new = simulate(bass_scenario(p, q_run, n, days, seed, network, k), seed)
    return Diffusion(
        product=product,
        p=p,
        q=q,
        n=n,
        steps_per_period=k,
        x=x,
        new=new,
        x_rec=recursion(p / k, q / k, days),
        sd=lna_sd(p / k, q / k, n, days),
        chi2=residual_test(p / k, q / k, n, x, new),
    )


def effective_q(diffusion: Diffusion) -> float:
    """Least-squares q from daily hazards h_t - p = q x_{t-1}: how strong word of mouth really was."""
    x, new = diffusion.x, diffusion.new
    k = diffusion.steps_per_period
    left = diffusion.n * (1 - x[:-1])
    keep = left > 0
    hazard = new[keep] / left[keep] - diffusion.p / k
    prior = x[:-1][keep]
    return float(k * (prior @ hazard) / max(prior @ prior, 1e-12))


def time_to(x: np.ndarray, share: float, steps_per_period: int = 1) -> float:
    """First time (periods) the share reaches `share` (NaN if never)."""
    reached = np.flatnonzero(x >= share)
    return float(reached[0] / steps_per_period) if len(reached) else math.nan


def yearly(d: Diffusion) -> dict:
    """Adoption at each period's end (each year's, at k = 365) against the closed form F: the
    gap, the allowance (Euler error of the step there + `BAND_SD` linear-noise sd) and the test."""
    k = d.steps_per_period
    ends = np.arange(k, len(d.x), k)
    years = ends / k
    closed = continuous(d.p, d.q, years)
    gap = np.abs(d.x[ends] - closed)
    allowed = np.abs(d.x_rec[ends] - closed) + BAND_SD * d.sd[ends]
    return dict(
        years=years.tolist(),
        simulated=d.x[ends].tolist(),
        closed_form=closed.tolist(),
        gap=gap.tolist(),
        allowed=allowed.tolist(),
        worst_gap_sd=float(np.max(gap / np.maximum(d.sd[ends], 1e-12))),
        margin_sd=float(np.min((allowed - gap) / np.maximum(d.sd[ends], 1e-12))),
        passed=bool(np.all(gap <= allowed + 1e-12)),
    )
