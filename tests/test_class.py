"""Class mode without a browser: joining, the teacher's token, rounds, leaderboard, results, lesson text.

Small markets (2,000 people, a 10-day warm-up, 60 days) keep the file fast; every run is seeded,
and comparisons rely on common random numbers (the same market and levers give identical runs).
"""

from __future__ import annotations

import copy
import importlib
import io

import numpy as np
import pandas as pd
import pytest
from helpers import small_scenario

from sim.classroom import chart_options
from sim.classroom.class_kpis import CLASS_KPIS
from sim.classroom.class_session import BASELINE, ClassSession, JoinError
from sim.classroom.lesson_text import lesson_path, load_lesson_text, text_for
from sim.classroom.lever_set import scenario_for
from sim.classroom.live_chart import state_codes
from sim.classroom.network_view import NetworkState, network_state
from sim.classroom.relever import change_levers
from sim.cli import main
from sim.errors import ScenarioError
from sim.model import JourneyModel
from tests.conftest import ROOT

LESSON_SCENARIOS = sorted((ROOT / "scenarios" / "lessons").glob("*.toml"))


@pytest.fixture
def base():
    return small_scenario(days=60, warmup_days=10, seed=7)


@pytest.fixture
def session(base):
    return ClassSession(base, n_shown=300)


def test_students_join_with_unique_names_and_come_back_with_their_key(session):
    key = session.join("  Ana   Lima ")
    assert session.student(key).name == "Ana Lima"
    assert session.student("not-a-key") is None and session.student(None) is None
    with pytest.raises(JoinError, match="joined already"):
        session.join("Ana Lima")
    for bad in ("", "<script>", "x" * 41, BASELINE):
        with pytest.raises(JoinError):
            session.join(bad)
    assert list(session.students) == ["Ana Lima"]


def test_every_student_plays_the_same_market(session):
    a, b = (session.student(session.join(n)) for n in ("Ana", "Ben"))
    a.step(10), b.step(10)  # each market made when first asked for: two alike
    a.step(10), b.step(10)  # Ben, on Ana's path when she ran on, takes her days
    pd.testing.assert_frame_equal(a.daily(), b.daily())
    held = session.keepers[0].keeper.held  # the class's keeper, in this process
    assert held["Ana"].model is held["Ben"].model  # the same moves on the same days: one market
    session.set_lever(b, "follow_up_email", True)
    a.step(7), b.step(7)
    assert held["Ana"].model.market.people is not held["Ben"].model.market.people
    assert not a.daily().equals(b.daily())  # Ben's e-mail is his own


def test_only_the_teachers_token_opens_the_teacher_page(session):
    assert session.check_token(session.token)
    for wrong in (None, "", session.token[:-1], session.token + "x", "wrong"):
        assert not session.check_token(wrong)
    assert ClassSession(session.base, token="abc", n_shown=50).token == "abc"


def test_a_lever_switched_on_before_day_1_runs_as_a_scenario_built_with_it(base, session):
    """Copying the warmed-up market and switching a strategy on equals building the market with it."""
    student = session.student(session.join("Ana"))
    assert student.set_lever("follow_up_email", True)
    student.step(40)
    values = {**session.start_values, "follow_up_email": True}
    direct = JourneyModel(scenario_for(base, session.market, values, "test"), with_agents=False)
    direct.run(40)
    pd.testing.assert_frame_equal(student.daily(), direct.daily())


def test_a_running_strategy_keeps_its_records_when_other_levers_move(base, session):
    """Moving a lever to its own value mid-run changes nothing: scheduled e-mails still go out."""
    steady, moved = (session.student(session.join(n)) for n in ("Ana", "Ben"))
    for student in (steady, moved):
        student.set_lever("follow_up_email", True)
        student.step(30)
    moved.set_lever("follow_up_email", True)
    moved.set_lever("wom_asymmetry", moved.values["wom_asymmetry"])
    steady.step(30), moved.step(30)
    pd.testing.assert_frame_equal(steady.daily(), moved.daily())


def test_a_lever_moved_mid_run_acts_from_the_next_day_only(session):
    plain, emailed = (session.student(session.join(n)) for n in ("Ana", "Ben"))
    plain.step(30), emailed.step(30)
    emailed.set_lever("follow_up_email", True)
    plain.step(30), emailed.step(30)
    a, b = plain.daily(), emailed.daily()
    pd.testing.assert_frame_equal(a.iloc[:30], b.iloc[:30])
    assert a["strategy_cost_usd"].iloc[30:].sum() == 0
    assert b["strategy_cost_usd"].iloc[30:].sum() > 0  # e-mails sent (and paid for) from day 31


def test_people_and_seed_cannot_change_while_a_market_runs(base):
    model = JourneyModel(base, with_agents=False)
    for change in ({"seed": 8}, {"days": 61}):
        with pytest.raises(ValueError, match="cannot change"):
            change_levers(model, base.model_copy(update=change))


def test_rounds_advance_every_market_and_lock_levers_while_running(session):
    a = session.student(session.join("Ana"))
    session.set_mode("rounds", round_days=20, n_rounds=2)
    session.running = True  # as during `run_round`
    assert not session.set_lever(a, "follow_up_email", True)
    assert "levers are locked" in a.error and a.values["follow_up_email"] is False
    session.running = False
    assert session.set_lever(a, "follow_up_email", True)
    assert session.run_round()
    late = session.student(session.join("Ben"))  # joins between rounds: catches up
    assert (a.day, late.day, session.baseline.day) == (20, 20, 20)
    assert session.run_round() and not session.run_round()  # only two rounds
    assert (a.day, late.day) == (40, 40)
    assert session.levers_locked() == "the last round has run"
    assert not session.set_lever(a, "follow_up_email", False)


def test_rounds_refuse_to_run_in_free_play(session):
    session.join("Ana")
    assert not session.run_round()
    assert session.rounds_run == 0


def test_leaderboard_ranks_best_first_whichever_way_is_better(session):
    ids = {n: session.student(session.join(n)) for n in ("Ana", "Ben", "Cy")}
    ids["Ana"].step(10), ids["Ben"].step(40), ids["Cy"].step(25)
    table = session.table().set_index("student")
    for kpi in ("new_customers", "customers_lost"):
        board = session.leaderboard(kpi)
        values = board[kpi].to_numpy()
        assert list(board["rank"]) == [1, 2, 3]
        better = CLASS_KPIS[kpi].higher_is_better
        assert list(values) == sorted(values, reverse=better)
        assert list(board[kpi]) == [table.loc[s, kpi] for s in board["student"]]
    assert session.leaderboard().columns[-1] == "customers"  # no lesson: customers by default


def test_results_csv_labels_each_day_with_the_levers_in_force_that_day(session):
    a = session.student(session.join("Ana"))
    a.step(30)
    a.set_lever("follow_up_email", True)
    a.step(10)
    results = pd.read_csv(io.StringIO(session.results_csv()))
    ana = results[results["student"] == "Ana"].set_index("day")
    assert len(ana) == 40
    assert not ana.loc[1:30, "lever_follow_up_email"].any()
    assert ana.loc[31:40, "lever_follow_up_email"].all()
    baseline = results[results["student"] == BASELINE]
    assert len(baseline) == 40 and not baseline["lever_follow_up_email"].any()
    assert {"lever_seed", "lever_population", "customers", "new_customers"} <= set(results.columns)


def test_answers_are_collected_for_the_teacher(session):
    a = session.student(session.join("Ana"))
    session.set_answer(a, 0, "fewer critics")
    session.set_answer(a, 1, "   ")
    answers = session.answers()
    assert answers[["student", "question", "answer"]].values.tolist() == [
        ["Ana", 1, "fewer critics"]
    ]
    assert session.table().set_index("student").loc["Ana", "answers"] == 1


def test_every_lesson_has_its_text_and_the_page_shows_the_file(tmp_path):
    for scenario in LESSON_SCENARIOS:
        text = text_for(scenario)
        assert text is not None, f"{scenario.name} has no {lesson_path(scenario).name}"
        assert text.goal and text.steps and text.questions and text.kpi in CLASS_KPIS
    path = tmp_path / "x.toml"
    path.write_text(
        'title = "T"\ngoal = "G"\nsteps = ["s1"]\nquestions = ["q1", "q2"]\nkpi = "profit_usd"\n'
    )
    session = ClassSession(small_scenario(days=5), load_lesson_text(path), n_shown=50)
    assert (session.lesson.goal, session.lesson.questions, session.kpi) == (
        "G",
        ["q1", "q2"],
        "profit_usd",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title = "T"\ngoal = "G"\nkpi = "fun"\n', "kpi: unknown KPI 'fun'"),
        ('title = "T"\ngoal = "G"\ncolour = "red"\n', "colour: unknown key"),
        ('title = "T"\n', "goal: required key is missing"),
        ('title = "T"\ngoal = "G"\n[rounds]\ncount = 0\n', "rounds.count: must be >= 1"),
        ('title = "T"\ngoal = "G"\nsteps = "one"\n', "steps:"),
    ],
)
def test_a_bad_lesson_text_file_is_one_line_naming_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_lesson_text(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_mot_class_stops_on_a_bad_lesson_file_with_status_2(tmp_path, small_scenario_file, capsys):
    lesson = lesson_path(small_scenario_file)
    lesson.parent.mkdir()
    lesson.write_text('title = "T"\ngoal = "G"\nkpi = "fun"\n')
    assert main(["class", str(small_scenario_file), "--port", "8799"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "text/small.toml: kpi: unknown KPI" in err[0]


def test_the_network_picture_rings_only_the_focal_brands_voices(session):
    market = copy.deepcopy(session.template.market)
    who = session.sample.people[:4]
    market.people.stance[who] = [1, -1, 1, -1]
    market.people.stance_brand[who] = [0, 0, 1, 1]  # the last two speak about the rival
    market.people.talk_until[who] = market.day + 5
    state = network_state(session.sample, market)
    assert list(state.stance[:4]) == [1, -1, 0, 0]
    assert list(state.talking[:4]) == [True, True, False, False]


def test_the_network_picture_sends_one_letter_per_person_for_moment_and_talk():
    state = NetworkState(
        moment=np.array([0, 5, 2, 3]),
        stance=np.array([0, 1, -1, 1]),
        talking=np.array([False, True, True, False]),
    )
    # "A" + moment x 3 + talk: nobody, a talking advocate, a talking critic, a quiet advocate
    assert state_codes(state) == "AQIJ"


def test_chart_colours_read_on_a_projector():
    for colour in chart_options.MOMENT_COLOURS.values():
        assert chart_options.contrast_on_white(colour) >= 3.0, colour
    assert chart_options.contrast_on_white(chart_options.ADVOCATE) >= 3.0
    assert chart_options.contrast_on_white(chart_options.CRITIC) >= 3.0
    option = chart_options.network_option("t")
    shapes = {s["id"]: s.get("symbol") for s in option["series"]}
    assert shapes["advocates"] != shapes["critics"]  # shape as well as colour


def test_side_by_side_journey_charts_share_their_scales(session):
    a, b = (session.student(session.join(n)) for n in ("Ana", "Ben"))
    a.step(10), b.step(30)
    tops = chart_options.journey_tops([a.daily(), b.daily()])
    patches = [chart_options.journey_patch(m.daily(), tops) for m in (a, b)]
    assert patches[0]["yAxis"] == patches[1]["yAxis"]
    assert tops["1"] >= max(a.daily()["customers"].max(), b.daily()["customers"].max())


def test_the_class_command_is_listed():
    module = importlib.import_module("sim.commands.class")
    assert module.PAGE == "sim.classroom.class_app"
    assert np.isfinite(CLASS_KPIS["new_per_1000_usd"].value(pd.DataFrame(), 1.0))


def test_the_teachers_table_names_only_the_levers_a_student_moved(session):
    from sim.classroom.teacher_page import live_table

    a = session.student(session.join("Ana"))
    session.join("Ben")
    session.set_lever(a, "follow_up_email", True)
    session.set_lever(a, "follow_up_delay", 20)
    table = live_table(session).set_index("student")
    assert table.loc["Ana", "levers moved"] == "follow_up_email on, follow_up_delay 20"
    assert table.loc["Ben", "levers moved"] == "(as the lesson starts)"
    assert "quality" not in table.columns and "customers" in table.columns


def test_teaching_guide_quotes_each_lessons_text_file():
    """One source: the page shows the lesson file; docs/teaching.md must say the same goal."""
    guide = " ".join((ROOT / "docs" / "teaching.md").read_text().split())
    for scenario in LESSON_SCENARIOS:
        text = text_for(scenario)
        assert " ".join(text.goal.split()) in guide, f"{scenario.name}: goal differs from the guide"
        for question in text.questions:
            assert " ".join(question.split()) in guide, f"{scenario.name}: {question!r}"


def test_mot_app_csv_labels_days_with_the_levers_that_ran_not_those_waiting_for_reset():
    from sim.classroom.session import Classroom

    classroom = Classroom(small_scenario(days=30, seed=3), n_shown=50)
    classroom.step(10)
    classroom.set_lever("A", "follow_up_email", True)  # waits for Reset
    assert classroom.pending
    assert not classroom.data()["lever_follow_up_email"].any()
    classroom.reset()
    classroom.step(5)
    assert classroom.data()["lever_follow_up_email"].all()


def test_the_debrief_downloads_as_a_png(session):
    from sim.classroom.debrief_png import debrief_png
    from sim.classroom.teacher_page import class_runs

    session.student(session.join("Ana")).step(10)
    image = debrief_png(class_runs(session, "customers"), BASELINE, "Customers now")
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
