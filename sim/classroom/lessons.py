"""The lessons' expected results: run each lesson as the students will and draw its charts.

`python -m sim.classroom.lessons` regenerates `docs/images/classroom-lesson-*.png` (the charts
in docs/teaching.md) from the shipped lesson scenarios, with the same `Classroom` controller the
page uses, so the teacher's "what to expect" matches what the class will see on the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.classroom import charts
from sim.classroom.session import Classroom
from sim.scenario.config import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Lesson:
    """A lesson scenario and the levers strategy B moves in it."""

    number: int
    scenario: str
    strategy_b: dict[str, Any] = field(default_factory=dict)


LESSONS: tuple[Lesson, ...] = (
    Lesson(1, "zmot_loop.toml", {"review_requests": True}),
    Lesson(2, "negative_wom.toml", {"wom_asymmetry": 1000.0}),
    Lesson(3, "follow_up_email.toml", {"follow_up_email": True}),
    Lesson(4, "b2b_onboarding.toml", {"onboarding": True}),
)


def run_lesson(lesson: Lesson, n_shown: int = 2000) -> Classroom:
    """The lesson run to its last day with strategy B beside A."""
    classroom = Classroom(load_scenario(ROOT / "scenarios" / "lessons" / lesson.scenario), n_shown)
    classroom.set_compare(True)
    for key, value in lesson.strategy_b.items():
        classroom.set_lever("B", key, value)
    if classroom.error:
        raise RuntimeError(f"lesson {lesson.number}: {classroom.error}")
    classroom.step(classroom.days)
    return classroom


def draw_lesson(lesson: Lesson, folder: Path) -> list[Path]:
    """The journey chart of strategy A and the debrief chart (B - A) of one lesson."""
    classroom = run_lesson(lesson)
    name = f"classroom-lesson-{lesson.number}"
    title = f"Lesson {lesson.number}, strategy A: the journey ({classroom.base.name})"
    journey = charts.journey_figure(classroom.daily("A"), title)
    debrief = charts.difference_figure(
        classroom.daily("A"), classroom.daily("B"), classroom.market["seed"]
    )
    paths = [folder / f"{name}-journey.png", folder / f"{name}-debrief.png"]
    journey.savefig(paths[0], dpi=90)
    debrief.savefig(paths[1], dpi=90)
    return paths


def main() -> None:
    """Regenerate every lesson's charts."""
    folder = ROOT / "docs" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    for lesson in LESSONS:
        for path in draw_lesson(lesson, folder):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
