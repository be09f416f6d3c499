"""The sympy expression of a formula tree, built node by node (never from text): the tree as sympy sees it."""

from __future__ import annotations

from fractions import Fraction

from grader.formula.reading.tree import Node

_ASSUME = {
    "positive_integer": {"integer": True, "positive": True},
    "nonnegative_integer": {"integer": True, "nonnegative": True},
    "integer": {"integer": True},
    "positive_real": {"real": True, "positive": True},
    "nonnegative_real": {"real": True, "nonnegative": True},
    "real": {"real": True},
    "complex": {},
}
_SYMBOLS: dict[tuple, object] = {}


def symbol(name: str, domain: str = "positive_integer"):
    import sympy as sp

    key = (name, domain)
    s = _SYMBOLS.get(key)
    if s is None:
        s = _SYMBOLS[key] = sp.Symbol(name, **_ASSUME.get(domain, {}))
    return s


def to_sympy(node: Node, domains: dict[str, str] | None = None, constants: dict[str, Fraction] | None = None):
    """The sympy expression of a checked tree (constants substituted when their values are given)."""
    import sympy as sp  # imported on first use: reading and sampling do not need it

    domains = domains or {}
    k, a = node.kind, node.args
    r = lambda x: to_sympy(x, domains, constants)
    if k == "num":
        return sp.Rational(a[0].numerator, a[0].denominator)
    if k == "var":
        return symbol(a[0], domains.get(a[0], "positive_integer"))
    if k == "const":
        if constants and a[0] in constants:
            v = constants[a[0]]
            return sp.Rational(v.numerator, v.denominator)
        return sp.Symbol(a[0])
    if k == "math":
        return {"pi": sp.pi, "e": sp.E, "i": sp.I}[a[0]]
    if k == "apply":
        return r(a[1])
    if k == "idx":
        return sp.IndexedBase(a[0])[r(a[1])]
    if k == "add":
        return sp.Add(*[r(x) for x in a])
    if k == "neg":
        return -r(a[0])
    if k == "mul":
        return sp.Mul(*[r(x) for x in a])
    if k == "inv":
        return sp.Pow(r(a[0]), -1)
    if k == "pow":
        return sp.Pow(r(a[0]), r(a[1]))
    if k == "fact":
        return sp.factorial(r(a[0]))
    if k == "call":
        f, args = a[0], [r(x) for x in a[1:]]
        return {
            "binomial": lambda: sp.binomial(*args),
            "min": lambda: sp.Min(*args),
            "max": lambda: sp.Max(*args),
            "floor": lambda: sp.floor(args[0]),
            "ceil": lambda: sp.ceiling(args[0]),
            "abs": lambda: sp.Abs(args[0]),
            "sqrt": lambda: sp.sqrt(args[0]),
            "log": lambda: sp.log(args[0]),
            "log2": lambda: sp.log(args[0], 2),
            "logb": lambda: sp.log(args[1], args[0]),
            "log10": lambda: sp.log(args[0], 10),
            "perm": lambda: sp.ff(args[0], args[1]),
            "exp": lambda: sp.exp(args[0]),
        }.get(f, lambda: getattr(sp, f)(args[0]))()
    if k == "sum":
        var, lo, hi, body = a
        return sp.Sum(to_sympy(body, {**domains, var: "integer"}, constants), (symbol(var, "integer"), r(lo), r(hi)))
    if k == "prod":
        var, lo, hi, body = a
        return sp.Product(to_sympy(body, {**domains, var: "integer"}, constants),
                          (symbol(var, "integer"), r(lo), r(hi)))
    if k == "piecewise":
        ops = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "!=": sp.Ne, "=": sp.Eq}

        def cond(c):
            if c.kind == "and":
                return sp.And(*[cond(x) for x in c.args])
            return ops[c.args[0]](r(c.args[1]), r(c.args[2]))

        return sp.Piecewise(*[(r(row.args[0]), True if len(row.args) == 1 else cond(row.args[1])) for row in a])
    if k == "pdots":
        head, tail = a
        return sp.Mul(*[r(x) for x in head]) * sp.Symbol("…") * sp.Mul(*[r(x) for x in tail])
    if k == "dots":
        head, tail = a
        return sp.Add(*[r(x) for x in head]) + sp.Symbol("…") + sp.Add(*[r(x) for x in tail])
    raise ValueError(k)  # pragma: no cover
