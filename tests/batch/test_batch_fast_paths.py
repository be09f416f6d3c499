"""No fast path of the batch runner changes a grade.

Two small synthetic classes (one with the repeats real classes have, one where every answer is distinct)
are graded submission by submission in this process, the plain way (read, grade every part, no cache, no
worker), and then by `grader batch` with each fast path on and off: the answer cache, several workers, and a
resumed run that keeps the rows it already has. Every part's score, status and explanation, and every total,
must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synth import generate_class

from grader.assignment import load_assignment
from grader.batch import run_batch
from grader.batch.progress import Progress
from grader.grading import grade_answers
from grader.submission import read_submission
from grader.writers.gradescope import to_results_json

STUDENTS = 24


def _scores(document: dict) -> dict:
    # Each part's whole test entry (score, status, and the explanation the student reads), and the total.
    return {"total": document["score"], "parts": document["tests"], "review": document["extra_data"]["needs_review"]}


def _plain(folder: Path, assignment) -> dict[str, dict]:
    out = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        answers = read_submission(sub, assignment.part_ids)
        result = grade_answers(answers, assignment, submission=sub.name, sandbox=None)
        out[sub.name] = _scores(to_results_json(result))
    return out


def _batch(folder: Path, out: Path, assignment, **options) -> tuple[dict[str, dict], object]:
    summary = run_batch(submissions=folder, outdir=out, assignment=assignment, progress=Progress(0, enabled=False),
                        **options)
    results = {p.stem: _scores(json.loads(p.read_text("utf-8"))) for p in (out / "results").glob("*.json")}
    return results, summary


@pytest.fixture(scope="module")
def assignment():
    return load_assignment()


@pytest.mark.parametrize("distinct", [False, True], ids=["repeats", "distinct"])
def test_every_fast_path_gives_the_plain_grades(tmp_path: Path, assignment, distinct: bool) -> None:
    folder = tmp_path / "class"
    generate_class(folder, STUDENTS, seed=7, distinct=distinct)
    plain = _plain(folder, assignment)
    assert len(plain) == STUDENTS

    cached, summary = _batch(folder, tmp_path / "cached", assignment, jobs=2)
    uncached, bare = _batch(folder, tmp_path / "uncached", assignment, jobs=1, cache_size=0)
    resumed, again = _batch(folder, tmp_path / "cached", assignment, jobs=2)

    assert bare.pool.cache_hits == 0
    if distinct:
        assert summary.pool.cache_hits == 0  # nothing repeats: every answer was checked
    else:
        assert summary.pool.cache_hits > 0  # the cache did answer some parts
    assert again.kept == STUDENTS and again.graded == 0  # the resumed run graded nothing again
    for name, expected in plain.items():
        assert cached[name] == expected, name
        assert uncached[name] == expected, name
        assert resumed[name] == expected, name
