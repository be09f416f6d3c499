"""A formula tree compiled once into nested Python closures, for fast exact evaluation at many points.

Same semantics and bounds as `evaluate.evaluate` (which it falls back to for explicit `...` patterns), but with
no dispatch on node kinds at evaluation time and with integers kept as `int` until a division needs a fraction.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from grader.formula import fast
from grader.formula.checking import arithmetic as ar
from grader.formula.checking import evaluate as ev
from grader.formula.errors import CheckFailure
from grader.formula.reading.tree import Node

Fn = Callable[[ar.Env], ar.Value]
_CACHE: dict[int, tuple[Node, Fn]] = {}


def compiled(node: Node) -> Fn:
    hit = _CACHE.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    fn = _compile(node)
    if len(_CACHE) > 4_096:
        _CACHE.clear()
    _CACHE[id(node)] = (node, fn)  # the node is kept alive, so its id is not reused
    return fn


def _norm(v):
    if type(v) is Fraction and v.denominator == 1:
        return v.numerator
    return v


def _bounded(prod, limit: int):
    """The bound `mul` checks after each factor."""
    if type(prod) is int:
        if prod.bit_length() > limit:
            raise CheckFailure("value too large")
    else:
        ar._check(prod)
    return prod


def _mul2(a: tuple, fs: list[Fn], limit: int) -> Fn:
    """The loop of `mul` unrolled for two factors; a first factor that is a small whole number is multiplied in
    directly (`2 n`, the commonest product: 1 * 2 is 2, and 2 is within the bounds)."""
    f1, f2 = fs
    first = a[0]
    if first.kind == "num" and type(c := ar.exact(first.args[0])) is int and c.bit_length() <= limit:
        return lambda env: _norm(_bounded(c * f2(env), limit))
    return lambda env: _norm(_bounded(_bounded(1 * f1(env), limit) * f2(env), limit))


_FOLD = frozenset({"neg", "inv", "add", "mul"})  # kinds whose value at a point depends on their operands only


def _constant(node: Node) -> bool:
    """Numbers joined by signs, sums, products and quotients: the same value at every point (`1/2`, `-1`)."""
    return node.kind == "num" or (node.kind in _FOLD and all(isinstance(c, Node) and _constant(c) for c in node.args))


def _compile(node: Node) -> Fn:
    fn = _compile_node(node)
    if fast.ENABLED and node.kind in _FOLD and _constant(node):
        try:
            value = fn(None)  # computed once: these closures pass `env` to their operands only
        except (ArithmeticError, ValueError, TypeError, CheckFailure, ar.Undefined):
            return fn  # `1/0`: undefined at every point, each time, as written
        return lambda env: value
    return fn


def _compile_node(node: Node) -> Fn:
    k, a = node.kind, node.args
    if k == "num":
        v = ar.exact(a[0])
        return lambda env: v
    if k == "var":
        name = a[0]

        def var(env):
            try:
                return env.variables[name]
            except KeyError:
                raise ar.Undefined(f"no value for {name}") from None

        return var
    if k == "const":
        name = a[0]

        def const(env):
            try:
                return ar.exact(env.constants[name])
            except KeyError:
                raise ar.Undefined(f"no value for {name}") from None

        return const
    if k == "add":
        fs = [_compile(c) for c in a]

        def add(env):
            total = 0
            for f in fs:
                total = total + f(env)
            if type(total) in ar.INEXACT:
                return ar._check(total)
            return _norm(total)

        if len(fs) == 2 and fast.ENABLED:
            f1, f2 = fs

            def add(env):  # noqa: F811 - the same steps as the loop above, unrolled
                total = 0 + f1(env) + f2(env)
                if type(total) in ar.INEXACT:
                    return ar._check(total)
                return _norm(total)

        return add
    if k == "neg":
        f = _compile(a[0])
        return lambda env: -f(env)
    if k == "mul":
        fs = [_compile(c) for c in a]
        limit = ar.MAX_BITS

        def mul(env):
            prod = 1
            for f in fs:
                prod = prod * f(env)
                t = type(prod)
                if t is int:
                    if prod.bit_length() > limit:
                        raise CheckFailure("value too large")
                else:
                    ar._check(prod)
            return _norm(prod)

        if len(fs) == 2 and fast.ENABLED:
            return _mul2(a, fs, limit)
        return mul
    if k == "inv":
        f = _compile(a[0])

        def inv(env):
            v = f(env)
            if v == 0:
                raise ar.Undefined("division by zero")
            t = type(v)
            if t is int:
                return Fraction(1, v) if v not in (1, -1) else v
            if t in ar.INEXACT:
                return 1 / v
            return _norm(1 / v)

        return inv
    if k == "pow":
        fb, fe = _compile(a[0]), _compile(a[1])
        return lambda env: ar._pow(fb(env), fe(env), env.complex)
    if k == "fact":
        f = _compile(a[0])

        def fact(env):
            n = ar._int(f(env), "factorial")
            if n < 0:
                raise ar.AtEdge("factorial of a negative number")
            if n > ar.MAX_FACTORIAL:
                raise CheckFailure("factorial too large")
            import math

            return math.factorial(n)

        return fact
    if k == "call":
        func = a[0]
        fs = [_compile(c) if isinstance(c, Node) else (lambda env, c=c: c) for c in a[1:]]
        return lambda env: _norm(ar._call(func, [f(env) for f in fs], env.complex))
    if k == "idx":
        name, fi = a[0], _compile(a[1])

        def idx(env):
            i = ar._int(fi(env), "index")
            seq = env.sequences.get(name)
            if seq is None or i not in seq:
                raise ar.Undefined(f"{name}_{i} is outside the sequence")
            v = seq[i]
            if isinstance(v, Exception):  # a state the recurrence could not compute
                raise ar.Undefined(f"{name}_{i} is undefined")
            return v

        return idx
    if k == "apply":
        return _compile(a[1])
    if k == "math":
        name = a[0]
        return lambda env: ar.math_constant(name, env)
    if k in ("sum", "prod"):
        product = k == "prod"
        var = a[0]
        flo, fhi, fbody = _compile(a[1]), _compile(a[2]), _compile(a[3])

        def bigsum(env):
            lo = ar._int(flo(env), "sum bound")
            hi = ar._int(fhi(env), "sum bound")
            if hi - lo + 1 > ar.MAX_SUM_TERMS:
                raise CheckFailure("sum too long")
            env.spend(max(0, hi - lo + 1))
            variables = env.variables
            saved = variables.get(var)
            total = 1 if product else 0
            try:
                for i in range(lo, hi + 1):
                    variables[var] = i
                    total = ar._check(total * fbody(env)) if product else total + fbody(env)
            finally:
                if saved is None:
                    variables.pop(var, None)
                else:
                    variables[var] = saved
            return _norm(ar._check(total))

        return bigsum
    # `dots` and anything rare: the reference evaluator
    return lambda env: ev.evaluate(node, env)
