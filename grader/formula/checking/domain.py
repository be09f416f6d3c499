"""Sample points of a part's domain: seeded, reproducible, satisfying the declared constraints.

A point gives every declared variable an exact value and, for sequence parts, every input sequence its values
x_1..x_T. Points come in three sizes (small values catch boundary cases such as t = n - 1 or n = 1, larger
ones make accidental agreement of different formulas unlikely).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from grader.formula.checking.arithmetic import MP, MPC, mp
from grader.formula.spec import FormulaSpec, parse_constraints, spec_key

# (how many points, largest value) per size
TIERS = ((4, 6), (5, 60), (3, 500))
RESERVE_TIERS = ((6, 3), (6, 30), (6, 2000))  # used when the reference has no value at too many points
SEQUENCE_TIERS = ((6, 8), (6, 24), (4, 60))
_TRIES = 400

NO_VARIABLES = "its value (the formula has no variables)"


@dataclass(frozen=True)
class Point:
    variables: dict[str, Fraction]
    sequences: dict[str, dict[int, Fraction]]
    reserve: bool = False  # drawn for a reference with no value at too many of the other points

    def describe(self) -> str:
        """The point as the student reads it; a formula without variables has one point, "no variables"."""
        if not self.variables:
            return NO_VARIABLES
        return ", ".join(f"{k} = {_show(v)}" for k, v in self.variables.items())


def _val(tok: str, vals: dict[str, Fraction]) -> Fraction:
    if tok in vals:
        return vals[tok]
    return Fraction(tok)


def satisfied(cons: list[tuple], vals: dict[str, Fraction]) -> bool:
    for c in cons:
        if c[0] == "div":
            a, b = _val(c[1], vals), _val(c[2], vals)
            if a == 0 or (b / a).denominator != 1:
                return False
        elif c[0] in ("even", "odd"):
            v = vals[c[1]]
            if v.denominator != 1 or (v.numerator % 2 == 0) != (c[0] == "even"):
                return False
        else:
            a, op, b = _val(c[1], vals), c[2], _val(c[3], vals)
            if not {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "!=": a != b}[op]:
                return False
    return True


def _draw(rng: random.Random, domain: str, top: int) -> Fraction:
    if domain == "positive_integer":
        return Fraction(rng.randint(1, top))
    if domain == "nonnegative_integer":
        return Fraction(rng.randint(0, top))
    if domain == "integer":
        return Fraction(rng.randint(-top, top))
    q = rng.randint(1, 7)
    p = rng.randint(1, top * q)
    v = Fraction(p, q)
    if domain == "complex":
        w = Fraction(rng.randint(-top * q, top * q), q)
        return MP.mpc(mp(v if rng.random() < 0.5 else -v), mp(w))
    if domain == "nonnegative_real" and rng.random() < 0.1:
        return Fraction(0)
    return v if domain in ("positive_real", "nonnegative_real") or rng.random() < 0.5 else -v


_POINTS: dict[str, tuple[Point, ...]] = {}


def sample_points(spec: FormulaSpec) -> tuple[Point, ...]:
    """The part's sample points (cached per spec)."""
    key = spec_key(spec, "points")
    pts = _POINTS.get(key)
    if pts is None:
        pts = _make_points(spec)
        _POINTS[key] = pts
    return pts


def _make_points(spec: FormulaSpec) -> tuple[Point, ...]:
    cons = parse_constraints(spec)
    names = list(spec.variables)
    rng = random.Random(f"grader-formula:{spec.seed}:{','.join(names)}:{';'.join(spec.constraints)}")
    tiers = SEQUENCE_TIERS if spec.sequences else TIERS
    seen: set[tuple] = set()
    points: list[Point] = []
    for vals in _edge_grid(spec, cons):
        seen.add(tuple(vals.values()))
        points.append(Point(vals, _sequences(spec, vals, rng)))
    reserve = () if spec.sequences or not names else RESERVE_TIERS
    for tier, (count, top) in enumerate((*tiers, *reserve)):
        made = 0
        for _ in range(_TRIES):
            if made >= count:
                break
            vals = {v: _draw(rng, spec.variables[v].domain, top) for v in names}
            for c in cons:  # steer towards the constraints, then check them all
                if c[0] == "div" and c[2] in vals and c[1] in vals:
                    vals[c[2]] = vals[c[1]] * rng.randint(1, max(1, top // max(1, int(vals[c[1]]))))
                elif c[0] in ("even", "odd") and c[1] in vals:
                    v = int(vals[c[1]])
                    vals[c[1]] = Fraction(v + (v % 2 != (0 if c[0] == "even" else 1)))
            if not satisfied(cons, vals):
                continue
            k = tuple(vals.values())
            if not spec.sequences and k in seen and len(seen) < 3 * sum(t[0] for t in tiers):
                continue
            seen.add(k)
            points.append(Point(vals, _sequences(spec, vals, rng), tier >= len(tiers)))
            made += 1
    return tuple(Point({k: _exact(v) for k, v in p.variables.items()},
                       {k: {i: _exact(x) for i, x in vs.items()} for k, vs in p.sequences.items()}, p.reserve)
                 for p in points)


def _exact(v):
    if not isinstance(v, Fraction):
        return v
    return v.numerator if v.denominator == 1 else v


def _show(v) -> str:
    if isinstance(v, MPC):
        re_, im = Fraction(str(MP.nstr(v.real, 20))), Fraction(str(MP.nstr(v.imag, 20)))
        return f"{re_} {'+' if im >= 0 else '-'} {abs(im)}i" if re_ else f"{im}i"
    return str(v)


_EDGES = {
    "positive_integer": (1, 2, 3),
    "nonnegative_integer": (0, 1, 2),
    "integer": (0, 1, -1, 2),
    "positive_real": (1, Fraction(1, 2), 2),
    "nonnegative_real": (0, 1, Fraction(1, 2), 2),
    "real": (0, 1, -1, Fraction(1, 2)),
    "complex": (0, 1, -1, Fraction(1, 2)),
}
MAX_EDGE_POINTS = 10


def _edge_grid(spec: FormulaSpec, cons: list[tuple]) -> list[dict[str, Fraction]]:
    """The smallest values of the domain (boundary cases such as n = 1, t = n - 1, n = 0) that satisfy the
    constraints."""
    grid: list[dict[str, Fraction]] = [{}]
    for name, var in spec.variables.items():
        edges = _EDGES[var.domain]
        if spec.length == name:
            edges = tuple(range(1, 7))
        grid = [{**g, name: Fraction(v)} for g in grid for v in edges][:200]
    out = [g for g in grid if satisfied(cons, g)]
    return out[:MAX_EDGE_POINTS]


def _sequences(spec: FormulaSpec, vals: dict[str, Fraction], rng: random.Random) -> dict[str, dict[int, Fraction]]:
    seqs: dict[str, dict[int, Fraction]] = {}
    if spec.sequences and spec.length and spec.length in vals:
        n = int(vals[spec.length])
        for name, seq in spec.sequences.items():
            if seq.role == "input":
                seqs[name] = {i: Fraction(rng.randint(seq.low, seq.high)) for i in range(1, n + 1)}
    return seqs
