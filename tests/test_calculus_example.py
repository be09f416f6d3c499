"""The calculus assignment (assignments/calculus: rubric.yaml, reference.yaml, examples/) passes `grader check`:
its references and wrong answers read, and its example submissions score as the TA scored them by hand."""

from __future__ import annotations

from pathlib import Path

from grader.tools.check import check_assignment

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "calculus"


def test_the_calculus_examples_are_there():
    found = sorted(p.name for p in (ASSIGNMENT / "examples").glob("*.expected.yaml"))
    assert len(found) >= 5, found


def test_calculus_assignment_passes_check(sandbox):
    report = check_assignment(assignment=ASSIGNMENT, sandbox=sandbox)
    assert report.exit_code == 0, "\n".join(report.lines())
    assert any("6 of 6 examples" in c for c in report.checked), report.checked
