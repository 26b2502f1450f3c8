"""Attribution you can check (`sim.attribution`, `mot attribute`).

The heuristics and the Markov removal effect are checked on hand-computed paths; the touch log
on a hand-made log and against a run's own counts; the whole method on markets where the true
answer is known by construction: only one channel can lead to a purchase (every method and the
truth give it everything), and a channel that is touched but cannot change a choice (the
heuristics credit it, its incrementality is exactly 0 on common random numbers).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import small_scenario

from sim.attribution.channels import CHANNELS, switched_off
from sim.attribution.heuristics import first_touch, last_touch, linear, paths_from_lists
from sim.attribution.incrementality import (
    build_arms,
    simulate,
    simulate_journeys,
    summarise,
    tidy_credits,
    wide_table,
)
from sim.attribution.markov import (
    conversion_probability,
    markov_credit,
    removal_effects,
    transition_counts,
    transition_matrix,
)
from sim.cli import main
from sim.market.sources import Source
from sim.market.touch_log import CONSULTATION, STIMULUS, TouchLog
from sim.model import JourneyModel
from sim.runner import replication_seeds

A, B = CHANNELS.index("ads"), CHANNELS.index("reviews")


def two_channel_paths(paths, converted):
    """Paths over channels A and B of `CHANNELS` from lists of 0 (A) and 1 (B)."""
    return paths_from_lists([[(A, B)[step] for step in path] for path in paths], converted)


def test_heuristics_split_each_conversion_by_their_rule():
    # A > B converts, A alone does not, B alone converts
    paths = two_channel_paths([[0, 1], [0], [1]], [True, False, True])
    assert first_touch(paths)[[A, B]].tolist() == [1.0, 1.0]
    assert last_touch(paths)[[A, B]].tolist() == [0.0, 2.0]
    assert linear(paths)[[A, B]].tolist() == [0.5, 1.5]
    assert first_touch(paths).sum() == paths.conversions == 2


def test_markov_removal_effect_matches_a_hand_computed_chain():
    # start -> A 2/3, -> B 1/3; A -> B 1/2, -> null 1/2; B -> conversion 1.
    # P(conv) = 2/3 * 1/2 + 1/3 = 2/3; without A: 1/3 (effect 1/2); without B: 0 (effect 1).
    paths = two_channel_paths([[0, 1], [0], [1]], [True, False, True])
    matrix = transition_matrix(transition_counts(paths))
    assert conversion_probability(matrix) == pytest.approx(2 / 3)
    assert removal_effects(paths)[[A, B]] == pytest.approx([0.5, 1.0])
    # normalised to the 2 conversions: A 1/3 of them, B 2/3
    assert markov_credit(paths)[[A, B]] == pytest.approx([2 / 3, 4 / 3])
    assert markov_credit(paths).sum() == pytest.approx(2.0)


def test_markov_removal_effect_solves_a_chain_with_a_loop():
    # A > B > A converts, B alone does not: A -> B 1/2, -> conv 1/2; B -> A 1/2, -> null 1/2.
    # x_A = x_B / 2 + 1/2, x_B = x_A / 2: x_A = 2/3, x_B = 1/3, P(conv) = 1/2.
    # Without A: 0 (effect 1); without B: x_A = 1/2, P = 1/4 (effect 1/2).
    paths = two_channel_paths([[0, 1, 0], [1]], [True, False])
    assert conversion_probability(transition_matrix(transition_counts(paths))) == pytest.approx(0.5)
    assert removal_effects(paths)[[A, B]] == pytest.approx([1.0, 0.5])
    assert markov_credit(paths)[[A, B]] == pytest.approx([2 / 3, 1 / 3])


def test_the_touch_log_cuts_journeys_at_decisions_in_order():
    log = TouchLog()
    log.add_touches(
        1, np.array([0, 1]), np.array([Source.ADS, Source.NEED]), STIMULUS, [True, False]
    )
    log.add_touches(2, np.array([1, 0, 0]), np.array([8, 5, 7]), CONSULTATION, [True, False, True])
    log.add_decisions(2, np.array([0]), np.array([0]), np.array([True]))
    log.add_touches(3, np.array([0]), np.array([Source.NEED]), STIMULUS, [False])
    log.add_decisions(3, np.array([1]), np.array([-1]), np.array([True]))
    # unit 0's last touch starts a journey still under way: left out
    journeys = log.journeys()
    assert journeys.unit.tolist() == [0, 1]
    assert journeys.day.tolist() == [2, 3]
    assert journeys.outcome.tolist() == [0, -1]
    assert journeys.touch_journey.tolist() == [0, 0, 0, 1, 1]
    assert journeys.touch_code.tolist() == [Source.ADS, 5, 7, Source.NEED, 8]
    assert journeys.converted("purchases").tolist() == [True, False]


@pytest.fixture(scope="module")
def logged_run():
    """A small market run with and without the touch log (same seed)."""
    scenario = small_scenario(days=60)
    plain = JourneyModel(scenario, seed=5, with_agents=False).run()
    return simulate_journeys(scenario, seed=5), plain.daily()


def test_the_touch_log_counts_every_shelf_decision_and_changes_nothing(logged_run):
    journeys, daily = logged_run
    assert journeys.converted("purchases").sum() == daily["purchases"].sum()
    assert journeys.converted("new_customers").sum() == daily["new_customers"].sum()
    assert ((journeys.outcome > 0).sum()) == daily["rival_purchases"].sum()
    assert ((journeys.outcome < 0).sum()) == daily["walk_aways"].sum()
    # the run with the log (above) made exactly the same market as the run without it
    scenario = small_scenario(days=60)
    model = JourneyModel(scenario, seed=5, with_agents=False)
    assert model.market.touches is None
    logged = JourneyModel(scenario, seed=5, with_agents=False)
    logged.market.touches = TouchLog()
    pd.testing.assert_frame_equal(logged.run().daily(), daily)


def test_channels_switch_off_when_the_window_opens_and_only_window_journeys_count():
    scenario = small_scenario(days=30, warmup_days=40)
    off = switched_off(scenario, "reviews")
    plain = JourneyModel(scenario, seed=3, with_agents=False).run().daily(warmup=True)
    silenced = JourneyModel(off, seed=3, with_agents=False).run().daily(warmup=True)
    warm = plain["day"] <= 0
    pd.testing.assert_frame_equal(plain[warm], silenced[warm])  # the same settled market
    assert plain.loc[~warm, "new_customers"].sum() > silenced.loc[~warm, "new_customers"].sum()
    journeys = simulate_journeys(scenario, seed=3)
    assert journeys.first_day == 41
    assert journeys.converted("new_customers").sum() == plain.loc[~warm, "new_customers"].sum()
    assert journeys.converted("purchases").sum() == plain.loc[~warm, "purchases"].sum()


def test_a_switch_that_changes_nothing_is_not_run():
    scenario = small_scenario()
    arms, absent = build_arms(scenario)
    assert set(absent) == {"ads", "referral", "email"}
    assert [a.name for a in arms] == [
        "as_is",
        "influencers",
        "word_of_mouth",
        "reviews",
        "search_and_site",
    ]
    advertising = small_scenario(brands={"focal": {"strategies": {"advertising": {}}}, "rival": {}})
    off = switched_off(advertising, "ads")
    assert off.brands["focal"].strategies["advertising"]["enabled"] is False
    reviews = switched_off(scenario, "reviews").brands["focal"]
    assert reviews.silenced_sources == ["marketplace", "review_sites"]
    assert switched_off(scenario, "reviews").brands["rival"].silenced_sources == []


ONLY_SEARCH_AND_MARKETPLACE = {
    "all": {"share": 1.0, "habits": {"search": 1.0, "marketplace": 1.0}},
}


def attribution_table(scenario, replications: int = 2) -> pd.DataFrame:
    """The wide attribution table of `scenario` (new customers), run in this process."""
    arms, absent = build_arms(scenario)
    outputs = simulate(arms, replication_seeds(7, replications), "new_customers", 1, quiet=True)
    return wide_table(summarise(tidy_credits(outputs, absent))).set_index("channel")


def test_when_only_one_channel_can_lead_to_a_purchase_everyone_credits_it_all():
    # The focal brand is unknown and can only be found on marketplaces: no search or site
    # presence, no influencers, no word of mouth, no repeat needs. Search is consulted (and
    # finds the rival), so other touches happen; none of them is the focal brand's.
    scenario = small_scenario(
        days=90,
        population={
            "n_consumers": 1500,
            "n_social_influencers": 0,
            "age_groups": ONLY_SEARCH_AND_MARKETPLACE,
        },
        feedback={"messages_advocate": 0.0, "loyal_messages_per_day": 0.0},
        loyalty={"repurchase_days": 0.0},
        brands={
            "focal": {
                "initial_share": 0.0,
                "initial_awareness": 0.0,
                "influencer_presence": 0.0,
                "presence": {
                    "search": 0.0,
                    "social_video": 0.0,
                    "marketplace": 1.0,
                    "review_sites": 0.0,
                    "brand_site": 0.0,
                },
            },
            "rival": {},
        },
    )
    table = attribution_table(scenario)
    for method in ("first_touch", "last_touch", "linear", "markov", "incremental", "touched"):
        assert table.loc["reviews", method] == pytest.approx(1.0), method
        others = table.drop(index=["reviews", "direct"])[method]
        assert (others == 0).all(), method
    assert table.loc["direct", "markov"] == 0
    assert table.loc["reviews", "incremental_conversions"] > 20


def test_a_channel_that_cannot_change_a_choice_is_credited_but_adds_nothing():
    # Everyone knows both brands already and finding a brand in search moves no attitude:
    # search touches the focal brand on most journeys, yet changes no decision.
    scenario = small_scenario(
        days=90,
        population={"n_consumers": 1500, "age_groups": ONLY_SEARCH_AND_MARKETPLACE},
        research={"weight_presence": 0.0},
        brands={
            "focal": {"initial_awareness": 1.0, "presence": {"search": 1.0}},
            "rival": {"initial_awareness": 1.0},
        },
    )
    table = attribution_table(scenario)
    search = table.loc["search_and_site"]
    assert search["incremental"] == 0.0  # exactly: same random numbers, no effect
    assert search["incremental_conversions"] == 0.0
    assert search["first_touch"] > 0.2 and search["markov"] > 0.2
    assert table.loc["reviews", "incremental"] > 0.05  # what reviews say does matter


def test_mot_attribute_writes_its_folder_and_prints_the_table(
    small_scenario_file: Path, results_root: Path, capsys
):
    argv = ["attribute", str(small_scenario_file), "--replications", "2", "--days", "20"]
    assert main([*argv, "--workers", "1", "--out", str(results_root)]) == 0
    out = capsys.readouterr().out
    assert "truth (95% CI)" in out and "reviews" in out
    (folder,) = (results_root / "attribute-small").iterdir()
    for name in ("attribution.csv", "attribution_runs.csv", "arms.csv", "paths.csv"):
        assert (folder / name).stat().st_size > 0, name
    for name in ("attribution.png", "journeys.parquet", "touches.parquet", "manifest.json"):
        assert (folder / name).is_file(), name
    table = pd.read_csv(folder / "attribution.csv")
    assert list(table["channel"]) == list(CHANNELS)
    heuristics = table[["first_touch", "last_touch", "linear", "markov"]]
    assert heuristics.sum().to_numpy() == pytest.approx(1.0)  # each splits every conversion
    arms = pd.read_csv(folder / "arms.csv")
    assert set(arms["arm"]) == {
        "as_is",
        "influencers",
        "word_of_mouth",
        "reviews",
        "search_and_site",
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"][:2] == ["mot", "attribute"] and len(manifest["seeds"]) == 2


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--replications", "1", "--replications: must be >= 2, got 1"),
        ("--conversions", "sales", "--conversions: must be one of new_customers, purchases"),
        ("--days", "x", "--days: must be a whole number"),
    ],
)
def test_mot_attribute_refuses_bad_options_in_one_line(
    small_scenario_file: Path, results_root: Path, capsys, option, value, message
):
    argv = ["attribute", str(small_scenario_file), option, value, "--out", str(results_root)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("mot attribute: error: ") and message in err
    assert not results_root.exists()
