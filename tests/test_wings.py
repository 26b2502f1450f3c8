"""The house's wings stay in order: each imports only wings below it, and no module imports
itself back through others (no circles). Read from the source (ast), so a lazy import inside a
function counts too; `if TYPE_CHECKING:` imports count as well, since a reader follows them."""

from __future__ import annotations

import ast
import importlib
import sys
import warnings
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

WING_LEVELS: dict[str, int] = {
    "errors": 0,
    "moved_modules": 0,
    "__init__": 1,
    "reliability": 1,
    "scenario": 2,
    "market": 3,
    "reports": 4,
    "journey": 4,
    "agents": 4,
    "strategies": 5,
    "model": 6,
    "runner": 7,
    "attribution": 7,
    "classroom": 7,
    "sweep": 8,
    "comparison": 8,
    "validation": 8,
    "bench": 9,
    "cli": 9,
    "commands": 10,
    "__main__": 11,
}
"""Wing -> floor, lowest first, as the README's map lists them (top-level modules count as wings
of their own)."""

UPWARD_ALLOWED: dict[tuple[str, str], str] = {
    ("sim.scenario.config", "sim.strategies"): (
        "a scenario names strategies; checking their tables needs the registry, imported late"
    ),
}
"""The only imports that run up a floor, each with its reason."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def wing_of(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def sim_imports(path: Path) -> set[str]:
    """Every `sim...` module this file imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("sim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                exists = (SIM.parent / (candidate.replace(".", "/") + ".py")).exists()
                found.add(candidate if exists else node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    return {module_name(p): sim_imports(p) for p in sorted(SIM.rglob("*.py"))}


def test_every_wing_has_a_floor():
    wings = {wing_of(module) for module in import_graph()}
    assert wings <= set(WING_LEVELS), wings - set(WING_LEVELS)


def test_no_wing_imports_a_wing_above_it():
    upward = []
    for module, imports in import_graph().items():
        level = WING_LEVELS[wing_of(module)]
        for target in imports:
            if WING_LEVELS[wing_of(target)] > level and not any(
                module == a and target.startswith(b) for a, b in UPWARD_ALLOWED
            ):
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_no_import_circles():
    graph = import_graph()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if target == module or target not in graph or module == "sim":
                continue
            if state.get(target) == 1:
                return [*path, module, target]
            if state.get(target) is None and (circle := visit(target, [*path, module])):
                return circle
        state[module] = 2
        return None

    for module in graph:
        if module != "sim" and state.get(module) is None:
            assert visit(module, []) is None


def test_the_checks_see_a_circle_and_an_upward_import(tmp_path, monkeypatch):
    """Negative control: the same checks fail on a tiny house that breaks both rules."""
    house = tmp_path / "sim"
    (house / "market").mkdir(parents=True)
    (house / "__init__.py").write_text("")
    (house / "market" / "__init__.py").write_text("")
    (house / "market" / "a.py").write_text("from sim.market.b import x\nfrom sim.model import y\n")
    (house / "market" / "b.py").write_text("from sim.market.a import z\n")
    (house / "model.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "SIM", house)
    with pytest.raises(AssertionError):
        test_no_wing_imports_a_wing_above_it()
    with pytest.raises(AssertionError):
        test_no_import_circles()


@pytest.mark.parametrize("old", ["sim.kpis", "sim.config", "sim.compare", "sim.settle"])
def test_old_module_paths_still_import_with_a_warning(old):
    from sim.moved_modules import MOVED

    sys.modules.pop(old, None)  # a test before may have imported it already
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])
    assert [w for w in caught if issubclass(w.category, DeprecationWarning)]
