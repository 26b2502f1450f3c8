"""Check 1 as a report section: every Bass (1969) product against the recursion and the
continuous curve, and the departure on networks. The theory and tolerances are in `bass`."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.reports.charts import new_axes
from sim.validation.bass import (
    ALPHA_RESIDUALS,
    BAND_SD,
    DAYS_PER_YEAR,
    PRODUCTS,
    Diffusion,
    bass_scenario,
    continuous,
    days_to_saturate,
    diffuse,
    effective_q,
    lna_sd,
    recursion,
    residual_test,
    simulate,
    time_to,
    yearly,
)
from sim.validation.check import CheckResult, Control, power_beyond

NETWORKS: tuple[str, ...] = ("small_world", "cliques")
"""Networks on which the departure from mean-field Bass is reported (default tie settings)."""


def check(quick: bool = False, seed: int = 1) -> CheckResult:
    """Every product (all of them, or two when quick) at one day per period and, in the full
    run, with the step shrunk to a tenth of a period; then the typical product on networks."""
    n = 20_000 if quick else 50_000
    names = list(PRODUCTS)[-2:] if quick else list(PRODUCTS)
    steps = (1,) if quick else (1, 10)
    runs = [diffuse(name, *PRODUCTS[name], n, seed, k) for name in names for k in steps]
    p, q = PRODUCTS[names[-1]]
    nets = [
        diffuse(net, p, q, n // 2, seed, 1, net) for net in ((NETWORKS[0],) if quick else NETWORKS)
    ]
    mixed_ok = all(r.band_ok and r.chi2_ok for r in runs)
    slower = all(time_to(d.x, 0.9) > time_to(d.x_rec, 0.9) for d in nets)
    worst = max(runs, key=lambda r: r.gap_recursion / max(r.sd.max(), 1e-12))
    control = ads_only(names[-1], *PRODUCTS[names[-1]], n, seed)
    return CheckResult(
        name="bass",
        title="Bass diffusion (mean-field reduction)",
        source="Bass 1969 (Management Science 15: 215-227), products of its Table 1; "
        "typical p, q from Sultan, Farley & Lehmann 1990",
        settings=f"{n:,} people, one brand, only ads (p) and word of mouth (q) on, mixed "
        "network, no research/delivery/use delays, no repurchase, everyone an advocate "
        "(`sim.validation.bass.bass_scenario`); one model day = one Bass period (k = 1) "
        "or a tenth of one (k = 10, p/10 and q/10 a day)",
        tolerance=f"one-step residuals: chi-square, two-sided alpha = {ALPHA_RESIDUALS}; "
        f"trajectory: |x_sim - x_rec| < {BAND_SD} linear-noise sd every day (<= 2.5e-3 per run); "
        "continuous curve: reported, not a separate test (a gap below the Euler error + "
        f"{BAND_SD} sd follows from the band); calendar time is check `bass_calendar`. Networks: "
        "predicted slower than mean-field (time to 90% later)",
        passed=mixed_ok and slower,
        summary=f"largest gap to the recursion {worst.gap_recursion:.4f} "
        f"({worst.gap_recursion / worst.sd.max():.1f} sd max, {worst.product}, k={worst.steps_per_period})",
        figures=dict(
            products=[dict(product=r.product, **r.figures()) for r in runs],
            networks=[network_figures(d) for d in nets],
        ),
        details=products_table(runs) + "\n\n" + networks_text(nets, p, q),
        charts=dict(
            bass_products=lambda: chart_products([r for r in runs if r.steps_per_period == 1]),
            bass_step=lambda: chart_step([r for r in runs if r.product == names[-1]]),
            bass_networks=lambda: chart_networks(nets),
        ),
        control=control,
        power=power_beyond(BAND_SD - worst.gap_recursion / worst.sd.max(), 0.0),
    )


def ads_only(product: str, p: float, q: float, n: int, seed: int) -> Control:
    """Negative control: word of mouth off in the model (q = 0) but judged against Bass with
    the product's q: the imitation term is what the check tests, so the fit must fail."""
    days = days_to_saturate(p, q)
    x, new = simulate(bass_scenario(p, 0.0, n, days, seed), seed)
    d = Diffusion(
        product=product,
        p=p,
        q=q,
        n=n,
        steps_per_period=1,
        x=x,
        new=new,
        x_rec=recursion(p, q, days),
        sd=lna_sd(p, q, n, days),
        chi2=residual_test(p, q, n, x, new),
    )
    return Control(
        f"word of mouth off (q = 0 in the model, {product})",
        bool(d.band_ok and d.chi2_ok),
        f"gap to the recursion {d.gap_recursion:.3f} ({d.gap_recursion / d.sd.max():.0f} sd max)",
    )


def network_figures(d: Diffusion) -> dict:
    """How a networked run departs from the mean-field recursion."""
    return dict(
        network=d.product,
        n=d.n,
        gap_recursion=d.gap_recursion,
        effective_q=effective_q(d),
        q=d.q,
        t50_simulated=time_to(d.x, 0.5),
        t50_recursion=time_to(d.x_rec, 0.5),
        t90_simulated=time_to(d.x, 0.9),
        t90_recursion=time_to(d.x_rec, 0.9),
    )


def products_table(runs: list[Diffusion]) -> str:
    """Markdown table: per product and step, gaps, peak times and the three tests."""
    head = (
        "| product | p | q | k | max gap to recursion (4.5 sd) | chi2 / df | max gap to F(t) "
        "| Euler error | peak sim | peak rec | peak F | tests |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for r in runs:
        f, ok = r.peak_periods(), r.band_ok and r.chi2_ok
        rows.append(
            f"| {r.product} | {r.p} | {r.q} | {r.steps_per_period} | {r.gap_recursion:.4f} "
            f"({BAND_SD * r.sd.max():.4f}) | {r.chi2['statistic']:.0f} / {r.chi2['df']} "
            f"| {r.gap_continuous:.4f} | {r.discretisation:.4f} | {f['simulated']:.2f} "
            f"| {f['recursion']:.2f} | {f['continuous']:.2f} | {'PASS' if ok else 'FAIL'} |"
        )
    note = (
        "\n\nGaps are shares of the market; peak times in Bass periods (daily adoptions peak "
        "in the day spanning (t-1, t], plotted at t - 0.5). With one day per period the model "
        "follows the recursion and therefore lags the continuous curve by the Euler error "
        "(peak later by 0.6-3 periods); with ten days per period the lag nearly vanishes."
    )
    return head + "\n" + "\n".join(rows) + note


def networks_text(nets: list[Diffusion], p: float, q: float) -> str:
    """Markdown: how and why diffusion on a network departs from mean-field Bass."""
    rows = "\n".join(
        f"| {f['network']} | {f['gap_recursion']:.3f} | {f['effective_q']:.3f} | "
        f"{f['t50_simulated']:.0f} / {f['t50_recursion']:.0f} | {f['t90_simulated']:.0f} / "
        f"{f['t90_recursion']:.0f} |"
        for f in map(network_figures, nets)
    )
    return (
        f"**On a network** (typical p = {p}, q = {q}, same message rate): each adopter's "
        "messages go to their own contacts, not to random people. Contacts of adopters are "
        "more often adopters already (clustering, and adopters cluster because they were "
        "told by neighbours), so part of the word of mouth lands on people who have adopted "
        "and is wasted: the effective imitation coefficient (least squares of the daily "
        "hazard on x) falls below q and the take-off is slower than Bass predicts.\n\n"
        "| network | max gap to recursion | effective q | days to 50% sim / Bass | "
        "days to 90% sim / Bass |\n|---|---|---|---|---|\n" + rows
    )


def chart_products(runs: list[Diffusion]) -> Figure:
    """Simulated adopters (dots) on the recursion (lines) and the continuous curve (dashed)."""
    fig, ax = new_axes(
        "Bass reduction: simulated adoption follows the discrete recursion",
        "time (Bass periods = model days)",
        "adopters (share of the market)",
        note="dots: model; lines: x[t+1] = x[t] + (p + q x[t])(1 - x[t]); dashed: continuous F(t)",
    )
    for r in runs:
        (line,) = ax.plot(r.periods, r.x_rec, linewidth=1.8, label=f"{r.product}")
        ax.plot(r.periods, r.x, "o", markersize=3.5, color=line.get_color())
        ax.plot(r.periods, r.x_cont, "--", linewidth=1, color=line.get_color())
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def chart_step(runs: list[Diffusion]) -> Figure:
    """Daily adoptions per period at one and ten days per period, against the continuous density."""
    fig, ax = new_axes(
        f"Shrinking the step: {runs[0].product}",
        "time (Bass periods)",
        "new adopters per period (share of the market)",
        note="a daily step lags the continuous Bass curve; ten days per period close the gap",
    )
    for r in runs:
        k = r.steps_per_period
        mid = (np.arange(1, len(r.x)) - 0.5) / k
        ax.plot(
            mid,
            r.new / r.n * k,
            "o-",
            markersize=2.5,
            linewidth=1,
            label=f"model, {k} day(s) per period",
        )
    t = np.linspace(0, runs[0].periods[-1], 400)
    p, q = runs[0].p, runs[0].q
    decay = np.exp(-(p + q) * t)
    density = (p + q) ** 2 / p * decay / (1 + q / p * decay) ** 2
    ax.plot(t, density, "k--", linewidth=2, label="continuous Bass f(t)")
    ax.legend()
    return fig


def chart_networks(nets: list[Diffusion]) -> Figure:
    """Adoption on networks against the mean-field recursion with the same p and q."""
    fig, ax = new_axes(
        "On a network, word of mouth saturates locally: slower than Bass",
        "time (days = Bass periods)",
        "adopters (share of the market)",
        note=f"p = {nets[0].p}, q = {nets[0].q}; black: mean-field recursion",
    )
    ax.plot(nets[0].periods, nets[0].x_rec, "k-", linewidth=2.5, label="Bass recursion (mixed)")
    for d in nets:
        ax.plot(
            d.periods,
            d.x,
            "o-",
            markersize=3,
            label=f"{d.product} (effective q {effective_q(d):.2f})",
        )
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return fig


CALENDAR_PRODUCTS: dict[bool, tuple[str, ...]] = {
    True: ("typical (Sultan, Farley & Lehmann 1990)",),
    False: ("refrigerators", "typical (Sultan, Farley & Lehmann 1990)", "record players"),
}
"""Quick: the typical product; full: the slowest (refrigerators, about 45 years to 99.5%),
the typical and the fastest (record players) of `PRODUCTS`."""
CALENDAR_PEOPLE = 10_000
"""Consumers per calendar run: the band scales as 1/sqrt(n), so the test stays exact."""


def check_calendar(quick: bool = False, seed: int = 2) -> CheckResult:
    """Yearly p and q as daily chances p/365 and q/365: adoption at each year's end against
    the Bass (1969) closed form, until 99.5% of the market adopts. Power: that of the year
    closest to its allowance (its margin in linear-noise sd)."""
    k, n = DAYS_PER_YEAR, CALENDAR_PEOPLE
    names = CALENDAR_PRODUCTS[quick]
    runs = [diffuse(name, *PRODUCTS[name], n, seed, k) for name in names]
    years = [yearly(r) for r in runs]
    typical = names[-1] if quick else names[1]
    off = diffuse(typical, *PRODUCTS[typical], n, seed, k, q_model=0.0)
    off_years = yearly(off)
    return CheckResult(
        name="bass_calendar",
        title="Bass diffusion in calendar time: daily p/365, q/365 give the yearly Bass curve",
        source="Bass 1969 (Management Science 15: 215-227), closed form F(t) and the products "
        "of its Table 1; typical p, q from Sultan, Farley & Lehmann 1990",
        settings=f"{n:,} people, the reduced market of the Bass check with a year's p and q as "
        f"daily chances p/365 and q/365; products: {', '.join(names)}; each run until the "
        "recursion reaches 99.5% (up to about 16,000 days, beyond a scenario file's 3,650)",
        tolerance=f"every year-end: |x_sim - F(year)| at most the daily step's Euler error there "
        f"+ {BAND_SD} linear-noise sd",
        passed=all(y["passed"] for y in years),
        summary="; ".join(
            f"{r.product.split(' (')[0]}: {len(y['years'])} years, largest gap "
            f"{max(y['gap']):.4f} ({y['worst_gap_sd']:.1f} sd)"
            for r, y in zip(runs, years, strict=True)
        ),
        figures=dict(
            products=[
                dict(product=r.product, p=r.p, q=r.q, **y) for r, y in zip(runs, years, strict=True)
            ],
            control=dict(product=off.product, **off_years),
        ),
        details=calendar_table(runs, years),
        charts=dict(bass_calendar=lambda: chart_calendar(runs, years)),
        control=Control(
            f"imitation off (q = 0 in the model, {typical}), judged against F with its q",
            off_years["passed"],
            f"largest yearly gap to F {max(off_years['gap']):.3f} "
            f"({off_years['worst_gap_sd']:.0f} sd)",
        ),
        power=power_beyond(min(y["margin_sd"] for y in years), 0.0),
    )


def calendar_table(runs: list[Diffusion], years: list[dict]) -> str:
    """Markdown: per product, adoption at a few year-ends against the closed form."""
    rows = []
    for r, y in zip(runs, years, strict=True):
        for i in sorted({0, 2, 4, 9, 19, len(y["years"]) - 1} & set(range(len(y["years"])))):
            rows.append(
                f"| {r.product} | {y['years'][i]:.0f} | {y['simulated'][i]:.4f} "
                f"| {y['closed_form'][i]:.4f} | {y['gap'][i]:.4f} | {y['allowed'][i]:.4f} |"
            )
    head = (
        "| product | year | adopted (model) | Bass F(year) | gap | allowed |\n"
        "|---|---|---|---|---|---|"
    )
    return head + "\n" + "\n".join(rows)


def chart_calendar(runs: list[Diffusion], years: list[dict]) -> Figure:
    """Year-end adoption (dots) on the closed-form Bass curve (lines)."""
    fig, ax = new_axes(
        "Bass in calendar time: daily chances p/365, q/365 follow the yearly curve",
        "years",
        "adopters (share of the market)",
        note="dots: model at each year's end; lines: Bass (1969) closed form F(t)",
    )
    for r, y in zip(runs, years, strict=True):
        t = np.linspace(0, y["years"][-1], 400)
        (line,) = ax.plot(t, continuous(r.p, r.q, t), linewidth=1.8, label=r.product)
        ax.plot(y["years"], y["simulated"], "o", markersize=4, color=line.get_color())
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize=9)
    return fig
