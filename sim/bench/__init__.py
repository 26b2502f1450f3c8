"""`mot bench`: where time and memory go, measured on this machine against the targets.

Modules: `workload` (what runs), `child` (measurements in a fresh process), `probes` (the
parent side: sizes, start-up, sweep throughput), `costs` (time per rule of a day), `targets`
(figures against targets), `chart` (scaling chart and slope), `report` (printing and JSON).
Kept free of heavy imports so `python -m sim.bench.child` starts lean.
"""
