"""The scenario: its schema (`settings`), loading and validating a TOML file (`config`), the
memory a market will need (`memory_budget`, refused before building) and the generated reference
of every setting (`scenario_doc`)."""
