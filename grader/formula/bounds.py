"""Bounds checked before anything large is built: the depth of the parse tree, and constant sub-formulas
(`9^9^9`, `factorial(10^9)`, `\\sum_{i=1}^{10^9}`) evaluated once, exactly and within the evaluator's limits."""

from __future__ import annotations

from fractions import Fraction

from lark import Token, Tree

from grader.formula import evaluate as ev
from grader.formula.errors import CheckFailure, ReadFailure
from grader.formula.nodes import Node

MAX_TREE_DEPTH = 160
MAX_EXPONENT = 1000
_RISKY = frozenset({"pow", "fact", "call", "sum", "dots"})


def check_depth(tree: Tree) -> None:
    stack = [(tree, 0)]
    while stack:
        t, d = stack.pop()
        if d > MAX_TREE_DEPTH:
            tok = next((x for x in t.scan_values(lambda v: isinstance(v, Token))), None)
            raise ReadFailure("The formula is nested too deeply.", tok.start_pos if tok else 0)
        stack.extend((c, d + 1) for c in t.children if isinstance(c, Tree))


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
        const[id(n)] = n.kind not in ("var", "idx", "sum", "dots") and all(const[id(c)] for c in n.children())
    env = ev.Env(constants=constants)
    checked: set[int] = set()
    for n in order:  # parents before children
        if const[id(n)] and id(n) not in checked and n.kind != "num":
            try:
                ev.evaluate(n, env)
            except CheckFailure:
                raise ReadFailure("This part of the formula is too large to work with.", n.start, n.end) from None
            except ev.Undefined as exc:
                raise ReadFailure(f"This part of the formula is undefined ({exc}).", n.start, n.end) from None
            stack = [n]
            while stack:  # its parts are within the bounds too
                m = stack.pop()
                checked.add(id(m))
                stack.extend(m.children())
        if n.kind == "sum" and const[id(n.args[1])] and const[id(n.args[2])]:
            try:
                lo = ev.evaluate(n.args[1], env)
                hi = ev.evaluate(n.args[2], env)
            except (CheckFailure, ev.Undefined):
                raise ReadFailure("The bounds of this sum are too large to work with.", n.start, n.end) from None
            if hi - lo + 1 > ev.MAX_SUM_TERMS:
                raise ReadFailure(f"This sum has too many terms (at most {ev.MAX_SUM_TERMS:,}).", n.start, n.end)
        if n.kind == "pow" and const[id(n.args[1])]:
            exp = n.args[1]
            try:
                v = ev.evaluate(exp, env)
            except (CheckFailure, ev.Undefined):
                continue
            if abs(v) > MAX_EXPONENT:
                raise ReadFailure(f"This exponent is too large (at most {MAX_EXPONENT}).", exp.start, exp.end)
