"""The container run writes a valid results.json when grading raises anywhere, when the sandbox worker is killed
or runs out of memory, and when a time limit hits; driven by container_crashes.yaml."""

from __future__ import annotations

import functools
import importlib
import io
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
import yaml
from rbutil import ROOT, make_source, student_strings

import grader.autograder.run
import grader.grading
import grader.sandbox
from grader.autograder.run import Layout, run_autograder
from grader.results import NOT_YOUR_FAULT
from grader.writers.gradescope import validate_results

CASES = yaml.safe_load((Path(__file__).parent / "container_crashes.yaml").read_text(encoding="utf-8"))
PARTS = ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]
MARK = "injected-failure-5c2d"  # the words of every injected failure: for the log, never for the student

_real_sections = grader.grading.grade_sections
_worker_fault: dict[str, str] = {}  # part id -> what grading it does inside the worker (forked after it is set)


def _faulty_sections(part, answer, *rest):
    """Stands in for grade_sections; module-level, so the sandbox can send it to its worker by name."""
    fault = _worker_fault.get(part.id)
    if fault == "raise":
        raise RuntimeError(MARK)
    if fault == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if fault == "oom":
        return len(bytearray(4 << 30))
    if fault == "hang":
        time.sleep(60)
    return _real_sections(part, answer, *rest)


def _raising(real, on_call: int | None):
    calls = {"n": 0}

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if on_call is None or calls["n"] == on_call:
            raise RuntimeError(MARK)
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_a_failure_still_leaves_a_valid_results_json(case, tmp_path, monkeypatch):
    layout = Layout(tmp_path)
    make_source(tmp_path)
    layout.submission.mkdir()
    shutil.copy(ROOT / "submissions_example" / "ada_markdown" / "answers.md", layout.submission)
    monkeypatch.setattr(grader.sandbox, "Limits", functools.partial(grader.sandbox.Limits, timeout=1.0))
    monkeypatch.delenv("GRADER_AUTOGRADER_CRASH", raising=False)
    inject, expect = case["inject"], case["expect"]
    if "raise" in inject:
        module, name = inject["raise"].rsplit(".", 1)
        target = importlib.import_module(module)
        monkeypatch.setattr(target, name, _raising(getattr(target, name), inject.get("raise_on_call")))
    if "worker" in inject:
        _worker_fault.clear()
        _worker_fault.update({part: fault for fault, part in inject["worker"].items()})
        monkeypatch.setattr(grader.grading, "grade_sections", _faulty_sections)
    if "hang_main" in inject:
        monkeypatch.setenv("GRADER_AUTOGRADER_CRASH", f"hang:{inject['hang_main']}")
        monkeypatch.setattr(grader.autograder.run, "STOP_MARGIN", 0.5)

    log = io.StringIO()
    started = time.monotonic()
    document = run_autograder(root=tmp_path, budget=inject.get("budget"), log=log)
    assert time.monotonic() - started < 20
    assert json.loads(layout.results.read_text(encoding="utf-8")) == document
    validate_results(document)

    dump = json.dumps(document)
    assert MARK not in dump and "Traceback" not in dump, "the failure's words reached results.json"
    if "raise" in inject or "raise" in inject.get("worker", {}):
        assert MARK in log.getvalue(), "the instructors' log does not say what failed"
    failed = [t for t in document["tests"] if t["name"] == "Grading failed"]
    assert bool(failed) == expect["failed"]
    if failed:
        assert failed[0]["visibility"] == "visible" and NOT_YOUR_FAULT in failed[0]["output"]
    assert document["score"] == expect["score"]
    if expect.get("fallback"):
        assert document["tests"] == failed
        return

    tests = {t["number"]: t for t in document["tests"] if "status" in t.get("extra_data", {})}
    assert sorted(tests) == PARTS
    for part in PARTS:
        if part in expect.get("status", {}):
            wanted = expect["status"][part]
        elif expect["failed"]:
            wanted = "correct" if part in expect["graded"] else "invalid"
        else:
            wanted = "correct"
        assert tests[part]["extra_data"]["status"] == wanted, (part, tests[part]["output"])
        if wanted == "invalid":
            assert tests[part]["extra_data"]["needs_review"] and tests[part]["score"] == 0
    for part, fragment in expect.get("says", {}).items():
        assert fragment in tests[part]["output"], tests[part]["output"]
    for text in student_strings(document, "hidden"):
        assert MARK not in text and 'File "' not in text
