"""The day's rules in the order of the journey: `JourneyModel` runs them in this order, each
with its own scope of keyed draws (so one rule's draws never shift another's)."""

from __future__ import annotations

from collections.abc import Callable

from sim.journey.experience import finish_experience
from sim.journey.feedback import finish_feedback
from sim.journey.loyalty import recur_needs
from sim.journey.research import finish_research
from sim.journey.shelf import choose_at_shelf
from sim.journey.triggers import start_journeys
from sim.journey.word_of_mouth import spread_word_of_mouth
from sim.market.keyed_draws import KeyedDraws
from sim.market.state import Market

Rule = Callable[[Market, KeyedDraws], None]
"""A moment's rule: moves the units due today and records what happened."""

RULES: tuple[tuple[str, Rule], ...] = (
    ("triggers", start_journeys),  # <ZMOT: a need or a stimulus starts a journey
    ("research", finish_research),  # ZMOT: sources consulted, attitude formed
    ("choice", choose_at_shelf),  # FMOT: buy the focal brand, a rival, or walk away
    ("experience", finish_experience),  # SMOT: delivery, use, onboarding, service
    ("feedback", finish_feedback),  # UMOT: reviews and ratings, as advocate or critic
    ("loyalty", recur_needs),  # loyalty loop: the need comes back; rebuy or switch
    ("word_of_mouth", spread_word_of_mouth),  # TMOT: advocates and critics tell friends
)
"""(draw scope, rule) in the order of the day. The scope names key the random numbers: renaming
one changes every result."""
