"""Explicit patterns with an ellipsis.

`a_1 + a_2 + ... + a_N` is read as terms that repeat with a period p: term i is a template (the written term of
its residue) whose index-like sub-formulas grow by a fixed step per period. `1 + 2 + ... + n`, `1^2 + 2^2 + ... + n^2`,
`x_2 - x_1 + x_4 - x_3 + ... + x_T - x_{T-1}` and `x_T - x_{T-1} + x_{T-2} - ... + x_2 - x_1` all fit. The
tail fixes the number of terms at each sample point; a tail that fits no template leaves the value undefined.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from itertools import pairwise

from grader.formula.checking.arithmetic import (
    MAX_SUM_TERMS,
    Env,
    NoPattern,
    Value,
    _check,
)
from grader.formula.reading.tree import Node, walk

Path = tuple[int, ...]
Valuer = Callable[[Node], Value]  # a sub-formula's value at the point being evaluated


def _pure(node: Node) -> bool:
    """No sequence values inside: an index-like sub-formula that may vary along the pattern."""
    return not any(n.kind in ("idx", "sum", "prod", "dots", "pdots") for n in walk(node))


def _diff(a: Node, b: Node, path: Path = (), coarse: bool = False) -> list[Path] | None:
    """Paths of the index-like sub-formulas where a and b differ; None when they differ otherwise.

    Fine leaves are the smallest differing parts (`1^2` vs `2^2`: the base); coarse leaves the largest pure ones
    (`(n-1)` vs `(n-2)`: the whole term). The index of a sequence is always one leaf (`x_{T-1}` vs `x_{T-3}`)."""
    if a.key() == b.key():
        return []
    if coarse and _pure(a) and _pure(b):
        return [path]
    if a.kind == "idx" and b.kind == "idx" and a.args[0] == b.args[0]:
        return _diff(a.args[1], b.args[1], (*path, 1), coarse=True)
    inner = _diff_inside(a, b, path, coarse)
    if inner is not None:
        return inner
    return [path] if _pure(a) and _pure(b) else None


def _diff_inside(a: Node, b: Node, path: Path, coarse: bool) -> list[Path] | None:
    if a.kind != b.kind or len(a.args) != len(b.args):
        return None
    out: list[Path] = []
    for i, (x, y) in enumerate(zip(a.args, b.args)):
        if isinstance(x, Node) and isinstance(y, Node):
            d = _diff(x, y, (*path, i), coarse)
            if d is None:
                return None
            out.extend(d)
        elif x != y:
            return None
    return out


def _match(template: Node, other: Node, leaves: list[Path], path: Path = ()) -> bool:
    """Does `other` have the template's shape, with any index-like sub-formula at the varying leaves?"""
    if path in leaves:
        return _pure(other)
    if template.kind != other.kind or len(template.args) != len(other.args):
        return False
    for i, (x, y) in enumerate(zip(template.args, other.args)):
        if isinstance(x, Node) and isinstance(y, Node):
            if not _match(x, y, leaves, (*path, i)):
                return False
        elif x != y:
            return False
    return True


def _get(node: Node, path: Path) -> Node:
    for i in path:
        node = node.args[i]
    return node


def _put(node: Node, path: Path, value: Value) -> Node:
    if not path:
        return Node("num", (value if isinstance(value, Fraction) else Fraction(value),))
    i = path[0]
    args = list(node.args)
    args[i] = _put(args[i], path[1:], value)
    return Node(node.kind, tuple(args), node.start, node.end)


def _geometric(head: tuple[Node, ...], tail: tuple[Node, ...], value: Valuer) -> Value | None:
    """`1 + 2 + 4 + ... + 2^n`: written numbers with a constant ratio, up to the value of the last term."""
    if len(head) < 3 or len(tail) != 1 or any(h.kind != "num" for h in head):
        return None
    vals = [h.args[0] for h in head]
    if vals[0] == 0:
        return None
    ratio = vals[1] / vals[0]
    if ratio in (0, 1, -1) or any(b != a * ratio for a, b in pairwise(vals)):
        return None
    last = value(tail[0])
    term, total = vals[0], Fraction(0)
    for _ in range(MAX_SUM_TERMS):
        total += term
        if term == last:
            return _check(total)
        term = _check(term * ratio)
        if abs(term) > abs(last) and abs(ratio) > 1:
            break
    raise NoPattern("the terms around `...` do not follow one pattern")


def _as_powers(head: tuple[Node, ...], tail: tuple[Node, ...]) -> tuple[tuple[Node, ...], tuple[Node, ...]]:
    """`1 + r + r^2 + ... + r^n` is `r^0 + r^1 + r^2 + ... + r^n`: written powers of one base make the pattern."""
    powers = [t for t in (*head, *tail) if t.kind == "pow" and t.args[0].kind in ("var", "const", "math")]
    if not powers:
        return head, tail
    base = powers[0].args[0]
    if any(p.args[0].key() != base.key() for p in powers):
        return head, tail

    def lift(t: Node) -> Node:
        if t.key() == base.key():
            return Node("pow", (t, Node("num", (Fraction(1),))), t.start, t.end)
        if t.kind == "num" and t.args[0] == 1:
            return Node("pow", (base, Node("num", (Fraction(0),))), t.start, t.end)
        return t

    return tuple(lift(t) for t in head), tuple(lift(t) for t in tail)


def dots_value(head: tuple[Node, ...], tail: tuple[Node, ...], env: Env, evaluate: Callable[[Node, Env], Value],
               product: bool = False) -> Value:
    """The value at this point of `head + ... + tail`, or of `head ... tail` when `product` (`evaluate` computes a
    term at the point)."""

    def value(node: Node) -> Value:
        return evaluate(node, env)

    head, tail = _as_powers(head, tail)
    geometric = None if product else _geometric(head, tail, value)
    if geometric is not None:
        return geometric
    for p, coarse in ((p, c) for p in range(1, len(head) + 1) for c in (False, True)):
        plan = _plan(head, tail, p, value, coarse)
        if plan is None:
            continue
        templates, leaves, starts, steps, n_terms = plan
        env.spend(n_terms)
        total: Value = Fraction(1 if product else 0)
        for i in range(n_terms):
            r, g = i % p, i // p
            term = templates[r]
            for path, start, step in zip(leaves[r], starts[r], steps[r]):
                term = _put(term, path, start + g * step)
            total = _check(total * value(term) if product else total + value(term))
        return total
    raise NoPattern("the terms around `...` do not follow one pattern")


def _plan(head, tail, p: int, value: Valuer, coarse: bool):
    templates = list(head[:p])
    leaves: list[list[Path]] = []
    steps: list[list[Value]] = []
    for r in range(p):
        pairs = [(head[i], head[i + p]) for i in range(r, len(head) - p, p)]
        if not pairs:
            leaves.append([])
            steps.append([])
            continue
        paths = _diff(*pairs[0], coarse=coarse)
        if not paths:
            return None
        st = []
        for path in paths:
            vals = set()
            for a, b in pairs:
                if _diff(a, b, coarse=coarse) != paths:
                    return None
                vals.add(value(_get(b, path)) - value(_get(a, path)))
            if len(vals) != 1:
                return None
            st.append(vals.pop())
        leaves.append(paths)
        steps.append(st)
    known = {st for sts in steps for st in sts}
    if any(not lv for lv in leaves) and len(known) == 1:
        # a term written once (`-x_{T-1}` in `x_T - x_{T-1} + x_{T-2} - ... - x_1`) moves with the others
        step = next(iter(known))
        for r in range(p):
            if not leaves[r]:
                leaves[r] = _index_paths(templates[r]) or ([()] if _pure(templates[r]) else [])
                steps[r] = [step] * len(leaves[r])
    if any(not lv for lv in leaves):
        # only one period is written out: it varies where it differs from the last period of the tail
        if len(tail) < p:
            return None
        last_group = tail[-p:]
        for r in range(p):
            if not leaves[r]:
                paths = _diff(templates[r], last_group[r], coarse=coarse)
                if not paths:
                    return None
                leaves[r] = paths
        values = [value(_get(templates[r], path)) for r in range(p) for path in leaves[r]]
        span = max(values) - min(values) + 1
        for r in range(p):
            if not steps[r]:
                steps[r] = [
                    span if value(_get(last_group[r], path)) >= value(_get(templates[r], path))
                    else -span
                    for path in leaves[r]
                ]
    starts = [[value(_get(templates[r], path)) for path in leaves[r]] for r in range(p)]
    n_terms = _count(templates, leaves, starts, steps, head, tail, p, value)
    if n_terms is None:
        return None
    return templates, leaves, starts, steps, n_terms


def _index_paths(node: Node, path: Path = ()) -> list[Path]:
    """Paths of the indices of the sequence values in a term (`x_{T-1}` -> the path of `T-1`)."""
    if node.kind == "idx":
        return [(*path, 1)]
    out: list[Path] = []
    for i, a in enumerate(node.args):
        if isinstance(a, Node):
            out.extend(_index_paths(a, (*path, i)))
    return out


def _count(templates, leaves, starts, steps, head, tail, p: int, value: Valuer) -> int | None:
    """How many terms the pattern has at this point, from where the tail fits; None if it fits nowhere."""
    best: int | None = None
    last = tail[-1]
    for r in range(p):
        if not _match(templates[r], last, leaves[r]):
            continue
        g: Value | None = None
        ok = True
        for path, start, step in zip(leaves[r], starts[r], steps[r]):
            if step == 0:
                ok = False
                break
            q = (value(_get(last, path)) - start) / step
            if g is None:
                g = q
            elif q != g:
                ok = False
                break
        if ok and r == 0 and g == -1 and len(tail) == 1:
            return 0  # the last term is one step before the first (`1 + r + ... + r^{n-1}` at n = 0): an empty sum
        if not ok or g is None or not (isinstance(g, Fraction) and g.denominator == 1 and g >= 0):
            continue
        n_terms = int(g) * p + r + 1
        if n_terms < len(tail) or n_terms > MAX_SUM_TERMS:
            continue
        if _tail_fits(templates, leaves, starts, steps, tail, n_terms, p, value) and (best is None or n_terms < best):
            best = n_terms
    return best


def _tail_fits(templates, leaves, starts, steps, tail, n_terms: int, p: int, value: Valuer) -> bool:
    for j, t in enumerate(tail):
        pos = n_terms - len(tail) + j
        r, g = pos % p, pos // p
        if not _match(templates[r], t, leaves[r]):
            return False
        for path, start, step in zip(leaves[r], starts[r], steps[r]):
            if value(_get(t, path)) != start + g * step:
                return False
    return True
