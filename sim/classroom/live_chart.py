"""A chart drawn in the browser by ECharts, fed with data rather than images.

Why: drawing two matplotlib PNGs on the server took 0.5 s a frame (issue 16), so Play ran at
under one frame a second and a class of students queued behind each other. ECharts ships inside
`solara-assets` (served from this computer: the page works offline) and draws on a canvas in the
student's browser; the server sends only numbers. The network picture is laid out once
(`points`, `ties`) and each frame sends one small integer per person (`states`: moment and who is
talking), so a frame of the 2,000-person picture is a few kilobytes.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import numpy as np
import solara
import traitlets

from sim.classroom.network_view import NetworkSample, NetworkState


class LiveChartWidget(ipyvuetify.VuetifyTemplate):
    """The widget behind `LiveChart` (template: live_chart.vue beside this module)."""

    template_file = (__file__, "live_chart.vue")
    option = traitlets.Dict({}).tag(sync=True)
    patch = traitlets.Dict({}).tag(sync=True)
    points = traitlets.List([]).tag(sync=True)
    ties = traitlets.List([]).tag(sync=True)
    states = traitlets.List([]).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    attributes = traitlets.Dict({}).tag(sync=True)


@solara.component
def LiveChart(
    option: dict[str, Any],
    patch: dict[str, Any] | None = None,
    label: str = "",
    height: str = "400px",
    classes: list[str] | None = None,
    points: list | None = None,
    ties: list | None = None,
    states: list | None = None,
) -> None:
    """An ECharts chart: `option` once, `patch` (new data) each frame; `label` is its text
    alternative for screen readers."""
    css = " ".join(["mot-chart", *(classes or [])])
    LiveChartWidget.element(
        option=option,
        patch=patch or {},
        label=label,
        attributes={"style": f"height: {height}; width: 100%;", "class": css},
        points=points or [],
        ties=ties or [],
        states=states or [],
    )


def layout_lists(sample: NetworkSample) -> tuple[list, list]:
    """The network's fixed layout as JSON-ready lists: positions (3 decimals) and ties."""
    points = np.round(sample.positions, 3).tolist()
    return points, sample.ties.astype(int).tolist()


def state_codes(state: NetworkState) -> list[int]:
    """One integer per person: moment x 3 + (1 advocate talking, 2 critic talking, else 0)."""
    talk = np.where(state.talking & (state.stance > 0), 1, 0)
    talk = np.where(state.talking & (state.stance < 0), 2, talk)
    return (state.moment * 3 + talk).astype(int).tolist()
