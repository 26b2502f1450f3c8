"""ECharts options for the debriefs: the class's runs over the baseline, and B minus A.

Split from `chart_options` (the journey and the network), whose helpers these share.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.classroom.chart_options import ADVOCATE, axis, base_option, line, pairs


def overlay_option(title: str, y_name: str) -> dict[str, Any]:
    """The class debrief: every student's run of one KPI over the baseline's."""
    option = base_option(title, [{"left": 80, "right": 180, "top": 60, "bottom": 60}])
    option["xAxis"] = axis("value", 0, "day", min=0)
    option["yAxis"] = axis("value", 0, y_name, nameGap=60)
    option["legend"] = {"type": "scroll", "orient": "vertical", "right": 0, "top": 60}
    option["series"] = []
    return option


def overlay_patch(runs: dict[str, pd.Series], baseline: str) -> dict[str, Any]:
    """One line per student (index: day), the baseline thick and dashed in black."""
    series = []
    for name, values in runs.items():
        extra = {}
        if name == baseline:
            black = {"color": "#000000"}
            extra = {
                "lineStyle": {**black, "width": 4, "type": "dashed"},
                "itemStyle": black,
                "z": 10,
            }
        series.append(
            {
                "id": f"run:{name}",
                "name": name,
                "type": "line",
                "showSymbol": False,
                "data": pairs(pd.Series(values.index), values.to_numpy()),
                **extra,
            }
        )
    return {"series": series}


DIFFERENCE_PANELS = (
    ("customers", "Customers now"),
    ("new_customers", "New customers (total)"),
    ("reviews", "Reviews posted (total)"),
    ("critics", "Critics made (total; lower is better)"),
)
"""The debrief's panels (columns of `sim.classroom.charts.difference_table`)."""


def difference_option(seed: int) -> dict[str, Any]:
    """Strategy B minus strategy A in four panels: above 0, B is higher."""
    grids = [
        {"top": 60, "height": 170, "left": 70, "width": "38%"},
        {"top": 60, "height": 170, "right": 20, "width": "38%"},
        {"top": 300, "height": 170, "left": 70, "width": "38%"},
        {"top": 300, "height": 170, "right": 20, "width": "38%"},
    ]
    title = f"Strategy B minus strategy A (same market, seed {seed}): above 0, B is higher"
    option = base_option(title, grids)
    option["title"] = [option["title"]] + [
        {"text": name, "top": grid["top"] - 24, "textStyle": {"fontSize": 14}, **side(grid)}
        for (_, name), grid in zip(DIFFERENCE_PANELS, grids, strict=True)
    ]
    option["xAxis"] = [axis("value", i, "day", min=0, nameGap=26) for i in range(4)]
    option["yAxis"] = [axis("value", i, "B - A", nameGap=50) for i in range(4)]
    option["series"] = [
        line(key, name, "#000000", i, i, areaStyle={"color": ADVOCATE, "opacity": 0.35})
        for i, (key, name) in enumerate(DIFFERENCE_PANELS)
    ]
    return option


def side(grid: dict[str, Any]) -> dict[str, Any]:
    """A panel title's horizontal place: over its grid."""
    return {"left": grid["left"]} if "left" in grid else {"right": "30%"}


def difference_patch(table: pd.DataFrame) -> dict[str, Any]:
    """The debrief's data: B - A per day for each panel."""
    return {
        "series": [
            {"id": key, "data": pairs(table["day"], table[key])} for key, _ in DIFFERENCE_PANELS
        ]
    }


def difference_label(table: pd.DataFrame) -> str:
    """The debrief chart's text alternative: the differences on the last day."""
    if not len(table):
        return "Debrief chart: no days run yet."
    last = table.iloc[-1]
    parts = ", ".join(f"{name} {int(last[key]):+d}" for key, name in DIFFERENCE_PANELS)
    return f"Debrief chart, strategy B minus A on day {int(last['day'])}: {parts}."
