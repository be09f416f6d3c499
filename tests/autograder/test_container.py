"""The autograder as Gradescope runs it: build the zip, unpack it, run setup.sh for real (a virtual
environment with a stand-in for Ubuntu 22.04's python3, packages from the package index), then run
run_autograder on every kind of submission and check each results.json."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from grader.results import NOT_YOUR_FAULT
from grader.assignment import load_assignment
from grader.autograder.build import build_autograder, unpack_autograder
from grader.grading import grade_submission

from agutil import DATA, base_metadata, downloads, check_release, merged, part_tests, policy_assignment
from conftest import EXAMPLES

SPEC = yaml.safe_load((DATA / "container_cases.yaml").read_text(encoding="utf-8"))
CASES = SPEC["cases"]


def _python310() -> str | None:
    """Gradescope's Python: this interpreter if it is 3.10, else one from pyenv."""
    if sys.version_info[:2] == (3, 10):
        return getattr(sys, "_base_executable", sys.executable)
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30).stdout.strip()
        names = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = sorted(v for v in names.split() if re.fullmatch(r"3\.10\.\d+", v))
    path = Path(root) / "versions" / found[-1] / "bin" / "python3.10" if found else None
    return str(path) if path and path.is_file() else None


def _stand_in_python3(folder: Path) -> Path:
    """A `python3` on PATH that is a plain Python 3.10 (the bundled wheels are for 3.10)."""
    base = _python310()
    if base is None:
        print("no Python 3.10 here (pyenv versions --bare): the container test needs one")
        pytest.skip("no Python 3.10 interpreter to install the bundled cp310 wheels with")
    folder.mkdir()
    (folder / "python3").write_text(f'#!/bin/sh\nexec "{base}" "$@"\n', encoding="utf-8")
    (folder / "python3").chmod(0o755)
    return folder


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("container")
    rubric = policy_assignment(tmp / "assignment", SPEC["policy"])
    report = build_autograder(output=tmp / "autograder.zip", assignment=rubric, checks=DATA / "checks",
                              downloads=downloads())
    root = tmp / "installed"
    unpack_autograder(report.path, root / "source")
    env = {**os.environ, "GRADER_AUTOGRADER_ROOT": str(root),
           "PATH": f"{_stand_in_python3(tmp / 'bin')}{os.pathsep}{os.environ['PATH']}"}
    env.pop("VIRTUAL_ENV", None)
    env["PIP_CONFIG_FILE"] = os.devnull  # setup.sh installs from the zip's wheels alone (--no-index)
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "grader ready: hw3, 8 parts" in proc.stdout
    return root, load_assignment(rubric)


def _prepare(case: dict, root: Path, installed_root: Path) -> dict[str, str]:
    root.mkdir()
    for name in ("source", "venv"):
        (root / name).symlink_to(installed_root / name)
    shutil.copy(installed_root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    submission = root / "submission"
    submission.mkdir()
    if case["submission"] == "binary":
        (submission / "answers.md").write_bytes(bytes(range(256)) * 64)
    elif case["submission"] != "empty":
        source = EXAMPLES / case["submission"]
        for file in source.iterdir() if source.is_dir() else [source]:
            shutil.copy(file, submission / file.name)
    override = {"created_at": case.get("created_at", "2026-03-02T10:00:00-08:00")}
    if case.get("extension"):
        override["users"] = [{"name": "Sam", "assignment": {"due_date": case["extension"]}}]
    (root / "submission_metadata.json").write_text(json.dumps(merged(base_metadata(), override)), encoding="utf-8")
    env = {**os.environ, "GRADER_AUTOGRADER_ROOT": str(root)}
    env.pop("GRADER_AUTOGRADER_CRASH", None)
    if case.get("crash"):
        env["GRADER_AUTOGRADER_CRASH"] = case["crash"]
    return env


@pytest.fixture(scope="module")
def runs(installed, tmp_path_factory):
    installed_root, _ = installed
    base = tmp_path_factory.mktemp("runs")

    def run(index_case):
        index, case = index_case
        root = base / f"case{index}"
        env = _prepare(case, root, installed_root)
        proc = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
        return proc, json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))

    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores, as on CI
        return dict(zip([c["name"] for c in CASES], pool.map(run, enumerate(CASES))))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_run_autograder_writes_valid_results(case, installed, runs, hw3, sandbox):
    _, assignment = installed
    proc, document = runs[case["name"]]
    expect = case["expect"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check_release(document, assignment)  # valid, no traceback, no early reference answer

    tests = part_tests(document)
    failed = document["tests"][0] if document["tests"][0]["name"] == "Grading failed" else None
    assert bool(failed) == expect.get("failed", False)
    if failed:
        assert failed["visibility"] == "visible" and NOT_YOUR_FAULT in failed["output"]
        assert ("Traceback" in proc.stdout) == expect.get("traceback", False)
    if case.get("crash") == "start":
        assert tests == {}
        return
    assert sorted(tests) == sorted(assignment.part_ids)
    assert tests["4.3"]["visibility"] == "after_published"

    # The container grades exactly as `grader grade` does, for every part it reached.
    submission = EXAMPLES / case["submission"] if case["submission"] not in ("empty", "binary") else None
    graded = expect.get("graded", assignment.part_ids)
    if submission is not None:
        reference = {p.id: p for p in grade_submission(submission, hw3, sandbox=sandbox).parts}
        for pid in expect.get("compared", graded):
            assert (tests[pid]["score"], tests[pid]["extra_data"]["status"]) == (reference[pid].score, reference[pid].status), pid
    for pid in set(assignment.part_ids) - set(graded):
        assert tests[pid]["score"] == 0 and tests[pid]["extra_data"]["needs_review"]
    if "statuses" in expect:
        assert {t["extra_data"]["status"] for t in tests.values()} == set(expect["statuses"])
    if expect.get("all_flagged"):
        assert all(t["extra_data"]["needs_review"] and t["extra_data"]["status"] != "missing" for t in tests.values())
    if "note" in expect:
        assert expect["note"] in document["output"]

    late = [t for t in document["tests"] if t.get("extra_data", {}).get("kind") == "late_penalty"]
    assert [t["extra_data"]["days"] for t in late] == ([expect["late_days"]] if expect.get("late_days") else [])
    checks = [t for t in document["tests"] if t.get("extra_data", {}).get("kind") == "check"]
    assert len(checks) == (0 if failed else 6)
    assert abs(document["score"] - max(0.0, sum(t.get("score", 0.0) for t in document["tests"]))) < 1e-6


def test_setup_installs_the_zips_wordnet_where_the_grader_reads_it_first(installed):
    root, _ = installed
    carried = (root / "source" / "wordnet").is_dir()
    env = {k: v for k, v in os.environ.items() if k != "GRADER_WORDNET"}
    proc = subprocess.run([str(root / "venv" / "bin" / "python"), "-c",
                           "from grader.text import lexicon; print(lexicon.data_dir())"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    if not carried:
        pytest.skip("WordNet is not installed on the building machine (apt-get install wordnet-base)")
    assert Path(proc.stdout.strip()) == root / "venv" / "share" / "wordnet"
