"""Scenario files: typed settings, `extends`, and one-line errors naming file and key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim import ScenarioError, load_scenario
from sim.scenario.config import with_overrides
from sim.scenario.settings import Scenario

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def leaves(tree: dict, prefix: str = "") -> set[str]:
    """Dotted paths of every non-table value."""
    paths: set[str] = set()
    for key, value in tree.items():
        path = f"{prefix}{key}"
        paths |= leaves(value, path + ".") if isinstance(value, dict) and value else {path}
    return paths


def test_baseline_documents_every_key_with_its_default_and_a_comment():
    from sim.scenario.scenario_doc import BASELINE
    from sim.scenario.scenario_doc import baseline as shipped

    path = ROOT / "scenarios" / "baseline.toml"
    baseline = load_scenario(path)
    assert baseline == shipped()  # the schema's defaults but for the keys in BASELINE
    defaults = Scenario(name=baseline.name, description=baseline.description)
    keys = leaves(baseline.model_dump())
    changed = {k for k in keys if value_at(baseline, k) != value_at(defaults, k)}
    assert changed == set(BASELINE)
    written = leaves(tomllib.loads(path.read_text()))
    schema = leaves(baseline.model_dump())
    assert written == schema
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines):
        key = line.split(" = ")[0]
        if " = " in line and not line.startswith("#") and key not in ("share", "habits"):
            assert lines[number - 1].startswith("# "), f"{key} has no comment with its source"


def value_at(scenario: Scenario, dotted: str):
    """The value at a dotted key path of a scenario's dump."""
    value = scenario.model_dump()
    for key in dotted.split("."):
        value = value[key]
    return value


def test_extends_merges_table_by_table(tmp_path):
    write(tmp_path, "base.toml", "days = 100\n[brands.focal]\nprice = 20.0\np_problem = 0.2\n")
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[brands.focal]\nprice = 30.0\n')
    scenario = load_scenario(child)
    assert (scenario.days, scenario.brands["focal"].price) == (100, 30.0)
    assert scenario.brands["focal"].p_problem == 0.2
    assert scenario.name == "child"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[brands.focal]\np_problem = 1.7\n", "brands.focal.p_problem: must be <= 1.0, got 1.7"),
        ("[population]\nn_consumer = 5\n", "population.n_consumer: unknown key"),
        ("days = 'many'\n", "days: "),
        ("days = -3\n", "days: must be >= 1, got -3"),
        ("[population]\nn_consumers = 0\n", "population.n_consumers: must be >= 1, got 0"),
        ("[network]\nkind = 'ring'\n", "network.kind: must be one of"),
        (
            "[brands.focal.strategies.teleport]\n",
            "brands.focal.strategies.teleport: unknown strategy",
        ),
        (
            "[brands.focal.strategies.follow_up_email]\nopen_rate = 2\n",
            "brands.focal.strategies.follow_up_email.open_rate: must be <= 1.0, got 2",
        ),
        ("days = [\n", "malformed TOML"),
        ('extends = "nowhere.toml"\n', "extends: no such file nowhere.toml"),
    ],
)
def test_bad_files_get_one_line_errors_naming_file_and_key(tmp_path, text, message):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    text = str(error.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_malformed_toml_names_the_line(tmp_path):
    path = write(tmp_path, "bad.toml", "days = 3\nseed = = 4\n")
    with pytest.raises(ScenarioError, match="line 2"):
        load_scenario(path)


def test_circular_extends_is_refused(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    b = write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(b)


def test_overrides_by_key_path_are_validated():
    scenario = with_overrides(Scenario(), {"brands.focal.price": 80.0}, "sweep.toml")
    assert scenario.brands["focal"].price == 80.0
    with pytest.raises(ScenarioError, match="sweep.toml: brands.focal.prize: unknown key"):
        with_overrides(Scenario(), {"brands.focal.prize": 80.0}, "sweep.toml")
    with pytest.raises(ScenarioError, match="must be <= 1.0"):
        with_overrides(Scenario(), {"brands.focal.p_problem": 3.0}, "sweep.toml")
