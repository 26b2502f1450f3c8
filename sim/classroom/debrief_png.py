"""The class debrief as a PNG for the teacher's download (matplotlib, drawn only when asked)."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure


def debrief_png(runs: dict[str, pd.Series], baseline: str, label: str) -> bytes:
    """Every student's run of one KPI, the baseline thick and dashed, as PNG bytes."""
    fig = Figure(figsize=(10, 5.6), dpi=100)
    ax = fig.subplots()
    fig.subplots_adjust(right=0.75)
    for name, values in runs.items():
        if name == baseline:
            ax.plot(values.index, values.to_numpy(), color="black", lw=3, ls="--", label=name)
        else:
            ax.plot(values.index, values.to_numpy(), lw=1.4, label=name)
    ax.set_title(f"Class debrief: {label}", loc="left", fontweight="bold")
    ax.set_xlabel("day")
    ax.set_ylabel(label)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
