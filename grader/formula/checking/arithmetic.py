"""Exact arithmetic on formula values, with bounds on every intermediate value.

Values are exact rationals (`int`, `Fraction`) wherever the result is rational (`4^{-1/2}`, `\\log_2 8`,
`\\sqrt{12}/\\sqrt 3`), and otherwise mpmath numbers at `PRECISION_BITS` (real `mpf`, or `mpc` on a complex
domain): far more digits than any cancellation in a formula a student writes can eat, so that a true identity
is never rejected and `2^{t/5.1}` is told from `2^{0.196078431373 t}`. Anything that would grow past the bounds
raises `CheckFailure`; anything undefined (division by zero, `x_{T+1}`, `\\log 0`) raises `Undefined`.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath

from grader.formula.errors import CheckFailure
from grader.formula.reading.tree import Node

MAX_BITS = 8_192  # about 2,466 digits: larger values skip the point
MAX_FACTORIAL = 1_000
MAX_BINOMIAL_K = 2_000
MAX_SUM_TERMS = 5_000
_ONE = Fraction(1)

PRECISION_BITS = 256  # about 77 digits
MP = mpmath.MPContext()  # a context of our own: sympy's and other users' precision are left alone
MP.prec = PRECISION_BITS
MPF, MPC = type(MP.mpf(1)), type(MP.mpc(1))
INEXACT = (MPF, MPC)
MAX_MAGNITUDE = MP.mpf(2) ** MAX_BITS

Value = int | Fraction | MPF | MPC


def mp(v) -> MPF | MPC:
    """A value as an mpmath number (a Fraction exactly divided at the working precision)."""
    if isinstance(v, INEXACT):
        return v
    if isinstance(v, Fraction):
        return MP.mpf(v.numerator) / v.denominator
    return MP.mpf(v)


def is_real(v) -> bool:
    return not isinstance(v, MPC)


def real(v, what: str):
    """`v` as a real value; a complex one (with a nonzero imaginary part) is undefined for `what`."""
    if isinstance(v, MPC):
        if v.imag != 0:
            raise Undefined(f"{what} of a complex number")
        return v.real
    return v


class Undefined(Exception):
    """The formula has no value at this point."""


class AtEdge(Undefined):
    """A factorial or binomial of a negative integer: a counting formula past the edge of its domain
    (`(n-2)!` at n = 1), where a reader takes the count's convention rather than a gap in the formula."""


class NoPattern(Undefined):
    """The terms around `...` follow no one pattern at this point (`1 + 2 + ... + (n-1)` at n = 1, where a reader
    sees an empty sum): the reading of the ellipsis has no value here, which does not show the formula has none."""


MAX_WORK = 10_000  # terms of sums and patterns per evaluation at one point (nested sums multiply)


@dataclass
class Env:
    variables: dict[str, Fraction] = field(default_factory=dict)
    constants: dict[str, Fraction] = field(default_factory=dict)
    sequences: dict[str, dict[int, Value]] = field(default_factory=dict)
    work: int = MAX_WORK  # what is left of the budget
    complex: bool = False  # complex values allowed (principal branches), else undefined off the reals

    def spend(self, terms: int) -> None:
        self.work -= terms
        if self.work < 0:
            raise CheckFailure("too much work")


def math_constant(name: str, env: Env) -> Value:
    if name == "i":
        if not env.complex:
            raise Undefined("the imaginary unit on a real domain")
        return MP.mpc(0, 1)
    return +(MP.pi if name == "pi" else MP.e)  # computed at the working precision


@contextlib.contextmanager
def precision(bits: int):
    """Evaluate at more bits for a while (a comparison that cancellation may have spoilt is done again)."""
    saved = MP.prec
    MP.prec = bits
    try:
        yield
    finally:
        MP.prec = saved


def exact(v) -> int | Fraction:
    """Integers as `int` (fast), other rationals as `Fraction`."""
    if isinstance(v, Fraction) and v.denominator == 1:
        return v.numerator
    return v


def _check(v: Value) -> Value:
    if isinstance(v, int):
        if v.bit_length() > MAX_BITS:
            raise CheckFailure("value too large")
    elif isinstance(v, Fraction):
        if v.numerator.bit_length() + v.denominator.bit_length() > MAX_BITS:
            raise CheckFailure("value too large")
    elif isinstance(v, MPF):
        if not MP.isfinite(v) or abs(v) > MAX_MAGNITUDE:
            raise CheckFailure("value too large")
    elif isinstance(v, MPC):
        if not MP.isfinite(v) or abs(v) > MAX_MAGNITUDE:
            raise CheckFailure("value too large")
    elif isinstance(v, float):  # pragma: no cover - values are never floats
        raise CheckFailure("inexact value")
    return v


def _int(v: Value, what: str) -> int:
    if isinstance(v, int):
        return v
    if isinstance(v, Fraction) and v.denominator == 1:
        return v.numerator
    raise Undefined(f"{what} of a non-integer")


def _pow(b: Value, e: Value, complex_ok: bool = False) -> Value:
    if isinstance(e, int) or (isinstance(e, Fraction) and e.denominator == 1):
        k = int(e)
        if b == 0 and k < 0:
            raise Undefined("division by zero")
        if k == 0:
            return 1  # 0^0 = 1 by convention (binomial theorem, power series); `isolated_points` names it
        if isinstance(b, (int, Fraction)):
            if b == 0 or b == 1:
                return b
            if b == -1:
                return 1 if k % 2 == 0 else -1
            if isinstance(b, int):
                bits = b.bit_length()
            else:
                bits = max(b.numerator.bit_length(), b.denominator.bit_length())
            if bits * abs(k) > MAX_BITS:
                raise CheckFailure("power too large")
            if isinstance(b, int):
                return b**k if k > 0 else Fraction(1, b ** (-k))
            return exact(b**k)
        if abs(k) > 10 * MAX_BITS:
            raise CheckFailure("power too large")
        return _check(b**k)
    # fractional exponent: exact when the root is exact
    if isinstance(b, (int, Fraction)) and isinstance(e, Fraction) and e.denominator <= 64:
        if b >= 0:
            root = _exact_root(Fraction(b), e.denominator)
            if root is not None:
                return _pow(root, Fraction(e.numerator))
        elif e.denominator % 2 == 1 and not complex_ok:  # the real odd root of a negative number
            root = _exact_root(Fraction(-b), e.denominator)
            if root is not None:
                return _pow(-root, Fraction(e.numerator))
    if b == 0:
        if is_real(e) and real(e, "power") > 0:
            return 0
        raise Undefined("0 to a power that is not positive")
    if isinstance(e, MPC) or isinstance(b, MPC) or complex_ok:
        if not complex_ok:
            raise Undefined("a complex power")
        return _check(MP.power(MP.mpc(mp(b)), mp(e)))
    fb, fe = mp(b), mp(e)
    if fb < 0:
        if isinstance(e, Fraction) and e.denominator % 2 == 1:  # real odd roots of negative numbers
            return _check(-(MP.power(-fb, fe)) if e.numerator % 2 else MP.power(-fb, fe))
        raise Undefined("a root of a negative number")
    if fe * MP.log(fb) > MAX_BITS:  # before the power is built: `e^{e^{e^{10}}}` stops here
        raise CheckFailure("power too large")
    return _check(MP.power(fb, fe))


def _iroot(n: int, k: int) -> int | None:
    r = round(n ** (1.0 / k)) if n < 2**1000 else math.isqrt(n) if k == 2 else None
    if r is None:
        return None
    for c in (r - 1, r, r + 1):
        if c >= 0 and c**k == n:
            return c
    return None


def _exact_root(b: Fraction, k: int) -> Fraction | None:
    p, q = _iroot(b.numerator, k), _iroot(b.denominator, k)
    if p is None or q is None:
        return None
    return Fraction(p, q)


def _log(v: Value, complex_ok: bool = False) -> Value:
    if v == 1:
        return 0
    if isinstance(v, MPC) or (complex_ok and v != 0 and not (is_real(v) and v > 0)):
        if not complex_ok or v == 0:
            raise Undefined("logarithm of a complex number" if v != 0 else "logarithm of 0")
        return MP.log(MP.mpc(mp(v)))  # the principal branch
    if v <= 0:
        raise Undefined("logarithm of a non-positive number")
    return MP.log(mp(v))


# Elementary functions of one argument: (mpmath function, real domain check or None). Values on the reals unless
# the part is complex (principal branches there).
_ELEMENTARY = {
    "exp": ("exp", None), "sin": ("sin", None), "cos": ("cos", None), "tan": ("tan", "cos"),
    "cot": ("cot", "sin"), "sec": ("sec", "cos"), "csc": ("csc", "sin"),
    "asin": ("asin", "unit"), "acos": ("acos", "unit"), "atan": ("atan", None), "acot": ("acot", None),
    "sinh": ("sinh", None), "cosh": ("cosh", None), "tanh": ("tanh", None),
    "sech": ("sech", None), "csch": ("csch", "nonzero"), "coth": ("coth", "nonzero"),
    "asinh": ("asinh", None), "acosh": ("acosh", "ge1"), "atanh": ("atanh", "open_unit"),
}
_AT_ZERO = {"exp": 1, "sin": 0, "cos": 1, "tan": 0, "atan": 0, "sinh": 0, "cosh": 1, "tanh": 0, "sech": 1,
            "asin": 0, "asinh": 0, "atanh": 0}
MAX_TRIG_ARG = MP.mpf(2) ** 64  # `\\sin(10^{10^{10}})`: beyond this the argument's digits say nothing


def _elementary(func: str, v: Value, complex_ok: bool) -> Value:
    if v == 0 and func in _AT_ZERO:
        return _AT_ZERO[func]
    if v == 0 and func in ("cot", "csc", "csch", "coth"):
        raise Undefined(f"{func} of 0")
    name, dom = _ELEMENTARY[func]
    x = mp(v)
    if isinstance(x, MPC) and not complex_ok:
        raise Undefined(f"{func} of a complex number")
    size = abs(x)
    if func == "exp" and (x.real if isinstance(x, MPC) else x) > MAX_BITS * 0.7:
        raise CheckFailure("power too large")
    if func in ("sinh", "cosh", "tanh", "sech", "csch", "coth") and size > MAX_BITS * 0.7:
        if func in ("tanh", "coth") and is_real(x):
            return 1 if x > 0 else -1
        if func in ("sech", "csch") and is_real(x):
            return 0
        raise CheckFailure("value too large")
    if func in ("sin", "cos", "tan", "cot", "sec", "csc") and size > MAX_TRIG_ARG:
        raise CheckFailure("argument too large")
    if not complex_ok and is_real(x):
        if dom == "unit" and abs(x) > 1:
            raise Undefined(f"{func} outside [-1, 1]")
        if dom == "open_unit" and abs(x) >= 1:
            raise Undefined(f"{func} outside (-1, 1)")
        if dom == "ge1" and x < 1:
            raise Undefined(f"{func} below 1")
    out = getattr(MP, name)(x)
    if not complex_ok and isinstance(out, MPC):
        raise Undefined(f"{func} has no real value here")
    return _check(out)


def _ordered(args: list, what: str) -> list:
    vals = [real(a, what) for a in args]
    if any(isinstance(v, MPF) for v in vals):
        return [mp(v) for v in vals]
    return vals


def _call(func: str, args: list, complex_ok: bool = False) -> Value:
    if func in _ELEMENTARY:
        return _elementary(func, args[0], complex_ok)
    if func in ("binomial", "perm"):
        n, k = _int(args[0], func), _int(args[1], func)
        if k < 0:
            return 0
        if n < 0:
            raise AtEdge(f"{'binomial' if func == 'binomial' else 'permutations'} of a negative number")
        if k > n:
            return 0
        if min(k, n - k) > MAX_BINOMIAL_K or n > 10**7 or (func == "perm" and k > MAX_FACTORIAL):
            raise CheckFailure(f"{func} too large")
        return math.comb(n, k) if func == "binomial" else math.perm(n, k)
    if func == "min":
        return min(_ordered(args, "min"))
    if func == "max":
        return max(_ordered(args, "max"))
    if func in ("floor", "ceil"):
        v = real(args[0], func)
        if isinstance(v, MPF):
            return int(MP.floor(v) if func == "floor" else MP.ceil(v))
        return math.floor(v) if func == "floor" else math.ceil(v)
    if func == "abs":
        v = args[0]
        return _check(MP.fabs(v) if isinstance(v, MPC) else abs(v))
    if func == "sqrt":
        v = args[0]
        if isinstance(v, (int, Fraction)) and v >= 0:
            r = _exact_root(Fraction(v), 2)
            if r is not None:
                return exact(r)
        if isinstance(v, MPC) or (complex_ok and v < 0):
            if not complex_ok:
                raise Undefined("square root of a complex number")
            return MP.sqrt(MP.mpc(mp(v)))  # the principal branch
        if v < 0:
            raise Undefined("square root of a negative number")
        return MP.sqrt(mp(v))
    if func in ("log", "log2", "log10", "logb"):
        if func == "logb":
            base, v = args
        else:
            base, v = {"log2": 2, "log10": 10}.get(func), args[0]
        if base is not None and isinstance(v, (int, Fraction)) and isinstance(base, (int, Fraction)) and v > 0 \
                and base > 1:
            # exact when v is an integer power of the base
            k = _exact_log(Fraction(v), Fraction(base))
            if k is not None:
                return k
        if base is not None:
            lb = _log(base, complex_ok)
            if lb == 0:
                raise Undefined("logarithm to base 1")
            return _log(v, complex_ok) / lb
        return _log(v, complex_ok)
    raise CheckFailure(f"unknown function {func}")  # pragma: no cover


def _exact_log(v: Fraction, base: Fraction) -> int | None:
    if base.denominator != 1 or base.numerator < 2:
        return None
    inv = v < 1
    x = 1 / v if inv else v
    if x.denominator != 1:
        return None
    n, b, k = x.numerator, base.numerator, 0
    while n > 1 and n % b == 0:
        n //= b
        k += 1
    return (-k if inv else k) if n == 1 else None
