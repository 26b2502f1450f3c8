"""`mot calibrate series`: observed series, calibration files, the ABC-SMC fit and its files,
parameter recovery at CI size, and one-line refusals of bad input (exit 2, nothing written)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.scenario.config import load_scenario
from sim.sweep.experiment import Parameter
from sim.validation.abc_fit import Simulator, fit
from sim.validation.calibrate_series import toml_tables
from sim.validation.calibration_file import AbcSettings
from sim.validation.observed import period_series
from sim.validation.retention import retention_scenario

KEYS = ("loyalty.p_leave_category", "loyalty.leave_polarisation")
PRIORS = {KEYS[0]: Parameter(low=0.05, high=0.5), KEYS[1]: Parameter(low=0.0, high=0.6)}
PERIODS, PERIOD_DAYS = 8, 2
"""Eight periods of one renewal cycle each (`loyalty.repurchase_days` 1 + the rebuy's day)."""


def subscription_simulator(n: int = 400) -> Simulator:
    """The subscription market of `mot validate`'s retention check, small and fast (~0.1 s)."""
    scenario = retention_scenario(0.2, 0.2, n, PERIODS, PERIOD_DAYS - 1)
    return Simulator(
        scenario, KEYS, (False, False), ("customers", "churn"), PERIOD_DAYS, PERIODS, 1.0
    )


def write_market(tmp_path: Path) -> Path:
    """The subscription market as a scenario file (every setting written out)."""
    scenario = subscription_simulator().scenario
    path = tmp_path / "subscription.toml"
    path.write_text("\n".join(toml_tables(scenario.model_dump(mode="json"))) + "\n")
    return path


def write_calibration(tmp_path: Path, body: str | None = None) -> Path:
    """A calibration file fitting the two churn settings of the subscription market."""
    write_market(tmp_path)
    path = tmp_path / "calibration.toml"
    path.write_text(
        body
        if body is not None
        else 'scenario = "subscription.toml"\n'
        '[parameters."loyalty.p_leave_category"]\nlow = 0.05\nhigh = 0.5\n'
        '[parameters."loyalty.leave_polarisation"]\nlow = 0.0\nhigh = 0.6\n'
        "[abc]\npopulation_size = 10\ngenerations = 2\npredictive_draws = 5\n"
    )
    return path


def write_data(tmp_path: Path, text: str | None = None) -> Path:
    """Observed customers and churn: the model's own, or `text`."""
    path = tmp_path / "data.csv"
    if text is None:
        series = subscription_simulator().run([0.2, 0.3], seed=5)
        rows = [
            f"{t + 1},{series['customers'][t]:g},{series['churn'][t]:g}" for t in range(PERIODS)
        ]
        text = "period,customers,churn\n" + "\n".join(rows) + "\n"
    path.write_text(text)
    return path


def calibrate(tmp_path: Path, data: Path, calibration: Path, *more: str) -> int:
    """Run `mot calibrate series` into tmp_path/out."""
    args = ["calibrate", "series", "--data", str(data), "--calibration", str(calibration)]
    return main([*args, "--period-days", str(PERIOD_DAYS), "--out", str(tmp_path / "out"), *more])


def test_period_series_sums_counts_and_reads_levels_at_the_period_end():
    days = 6
    daily = pd.DataFrame(
        dict(
            new_customers=[1, 2, 0, 4, 0, 1],
            reviews=[1, 0, 1, 0, 0, 0],
            review_stars=[5, 0, 3, 0, 0, 0],
            churned=[0, 1, 1, 0, 2, 0],
            customers=[10, 11, 10, 14, 12, 13],
            mean_rating=[4.0, 4.0, 3.9, 3.9, 3.9, 3.9],
        )
    )
    names = ("new_customers", "customers", "reviews", "mean_rating", "churn", "retention")
    out = period_series(daily, 3, days // 3, names, scale=2.0)
    assert out["new_customers"].tolist() == [6, 10]  # sums, times the scale
    assert out["customers"].tolist() == [20, 26]  # at the period's end, times the scale
    assert out["reviews"].tolist() == [4, 0]
    assert out["mean_rating"].tolist() == [4.0, 3.9]  # posted stars; none: the running mean
    assert out["churn"].tolist() == [4, 4]
    # at risk: 9 at the start (10 - 1 new + 0 lost on day 1) + 3 new; then 10 + 5 new
    assert out["retention"] == pytest.approx([1 - 2 / 12, 1 - 2 / 15])


def test_calibrated_toml_round_trips_dotted_keys_lists_and_odd_names():
    values = {"population.n_consumers": 500, "a.b-c.d": [1, 2], "x.y z": "t", "flag": True}
    parsed = tomllib.loads("\n".join(toml_tables(values)))
    assert parsed == {
        "population": {"n_consumers": 500},
        "a": {"b-c": {"d": [1, 2]}},
        "x": {"y z": "t"},
        "flag": True,
    }


def test_command_writes_posterior_predictive_projection_and_calibrated_scenario(tmp_path, capsys):
    data, calibration = write_data(tmp_path), write_calibration(tmp_path)
    assert calibrate(tmp_path, data, calibration, "--project-to", "10", "--seed", "3") == 0
    out = tmp_path / "out"
    expected = {
        "abc.db",
        "calibrated.toml",
        "calibration.toml",
        "data.csv",
        "fit.json",
        "generations.csv",
        "manifest.json",
        "pairs.png",
        "posterior.csv",
        "posterior.parquet",
        "posterior_predictive.png",
        "posterior_summary.csv",
        "predictive.csv",
        "projection.csv",
        "scenario.toml",
    }
    assert expected <= {p.name for p in out.iterdir()}
    posterior = pd.read_csv(out / "posterior.csv")
    assert list(posterior.columns) == [*KEYS, "weight"] and len(posterior) == 10
    assert posterior["weight"].sum() == pytest.approx(1.0)
    projection = pd.read_csv(out / "projection.csv")
    assert sorted(set(projection["period"])) == [9, 10]
    assert set(projection["series"]) == {"customers", "churn"}
    assert (projection["low_90"] <= projection["projected"]).all()
    assert (projection["projected"] <= projection["high_90"]).all()
    summary = pd.read_csv(out / "posterior_summary.csv").set_index("parameter")
    calibrated = load_scenario(out / "calibrated.toml")
    assert calibrated.loyalty.p_leave_category == pytest.approx(summary.loc[KEYS[0], "median"])
    assert calibrated.population.n_consumers == 400  # the rest is the base scenario
    assert "posterior median" in capsys.readouterr().out


def test_parameter_recovery_at_ci_size(tmp_path):
    """Simulation-based calibration in small (Talts et al. 2018): true values drawn from the
    priors, data made by the model with them, ABC-SMC fits (20 particles, 2 generations).

    Six 90% intervals (3 datasets x 2 parameters): if each holds the truth with chance 0.9, at
    most 3 of 6 do with P = 0.016 (binomial), so the test asks for 4. ABC's tolerance makes
    intervals wider rather than narrower, so the mean's interval must also be informative: on
    average under half the prior's width. The full study (20 datasets) is in docs/calibration.md.
    """
    rng = np.random.default_rng(14)
    settings = AbcSettings(population_size=20, generations=2)
    covered, widths = [], []
    for index in range(3):
        truth = [rng.uniform(p.low, p.high) for p in PRIORS.values()]
        model = subscription_simulator()
        data = model.run(truth, int(rng.integers(2**31)))
        database = tmp_path / f"abc{index}.db"
        summary = fit(model, PRIORS, data, settings, database, seed=100 + index).summary()
        covered += list((summary["low_90"] <= truth) & (truth <= summary["high_90"]))
        widths.append((summary["high_90"][0] - summary["low_90"][0]) / (0.5 - 0.05))
    assert sum(covered) >= 4, covered
    assert np.mean(widths) < 0.5, widths


BAD_DATA = {
    "first column": ("month,customers\n1,10\n2,11\n", "the first column must be 'period'"),
    "unknown series": ("period,sales\n1,10\n2,11\n", "column 'sales': unknown series"),
    "no series": ("period\n1\n2\n", "no series after 'period'"),
    "repeated series": ("period,churn,churn\n1,1,1\n2,1,1\n", "column 'churn': given twice"),
    "nan": ("period,customers\n1,10\n2,nan\n", "row 3: customers: must be a finite number"),
    "inf": ("period,customers\n1,inf\n2,11\n", "row 2: customers: must be a finite number"),
    "text": ("period,customers\n1,ten\n2,11\n", "row 2: customers: must be a finite number"),
    "short row": ("period,customers,churn\n1,10\n2,11,1\n", "row 2: expected 3 cells, got 2"),
    "periods out of order": ("period,customers\n1,10\n3,11\n", "period: must be 1, 2, 3"),
    "one period": ("period,customers\n1,10\n", "need at least 2 periods"),
    "rating out of range": ("period,mean_rating\n1,4.2\n2,6\n", "mean_rating: period 2"),
    "negative count": ("period,churn\n1,-1\n2,3\n", "churn: period 1: must be between 0"),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_bad_data_is_one_line_exit_2_and_nothing_written(case, tmp_path, capsys):
    text, message = BAD_DATA[case]
    data = write_data(tmp_path, text)
    assert calibrate(tmp_path, data, write_calibration(tmp_path)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mot calibrate: error: ") and "\n" not in err, err
    assert f"{data}: " in err and message in err, err
    assert not (tmp_path / "out").exists()


GOOD_PARAMETERS = '[parameters."loyalty.p_leave_category"]\nlow = 0.05\nhigh = 0.5\n'
BAD_CALIBRATIONS = {
    "malformed TOML": ("[parameters\n", "malformed TOML"),
    "unknown parameter": (
        '[parameters."loyalty.no_such_thing"]\nlow = 0\nhigh = 1\n',
        "parameters.loyalty.no_such_thing",
    ),
    "value out of the setting's range": (
        '[parameters."loyalty.p_leave_category"]\nlow = 0.1\nhigh = 2\n',
        "parameters.loyalty.p_leave_category",
    ),
    "values instead of a range": (
        '[parameters."loyalty.p_leave_category"]\nvalues = [0.1, 0.2]\n',
        "needs a prior range",
    ),
    "low above high": (
        '[parameters."loyalty.p_leave_category"]\nlow = 0.5\nhigh = 0.1\n',
        "low must be < high",
    ),
    "infinite bound": (
        '[parameters."loyalty.p_leave_category"]\nlow = 0.1\nhigh = inf\n',
        "parameters.loyalty.p_leave_category",
    ),
    "no parameters": ("[parameters]\n", "parameters"),
    "unknown key": (GOOD_PARAMETERS + "[abc]\nparticles = 5\n", "abc.particles: unknown key"),
    "too few particles": (GOOD_PARAMETERS + "[abc]\npopulation_size = 1\n", "population_size"),
    "missing scenario": ('scenario = "nope.toml"\n' + GOOD_PARAMETERS, "scenario: no such file"),
    "bad fixed override": (GOOD_PARAMETERS + '[set]\n"population.n_consumers" = -5\n', "set."),
}


@pytest.mark.parametrize("case", sorted(BAD_CALIBRATIONS))
def test_bad_calibration_file_is_one_line_exit_2_and_nothing_written(case, tmp_path, capsys):
    body, message = BAD_CALIBRATIONS[case]
    calibration = write_calibration(tmp_path, body)
    assert calibrate(tmp_path, write_data(tmp_path), calibration) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mot calibrate: error: ") and "\n" not in err, err
    assert f"{calibration}: " in err and message in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "more, message",
    [
        (["--project-to", "4"], "--project-to: must be at least the data's last period (8)"),
        (["--project-to", "2000"], "exceed the longest simulation"),
        (["--workers", "0"], "--workers: must be between 1"),
        (["--dask", "nowhere"], "--dask: expected 'local' or an address"),
    ],
)
def test_bad_options_are_one_line_exit_2(tmp_path, capsys, more, message):
    data, calibration = write_data(tmp_path), write_calibration(tmp_path)
    assert calibrate(tmp_path, data, calibration, *more) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err, err
    assert not (tmp_path / "out").exists()


def test_period_days_is_required(tmp_path, capsys):
    data, calibration = write_data(tmp_path), write_calibration(tmp_path)
    args = ["calibrate", "series", "--data", str(data), "--calibration", str(calibration)]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert "--period-days: required" in capsys.readouterr().err


def test_an_interrupted_fit_leaves_no_folder(tmp_path, monkeypatch):
    """Ctrl-C during the fit (pyabc's database already begun inside the folder): exit 130 and
    no output folder, hidden or not."""
    import sim.validation.calibrate_series as series

    def interrupted(*args, **kwargs):
        Path(args[4]).write_bytes(b"SQLite format 3\0")  # the database pyabc had started
        raise KeyboardInterrupt

    monkeypatch.setattr(series, "fit", interrupted)
    data, calibration = write_data(tmp_path), write_calibration(tmp_path)
    assert calibrate(tmp_path, data, calibration) == 130
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_quick_sizes_replace_the_full_ones(tmp_path):
    from sim.validation.calibration_file import load_calibration

    body = (
        'scenario = "subscription.toml"\n' + GOOD_PARAMETERS + "[abc]\npopulation_size = 100\n"
        '[quick]\npopulation_size = 8\ngenerations = 1\n[quick.set]\n"population.n_consumers" = 50\n'
    )
    full = load_calibration(write_calibration(tmp_path, body))
    quick = load_calibration(tmp_path / "calibration.toml", quick=True)
    assert (full.calibration.abc.population_size, quick.calibration.abc.population_size) == (100, 8)
    assert quick.calibration.abc.generations == 1 and quick.scenario.population.n_consumers == 50
    assert full.scenario.population.n_consumers == 400


def test_the_shipped_calibration_example_loads_at_both_sizes():
    """experiments/calibration/ holds calibration files (not sweeps: `mot sweep` globs only
    experiments/*.toml)."""
    from sim.validation.calibration_file import load_calibration

    path = Path(__file__).parents[1] / "experiments" / "calibration" / "calibration_example.toml"
    assert load_calibration(path).calibration.abc.population_size == 40
    assert load_calibration(path, quick=True).calibration.abc.population_size == 10
