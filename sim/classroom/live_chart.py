"""A chart drawn in the browser by ECharts, fed with data rather than images.

Why: drawing two matplotlib PNGs on the server took 0.5 s a frame (issue 16), so Play ran at
under one frame a second and a class of students queued behind each other. ECharts ships inside
`solara-assets` (served from this computer: the page works offline) and draws on a canvas in the
student's browser; the server sends only numbers. The network picture is laid out once
(`points`, `ties`) and each frame sends one letter per person (`states`: moment and who is
talking), so a frame of the 2,000-person picture is a few kilobytes.
"""

from __future__ import annotations

import ipyvuetify
import numpy as np
import solara
import traitlets

from sim.classroom.chart_options import to_json
from sim.classroom.network_view import NetworkSample, NetworkState


class LiveChartWidget(ipyvuetify.VuetifyTemplate):
    """The widget behind `LiveChart` (template: live_chart.vue beside this module).

    Every payload is a JSON string, not a Python list: reacton walks list and dict props looking
    for nested elements on every render, which for a 2,000-person network cost about a second a
    frame; one string is compared in one step.
    """

    template_file = (__file__, "live_chart.vue")
    option = traitlets.Unicode("{}").tag(sync=True)
    patch = traitlets.Unicode("{}").tag(sync=True)
    tail = traitlets.Unicode("{}").tag(sync=True)
    """Days after the patch's, drawn after them (`chart_options.JourneyFeed`)."""
    points = traitlets.Unicode("[]").tag(sync=True)
    ties = traitlets.Unicode("[]").tag(sync=True)
    states = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    attributes = traitlets.Dict({}).tag(sync=True)


@solara.component
def LiveChart(
    option: str,
    patch: str = "{}",
    label: str = "",
    height: str = "400px",
    classes: list[str] | None = None,
    points: str = "[]",
    ties: str = "[]",
    states: str = "",
) -> None:
    """An ECharts chart: `option` once, `patch` (new data) each frame, all as JSON strings
    (`to_json`); `label` is its text alternative for screen readers."""
    LiveChartWidget.element(
        option=option,
        patch=patch,
        label=label,
        attributes=chart_attributes(height, classes or []),
        points=points,
        ties=ties,
        states=states,
        _dom_classes=classes or [],
    )


def chart_attributes(height: str, classes: list[str]) -> dict[str, str]:
    """The chart's element: its height, the full width, and its CSS classes."""
    css = " ".join(["mot-chart", *classes])
    return {"style": f"height: {height}; width: 100%;", "class": css}


LAYOUTS: dict[int, tuple[NetworkSample, tuple[str, str]]] = {}
"""Recent samples' layouts as JSON, by the sample's id (the sample is kept with it, so the id
cannot be reused while it is here)."""
LAYOUTS_KEPT = 8


def layout_json(sample: NetworkSample) -> tuple[str, str]:
    """The network's fixed layout as JSON: positions (3 decimals) and ties. Made once per sample:
    every student of a class shows the same picture (~40 ms a page on the busy test machine)."""
    kept = LAYOUTS.get(id(sample))
    if kept is not None and kept[0] is sample:
        return kept[1]
    points = np.round(sample.positions, 3).tolist()
    made = to_json(points), to_json(sample.ties.astype(int).tolist())
    if len(LAYOUTS) >= LAYOUTS_KEPT:
        LAYOUTS.pop(next(iter(LAYOUTS)))
    LAYOUTS[id(sample)] = (sample, made)
    return made


STATE_LETTER = 65
"""Person `i`'s code is the `i`-th letter: "A" + moment x 3 + talk (0 to 17, "A" to "R")."""


def state_codes(state: NetworkState) -> str:
    """One letter per person: "A" + moment x 3 + (1 advocate talking, 2 critic talking, else 0).

    Why letters, not a JSON list of numbers: a frame's 2,000 codes took ~0.4 ms to write as
    JSON, at every step of every student on the server; letters take a hundredth of that."""
    talk = np.where(state.talking & (state.stance > 0), 1, 0)
    talk = np.where(state.talking & (state.stance < 0), 2, talk)
    codes = (state.moment * 3 + talk + STATE_LETTER).astype(np.uint8)
    return codes.tobytes().decode("ascii")
