"""Derived outputs: a small arithmetic language over KPI names, never Python or pandas `eval`.

An experiment file is data, often downloaded from a colleague or a course page, so nothing in
it may run. A derived output such as ``"strategy_cost_usd / customers_end"`` is parsed with
`ast` into a whitelist of node types and evaluated by the walker below over the runs table:

- KPI names (and derived outputs defined above this one), finite numbers;
- ``+ - * /``, parentheses, unary minus and plus;
- the functions in `FUNCTIONS` (``min``, ``max``, ``abs``, ``log``, ``sqrt``), applied per run.

Anything else (attributes, subscripts, other calls, ``@`` references, dunder names, lambdas,
comprehensions, strings, walrus, f-strings, ``**``) is refused at load time by `parse_formula`
with a `FormulaError` naming the offending piece. Division by zero gives ``inf`` or ``nan`` for
that run, as numpy does.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

MAX_LENGTH = 500
"""Longest expression accepted, in characters (assumption: a derived output is one line)."""
MAX_DEPTH = 24
"""Deepest nesting of operations and parentheses accepted (assumption: far above real use)."""

Column = np.ndarray
FUNCTIONS: dict[str, tuple[Callable[..., Column], int, int | None]] = {
    "min": (lambda *a: np.minimum.reduce(np.broadcast_arrays(*a)), 2, None),
    "max": (lambda *a: np.maximum.reduce(np.broadcast_arrays(*a)), 2, None),
    "abs": (np.abs, 1, 1),
    "log": (np.log, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
}
"""Named functions: (per-run function, fewest arguments, most arguments or None)."""

OPERATORS: dict[type[ast.operator], Callable[[Column, Column], Column]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
}
SIGNS: dict[type[ast.unaryop], Callable[[Column], Column]] = {
    ast.USub: np.negative,
    ast.UAdd: np.positive,
}
ALLOWED = "KPI names, numbers, + - * /, parentheses and " + ", ".join(FUNCTIONS)


class FormulaError(ValueError):
    """A derived expression outside the language; the message is one line naming the piece."""


@dataclass(frozen=True)
class Formula:
    """A checked derived expression, ready to evaluate over a table of runs."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, columns: Mapping[str, Iterable[float]]) -> Column:
        """The expression per run, from `columns` (a DataFrame or a dict of equal-length columns)."""
        values = {name: np.asarray(columns[name], dtype="float64") for name in self.names}
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = _walk(self.tree, values)
        length = len(next(iter(values.values()))) if values else 1
        return np.broadcast_to(np.asarray(result, dtype="float64"), (length,)).copy()


def parse_formula(text: str, names: Iterable[str]) -> Formula:
    """Check `text` against the language, with `names` the columns it may use."""
    if not isinstance(text, str):
        raise FormulaError(f"must be a text expression, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"too long ({len(text)} characters, at most {MAX_LENGTH})")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(f"syntax error in {_piece(text)}: {_reason(exc)}") from None
    allowed = frozenset(names)
    used: set[str] = set()
    _check(tree, text, allowed, used, depth=0)
    return Formula(text=text, tree=tree, names=frozenset(used))


def _check(node: ast.AST, text: str, allowed: frozenset[str], used: set[str], depth: int) -> None:
    """Refuse any node outside the whitelist, recording the column names used."""
    if depth > MAX_DEPTH:
        raise FormulaError(f"nested deeper than {MAX_DEPTH} levels")
    children: list[ast.AST]
    match node:
        case ast.BinOp(op=op) if type(op) in OPERATORS:
            children = [node.left, node.right]
        case ast.UnaryOp(op=op) if type(op) in SIGNS:
            children = [node.operand]
        case ast.Constant(value=value) if _is_number(value):
            children = []
        case ast.Name(id=name):
            _check_name(name, node, text, allowed)
            used.add(name)
            children = []
        case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if name in FUNCTIONS:
            _check_arity(name, len(args), node, text)
            children = list(args)
        case _:
            raise FormulaError(f"not allowed: {_describe(node)} {_piece(text, node)} ({ALLOWED})")
    for child in children:
        _check(child, text, allowed, used, depth + 1)


def _check_name(name: str, node: ast.AST, text: str, allowed: frozenset[str]) -> None:
    if name.startswith("__"):
        raise FormulaError(f"not allowed: dunder name {_piece(text, node)}")
    if name in FUNCTIONS:
        raise FormulaError(f"{name} is a function: call it, e.g. {name}(a, b)")
    if name not in allowed:
        raise FormulaError(f"unknown KPI {name!r} (see sim.reports.kpis.KPI_NAMES)")


def _check_arity(name: str, count: int, node: ast.AST, text: str) -> None:
    _, fewest, most = FUNCTIONS[name]
    if count < fewest or (most is not None and count > most):
        wanted = f"{fewest}" if most == fewest else f"at least {fewest}"
        raise FormulaError(
            f"{name} takes {wanted} argument(s), got {count} in {_piece(text, node)}"
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _walk(node: ast.expr, values: Mapping[str, Column]) -> Column | float:
    """Evaluate a checked tree (only the node types `_check` lets through reach here)."""
    match node:
        case ast.BinOp():
            return OPERATORS[type(node.op)](_walk(node.left, values), _walk(node.right, values))
        case ast.UnaryOp():
            return SIGNS[type(node.op)](_walk(node.operand, values))
        case ast.Constant():
            return float(node.value)
        case ast.Name():
            return values[node.id]
        case ast.Call(func=ast.Name(id=name)):
            return FUNCTIONS[name][0](*(_walk(arg, values) for arg in node.args))
    raise FormulaError(f"not allowed: {_describe(node)}")  # unreachable after _check


def _describe(node: ast.AST) -> str:
    """A user's word for a refused node."""
    words = {
        ast.Attribute: "attribute access",
        ast.Subscript: "subscript",
        ast.Call: "call of",
        ast.Lambda: "lambda",
        ast.NamedExpr: "assignment (:=)",
        ast.JoinedStr: "f-string",
        ast.Compare: "comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "if-else",
    }
    if isinstance(node, ast.Constant):
        return f"{type(node.value).__name__} constant"
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return f"operator {type(node.op).__name__}"
    if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        return "comprehension"
    return words.get(type(node), type(node).__name__)


def _piece(text: str, node: ast.AST | None = None, width: int = 40) -> str:
    """The offending part of the expression, quoted, on one line and at most `width` long."""
    segment = ast.get_source_segment(text.strip(), node) if node is not None else None
    piece = " ".join((segment or text).split())
    return repr(piece if len(piece) <= width else piece[: width - 3] + "...")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError | MemoryError):
        return "nested too deeply"
    message = getattr(exc, "msg", None) or str(exc)
    return " ".join(message.split())
