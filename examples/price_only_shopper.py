"""A price-only shopper: ignores reviews, friends and ads, and buys the cheapest brand it knows.

Run: `python examples/price_only_shopper.py` (or `--quick`). The rival is 10% cheaper than the
focal brand; the chart compares the focal brand's customers when everyone shops as the default
model does (attitudes formed by research, reviews and word of mouth) with a market where half
the people are price-only shoppers. Writes `results/examples/price_only_shopper.png`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sim import Consumer, JourneyModel
from sim.journey.decisions import Shelf


class PriceOnlyShopper(Consumer):
    """Chooses on price alone: of the brands it knows, the cheapest (logit noise kept)."""

    def choose(self, shelf: Shelf) -> str | None:
        best, best_value = None, shelf.walk_away_utility + shelf.noise[0]
        for offer, noise in zip(shelf.offers, shelf.noise[1:], strict=True):
            if offer.aware and not offer.rejected and offer.in_stock:
                value = -shelf.price_weight * offer.relative_price + noise
                if value > best_value:
                    best, best_value = offer.brand, value
        return best


def customers(agent_classes, quick: bool, seed: int):
    size = {"population__n_consumers": 2000, "days": 120, "warmup_days": 60} if quick else {}
    model = JourneyModel(
        "scenarios/baseline.toml",
        seed=seed,
        agent_classes=agent_classes,
        brands__rival__price=45.0,
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
        ("half price-only shoppers", {Consumer: {PriceOnlyShopper: 0.5}}),
    ]:
        series = customers(classes, args.quick, seed=1)
        ax.plot(series.index, series.values, label=label)
    ax.set(xlabel="day of the window", ylabel="focal customers (units owning it)")
    ax.set_title("Rival 10% cheaper: who notices?")
    ax.legend()
    args.out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.out / "price_only_shopper.png", dpi=120)
    print(f"wrote {args.out / 'price_only_shopper.png'}")


if __name__ == "__main__":
    main()
