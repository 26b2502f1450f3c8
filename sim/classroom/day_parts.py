"""What a day changes on a student's page, made once and updated in place.

The day beside the buttons, the "You are ... · day D of N" line, today's numbers and the two
charts change after every step, every Play frame and every round; nothing else on the page does.

Why widgets updated in place rather than components re-rendered: a class is one Python process
on a 2-core laptop, and when 30 students press "Step 7 days" together their steps queue on it.
Re-rendering these parts through reacton (three render passes, element diffing, then the same
trait updates) cost about 5 ms of the ~15 ms a step took on the server, as much as half the
market's seven days. Here a day is a handful of trait assignments, one message per widget that
changed (docs/classroom-speed.md, "fourth round").
"""

from __future__ import annotations

import functools

import ipyvuetify
import ipywidgets
import solara.widgets

from sim.classroom import chart_options as opts
from sim.classroom.class_session import ClassSession
from sim.classroom.days_table import DaysTable
from sim.classroom.live_chart import (
    LiveChartWidget,
    chart_attributes,
    layout_json,
    state_codes,
    to_json,
)
from sim.classroom.page import day_numbers
from sim.classroom.rich_text import MARKDOWN_CLASSES, escaped, to_html
from sim.classroom.student import StudentMarket

NO_DAYS_YET = "Press Step or Play (or wait for the teacher's round) to start the days."
DAY_STYLE = "font-size: 1.3em; font-weight: bold;"


class DayParts:
    """The day's widgets of one student's page (`show` after every step and round)."""

    def __init__(self, session: ClassSession, student: StudentMarket) -> None:
        self.session, self.student = session, student
        self.feed = opts.JourneyFeed()  # a frame sends only the days since the last whole patch
        network, journey = chart_setups()
        points, ties = layout_json(session.sample)
        self.day = ipyvuetify.Html(tag="span", class_="mot-day", style_=DAY_STYLE, children=[""])
        self.who = text_widget([])
        self.summary = text_widget(["mot-summary"])
        self.network = chart(network, "560px", "mot-network", points=points, ties=ties)
        self.journey = chart(journey, "800px", "mot-journey")
        # filled by `show`, which the page calls once it is on screen and after each day

    def show(self) -> None:
        """Today's day, numbers and charts; a widget whose value did not change sends nothing."""
        with self.student.lock:  # Play's thread and the page's messages both show days
            student, sample = self.student, self.session.sample
            daily = student.numbers()
            who = f"You are **{escaped(student.name)}** · day **{student.day}** of {student.days}"
            self.day.children = [f"Day {student.day}"]
            self.who.unsafe_innerHTML = to_html(who)
            self.summary.unsafe_innerHTML = to_html(summary_line(daily))
            with self.network.hold_sync():
                self.network.states = state_codes(student.network())
                self.network.label = (
                    f"Network picture of {len(sample.people)} people coloured by moment, "
                    f"day {student.day}."
                )
            with self.journey.hold_sync():
                self.journey.patch, self.journey.tail = self.feed.update(daily)
                self.journey.label = opts.journey_label(daily)

    def widgets(self) -> list[ipywidgets.Widget]:
        """Every widget made here."""
        return [self.day, self.who, self.summary, self.network, self.journey]

    def close(self) -> None:
        """Close the widgets (the page closed)."""
        for widget in self.widgets():
            widget.close()


def text_widget(classes: list[str]) -> solara.widgets.HTML:
    """A Markdown text's HTML widget, styled as `RichText`'s."""
    css = " ".join([*MARKDOWN_CLASSES, *classes])
    return solara.widgets.HTML(tag="div", unsafe_innerHTML="", attributes={"class": css})


def chart(option: str, height: str, css: str, points: str = "[]", ties: str = "[]"):
    """A `LiveChartWidget` as `LiveChart` makes it."""
    return LiveChartWidget(
        option=option,
        points=points,
        ties=ties,
        attributes=chart_attributes(height, [css]),
        _dom_classes=[css],
    )


@functools.cache
def chart_setups() -> tuple[str, str]:
    """The student's two charts set up (JSON), made once for every page."""
    return (
        to_json(opts.network_option("Your market: a sample of the people")),
        to_json(opts.journey_option("Your market: the journey")),
    )


def summary_line(daily: DaysTable) -> str:
    """Today's numbers in one line."""
    return day_numbers(daily) if len(daily) else NO_DAYS_YET
