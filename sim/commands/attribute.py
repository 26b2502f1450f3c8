"""`mot attribute SCENARIO`: marketers' attribution heuristics next to the simulation's truth.

For each replication the scenario runs as it is, with the journey touch log on, and once per
channel with that channel switched off for the focal brand, on the same seed (common random
numbers). The log gives first-touch, last-touch, linear and Markov removal-effect credit; the
paired runs give each channel's incrementality with a 95% CI (`sim.attribution`). Results go to
``results/attribute-<name>/<run-id>/`` atomically: attribution.csv (channel x method), the
per-replication credits, the arms' conversions, replication 0's journeys and paths, the chart,
the scenario files and manifest.json.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from sim.attribution.channels import CHANNELS
from sim.attribution.heuristics import channel_paths
from sim.attribution.incrementality import (
    AS_IS,
    CONVERSIONS,
    HEURISTICS,
    build_arms,
    simulate,
    summarise,
    tidy_credits,
    wide_table,
)
from sim.commands import reproducing_argv
from sim.commands.run import whole_number
from sim.errors import UsageError
from sim.market.touch_log import Journeys
from sim.reports import store
from sim.runner import replication_seeds
from sim.scenario.config import load_scenario, with_overrides
from sim.scenario.settings import Scenario

HELP = "Attribution heuristics (first, last, linear, Markov) next to each channel's true incrementality."
EXAMPLE = "mot attribute scenarios/advertising.toml --replications 10 --days 365 --out /tmp/results"
DEFAULT_REPLICATIONS = 10
"""Paired replications unless `--replications` says otherwise: common random numbers make the
paired difference tight, so fewer runs than an unpaired comparison need (Law 2015 ch. 11)."""
CONFIDENCE = 0.95


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `mot attribute` (values are checked in `run`, so errors stay one line)."""
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file (.toml)")
    parser.add_argument(
        "--replications",
        metavar="N",
        help=f"paired replications, >= 2 (default {DEFAULT_REPLICATIONS})",
    )
    parser.add_argument(
        "--days", metavar="N", help="days to simulate (default: the scenario's `days`)"
    )
    parser.add_argument("--seed", metavar="N", help="base seed (default: the scenario's `seed`)")
    parser.add_argument(
        "--conversions",
        metavar="WHAT",
        help="new_customers (a prospect's first focal purchase; default) or purchases (every one)",
    )
    parser.add_argument(
        "--workers", metavar="N", help="worker processes (default 2: this machine's cores)"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="results root; goes to DIR/attribute-<name>/<run-id>/ (default: results)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar or table; print only the folder"
    )


def run(args: argparse.Namespace) -> int:
    """Check the options, run the arms paired, attribute, store, print."""
    path = Path(args.scenario)
    scenario = load_scenario(path)
    if args.days:
        days = whole_number(args.days, "--days", 1)
        scenario = with_overrides(scenario, {"days": days}, "command line")
    replications = (
        whole_number(args.replications, "--replications", 2)
        if args.replications
        else DEFAULT_REPLICATIONS
    )
    seed = whole_number(args.seed, "--seed", 0) if args.seed else scenario.seed
    workers = whole_number(args.workers, "--workers", 1) if args.workers else 2
    conversions = conversion_kind(args.conversions)
    name = store.safe_name(f"attribute-{scenario.name}", f"{path}: name")
    folder = store.run_folder(Path(args.out) if args.out else store.RESULTS_ROOT, name)
    seeds = replication_seeds(seed, replications)
    arms, absent = build_arms(scenario)
    started = store.started_now()
    with store.atomic_folder(folder) as temp:
        outputs = simulate(arms, seeds, conversions, workers, quiet=args.quiet)
        table = write_results(temp, scenario, outputs, absent, conversions)
        store.write_manifest(
            temp,
            scenario_files=store.scenario_files(path),
            seeds=seeds,
            argv=command_line(args),
            started=started,
            finished=store.started_now(),
            extra={
                "scenario": scenario.name,
                "days": scenario.days,
                "warmup_days": scenario.warmup_days,
                "replications": replications,
                "conversions": conversions,
                "arms": [arm.name for arm in arms],
                "channels_absent": absent,
                "run_id": folder.name,
            },
        )
    if args.quiet:
        print(folder)
        return 0
    report(table, scenario, replications, conversions)
    print(f"\nResults: {folder}")
    return 0


def conversion_kind(text: str | None) -> str:
    """`--conversions` checked: one of `CONVERSIONS` (default the first)."""
    if text is None:
        return CONVERSIONS[0]
    if text not in CONVERSIONS:
        raise UsageError(f"--conversions: must be one of {', '.join(CONVERSIONS)}, got {text!r}")
    return text


def command_line(args: argparse.Namespace) -> list[str]:
    """The `mot attribute` command that reproduces this run, for the manifest."""
    return reproducing_argv(
        "attribute",
        [args.scenario],
        args,
        ("replications", "days", "seed", "conversions", "workers", "out"),
    )


def write_results(
    folder: Path, scenario: Scenario, outputs: list[dict], absent: list[str], conversions: str
) -> pd.DataFrame:
    """Tables, journeys and the chart into `folder`; return the wide attribution table."""
    from sim.attribution.chart import write_chart  # late: matplotlib is slow to import

    runs = tidy_credits(outputs, absent)
    table = wide_table(summarise(runs, CONFIDENCE))
    store.write_table(table, folder, "attribution", parquet=False)
    store.write_table(runs, folder, "attribution_runs", parquet=False)
    arms = pd.DataFrame(
        [(o["replication"], o["arm"], o["seed"], o["conversions"]) for o in outputs],
        columns=["replication", "arm", "seed", "conversions"],
    ).sort_values(["replication", "arm"], ignore_index=True)
    store.write_table(arms, folder, "arms", parquet=False)
    journeys = next(o["journeys"] for o in outputs if o["arm"] == AS_IS and o["replication"] == 0)
    store.write_table(journeys.frame(), folder, "journeys", csv=False)
    store.write_table(journeys.touch_frame(), folder, "touches", csv=False)
    store.write_table(path_counts(journeys, conversions), folder, "paths", parquet=False)
    store.write_json(folder / "settings.json", scenario.model_dump(mode="json"))
    n = arms["replication"].nunique()
    note = (
        f"{market_words(scenario)}, {n} paired replications; truth = "
        f"{conversion_words(conversions)} lost with the channel off (bar: 95% CI)"
    )
    title = f"{scenario.name}: who gets the credit for {conversion_words(conversions)}?"
    write_chart(table, title, note, folder)
    return table


def path_counts(journeys: Journeys, conversions: str) -> pd.DataFrame:
    """paths.csv: replication 0's channel paths with their conversions and non-conversions,
    the input any Markov attribution tool takes (e.g. ChannelAttribution's)."""
    paths = channel_paths(journeys, conversions)
    steps = pd.DataFrame(
        {
            "journey": paths.journey,
            "channel": pd.Categorical.from_codes(paths.channel, categories=list(CHANNELS)),
        }
    )
    text = steps.groupby("journey", sort=True)["channel"].agg(lambda c: " > ".join(map(str, c)))
    frame = pd.DataFrame({"path": text.to_numpy(), "converted": paths.converted})
    counts = frame.groupby("path")["converted"].agg(conversions="sum", journeys="size")
    counts["nulls"] = counts["journeys"] - counts["conversions"]
    return counts.drop(columns="journeys").sort_values("conversions", ascending=False).reset_index()


def market_words(scenario: Scenario) -> str:
    """'10,000 people, 365 days after a 180-day warm-up' (or '..., 365 days' for a launch)."""
    words = f"{scenario.population.n_consumers:,} people, {scenario.days} days"
    warmup = scenario.warmup_days
    return words + (f" after a {warmup}-day warm-up" if warmup else "")


def conversion_words(conversions: str) -> str:
    """'new customers' or 'purchases'."""
    return conversions.replace("_", " ")


SHORT_LABELS: dict[str, str] = {
    "ads": "ads",
    "influencers": "influencers",
    "referral": "referral",
    "email": "e-mail",
    "word_of_mouth": "word of mouth",
    "reviews": "reviews",
    "search_and_site": "search & site",
    "direct": "direct",
}
"""Channel names short enough for an 80-column terminal (the chart and CSV say more)."""
SHORT_METHODS: dict[str, str] = {
    "first_touch": "first",
    "last_touch": "last",
    "linear": "linear",
    "markov": "Markov",
}


def percent(value: float) -> str:
    """'41.2%' or 'n/a'."""
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"


def truth_cell(row: pd.Series) -> str:
    """'12.3% (10 to 15)', '0.0%' without an interval, or 'n/a' for direct (no switch)."""
    if math.isnan(row["incremental"]):
        return "n/a"
    if math.isnan(row["incremental_low"]):
        return percent(row["incremental"])
    low, high = (f"{100 * row[k]:.0f}" for k in ("incremental_low", "incremental_high"))
    return f"{percent(row['incremental'])} ({low} to {high})"


def report(table: pd.DataFrame, scenario: Scenario, n: int, conversions: str) -> None:
    """Print the channel x method table (channels the scenario lacks in one line) and how to
    read it."""
    console = Console()
    words = conversion_words(conversions)
    present = table["touched"].fillna(0).gt(0) | table["incremental"].fillna(0).ne(0)
    out = Table(
        title=f"{scenario.name}: share of {words} credited to each channel "
        f"({market_words(scenario)}, {n} paired replications)",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    out.add_column("channel", no_wrap=True)
    for header in ("touched", *SHORT_METHODS.values(), "truth (95% CI)"):
        out.add_column(header, justify="right", no_wrap=True)
    for _, row in table[present].iterrows():
        out.add_row(
            SHORT_LABELS[row["channel"]],
            percent(row["touched"]),
            *(percent(row[m]) for m in HEURISTICS),
            truth_cell(row),
        )
    console.print(out)
    missing = [SHORT_LABELS[c] for c in table.loc[~present, "channel"]]
    if missing:
        console.print(
            f"Not in this market: {', '.join(missing)} (no touch; truth 0 by construction)."
        )
    console.print(
        f"first/last/linear/Markov split the {words} that happened among the touches before "
        f"them (each column sums to 100%). Truth = {words} lost when the channel is switched "
        "off, on the same random numbers: what a marketer never observes. Touched = share of "
        f"{words} whose journey touched the channel. Direct has no switch."
    )
