"""The moments of truth a buying unit moves through, and the moves allowed between them.

Sources: Google's ZMOT (Lecinski 2011), P&G's first and second moments of truth (2006),
Blackshaw's ultimate moment (2006), McKinsey's loyalty loop (Court et al. 2009).
"""

from __future__ import annotations

from enum import IntEnum


class Moment(IntEnum):
    """Where a buying unit stands in its journey today."""

    PRE_ZMOT = 0
    """<ZMOT: no active need yet; a stimulus (need, ad, word of mouth, influencer) may start one."""
    ZMOT = 1
    """Zero moment: researching across information sources."""
    FMOT = 2
    """First moment: facing the product and its rivals on a shelf or product page."""
    SMOT = 3
    """Second moment: delivery, use, onboarding, service."""
    UMOT = 4
    """Ultimate (third) moment: feedback as an advocate or a critic."""
    LOYALTY = 5
    """Loyalty loop: owns the product until the need recurs."""

    @property
    def label(self) -> str:
        """Short label used in tables and charts."""
        return LABELS[self]


LABELS: dict[Moment, str] = {
    Moment.PRE_ZMOT: "<ZMOT",
    Moment.ZMOT: "ZMOT",
    Moment.FMOT: "FMOT",
    Moment.SMOT: "SMOT",
    Moment.UMOT: "UMOT",
    Moment.LOYALTY: "Loyalty",
}

ALLOWED: dict[Moment, frozenset[Moment]] = {
    Moment.PRE_ZMOT: frozenset({Moment.ZMOT}),
    # research ends at the shelf
    Moment.ZMOT: frozenset({Moment.FMOT}),
    # buy, walk away, or (a B2B buying centre that disagrees) loop back to research
    Moment.FMOT: frozenset({Moment.SMOT, Moment.PRE_ZMOT, Moment.ZMOT}),
    Moment.SMOT: frozenset({Moment.UMOT}),
    # keep the product, or (after a return) look for another one
    Moment.UMOT: frozenset({Moment.LOYALTY, Moment.ZMOT}),
    # the need recurs: rebuy without research, research again, or leave the category
    Moment.LOYALTY: frozenset({Moment.FMOT, Moment.ZMOT, Moment.PRE_ZMOT}),
}
"""Moves between moments; staying put is always allowed."""


def is_allowed(before: Moment, after: Moment) -> bool:
    """True when a unit may go from `before` to `after` in one rule application."""
    return before == after or after in ALLOWED[before]
