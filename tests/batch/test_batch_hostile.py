"""An answer that hangs or kills its worker costs only its own part; the batch goes on."""

from __future__ import annotations

import json
import os
import time

import yaml

from grader import grading
from grader.batch import run_batch
from grader.sandbox import Limits
from grader.writers.gradescope import validate_results

_real = grading.grade_sections


def _hostile(part, answer, *rest):
    if "HANG-ME" in answer:
        time.sleep(120)
    if "CRASH-ME" in answer:
        os._exit(3)
    return _real(part, answer, *rest)


def test_hanging_and_crashing_answers_cost_only_their_part(tmp_path, hw3, monkeypatch):
    monkeypatch.setattr(grading, "grade_sections", _hostile)  # the forked workers inherit it
    source = tmp_path / "class"
    students = {
        "a_hang": {"4.1": "HANG-ME", "4.2": "(t+1)(2n-t)/2"},
        "b_fine": {"4.1": "n(n+1)/2"},
        "c_hang_again": {"4.1": "HANG-ME", "4.3": "n(w+1)/2"},
        "d_crash": {"2.1": "CRASH-ME different lengths", "4.1": "n(n+1)/2"},
        "e_fine": {"4.2": "n t"},
    }
    for name, answers in students.items():
        (source / name).mkdir(parents=True)
        (source / name / "answers.yaml").write_text(yaml.safe_dump(answers), encoding="utf-8")
    started = time.monotonic()
    summary = run_batch(submissions=source, outdir=tmp_path / "out", assignment=hw3, jobs=2, limits=Limits(timeout=1.0))
    # One restart per hostile answer: the second student with the same hanging answer costs nothing.
    assert summary.pool.restarts == 2 and summary.pool.poisoned == 2
    assert time.monotonic() - started < 20
    parts = {}
    for name in students:
        document = json.loads((tmp_path / "out" / "results" / f"{name}.json").read_text(encoding="utf-8"))
        validate_results(document)
        parts[name] = {t["number"]: t for t in document["tests"]}
    for name in ("a_hang", "c_hang_again"):
        assert parts[name]["4.1"]["extra_data"]["status"] == "invalid"
        assert "time limit" in parts[name]["4.1"]["output"]
    assert parts["a_hang"]["4.2"]["score"] == 10 and parts["c_hang_again"]["4.3"]["score"] == 10
    assert parts["d_crash"]["2.1"]["extra_data"]["status"] == "invalid" and parts["d_crash"]["4.1"]["score"] == 10
    assert parts["b_fine"]["4.1"]["score"] == 10 and parts["e_fine"]["4.2"]["score"] == 3
    assert summary.failed == 0


def test_a_submission_that_breaks_the_grader_is_listed_with_its_error(tmp_path, hw3, monkeypatch):
    from grader.batch.run import worker

    real_read = worker.read_submission

    def read(path, part_ids):
        if path.name == "b_breaks":
            raise RuntimeError("disk on fire")
        return real_read(path, part_ids)

    monkeypatch.setattr(worker, "read_submission", read)
    for name in ("a_fine", "b_breaks", "c_fine"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "answers.md").write_text("## 4.1\nn(n+1)/2\n", encoding="utf-8")
    summary = run_batch(submissions=tmp_path / "class", outdir=tmp_path / "out", assignment=hw3, jobs=1)
    assert summary.failed == 1 and summary.graded == 3
    rows = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8").splitlines()
    broken = next(r for r in rows if r.startswith("b_breaks,"))
    assert ",failed,RuntimeError: disk on fire" in broken
    document = json.loads((tmp_path / "out" / "results" / "b_breaks.json").read_text(encoding="utf-8"))
    validate_results(document)
    assert document["score"] == 0 and "could not be graded" in document["output"]
    assert "disk on fire" in (tmp_path / "out" / ".batch" / "errors.log").read_text(encoding="utf-8")
    assert all(r.split(",")[-2] == "graded" for r in rows[2:] if not r.startswith("b_breaks,"))
