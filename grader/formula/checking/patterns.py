"""Explicit patterns with an ellipsis.

`a_1 + a_2 + ... + a_N` is read as terms that repeat with a period p: term i is a template (the written term of
its residue) whose index-like sub-formulas grow by a fixed step per period. `1 + 2 + ... + n`, `1^2 + 2^2 + ... + n^2`,
`x_2 - x_1 + x_4 - x_3 + ... + x_T - x_{T-1}` and `x_T - x_{T-1} + x_{T-2} - ... + x_2 - x_1` all fit. The
tail fixes the number of terms at each sample point; a tail that fits no template leaves the value undefined.

Which sub-formulas vary along the pattern, and whether a term has a template's shape, depend on the written terms
only, not on the point: those answers are kept per formula (`_memo`), so the sample points after the first only
evaluate.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from itertools import pairwise

from grader.formula import fast
from grader.formula.checking.arithmetic import (
    MAX_BITS,
    MAX_SUM_TERMS,
    Env,
    NoPattern,
    Value,
    _check,
)
from grader.formula.errors import CheckFailure
from grader.formula.reading.tree import Node, walk

Path = tuple[int, ...]
Valuer = Callable[[Node], Value]  # a sub-formula's value at the point being evaluated

_PLANS: dict[tuple, tuple] = {}  # (what, id of each node, extra) -> (the nodes, kept alive so ids stay theirs; answer)
_PLANS_SIZE = 4_096  # as many as the compiled formulas kept (`compiled._CACHE`)


def _memo(what: str, nodes: tuple, extra, compute: Callable[[], object]):
    """`compute()`, kept per node identity (trees are immutable): structural answers only, never a value."""
    if not fast.ENABLED:
        return compute()
    key = (what, *map(id, nodes), extra)
    hit = _PLANS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], nodes)):
        return hit[1]
    answer = compute()
    if len(_PLANS) >= _PLANS_SIZE:
        _PLANS.clear()
    _PLANS[key] = (nodes, answer)
    return answer


def _pure(node: Node) -> bool:
    """No sequence values inside: an index-like sub-formula that may vary along the pattern."""
    return _memo("pure", (node,), None,
                 lambda: not any(n.kind in ("idx", "sum", "prod", "dots", "pdots") for n in walk(node)))


def _diff(a: Node, b: Node, path: Path = (), coarse: bool = False) -> list[Path] | None:
    """`_paths` of two written terms (the callers never change the list)."""
    if path:
        return _paths(a, b, path, coarse)
    return _memo("diff", (a, b), coarse, lambda: _paths(a, b, (), coarse))


def _paths(a: Node, b: Node, path: Path, coarse: bool) -> list[Path] | None:
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
    if not path:
        return _memo("match", (template, other), tuple(leaves), lambda: _matches(template, other, leaves, ()))
    return _matches(template, other, leaves, path)


def _matches(template: Node, other: Node, leaves: list[Path], path: Path) -> bool:
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
    """`1 + r + r^2 + ... + r^n` is `r^0 + r^1 + r^2 + ... + r^n`: written powers of one base make the pattern
    (the same lifted nodes at every point, so that what is kept of them is found again)."""
    return _memo("powers", (*head, *tail), len(head), lambda: _lift_powers(head, tail))


def _lift_powers(head: tuple[Node, ...], tail: tuple[Node, ...]) -> tuple[tuple[Node, ...], tuple[Node, ...]]:
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
        slots = [_slotted(templates[r], leaves[r]) for r in range(p)] if fast.ENABLED else [None]
        if all(s is not None for s in slots):
            return _slot_total(slots, starts, steps, n_terms, p, total, env, evaluate, product)
        for i in range(n_terms):
            r, g = i % p, i // p
            term = templates[r]
            for path, start, step in zip(leaves[r], starts[r], steps[r]):
                term = _put(term, path, start + g * step)
            total = _check(total * value(term) if product else total + value(term))
        return total
    raise NoPattern("the terms around `...` do not follow one pattern")


def _slotted(template: Node, paths: list[Path]) -> tuple[Node, tuple[str, ...]] | None:
    """The template with a variable in place of each varying leaf, so that a term is the template evaluated with
    those variables set to the numbers `_put` would write there (one tree per formula, not one per term)."""
    def compute():
        if any(a != b and a[: len(b)] == b for a in paths for b in paths):
            return None  # nested leaves: only `_put`, one after the other, says what that means
        names = tuple(f"\0term{id(template)}:{k}" for k in range(len(paths)))  # no formula can name these
        node = template
        for path, name in zip(paths, names):
            node = _replace(node, path, Node("var", (name,)))
        return node, names

    return _memo("slots", (template,), tuple(paths), compute)


def _replace(node: Node, path: Path, leaf: Node) -> Node:
    if not path:
        return leaf
    args = list(node.args)
    args[path[0]] = _replace(args[path[0]], path[1:], leaf)
    return Node(node.kind, tuple(args), node.start, node.end)


def _whole(v) -> int | None:
    """`v` as an int when it is a whole rational (int or Fraction), else None."""
    if type(v) is int:
        return v
    if type(v) is Fraction and v.denominator == 1:
        return v.numerator
    return None


def _slot_total(slots, starts, steps, n_terms: int, p: int, total: Value, env: Env,
                evaluate: Callable[[Node, Env], Value], product: bool) -> Value:
    """The loop of `dots_value` on slotted templates: each leaf's number set as `_put` makes it, then the term.
    Whole numbers are added as ints: a sum of whole Fractions is that int as a Fraction, and `_check` of a whole
    Fraction counts the bits of its numerator and of the denominator 1 (hence `+ 1` below)."""
    variables = env.variables
    whole = [[(_whole(a), _whole(b)) for a, b in zip(starts[r], steps[r])] for r in range(p)]
    acc = None if product else _whole(total)  # the running sum while it is whole
    try:
        for i in range(n_terms):
            r, g = i % p, i // p
            node, names = slots[r]
            for name, start, step, (a, b) in zip(names, starts[r], steps[r], whole[r]):
                if a is not None and b is not None:
                    variables[name] = Fraction(a + g * b)
                else:
                    v = start + g * step
                    variables[name] = v if isinstance(v, Fraction) else Fraction(v)
            term = evaluate(node, env)
            if acc is not None:
                t = _whole(term)
                if t is not None:
                    acc += t
                    if acc.bit_length() + 1 > MAX_BITS:
                        raise CheckFailure("value too large")
                    continue
                total, acc = Fraction(acc), None
            total = _check(total * term if product else total + term)
    finally:
        for _, names in slots:
            for name in names:
                variables.pop(name, None)
    return Fraction(acc) if acc is not None else total


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
    if not path:
        return list(_memo("index", (node,), None, lambda: _indices(node, ())))
    return _indices(node, path)


def _indices(node: Node, path: Path) -> list[Path]:
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
