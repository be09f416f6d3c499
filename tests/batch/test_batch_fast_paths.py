"""No fast path of the batch runner changes a grade, nor any byte a student or a TA reads.

Two small synthetic classes (one with the repeats real classes have, one where every answer is distinct)
are graded submission by submission in this process, the plain way (read, grade every part, no cache, no
worker, the results document built and serialised whole), and then by `grader batch` with every fast path
on, with each one off in turn, with all of them off, and resumed. The fast paths: the answer cache, parts
rendered once per distinct outcome, submissions handed to workers in chunks, several workers, a resumed run
keeping the rows it has; and workers replaced every few submissions (which bounds their memory). Every
results.json must be the plain one (but for the time it took), and every table and journal row the same in
every run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synth import generate_class

from grader.assignment import load_assignment
from grader.batch import run_batch
from grader.batch.outputs.progress import Progress
from grader.batch.run.journal import Journal
from grader.batch.runner import FastPaths
from grader.grading import grade_answers
from grader.submission import read_submission
from grader.writers.gradescope import compact_json, results_json_text, to_results_json

STUDENTS = 60
TABLES = ("grades.csv", "grades_canvas.csv", "review.csv", "groups.csv")
RUNS = {  # name: (run_batch options, whether the answer cache may answer)
    "all fast paths": ({"jobs": 2}, True),
    "no answer cache": ({"jobs": 2, "cache_size": 0}, False),
    "no render-once": ({"jobs": 2, "fast": FastPaths(render_size=0)}, True),
    "one submission per message": ({"jobs": 2, "fast": FastPaths(chunk=1)}, True),
    "one worker": ({"jobs": 1}, True),
    "workers replaced every 7 submissions": ({"jobs": 2, "fast": FastPaths(recycle=7)}, True),
    "none": ({"jobs": 1, "cache_size": 0, "fast": FastPaths(chunk=1, render_size=0)}, False),
}


def _timeless(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "execution_time"}


def _plain(folder: Path, assignment) -> dict[str, dict]:
    out = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        answers = read_submission(sub, assignment.part_ids)
        result = grade_answers(answers, assignment, submission=sub.name, sandbox=None)
        document = to_results_json(result)
        assert results_json_text(result) == compact_json(document)  # the text made in pieces is the whole one
        out[sub.name] = _timeless(document)
    return out


def _batch(folder: Path, out: Path, assignment, **options) -> tuple[dict, dict, dict, object]:
    summary = run_batch(submissions=folder, outdir=out, assignment=assignment, progress=Progress(0, enabled=False),
                        **options)
    results = {p.stem: _timeless(json.loads(p.read_text("utf-8"))) for p in (out / "results").glob("*.json")}
    tables = {name: (out / name).read_text("utf-8") for name in TABLES}
    history = Journal(out / ".batch" / "journal.jsonl").read(assignment.fingerprint())
    # Each worker sends a rubric item's label with the first row that names it: which row that is varies.
    rows = {name: {k: v for k, v in line.row().items() if k != "labels"} for name, line in history.latest.items()}
    return results, tables, {"rows": rows, "labels": history.labels}, summary


@pytest.fixture(scope="module")
def assignment():
    return load_assignment()


@pytest.mark.parametrize("distinct", [False, True], ids=["repeats", "distinct"])
def test_every_fast_path_gives_the_plain_grades(tmp_path: Path, assignment, distinct: bool) -> None:
    folder = tmp_path / "class"
    generate_class(folder, STUDENTS, seed=7, distinct=distinct)
    plain = _plain(folder, assignment)
    assert len(plain) == STUDENTS
    first = None
    for name, (options, cached) in RUNS.items():
        results, tables, journal, summary = _batch(folder, tmp_path / name, assignment, **options)
        assert summary.graded == STUDENTS and summary.failed == 0, name
        if not cached or distinct:
            assert summary.pool.cache_hits == 0, name  # every answer was checked
        else:
            assert summary.pool.cache_hits > 0, name  # the cache did answer some parts
        assert sorted(results) == sorted(plain), name
        for sub, expected in plain.items():
            got = results[sub]  # the batch adds who submitted (the same in every run, compared below)
            extra = {k: v for k, v in got["extra_data"].items() if k != "metadata"}
            assert {**got, "extra_data": extra} == expected, (name, sub)
        if first is None:
            first = (results, tables, journal)
        else:
            assert (results, tables, journal) == first, name

    resumed, tables, journal, again = _batch(folder, tmp_path / "all fast paths", assignment, jobs=2)
    assert again.kept == STUDENTS and again.graded == 0  # the resumed run graded nothing again
    assert (resumed, tables, journal) == first
