"""From a cleaned formula to a tree of `Node`s: tokenize, parse with the LALR grammar, build, bound.

Nothing here evaluates student text as code: the tokens come from a whitelist, the grammar is fixed, and the
tree is built node by node. Bounds are checked before anything large is built: length and nesting in the
tokenizer, tree depth before building, and constant sub-formulas (`9^9^9`, `factorial(10^9)`) by a bounded
exact evaluation.

One rule to know: `/` divides by the next factor only, left to right, as in Python, sympy and PrairieLearn
(WeBWorK differs): `1/2n` is (1/2)·n. The reading shows it, and a note tells the student how to write 1/(2n).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from itertools import pairwise

from grader.formula.errors import ReadFailure
from grader.formula.reading.tokens import ELEMENTARY, FUNCTIONS, INVERSE, Names, sum_indices, tokenize
from grader.formula.reading.tree import Node, substitute
from grader.formula.reading.unicode import Clean
from grader.formula.reading.grammar import parse_tokens, wrap_infix
from grader.formula.reading.parsetree import Token, Tree

MAX_FORMULA_CHARS = 2000
MAX_TREE_DEPTH = 160
BoundsCheck = Callable[[Node, dict[str, Fraction]], None]  # raises ReadFailure

_ARITY = {canon: arity for canon, arity in FUNCTIONS.values()}
_ARITY.update({"log2": 1, "sqrt": 1})


def read_clean(src: Clean, names: Names, constants: dict[str, Fraction], source: str = "",
               check: BoundsCheck | None = None) -> tuple[Node, list[str]]:
    """Read one cleaned formula; returns the tree and notes on how it was read. Raises ReadFailure.
    `check` bounds the built tree (the checker's evaluation limits on constant parts)."""
    if len(src.text) > MAX_FORMULA_CHARS:
        raise ReadFailure(f"The formula is too long (more than {MAX_FORMULA_CHARS} characters).", src.at(0))
    if _CASES.match(src.text):
        return _read_cases(src, names, constants, source, check)
    names = Names(names.variables, names.sequences, names.constants, set(names.bound) | sum_indices(src.text),
                  names.functions, names.imaginary)
    tokens = tokenize(src, names)
    tokens = wrap_infix(tokens)
    eqs = [t for t in tokens if t.type == "EQ"]
    if eqs and not any(t.type in ("SUM", "PROD") for t in tokens):
        raise ReadFailure("I can't read `=` here.", eqs[0].start_pos, eqs[0].end_pos)
    tree = parse_tokens(tokens, src.at(len(src.text)))
    check_depth(tree)
    b = _Builder(names, constants, source)
    node = b.build(tree.children[0], frozenset())
    if check is not None:
        check(node, constants)
    return node, b.notes


_CASES = re.compile(r"^\s*\\begin\s*\{cases\}(.*)\\end\s*\{cases\}\s*$", re.DOTALL)
_RELATION = re.compile(r"\\leq?(?![A-Za-z])|\\geq?(?![A-Za-z])|\\neq?(?![A-Za-z])|<=|>=|!=|<|>|≤|≥|≠")
_REL_OP = {"\\le": "<=", "\\leq": "<=", "\\ge": ">=", "\\geq": ">=", "\\ne": "!=", "\\neq": "!=", "≤": "<=",
           "≥": ">=", "≠": "!="}
_OTHERWISE = re.compile(r"^\s*(?:otherwise|else|sonst|elsewhere)?\s*[.,]?\s*$", re.IGNORECASE)
_IF = re.compile(r"^\s*(?:if|for|when)\b\s*", re.IGNORECASE)


def _read_cases(src: Clean, names: Names, constants, source: str, check) -> tuple[Node, list[str]]:
    """`\\begin{cases} x & x \\ge 0 \\\\ -x & \\text{otherwise} \\end{cases}`: rows of a value and a condition (a
    relation such as `x < 0`, chained `0 \\le x < 1`, or `otherwise`), the first row that holds gives the value."""
    m = _CASES.match(src.text)
    assert m
    body_start = m.start(1)
    rows: list[Node] = []
    notes: list[str] = []
    pos = body_start
    for row in re.split(r"\\\\", m.group(1)):
        a, b = pos, pos + len(row)
        pos = b + 2
        if not row.strip():
            continue
        value_text, amp, cond_text = row.partition("&")
        vlen = len(value_text.rstrip().rstrip(","))  # `x, & x \\ge 0`: the comma before `&` is punctuation
        value, more = read_clean(src.slice(a, a + vlen), names, constants, source, check)
        notes.extend(more)
        c0 = a + len(value_text) + len(amp)
        cond = _condition(src.slice(c0, b), names, constants, source, check) if amp else None
        if cond is None and not (not amp or _OTHERWISE.match(cond_text)):  # pragma: no cover - _condition raises
            raise ReadFailure("I can't read this condition.", src.at(c0), src.at(b))
        rows.append(Node("case", (value, cond) if cond is not None else (value,), value.start, src.at(b)))
    if not rows:
        raise ReadFailure("This `cases` environment has no rows.", src.at(0), src.at(len(src.text)))
    return Node("piecewise", tuple(rows), src.at(0), src.at(len(src.text))), notes


def _condition(src: Clean, names: Names, constants, source: str, check) -> Node | None:
    text = src.text
    if _OTHERWISE.match(text):
        return None
    lead = _IF.match(text)
    off = lead.end() if lead else 0
    ops = list(_RELATION.finditer(text, off))
    if not ops or len(ops) > 2:
        raise ReadFailure("I can't read this condition: write a relation such as `x < 0`, `0 \\le x < 1`, or "
                          "`otherwise`.", src.at(off), src.at(len(text)))
    parts, cut = [], off
    for op in ops:
        parts.append(read_clean(src.slice(cut, op.start()), names, constants, source, check)[0])
        cut = op.end()
    parts.append(read_clean(src.slice(cut, len(text)), names, constants, source, check)[0])
    rels = [Node("rel", (_REL_OP.get(op.group(), op.group()), parts[i], parts[i + 1]), parts[i].start,
                 parts[i + 1].end) for i, op in enumerate(ops)]
    return rels[0] if len(rels) == 1 else Node("and", tuple(rels), rels[0].start, rels[-1].end)


def check_depth(tree: Tree) -> None:
    stack = [(tree, 0)]
    while stack:
        t, d = stack.pop()
        if d > MAX_TREE_DEPTH:
            tok = next((x for x in t.scan_values(lambda v: isinstance(v, Token))), None)
            raise ReadFailure("The formula is nested too deeply.", tok.start_pos if tok else 0)
        stack.extend((c, d + 1) for c in t.children if isinstance(c, Tree))


def _span(tree) -> tuple[int, int]:
    """Start of the first token and end of the last one (tokens come in text order)."""
    first = last = tree
    while isinstance(first, Tree):
        if not first.children:
            return 0, 0
        first = first.children[0]
    while isinstance(last, Tree):
        last = last.children[-1]
    return first.start_pos or 0, last.end_pos or 0


class _Builder:
    def __init__(self, names: Names, constants: dict[str, Fraction], source: str = "") -> None:
        self.source = source
        self.names = names
        self.constants = constants
        self.notes: list[str] = []

    def build(self, t, scope: frozenset[str]) -> Node:
        method = getattr(self, "_" + (t.data if isinstance(t, Tree) else "token"))
        return method(t, scope)

    # -- operators -------------------------------------------------------------------------------------
    def _sum(self, t: Tree, scope) -> Node:
        ch = t.children
        terms: list[Node | Token] = [self.build(ch[0], scope)]
        for i in range(1, len(ch), 2):
            op = ch[i].children[0].type
            item = ch[i + 1]
            if isinstance(item, Token) and item.type == "ELLIPSIS":
                terms.append(item)
                continue
            node = self.build(item, scope)
            terms.append(_neg(node) if op == "MINUS" else node)
        if len(terms) == 1:
            return terms[0]  # type: ignore[return-value]
        s, e = _span(t)
        dots = [i for i, x in enumerate(terms) if isinstance(x, Token)]
        if not dots:
            return Node("add", tuple(terms), s, e)
        if len(dots) > 1:
            raise ReadFailure("Use one ellipsis `...` per sum.", terms[dots[1]].start_pos, terms[dots[1]].end_pos)
        k = dots[0]
        head, tail = tuple(terms[:k]), tuple(terms[k + 1 :])
        if not tail:
            tok = terms[k]
            raise ReadFailure("After `...` write the last term, as in `1 + 2 + ... + n`.", tok.start_pos, tok.end_pos)
        return Node("dots", (head, tail), s, e)

    def _product(self, t: Tree, scope) -> Node:
        ch = t.children
        factors: list[Node] = [self.build(ch[0], scope)]
        for i in range(1, len(ch), 2):
            op = ch[i].children[0].type
            right = ch[i + 1]
            if op == "STAR":
                factors.append(self.build(right, scope))
                continue
            # `a / b c` is (a / b) c: the division takes only the factor right after it.
            signs, implicit = _unary_parts(right)
            powers = implicit.children if isinstance(implicit, Tree) and implicit.data == "implicit" else [implicit]
            first = self.build(powers[0], scope)
            if sum(1 for s in signs if s.children[0].type == "MINUS") % 2:
                first = _neg(first)
            factors.append(Node("inv", (first,), first.start, first.end))
            if len(powers) > 1:
                rest = [self.build(p, scope) for p in powers[1:]]
                factors.extend(rest)
                a, b = _span(right)
                whole = self.source[a:b].strip()
                head = self.source[first.start:first.end].strip()
                rest_src = self.source[rest[0].start:b].strip()
                if whole and head and rest_src:
                    self.notes.append(f"I read `/{whole}` as dividing by `{head}` only and then multiplying by "
                                      f"`{rest_src}`; write `/({whole})` to divide by the whole product.")
        if len(factors) == 1:
            return factors[0]
        s, e = _span(t)
        ops = {ch[i].children[0].type for i in range(1, len(ch), 2)}
        dots = [i for i, f in enumerate(factors) if f.kind == "pdots"]
        if len(dots) == 1 and ops == {"STAR"}:  # `1 \\cdot 2 \\cdots n`: the factors around join the pattern
            k = dots[0]
            head, tail = factors[k].args
            return Node("pdots", ((*factors[:k], *head), (*tail, *factors[k + 1:])), s, e)
        return Node("mul", tuple(factors), s, e)

    def _unary(self, t: Tree, scope) -> Node:
        signs = t.children[:-1]
        node = self.build(t.children[-1], scope)
        if sum(1 for s in signs if s.children[0].type == "MINUS") % 2:
            node = _neg(node)
        return node

    _exponent = _unary

    def _implicit(self, t: Tree, scope) -> Node:
        dots = [i for i, c in enumerate(t.children) if isinstance(c, Token) and c.type == "PELLIPSIS"]
        if dots:  # `n(n-1) \\cdots (n-k+1)`: a product whose factors follow a pattern
            k = dots[0]
            head = tuple(self._trig_arguments(t.children[:k], scope))
            tail = tuple(self._trig_arguments(t.children[k + 1:], scope))
            s, e = _span(t)
            return Node("pdots", (head, tail), s, e)
        factors = self._trig_arguments(t.children, scope)
        if len(factors) == 1:
            return factors[0]
        for a, b in pairwise(factors):
            a_src, b_src = self.source[a.start : a.end], self.source[b.start : b.end]
            if a.kind == "num" and b.kind == "num" and a_src[-1:].isdigit() and b_src[:1].isdigit():
                raise ReadFailure("Two numbers side by side: put an operator between them.", b.start, b.end)
        s, e = _span(t)
        return Node("mul", tuple(factors), s, e)

    def _trig_arguments(self, children: list, scope) -> list[Node]:
        """`\\sin 2x` is sin(2x), as in print: a trigonometric or hyperbolic function written without parentheses
        whose argument is a number takes the name right after it too (`\\sin x \\cos x` stays a product)."""
        out: list[Node] = []
        i = 0
        while i < len(children):
            c = children[i]
            nxt = children[i + 1] if i + 1 < len(children) else None
            if (isinstance(c, Tree) and c.data == "bare" and str(c.children[0]) in ELEMENTARY
                    and isinstance(c.children[1], Tree) and c.children[1].data == "number"
                    and isinstance(nxt, Tree) and nxt.data in ("name", "indexed", "power")):
                tok = c.children[0]
                num = self.build(c.children[1], scope)
                names: list[Node] = []
                j = i + 1
                while j < len(children) and isinstance(children[j], Tree) and children[j].data in (
                        "name", "indexed", "power"):  # `\\sin 2\\pi x` is sin(2 pi x)
                    name = self.build(children[j], scope)
                    if not (name.kind in ("var", "const", "idx", "math") or (
                            name.kind == "pow" and name.args[0].kind in ("var", "const", "math"))):
                        break
                    names.append(name)
                    j += 1
                if names:
                    end = names[-1].end
                    arg = Node("mul", (num, *names), num.start, end)
                    out.append(Node("call", (str(tok), arg), tok.start_pos, end))
                    src = self.source[tok.start_pos:end].strip()
                    self.notes.append(f"I read `{src}` as {tok}({self.source[num.start:end].strip()}).")
                    i = j
                    continue
            out.append(self.build(c, scope))
            i += 1
        return out

    def _power(self, t: Tree, scope) -> Node:
        base = self.build(t.children[0], scope)
        if len(t.children) == 1:
            return base
        exp = self.build(t.children[2], scope)
        return Node("pow", (base, exp), base.start, exp.end)

    def _postfix(self, t: Tree, scope) -> Node:
        node = self.build(t.children[0], scope)
        bangs = t.children[1:]
        if len(bangs) > 1:
            raise ReadFailure("I can't read `!!` (a double factorial) here.", bangs[1].start_pos, bangs[1].end_pos)
        if bangs:
            node = Node("fact", (node,), node.start, bangs[0].end_pos)
        return node

    # -- atoms -----------------------------------------------------------------------------------------
    def _number(self, t: Tree, scope) -> Node:
        tok = t.children[0]
        s = str(tok)
        return Node("num", (Fraction(int(s)) if s.isdigit() else Fraction(s),), tok.start_pos, tok.end_pos)

    def _name(self, t: Tree, scope) -> Node:
        tok = t.children[0]
        name = str(tok)
        if name in scope or name in self.names.variables:
            return Node("var", (name,), tok.start_pos, tok.end_pos)
        if name in self.constants:
            return Node("const", (name,), tok.start_pos, tok.end_pos)
        if name in self.names.math:
            return Node("math", (name,), tok.start_pos, tok.end_pos)
        if name in self.names.sequences:
            raise ReadFailure(f"`{name}` is a sequence: give its index, as in `{name}_t` or `{name}_{{t-1}}`.",
                              tok.start_pos, tok.end_pos)
        if name in self.names.bound:
            raise ReadFailure(f"`{name}` is the index of a sum and can only be used inside it: put the whole "
                              "summand in parentheses, as in `\\sum_{k=1}^{n} (a_k - b_k)`.",
                              tok.start_pos, tok.end_pos)
        raise ReadFailure(f"Unknown name `{name}`.", tok.start_pos, tok.end_pos)  # pragma: no cover

    def _indexed(self, t: Tree, scope) -> Node:
        tok, _, sub = t.children
        name = str(tok)
        if name not in self.names.sequences:
            raise ReadFailure(f"`{name}` is not an indexed sequence, so it cannot take the subscript `_`.",
                              tok.start_pos, tok.end_pos)
        index = self._subscript(sub, scope)
        s, e = _span(t)
        return Node("idx", (name, index), s, e)

    def _subscript(self, t: Tree, scope) -> Node:
        c = t.children
        if len(c) == 3:
            return self.build(c[1], scope)
        tok = c[0]
        if tok.type == "NUMBER":
            return Node("num", (Fraction(str(tok)),), tok.start_pos, tok.end_pos)
        return self._name(Tree("name", [tok]), scope)

    def _group(self, t: Tree, scope) -> Node:
        inner = self.build(t.children[1], scope)
        s, e = _span(t)
        return Node(inner.kind, inner.args, s, e)

    def _call(self, t: Tree, scope) -> Node:
        tok = t.children[0]
        func = str(tok)
        args = [self.build(c, scope) for c in t.children[2:-1] if isinstance(c, Tree)]
        if func in self.names.functions:  # a declared function: its body, with the arguments put in
            params, body = self.names.functions[func]
            if len(args) != len(params):
                raise ReadFailure(f"`{func}` takes {len(params)} argument{'s' if len(params) > 1 else ''} "
                                  f"({', '.join(params)}), not {len(args)}.", tok.start_pos, tok.end_pos)
            s, e = _span(t)
            return Node("apply", (func, substitute(body, dict(zip(params, args))), *args), s, e)
        arity = _ARITY.get(func, 1)
        if arity is None and len(args) < 2:
            raise ReadFailure(f"`{func}` needs at least two arguments.", tok.start_pos, tok.end_pos)
        if arity is not None and len(args) != arity:
            raise ReadFailure(f"`{func}` takes {arity} argument{'s' if arity > 1 else ''}, not {len(args)}.",
                              tok.start_pos, tok.end_pos)
        s, e = _span(t)
        if func == "factorial":
            return Node("fact", (args[0],), s, e)
        return Node("call", (func, *args), s, e)

    def _bare(self, t: Tree, scope) -> Node:
        tok = t.children[0]
        arg = self.build(t.children[1], scope)
        return Node("call", (str(tok), arg), tok.start_pos, arg.end)

    def _bare_pow(self, t: Tree, scope) -> Node:
        """`\\sin^2 x` is (sin x)^2; `\\sin^{-1} x` is arcsin x."""
        tok = t.children[0]
        exp = self.build(t.children[2], scope)
        arg = self.build(t.children[3], scope)
        func = str(tok)
        if exp.kind == "num" and exp.args[0] == -1 and func in INVERSE:
            return Node("call", (INVERSE[func], arg), tok.start_pos, arg.end)
        if exp.kind == "num" and exp.args[0] == -1:
            raise ReadFailure(f"I can't tell whether `{func}^{{-1}}` is an inverse function or 1/{func}: write "
                              f"1/{func}(...) or ({func}(...))^{{-1}}.", tok.start_pos, exp.end)
        call = Node("call", (func, arg), tok.start_pos, arg.end)
        return Node("pow", (call, exp), tok.start_pos, arg.end)

    def _abs(self, t: Tree, scope) -> Node:
        s, e = _span(t)
        return Node("call", ("abs", self.build(t.children[1], scope)), s, e)

    def _logb(self, t: Tree, scope) -> Node:
        tok = t.children[0]
        base = self._subscript(t.children[2], scope)
        arg = self.build(t.children[3], scope)
        if base.kind == "num" and base.args[0] == 2:
            return Node("call", ("log2", arg), tok.start_pos, arg.end)
        return Node("call", ("logb", base, arg), tok.start_pos, arg.end)

    def _quotient(self, t: Tree, scope, num_at: int, den_at: int) -> Node:
        num = self.build(t.children[num_at], scope)
        den = self.build(t.children[den_at], scope)
        s, e = _span(t)
        return Node("mul", (num, Node("inv", (den,), den.start, den.end)), s, e)

    def _binomial(self, t: Tree, scope, n_at: int, k_at: int) -> Node:
        s, e = _span(t)
        return Node("call", ("binomial", self.build(t.children[n_at], scope), self.build(t.children[k_at], scope)), s, e)

    def _frac(self, t: Tree, scope) -> Node:
        return self._quotient(t, scope, 1, 2)

    def _binom(self, t: Tree, scope) -> Node:
        return self._binomial(t, scope, 1, 2)

    def _sqrt(self, t: Tree, scope) -> Node:
        s, e = _span(t)
        return Node("call", ("sqrt", self.build(t.children[1], scope)), s, e)

    def _root(self, t: Tree, scope) -> Node:
        index = self.build(t.children[2], scope)
        arg = self.build(t.children[4], scope)
        s, e = _span(t)
        one = Node("num", (Fraction(1),), index.start, index.start)
        return Node("pow", (arg, Node("mul", (one, Node("inv", (index,), index.start, index.end)),
                                      index.start, index.end)), s, e)

    def _choose(self, t: Tree, scope) -> Node:  # `{n \\choose k}`
        return self._binomial(t, scope, 1, 3)

    def _over(self, t: Tree, scope) -> Node:  # `{a \\over b}`
        return self._quotient(t, scope, 1, 3)

    def _floor(self, t: Tree, scope) -> Node:
        s, e = _span(t)
        return Node("call", ("floor", self.build(t.children[1], scope)), s, e)

    def _ceil(self, t: Tree, scope) -> Node:
        s, e = _span(t)
        return Node("call", ("ceil", self.build(t.children[1], scope)), s, e)

    def _atom(self, t: Tree, scope) -> Node:  # pragma: no cover - every atom has an alias
        return self.build(t.children[0], scope)

    def _bigsum(self, t: Tree, scope) -> Node:
        c = t.children
        var_tok = c[3]
        var = str(var_tok)
        if var in self.names.variables or var in self.names.sequences:
            raise ReadFailure(f"`{var}` is already a variable of this question; use another letter for the index.",
                              var_tok.start_pos, var_tok.end_pos)
        low = self.build(c[5], scope)
        high = self.build(c[8], scope)
        body = self.build(c[9], scope | {var})
        s, e = _span(t)
        return Node("sum", (var, low, high, body), s, e)

    def _bigprod(self, t: Tree, scope) -> Node:
        node = self._bigsum(t, scope)
        return Node("prod", node.args, node.start, node.end)

    def _token(self, t: Token, scope) -> Node:  # pragma: no cover
        raise ReadFailure(f"I didn't expect `{t}` here.", t.start_pos or 0, t.end_pos)


def _unary_parts(t: Tree) -> tuple[list, Tree]:
    """Signs and the juxtaposition of a `unary` (which the parser inlines when it has no sign)."""
    if isinstance(t, Tree) and t.data == "unary":
        return t.children[:-1], t.children[-1]
    return [], t


def _neg(node: Node) -> Node:
    if node.kind == "num":
        return Node("num", (-node.args[0],), node.start, node.end)
    return Node("neg", (node,), node.start, node.end)


