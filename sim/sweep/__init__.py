"""Parameter sweeps and sensitivity analysis (`mot sweep`), from a laptop to a Dask cluster.

Modules: `experiment` (experiment files), `design` (grid, LHS, Sobol, Morris), `parts` (run
keys, Parquet parts, resume), `executors` (local processes, Dask), `driver` (the chunked loop),
`results` (tables), `sensitivity` (SALib indices), `sweep_charts`, `orchestrate` (all of it).
"""
