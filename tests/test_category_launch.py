"""A genuinely new category (`scenarios/category_launch.toml`): awareness must come first.

2,000 people, 180 days, one seed, paired (keyed draws): the arms differ only in advertising and
in `triggers.new_category`. Tolerances are four Poisson standard deviations of the counts
compared (new customers are counts; contagion makes them over-dispersed, which the margins
below leave room for: measured gaps are 10+ standard deviations).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model import JourneyModel
from sim.scenario.config import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def new_customers(name: str, new_category: bool) -> int:
    """New customers in 180 days at 2,000 people of a shipped scenario."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    model = JourneyModel(
        scenario, population__n_consumers=2000, days=180, triggers__new_category=new_category
    )
    return int(model.run().daily()["new_customers"].sum())


@pytest.fixture(scope="module")
def counts() -> dict[tuple[str, bool], int]:
    return {
        (name, new): new_customers(name, new)
        for name in ("category_launch_no_ads", "category_launch")
        for new in (True, False)
    }


def four_sigma(*values: int) -> float:
    return 4.0 * float(np.sqrt(sum(values)))


def test_without_ads_a_new_category_grows_far_slower_than_a_known_one(counts):
    new, known = counts["category_launch_no_ads", True], counts["category_launch_no_ads", False]
    assert known - new > four_sigma(new, known)


def test_ads_buy_more_new_customers_in_a_new_category_than_in_a_known_one(counts):
    gain_new = counts["category_launch", True] - counts["category_launch_no_ads", True]
    gain_known = counts["category_launch", False] - counts["category_launch_no_ads", False]
    assert gain_new > 0
    assert gain_new - gain_known > four_sigma(*counts.values())
