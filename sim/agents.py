"""Mesa agents for the people of the market: buyers, influencers and end users.

State lives in numpy columns (one row per person, one per buying unit) so that the day's rules
run over whole cohorts at once. An agent is a window onto its row: reading an attribute reads
the column, writing one writes the column, so the next rule sees the change. `model.agents`,
`AgentSet.select/groupby/agg`, `mesa.DataCollector` agent reporters and the classroom page work
as Mesa users expect.

In B2C one person holds all three roles (`Consumer` is a `Buyer`, an `Influencer` and an
`EndUser` at once); in B2B a buying unit is a buying centre of several people, one `Buyer`, some
`Influencer`s and some `EndUser`s (Webster & Wind 1972).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np

from sim.market.moments import Moment
from sim.market.population import Role
from sim.market.state import Market


class PersonColumn:
    """A person's value in one column of `market.people`, read and written as a Python number.

    `allowed` bounds what may be written (a write outside it raises `ValueError` naming the
    attribute), so an agent cannot put the engine in a state its rules never produce."""

    def __init__(self, column: str, kind: type, allowed: tuple[float, float], doc: str) -> None:
        self.column, self.kind, self.allowed, self.__doc__ = column, kind, allowed, doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, person: Person | None, owner: type) -> Any:
        if person is None:
            return self
        return self.kind(getattr(person.market.people, self.column)[person.row])

    def __set__(self, person: Person, value: float) -> None:
        low, high = self.allowed
        if isinstance(value, bool) or not (low <= value <= high) or value != self.kind(value):
            raise ValueError(
                f"{self.name} must be a whole number in [{low}, {high}], got {value!r}"
            )
        getattr(person.market.people, self.column)[person.row] = value


class BrandColumns:
    """A person's row of a (people, brands) column, as {brand name: value}.

    Writing a mapping changes the brands it names and leaves the others as they were."""

    def __init__(self, column: str, kind: type, doc: str) -> None:
        self.column, self.kind, self.__doc__ = column, kind, doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, person: Person | None, owner: type) -> Any:
        if person is None:
            return self
        row = getattr(person.market.people, self.column)[person.row]
        return {
            name: self.kind(v)
            for name, v in zip(person.market.brands.names, row.tolist(), strict=True)
        }

    def __set__(self, person: Person, values: Mapping[str, Any]) -> None:
        names = person.market.brands.names
        column = getattr(person.market.people, self.column)
        for brand, value in values.items():
            if brand not in names:
                raise ValueError(f"{self.name}: unknown brand {brand!r} (brands: {names})")
            if self.kind is float and not math.isfinite(float(value)):
                raise ValueError(f"{self.name}[{brand!r}] must be finite, got {value!r}")
            column[person.row, names.index(brand)] = self.kind(value)


class Person(mesa.Agent):
    """A person in the market; `row` indexes the person columns (`sim.market.population.People`).

    Person attributes (attitude, awareness, stance, rating) can be written; the buying unit's
    journey state (moment, brand owned) is read-only here, because the journey's rules move units
    between moments and book purchases (write through `model.market` if you must)."""

    def __init__(self, model: mesa.Model, row: int) -> None:
        """`model` is a `sim.model.JourneyModel`: its `market` holds the columns."""
        super().__init__(model)
        self.row = row

    @property
    def market(self) -> Market:
        """The market whose columns this agent reads and writes."""
        return self.model.market

    attitude = BrandColumns("attitude", float, "Liking of each brand (0 = neutral).")
    aware = BrandColumns("aware", bool, "Whether this person knows each brand.")
    rejected = BrandColumns("rejected", bool, "Brands ruled out for good after bad news.")
    stance = PersonColumn("stance", int, (-1, 1), "+1 advocate, -1 critic, 0 neither.")
    rating = PersonColumn(
        "rating", int, (0, 5), "Private rating (1-5) of the last experience; 0 if none."
    )

    @property
    def unit(self) -> int:
        """The buying unit this person belongs to."""
        return int(self.market.people.unit[self.row])

    @property
    def roles(self) -> Role:
        """Buyer, influencer and/or end user."""
        return Role(int(self.market.people.role[self.row]))

    @property
    def moment(self) -> Moment:
        """The moment of this person's buying unit."""
        return Moment(int(self.market.units.moment[self.unit]))

    @property
    def brand(self) -> str | None:
        """The brand the unit owns, if any."""
        index = int(self.market.units.brand[self.unit])
        return self.market.brands.names[index] if index >= 0 else None

    @property
    def is_social_influencer(self) -> bool:
        """True for people with a social-media audience."""
        return bool(np.isin(self.row, self.market.influencers))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row}, moment={self.moment.label})"


class Buyer(Person):
    """Decides and pays: researches (ZMOT), chooses at the shelf (FMOT), rebuys or switches."""


class Influencer(Person):
    """Sways the choice: their attitude counts in the buying unit's decision; talks to others."""


class EndUser(Person):
    """Lives with the product; their experience drives SMOT, UMOT and renewal."""


class Consumer(Buyer, Influencer, EndUser):
    """B2C: one person who is buyer, influencer and end user at once."""


def agent_class(role: int) -> type[Person]:
    """The Mesa agent class for a person's role bits."""
    if role == Role.BUYER | Role.INFLUENCER | Role.END_USER:
        return Consumer
    if role & Role.BUYER:
        return Buyer
    if role & Role.INFLUENCER:
        return Influencer
    return EndUser


def create_people(model: mesa.Model) -> None:
    """One Mesa agent per person, of the class its role gives, in row order."""
    roles = model.market.people.role
    for role in np.unique(roles):
        rows = np.flatnonzero(roles == role)
        agent_class(int(role)).create_agents(model, len(rows), rows.tolist())
