"""The class's pages: `/` for students, `/teacher` for the teacher (`mot class`).

`mot class` builds one `ClassSession` before the server starts and puts it in `CURRENT`; every
browser session (each student's tab, the teacher's) reads the same object.
"""

from __future__ import annotations

import solara

from sim.classroom.class_session import ClassSession
from sim.classroom.student_page import StudentPage
from sim.classroom.teacher_page import TeacherPage

CURRENT: ClassSession | None = None
"""The class this process serves (set by `mot class`, or by tests)."""


def current() -> ClassSession:
    """The class being served; an error a maintainer sees if the pages run without one."""
    if CURRENT is None:
        raise RuntimeError("no class: start the pages with `mot class LESSON`")
    return CURRENT


@solara.component
def StudentRoute() -> None:
    """The student's page."""
    StudentPage(current())


@solara.component
def TeacherRoute() -> None:
    """The teacher's page."""
    TeacherPage(current())


@solara.component
def Layout(children: list | None = None) -> None:
    """No navigation bar: students should not see a link to the teacher's page."""
    with solara.Column(style={"padding": "0"}, children=children or []):
        pass


routes = [
    solara.Route(path="/", component=StudentRoute, label="Student", layout=Layout),
    solara.Route(path="teacher", component=TeacherRoute, label="Teacher"),
]
