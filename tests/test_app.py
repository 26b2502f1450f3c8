"""The classroom page without a browser: levers, the session controller, charts, the page, `mot app`.

Small markets (2,000 people, 60 days) keep the file fast. Comparisons rely on common random
numbers: the same seed gives the same market, so equal levers must give identical runs.
"""

from __future__ import annotations

import socket

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
from helpers import small_scenario
from ipywidgets import Widget

from sim.classroom import charts
from sim.classroom.lever_set import (
    MARKET_LEVERS,
    STRATEGY_LEVERS,
    advice,
    available,
    lever_values,
    scenario_for,
)
from sim.classroom.levers import ad_reach
from sim.classroom.network_view import induced_ties, sample_network, snowball
from sim.classroom.session import Classroom
from sim.cli import main
from sim.model import JourneyModel
from sim.scenario.config import ScenarioError, load_scenario, with_overrides
from sim.strategies import REGISTRY

N_SHOWN = 500


@pytest.fixture
def base():
    return small_scenario(days=60, seed=7)


@pytest.fixture
def classroom(base):
    return Classroom(base, n_shown=N_SHOWN)


def test_every_lever_reads_back_what_it_wrote(base):
    """Each lever's value survives the trip lever -> scenario keys -> lever (switches on)."""
    market = lever_values(base, MARKET_LEVERS)
    values = lever_values(base, STRATEGY_LEVERS)
    moved = {}
    shown = [lever for lever in available(STRATEGY_LEVERS) if lever.shown_in(base)]
    assert "onboarding" not in {lever.key for lever in shown}  # B2B only: not on a B2C page
    for lever in shown:
        if lever.kind == "switch":
            moved[lever.key] = True
        elif lever.kind == "choice":
            moved[lever.key] = lever.choices[-1]
        elif lever.key in ("crisis_start", "crisis_end", "ad_spend"):
            # a crisis must end after it starts; $10 a day reaches half of 2,000 people at $10 CPM
            moved[lever.key] = {"crisis_start": 20, "crisis_end": 40, "ad_spend": 10.0}[lever.key]
        else:
            moved[lever.key] = lever.maximum - lever.step
    scenario = scenario_for(base, market, {**values, **moved}, "<test>")
    for lever in shown:
        assert lever.read(scenario) == pytest.approx(moved[lever.key], abs=0.02), lever.key


def test_levers_start_from_the_scenario_and_change_nothing_when_untouched(base):
    market = lever_values(base, MARKET_LEVERS)
    assert market == {"population": 2000, "seed": 7}
    same = scenario_for(base, market, lever_values(base, STRATEGY_LEVERS), "<test>")
    assert same.model_dump() == base.model_dump()


def test_a_strategy_lever_shows_only_when_its_strategy_exists(monkeypatch):
    lever = next(lev for lev in STRATEGY_LEVERS if lev.key == "follow_up_email")
    assert lever.available == ("follow_up_email" in REGISTRY)
    monkeypatch.delitem(REGISTRY, "follow_up_email", raising=False)
    assert not lever.available
    assert "follow_up_email" not in {lev.key for lev in available(STRATEGY_LEVERS)}


def test_a_brand_lever_stands_in_for_a_missing_strategy(monkeypatch):
    keys = {lev.key for lev in available(STRATEGY_LEVERS)}
    if "faq_content" in REGISTRY:
        assert "faq_coverage" in keys and "faq_coverage_brand" not in keys
    monkeypatch.delitem(REGISTRY, "faq_content", raising=False)
    keys = {lev.key for lev in available(STRATEGY_LEVERS)}
    assert "faq_coverage_brand" in keys and "faq_coverage" not in keys


def test_ad_spend_beyond_everyone_is_flagged(base):
    market = lever_values(base, MARKET_LEVERS)
    values = {**lever_values(base, STRATEGY_LEVERS), "ad_spend": 150.0}
    scenario = scenario_for(base, market, values, "<test>")
    assert any("everyone" in note for note in advice(scenario))
    values["ad_spend"] = 10.0
    assert not advice(scenario_for(base, market, values, "<test>"))


def test_ad_spend_buys_reach_at_the_cpm():
    # $20 a day at $10 per thousand: 2,000 people reached of 10,000 = 0.2
    assert ad_reach(20.0, 10_000, 10.0) == pytest.approx(0.2)
    assert ad_reach(1e6, 10_000, 10.0) == 1.0
    assert ad_reach(0.0, 10_000, 10.0) == 0.0


def test_impossible_levers_give_one_line_and_keep_the_running_market(classroom):
    if "quality_crisis" not in REGISTRY:
        pytest.skip("needs the quality_crisis strategy")  # pragma: no cover
    classroom.step(5)
    model = classroom.arms["A"].model
    classroom.set_lever("A", "quality_crisis", True)
    classroom.set_lever("A", "crisis_start", 50)
    classroom.set_lever("A", "crisis_end", 10)
    assert classroom.error is not None and "\n" not in classroom.error
    assert "end_day" in classroom.error
    assert classroom.arms["A"].model is model and classroom.day == 5
    assert not classroom.reset() and classroom.arms["A"].model is model
    classroom.set_lever("A", "crisis_end", 55)
    assert classroom.error is None and classroom.pending


def test_a_negative_seed_is_refused_in_one_line(classroom):
    classroom.set_market("seed", -1)
    assert "seed: must be >= 0" in classroom.error
    assert classroom.arms["A"].model.settings.seed == 7


def test_levers_apply_at_once_on_day_zero_and_at_reset_later(classroom):
    classroom.set_lever("A", "quality", 2.5)
    assert classroom.arms["A"].model.settings.brands["focal"].quality == 2.5
    classroom.step(3)
    classroom.set_lever("A", "quality", 4.5)
    assert classroom.pending and classroom.day == 3
    assert classroom.arms["A"].model.settings.brands["focal"].quality == 2.5
    assert classroom.reset() and classroom.day == 0 and not classroom.pending
    assert classroom.arms["A"].model.settings.brands["focal"].quality == 4.5


def test_step_stops_at_the_last_day(classroom):
    assert classroom.step(45) == 45
    assert classroom.step(45) == 15
    assert classroom.finished and classroom.step(1) == 0


def test_equal_strategies_on_the_same_seed_run_identically(classroom):
    classroom.set_compare(True)
    classroom.step(30)
    a, b = classroom.daily("A"), classroom.daily("B")
    pd.testing.assert_frame_equal(a, b)
    assert (charts.difference_table(a, b).drop(columns="day") == 0).all().all()


def test_different_strategies_share_the_market_but_not_the_outcome(classroom):
    classroom.set_compare(True)
    classroom.set_lever("B", "quality", 1.0)
    classroom.step(30)
    a, b = classroom.arms["A"].model.market, classroom.arms["B"].model.market
    np.testing.assert_array_equal(a.graph.contacts, b.graph.contacts)
    np.testing.assert_array_equal(a.people.age_group, b.people.age_group)
    diff = charts.difference_table(classroom.daily("A"), classroom.daily("B"))
    assert diff["critics"].iloc[-1] > 0  # 1-star products make critics; 4-star ones few


def test_levers_act_from_the_window_s_first_day_not_in_the_warm_up():
    """Lesson 2's case: a market setting (critics' loudness) moved for B. Both arms warm up on
    the lesson's market, so they open the window identical, and B's setting acts from day 1."""
    base = small_scenario(days=30, warmup_days=60, seed=7)
    classroom = Classroom(base, n_shown=N_SHOWN)
    classroom.set_compare(True)
    classroom.set_lever("B", "wom_asymmetry", 1000.0)
    a, b = (classroom.arms[arm].model for arm in ("A", "B"))
    pd.testing.assert_frame_equal(a.daily(warmup=True), b.daily(warmup=True))  # the warm-up
    np.testing.assert_array_equal(a.market.units.brand, b.market.units.brand)
    np.testing.assert_array_equal(a.market.brands.stars, b.market.brands.stars)
    assert b.settings.feedback.negativity_ratio == b.market.scenario.feedback.negativity_ratio
    assert b.settings.feedback.negativity_ratio == 1000.0 != a.settings.feedback.negativity_ratio
    classroom.step(30)
    assert (
        classroom.daily("B")["wom_negative"].sum() > 10 * classroom.daily("A")["wom_negative"].sum()
    )
    assert a.kpis()["customers_start"] == b.kpis()["customers_start"]
    # before: B's setting also ran in the warm-up, and B opened the window with another market
    early = JourneyModel(classroom.scenarios()["B"], with_agents=False)
    assert not np.array_equal(early.market.units.brand, a.market.units.brand)


def test_settings_change_at_the_window_only_where_the_market_is_not_built():
    base = small_scenario(days=10, warmup_days=5, seed=7)
    model = JourneyModel(base, with_agents=False)
    with pytest.raises(ValueError, match="population"):
        model.open_window_with(with_overrides(base, {"population.n_consumers": 1000}, "<test>"))
    model.step()
    with pytest.raises(RuntimeError, match="between the warm-up and the window"):
        model.open_window_with(base)


def test_the_network_layout_is_computed_once_per_market(classroom):
    sample = classroom.sample
    classroom.step(10)
    classroom.set_lever("A", "quality", 3.0)
    classroom.reset()
    assert classroom.sample is sample
    classroom.set_market("seed", 8)
    assert classroom.sample is not sample


def test_the_network_sample_keeps_real_ties_and_whole_neighbourhoods(base):
    graph = JourneyModel(base, with_agents=False).market.graph
    sample = sample_network(graph, N_SHOWN, seed=1)
    assert len(sample.people) == N_SHOWN == len(np.unique(sample.people))
    assert sample.positions.shape == (N_SHOWN, 2) and np.isfinite(sample.positions).all()
    u, v_ = sample.people[sample.ties[:, 0]], sample.people[sample.ties[:, 1]]
    for a, b in zip(u[:50], v_[:50], strict=True):
        assert b in graph.contacts[graph.start[a] : graph.start[a + 1]]
    # a uniform sample of 500 of 2,000 keeps each of the 10,000 ties with chance (1/4)^2: ~625
    # (SD ~25); the snowball keeps neighbourhoods (at most 500 x 10 / 2 = 2,500 ties)
    uniform = induced_ties(graph, np.random.default_rng(1).choice(graph.n, N_SHOWN, replace=False))
    assert abs(len(uniform) - 625) < 5 * 25
    assert len(sample.ties) > 2 * len(uniform)
    again = snowball(graph, N_SHOWN, np.random.default_rng(1))
    np.testing.assert_array_equal(np.sort(again), np.sort(sample.people))


def test_the_network_picture_changes_as_people_move(classroom):
    before = classroom.network("A")
    classroom.step(20)
    after = classroom.network("A")
    assert (before.moment != after.moment).any()
    assert after.talking.any() and (after.stance[after.talking] != 0).all()


def test_the_data_download_has_one_row_per_strategy_and_day(classroom):
    classroom.set_compare(True)
    classroom.set_lever("B", "wom_asymmetry", 1000.0)
    classroom.step(12)
    data = pd.read_csv(__import__("io").StringIO(classroom.data_csv()))
    assert len(data) == 24 and set(data["strategy"]) == {"A", "B"}
    assert set(data.loc[data["strategy"] == "B", "lever_wom_asymmetry"]) == {1000.0}
    assert {"day", "customers", "people_zmot", "lever_seed"} <= set(data.columns)


def test_charts_are_titled_and_labelled(classroom):
    classroom.set_compare(True)
    classroom.step(10)
    figures = [
        charts.journey_figure(classroom.daily("A"), "A"),
        charts.network_figure(classroom.sample, classroom.network("A"), "A"),
        charts.difference_figure(classroom.daily("A"), classroom.daily("B"), 7),
        charts.journey_figure(classroom.daily("A").iloc[:0], "empty"),
    ]
    for fig in figures:
        titles = [fig.get_suptitle()] + [
            ax.get_title(loc="left") + ax.get_title() for ax in fig.axes
        ]
        assert any(titles)
    for ax in figures[0].axes + figures[2].axes:
        assert ax.get_ylabel()
    assert figures[0].axes[2].get_xlabel() == "day"


@pytest.fixture
def app_page(monkeypatch, small_scenario_file):
    monkeypatch.setenv("MOT_APP_SCENARIO", str(small_scenario_file))
    from sim.classroom.page import Page

    # the server wraps the page in an AppLayout, which holds the sidebar with the levers
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    yield rc
    rc.close()


def day_text(rc) -> str:
    return rc.find(v.Html, class_="mot-day").widget.children[0]


def with_class(rc, name: str) -> list:
    """Widgets on the page carrying CSS class `name` (vuetify `class_` or ipywidgets classes)."""
    found, todo = [], list(rc.find(Widget).widgets)
    while todo:
        widget = todo.pop()
        classes = str(getattr(widget, "class_", "") or "").split()
        if name in classes + list(getattr(widget, "_dom_classes", ())):
            found.append(widget)
        todo.extend(c for c in getattr(widget, "children", ()) or () if isinstance(c, Widget))
    return found


def test_page_steps_and_compares(app_page):
    assert day_text(app_page) == "Day 0 of 60"
    app_page.find(v.Btn, children=["Step 7 days"]).widget.click()
    app_page.find(v.Btn, children=["Step 1 day"]).widget.click()
    assert day_text(app_page) == "Day 8 of 60"
    assert not with_class(app_page, "mot-debrief")
    app_page.find(v.Switch, label="Compare strategy B (same market)").widget.v_model = True
    assert day_text(app_page) == "Day 0 of 60"
    app_page.find(v.Btn, children=["Step 7 days"]).widget.click()
    assert len(with_class(app_page, "mot-debrief")) == 1
    assert len(with_class(app_page, "mot-network-B")) == 1


def test_page_slider_moves_a_lever_and_shows_errors(app_page):
    slider = app_page.find(v.Slider, label="Product quality (stars)")
    slider.assert_single()
    slider.widget.v_model = 2.0
    assert app_page.find(v.Slider, label="Product quality (stars)").widget.v_model == 2.0
    assert not with_class(app_page, "mot-error")
    seed = app_page.find(v.TextField, label="Seed (same seed = same market for the whole class)")
    seed.widget.v_model = "-3"
    seed.widget.fire_event("keyup.enter", None)  # the box applies its value on Enter
    (error,) = with_class(app_page, "mot-error")
    assert "seed: must be >= 0" in str(error)


def test_mot_app_refuses_a_missing_scenario(capsys, tmp_path):
    assert main(["app", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert "nope.toml: no such file" in err and "\n" not in err


@pytest.mark.parametrize("port", [0, 70000])
def test_mot_app_refuses_a_port_out_of_range(capsys, port):
    assert main(["app", "--port", str(port)]) == 2
    assert "--port: must be between 1 and 65535" in capsys.readouterr().err


def test_mot_app_refuses_a_taken_port(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_lesson_scenarios_load(tmp_path):
    from pathlib import Path

    lessons = sorted(Path(__file__).resolve().parents[1].glob("scenarios/lessons/*.toml"))
    assert len(lessons) >= 4
    for path in lessons:
        Classroom(load_scenario(path), n_shown=100)


def test_an_impossible_starting_scenario_raises(base):
    from sim.scenario.config import with_overrides

    with pytest.raises(ScenarioError):
        with_overrides(base, {"seed": -1}, "<test>")
