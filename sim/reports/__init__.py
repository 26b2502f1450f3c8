"""Reports: KPI definitions (once, in `kpis`), the KPI table, survival estimates, statistics,
charts and the results store."""
