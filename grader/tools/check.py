"""`grader check`: is a rubric safe to grade with? Every problem found, each at its file, line and column.

Three kinds of finding, three exit codes:
- errors in the files, everything for which grading refuses the assignment (YAML syntax, wrong types,
  unknown keys, a missing file, duplicate ids, points that do not add up, a part without a reference, a
  reference formula or wrong answer that cannot be read): exit 2, as `grader grade` exits;
- failed checks that need grading (a reference answer that loses points under its own rubric, a wrong answer
  equivalent to the reference, an example submission that does not score what the TA gave it): exit 1;
- warnings (a stale schema copy, an undecided equivalence): printed, exit 0.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Sources, assignment_problems, consistency_problems
from grader.formula import ReadError, ReadOk, check_equivalence, read_formula
from grader.grading import grade_answers, grade_submission
from grader.results import PartResult
from grader.rubric import Part
from grader.rubric.pieces import Pieces
from grader.rubric.yamlio import FileProblems, Problem, Severity
from grader.sandbox import Sandbox, SandboxFailure
from grader.submission import Answers
from grader.text.lint import near_synonym_warning, phrase_warnings
from grader.tools.examples import compare, find_examples, mismatch_problem, missing_answers, read_expected

EXIT_OK, EXIT_FAILED, EXIT_ERRORS = 0, 1, 2
_SCHEMA_LINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)")


@dataclass
class CheckReport:
    """What `grader check` found. `exit_code` is 2 with file errors, 1 with failed checks, else 0."""

    errors: list[Problem] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about this machine rather than the files (stderr)

    @property
    def exit_code(self) -> int:
        return EXIT_ERRORS if self.errors else EXIT_FAILED if self.failures else EXIT_OK

    def add(self, problems: list[Problem], *, kind: str) -> None:
        for problem in problems:
            if problem.severity == "warning":
                self.warnings.append(problem)
            else:
                (self.errors if kind == "error" else self.failures).append(problem)

    def lines(self) -> list[str]:
        """Problems in file and line order, then a one-line summary."""
        problems = sorted({*self.errors, *self.failures, *self.warnings})
        out = [str(p) for p in problems]
        counts = [f"{len(x)} {name}" for x, name in (
            (self.errors, "error(s) in the files"), (self.failures, "failed check(s)"), (self.warnings, "warning(s)")
        ) if x]
        checked = f" ({'; '.join(self.checked)})" if self.checked else ""
        out.append(("; ".join(counts) if counts else "ok") + checked)
        return out


def check_assignment(
    *, assignment: str | Path | None = None, examples: bool = True, sandbox: Sandbox | None = None
) -> CheckReport:
    """Check a rubric (file or folder; default the bundled HW3), its reference and its examples.

    Never raises for anything in the files: every problem is in the report.
    """
    report = CheckReport()
    try:
        sources, pieces, problems = assignment_problems(assignment)
    except FileProblems as exc:
        report.add(exc.problems, kind="error")
        return report
    report.add(problems, kind="error")
    report.add(schema_line_problems(pieces), kind="error")
    report.add(phrase_problems(pieces), kind="failure")
    if any(p.text and p.text.near_synonyms for p in pieces.parts or []) and (note := near_synonym_warning()):
        report.notes.append(note)  # a fact of this machine, not of the files: no file:line:col
    if sources is None:
        return report
    rubric = sources.assignment.rubric
    report.checked.append(f"{rubric.assignment}: {len(rubric.parts)} parts, {sum(p.points for p in rubric.parts):g} points")
    if any(p.severity == "error" for p in consistency_problems(sources)):
        return report  # with parts and references out of step, later checks would only repeat these problems
    # A part whose reference formula cannot be read cannot score its reference answer either: say it once.
    unreadable = _unreadable_references(sources)
    own = sandbox is None
    box = sandbox or Sandbox()
    try:
        formulas, failed = formula_problems(sources, box)
        report.add(formulas, kind="failure")
        report.add(reference_problems(sources, box, skip=frozenset(unreadable | failed)), kind="failure")
        report.checked.append("reference answers graded")
        if examples:
            _check_examples(sources, box, report)
    finally:
        if own:
            box.close()
    return report


def _unreadable_references(sources: Sources) -> set[str]:
    assignment = sources.assignment
    refs = {p.id: assignment.reference.parts.get(p.id) for p in assignment.rubric.parts}
    return {
        p.id for p in assignment.rubric.parts
        if p.formula is not None and refs[p.id] is not None and refs[p.id].formula
        and isinstance(read_formula(refs[p.id].formula, p.formula, constants=assignment.reference.constants), ReadError)
    }


def schema_line_problems(pieces: Pieces) -> list[Problem]:
    """The schema an editor reads must exist and be the grader's, or completion will mislead the TA."""
    from grader.rubric.schema import reference_schema, rubric_schema

    problems = _schema_line(pieces.rubric_doc.path, pieces.rubric_path, rubric_schema(), "")
    if pieces.reference_doc is not None and pieces.reference_path is not None:
        problems += _schema_line(pieces.reference_doc.path, pieces.reference_path, reference_schema(), " --reference")
    return problems


def _schema_line(shown_path: str, real_path: Path, schema: dict, flag: str) -> list[Problem]:
    first = real_path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
    match = _SCHEMA_LINE.search(first)
    if not match or "://" in match.group(1):
        return []
    named = match.group(1)
    target = real_path.parent / named
    col = first.index(named) + 1
    shown = os.path.normpath(os.path.join(os.path.dirname(shown_path), named))
    if not target.is_file():
        return [Problem(shown_path, 1, col, f"the schema `{named}` does not exist; write it with "
                        f"`grader schema{flag} > {shown}`", "warning")]
    try:
        current = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = None
    if current != schema:
        return [Problem(shown_path, 1, col, f"the schema `{named}` is not the grader's current one; regenerate it "
                        f"with `grader schema{flag} > {shown}`", "warning")]
    return []


@dataclass(frozen=True)
class _Finding:
    """What the worker found about one wrong answer."""

    wrong: int
    message: str
    severity: Severity = "error"


def _formula_findings(part: Part, reference: str, constants: dict) -> list[_Finding]:
    """Compare the wrong answers of one part with its reference and with each other. Runs in the sandbox.

    Formulas that cannot be read are skipped: `reading_problems` has already reported them.
    """
    spec = part.formula
    assert spec is not None
    findings: list[_Finding] = []
    ref = read_formula(reference, spec, constants=constants)
    earlier: list[tuple[int, ReadOk]] = []
    for j, wrong in enumerate(spec.wrong_answers):
        got = read_formula(wrong.answer, spec, constants=constants)
        if isinstance(got, ReadError):
            continue
        if not isinstance(ref, ReadError):
            verdict = check_equivalence(got, ref, spec, constants=constants)
            if verdict.verdict == "equivalent":
                findings.append(_Finding(j, "this wrong answer is equivalent to the reference formula, so it "
                                         "never applies (such an answer scores full marks)"))
                continue
            if verdict.verdict in ("undecided", "unreadable"):
                findings.append(_Finding(j, "could not tell whether this wrong answer differs from the "
                                         f"reference: {verdict.reason}", "warning"))
        same = next((k for k, other in earlier
                     if check_equivalence(got, other, spec, constants=constants).verdict == "equivalent"), None)
        if same is not None:
            findings.append(_Finding(j, f"this wrong answer is equivalent to `{spec.wrong_answers[same].answer}` "
                                     "above it, so it never applies"))
        earlier.append((j, got))
    return findings


def phrase_problems(pieces: Pieces) -> list[Problem]:
    """Warnings on text phrases that normalisation changes or that can never match (grader.text.lint)."""
    problems = []
    for piece in pieces.parts or []:
        if piece.text is not None:
            name = piece.id if piece.id is not None else f"#{piece.index + 1}"
            for loc, message in phrase_warnings(piece.text):
                problems.append(pieces.rubric_doc.problem(
                    ("parts", piece.index, "text", *loc), f"part {name}: {message}", severity="warning"
                ))
    return problems


def formula_problems(sources: Sources, sandbox: Sandbox) -> tuple[list[Problem], frozenset[str]]:
    """No wrong answer is equivalent to the reference or to a wrong answer above it.

    Returns the problems and the ids of the parts whose formulas could not be checked.
    """
    assignment = sources.assignment
    problems = []
    unreadable: set[str] = set()
    for i, part in enumerate(assignment.rubric.parts):
        ref = assignment.reference.parts.get(part.id)
        if part.formula is None or ref is None or not ref.formula:
            continue
        try:
            findings = sandbox.run(_formula_findings, part, ref.formula, assignment.reference.constants)
        except SandboxFailure as failure:
            unreadable.add(part.id)
            problems.append(sources.reference_doc.problem(
                ("parts", part.id, "formula"), f"part {part.id}: the formulas could not be checked ({failure.kind})"
            ))
            continue
        for finding in findings:
            loc = ("parts", i, "formula", "wrong_answers", finding.wrong, "answer")
            problems.append(sources.rubric_doc.problem(loc, f"part {part.id}: {finding.message}",
                                                       severity=finding.severity))
    return problems, frozenset(unreadable)


def reference_problems(sources: Sources, sandbox: Sandbox, *, skip: frozenset[str] = frozenset()) -> list[Problem]:
    """Each reference answer, graded as if a student wrote it, must score full marks under the rubric."""
    assignment = sources.assignment
    answers = Answers({pid: ref.answer for pid, ref in assignment.reference.parts.items() if pid not in skip})
    result = grade_answers(answers, assignment, submission="reference", sandbox=sandbox)
    problems = []
    for part in result.parts:
        if part.status == "correct" or part.id not in answers.answers:
            continue
        problems.append(sources.reference_doc.problem(("parts", part.id, "answer"), _short_of_full(part)))
    return problems


def _short_of_full(part: PartResult) -> str:
    message = f"part {part.id}: the reference answer scores {part.score:g} / {part.max_score:g} ({part.status})"
    missed = [i.label for o in part.outcomes for i in o.items if i.max_points > 0 and not i.hit]
    penalties = [i.label for o in part.outcomes for i in o.items if i.hit and i.points < 0]
    # The engine's own reason is for the TA; `error` is worded for a student.
    errors = [str(o.details.get("reason") or o.error) for o in part.outcomes if o.error]
    if missed:
        message += "; not found in it: " + "; ".join(missed)
    if penalties:
        message += "; it states: " + "; ".join(penalties)
    if errors:
        message += "; it could not be checked: " + " ".join(" ".join(e.split()) for e in errors)
    return message


def _check_examples(sources: Sources, sandbox: Sandbox, report: CheckReport) -> None:
    assignment = sources.assignment
    folder = assignment.examples_path
    if folder is None:
        return
    shown = os.path.normpath(os.path.join(os.path.dirname(sources.rubric_doc.path), assignment.rubric.examples or ""))
    if not folder.is_dir():
        report.add([sources.rubric_doc.problem(("examples",), f"examples folder not found: {shown}")], kind="error")
        return
    found = find_examples(folder)
    if not found:
        report.add([sources.rubric_doc.problem(
            ("examples",), f"no example with an expected.yaml in {shown}", severity="warning"
        )], kind="failure")
    agreed = 0
    for example in found:
        display = os.path.join(shown, os.path.relpath(example.expected_path, folder))
        try:
            expected, doc = read_expected(example.expected_path, display=display)
        except FileProblems as exc:
            report.add(exc.problems, kind="error")
            continue
        missing = missing_answers(example, display=display)
        if missing is not None:
            report.add([missing], kind="error")
            continue
        result = grade_submission(example.submission, assignment, sandbox=sandbox)
        mismatches = compare(result, expected, assignment.rubric)
        report.add([mismatch_problem(doc, m) for m in mismatches], kind="failure")
        agreed += not mismatches
    if found:
        report.checked.append(f"{agreed} of {len(found)} examples score as the TA expects")
