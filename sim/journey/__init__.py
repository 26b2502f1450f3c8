"""The journey: one module per moment's rule, run in the order `sim.journey.day.RULES` lists.

<ZMOT triggers, ZMOT research, FMOT shelf, SMOT experience, UMOT feedback and word of mouth,
and the loyalty loop. Each rule is a plain function of the market and the day's keyed draws.
"""
