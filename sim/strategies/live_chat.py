"""Service before the sale (ZMOT): live chat with published hours to reach a human.

Customer service exists at SMOT (fixing problems); the seeds' Croatian article also asks for it
during research: chat, and published hours to reach a person. A prospect whose research ends
today and who knows the brand has a question its site does not answer with chance
1 - `faq_coverage` (a better FAQ leaves fewer questions: live chat does most where product
information is thin, Sun, Chen & Fan 2021, Production and Operations Management); they try to
reach a human with `p_ask`, and find one within the published hours with `hours_coverage`. An
answered prospect likes the brand `attitude_gain` more (`expose`): Tan, Wang & Tan (2019,
Information Systems Research, Alibaba data) found a chat raised the chance of buying a tablet
by 16%. Outside the hours nothing changes: the prospect reads the hours and goes on as without
chat. Prospects whose research starts and ends on the same day are not reached (strategies act
at the start of the day).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.journey.exposure import expose
from sim.market.moments import Moment
from sim.market.state import Market
from sim.strategies.base import Strategy, StrategySettings


class LiveChatSettings(StrategySettings):
    p_ask: float = Field(0.3, ge=0.0, le=1.0)
    """Chance a prospect with an unanswered question tries to reach a human (assumption)."""
    hours_coverage: float = Field(0.5, ge=0.0, le=1.0)
    """Share of the times prospects ask when a human answers: the published hours (assumption:
    12 hours a day, every day; 1 = around the clock)."""
    attitude_gain: float = Field(0.075, ge=0.0, le=5.0)
    """Attitude gain of an answered prospect: 0.075 x `choice.weight_attitude` 3 is +0.225 of
    utility, which raises a 40% chance of buying the brand by about 16% (Tan, Wang & Tan 2019:
    +15.99% purchase probability after a chat); the 40% is an assumption."""
    cost_per_chat_usd: float = Field(8.01, ge=0.0)
    """Cost of one chat answered: live channels averaged $8.01 a contact (Gartner 2019 Customer
    Service and Support Leader poll, as `customer_service`)."""


class LiveChat(Strategy):
    """Humans answer researching prospects' questions by chat within published hours."""

    name = "live_chat"
    moment = Moment.ZMOT
    settings_type = LiveChatSettings

    def __init__(self, settings, brand, draws) -> None:
        super().__init__(settings, brand, draws)
        self.asked = 0
        self.answered = 0

    def on_day(self, market: Market) -> None:
        units, day = market.units, market.day
        due = np.flatnonzero((units.moment == Moment.ZMOT) & (units.until <= day))
        buyers = units.start[due]
        buyers = buyers[market.people.aware[buyers, self.brand]]
        coverage = float(market.brands.faq_coverage[self.brand])
        u = self.draws.columns("chat", day, buyers, 3)  # a question left, asks, a human there
        asking = (u[:, 0] >= coverage) & (u[:, 1] < self.settings.p_ask)
        answered = buyers[asking & (u[:, 2] < self.settings.hours_coverage)]
        self.asked += int(asking.sum())
        self.answered += len(answered)
        expose(market, answered, self.brand, self.settings.attitude_gain)
        market.spend(self.brand, len(answered) * self.settings.cost_per_chat_usd)
