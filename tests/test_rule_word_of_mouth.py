"""Word-of-mouth rule (`sim.journey.word_of_mouth.spread_word_of_mouth`) on an 8-person market.

The network is one clique of all 8 people (every tie strong, heard with certainty by default),
so who can hear a talker is known; how many messages a talker sends is a Poisson draw, so the
tests check identities that hold whatever the draws (attitude moved = weight x messages heard)
and use rates high enough (50 a day) that "nobody heard anything" cannot happen in practice.
"""

from __future__ import annotations

import numpy as np
import pytest
from tiny_market import counted, draws, place, snapshot, tiny_market

from sim.journey.word_of_mouth import spread_word_of_mouth
from sim.market.moments import Moment
from sim.market.sources import Source

WEIGHT = 0.125  # exact in float32: sums of attitude changes stay exact
LOUD = {"messages_advocate": 50.0, "feedback_days": 1, "weight_wom": WEIGHT}
ONE_CLIQUE = {"kind": "cliques", "clique_size": 8, "weak_ties": 0}


def talking_market(talkers, stance: int = 1, fresh: bool = True, network=None, **feedback):
    """An 8-person market where `talkers` hold a stance about the focal brand."""
    market = tiny_market(network=network or ONE_CLIQUE, feedback={**LOUD, **feedback})
    people = market.people
    people.stance[talkers] = stance
    people.stance_brand[talkers] = 0
    people.talk_until[talkers] = market.day if fresh else market.day - 1
    return market


def spread(market):
    """Run the rule once; word of mouth never moves a unit. Returns the focal attitude change."""
    before, until = snapshot(market)
    attitude = market.people.attitude.copy()
    spread_word_of_mouth(market, draws("word_of_mouth"))
    assert (market.units.moment == before).all() and (market.units.until == until).all()
    assert (market.people.attitude[:, 1] == attitude[:, 1]).all()  # nobody spoke of the rival
    return market.people.attitude[:, 0] - attitude[:, 0]


def test_nobody_with_a_stance_means_silence():
    market = tiny_market(network=ONE_CLIQUE, feedback=LOUD)
    change = spread(market)
    assert (change == 0).all()
    assert len(market.tomorrow.targeted()[0]) == 0
    assert counted(market, "wom_positive") == counted(market, "wom_negative") == 0


def test_an_advocate_raises_the_attitude_of_others_by_weight_per_message():
    market = talking_market([0])
    change = spread(market)
    heard = counted(market, "wom_positive")
    assert heard > 0
    assert change.sum() == pytest.approx(WEIGHT * heard)
    assert change[0] == 0  # no self-ties in the clique
    assert (change >= 0).all()
    assert market.people.aware[change > 0, 0].all()


def test_each_positive_message_heard_is_a_nudge_for_tomorrow():
    market = talking_market([0])
    spread(market)
    people, brands, sources, chances = market.tomorrow.targeted()
    assert len(people) == counted(market, "wom_positive")
    assert (brands == 0).all() and (sources == Source.WORD_OF_MOUTH).all()
    assert (chances == market.scenario.triggers.p_trigger_wom).all()
    assert len(market.today.targeted()[0]) == 0  # today's stimuli are not touched


def test_a_critic_lowers_attitudes_and_starts_no_journeys():
    market = talking_market([0], stance=-1)
    change = spread(market)
    heard = counted(market, "wom_negative")
    assert heard > 0 and counted(market, "wom_positive") == 0
    assert change.sum() == pytest.approx(-WEIGHT * heard)
    assert (change <= 0).all()
    assert len(market.tomorrow.targeted()[0]) == 0


def test_messages_nobody_hears_change_nothing():
    market = talking_market([0, 1], network={**ONE_CLIQUE, "p_message_strong": 0.0})
    change = spread(market)
    assert (change == 0).all()
    assert counted(market, "wom_positive") == 0


def test_an_advocate_with_nothing_to_say_is_silent():
    market = talking_market([0, 1], messages_advocate=0.0)
    assert (spread(market) == 0).all()


def test_after_the_window_only_owners_keep_talking():
    market = talking_market([0, 1], fresh=False, loyal_messages_per_day=50.0)
    place(market, [1], Moment.LOYALTY, days=30, brand=0)  # person 1 owns the brand
    spread(market)
    assert counted(market, "wom_positive") > 0
    silent = tiny_market(network=ONE_CLIQUE)  # the same without the owner
    silent.people.stance[0], silent.people.stance_brand[0] = 1, 0
    silent.people.talk_until[0] = silent.day - 1
    assert (spread(silent) == 0).all()


def test_owners_are_quiet_when_the_loyal_rate_is_zero():
    market = talking_market([0], fresh=False, loyal_messages_per_day=0.0)
    place(market, [0], Moment.LOYALTY, days=30, brand=0)
    assert (spread(market) == 0).all()


def test_a_brand_silenced_on_word_of_mouth_is_not_talked_about():
    market = tiny_market(
        network=ONE_CLIQUE,
        feedback=LOUD,
        brands={"focal": {"silenced_sources": ["word_of_mouth"]}},
    )
    market.people.stance[0], market.people.stance_brand[0] = 1, 0
    market.people.talk_until[0] = market.day
    assert (spread(market) == 0).all()


def test_a_brand_silencing_its_critics_keeps_its_advocates_talking():
    """`negative_word_of_mouth`: the brand's critics are unheard, its advocates are not."""
    market = tiny_market(
        network=ONE_CLIQUE,
        feedback=LOUD,
        brands={"focal": {"silenced_sources": ["negative_word_of_mouth"]}},
    )
    people = market.people
    people.stance[:2], people.stance_brand[:2] = [1, -1], 0  # person 0 advocate, 1 critic
    people.talk_until[:2] = market.day
    change = spread(market)
    assert counted(market, "wom_negative") == 0
    assert counted(market, "wom_positive") > 0
    assert (change >= 0).all() and change.sum() > 0


def test_certain_rejection_rules_the_brand_out_for_hearers_who_do_not_own_it():
    market = talking_market([0], stance=-1, p_reject_on_negative=1.0)
    place(market, [5], Moment.LOYALTY, days=30, brand=0)  # person 5 owns the brand
    change = spread(market)
    heard = change < 0
    owner = np.arange(8) == 5
    assert (market.people.rejected[:, 0] == (heard & ~owner)).all()
    assert not market.people.rejected[:, 1].any()


def test_no_rejection_when_its_chance_is_zero():
    market = talking_market([0], stance=-1, p_reject_on_negative=0.0)
    spread(market)
    assert not market.people.rejected.any()


def test_mixed_market_adds_the_bass_imitation_pressure_for_tomorrow():
    # one fresh advocate sending 50 a day among 8 people: 0.1 x 50 / 8
    market = talking_market([0], network={"kind": "mixed"})
    spread(market)
    assert market.tomorrow.broad[Source.WORD_OF_MOUTH, 0] == pytest.approx(0.1 * 50 / 8)
    assert market.tomorrow.broad[Source.WORD_OF_MOUTH, 1] == 0
    assert len(market.tomorrow.targeted()[0]) == 0  # no targeted nudges in a mixed market


def test_mixed_market_critics_add_no_pressure():
    market = talking_market([0], stance=-1, network={"kind": "mixed"})
    spread(market)
    assert (market.tomorrow.broad == 0).all()


def test_mixed_market_talker_does_not_hear_their_own_messages():
    market = talking_market([0], network={"kind": "mixed"})
    change = spread(market)
    assert change[0] == 0
