"""Attribution you can check: marketers' heuristics next to the simulation's ground truth.

- `touch_log`: a compact log of every journey's touches (stimuli and sources consulted, in
  order, ending in a focal purchase, a rival purchase or none), kept only when asked.
- `switches`: a brand's touches through some sources can be silenced (counterfactual arms).
- `channels`: the channels attributed, and what switching each one off means.
- `heuristics`: first touch, last touch and linear credit.
- `markov`: the first-order Markov removal effect (Anderl, Becker, von Wangenheim & Schumann
  2016).
- `incrementality`: paired runs with one channel off on common random numbers, and the table.

Only `switches` and `touch_log` are imported by the journey rules; they import nothing heavy.
"""
