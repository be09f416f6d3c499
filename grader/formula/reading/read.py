"""`read`: from an answer (or a rubric's formula) to a typed result, success or failure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

from grader.escape import code_block
from grader.formula.errors import ReadFailure, caret
from grader.formula.reading.prose import (
    lhs_sequence,
    math_segments,
    split_sides,
    strip_clutter,
    target_lines,
)
from grader.formula.reading.latex import to_latex
from grader.formula.reading.words import apply_words, words_around
from grader.formula.reading.tokens import Names, blank_text
from grader.formula.reading.tree import Node, walk
from grader.formula.reading.unicode import Clean, clean
from grader.formula.reading.build import BoundsCheck, read_clean
from grader.formula.spec import FormulaSpec, complex_mode, function_body, function_params, spec_key

MAX_ANSWER_CHARS = 20_000


class HashedKey:
    """A structural key whose hash is computed once (cache lookups stay cheap for large formulas)."""

    __slots__ = ("_hash", "value")

    def __init__(self, value: tuple) -> None:
        self.value = value
        self._hash = hash(value)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HashedKey) and self._hash == other._hash and self.value == other.value


@dataclass(frozen=True)
class ReadOk:
    """A formula that was read: its tree, its LaTeX, and how it was read."""

    node: Node
    latex: str
    text: str
    notes: tuple[str, ...] = ()
    recurrence: tuple[str, str] | None = None  # (state sequence, index variable) when `h_t = ... h_{t-1} ...`
    lhs: str | None = None
    span: tuple[int, int] = (0, 0)  # where the formula is in the answer
    ignored: tuple[str, ...] = ()  # words next to the formula that could change it and were not read
    others: tuple[str, ...] = ()  # other formulas in the answer, not graded (see `_one_of_spans`)
    ok: bool = field(default=True, init=False)

    @property
    def expr(self):
        """The formula as a sympy expression (built on demand, from the checked tree)."""
        from grader.formula.reading.sympy_view import to_sympy

        return to_sympy(self.node)

    @cached_property
    def key(self) -> HashedKey:
        """The structure of the formula (positions ignored): equal keys, same formula."""
        return HashedKey((self.node.key(), self.recurrence))

    @property
    def is_recurrence(self) -> bool:
        return self.recurrence is not None


@dataclass(frozen=True)
class ReadError:
    """A formula that could not be read: why, and where."""

    message: str
    offset: int
    text: str
    end: int | None = None
    no_formula: bool = False  # the answer holds no formula at all (prose only)
    ok: bool = field(default=False, init=False)

    def caret(self) -> str:
        return caret(self.text, self.offset, self.end)

    def student_message(self) -> str:
        return f"{self.message}\n\n{code_block(self.caret())}"


ReadResult = ReadOk | ReadError


def names_for(spec: FormulaSpec, constants: dict | None) -> Names:
    """The names the part's formulas may use; raises ReadFailure when a declared function's body cannot be read."""
    names = Names(
        variables=tuple(spec.variables),
        sequences=tuple(spec.sequences),
        constants=tuple(constants or ()),
        imaginary=complex_mode(spec),
    )
    if spec.functions:
        names.functions = _functions(spec, names, constants)
    return names


def _functions(spec: FormulaSpec, names: Names, constants: dict | None) -> dict:
    """The declared functions' bodies, each read with its parameters as variables (and the functions before it)."""
    key = (spec_key(spec), _const_key(constants))
    hit = _FUNCTIONS.get(key)
    if hit is not None:
        return hit
    consts = exact_constants(constants)
    out: dict = {}
    for name, f in spec.functions.items():
        params = tuple(function_params(f))
        body = function_body(f)
        inner = Names(variables=params, constants=names.constants, functions=dict(out), imaginary=names.imaginary)
        try:
            src = clean(body)
            if "\\" in src.text:
                src = Clean(blank_text(src.text), src.offsets)
            node, _ = read_clean(strip_clutter(src, inner), inner, consts, body)
        except ReadFailure as f:
            raise ReadFailure(f"The rubric's function `{name}` cannot be read: {f.message}", 0) from None
        out[name] = (params, node)
    if len(_FUNCTIONS) > 256:
        _FUNCTIONS.clear()
    _FUNCTIONS[key] = out
    return out


_FUNCTIONS: dict[tuple, dict] = {}


class Constants(dict):
    """Exact values of the reference's constants, with a key for caches."""

    key: tuple = ()


_CONSTS: dict[tuple, Constants] = {}


def exact_constants(constants: dict | None) -> Constants:
    """The constants as exact rationals (0.1 is 1/10); memoised, so equal inputs give the same object."""
    ck = _const_key(constants)
    hit = _CONSTS.get(ck)
    if hit is not None:
        return hit
    out = Constants()
    for k, v in (constants or {}).items():
        try:
            out[str(k)] = Fraction(str(v)) if isinstance(v, float) else Fraction(v)
        except (TypeError, ValueError):
            continue
    out.key = ck
    if len(_CONSTS) > 1000:
        _CONSTS.clear()
    _CONSTS[ck] = out
    return out


def read(text: str, spec: FormulaSpec, *, constants: dict | None = None, check: BoundsCheck | None = None) -> ReadResult:
    """Read `text` (a student's answer or a rubric formula) with the part's names; never raises on bad input.
    `check` bounds each tree read (`checking.bounds.read_formula` passes the evaluator's limits)."""
    key = (text, spec_key(spec), _const_key(constants), check)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _read(text, spec, constants, check)
        if len(text) <= _CACHE_TEXT_CHARS:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.clear()
            _CACHE[key] = hit
    return hit


_CACHE: dict[tuple, ReadResult] = {}
_CACHE_SIZE = 4_096
_CACHE_TEXT_CHARS = 4_000  # long texts are not kept


def _const_key(constants: dict | None) -> tuple:
    return tuple(sorted((str(k), str(v)) for k, v in (constants or {}).items()))


def _read(text: str, spec: FormulaSpec, constants: dict | None, check: BoundsCheck | None) -> ReadResult:
    if not isinstance(text, str):
        return ReadError("The answer is not text.", 0, "")
    if len(text) > MAX_ANSWER_CHARS:
        return ReadError(f"The answer is too long to read as a formula (more than {MAX_ANSWER_CHARS:,} characters).",
                         MAX_ANSWER_CHARS, text[: MAX_ANSWER_CHARS + 1])
    try:
        src = clean(text)
    except ReadFailure as f:
        return ReadError(f.message, f.offset, text, f.end)
    if "\\" in src.text:  # `\text{dot products}` is prose; `\mathrm{C}` its content (offsets kept)
        src = Clean(blank_text(src.text), src.offsets)
    try:
        names = names_for(spec, constants)
    except ReadFailure as f:
        return ReadError(f.message, 0, text)
    consts = exact_constants(constants)
    candidates = _candidates(src, spec, names)
    results: list[tuple[int, int, ReadResult]] = []
    first_error: ReadError | None = None
    spans: list[ReadOk] = []  # math spans that read, when the part takes one formula (not find_in_text)
    for order, (cand, in_math) in enumerate(candidates):
        res = _read_candidate(cand, spec, names, consts, text, check)
        if isinstance(res, ReadError):
            first_error = first_error or res
            continue
        if not spec.find_in_text:
            if not in_math:
                return _with_words(res, text, lhs_side=bool(res.lhs))
            spans.append(res)
            if len(spans) >= MAX_SPANS:
                break
            continue
        if _initial_condition(res, spec):
            continue  # `h_0 = 0` states where the recurrence starts; it is not the answer
        results.append((_rank(res, spec, in_math), order, res))
    if spans:
        return _one_of_spans(spans, text)
    if results:
        results.sort(key=lambda r: (r[0], -r[1]))
        return _with_words(results[0][2], text, lhs_side=bool(results[0][2].lhs))
    if spec.find_in_text and not any(in_math for _, in_math in candidates) and not target_lines(src, spec.targets):
        lines = _lines(src)
        for cand in lines:
            res = _read_candidate(cand, spec, names, consts, text, check)
            if isinstance(res, ReadOk):
                return _with_words(res, text, lhs_side=bool(res.lhs))
        what = f"`{spec.targets[0]} = ...`" if spec.targets else "a formula"
        return ReadError(f"I found no formula in your answer: write it in math delimiters, e.g. "
                         f"`${spec.targets[0] + ' = ' if spec.targets else ''}...$`, or on a line of its own "
                         f"such as {what}.", 0, text, no_formula=True)
    if first_error is None:
        return ReadError("There is no formula here.", 0, text, no_formula=True)
    return first_error


MAX_SPANS = 20  # math spans read in one answer: an answer of thousands of `$a$` stays cheap
_BARE = re.compile(r"^\\?[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?$|^[0-9]+$")


def _one_of_spans(spans: list[ReadOk], text: str) -> ReadOk:
    """The formula of an answer with several math spans (candidates come last span first). A span that is only
    a name or a number (`for all $x$`, `let $n$ be ...`) names something; the answer is the last span that
    is more. Other spans that read as other formulas are kept in `others`: a person sees that the answer
    holds more than one formula, so neither a hedge (`$a$ or $b$`) nor a misplaced pick is a silent verdict."""
    full = [r for r in spans if not _BARE.match(r.latex.replace(" ", ""))] or spans
    chosen = full[0]
    others = tuple(dict.fromkeys(r.text for r in full[1:] if r.key != chosen.key))
    chosen = _with_words(chosen, text, lhs_side=bool(chosen.lhs))
    return replace(chosen, others=others) if others else chosen


def _with_words(res: ReadOk, text: str, lhs_side: bool) -> ReadOk:
    """Read the words next to the formula that change it (`twice`, `squared`, `the square root of`), or keep
    those it cannot read for a person (`ReadOk.ignored`): a dropped `twice` must never earn full marks."""
    before, after = words_around(text, *res.span)
    if lhs_side:
        before = []
    node, read_words, ignored = apply_words(res.node, before, after)
    if not read_words and not ignored:
        return res
    notes = list(res.notes)
    latex = res.latex
    if read_words:
        latex = to_latex(node)
        notes.append(f"I read the words {', '.join(f'`{w}`' for w in read_words)} as part of the formula.")
    return replace(res, node=node, latex=latex, notes=tuple(notes), ignored=tuple(ignored))


def _lines(src: Clean) -> list[Clean]:
    out = []
    pos = 0
    for line in src.text.split("\n"):
        if line.strip() and len(line) <= 400:
            out.append(src.slice(pos, pos + len(line)))
        pos += len(line) + 1
    return out[::-1]


def _initial_condition(res: ReadOk, spec: FormulaSpec) -> bool:
    if not res.lhs:
        return False
    seq, _, index = res.lhs.partition("_")
    return seq in spec.sequences and index.isdigit()


def _rank(res: ReadOk, spec: FormulaSpec, in_math: bool) -> int:
    if res.is_recurrence:
        return 3
    if res.lhs is not None and res.lhs in _target_keys(spec):
        return 0
    return 1 if in_math else 2


def _target_keys(spec: FormulaSpec) -> set[str]:
    return {t.replace("{", "").replace("}", "").replace(" ", "") for t in spec.targets}


def _candidates(src: Clean, spec: FormulaSpec, names: Names) -> list[tuple[Clean, bool]]:
    segs = math_segments(src)
    if spec.find_in_text:
        out = [(s, True) for s, _ in segs] + [(line, False) for line in target_lines(src, spec.targets)]
        if not out:
            out = [(src, False)]
        return out
    if segs:
        display = [s for s, d in segs if d]
        inline = [s for s, d in segs if not d]
        return [(s, True) for s in reversed(display)] + [(s, True) for s in reversed(inline)]
    out = [(src, False)]
    if "\n" in src.text.strip():
        out.extend((line, False) for line in _lines(src))
    return out


# A left-hand side that only names the result: `y`, `h_T`, `f(x)`, `f'(x)`, `\\sigma'(x)`, `\\frac{d}{dx} f`, `dy/dx`.
_NAME_LHS = re.compile(r"^\s*\\?[A-Za-z][A-Za-z0-9]*'*(?:_\{?[A-Za-z0-9]+\}?)?\s*'*\s*(?:\(\s*[A-Za-z0-9, ]*\))?\s*$"
                       r"|^\s*\\[dt]?frac\s*\{\s*d\s*[A-Za-z]?\s*\}\s*\{\s*d\s*[A-Za-z]\s*\}"
                       r"|^\s*d\s*[A-Za-z]?\s*/\s*d\s*[A-Za-z](?![A-Za-z])")
_PROSE = re.compile(r"^[A-Za-z ,'-]*$")


def _read_candidate(cand: Clean, spec: FormulaSpec, names: Names, consts, original: str,
                    check: BoundsCheck | None) -> ReadResult:
    cand = strip_clutter(cand, names)
    sides = split_sides(cand)
    lhs: tuple[str, str] | None = None
    rhs = sides
    if len(sides) > 1:
        lhs = lhs_sequence(sides[0])
        rhs = sides[1:] if lhs else sides
    for side in sides[:-1]:
        if not (side is sides[0] and (lhs or _NAME_LHS.match(side.text) or _PROSE.match(side.text))):
            try:
                read_clean(strip_clutter(side, names), names, consts, original, check)
            except ReadFailure as f:
                return ReadError(f.message, f.offset, original, f.end)
    error: ReadError | None = None
    for side in reversed(rhs):
        side = strip_clutter(side, names)
        n = names
        if lhs and lhs[0] in spec.sequences and lhs[1] not in spec.variables and lhs[1].isalpha():
            n = Names((*names.variables, lhs[1]), names.sequences, names.constants, set(), names.functions,
                      names.imaginary)
        try:
            node, notes = read_clean(side, n, consts, original, check)
        except ReadFailure as f:
            error = error or ReadError(f.message, f.offset, original, f.end)
            continue
        return _finish(node, notes, side, lhs, spec, original)
    assert error is not None
    return error


def _finish(node: Node, notes, side: Clean, lhs, spec: FormulaSpec, original: str) -> ReadOk:
    states = {k for k, s in spec.sequences.items() if s.role == "state"}
    refs_state = any(
        n.kind == "idx" and n.args[0] in states and not (n.args[1].kind == "num" and n.args[1].args[0] == 0)
        for n in walk(node)
    )
    recurrence = None
    if refs_state:
        seq = lhs[0] if lhs and lhs[0] in states else next(iter(states))
        var = lhs[1] if lhs and lhs[0] in states and lhs[1].isalpha() else (spec.length or "t")
        recurrence = (seq, var)
    lhs_key = f"{lhs[0]}_{lhs[1]}" if lhs else None
    latex = to_latex(node)
    if lhs:
        latex = f"{lhs[0]}_{{{lhs[1]}}} = {latex}"
    a, b = side.offsets[0], side.offsets[-1]
    return ReadOk(node=node, latex=latex, text=original[a:b], notes=tuple(notes), recurrence=recurrence, lhs=lhs_key,
                  span=(a, b))
