"""The formula engine: read what students type (plain text or LaTeX) with a grammar, decide equivalence with
the reference by exact evaluation on the part's domain, match known wrong answers, explain the reading.

    grade_formula(answer, reference, spec, *, constants=None) -> Outcome     never raises
    read_formula(text, spec, *, constants=None) -> ReadOk | ReadError        for `grader explain` / `check`
    check_equivalence(a, b, spec, *, constants=None, prove=True) -> Verdict  a, b: texts or ReadOk

How it works, module by module: `normalize` (look-alike characters, with an offset map) -> `extract` (math
delimiters, `h_T = ...` lines, clutter) -> `lexer` (tokens, knowing the declared names) -> `parse` (the LALR
grammar in grammar.lark) -> `reader` (the tree of `nodes`) -> `bounds` (constant parts evaluated once, within
limits) -> `latex` (the reading shown to the student). `domain` draws the seeded sample points, `compiled` and
`evaluate` compute exact values (`patterns` for `a + b + ... + z`), `equivalence` compares them and asks
`symbolic` (sympy) for a proof only when it is cheap or needed; `grade` turns a verdict into an `Outcome`.
"""

from grader.formula.equivalence import Verdict, check_equivalence
from grader.formula.grade import grade_formula
from grader.formula.reading import ReadError, ReadOk, ReadResult, read_formula
from grader.formula.spec import FormulaSpec, Sequence, Variable, WrongAnswer

__all__ = [
    "FormulaSpec",
    "ReadError",
    "ReadOk",
    "ReadResult",
    "Sequence",
    "Variable",
    "Verdict",
    "WrongAnswer",
    "check_equivalence",
    "grade_formula",
    "read_formula",
]
