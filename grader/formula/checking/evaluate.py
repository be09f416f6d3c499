"""Evaluation of a formula tree at one point (the reference semantics; `compiled` is the fast path).

Values are exact where they can be; anything that would grow past the bounds of `arithmetic` raises
`CheckFailure`, anything undefined (division by zero, `x_{T+1}`) raises `Undefined`.
"""

from __future__ import annotations

import math
from fractions import Fraction

from grader.formula.checking.arithmetic import (
    _ONE,
    MAX_FACTORIAL,
    MAX_SUM_TERMS,
    INEXACT,
    AtEdge,
    Env,
    Undefined,
    Value,
    _call,
    _check,
    _int,
    _pow,
    exact,
    math_constant,
    mp,
    real,
)
from grader.formula.checking.patterns import dots_value
from grader.formula.errors import CheckFailure
from grader.formula.reading.tree import Node


def evaluate(node: Node, env: Env) -> Value:
    kind = node.kind
    a = node.args
    if kind == "num":
        return a[0]
    if kind == "var":
        try:
            return env.variables[a[0]]
        except KeyError:
            raise Undefined(f"no value for {a[0]}") from None
    if kind == "const":
        try:
            return env.constants[a[0]]
        except KeyError:
            raise Undefined(f"no value for {a[0]}") from None
    if kind == "add":
        total: Value = Fraction(0)
        for c in a:
            total = total + evaluate(c, env)
        return _check(total)
    if kind == "neg":
        return -evaluate(a[0], env)
    if kind == "mul":
        prod: Value = _ONE
        for c in a:
            prod = prod * evaluate(c, env)
            _check(prod)
        return prod
    if kind == "inv":
        v = evaluate(a[0], env)
        if v == 0:
            raise Undefined("division by zero")
        return 1 / v if isinstance(v, INEXACT) else _ONE / v
    if kind == "pow":
        return _pow(evaluate(a[0], env), evaluate(a[1], env), env.complex)
    if kind == "fact":
        k = _int(evaluate(a[0], env), "factorial")
        if k < 0:
            raise AtEdge("factorial of a negative number")
        if k > MAX_FACTORIAL:
            raise CheckFailure("factorial too large")
        return math.factorial(k)
    if kind == "call":
        return _call(a[0], [evaluate(c, env) if isinstance(c, Node) else c for c in a[1:]], env.complex)
    if kind == "apply":
        return evaluate(a[1], env)
    if kind == "math":
        return math_constant(a[0], env)
    if kind == "idx":
        name = a[0]
        i = _int(evaluate(a[1], env), "index")
        seq = env.sequences.get(name)
        if seq is None or i not in seq:
            raise Undefined(f"{name}_{i} is outside the sequence")
        v = seq[i]
        if isinstance(v, Exception):
            raise Undefined(f"{name}_{i} is undefined")
        return v
    if kind in ("sum", "prod"):
        var, lo_n, hi_n, body = a
        lo = _int(evaluate(lo_n, env), "sum bound")
        hi = _int(evaluate(hi_n, env), "sum bound")
        if hi - lo + 1 > MAX_SUM_TERMS:
            raise CheckFailure("sum too long")
        env.spend(max(0, hi - lo + 1))
        saved = env.variables.get(var)
        product = kind == "prod"
        total: Value = 1 if product else 0
        try:
            for k in range(lo, hi + 1):
                env.variables[var] = k
                v = evaluate(body, env)
                total = _check(total * v if product else total + v)
        finally:
            if saved is None:
                env.variables.pop(var, None)
            else:
                env.variables[var] = saved
        return total
    if kind == "piecewise":
        for row in a:
            if len(row.args) == 1 or holds(row.args[1], env):
                return evaluate(row.args[0], env)
        raise Undefined("no case of the piecewise formula holds")
    if kind == "pdots":
        return dots_value(a[0], a[1], env, evaluate, product=True)
    if kind == "dots":
        return dots_value(a[0], a[1], env, evaluate)
    raise CheckFailure(f"unknown node {kind}")  # pragma: no cover


def holds(cond: Node, env: Env) -> bool:
    """Whether a condition of a piecewise formula (`rel`, or `and` of them) holds at the point."""
    if cond.kind == "and":
        return all(holds(c, env) for c in cond.args)
    op, lhs, rhs = cond.args
    x, y = real(evaluate(lhs, env), "a comparison"), real(evaluate(rhs, env), "a comparison")
    if isinstance(x, INEXACT) or isinstance(y, INEXACT):
        x, y = mp(x), mp(y)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "!=": x != y, "=": x == y}[op]
