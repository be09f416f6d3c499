"""The formula case table: load the cases in this folder, build each one's spec, grade it, judge the outcome.

A case is `{answer, reference, variables: {name: domain}, expect, note}` plus optional rubric keys (SPEC_KEYS,
passed to FormulaSpec as written) and `feedback` (a text one feedback line must hold). `expect` is one verdict or
a list of acceptable ones:

    equivalent       full marks, not flagged for review
    not_equivalent   no points for the formula, verdict not_equivalent
    review           flagged for a person (the grader may not give full marks silently)
    unreadable       verdict unreadable: the answer could not be read

Used by test_cases_table.py, known_failures.py (which writes known_failures.txt) and tests/bench.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
KNOWN_FAILURES = HERE / "known_failures.txt"
SPEC_KEYS = ("constraints", "functions", "tolerance", "decimals", "isolated_points", "imaginary_unit")
CASE_KEYS = {"id", "answer", "reference", "variables", "expect", "note", "feedback", *SPEC_KEYS}
EXPECTS = {"equivalent", "not_equivalent", "review", "unreadable"}


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    raw: dict

    @property
    def answer(self) -> str:
        return self.raw["answer"]

    @property
    def reference(self) -> str:
        return self.raw["reference"]

    @property
    def expect(self) -> frozenset[str]:
        e = self.raw["expect"]
        return frozenset(e if isinstance(e, list) else [e])

    @property
    def variables(self) -> dict[str, str]:
        return dict(self.raw.get("variables") or {})

    def spec_data(self) -> dict:
        data = {"points": 1, "variables": {n: {"domain": d} for n, d in self.variables.items()}}
        data.update({k: self.raw[k] for k in SPEC_KEYS if k in self.raw})
        return data


def _case_id(category: str, raw: dict) -> str:
    """Stable under reordering and insertion: the category and a hash of what is graded."""
    key = repr((raw["answer"], raw["reference"], sorted((raw.get("variables") or {}).items()),
                sorted((k, repr(raw[k])) for k in SPEC_KEYS if k in raw)))
    return raw.get("id") or f"{category}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def load_cases(paths: list[Path] | None = None) -> list[Case]:
    """The cases of the YAML files given (default: every file in this folder)."""
    cases = []
    for path in paths or sorted(HERE.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, raw in enumerate(doc["cases"]):
            where = f"{path.name}: case {i + 1}"
            unknown = set(raw) - CASE_KEYS
            assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
            assert {"answer", "reference", "expect", "note"} <= set(raw), f"{where}: needs answer, reference, expect, note"
            c = Case(_case_id(path.stem, raw), path.stem, raw)
            assert c.expect <= EXPECTS, f"{where}: expect must be among {sorted(EXPECTS)}"
            cases.append(c)
    return cases


def read_known_failures() -> set[str]:
    if not KNOWN_FAILURES.exists():
        return set()
    lines = KNOWN_FAILURES.read_text(encoding="utf-8").splitlines()
    return {ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()}


@dataclass(frozen=True)
class Judged:
    observed: str  # equivalent | not_equivalent | review | unreadable | spec_refused | <other verdict>
    ok: bool
    false_equivalent: bool  # silent full marks where the case expects none
    why: str


def observe(outcome) -> str:
    """What a person sees of an Outcome, in the table's terms."""
    verdict = outcome.details.get("verdict")
    if outcome.needs_review:
        return "review"
    if verdict == "unreadable":
        return "unreadable"
    if verdict == "equivalent" and outcome.score >= outcome.max_score > 0:
        return "equivalent"
    if verdict == "not_equivalent" and outcome.score < outcome.max_score:
        return "not_equivalent"
    return str(verdict)


def run_case(case: Case) -> Judged:
    from pydantic import ValidationError

    from grader.formula import FormulaSpec, grade_formula

    try:
        spec = FormulaSpec.model_validate(case.spec_data())
    except ValidationError as exc:
        return Judged("spec_refused", False, False, f"the spec was refused: {str(exc).splitlines()[:3]}")
    out = grade_formula(case.answer, case.reference, spec)
    observed = observe(out)
    ok = observed in case.expect
    why = f"observed {observed}; feedback={out.feedback!r}; details={ {k: out.details.get(k) for k in ('verdict', 'reason', 'counterexample')} }"
    if ok and "feedback" in case.raw and observed == "equivalent":
        if not any(str(case.raw["feedback"]) in f for f in out.feedback):
            ok, why = False, f"no feedback line names {case.raw['feedback']!r}: {out.feedback!r}"
    false_eq = observed == "equivalent" and "equivalent" not in case.expect
    return Judged(observed, ok, false_eq, why)
