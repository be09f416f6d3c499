"""`run_autograder` in-process: crashes and the time budget still leave a valid results.json."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import grader.grading
from grader.results import NOT_YOUR_FAULT
from grader.assignment import load_assignment
from grader.autograder.build import unpack_autograder
from grader.autograder.run import Layout, run_autograder
from grader.writers.gradescope import validate_results

from agutil import built_zip, check_release, part_tests
from conftest import EXAMPLES


def _container(tmp_path, built_zip, submission="ada_markdown"):
    unpack_autograder(built_zip, tmp_path / "source")
    (tmp_path / "submission").mkdir()
    for file in (EXAMPLES / submission).iterdir():
        (tmp_path / "submission" / file.name).write_bytes(file.read_bytes())
    return Layout(tmp_path)


def test_a_crash_keeps_the_parts_already_graded_and_tells_the_student(tmp_path, built_zip, monkeypatch):
    layout = _container(tmp_path, built_zip)
    real = grader.grading.grade_part

    def crash_at_3_1(part, *args, **kwargs):
        if part.id == "3.1":
            raise RuntimeError("disk on fire")
        return real(part, *args, **kwargs)

    monkeypatch.setattr(grader.grading, "grade_part", crash_at_3_1)
    log = io.StringIO()
    document = run_autograder(root=layout.root, log=log)
    assert json.loads(layout.results.read_text(encoding="utf-8")) == document
    check_release(document, load_assignment(layout.source / "assignment/rubrics/hw3.yaml"))
    failed = document["tests"][0]
    assert failed["name"] == "Grading failed" and failed["visibility"] == "visible"
    assert "3 of 8 parts" in failed["output"] and NOT_YOUR_FAULT in failed["output"]
    scores = {pid: (t["score"], t["extra_data"]["status"]) for pid, t in part_tests(document).items()}
    assert scores["1"] == (30, "correct") and scores["2.2"] == (10, "correct")
    assert scores["3.1"] == (0, "invalid") and scores["4.3"] == (0, "invalid")
    assert document["score"] == 50
    assert "disk on fire" in log.getvalue() and "Traceback" in log.getvalue()


def test_a_run_out_of_time_stops_before_the_next_part(tmp_path, built_zip):
    layout = _container(tmp_path, built_zip)
    document = run_autograder(root=layout.root, budget=1.0, log=io.StringIO())
    validate_results(document)
    assert {t["extra_data"]["status"] for t in part_tests(document).values()} == {"invalid"}
    assert "time budget ran out" in part_tests(document)["1"]["output"]


def test_without_an_unpacked_autograder_the_fallback_is_written(tmp_path):
    log = io.StringIO()
    document = run_autograder(root=tmp_path, log=log)
    validate_results(document)
    assert document["tests"][0]["name"] == "Grading failed"
    assert "autograder.json" in log.getvalue()


def test_a_terminated_run_reports_what_it_graded(tmp_path, built_zip):
    """What `timeout` does to a run that overstays: SIGTERM, then the results so far, written in order."""
    layout = _container(tmp_path, built_zip)
    env = {**os.environ, "GRADER_AUTOGRADER_CRASH": "hang:3.1"}
    proc = subprocess.Popen([sys.executable, "-m", "grader.autograder.run", "--root", str(layout.root)], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the checkpoint holds the three parts before 3.1
            checkpoint = json.loads(layout.results.read_text(encoding="utf-8")) if layout.results.exists() else {}
            if sum(t.get("extra_data", {}).get("status") == "correct" for t in checkpoint.get("tests", [])) == 3:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        stdout, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    document = json.loads(layout.results.read_text(encoding="utf-8"))
    validate_results(document)
    tests = part_tests(document)
    assert [tests[p]["score"] for p in ("1", "2.1", "2.2")] == [30, 10, 10]
    assert "the run was stopped" in tests["3.1"]["output"]
    assert document["tests"][0]["name"] == "Grading failed" and "Stopped" in stdout


def test_a_local_run_without_metadata_says_nothing_about_it(tmp_path, built_zip):
    """Outside Gradescope there is no submission_metadata.json; with no late policy that is not worth a line."""
    layout = _container(tmp_path, built_zip)
    assert not layout.metadata.exists()
    log = io.StringIO()
    validate_results(run_autograder(root=layout.root, log=log))
    assert "metadata" not in log.getvalue()
