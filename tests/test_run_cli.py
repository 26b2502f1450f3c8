"""`mot run`: the results folder, its tables, KPIs, manifest and charts; help; atomicity."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pandas as pd
import pytest

from sim.cli import main
from sim.reports import charts
from sim.reports.kpi_table import format_ci, format_value
from sim.reports.kpis import KPI_NAMES
from sim.reports.stats import mean_ci
from sim.runner import replication_seeds

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"

CHARTS = (
    "people_per_moment",
    "new_customers_by_source",
    "cohort_retention",
    "reviews_and_rating",
    "rating_distribution",
    "word_of_mouth",
)
SMALL = (
    f'extends = "{BASELINE}"\nname = "small"\ndays = 60\nwarmup_days = 10\nseed = 11\n'
    "[population]\nn_consumers = 2000\n"
)


def run_quietly(*argv: str) -> tuple[int, str]:
    """Run `mot` in-process, capturing stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(argv))
    return status, out.getvalue()


@pytest.fixture(scope="module")
def run_two(tmp_path_factory) -> tuple[Path, Path, str]:
    """One 2-replication run of a small scenario: (scenario file, results folder, stdout)."""
    base = tmp_path_factory.mktemp("run")
    scenario = base / "small.toml"
    scenario.write_text(SMALL)
    status, out = run_quietly("run", str(scenario), "--replications", "2", "--out", str(base / "r"))
    assert status == 0
    (folder,) = (base / "r" / "small").iterdir()
    return scenario, folder, out


def test_folder_layout(run_two):
    _, folder, out = run_two
    expected = {
        "daily.parquet",
        "daily.csv",
        "cohorts.csv",
        "kpis.json",
        "manifest.json",
        "scenario.toml",
        "settings.json",
        *(f"{c}.png" for c in CHARTS),
    }
    assert expected <= {p.name for p in folder.iterdir()}
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temp left
    assert out.strip().endswith(str(folder))


def test_daily_table_is_tidy_and_csv_matches_parquet(run_two):
    _, folder, _ = run_two
    daily = pd.read_parquet(folder / "daily.parquet")
    assert list(daily.columns[:2]) == ["replication", "day"]
    assert len(daily) == 2 * 60
    assert daily.groupby("replication")["day"].apply(list).tolist() == [list(range(1, 61))] * 2
    csv = pd.read_csv(folder / "daily.csv")
    pd.testing.assert_frame_equal(csv, daily, check_dtype=False)
    cohorts = pd.read_csv(folder / "cohorts.csv")
    assert cohorts.columns[0] == "replication" and set(cohorts["replication"]) == {0, 1}


def test_kpis_json_summary_is_the_t_interval_of_the_replications(run_two):
    _, folder, _ = run_two
    kpis = json.loads((folder / "kpis.json").read_text())
    assert [r["replication"] for r in kpis["replications"]] == [0, 1]
    assert set(kpis["summary"]) == set(KPI_NAMES)
    values = [r["new_customers"] for r in kpis["replications"]]
    mean, low, high = mean_ci(values)
    summary = kpis["summary"]["new_customers"]
    assert summary["mean"] == pytest.approx(mean)
    assert summary["ci_low"] == pytest.approx(low) and summary["ci_high"] == pytest.approx(high)
    daily = pd.read_parquet(folder / "daily.parquet")
    per_rep = daily.groupby("replication")["new_customers"].sum().tolist()
    assert per_rep == values  # KPIs agree with the stored daily table


def test_manifest_records_seeds_hash_and_versions(run_two):
    scenario, folder, _ = run_two
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seeds"] == replication_seeds(11, 2)
    first = manifest["scenario_files"][0]
    assert first["sha256"] == hashlib.sha256(scenario.read_bytes()).hexdigest()
    assert (folder / "scenario.toml").read_bytes() == scenario.read_bytes()
    assert [f["copy"] for f in manifest["scenario_files"]] == ["scenario.toml", "baseline.toml"]
    assert {"numpy", "mesa", "pandas"} <= set(manifest["packages"])
    assert manifest["started"] <= manifest["finished"]
    assert "--replications" in manifest["command"]


def test_results_copy_can_be_run_again(run_two, tmp_path):
    _, folder, _ = run_two
    status, _ = run_quietly(
        "run", str(folder / "scenario.toml"), "--days", "3", "--quiet", "--out", str(tmp_path)
    )
    assert status == 0


def test_charts_are_pngs_of_readable_size(run_two):
    _, folder, _ = run_two
    for name in CHARTS:
        image = matplotlib.image.imread(folder / f"{name}.png")
        height, width = image.shape[:2]
        assert width >= 900 and height >= 500, name
        assert image.std() > 0.05, f"{name} looks blank"


def test_every_chart_has_title_and_labelled_axes(run_two):
    _, folder, _ = run_two
    daily = pd.read_parquet(folder / "daily.parquet")
    cohorts = pd.read_csv(folder / "cohorts.csv")
    figures = [draw(daily) for draw in charts.DAILY_CHARTS.values()]
    figures.append(charts.cohort_retention(cohorts))
    for fig in figures:
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_charts_save_the_same_bytes_as_matplotlibs_tight_box(run_two, tmp_path):
    """`charts.save` measures the tight box itself (one draw fewer): the PNG must not change."""
    _, folder, _ = run_two
    daily = pd.read_parquet(folder / "daily.parquet")
    cohorts = pd.read_csv(folder / "cohorts.csv")
    retention = pd.read_csv(folder / "retention.csv")
    with charts.style():
        figures = [draw(daily) for draw in charts.DAILY_CHARTS.values()]
        figures += [charts.cohort_retention(cohorts), charts.retention_curve(retention)]
        for i, fig in enumerate(figures):
            charts.footnote(fig, "365 days after a 180-day warm-up")
            assert charts.tight_box(fig) is not None
            ours = charts.save(fig, tmp_path / f"{i}.png").read_bytes()
            theirs = io.BytesIO()
            fig.savefig(theirs, format="png")  # matplotlib's own bbox_inches="tight"
            assert ours == theirs.getvalue(), fig.axes[0].get_title()


def test_stdout_has_grouped_kpi_table_with_ci(run_two):
    _, _, out = run_two
    for heading in ("Acquisition", "Retention", "Advocacy", "Economics", "95% CI", "New customers"):
        assert heading in out


def test_same_seed_same_results_other_seed_differs(small_scenario_file, results_root):
    argv = ("run", str(small_scenario_file), "--days", "20", "--quiet", "--out", str(results_root))
    assert run_quietly(*argv)[0] == 0
    assert run_quietly(*argv)[0] == 0
    assert run_quietly(*argv, "--seed", "12")[0] == 0
    folders = sorted((results_root / "small").iterdir())
    assert len(folders) == 3
    tables = {
        json.loads((f / "manifest.json").read_text())["seeds"][0]: pd.read_parquet(
            f / "daily.parquet"
        )
        for f in folders
    }
    assert len(tables) == 2  # two seeds
    frames = [pd.read_parquet(f / "daily.parquet") for f in folders]
    same = [a.equals(b) for a in frames for b in frames]
    assert sum(same) == 3 + 2  # each with itself, plus the two same-seed runs with each other


def test_quiet_prints_only_the_folder(small_scenario_file, results_root, capsys):
    status = main(
        ["run", str(small_scenario_file), "--days", "5", "--quiet", "--out", str(results_root)]
    )
    captured = capsys.readouterr()
    assert status == 0 and captured.err == ""
    (folder,) = (results_root / "small").iterdir()
    assert captured.out == f"{folder}\n"


def test_no_charts_writes_the_same_tables_without_pngs(small_scenario_file, results_root):
    argv = ["run", str(small_scenario_file), "--days", "5", "--quiet", "--out", str(results_root)]
    assert main(argv) == 0 and main([*argv, "--no-charts"]) == 0
    folders = {
        json.loads((f / "manifest.json").read_text())["command"][-1]: f
        for f in (results_root / "small").iterdir()
    }
    with_charts, without = folders["--quiet"], folders["--no-charts"]
    assert not list(without.glob("*.png")) and list(with_charts.glob("*.png"))
    assert {f.name for f in without.iterdir()} == {
        f.name for f in with_charts.iterdir() if f.suffix != ".png"
    }
    for name in ("daily.csv", "kpis.json", "cohorts.csv", "retention.csv", "funnel.csv"):
        assert (without / name).read_bytes() == (with_charts / name).read_bytes(), name


@pytest.mark.parametrize("failure", [RuntimeError("chart failed"), KeyboardInterrupt()])
def test_a_failed_run_leaves_no_folder(failure, small_scenario_file, results_root, monkeypatch):
    def fail(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(charts, "write_charts", fail)
    argv = ["run", str(small_scenario_file), "--days", "5", "--quiet", "--out", str(results_root)]
    if isinstance(failure, KeyboardInterrupt):
        assert main(argv) == 130
    else:
        with pytest.raises(RuntimeError):
            main(argv)
    assert not results_root.exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["run", "--help"],
            (
                "--days",
                "--seed",
                "--replications",
                "--out",
                "--quiet",
                "--no-charts",
                "Example: mot run",
            ),
        ),
        (["--help"], ("run", "Example: mot run")),
    ],
)
def test_help_explains_every_option_with_an_example(argv, expected, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 0
    text = capsys.readouterr().out
    for fragment in expected:
        assert fragment in text


def test_python_dash_m_runs_end_to_end(small_scenario_file, results_root):
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(small_scenario_file), "--days", "10"]
        + ["--out", str(results_root)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress bar
    assert "Results:" in done.stdout and (results_root / "small").is_dir()


def test_only_a_process_running_one_command_freezes_the_collector(
    small_scenario_file, results_root, monkeypatch
):
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    argv = ["run", str(small_scenario_file), "--days", "5", "--quiet", "--out", str(results_root)]
    assert main(argv) == 0 and frozen == []  # a program calling main([...]) keeps its collector
    monkeypatch.setattr(sys, "argv", ["mot", *argv])
    assert main() == 0 and len(frozen) == 2  # `mot run ...`: after the imports, and at the end


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("conversion_rate", 0.4567, "45.7%"),
        ("revenue_usd", 652450.0, "$652,450"),
        ("cost_per_acquired_usd", 12.345, "$12.35"),
        ("mean_rating", 4.089, "4.09 ★"),
        ("new_customers", 5303.0, "5,303"),
        ("new_customers", float("nan"), "n/a"),
        ("retention_km_365d", float("nan"), "not observable"),
    ],
)
def test_kpi_formats(name, value, text):
    assert format_value(name, value) == text


def test_ci_format_without_interval_is_blank():
    assert format_ci("reviews", float("nan"), float("nan")) == ""
    assert format_ci("retention_km_90d", 0.8, 0.9) == "80.0% – 90.0%"


@pytest.mark.parametrize(("quiet", "shown"), [((), True), (("--quiet",), False)])
def test_progress_bar_on_a_terminal_unless_quiet(
    quiet, shown, small_scenario_file, results_root, capsys, monkeypatch
):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then treats stderr as a terminal
    argv = ["run", str(small_scenario_file), "--days", "3", "--out", str(results_root), *quiet]
    assert main(argv) == 0
    assert ("simulating" in capsys.readouterr().err) is shown


def test_every_kpi_has_a_label_and_a_documented_definition():
    from sim.reports.kpi_table import KPI_LABELS

    docs = (Path(__file__).resolve().parents[1] / "docs" / "kpis.md").read_text()
    for name in KPI_NAMES:
        assert name in KPI_LABELS, name
        assert f"`{name}`" in docs, f"{name} is not defined in docs/kpis.md"
