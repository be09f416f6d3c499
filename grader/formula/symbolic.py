"""sympy for what it is good at: the expression of a checked tree, and a cheap proof of equivalence.

The tree is built into sympy node by node (never from text). Proofs are attempted only on formulas whose
size and degree are small, and under a wall-clock budget when the platform allows one.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from fractions import Fraction

from grader.formula.nodes import Node, walk

PROOF_BUDGET_S = 0.25
MAX_PROOF_NODES = 80
MAX_PROOF_DEGREE = 12

_ASSUME = {
    "positive_integer": {"integer": True, "positive": True},
    "nonnegative_integer": {"integer": True, "nonnegative": True},
    "integer": {"integer": True},
    "positive_real": {"real": True, "positive": True},
    "real": {"real": True},
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
        }[f]()
    if k == "sum":
        var, lo, hi, body = a
        return sp.Sum(to_sympy(body, {**domains, var: "integer"}, constants), (symbol(var, "integer"), r(lo), r(hi)))
    if k == "dots":
        head, tail = a
        return sp.Add(*[r(x) for x in head]) + sp.Symbol("…") + sp.Add(*[r(x) for x in tail])
    raise ValueError(k)  # pragma: no cover


_PROVABLE = {"num", "var", "const", "add", "neg", "mul", "inv", "pow", "fact", "call", "sum"}
_PROVABLE_CALLS = {"binomial"}


def provable(node: Node) -> bool:
    """Small formulas made of + - * / ^ (integer exponents), binomials, factorials and sums."""
    for count, n in enumerate(walk(node), 1):
        if count > MAX_PROOF_NODES or n.kind not in _PROVABLE:
            return False
        if n.kind == "call" and n.args[0] not in _PROVABLE_CALLS:
            return False
        if n.kind == "pow":
            e = n.args[1]
            if e.kind != "num" or e.args[0].denominator != 1 or abs(e.args[0]) > MAX_PROOF_DEGREE:
                return False
    return True


def prove_equal(a: Node, b: Node, domains: dict[str, str], constants: dict[str, Fraction]) -> bool | None:
    """True when sympy shows a - b == 0; None when it cannot tell within the budget."""
    if not (provable(a) and provable(b)):
        return None
    import sympy as sp

    try:
        with _budget(PROOF_BUDGET_S):
            diff = to_sympy(a, domains, constants) - to_sympy(b, domains, constants)
            if diff.has(sp.Sum, sp.binomial, sp.factorial):
                diff = sp.expand_func(diff.doit())
                diff = sp.combsimp(diff) if diff.has(sp.factorial, sp.gamma) else diff
            if diff.has(sp.Sum):
                return None
            return sp.cancel(sp.together(diff)) == 0 or None
    except _OutOfTime:
        return None
    except Exception:  # noqa: BLE001 - a failed proof is "could not tell", never a crash
        return None


class _OutOfTime(Exception):
    pass


@contextlib.contextmanager
def _budget(seconds: float):
    """Interrupt after `seconds` of CPU time (SIGPROF, so a loaded machine does not change the outcome), when
    we are the main thread and no such timer is in use; otherwise run unguarded (the formulas are small)."""
    usable = (
        threading.current_thread() is threading.main_thread()
        and hasattr(signal, "setitimer")
        and signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
        and signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, None)
    )
    if not usable:
        start = time.process_time()
        yield
        if time.process_time() - start > seconds * 4:
            raise _OutOfTime
        return

    def _on_timer(signum, frame):
        raise _OutOfTime

    old = signal.signal(signal.SIGPROF, _on_timer)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
