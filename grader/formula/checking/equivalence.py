"""`check_equivalence`: exact evaluation at the part's sample points first, a cheap symbolic proof second.

Two formulas that differ at a point of the domain are not equivalent (the point is the proof), and so are two where
the first (the answer) is undefined at a point where the second (the reference) is defined. Formulas that agree
at every sample point are equivalent; when sympy can also show it in its budget the reason says so.
Too few points where both are defined (overflow, both undefined) leaves the verdict undecided.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from grader.formula.checking.compiled import compiled
from grader.formula.checking.domain import Point, sample_points
from grader.formula.errors import CheckFailure
from grader.formula.checking.arithmetic import Env, NoPattern, Undefined, Value, exact
from grader.formula.checking.bounds import read_formula
from grader.formula.reading.read import ReadOk, exact_constants
from grader.formula.spec import FormulaSpec, spec_key
from grader.formula.checking.proof import prove_equal

MIN_POINTS = 6
CHECK_BUDGET_S = 1.0  # CPU seconds for evaluating one pair at all points (the sandbox's kill is the last resort)
REL_TOL = 1e-9

VerdictName = Literal["equivalent", "not_equivalent", "undecided", "unreadable"]


@dataclass(frozen=True)
class Verdict:
    """Whether two formulas are equivalent on the part's domain, and why."""

    verdict: VerdictName
    reason: str
    method: str = "sampling"  # sampling | proof | counterexample | none
    points: int = 0
    counterexample: str | None = None
    values: tuple[str, str] | None = None  # (value of a, value of b) at the counterexample
    undefined: str | None = None  # why `a` has no value at the counterexample (where `b` has one)

    @property
    def equivalent(self) -> bool:
        return self.verdict == "equivalent"


_Outcome = Value | Undefined | CheckFailure


def value_at(f: ReadOk, point: Point, spec: FormulaSpec, consts: dict[str, Fraction], fn=None) -> Value:
    fn = fn or compiled(f.node)
    env = Env(dict(point.variables), consts, dict(point.sequences))
    for name, seq in spec.sequences.items():
        if seq.role == "state":
            init = seq.initial
            if isinstance(init, str):
                if init not in consts:
                    raise Undefined(f"no value for {init}")
                v0 = exact(consts[init])
            else:
                v0 = exact(Fraction(str(init)))
            env.sequences[name] = {0: v0}
    if f.recurrence is None:
        return fn(env)
    seq, var = f.recurrence
    if not spec.length or spec.length not in point.variables:
        raise Undefined("no length for the recurrence")
    n = int(point.variables[spec.length])
    values = env.sequences.setdefault(seq, {})
    for s in range(1, n + 1):
        env.variables[var] = s
        try:
            values[s] = fn(env)
        except Undefined as exc:  # e.g. h_1 of `h_T = x_T - x_{T-1} + h_{T-2}`: fine unless it is needed
            values[s] = exc
    result = values[n]
    if isinstance(result, Exception):
        raise result
    return result


class Values:
    """A formula's values at the part's sample points, computed on first use (a mismatch stops early)."""

    __slots__ = ("_fn", "_vals", "consts", "f", "points", "spec")

    def __init__(self, f: ReadOk, spec: FormulaSpec, consts: dict[str, Fraction]) -> None:
        self.f, self.spec, self.consts = f, spec, consts
        self.points = sample_points(spec)
        self._vals: list[_Outcome | None] = [None] * len(self.points)
        self._fn = compiled(f.node)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> _Outcome:
        v = self._vals[i]
        if v is None:
            try:
                v = value_at(self.f, self.points[i], self.spec, self.consts, self._fn)
            except (Undefined, CheckFailure) as exc:
                v = exc
            except (ZeroDivisionError, OverflowError, ValueError, TypeError, RecursionError, MemoryError) as exc:
                v = CheckFailure(f"{type(exc).__name__}: {exc}")
            self._vals[i] = v
        return v


def values(f: ReadOk, spec: FormulaSpec, consts: dict[str, Fraction]) -> Values:
    """The formula's values at the sample points (lazy), cached per formula, spec and constants."""
    ckey = getattr(consts, "key", None) or tuple(sorted((k, str(v)) for k, v in consts.items()))
    key = (f.key, spec_key(spec), _points_key(spec), ckey)
    hit = _VALUES.get(key)
    if hit is None:
        if len(_VALUES) > 2_048:  # bounded memory: at most ~2k formulas x ~30 points x 1 kB
            _VALUES.clear()
        hit = _VALUES[key] = Values(f, spec, consts)
    return hit


_VALUES: dict[tuple, Values] = {}


def _points_key(spec: FormulaSpec) -> str:
    return spec_key(spec, "points")


def same(a: Value, b: Value) -> bool:
    if type(a) is not float and type(b) is not float:
        return a == b
    fa, fb = float(a), float(b)
    return math.isclose(fa, fb, rel_tol=REL_TOL, abs_tol=REL_TOL)


def show(v: Value) -> str:
    """A value as the student reads it (huge numbers by their size)."""
    if isinstance(v, int):
        v = Fraction(v)
    if isinstance(v, Fraction):
        bits = v.numerator.bit_length() + v.denominator.bit_length()
        if bits > 3000:
            return f"a number of about {int(bits * 0.30103)} digits"
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    return f"{v:.6g}"


def fingerprint(v: Value) -> str:
    """An exact, compact key of a value (hex, so no limit on the size of integers)."""
    if isinstance(v, int):
        return f"{v:x}"
    if isinstance(v, Fraction):
        return f"{v.numerator:x}/{v.denominator:x}"
    return f"{v:.12g}"


def compare(a: ReadOk, b: ReadOk, spec: FormulaSpec, consts: dict[str, Fraction], *, prove: bool = True,
            va: Values | None = None, vb: Values | None = None) -> Verdict:
    """Compare `a` (the answer) with `b` (the reference); `va`, `vb`: their values when the caller keeps them."""
    if a.key == b.key:
        return Verdict("equivalent", "they are the same formula", "proof", 0)
    va = va if va is not None else values(a, spec, consts)
    vb = vb if vb is not None else values(b, spec, consts)
    pts = va.points
    agree = 0
    first_undefined: tuple[Point, Undefined] | None = None
    unfollowed = 0  # points where the `...` of `a` follows no pattern (e.g. an empty `1 + 2 + ... + (n-1)`)
    started = time.process_time()  # CPU time: a loaded machine does not change the verdict
    for i, p in enumerate(pts):
        if time.process_time() - started > CHECK_BUDGET_S:
            if first_undefined is not None:  # already decided: a point where only `a` has no value
                break
            return Verdict("undecided", f"the check took too long (over {CHECK_BUDGET_S:g} s of CPU)", "none", agree)
        x, y = va[i], vb[i]
        x_ok, y_ok = not isinstance(x, Exception), not isinstance(y, Exception)
        if x_ok and y_ok:
            if same(x, y):
                agree += 1
                continue
            where = p.describe() if not p.sequences else _describe_seq(p, spec)
            return Verdict("not_equivalent", f"the two differ at {where}", "counterexample", agree, where,
                           (show(x), show(y)))
        if not x_ok and y_ok and isinstance(x, NoPattern):
            unfollowed += 1
        elif not x_ok and y_ok and isinstance(x, Undefined) and first_undefined is None:
            first_undefined = (p, x)
    if first_undefined is not None:
        # `a` has no value at a point of the domain where `b` has one (`n(n+1)/2 * floor(n/30)/floor(n/30)`,
        # `n(n+1)/2 + 0*log(n-20)`, even `n(n+1)/2 * (n-1)/(n-1)` at n = 1). That is not "equivalent", however
        # well they agree elsewhere: the answer does not give the count for that n. Nor is it "undecided": the
        # point is a proof, like a point where the values differ, so the verdict is "not equivalent" and the
        # student is told where the formula is undefined and why; a TA would only have to find that point again.
        # (Where `b` is undefined too, or only `b` is, the point is skipped: the domain of the reference rules. So is
        # a point where the reading of an ellipsis in `a` has no value, `NoPattern`: that is not the formula's.)
        p, why = first_undefined
        where = p.describe() if not p.sequences else _describe_seq(p, spec)
        return Verdict("not_equivalent", f"the first formula is undefined for {where} ({why}), where the second "
                       "is defined", "counterexample", agree, where, undefined=str(why))
    if agree >= MIN_POINTS:
        symbolic = not spec.sequences and a.recurrence is None and b.recurrence is None
        if prove and symbolic and prove_equal(a.node, b.node, _domains(spec), consts):
            return Verdict("equivalent", "sympy simplifies their difference to 0", "proof", agree)
        extra = f" (the `...` of the first follows no pattern at {unfollowed} other points)" if unfollowed else ""
        return Verdict("equivalent", f"they agree exactly at all {agree} sample points of the domain{extra}",
                       "sampling", agree)
    if (prove and not spec.sequences and a.recurrence is None and b.recurrence is None
            and prove_equal(a.node, b.node, _domains(spec), consts)):
        return Verdict("equivalent", "sympy simplifies their difference to 0", "proof", agree)
    return Verdict("undecided", f"they could be compared at only {agree} sample points (values too large or "
                   "undefined elsewhere)", "none", agree)


def _domains(spec: FormulaSpec) -> dict[str, str]:
    return {k: v.domain for k, v in spec.variables.items()}


def _describe_seq(p: Point, spec: FormulaSpec) -> str:
    parts = [p.describe()]
    for name, vals in p.sequences.items():
        shown = ", ".join(show(vals[i]) for i in sorted(vals)[:8])
        more = ", …" if len(vals) > 8 else ""
        parts.append(f"{name} = ({shown}{more})")
    return "; ".join(parts)


def check_equivalence(
    a: str | ReadOk,
    b: str | ReadOk,
    spec: FormulaSpec,
    *,
    constants: dict[str, int | float] | None = None,
    prove: bool = True,
) -> Verdict:
    """Are `a` and `b` (texts or read formulas) equivalent on the part's domain? Never raises."""
    try:
        ra = read_formula(a, spec, constants=constants) if isinstance(a, str) else a
        rb = read_formula(b, spec, constants=constants) if isinstance(b, str) else b
        for r, which in ((ra, "first"), (rb, "second")):
            if not isinstance(r, ReadOk):
                return Verdict("unreadable", f"the {which} formula could not be read: {r.message}", "none")
        return compare(ra, rb, spec, exact_constants(constants), prove=prove)
    except Exception as exc:  # noqa: BLE001 - the verdict is "undecided", never a crash
        return Verdict("undecided", f"the check failed internally ({type(exc).__name__}: {exc})", "none")


__all__ = ["Verdict", "check_equivalence", "compare", "values"]
