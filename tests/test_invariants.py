"""Property-based invariants: whatever the market, people are conserved and moves are allowed."""

from __future__ import annotations

import numpy as np
from helpers import small_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import JourneyModel, Moment

probability = st.floats(0.0, 1.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 300),
    market=st.sampled_from(["b2c", "b2b"]),
    kind=st.sampled_from(["small_world", "scale_free", "cliques", "mixed"]),
    p_problem=probability,
    p_need=st.floats(0.0, 0.2),
    research_days=st.floats(0.0, 10.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_market_conserves_people_and_keeps_states_valid(
    n, market, kind, p_problem, p_need, research_days, seed
):
    scenario = small_scenario(
        days=40,
        population={"n_consumers": n, "market": market, "p_need_daily": p_need},
        network={"kind": kind},
        brands={"focal": {"p_problem": p_problem}},
        research={"mean_days": research_days},
    )
    model = JourneyModel(scenario, seed=seed, with_agents=False)
    for _ in range(scenario.days):
        model.step()
        units = model.market.units
        assert sum(model.people_per_moment().values()) == n
        assert np.isin(units.moment, [int(m) for m in Moment]).all()
        assert ((units.brand >= -1) & (units.brand < 2)).all()
        in_purchase = np.isin(units.moment, [Moment.SMOT, Moment.UMOT])
        assert (units.chosen[in_purchase] >= 0).all()
