"""Mesa agents for people: thin views onto the model's columns.

State lives in numpy columns (one row per person, one per buying unit) so that the day's rules
run over whole cohorts at once; these agents read and write those rows, so `model.agents`,
`AgentSet.select/groupby/agg` and the classroom page work as Mesa users expect.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.market.moments import Moment
from sim.market.population import Role
from sim.market.state import Market


class Person(mesa.Agent):
    """A person in the market; `row` indexes the person columns."""

    def __init__(self, model: mesa.Model, row: int) -> None:
        """`model` is a `sim.model.JourneyModel`: its `market` holds the columns."""
        super().__init__(model)
        self.row = row

    @property
    def _market(self) -> Market:
        return self.model.market

    @property
    def unit(self) -> int:
        """The buying unit this person belongs to."""
        return int(self._market.people.unit[self.row])

    @property
    def roles(self) -> Role:
        """Buyer, influencer and/or end user."""
        return Role(int(self._market.people.role[self.row]))

    @property
    def moment(self) -> Moment:
        """The moment of this person's buying unit."""
        return Moment(int(self._market.units.moment[self.unit]))

    @property
    def brand(self) -> str | None:
        """The brand the unit owns, if any."""
        index = int(self._market.units.brand[self.unit])
        return self._market.brands.names[index] if index >= 0 else None

    @property
    def attitude(self) -> dict[str, float]:
        """Liking of each brand (0 = neutral)."""
        row = self._market.people.attitude[self.row]
        return dict(zip(self._market.brands.names, row.tolist(), strict=True))

    @property
    def stance(self) -> int:
        """+1 advocate, -1 critic, 0 neither."""
        return int(self._market.people.stance[self.row])

    @property
    def rating(self) -> int:
        """Private rating (1-5) of the last experience; 0 if none."""
        return int(self._market.people.rating[self.row])

    @property
    def is_social_influencer(self) -> bool:
        """True for people with a social-media audience."""
        return bool(np.isin(self.row, self._market.influencers))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row}, moment={self.moment.label})"


class Consumer(Person):
    """B2C: one person who is buyer, influencer and end user at once."""


class Buyer(Person):
    """B2B: decides and pays for the buying centre."""


class Influencer(Person):
    """B2B: sways the buying centre's choice."""


class EndUser(Person):
    """B2B: lives with the product; their experience drives SMOT, UMOT and renewal."""


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
    """One Mesa agent per person, of the class its role gives."""
    roles = model.market.people.role
    for role in np.unique(roles):
        rows = np.flatnonzero(roles == role)
        agent_class(int(role)).create_agents(model, len(rows), rows.tolist())
