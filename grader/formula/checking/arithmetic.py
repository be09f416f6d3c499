"""Exact arithmetic on formula values, with bounds on every intermediate value.

Values are `Fraction`s (exact) or, for irrational results of `log` and `sqrt`, floats. Anything that would
grow past the bounds raises `CheckFailure`; anything undefined (division by zero, `x_{T+1}`) raises `Undefined`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from grader.formula.errors import CheckFailure
from grader.formula.reading.tree import Node

MAX_BITS = 8_192  # about 2,466 digits: larger values skip the point
MAX_FACTORIAL = 1_000
MAX_BINOMIAL_K = 2_000
MAX_SUM_TERMS = 5_000
_ONE = Fraction(1)

Value = Fraction | float


class Undefined(Exception):
    """The formula has no value at this point."""


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

    def spend(self, terms: int) -> None:
        self.work -= terms
        if self.work < 0:
            raise CheckFailure("too much work")


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
    elif math.isnan(v) or math.isinf(v):
        raise CheckFailure("value too large")
    return v


def _int(v: Value, what: str) -> int:
    if isinstance(v, int):
        return v
    if isinstance(v, Fraction) and v.denominator == 1:
        return v.numerator
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**52:
        return int(v)
    raise Undefined(f"{what} of a non-integer")


def _pow(b: Value, e: Value) -> Value:
    if isinstance(e, int) or (isinstance(e, Fraction) and e.denominator == 1):
        k = int(e)
        if b == 0 and k < 0:
            raise Undefined("division by zero")
        if k == 0:
            return 1
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
        try:
            return _check(float(b) ** k)
        except OverflowError:
            raise CheckFailure("power too large") from None
    # fractional exponent: exact when the root is exact
    if isinstance(b, (int, Fraction)) and isinstance(e, Fraction) and b >= 0 and e.denominator <= 8:
        root = _exact_root(Fraction(b), e.denominator)
        if root is not None:
            return _pow(root, Fraction(e.numerator))
    fb, fe = float(b), float(e)
    if fb < 0:
        raise Undefined("root of a negative number")
    if fb == 0 and fe < 0:
        raise Undefined("division by zero")
    try:
        return _check(fb**fe)
    except OverflowError:
        raise CheckFailure("power too large") from None


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


def _log(v: Value) -> float:
    if v <= 0:
        raise Undefined("logarithm of a non-positive number")
    if isinstance(v, int):
        return math.log(v)
    if isinstance(v, Fraction):
        return math.log(v.numerator) - math.log(v.denominator)
    return math.log(v)


def _call(func: str, args: list) -> Value:
    if func == "binomial":
        n, k = _int(args[0], "binomial"), _int(args[1], "binomial")
        if k < 0:
            return 0
        if n < 0:
            raise Undefined("binomial of a negative number")
        if k > n:
            return 0
        if min(k, n - k) > MAX_BINOMIAL_K or n > 10**7:
            raise CheckFailure("binomial too large")
        return math.comb(n, k)
    if func == "min":
        return min(args)
    if func == "max":
        return max(args)
    if func == "floor":
        return math.floor(args[0])
    if func == "ceil":
        return math.ceil(args[0])
    if func == "abs":
        return abs(args[0])
    if func == "sqrt":
        v = args[0]
        if v < 0:
            raise Undefined("square root of a negative number")
        if isinstance(v, (int, Fraction)):
            r = _exact_root(Fraction(v), 2)
            if r is not None:
                return exact(r)
        return math.sqrt(v)
    if func in ("log", "log2", "logb"):
        if func == "logb":
            base, v = args
        else:
            base, v = (Fraction(2) if func == "log2" else None), args[0]
        if base is not None and isinstance(v, (int, Fraction)) and isinstance(base, (int, Fraction)) and v > 0 \
                and base > 1:
            # exact when v is an integer power of the base
            k = _exact_log(Fraction(v), Fraction(base))
            if k is not None:
                return k
        if base is not None:
            lb = _log(base)
            if lb == 0:
                raise Undefined("logarithm to base 1")
            return _log(v) / lb
        if v == 1:
            return 0
        return _log(v)
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
