"""Hostile and broken submissions through the container entry, driven by hostile_submissions.yaml: each gets a
valid results.json with a clear message, whatever can be read is graded, and nothing outside the submission
is read."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rbutil import (
    ROOT,
    OpenRecorder,
    build_submission,
    flat,
    live_markup,
    rendered,
    make_source,
    student_strings,
)

from grader.autograder.run import Layout, run_autograder
from grader.writers.gradescope import validate_results

CASES = yaml.safe_load((Path(__file__).parent / "hostile_submissions.yaml").read_text(encoding="utf-8"))
PARTS = ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]
SECRET = "TOP-SECRET-b7e1"


def _outside(folder: Path) -> Path:
    """Beside the container root: answers a student could wish to have graded, and a secret word."""
    folder.mkdir()
    answers = f"## 4.1\nn(n+1)/2\n\n## 4.2\n(t+1)(2n-t)/2\n\n## 2.1\n{SECRET} different lengths\n"
    (folder / "secret.md").write_text(answers, encoding="utf-8")
    (folder / "secret").mkdir()
    (folder / "secret" / "answers.md").write_text(answers, encoding="utf-8")
    return folder


def _run(case: dict, tmp_path: Path) -> tuple[dict, str, list[str], Layout]:
    outside = _outside(tmp_path / "outside")
    layout = Layout(tmp_path / "ag")
    make_source(layout.root)
    marker = tmp_path / "pwned"
    context = {"outside": str(outside), "marker": str(marker)}
    if case.get("submission") == "link":
        layout.submission.symlink_to(outside / "secret")
    elif case.get("submission") != "none":
        build_submission(layout.submission, case["files"], context)
    opened: list[str] = []
    if case.get("via") == "subprocess":
        proc = subprocess.run([sys.executable, "-m", "grader.autograder.run", "--root", str(layout.root)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        log = proc.stdout + proc.stderr
        document = json.loads(layout.results.read_text(encoding="utf-8"))
    else:
        out = io.StringIO()
        with OpenRecorder.recording() as opened:
            document = run_autograder(root=layout.root, log=out)
        log = out.getvalue()
        assert json.loads(layout.results.read_text(encoding="utf-8")) == document
    assert not marker.exists(), "a tag in the submission ran a command"
    return document, log, opened, layout


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_submission(case, tmp_path):
    document, log, opened, layout = _run(case, tmp_path)
    validate_results(document)
    expect = case["expect"]

    assert all(t["name"] != "Grading failed" for t in document["tests"]), document["output"]
    shown = flat(rendered("\n".join(student_strings(document))))
    # What the student controls reaches Gradescope's Markdown as text: no link, image, tag or fake heading.
    for string in student_strings(document):
        assert live_markup(string) == [], string
        assert not re.search(r"(?m)^#+ *Score", string), string
    for fragment in expect.get("note", []):
        assert flat(fragment) in shown, f"{fragment!r} not in {document['output']!r}"

    tests = {t["number"]: t for t in document["tests"] if "status" in t.get("extra_data", {})}
    assert sorted(tests) == sorted(PARTS)
    for part in PARTS:
        status = tests[part]["extra_data"]["status"]
        if part in expect.get("scores", {}):
            assert tests[part]["score"] == expect["scores"][part], (part, tests[part]["output"])
        elif part in expect.get("status", {}):
            wanted = expect["status"][part]
            assert status in (wanted if isinstance(wanted, list) else [wanted]), (part, status)
        else:
            assert status == "missing", (part, status, tests[part]["output"])
    assert document["score"] == sum(expect.get("scores", {}).values()) + sum(
        tests[p]["score"] for p in expect.get("status", {}))

    # Nothing from outside the submission: not in the results, not in the log, not even opened.
    assert SECRET not in json.dumps(document) and SECRET not in log
    own = (str(layout.root.resolve() / "source"), str(layout.root.resolve() / "submission_metadata.json"),
           str(layout.root.resolve() / "results"))
    submission = str(layout.root.resolve() / "submission")
    strays = [p for p in opened if p.startswith(str(tmp_path.resolve())) and not p.startswith(own)
              and p != submission and not p.startswith(submission + os.sep)]
    assert strays == [], strays
    if case.get("via") != "subprocess" and "Graded `" in document["output"]:  # the recorder does see reads
        assert any(p.startswith(submission + os.sep) for p in opened)
