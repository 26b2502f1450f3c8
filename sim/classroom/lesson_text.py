"""A lesson's text (goal, steps, questions), its leaderboard KPI and its rounds, read from a file.

Why a file of its own (`scenarios/lessons/text/<name>.toml` for `scenarios/lessons/<name>.toml`,
in a folder of its own so that globbing the lesson scenarios finds scenarios only): the page shows
the lesson beside the market and `docs/teaching.md` quotes the same words, so the text lives once,
as data. Like every input it is read through `sim.scenario.config.read_toml` and validated; a
mistake is one line naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from sim.classroom.class_kpis import CLASS_KPIS
from sim.errors import ScenarioError, describe_first_error
from sim.scenario.config import read_toml
from sim.scenario.settings import Strict

TEXT_FOLDER = "text"


class Rounds(Strict):
    """How the teacher runs the class in rounds by default."""

    count: int = Field(4, ge=1, le=20)
    """Rounds in the class (assumption: four, as the issue's example)."""
    days: int = Field(90, ge=1, le=3650)
    """Days each round runs."""


class LessonText(Strict):
    """What the page shows beside the market and what the leaderboard ranks."""

    title: str = Field(min_length=1, max_length=200)
    goal: str = Field(min_length=1, max_length=2000)
    steps: list[str] = Field(default_factory=list, max_length=20)
    questions: list[str] = Field(default_factory=list, max_length=20)
    kpi: str = "customers"
    """Key of `sim.classroom.class_kpis.CLASS_KPIS` the leaderboard ranks by."""
    rounds: Rounds = Field(default_factory=Rounds)


def lesson_path(scenario: Path) -> Path:
    """`lessons/zmot_loop.toml` -> `lessons/text/zmot_loop.toml` (the lesson's text)."""
    return scenario.parent / TEXT_FOLDER / scenario.name


def load_lesson_text(path: Path) -> LessonText:
    """Read and validate a lesson text file; `ScenarioError` (one line) when it cannot be used."""
    data = read_toml(path)
    try:
        text = LessonText.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(f"{path}: {describe_first_error(exc)}") from None
    if text.kpi not in CLASS_KPIS:
        known = ", ".join(CLASS_KPIS)
        raise ScenarioError(f"{path}: kpi: unknown KPI {text.kpi!r} (known: {known})")
    return text


def text_for(scenario: Path) -> LessonText | None:
    """The lesson text beside `scenario`, or None when the scenario has none."""
    path = lesson_path(scenario)
    return load_lesson_text(path) if path.exists() else None
