"""`mot compare --posterior`: one parameter set per replication, the same for every scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.comparison.posterior import draw_posterior, simulate_with_posterior
from sim.scenario.config import load_scenario

KEY = "brands.focal.price"


def write_scenario(folder: Path, name: str, n: int = 300, days: int = 30) -> Path:
    """A small default market, named `name`."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\ndays = {days}\n[population]\nn_consumers = {n}\n')
    return path


def write_posterior(folder: Path, text: str | None = None) -> Path:
    """Two equally weighted atoms: the focal brand's price is $20 or $200."""
    path = folder / "posterior.csv"
    path.write_text(text if text is not None else f"{KEY},weight\n20,0.5\n200,0.5\n")
    return path


def test_draws_follow_the_weights_and_are_reproducible(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path, "a"))
    posterior = write_posterior(tmp_path, f"{KEY},weight\n40,0.75\n60,0.25\n")
    draws = draw_posterior(posterior, [scenario], 400, seed=5)
    share = np.mean(draws.values[:, 0] == 40)
    # binomial(400, 0.75): sd 0.022; 4.5 sd either side is a one-in-150,000 miss
    assert abs(share - 0.75) < 4.5 * np.sqrt(0.75 * 0.25 / 400)
    again = draw_posterior(posterior, [scenario], 400, seed=5)
    assert np.array_equal(draws.values, again.values)


def test_both_arms_run_each_replication_on_the_same_draw(tmp_path):
    """Two identical scenarios: with the same draw and seed per replication the runs are
    identical (every difference exactly 0), while replications differ with their draw."""
    a, b = write_scenario(tmp_path, "one"), write_scenario(tmp_path, "two")
    out = tmp_path / "out"
    argv = ["compare", str(a), str(b), "--replications", "6", "--workers", "1", "--quiet"]
    assert main([*argv, "--posterior", str(write_posterior(tmp_path)), "--out", str(out)]) == 0
    (folder,) = (out / "compare-one-vs-two").iterdir()
    comparison = pd.read_csv(folder / "comparison.csv")
    finite = comparison["difference"].dropna()
    assert len(finite) > 10 and (finite == 0).all()


def test_replication_i_of_every_scenario_gets_draw_i_and_seed_i(tmp_path, monkeypatch):
    """The jobs themselves: scenario settings, replication and seed, recorded in-process."""
    import sim.comparison.runs as runs

    seen = []
    monkeypatch.setattr(
        runs,
        "run_chunk",
        lambda jobs: [
            seen.append((s.name, i, seed, s.brands["focal"].price)) or {} for s, i, seed in jobs
        ],
    )
    scenarios = [load_scenario(write_scenario(tmp_path, name)) for name in ("one", "two")]
    draws = draw_posterior(write_posterior(tmp_path), scenarios, 8, seed=3)
    simulate_with_posterior(scenarios, list(range(100, 108)), draws, workers=1, quiet=True)
    assert len(seen) == 16
    for name, replication, seed, price in seen:
        assert seed == 100 + replication and price == draws.values[replication, 0], name
    assert set(draws.values[:, 0]) == {20.0, 200.0}  # both atoms drawn (P(not) = 0.8%)


@pytest.mark.parametrize(
    "text, message",
    [
        (f"{KEY}\n40\n", "expected columns <scenario key>..., weight"),
        ("loyalty.no_such_key,weight\n0.1,1\n", "loyalty.no_such_key"),
        (f"{KEY},weight\n-5,1\n", KEY),
        (f"{KEY},weight\nnan,1\n", f"{KEY}: row 2 must be a finite number"),
        (f"{KEY},weight\n40,inf\n", "weight: row 2 must be a finite number"),
        (f"{KEY},weight\n40,-1\n50,0.5\n", "weight: must be >= 0"),
        (f"{KEY},weight\n", "one row or more"),
    ],
)
def test_bad_posterior_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, text, message):
    a, b = write_scenario(tmp_path, "one"), write_scenario(tmp_path, "two")
    out = tmp_path / "out"
    posterior = write_posterior(tmp_path, text)
    argv = ["compare", str(a), str(b), "--replications", "2", "--posterior", str(posterior)]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mot compare: error: ") and "\n" not in err, err
    assert message in err and str(posterior) in err, err
    assert not out.exists()


def test_missing_posterior_file_is_refused(tmp_path, capsys):
    a, b = write_scenario(tmp_path, "one"), write_scenario(tmp_path, "two")
    argv = ["compare", str(a), str(b), "--replications", "2", "--out", str(tmp_path / "out")]
    assert main([*argv, "--posterior", str(tmp_path / "none.csv")]) == 2
    assert "--posterior: " in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
