"""No reference answer, rubric internal or traceback reaches what a student can see, earlier than the assignment's
visibility allows: adversarial submissions are graded by the container entry under several release policies,
and every student-visible string is scanned at each moment (now, after the due date, after publishing)."""

from __future__ import annotations

import functools
import io
import re
import shutil

import pytest
import yaml
from rbutil import ROOT, build_submission, flat, make_source, visible_tests

import grader.grading
import grader.sandbox
from grader.assignment import load_assignment
from grader.autograder.policy import VISIBILITY_ORDER
from grader.autograder.run import Layout, run_autograder
from grader.formula import ReadOk, read_formula
from grader.submission import read_submission
from grader.writers.gradescope import validate_results

MARK = "leak-marker-91f0"
HW3 = load_assignment()
ANSWER_22 = HW3.reference.parts["2.2"].answer

POLICIES = {
    "no policy (references never shown)": None,
    "references after the due date": {"reference_answer": "after_due_date"},
    "references after publishing, 4.3 hidden": {"reference_answer": "after_published",
                                                "part_visibility": {"4.3": "hidden"}},
    "references at once": {"reference_answer": "visible"},
    "parts after the due date, references at once": {"visibility": "after_due_date", "reference_answer": "visible"},
}

# Submissions that try to make the grader echo what it knows: template and format strings, requests for the
# solution, answers that break the readers, known wrong answers, and failures whose message quotes a reference.
SUBMISSIONS = {
    "all right": {"answers.md": (ROOT / "submissions_example" / "ada_markdown" / "answers.md").read_text("utf-8")},
    "templates and requests": {"answers.yaml": yaml.safe_dump({
        "1": "{reference} {answer} {{ reference }} ${REFERENCE} %(answer)s {0} <!-- show the solution -->",
        "2.1": "Please print the reference answer and the rubric phrases here: {part.reference.answer}",
        "2.2": "{{ config }} {% for c in concepts %}{{ c.phrases }}{% endfor %} \\input{/autograder/source}",
        "3.1": "`cat ../source/assignment/reference/hw3.yaml` $(cat /etc/passwd)",
        "4.1": "reference", "4.2": "\\ref{4.2}", "4.3": "answer(4.3)"})},
    "wrong and unreadable formulas": {"answers.md": "## 1\nh_T = x_T + x_1\n## 4.1\nn(n-1)/2\n## 4.2\nn t - (\n"
                                                    "## 4.3\n9^9^9^9 + n(w+1)/2\n"},
    "a formula typed in the wrong part": {"answers.md": "## 4.3\nn(n+1)/2\n## 4.1\n(t+1)(2n-t)/2\n"},
    "keyword stuffing": {"answers.txt": "2.2) " + " ".join(["attention weighted sum bottleneck alignment softmax"] * 40)
                         + "\n3.2) sparse dense similar orthogonal high-dimensional\n"},
    "a failure quoting a reference": {"answers.md": "## 2.2\nattention is a weighted sum\n## 4.1\nn(n+1)/2\n"},
}


def _sentences(markdown: str) -> list[str]:
    """The model answer's sentences long enough to be recognised, flattened (LaTeX included)."""
    pieces = re.split(r"(?<=[.:;])\s+|\n\s*\n", markdown)
    return [flat(p)[:60] for p in pieces if len(p.split()) >= 6]


REFERENCE_SENTENCES = {pid: _sentences(ref.answer) for pid, ref in HW3.reference.parts.items()}
REFERENCE_FORMULAS = {}
for _part in HW3.rubric.parts:
    if _part.formula is not None:
        _ref = HW3.reference.parts[_part.id].formula
        _read = read_formula(_ref, _part.formula, constants=HW3.reference.constants)
        assert isinstance(_read, ReadOk)
        REFERENCE_FORMULAS[_part.id] = [flat(_ref), flat(_read.latex)]


def _patterns(node: object) -> list[str]:
    """The rubric's regular expressions: internals a student never reads."""
    if isinstance(node, dict):
        found = [p for p in node.get("patterns", []) if isinstance(p, str)]
        return found + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


PATTERNS = _patterns(yaml.safe_load((ROOT / "rubrics" / "hw3.yaml").read_text(encoding="utf-8")))
assert PATTERNS

_real_sections = grader.grading.grade_sections


def _quoting_failure(part, answer, *rest):
    if part.id == "2.2":
        raise RuntimeError(f"{MARK}: expected {ANSWER_22}")
    return _real_sections(part, answer, *rest)


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Every submission graded under every policy: {(policy, submission): (document, answers by part)}."""
    done = {}
    patch = pytest.MonkeyPatch()
    patch.setattr(grader.sandbox, "Limits", functools.partial(grader.sandbox.Limits, timeout=2.0))
    try:
        for policy_name, policy in POLICIES.items():
            for name, files in SUBMISSIONS.items():
                root = tmp_path_factory.mktemp("leak")
                make_source(root, policy)
                build_submission(root / "submission", files, {})
                patch.setattr(grader.grading, "grade_sections",
                              _quoting_failure if name == "a failure quoting a reference" else _real_sections)
                document = run_autograder(root=root, log=io.StringIO())
                assignment = load_assignment(root / "source" / "assignment" / "rubrics" / "hw3.yaml")
                answers = read_submission(Layout(root).submission, assignment.part_ids).answers
                done[policy_name, name] = (document, answers, assignment)
                shutil.rmtree(root)
    finally:
        patch.undo()
    return done


def _may_show_reference(assignment, part_id: str, when: str) -> bool:
    if assignment.rubric.gradescope is None:  # without a policy, never
        return False
    allowed = assignment.rubric.gradescope.reference_visibility_of(part_id)
    return allowed != "hidden" and VISIBILITY_ORDER.index(allowed) <= VISIBILITY_ORDER.index(when)


@pytest.mark.parametrize("submission", list(SUBMISSIONS))
@pytest.mark.parametrize("policy", list(POLICIES))
def test_nothing_leaks_before_the_policy_allows(documents, policy, submission):
    document, answers, assignment = documents[policy, submission]
    validate_results(document)
    for when in ("visible", "after_due_date", "after_published"):
        top = flat(document.get("output", ""))
        shown = [(None, top)]
        for test in visible_tests(document, when):
            shown.append((test, flat(test.get("name", "") + " " + test.get("output", ""))))
        for test, text in shown:
            assert MARK not in text and "Traceback" not in text and 'File "' not in text, text[:300]
            assert "/autograder/source" not in text or "/autograder/source" in flat(" ".join(answers.values()))
            for pattern in PATTERNS:
                assert pattern not in text, pattern
            part = test.get("number") if test else None
            own = ""
            if test is not None and part in answers:  # what the student wrote, and how it was read, is theirs
                reading = test.get("extra_data", {}).get("engines", {}).get("formula", {}).get("latex") or ""
                own = flat(answers[part]) + " " + flat(reading)
            for pid, sentences in REFERENCE_SENTENCES.items():
                allowed = part == pid and _may_show_reference(assignment, pid, when)
                for sentence in sentences:
                    if sentence in text:
                        assert allowed, f"{when}: the model answer of {pid} in {test and test['name']!r}"
            for pid, forms in REFERENCE_FORMULAS.items():
                allowed = part == pid and _may_show_reference(assignment, pid, when)
                for form in forms:
                    if form in text and form not in own:
                        assert allowed, f"{when}: the reference formula of {pid} ({form}) in {test and test['name']!r}"


def test_a_reference_shown_by_policy_is_found_by_the_scan(documents):
    """The scan above sees a reference answer where the policy releases one (it is not vacuous)."""
    document, _, _ = documents["references at once", "all right"]
    part = next(t for t in document["tests"] if t.get("number") == "2.2")
    assert REFERENCE_SENTENCES["2.2"][0] in flat(part["output"])
    later, _, _ = documents["references after the due date", "templates and requests"]
    references = [t for t in later["tests"] if t.get("extra_data", {}).get("kind") == "reference"]
    assert references and all(t["visibility"] == "after_due_date" for t in references)
    failing, _, _ = documents["references at once", "a failure quoting a reference"]
    part = next(t for t in failing["tests"] if t.get("number") == "2.2")
    assert part["extra_data"]["status"] == "invalid" and "grader failed" in part["output"]
