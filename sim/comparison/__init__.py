"""Comparing scenarios on common random numbers: paired runs, paired differences with CIs,
profitability verdicts and their charts."""
