"""`check_equivalence`: exact evaluation at the part's sample points first, a cheap symbolic proof second.

Two formulas that differ at a point of the domain are not equivalent (the point is the proof). Where the first (the
answer) has no value at a point where the second (the reference) has one, the point decides too, unless it is
isolated: a removable singularity (the answer's values next to the point tend to the reference's there), `0^0`, or
`n!` at the edge of an integer domain, and the two agree everywhere else. Such an answer is equivalent with the
point named (the rubric's `isolated_points: review` flags it for a person instead). Formulas that agree at every
sample point are equivalent; when sympy can also show it in its budget the reason says so. A formula without
variables is decided by its one value, exact or at the arithmetic's precision. Too few points where both are
defined (overflow, both undefined) leaves the verdict undecided.

Values compare exactly when both are rational. Otherwise they agree when they differ by less than `REL_TOL`
relative to their size, far below anything a formula's own digits can produce, so a decimal answer
(`0.99999999`) is never taken for the exact reference (`99999998/99999999`). A rubric's `tolerance:` (relative)
or `decimals:` (half a unit of the last decimal) loosens this for parts that ask for a number.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from grader.formula import fast
from grader.formula.checking.compiled import compiled
from grader.formula.checking.domain import Point, sample_points
from grader.formula.errors import CheckFailure
from grader.formula.checking import arithmetic as ar
from grader.formula.checking.arithmetic import AtEdge, Env, NoPattern, Undefined, Value, exact
from grader.formula.checking.bounds import read_formula
from grader.formula.reading.read import ReadOk, exact_constants
from grader.formula.spec import INTEGER_DOMAINS, FormulaSpec, complex_mode, spec_key
from grader.formula.checking.proof import prove_equal, rational_poles
from grader.formula.reading.tree import walk

MIN_POINTS = 6
CHECK_BUDGET_S = 1.0  # CPU seconds for evaluating one pair at all points (the sandbox's kill is the last resort)
REL_TOL = ar.MP.mpf(2) ** -200  # relative; values carry 256 bits
ISOLATED_SHARE = 0.2  # at most this share of the compared points may be isolated ones

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
    isolated: str | None = None  # equivalent except at these isolated points, where `a` has no value: why
    rule: str = "exact"  # how values were compared: exact | tolerance | decimals

    @property
    def equivalent(self) -> bool:
        return self.verdict == "equivalent"


_Outcome = Value | Undefined | CheckFailure


def value_at(f: ReadOk, point: Point, spec: FormulaSpec, consts: dict[str, Fraction], fn=None,
             setup: tuple | None = None) -> Value:
    """`f` at `point`; `setup` is `_setup(spec, consts)` when the caller evaluates many points."""
    fn = fn or compiled(f.node)
    cx, states = setup or _setup(spec, consts)
    env = Env(dict(point.variables), consts, dict(point.sequences), complex=cx)
    for name, v0, missing in states:
        if missing:
            raise Undefined(missing)
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


def _setup(spec: FormulaSpec, consts: dict[str, Fraction]) -> tuple[bool, tuple]:
    """What every point's evaluation starts from: complex values or not, and each state sequence's initial value
    (name, value, why there is none), in the order of the spec."""
    states = []
    for name, seq in spec.sequences.items():
        if seq.role == "state":
            init = seq.initial
            if isinstance(init, str):
                if init not in consts:
                    states.append((name, None, f"no value for {init}"))
                    continue
                v0 = exact(consts[init])
            else:
                v0 = exact(Fraction(str(init)))
            states.append((name, v0, None))
    return complex_mode(spec), tuple(states)


class Values:
    """A formula's values at the part's sample points, computed on first use (a mismatch stops early)."""

    __slots__ = ("_fn", "_setup", "_vals", "consts", "f", "points", "spec")

    def __init__(self, f: ReadOk, spec: FormulaSpec, consts: dict[str, Fraction]) -> None:
        self.f, self.spec, self.consts = f, spec, consts
        self.points = sample_points(spec)
        self._vals: list[_Outcome | None] = [None] * len(self.points)
        self._fn = compiled(f.node)
        self._setup = None
        if fast.ENABLED:
            try:
                self._setup = _setup(spec, consts)
            except (ArithmeticError, ValueError, TypeError):  # then each point meets it, as without the setup
                pass

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> _Outcome:
        v = self._vals[i]
        if v is None:
            try:
                v = value_at(self.f, self.points[i], self.spec, self.consts, self._fn, self._setup)
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


def same(a: Value, b: Value, spec: FormulaSpec | None = None) -> bool:
    """Whether the answer's value `a` is the reference's `b`, by the part's rule (see the module's docstring)."""
    exact_pair = not isinstance(a, ar.INEXACT) and not isinstance(b, ar.INEXACT)
    if spec is not None and spec.tolerance is not None:
        x, y = ar.mp(a), ar.mp(b)
        return abs(x - y) <= spec.tolerance * abs(y) if y != 0 else abs(x) <= spec.tolerance
    if spec is not None and spec.decimals is not None:
        return abs(ar.mp(a) - ar.mp(b)) <= ar.MP.mpf(10) ** -spec.decimals / 2
    if exact_pair:
        return a == b
    x, y = ar.mp(a), ar.mp(b)
    return abs(x - y) <= REL_TOL * max(abs(x), abs(y), 1)


def rule_of(spec: FormulaSpec) -> str:
    return "tolerance" if spec.tolerance is not None else "decimals" if spec.decimals is not None else "exact"


def show(v: Value) -> str:
    """A value as the student reads it (huge numbers by their size)."""
    if isinstance(v, int):
        v = Fraction(v)
    if isinstance(v, Fraction):
        bits = v.numerator.bit_length() + v.denominator.bit_length()
        if bits > 3000:
            return f"a number of about {int(bits * 0.30103)} digits"
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    if isinstance(v, ar.MPC):
        return f"{ar.MP.nstr(v.real, 8)} {'+' if v.imag >= 0 else '-'} {ar.MP.nstr(abs(v.imag), 8)}i"
    return ar.MP.nstr(v, 10)


def fingerprint(v: Value) -> str:
    """An exact, compact key of a value (hex, so no limit on the size of integers)."""
    if isinstance(v, int):
        return f"{v:x}"
    if isinstance(v, Fraction):
        return f"{v.numerator:x}/{v.denominator:x}"
    if isinstance(v, ar.MPC):
        return f"{ar.MP.nstr(v.real, 15)},{ar.MP.nstr(v.imag, 15)}"
    return ar.MP.nstr(v, 15)


def compare(a: ReadOk, b: ReadOk, spec: FormulaSpec, consts: dict[str, Fraction], *, prove: bool = True,
            va: Values | None = None, vb: Values | None = None) -> Verdict:
    """Compare `a` (the answer) with `b` (the reference); `va`, `vb`: their values when the caller keeps them."""
    rule = rule_of(spec)
    if a.key == b.key:
        return Verdict("equivalent", "they are the same formula", "proof", 0, rule=rule)
    va = va if va is not None else values(a, spec, consts)
    vb = vb if vb is not None else values(b, spec, consts)
    pts = va.points
    agree = 0
    undefined: list[tuple[int, Undefined]] = []  # points where only `a` has no value
    unfollowed = 0  # points where the `...` of `a` follows no pattern (e.g. an empty `1 + 2 + ... + (n-1)`)
    started = time.process_time()  # CPU time: a loaded machine does not change the verdict
    for i, p in enumerate(pts):
        if p.reserve and agree >= MIN_POINTS:
            break  # enough points: the reserve is for a reference with no value at most of them
        if time.process_time() - started > CHECK_BUDGET_S:
            if undefined:  # already decided: a point where only `a` has no value
                break
            return Verdict("undecided", f"the check took too long (over {CHECK_BUDGET_S:g} s of CPU)", "none", agree,
                           rule=rule)
        x, y = va[i], vb[i]
        x_ok, y_ok = not isinstance(x, Exception), not isinstance(y, Exception)
        if x_ok and y_ok:
            if same(x, y, spec) or (isinstance(x, ar.INEXACT) or isinstance(y, ar.INEXACT)) and _same_when_precise(
                    a, b, p, spec, consts):
                agree += 1
                continue
            where = p.describe() if not p.sequences else _describe_seq(p, spec)
            said = f"the two differ at {where}" if p.variables or p.sequences else (
                f"their values differ: {show(x)} and {show(y)}")
            return Verdict("not_equivalent", said, "counterexample", agree, where, (show(x), show(y)), rule=rule)
        if not x_ok and y_ok and isinstance(x, NoPattern):
            unfollowed += 1
        elif not x_ok and y_ok and isinstance(x, Undefined):
            undefined.append((i, x))
    if undefined:
        # `a` has no value at a point of the domain where `b` has one. Isolated points (`\frac{x^2-1}{x+1}` at
        # x = -1, `\frac{n!}{2!(n-2)!}` at n = 1, `a^b a^c` at 0^0) with agreement everywhere else: equivalent, the
        # point named. Otherwise (`n(n+1)/2 + 0*log(n-20)`, undefined on a whole range) the point is a proof that
        # the answer does not give the value there: "not equivalent", with where and why.
        isolated = _isolated(undefined, agree, a, b, va, spec, consts)
        where = "; ".join(pts[i].describe() if not pts[i].sequences else _describe_seq(pts[i], spec)
                          for i, _ in undefined[:3])
        if isolated:
            why = f"{where} ({undefined[0][1]})"
            return Verdict("equivalent", f"they agree at all {agree} other sample points; the first formula has no "
                           f"value at the isolated point {why}, where the second has one", "sampling", agree,
                           isolated=why, rule=rule)
        i, why = undefined[0]
        where = pts[i].describe() if not pts[i].sequences else _describe_seq(pts[i], spec)
        return Verdict("not_equivalent", f"the first formula is undefined for {where} ({why}), where the second "
                       "is defined", "counterexample", agree, where, undefined=str(why), rule=rule)
    constant = not _has_variables(a) and not _has_variables(b)
    if agree >= MIN_POINTS and any(_divides(n) for n in walk(a.node)):
        pole = _unsampled_pole(a, b, spec, consts)  # a zero of a denominator that no sample point hit
        if pole is not None:
            p, why, removable = pole
            where = f"{p.describe()} ({why})"
            if removable:
                return Verdict("equivalent", f"they agree at all {agree} sample points; the first formula has no "
                               f"value at the isolated point {where}, where the second has one", "sampling", agree,
                               isolated=where, rule=rule)
            return Verdict("not_equivalent", f"the first formula is undefined for {where}, where the second is "
                           "defined", "counterexample", agree, p.describe(), undefined=why, rule=rule)
    if agree >= MIN_POINTS or (constant and agree >= 1):
        symbolic = not spec.sequences and a.recurrence is None and b.recurrence is None
        if prove and symbolic and prove_equal(a.node, b.node, _domains(spec), consts):
            return Verdict("equivalent", "sympy simplifies their difference to 0", "proof", agree, rule=rule)
        if constant:
            how = "exactly" if rule == "exact" and not isinstance(va[0], ar.INEXACT) else (
                f"to {ar.PRECISION_BITS * 3 // 10} digits" if rule == "exact" else "within the part's tolerance")
            return Verdict("equivalent", f"they have the same value, {show(va[0])}, {how}", "evaluation", agree,
                           rule=rule)
        extra = f" (the `...` of the first follows no pattern at {unfollowed} other points)" if unfollowed else ""
        how = "exactly" if all(not isinstance(va[i], ar.INEXACT) for i in range(min(agree, 3))) else (
            f"to {ar.PRECISION_BITS * 3 // 10} digits")
        return Verdict("equivalent", f"they agree {how} at all {agree} sample points of the domain{extra}",
                       "sampling", agree, rule=rule)
    if (prove and not spec.sequences and a.recurrence is None and b.recurrence is None
            and prove_equal(a.node, b.node, _domains(spec), consts)):
        return Verdict("equivalent", "sympy simplifies their difference to 0", "proof", agree, rule=rule)
    return Verdict("undecided", f"they could be compared at only {agree} sample points (values too large or "
                   "undefined elsewhere)", "none", agree, rule=rule)


RETRY_BITS = (1_024, 4_096)  # `\\cosh^2 x - \\sinh^2 x` at x = 500 cancels some 1,440 bits


def _same_when_precise(a: ReadOk, b: ReadOk, p: Point, spec: FormulaSpec, consts) -> bool:
    """Whether two inexact values that differ agree when both are computed again with more bits: the difference
    was cancellation in the arithmetic, not in the formulas."""
    for bits in RETRY_BITS:
        with ar.precision(bits):
            try:
                x, y = value_at(a, p, spec, consts), value_at(b, p, spec, consts)
            except (Undefined, CheckFailure, ArithmeticError, ValueError, TypeError):
                return False
            if same(x, y, spec):
                return True
    return False


def _has_variables(f: ReadOk) -> bool:
    """Whether the formula has a free name: the index of a `\\sum` or `\\prod` is bound, not a variable."""
    if f.recurrence is not None:
        return True
    nodes = list(walk(f.node))
    bound = {n.args[0] for n in nodes if n.kind in ("sum", "prod") and isinstance(n.args[0], str)}
    return any(n.kind == "idx" or (n.kind == "var" and n.args[0] not in bound) for n in nodes)


NEAR = ar.MP.mpf(2) ** -90  # how close to an isolated point its neighbours are taken


def _isolated(undefined: list[tuple[int, Undefined]], agree: int, a: ReadOk, b: ReadOk, va: Values,
              spec: FormulaSpec, consts) -> bool:
    """Whether the points where only `a` has no value are isolated ones (see `compare`)."""
    if agree < MIN_POINTS or len(undefined) > max(2, ISOLATED_SHARE * (agree + len(undefined))):
        return False
    if spec.sequences:
        return False
    reals = [k for k, v in spec.variables.items() if v.domain not in INTEGER_DOMAINS]
    if not reals:  # integers: no limit to take; only a count's convention at the edge of its domain
        return all(isinstance(why, AtEdge) for _, why in undefined)  # `(n-2)!` at n = 1, not `(n-1)/(n-1)`
    fa, fb = compiled(a.node), compiled(b.node)
    for i, _ in undefined:  # on a continuum: the answer's values next to the point tend to the reference's there
        p = va.points[i]
        try:
            va_ref = value_at(b, p, spec, consts, fb)
        except (Undefined, CheckFailure, ArithmeticError, ValueError, TypeError):
            return False
        if not any(_tends_to(a, fa, p, sign, reals, va_ref, spec, consts) for sign in (1, -1)):
            return False
    return True


def _divides(n) -> bool:
    """A division, or a power whose exponent is a negative number: where a denominator can vanish."""
    if n.kind == "inv":
        return True
    if n.kind != "pow":
        return False
    e = n.args[1]
    return e.kind != "num" or e.args[0] < 0


_REAL_DOMAINS = {"real": lambda v: True, "positive_real": lambda v: v > 0, "nonnegative_real": lambda v: v >= 0}


def _unsampled_pole(a: ReadOk, b: ReadOk, spec: FormulaSpec, consts) -> tuple[Point, str, bool] | None:
    """A zero of the answer's denominator that the sample points missed, where the reference has a value:
    (the point, why the answer has none there, whether it is removable). One real variable, no constraints."""
    if spec.sequences or spec.constraints or len(spec.variables) != 1 or a.recurrence is not None:
        return None
    (name, var), = spec.variables.items()
    inside = _REAL_DOMAINS.get(var.domain)
    if inside is None:
        return None
    fa, fb = compiled(a.node), compiled(b.node)
    for root in rational_poles(a.node, name, _domains(spec), consts)[:4]:
        if not inside(root):
            continue
        p = Point({name: root}, {})
        try:
            target = value_at(b, p, spec, consts, fb)
        except (Undefined, CheckFailure, ArithmeticError, ValueError, TypeError):
            continue  # the reference has no value there either
        try:
            value_at(a, p, spec, consts, fa)
            continue  # the answer has a value there after all (the factor cancels in its own evaluation)
        except Undefined as why:
            removable = any(_tends_to(a, fa, p, sign, [name], target, spec, consts) for sign in (1, -1))
            return p, str(why), removable
        except (CheckFailure, ArithmeticError, ValueError, TypeError):
            continue
    return None


def _tends_to(a: ReadOk, fa, p: Point, sign: int, reals: list[str], target, spec: FormulaSpec, consts) -> bool:
    """Whether `a` next to `p` (on one side, along every real variable) is within 2^-40 of `target`: a removable
    singularity, or a step whose value at the point the reference gives."""
    moved = {k: (v + sign * NEAR if k in reals else v) for k, v in p.variables.items()}
    try:
        near = value_at(a, type(p)(moved, p.sequences), spec, consts, fa)
    except (Undefined, CheckFailure, ArithmeticError, ValueError, TypeError):
        return False
    return abs(ar.mp(near) - ar.mp(target)) <= max(abs(ar.mp(target)), 1) * ar.MP.mpf(2) ** -40


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
