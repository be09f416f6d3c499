"""sympy for what it is good at: a cheap proof of equivalence of two checked trees.

The trees are built into sympy node by node (`reading.sympy_view`, never from text). Proofs are attempted only on formulas whose
size and degree are small, and under a wall-clock budget when the platform allows one.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from fractions import Fraction

from grader.formula.reading.sympy_view import to_sympy
from grader.formula.reading.tree import Node, walk

PROOF_BUDGET_S = 0.25
MAX_PROOF_NODES = 80
MAX_PROOF_DEGREE = 12

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


MAX_POLE_DEGREE = 8  # denominators searched for rational zeros: polynomials up to this degree


def rational_poles(node: Node, variable: str, domains: dict[str, str], constants: dict[str, Fraction]) -> list[Fraction]:
    """Rational zeros of the formula's denominators in its one variable: where it may have no value though
    random sample points never land there (`\\frac{x^2-4}{x-2}` at 2). Each denominator is taken from the
    tree as written, since sympy would cancel `(x-2)/(x-2)` before it could be seen. Empty when sympy cannot
    tell in time."""
    if not provable(node):
        return []
    import sympy as sp

    bases = [n.args[0] for n in walk(node) if n.kind == "inv" or (
        n.kind == "pow" and n.args[1].kind == "num" and n.args[1].args[0] < 0)]
    roots: set[Fraction] = set()
    try:
        with _budget(PROOF_BUDGET_S):
            for base in bases[:8]:
                den = to_sympy(base, domains, constants)
                x = next((s for s in den.free_symbols if s.name == variable), None)
                if x is None or den.free_symbols - {x} or not den.is_polynomial(x):
                    continue
                poly = sp.Poly(den, x)
                if 1 <= poly.degree() <= MAX_POLE_DEGREE and (poly.domain.is_QQ or poly.domain.is_ZZ):
                    roots.update(Fraction(int(r.p), int(r.q)) for r in poly.ground_roots())
    except _OutOfTime:
        pass
    except Exception:  # noqa: BLE001 - a failed search finds no point, never a crash
        pass
    return sorted(roots)
