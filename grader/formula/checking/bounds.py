"""Bounds checked before anything large is built: constant sub-formulas (`9^9^9`, `factorial(10^9)`,
`\\sum_{i=1}^{10^9}`) evaluated once, exactly and within the evaluator's limits, as part of reading.

`read_formula` here is the one the engine uses: the reader with these bounds (reading knows no evaluation)."""

from __future__ import annotations

from fractions import Fraction

from grader.formula.checking import arithmetic as ar
from grader.formula.checking import evaluate as ev
from grader.formula.errors import CheckFailure, ReadFailure
from grader.formula.reading.read import ReadResult, read
from grader.formula.reading.tree import Node
from grader.formula.spec import FormulaSpec

MAX_EXPONENT = 1000
_RISKY = frozenset({"pow", "fact", "call", "sum", "prod", "dots", "pdots", "apply", "piecewise"})


def check_bounds(node: Node, constants: dict[str, Fraction]) -> None:
    """Constant sub-formulas must evaluate within the bounds; constant exponents must be small; constant sums
    must be short. One pass: constness bottom-up, then each largest constant sub-formula is evaluated once."""
    order: list[Node] = []
    stack = [node]
    risky = False
    while stack:
        n = stack.pop()
        order.append(n)
        risky = risky or n.kind in _RISKY
        stack.extend(n.children())
    if not risky:  # sums, products and quotients of short literals stay small
        return
    const: dict[int, bool] = {}
    for n in reversed(order):  # children before parents
        const[id(n)] = n.kind not in ("var", "idx", "sum", "prod", "dots", "pdots") and all(const[id(c)] for c in n.children())
    env = ar.Env(constants=constants, complex=any(n.kind == "math" and n.args[0] == "i" for n in order))
    checked: set[int] = set()
    for n in order:  # parents before children
        if const[id(n)] and id(n) not in checked and n.kind != "num":
            try:
                ev.evaluate(n, env)
            except CheckFailure:
                raise ReadFailure("This part of the formula is too large to work with.", n.start, n.end) from None
            except ar.Undefined as exc:
                raise ReadFailure(f"This part of the formula is undefined ({exc}).", n.start, n.end) from None
            stack = [n]
            while stack:  # its parts are within the bounds too
                m = stack.pop()
                checked.add(id(m))
                stack.extend(m.children())
        if n.kind in ("sum", "prod") and const[id(n.args[1])] and const[id(n.args[2])]:
            try:
                lo = ev.evaluate(n.args[1], env)
                hi = ev.evaluate(n.args[2], env)
            except (CheckFailure, ar.Undefined):
                raise ReadFailure("The bounds of this sum are too large to work with.", n.start, n.end) from None
            if hi - lo + 1 > ar.MAX_SUM_TERMS:
                raise ReadFailure(f"This sum has too many terms (at most {ar.MAX_SUM_TERMS:,}).", n.start, n.end)
        if n.kind == "pow" and const[id(n.args[1])]:
            exp = n.args[1]
            try:
                v = ev.evaluate(exp, env)
            except (CheckFailure, ar.Undefined):
                continue
            if abs(v) > MAX_EXPONENT:
                raise ReadFailure(f"This exponent is too large (at most {MAX_EXPONENT}).", exp.start, exp.end)


def read_formula(text: str, spec: FormulaSpec, *, constants: dict | None = None) -> ReadResult:
    """Read `text` (a student's answer or a rubric formula) with the part's names, and bound its constant
    parts; never raises on bad input."""
    return read(text, spec, constants=constants, check=check_bounds)
