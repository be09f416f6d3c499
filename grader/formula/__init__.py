"""The formula engine: read what students type (plain text or LaTeX) with a grammar, decide equivalence with
the reference by exact evaluation on the part's domain, match known wrong answers, explain the reading.

    grade_formula(answer, reference, spec, *, constants=None) -> Outcome     never raises
    read_formula(text, spec, *, constants=None) -> ReadOk | ReadError        for `grader explain` / `check`
    check_equivalence(a, b, spec, *, constants=None, prove=True) -> Verdict  a, b: texts or ReadOk

Two sub-packages that import one way: `reading` (text -> tree: unicode clean-up, finding the formula in prose,
tokens, grammar, tree, LaTeX view) and `checking` (domains and sample points, exact evaluation, patterns,
equivalence, proof), which uses reading's tree. `spec` is the rubric model; `grade` turns a verdict into an
`Outcome`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.lazy import exports

# The public names are imported on first use: `grader.rubric` needs only `grader.formula.spec`, and the commands
# that do not grade should not pay for the parser, mpmath and the checking code.
_WHERE = {
    "Verdict": "grader.formula.checking.equivalence",
    "check_equivalence": "grader.formula.checking.equivalence",
    "grade_formula": "grader.formula.grade",
    "read_formula": "grader.formula.checking.bounds",
    "ReadError": "grader.formula.reading.read",
    "ReadOk": "grader.formula.reading.read",
    "ReadResult": "grader.formula.reading.read",
    "FormulaSpec": "grader.formula.spec",
    "Sequence": "grader.formula.spec",
    "Variable": "grader.formula.spec",
    "WrongAnswer": "grader.formula.spec",
}

if TYPE_CHECKING:
    from grader.formula.checking.bounds import read_formula
    from grader.formula.checking.equivalence import Verdict, check_equivalence
    from grader.formula.grade import grade_formula
    from grader.formula.reading.read import ReadError, ReadOk, ReadResult
    from grader.formula.spec import FormulaSpec, Sequence, Variable, WrongAnswer


__getattr__, __dir__ = exports(__name__, _WHERE)


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
