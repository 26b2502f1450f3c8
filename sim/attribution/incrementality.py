"""Heuristics next to the truth: paired runs with one channel off, on common random numbers.

Why: attribution heuristics split observed conversions among the touches that preceded them;
none can say what a channel *causes*. A simulation can: run the market as it is, then again
with one channel switched off (`sim.attribution.channels.SWITCHES`) on the same seed. Every
draw is keyed by (seed, decision, person, day) (`sim.market.keyed_draws`), so the two runs differ
only through the channel and what it set in motion (common random numbers, Law 2015 ch. 11),
and the paired difference in conversions is the channel's incrementality: the conversions
lost without it (Lewis & Rao 2015 on why observational ad attribution cannot measure this;
Gordon et al. 2019 on how far it lands from experiments).

Each replication runs the as-is arm (with the touch log, for the heuristics) and one arm per
channel whose switch changes the scenario; a channel the scenario lacks (ads without
advertising) adds exactly nothing, so it is not run. Runs are spread over worker processes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.attribution.channels import CHANNELS, DIRECT, SWITCHES, switched_off
from sim.attribution.heuristics import channel_paths, first_touch, last_touch, linear, touched_share
from sim.attribution.markov import markov_credit
from sim.market.touch_log import Journeys, TouchLog
from sim.model import JourneyModel
from sim.reliability.process_hygiene import run_in_chunks
from sim.reports.stats import mean_ci
from sim.scenario.settings import Scenario

AS_IS = "as_is"
"""Name of the arm that runs the scenario unchanged."""
HEURISTICS: tuple[str, ...] = ("first_touch", "last_touch", "linear", "markov")
METHODS: tuple[str, ...] = (*HEURISTICS, "incremental")
METHOD_LABELS: dict[str, str] = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "markov": "Markov removal",
    "incremental": "Incremental (truth)",
}
CONVERSIONS: tuple[str, ...] = ("new_customers", "purchases")
"""What counts as a conversion: a prospect's first focal purchase, or every focal purchase."""


@dataclass(frozen=True)
class Arm:
    """One way to run the market: as it is, or with one channel off."""

    name: str
    scenario: Scenario


def build_arms(scenario: Scenario) -> tuple[list[Arm], list[str]]:
    """The as-is arm and one arm per channel that can be switched off; and the channels
    whose switch would change nothing (their incrementality is exactly 0)."""
    arms, absent = [Arm(AS_IS, scenario)], []
    for channel in SWITCHES:
        off = switched_off(scenario, channel)
        if off is None:
            absent.append(channel)
        else:
            arms.append(Arm(channel, off))
    return arms, absent


def simulate_journeys(scenario: Scenario, seed: int) -> Journeys:
    """Run the scenario once (warm-up included) with the touch log on; return its journeys,
    of which those ending in the measured window count."""
    model = JourneyModel(scenario, seed=seed, with_agents=False, warm_up=False)
    model.market.touches = TouchLog()
    model.run()
    return model.market.touches.journeys(first_day=model.market.window_start)


def run_job(arm: Arm, replication: int, seed: int, conversions: str, keep: bool) -> dict:
    """One arm of one replication: its conversions and, for the as-is arm, every heuristic's
    credit per channel (and the journeys themselves when `keep`)."""
    journeys = simulate_journeys(arm.scenario, seed)
    out = {
        "arm": arm.name,
        "replication": replication,
        "seed": seed,
        "conversions": int(journeys.converted(conversions).sum()),
    }
    if arm.name == AS_IS:
        paths = channel_paths(journeys, conversions)
        out["credit"] = {
            "first_touch": first_touch(paths),
            "last_touch": last_touch(paths),
            "linear": linear(paths),
            "markov": markov_credit(paths),
        }
        out["touched"] = touched_share(paths)
        if keep:
            out["journeys"] = journeys
    return out


def run_chunk(jobs: list[tuple[Arm, int, int, str, bool]]) -> list[dict]:
    """Run jobs in a worker process."""
    return [run_job(*job) for job in jobs]


def simulate(
    arms: list[Arm], seeds: list[int], conversions: str, workers: int, quiet: bool
) -> list[dict]:
    """Every arm on every replication's seed, in chunks over `workers` processes; the journeys
    of replication 0's as-is arm are kept for the results folder."""
    jobs = [
        (arm, i, seed, conversions, i == 0 and arm.name == AS_IS)
        for i, seed in enumerate(seeds)
        for arm in arms
    ]
    return run_in_chunks(
        jobs,
        run_chunk,
        workers=workers,
        quiet=quiet,
        verb="attributing",
        preload=["sim.attribution.incrementality"],
    )


def tidy_credits(outputs: list[dict], absent: list[str]) -> pd.DataFrame:
    """One row per replication, channel and method: conversions credited and their share.

    Incremental credit is the as-is arm's conversions minus the channel-off arm's (same
    seed); a channel the scenario lacks gets 0, and "direct" (no switch) none. The extra
    method "touched" counts the conversions whose path touched the channel.
    """
    as_is = {o["replication"]: o for o in outputs if o["arm"] == AS_IS}
    off = {(o["replication"], o["arm"]): o["conversions"] for o in outputs if o["arm"] != AS_IS}
    rows = []
    for replication, out in sorted(as_is.items()):
        total = out["conversions"]
        credit = {
            **out["credit"],
            "incremental": [incremental(off, replication, c, absent, total) for c in CHANNELS],
            "touched": out["touched"] * total,
        }
        rows += [
            (replication, channel, method, float(values[c]), total)
            for method, values in credit.items()
            for c, channel in enumerate(CHANNELS)
        ]
    columns = ["replication", "channel", "method", "credit", "conversions"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["share"] = frame["credit"] / frame["conversions"].where(frame["conversions"] > 0)
    return frame


def incremental(
    off: dict[tuple[int, str], int], replication: int, channel: str, absent: list[str], total: int
) -> float:
    """Conversions the channel adds in one replication (NaN for "direct": it has no switch)."""
    if channel in absent:
        return 0.0
    if channel == CHANNELS[DIRECT]:
        return math.nan
    return float(total - off[(replication, channel)])


def summarise(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per channel and method: mean share of conversions and its t interval over replications
    (for "incremental" the paired interval: both arms of a replication share their seed)."""
    rows = []
    for (channel, method), part in runs.groupby(["channel", "method"], sort=False):
        share, low, high = mean_ci(part["share"], confidence)
        credit = float(part["credit"].mean())
        rows.append((channel, method, share, low, high, credit))
    return pd.DataFrame(
        rows, columns=["channel", "method", "share", "share_low", "share_high", "credit"]
    )


def wide_table(summary: pd.DataFrame) -> pd.DataFrame:
    """attribution.csv: one row per channel, the share of conversions by each method, the
    incremental CI, the share of conversions that touched it, and what "off" means."""
    share = summary.pivot(index="channel", columns="method", values="share")
    table = share.reindex(index=list(CHANNELS), columns=[*METHODS, "touched"])
    incremental_rows = summary[summary["method"] == "incremental"].set_index("channel")
    table["incremental_low"] = incremental_rows["share_low"]
    table["incremental_high"] = incremental_rows["share_high"]
    table["incremental_conversions"] = incremental_rows["credit"]
    table["switched_off_means"] = [
        SWITCHES[c].meaning if c in SWITCHES else "no switch: the absence of any touch"
        for c in table.index
    ]
    return table.reset_index()
