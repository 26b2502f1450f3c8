"""`mot calibrate retention`: the sBG fit, the calibrated scenario, and one-line input errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import UsageError, main
from sim.scenario.config import load_scenario
from sim.validation.calibrate import read_survival_csv
from sim.validation.retention import REGULAR, REGULAR_FIT, fit_sbg, survival

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "fader_hardie_regular.csv"
BASELINE = ROOT / "scenarios" / "baseline.toml"


def test_fit_reproduces_fader_hardie_published_estimates():
    # Their Table/appendix reports a = 0.704, b = 1.182 for years 1-7 (rounded to 3 decimals).
    a, b = fit_sbg(np.array(REGULAR), 7)
    assert a == pytest.approx(REGULAR_FIT[0], abs=5e-4)
    assert b == pytest.approx(REGULAR_FIT[1], abs=5e-4)


def test_fit_recovers_parameters_from_an_exact_curve():
    alive = 100_000 * survival(1.5, 4.0, 10)
    a, b = fit_sbg(alive, 10)
    assert (a, b) == pytest.approx((1.5, 4.0), rel=1e-3)


def test_shipped_data_file_is_the_published_curve():
    assert read_survival_csv(DATA).alive.tolist() == list(REGULAR)


@pytest.mark.parametrize(
    "text, message",
    [
        ("period,alive\n0,1000\n2,500\n3,400\n", "periods must be 0, 1, 2"),
        ("period,alive\n0,1000\n1,1200\n2,400\n", "never rise"),
        ("period,alive\n0,1000\n1,x\n2,400\n", "row 2"),
        ("period,alive\n0,1000\n", "at least periods"),
    ],
)
def test_bad_csv_is_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "curve.csv"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as info:
        read_survival_csv(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_command_writes_a_loadable_calibrated_scenario_and_chart(tmp_path, capsys):
    out = tmp_path / "cal"
    args = ["calibrate", "retention", "--data", str(DATA), "--scenario", str(BASELINE)]
    code = main([*args, "--fit-periods", "7", "--customers", "5000", "--out", str(out)])
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["calibrated.toml", "fit.csv", "fit.json", "retention_fit.png"]
    calibrated = load_scenario(out / "calibrated.toml")
    a, b = REGULAR_FIT
    assert calibrated.loyalty.p_leave_category == pytest.approx(a / (a + b), abs=1e-3)
    assert calibrated.loyalty.leave_polarisation == pytest.approx(1 / (a + b + 1), abs=1e-3)
    assert calibrated.loyalty.fixed_cycle
    assert calibrated.population == load_scenario(BASELINE).population  # the rest is the base
    assert "(projected)" in capsys.readouterr().out


def test_command_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "cal"
    args = ["calibrate", "retention", "--data", str(tmp_path / "missing.csv")]
    assert main([*args, "--scenario", str(BASELINE), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "missing.csv: no such file" in err and "\n" not in err
    assert not out.exists()
    args = ["calibrate", "retention", "--data", str(DATA), "--scenario", str(BASELINE)]
    assert main([*args, "--fit-periods", "1", "--out", str(out)]) == 2
    assert not out.exists()
