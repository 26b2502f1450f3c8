"""Experiment files and designs: sizes, bounds, seeding, run keys, errors, sensitivity maths."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.config import ScenarioError
from sim.sweep.design import build_design, design_size
from sim.sweep.experiment import load_experiment
from sim.sweep.parts import plan_runs, run_key
from sim.sweep.sensitivity import sensitivity_table
from sim.sweep.sweep_charts import save_charts

P = "brands.focal.p_problem"
LATE = "brands.focal.p_late_delivery"
DAMAGED = "brands.focal.p_damaged"
DELAY = "brands.focal.strategies.follow_up_email.delay_days"


def write(tmp_path: Path, body: str, name: str = "x.toml") -> Path:
    """An experiment file in `tmp_path` (defaults scenario, tiny market)."""
    text = textwrap.dedent(body)
    if "outputs" not in text:
        text = 'outputs = ["new_customers"]\n' + text
    path = tmp_path / name
    path.write_text(text)
    return path


def ranges(design: str, samples: int = 8, extra: str = "") -> str:
    return f"""
        design = "{design}"
        samples = {samples}
        {extra}
        [parameters."{P}"]
        low = 0.0
        high = 0.5
        [parameters."{LATE}"]
        low = 0.01
        high = 0.3
        log = true
        [parameters."{DELAY}"]
        low = 0
        high = 14
        integer = true
    """


def test_grid_is_every_combination(tmp_path):
    path = write(
        tmp_path,
        f"""
        [parameters."{P}"]
        values = [0.0, 0.1, 0.2]
        [parameters."{DELAY}"]
        low = 1
        high = 5
        levels = 3
        integer = true
        """,
    )
    experiment = load_experiment(path).experiment
    design = build_design(experiment)
    assert len(design) == design_size(experiment) == 9
    assert list(design["point"]) == list(range(9))
    pairs = set(zip(design[P], design[DELAY], strict=True))
    assert pairs == {(p, d) for p in (0.0, 0.1, 0.2) for d in (1, 3, 5)}


def test_grid_log_levels_are_geometric(tmp_path):
    path = write(
        tmp_path,
        '[parameters."feedback.negativity_ratio"]\nlow = 1\nhigh = 1000\nlevels = 4\nlog = true\n',
    )
    design = build_design(load_experiment(path).experiment)
    assert np.allclose(design["feedback.negativity_ratio"], [1, 10, 100, 1000])


def test_lhs_has_one_point_per_stratum(tmp_path):
    experiment = load_experiment(write(tmp_path, ranges("lhs", samples=20))).experiment
    design = build_design(experiment)
    assert len(design) == design_size(experiment) == 20
    # Latin hypercube property (McKay et al. 1979): each of the n equal strata of a
    # continuous parameter's range holds exactly one point.
    strata = np.floor((design[P] - 0.0) / 0.5 * 20).astype(int)
    assert sorted(strata) == list(range(20))
    log_strata = np.floor((np.log10(design[LATE]) - np.log10(0.01)) / np.log10(30) * 20)
    assert sorted(log_strata.astype(int)) == list(range(20))
    assert design[DELAY].between(0, 14).all()
    assert design[DELAY].dtype == np.int64


@pytest.mark.parametrize(("kind", "samples", "points"), [("sobol", 8, 8 * 5), ("morris", 6, 6 * 4)])
def test_sobol_and_morris_sizes_and_bounds(tmp_path, kind, samples, points):
    experiment = load_experiment(write(tmp_path, ranges(kind, samples))).experiment
    design = build_design(experiment)
    assert len(design) == design_size(experiment) == points
    assert design[P].between(0.0, 0.5).all()
    assert design[LATE].between(0.01, 0.3).all()
    assert design[DELAY].between(0, 14).all()
    assert design[P].nunique() > 1


def test_designs_are_seeded(tmp_path):
    first = build_design(load_experiment(write(tmp_path, ranges("lhs", 10, "seed = 1"))).experiment)
    again = build_design(load_experiment(write(tmp_path, ranges("lhs", 10, "seed = 1"))).experiment)
    other = build_design(load_experiment(write(tmp_path, ranges("lhs", 10, "seed = 2"))).experiment)
    assert first.equals(again)
    assert not first.equals(other)


def test_quick_table_replaces_sizes(tmp_path):
    body = (
        ranges("sobol", 64)
        + '[quick]\nsamples = 4\nreplications = 1\n[quick.set]\n"population.n_consumers" = 500\n'
    )
    loaded = load_experiment(write(tmp_path, body), quick=True)
    assert loaded.experiment.samples == 4
    assert loaded.scenario.population.n_consumers == 500
    assert load_experiment(write(tmp_path, body)).experiment.samples == 64


def test_runs_share_seeds_across_points_and_keys_differ(tmp_path):
    loaded = load_experiment(
        write(tmp_path, f'replications = 3\n[parameters."{P}"]\nvalues = [0.1, 0.2]\n')
    )
    design = build_design(loaded.experiment)
    specs = plan_runs(loaded.scenario, design, 3, seed=7)
    assert len(specs) == 6
    seeds = {(s.point, s.replication): s.seed for s in specs}
    assert all(seeds[(0, r)] == seeds[(1, r)] for r in range(3))  # common random numbers
    assert len({s.key for s in specs}) == 6
    assert '"p_problem": 0.2' in specs[3].settings_json


def test_run_key_depends_on_version_settings_and_seed():
    key = run_key('{"a": 1}', 5, version="1")
    assert key == run_key('{"a": 1}', 5, version="1")
    assert key != run_key('{"a": 1}', 6, version="1")
    assert key != run_key('{"a": 2}', 5, version="1")
    assert key != run_key('{"a": 1}', 5, version="2")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[parameters."foo.bar"]\nvalues = [1]\n', "x.toml: parameters.foo.bar: unknown key 'foo'"),
        (f'[parameters."{P}"]\nvalues = [1.5]\n', f"x.toml: parameters.{P}: must be <= 1"),
        (
            f'[parameters."{P}"]\nlow = 0.3\nhigh = 0.1\n',
            f"x.toml: parameters.{P}: low must be < high",
        ),
        (f'[parameters."{P}"]\nlow = 0.3\n', f"x.toml: parameters.{P}: give either values"),
        (f'design = "lhs"\n[parameters."{P}"]\nvalues = [0.1]\n', "needs low and high"),
        (
            f'outputs = ["profit"]\n[parameters."{P}"]\nvalues = [0.1]\n',
            "x.toml: outputs.0: unknown KPI 'profit'",
        ),
        (
            f'design = "cube"\n[parameters."{P}"]\nvalues = [0.1]\n',
            "x.toml: design: must be one of",
        ),
        (
            f'[set]\n"brands.focal.quality" = 9\n[parameters."{P}"]\nvalues = [0.1]\n',
            "x.toml: set.brands.focal.quality: must be <= 5",
        ),
        (
            f'[derived]\nx = "nope * 2"\n[parameters."{P}"]\nvalues = [0.1]\n',
            "x.toml: derived.x: unknown KPI 'nope'",
        ),
        (
            f'[parameters."{P}"]\nvalues = [0.1]\n[[charts]]\nkind = "line"\nx = "days"\ny = "new_customers"\n',
            "x.toml: charts.0.x: 'days' is not a parameter",
        ),
        (
            f'[parameters."{P}"]\nvalues = [0.1]\n[[charts]]\nkind = "sobol"\ny = "new_customers"\n',
            "x.toml: charts.0.kind: sobol charts need design = 'sobol'",
        ),
        (
            'scenario = "missing.toml"\n[parameters."a"]\nvalues = [1]\n',
            "x.toml: scenario: no such file",
        ),
    ],
)
def test_errors_name_the_file_and_key(tmp_path, body, message):
    with pytest.raises(ScenarioError) as error:
        load_experiment(write(tmp_path, body))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def unit_cube_body(design: str, samples: int) -> str:
    """An experiment varying three parameters on [0, 1], charting `design`'s indices."""
    ranges = "".join(f'[parameters."{name}"]\nlow = 0\nhigh = 1\n' for name in (P, LATE, DAMAGED))
    return (
        f'design = "{design}"\nsamples = {samples}\n{ranges}'
        f'[[charts]]\nkind = "{design}"\ny = "new_customers"\n'
    )


def test_sobol_indices_match_an_additive_function(tmp_path):
    # Y = 4a + 2b + 0c with a, b, c uniform on [0, 1]: Var = (16 + 4) / 12, so S1 = ST = 0.8,
    # 0.2 and 0 (Saltelli et al. 2010). Each estimate must lie within its own 95% bootstrap CI
    # half-width of the truth; N = 512 keeps the half-widths below ~0.1.
    loaded = load_experiment(write(tmp_path, unit_cube_body("sobol", 512)))
    design = build_design(loaded.experiment)
    wide = design.assign(replication=0, new_customers=4 * design[P] + 2 * design[LATE])
    table = sensitivity_table(loaded, design, wide).set_index("parameter")
    for name, truth in ((P, 0.8), (LATE, 0.2), (DAMAGED, 0.0)):
        row = table.loc[name]
        assert abs(row["S1"] - truth) <= max(row["S1_conf"], 1e-9)
        assert abs(row["ST"] - truth) <= max(row["ST_conf"], 1e-9)
        assert row["S1_conf"] < 0.1
    charts = save_charts(loaded, wide, table.reset_index(), tmp_path, ["synthetic: Y = 4a + 2b"])
    assert [p.name for p in charts] == ["sobol-new_customers.png", "summary.png"]


def test_morris_effects_of_a_linear_function_are_its_slopes(tmp_path):
    # For Y = 4a + 2b on unit ranges every elementary effect equals the slope exactly:
    # mu* = (4, 2, 0) and sigma = 0 (Morris 1991), up to floating-point rounding.
    loaded = load_experiment(write(tmp_path, unit_cube_body("morris", 10)))
    design = build_design(loaded.experiment)
    wide = design.assign(replication=0, new_customers=4 * design[P] + 2 * design[LATE])
    table = sensitivity_table(loaded, design, wide)
    assert np.allclose(table.set_index("parameter")["mu_star"], [4.0, 2.0, 0.0])
    assert np.allclose(table.set_index("parameter")["sigma"], 0.0, atol=1e-9)
    charts = save_charts(loaded, wide, table, tmp_path, ["synthetic: Y = 4a + 2b"])
    assert [p.name for p in charts] == ["morris-new_customers.png", "summary.png"]


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[1] / "experiments").glob("*.toml")), ids=lambda p: p.stem
)
def test_shipped_experiments_load_at_both_sizes(path):
    full, quick = load_experiment(path), load_experiment(path, quick=True)
    assert (
        design_size(quick.experiment) * quick.experiment.replications
        < design_size(full.experiment) * full.experiment.replications
    )
    assert quick.scenario.days == full.scenario.days == 365  # one-year retention needs a year
