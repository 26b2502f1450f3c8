"""A loyal-until-betrayed end user: rebuys without a second look, until one bad experience.

Run: `python examples/loyal_until_betrayed.py` (or `--quick`). After a bad experience
(satisfaction below 2.5 stars) this customer rules the brand out for good and never rebuys it;
until then they always go straight back to the shelf. The chart compares the focal brand's
customers in the default population and in one made of these customers, in a market where 15%
of units have a problem. Writes `results/examples/loyal_until_betrayed.png`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sim import Consumer, JourneyModel
from sim.journey.decisions import RecurringNeed


class LoyalUntilBetrayed(Consumer):
    """Always rebuys; after one bad experience, never buys that brand again."""

    def rebuy_or_switch(self, need: RecurringNeed):
        if need.u_leave < need.p_leave:
            return "leave"  # the need itself can end, as for anyone
        if need.brand is not None and need.satisfaction < 2.5:
            self.rejected = {need.brand: True}  # written through: the shelf never offers it
            return "research"
        return "rebuy"


def customers(agent_classes, quick: bool, seed: int):
    size = {"population__n_consumers": 2000, "days": 120, "warmup_days": 60} if quick else {}
    model = JourneyModel(
        "scenarios/baseline.toml",
        seed=seed,
        agent_classes=agent_classes,
        brands__focal__p_problem=0.15,
        **size,
    )
    return model.run().daily()["customers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small market, for CI")
    parser.add_argument("--out", type=Path, default=Path("results/examples"))
    args = parser.parse_args()
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, classes in [
        ("default population", None),
        ("loyal until betrayed", {Consumer: LoyalUntilBetrayed}),
    ]:
        series = customers(classes, args.quick, seed=1)
        ax.plot(series.index, series.values, label=label)
    ax.set(xlabel="day of the window", ylabel="focal customers (units owning it)")
    ax.set_title("15% of units have a problem: forgiving vs unforgiving customers")
    ax.legend()
    args.out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.out / "loyal_until_betrayed.png", dpi=120)
    print(f"wrote {args.out / 'loyal_until_betrayed.png'}")


if __name__ == "__main__":
    main()
