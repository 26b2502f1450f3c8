"""Derived outputs are data: injection payloads are refused at load time and never run.

Each payload below would run a command (or reach Python internals) through pandas `eval` or
Python `eval`; `mot sweep` must refuse it with exit 2 and one line, and the marker file the
payload would create must not exist afterwards.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.reports.kpis import KPI_NAMES
from sim.sweep.experiment import load_experiment
from sim.sweep.formula import MAX_DEPTH, FormulaError, parse_formula

ROOT = Path(__file__).resolve().parents[1]
P = "brands.focal.p_problem"


def payloads(marker: Path) -> list[str]:
    """At least 15 ways to try to run `touch marker` from a derived expression."""
    touch = f"__import__('os').system('touch {marker}')"
    return [
        f"@pd.io.common.os.system('touch {marker}')",
        touch,
        "().__class__.__mro__[1].__subclasses__()",
        f'f"{{{touch}}}"',
        f"(x := {touch})",
        f"(lambda: {touch})()",
        f"min(max({touch}, 1), 2)",
        f"new_customers + {touch}",
        "1+" * 5000 + "1",
        "(" * 500 + "new_customers" + ")" * 500,
        "-" * (MAX_DEPTH + 5) + "new_customers",
        "new_customers.__class__.__init__.__globals__",
        f"open('{marker}', 'w')",
        f'exec("{touch}")',
        f"eval('{touch}')",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        f"customers_end if {touch} else 0",
        "new_customers[0]",
        "getattr(new_customers, '__class__')",
        f"'touch {marker}'",
        "2 ** 2 ** 100000",
        f"customers_end; {touch}",
        f"min(customers_end, key={touch})",
        "ｅｖａｌ('1')",
        "__builtins__",
        "breakpoint()",
    ]


def experiment_with(tmp_path: Path, expression: str) -> Path:
    """A tiny experiment whose one derived output is `expression` (TOML literal string)."""
    body = f"""
        outputs = ["new_customers", "x"]
        [derived]
        x = {toml_string(expression)}
        [parameters."{P}"]
        values = [0.1]
    """
    path = tmp_path / "attack.toml"
    path.write_text(textwrap.dedent(body))
    return path


def toml_string(text: str) -> str:
    """`text` as a TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("index", range(len(payloads(Path("m")))))
def test_payload_refused_and_never_run(tmp_path, capsys, index):
    marker = tmp_path / "pwned"
    expression = payloads(marker)[index]
    path = experiment_with(tmp_path, expression)
    out = tmp_path / "out"
    status = main(["sweep", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("mot sweep: error: ")
    assert f"{path}: derived.x: " in err
    assert "Traceback" not in err
    assert not marker.exists()
    assert not out.exists()


def test_pandas_payload_refused_in_a_fresh_process(tmp_path):
    """The issue's payload, through the installed command line."""
    marker = tmp_path / "pwned"
    path = experiment_with(tmp_path, payloads(marker)[0])
    done = subprocess.run(
        [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "derived.x: syntax error" in done.stderr
    assert not marker.exists()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("customers_end / / 2", "syntax error"),
        ("customers_end.real", "not allowed: attribute access 'customers_end.real'"),
        ("print(customers_end)", "not allowed: call of 'print(customers_end)'"),
        ("__class__", "dunder name"),
        ("profit / 2", "unknown KPI 'profit'"),
        ("log(1, 2)", "log takes 1 argument(s), got 2"),
        ("max(customers_end)", "max takes at least 2 argument(s), got 1"),
        ("'text'", "not allowed: str constant"),
        ("customers_end ** 2", "not allowed: operator Pow"),
        ("1e999 * customers_end", "not allowed: float constant"),
        ("True + customers_end", "not allowed: bool constant"),
    ],
)
def test_refusals_name_the_offending_piece(expression, message):
    with pytest.raises(FormulaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_formula(expression, KPI_NAMES)


def test_arithmetic_and_functions_evaluate_per_run():
    columns = {"a": np.array([1.0, 4.0, 0.0]), "b": np.array([2.0, 2.0, 0.0])}
    formula = parse_formula("-(a + 1) * 2 / b - min(a, b, 3) + max(a, 0) + abs(-b)", ["a", "b"])
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = columns["a"], columns["b"]
        expected = -(a + 1) * 2 / b - np.minimum(np.minimum(a, b), 3) + np.maximum(a, 0) + b
    assert np.array_equal(formula.evaluate(columns), expected, equal_nan=True)
    logs = parse_formula("log(a) + sqrt(b)", ["a", "b"]).evaluate({"a": [math.e], "b": [9.0]})
    assert logs.tolist() == [4.0]


def test_a_constant_formula_has_one_value_per_run():
    assert parse_formula("2 * 3", []).evaluate({}).tolist() == [6.0]


def test_division_by_zero_gives_inf_not_an_error():
    result = parse_formula("a / b", ["a", "b"]).evaluate({"a": [1.0, 0.0], "b": [0.0, 0.0]})
    assert math.isinf(result[0]) and math.isnan(result[1])


@pytest.mark.parametrize("name", ["follow_up_email", "review_solicitation"])
def test_shipped_derived_outputs_still_load(name):
    loaded = load_experiment(ROOT / "experiments" / f"{name}.toml", quick=True)
    assert set(loaded.formulas) == set(loaded.experiment.derived)


def test_a_derived_output_may_use_one_defined_above(tmp_path):
    path = tmp_path / "chain.toml"
    path.write_text(
        textwrap.dedent(f"""
        outputs = ["y"]
        [derived]
        x = "revenue_usd - strategy_cost_usd"
        y = "x / 2"
        [parameters."{P}"]
        values = [0.1]
        """)
    )
    loaded = load_experiment(path)
    assert loaded.formulas["y"].names == {"x"}
