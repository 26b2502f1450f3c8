"""A part of a page rendered in its own reacton render context (its own "render tree").

Why: reacton renders a page from its root every time any state in it changes, and walks every
element and widget below, even those whose arguments did not change (it only skips calling
their functions). On the student page a 7-day step changed the day, today's numbers and two
charts, but reacton walked ~190 elements and updated ~90 widgets a frame, for the twenty
sliders and the lesson's text too (~0.05-0.08 s of server CPU a step; docs/classroom-speed.md).
A part that seldom changes (the levers, the lesson) rendered in a separate render context is not
walked when the rest of the page changes; it re-renders on its own when the reactive variables
it reads change (Solara subscribes a component to each `solara.Reactive` it reads).
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvue
import reacton
import solara


def use_separate(make: Callable[[], reacton.core.Element], dependencies: list) -> ipyvue.Html:
    """The widget showing `make()` in its own render context, closed with the component and
    made again when `dependencies` change. Pass it state as `solara.Reactive` variables (stable
    objects), not values: the separate part does not re-render when the calling component does.

    The part is rendered in an effect, after the calling render has finished: rendering it
    inside that render (a render within a render) made reacton build the whole page twice."""
    box = solara.use_memo(lambda: ipyvue.Html(tag="div", children=[]), dependencies=[])

    def mount():
        _, context = reacton.render(make(), box)
        return context.close

    solara.use_effect(mount, dependencies=dependencies)
    return box
