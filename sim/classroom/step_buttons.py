"""Play and Step buttons whose clicks carry the lever values the page shows (class mode).

Why: typing a lever quickly (21 ArrowLeft presses on quality, then Step) ran the old value while
the slider showed the new one (issue 16; it happened to all 7 of 8 students who lowered quality).
The browser sends a slider's changes one at a time and holds the newer ones back until the server
has answered (ipywidgets' message throttle), while a button's click goes out at once and overtakes
them. The buttons (step_buttons.vue beside this module) send each lever's shown value with the
click, and the server applies any that differ before it steps: what the student sees is what
runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipyvuetify
import solara
import traitlets

from sim.classroom.lever_set import STRATEGY_LEVERS, available
from sim.classroom.levers import Lever

LEVERS: dict[str, Lever] = {lever.key: lever for lever in available(STRATEGY_LEVERS)}


class StepButtonsWidget(ipyvuetify.VuetifyTemplate):
    """Play / Pause, Step 1 day, Step 7 days; `press` gets {"action", "levers"}."""

    template_file = (__file__, "step_buttons.vue")
    playing = traitlets.Bool(False).tag(sync=True)
    done = traitlets.Bool(False).tag(sync=True)
    on_press = traitlets.Any(None)  # not synced: the Python callback

    def vue_press(self, data: dict[str, Any]) -> None:
        """A click from the page."""
        if self.on_press is not None:
            self.on_press(str(data.get("action", "")), data.get("levers") or {})


@solara.component
def StepButtons(playing: bool, done: bool, on_press: Callable[[str, dict], None]) -> None:
    """The buttons; `on_press(action, levers)` with action play, step_1 or step_7."""
    StepButtonsWidget.element(playing=playing, done=done, on_press=on_press)


def shown_levers(levers: Mapping[str, Any]) -> dict[str, Any]:
    """The levers a click carried, as their kinds' values; unknown keys and junk are dropped
    (the page is the student's browser: its values are checked like any input)."""
    values: dict[str, Any] = {}
    for key, value in levers.items():
        lever = LEVERS.get(key)
        if lever is None or isinstance(value, (dict, list)):
            continue
        try:
            if lever.kind == "switch":
                values[key] = value is True
            elif lever.kind == "int":
                values[key] = int(float(value))
            elif lever.kind == "float":
                values[key] = float(value)
        except (TypeError, ValueError):
            continue
    return values
