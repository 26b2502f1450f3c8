"""ECharts options for the classroom's browser charts: the journey, the network and the debrief.

Options are plain dicts of numbers and words (JSON), built here and drawn by `LiveChart` in the
browser. Each chart has a fixed `option` (axes, titles, legends: sent once) and a `patch` with
the data (sent each frame). Colours reach 3:1 contrast on white (a projector in a lit room), and
advocates and critics differ by shape as well as colour (triangle, diamond) so that they stay
apart under red-green colour blindness.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from sim.classroom.days_table import Days
from sim.market.measures import MOMENT_COLUMNS
from sim.market.moments import LABELS, Moment

MOMENT_COLOURS: dict[Moment, str] = {
    Moment.PRE_ZMOT: "#767676",
    Moment.ZMOT: "#0072B2",
    Moment.FMOT: "#7B3294",
    Moment.SMOT: "#C04F00",
    Moment.UMOT: "#B8307F",
    Moment.LOYALTY: "#00795A",
}
"""One colour per moment (Okabe-Ito hues darkened to >= 3:1 contrast on white)."""
ADVOCATE, CRITIC = "#0072B2", "#D55E00"
"""Blue and vermilion: apart under deuteranopia; shapes (triangle, diamond) tell them apart too."""
FONT = {"fontSize": 14}


def contrast_on_white(colour: str) -> float:
    """WCAG contrast ratio of a `#rrggbb` colour against white."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ np.array([0.2126, 0.7152, 0.0722]))
    return 1.05 / (luminance + 0.05)


def base_option(title: str, grids: list[dict[str, Any]]) -> dict[str, Any]:
    """What every chart shares: title, tooltip, no animation (frames come fast), saving as PNG.

    No ECharts `aria`: it writes a description of its own ("This is a chart about ...") into
    the chart element's `aria-label` at every redraw, over the page's text alternative
    (`LiveChart`'s `label`, which says what the chart shows today)."""
    return {
        "animation": False,
        "title": {"text": title, "left": 8, "textStyle": {"fontSize": 16}},
        "tooltip": {"trigger": "axis"},
        "toolbox": {"right": 8, "feature": {"saveAsImage": {"title": "PNG", "pixelRatio": 2}}},
        "grid": grids,
        "textStyle": FONT,
    }


def axis(kind: str, index: int, name: str, **extra: Any) -> dict[str, Any]:
    """An axis of grid `index` (x axes show the day; y axes their unit)."""
    return {
        "type": kind,
        "gridIndex": index,
        "name": name,
        "nameLocation": "middle",
        "nameGap": 44 if kind != "category" else 28,
        "axisLabel": FONT,
        "nameTextStyle": FONT,
        **extra,
    }


def line(sid: str, name: str, colour: str, x: int = 0, y: int = 0, **extra: Any) -> dict[str, Any]:
    """A line series (data come in the patch)."""
    return {
        "id": sid,
        "name": name,
        "type": "line",
        "xAxisIndex": x,
        "yAxisIndex": y,
        "showSymbol": False,
        "lineStyle": {"color": colour, "width": 2},
        "itemStyle": {"color": colour},
        "data": [],
        **extra,
    }


JOURNEY_PANELS = (
    "People per moment (log scale)",
    "Customers: new and retained",
    "Reviews and rating",
)


def journey_option(title: str) -> dict[str, Any]:
    """Three stacked panels: people per moment, customers, reviews with the mean rating.

    Each panel has its title, then its legend on its own row, then the plot, so that no line
    runs through a legend (issue 16)."""
    tops = (36, 300, 564)
    grids = [{"left": 70, "right": 60, "top": t + 74, "height": 140} for t in tops]
    option = base_option(title, grids)
    option["title"] = [option["title"]] + [
        {"text": name, "top": t, "left": 8, "textStyle": {"fontSize": 14}}
        for name, t in zip(JOURNEY_PANELS, (t + 2 for t in tops), strict=True)
    ]
    option["xAxis"] = [axis("value", i, "day", min=0, nameGap=26) for i in range(3)]
    option["yAxis"] = [
        axis("log", 0, "people", min=1, logBase=10, nameGap=52),
        axis("value", 1, "people", nameGap=52),
        axis("value", 2, "reviews", nameGap=52),
        axis(
            "value",
            2,
            "stars",
            min=1,
            max=5,
            position="right",
            splitLine={"show": False},
            nameGap=30,
        ),
    ]
    moments = [
        line(column, LABELS[m], MOMENT_COLOURS[m])
        for m, column in zip(Moment, MOMENT_COLUMNS, strict=True)
    ]
    option["series"] = [
        *moments,
        line("customers", "focal customers", "#000000", 1, 1, lineStyle={"width": 3}),
        line("rival", "rival customers", "#555555", 1, 1, lineStyle={"type": "dashed"}),
        line("new", "new customers (total)", ADVOCATE, 1, 1),
        line("lost", "customers lost (total)", CRITIC, 1, 1),
        line("reviews", "reviews (total)", "#0072B2", 2, 2, areaStyle={"opacity": 0.2}),
        line("negative", "negative reviews (total)", CRITIC, 2, 2),
        line("rating", "mean rating (stars)", "#6B4226", 2, 3),
    ]
    option["legend"] = [
        legend([LABELS[m] for m in Moment], tops[0] + 24),
        legend(
            [
                "focal customers",
                "rival customers",
                "new customers (total)",
                "customers lost (total)",
            ],
            tops[1] + 24,
        ),
        legend(
            ["reviews (total)", "negative reviews (total)", "mean rating (stars)"], tops[2] + 24
        ),
    ]
    return option


def legend(names: list[str], top: int) -> dict[str, Any]:
    """A legend row above its panel (never over the lines)."""
    return {"data": names, "top": top, "left": 8, "itemGap": 8, "textStyle": {"fontSize": 13}}


def pairs(days: Any, values: Any, log: bool = False) -> list:
    """[[day, value], ...] for ECharts; on a log axis a zero is a gap (nobody there that day).

    Built from whole numpy columns (`tolist` in C, one comprehension): the journey chart sends
    fourteen series of up to a year each frame, and a Python loop per value cost ~10 ms a frame."""
    rounded = np.round(np.asarray(values, dtype=float), 3)
    gap = np.isnan(rounded)
    if log:
        gap |= ~(rounded > 0)
    day_list = np.asarray(days).astype(int).tolist()
    value_list = rounded.tolist()
    if not gap.any():
        return [[d, v] for d, v in zip(day_list, value_list, strict=True)]
    return [
        [d, None if g else v] for d, v, g in zip(day_list, value_list, gap.tolist(), strict=True)
    ]


def journey_patch(daily: Days, y_max: dict[str, float] | None = None) -> dict[str, Any]:
    """The journey's data; `y_max` (panel -> top) gives side-by-side charts one scale."""
    patch: dict[str, Any] = {
        "series": [{"id": k, "data": v} for k, v in journey_data(daily).items()]
    }
    if y_max:
        patch["yAxis"] = [{"max": y_max.get(str(i))} for i in range(3)] + [{"max": 5}]
    return patch


def journey_data(daily: Days, first_row: int = 0) -> dict[str, list]:
    """Each journey series' [[day, value], ...] from row `first_row` on (running totals still
    count every day from the first).

    The table is read as one float array (every measure is a float, the day a whole number):
    picking fourteen columns and summing the rivals with pandas cost ~2 ms at each frame."""
    table = daily.to_numpy(dtype=float)
    where = {name: i for i, name in enumerate(daily.columns)}

    def column(name: str) -> np.ndarray:
        return table[:, where[name]]

    days = column("day")[first_row:]
    rivals = [
        where[c] for c in daily.columns if c.startswith("customers_") and c != "customers_focal"
    ]
    rival = np.nansum(table[:, rivals], axis=1) if rivals else column("customers") * 0
    reviews = column("review_count")
    rating = np.where(reviews > 0, column("mean_rating"), np.nan)
    series = {c: (column(c), True) for c in MOMENT_COLUMNS}
    series |= {
        "customers": (column("customers"), False),
        "rival": (np.asarray(rival, dtype=float), False),
        "new": (running_total(column("new_customers")), False),
        "lost": (running_total(column("churned")), False),
        "reviews": (reviews, False),
        "negative": (running_total(column("negative_reviews")), False),
        "rating": (rating, False),
    }
    return {k: pairs(days, values[first_row:], log=log) for k, (values, log) in series.items()}


TAIL_DAYS = 56
"""Days a journey chart's tail may hold before the whole journey is sent again (assumption: 8
weeks, so a year's chart is sent whole about once in 8 weekly steps)."""


class JourneyFeed:
    """The journey chart's data for a market that only grows, as two JSON texts: `patch`, every
    day up to some day, sent now and then; `tail`, the days since, sent at each frame. The
    browser draws the patch's series with the tail's days added (`live_chart.vue`).

    Why: the whole year's fourteen series were written as JSON, compressed and sent at every
    frame of every student (at day 365 about 60 kB a frame), and most of it the browser had
    already. Past days never change, so a frame now sends only the days since the last whole
    patch, at most `TAIL_DAYS` of them."""

    def __init__(self) -> None:
        self.rows = 0
        """Days in the last whole patch."""
        self.patch: str | None = None

    def update(self, daily: Days) -> tuple[str, str]:
        """(patch, tail) for the days of `daily`; the patch is the one before unless the tail
        grew too long or the days went back (another market, or days dropped); the first is
        always whole."""
        since = len(daily) - self.rows
        if self.patch is None or since < 0 or since > TAIL_DAYS:
            self.patch, self.rows = to_json(journey_patch(daily)), len(daily)
        if len(daily) == self.rows:
            return self.patch, "{}"
        series = [{"id": k, "data": v} for k, v in journey_data(daily, self.rows).items()]
        return self.patch, to_json({"series": series})


def to_json(value: Any) -> str:
    """Compact JSON for the browser (NaN is not JSON: it becomes null, a gap in a line)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def running_total(values: np.ndarray) -> np.ndarray:
    """Cumulative sum as pandas' `cumsum` gives it: a missing day stays missing, the rest add up."""
    total = np.nancumsum(values)
    total[np.isnan(values)] = np.nan
    return total


def journey_tops(dailies: list[pd.DataFrame]) -> dict[str, float]:
    """Shared y-axis tops for journey charts shown side by side (same scale for A and B)."""
    tops = {"0": 1.0, "1": 1.0, "2": 1.0}
    for d in dailies:
        if not len(d):
            continue
        tops["0"] = max(tops["0"], float(d[list(MOMENT_COLUMNS)].to_numpy().max()))
        tops["1"] = max(tops["1"], float(d["customers"].max()), float(d["new_customers"].sum()))
        tops["2"] = max(tops["2"], float(d["review_count"].max()))
    tops["0"] = float(10 ** np.ceil(np.log10(tops["0"])))
    tops["1"], tops["2"] = nice(tops["1"]), nice(tops["2"])
    return tops


def nice(value: float) -> float:
    """A round number at or above `value` (1, 2 or 5 times a power of ten)."""
    power = 10 ** np.floor(np.log10(max(value, 1.0)))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= value))


def journey_label(daily: Days) -> str:
    """The journey chart's text alternative: where people are and what the brand has now."""
    if not len(daily):
        return "Journey charts: no days run yet."
    last = last_day(daily, ("day", "customers", "review_count", *MOMENT_COLUMNS))
    total = totals(daily, ("new_customers", "churned"))
    where = ", ".join(
        f"{LABELS[m]} {int(last[c])}" for m, c in zip(Moment, MOMENT_COLUMNS, strict=True)
    )
    return (
        f"Journey charts, day {int(last['day'])}: people per moment {where}; "
        f"{int(last['customers'])} customers, {int(total['new_customers'])} new and "
        f"{int(total['churned'])} lost so far; {int(last['review_count'])} reviews."
    )


def last_day(daily: Days, columns: tuple[str, ...]) -> dict[str, float]:
    """The last day's values of `columns` (a page's line of today's numbers, at every step:
    `daily.iloc[-1]` builds a whole row of every column first, about five times the time)."""
    return {c: np.asarray(daily[c])[-1] for c in columns}


def totals(daily: Days, columns: tuple[str, ...]) -> dict[str, float]:
    """Sums of `columns` over every day so far (missing days count nothing, as pandas' `sum`)."""
    return {c: np.nansum(np.asarray(daily[c])) for c in columns}


def network_option(title: str) -> dict[str, Any]:
    """The network picture: grey ties, people coloured by moment, talkers by shape."""
    option = base_option(title, [{"left": 4, "right": 4, "top": 40, "bottom": 60}])
    option["tooltip"] = {"show": False}
    hidden = {"show": False, "min": -1.1, "max": 1.1}
    option["xAxis"] = {"type": "value", **hidden}
    option["yAxis"] = {"type": "value", **hidden}
    # one scatter per moment in ECharts' large mode (drawn as one batch), not one scatter
    # coloured point by point through a visualMap: a frame of 2,000 people took ~180 ms of
    # the browser's time that way (measured in headless Chromium; docs/teaching.md). The
    # people, the talkers and their ties are drawn by the page itself (`live_chart.vue`,
    # `paintPeople`), as ECharts would draw these series: ECharts' update of the picture
    # cost ~40 ms of the browser's time at every frame. These series hold no data; they
    # give the page their styles and the legend its entries.
    moments = [
        {
            "id": f"moment_{int(m)}",
            "name": LABELS[m],
            "type": "scatter",
            "symbolSize": 4,
            "itemStyle": {"color": MOMENT_COLOURS[m]},
            "large": True,
            "largeThreshold": 100,
            "data": [],
            "silent": True,
        }
        for m in Moment
    ]
    names = [LABELS[m] for m in Moment] + ["advocate talking", "critic talking"]
    option["legend"] = {
        "data": names,
        "bottom": 0,
        "selectedMode": False,
        "itemGap": 8,
        "textStyle": {"fontSize": 12},
    }
    ties = {"type": "lines", "coordinateSystem": "cartesian2d", "large": True, "silent": True}
    talk = ties
    option["series"] = [
        # the grey ties: drawn once by the browser into a picture behind the people
        # (`live_chart.vue`, `picturedTies`), in this series' style; it holds no data itself
        {**ties, "id": "ties", "lineStyle": {"color": "#d9d9d9", "width": 0.5}, "data": []},
        *moments,
        {**talk, "id": "advocate_ties", "lineStyle": {"color": ADVOCATE, "width": 1.2}, "data": []},
        {**talk, "id": "critic_ties", "lineStyle": {"color": CRITIC, "width": 1.2}, "data": []},
        talker("advocates", "advocate talking", "triangle", ADVOCATE),
        talker("critics", "critic talking", "diamond", CRITIC),
    ]
    return option


def talker(sid: str, name: str, symbol: str, colour: str) -> dict[str, Any]:
    """Advocates or critics who are talking: an outlined shape over their dot."""
    return {
        "id": sid,
        "name": name,
        "type": "scatter",
        "symbol": symbol,
        "symbolSize": 11,
        "itemStyle": {"color": "rgba(255,255,255,0)", "borderColor": colour, "borderWidth": 2},
        "data": [],
        "silent": True,
    }
