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

from sim.journey.decisions import (
    Conversation,
    Deciders,
    Experience,
    NeedPath,
    RecurringNeed,
    Research,
    ReviewChance,
    Shelf,
)
from sim.market.keyed_draws import poisson_quantile
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

    def review(self, review: ReviewChance) -> bool:
        """UMOT: post a review of the experience just rated? The default posts when today's
        uniform falls below the market's chance for these stars (self-selection: extremes post
        more, Hu, Pavlou & Zhang 2009)."""
        return review.u < review.chance

    def talk(self, conversation: Conversation) -> int:
        """Word of mouth: how many messages to send today about the brand (each goes to a
        random contact). The default is Poisson(rate), by inversion of today's uniform."""
        return int(poisson_quantile(np.array([conversation.u]), conversation.rate)[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row}, moment={self.moment.label})"


def weigh_sources(self: Person, research: Research) -> list[dict[str, float]]:
    """ZMOT: how much each source consulted moves this person's attitude toward each brand, one
    {brand: change} per consultation, in order (a brand left out: no change).

    The default takes each source as the market weighs it (`Consultation.gain`): reviews pull by
    their rating and credibility, presence and FAQ answers by their weights, a friend by their
    stance. A researcher who distrusts reviews, say, returns 0 for review sites."""
    return [dict(consultation.gain) for consultation in research.consultations]


class Buyer(Person):
    """Decides and pays: researches (ZMOT), chooses at the shelf (FMOT), rebuys or switches.

    Override a decision method in a subclass and the engine calls it for the people of that
    class (`JourneyModel(settings, agent_classes={Consumer: MyShopper})`); the defaults below
    are the vectorised rules written out for one person, with the same arithmetic, so a class
    that calls them decides exactly as the engine does (tests/test_agent_decisions.py)."""

    research = weigh_sources

    def choose(self, shelf: Shelf) -> str | None:
        """FMOT: the brand to buy, or None to walk away.

        The default is a multinomial logit (McFadden 1974) written out: each known, not ruled
        out brand's utility (attitude, price, shelf quality, a pull toward the brand owned) plus
        its Gumbel noise, against walking away."""
        best, best_value = None, shelf.walk_away_utility + shelf.noise[0]
        for offer, noise in zip(shelf.offers, shelf.noise[1:], strict=True):
            if not offer.aware or offer.rejected or not offer.in_stock:
                continue
            utility = (
                shelf.weight_attitude * offer.attitude
                - shelf.price_weight * offer.relative_price
                + shelf.weight_shelf * offer.shelf_quality
            )
            if offer.owned:
                utility += shelf.owned_brand_pull
            if utility + noise > best_value:
                best, best_value = offer.brand, utility + noise
        return best

    def rebuy_or_switch(self, need: RecurringNeed) -> NeedPath:
        """Loyalty loop: when the need recurs, "rebuy" (straight to the shelf), "research"
        (and maybe switch) or "leave" the category.

        The default leaves with the unit's own chance, else rebuys directly with the market's
        chance for this satisfaction, else researches."""
        if need.u_leave < need.p_leave:
            return "leave"
        return "rebuy" if need.u_rebuy < need.p_rebuy_direct else "research"


class Influencer(Person):
    """Sways the choice: their attitude counts in the buying unit's decision; researches too."""

    research = weigh_sources


class EndUser(Person):
    """Lives with the product; their experience drives SMOT, UMOT and renewal."""

    def rate(self, experience: Experience) -> float:
        """SMOT: the private rating of the experience on the 1-5 scale (a number; the engine
        rounds it to stars, and a unit's satisfaction is its end users' mean).

        The default is expectation-confirmation (Oliver 1980): quality plus personal noise,
        less penalties for a late or damaged delivery and an unresolved problem, plus a bonus
        when service recovered it, plus or minus onboarding in B2B."""
        e = experience
        latent = e.quality + e.satisfaction_sd * e.noise
        latent -= e.penalty_late * e.late
        latent -= e.penalty_damaged * (e.damaged and not e.resolved)
        latent -= e.penalty_problem * (e.problem and not e.resolved)
        latent += e.recovery_bonus * ((e.problem or e.damaged) and e.resolved)
        if e.onboarding is not None:
            latent += e.onboarding
        return latent


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


AgentClasses = Mapping[type[Person], "type[Person] | Mapping[type[Person], float]"]
"""Role class -> the class to use instead, or {class: share of the role's people}; people not
covered by the shares keep the role class (`{Consumer: {PriceShopper: 0.1}}`: 10%)."""


def create_people(model: mesa.Model, agent_classes: AgentClasses | None = None) -> None:
    """One Mesa agent per person, of the class its role gives (or the one `agent_classes`
    puts there), then the deciders of every overridden decision (`market.deciders`)."""
    market = model.market
    roles = market.people.role
    classes = np.empty(market.people.n, dtype=object)
    for role in np.unique(roles):
        rows = np.flatnonzero(roles == role)
        classes[rows] = agent_class(int(role))
        replace_classes(model, classes, rows, (agent_classes or {}).get(agent_class(int(role))))
    agents = [None] * market.people.n
    for cls in dict.fromkeys(classes):
        rows = np.flatnonzero(classes == cls)
        made = cls.create_agents(model, len(rows), rows.tolist())
        for row, agent in zip(rows.tolist(), made, strict=True):
            agents[row] = agent
    market.deciders = find_deciders(classes, agents)


def replace_classes(model, classes: np.ndarray, rows: np.ndarray, spec) -> None:
    """Put the custom classes of one role's people: all of them, or shares drawn per person
    (a keyed draw, so the same people get the same class in every arm of a comparison)."""
    if spec is None:
        return
    if isinstance(spec, type):
        spec = {spec: 1.0}
    shares = np.array(list(spec.values()), dtype=np.float64)
    if (shares < 0).any() or shares.sum() > 1 + 1e-12:
        raise ValueError(f"agent_classes shares must be >= 0 and sum to at most 1, got {spec}")
    u = model.draws.scope("agent_classes").uniform("class", 0, rows)
    bins = np.searchsorted(np.cumsum(shares), u, side="right")
    for index, cls in enumerate(spec):
        if not issubclass(cls, Person):
            raise TypeError(f"agent_classes: {cls!r} is not a sim.agents role subclass")
        classes[rows[bins == index]] = cls


DEFAULT_DECIDER: dict[str, type[Person]] = {
    "research": Buyer,
    "choose": Buyer,
    "rebuy_or_switch": Buyer,
    "rate": EndUser,
    "review": Person,
    "talk": Person,
}
"""Decision -> the role whose method is the default (a class overriding it decides itself);
one entry per `sim.journey.decisions.DECISIONS`."""


def find_deciders(classes: np.ndarray, agents: list) -> dict[str, Deciders]:
    """For each decision some class overrides: that class's people, sorted, with their agents."""
    deciders: dict[str, Deciders] = {}
    for name, role in DEFAULT_DECIDER.items():
        default = getattr(role, name)
        custom = [
            cls
            for cls in dict.fromkeys(classes)
            if hasattr(cls, name) and getattr(cls, name) is not default
        ]
        if custom:
            rows = np.flatnonzero([cls in custom for cls in classes])
            deciders[name] = Deciders(rows, [agents[row] for row in rows])
    return deciders
