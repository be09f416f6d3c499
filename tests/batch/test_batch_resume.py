"""Resuming: a killed run keeps what it wrote; a rubric edit or an edited submission is graded again."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from grader.assignment import load_assignment
from grader.batch import run_batch
from grader.batch.run.journal import Journal
from grader.batch.run.pool import CHUNK
from grader.writers.gradescope import validate_results
from proctree import alive_in_group
from synth import generate_class

from conftest import ROOT


def test_a_run_killed_with_sigkill_resumes_and_keeps_what_it_wrote(tmp_path, hw3):
    source, out = tmp_path / "class", tmp_path / "out"
    generate_class(source, 250, seed=3)
    command = [sys.executable, "-m", "grader", "batch", str(source), "-o", str(out), "--jobs", "1"]
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = out / "results"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if results.is_dir() and sum(1 for _ in results.glob("*.json")) >= 20:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill -9 PID` does
    proc.wait()
    for _ in range(100):  # its workers follow it at once instead of grading on
        if not alive_in_group(proc.pid):
            break
        time.sleep(0.02)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("a worker outlived the killed batch")
    written = {p.name: p.stat().st_mtime_ns for p in results.glob("*.json")}
    assert written, "the run was killed before it wrote anything"

    summary = run_batch(submissions=source, outdir=out, assignment=hw3, jobs=2)
    # Results whose rows were still in the pipe when the kill came have no journal line: they are graded again.
    assert len(written) - 2 * CHUNK <= summary.kept <= len(written) and summary.kept > 0
    assert summary.kept + summary.graded == summary.submissions == 250
    kept = [name for name, mtime in written.items() if (results / name).stat().st_mtime_ns == mtime]
    assert len(kept) == summary.kept
    names = sorted(p.name for p in results.iterdir())
    assert names == sorted(f"{p.name}.json" for p in source.iterdir())  # no temporary files left behind
    for name in names[::25]:
        validate_results(json.loads((results / name).read_text(encoding="utf-8")))
    history = Journal(out / ".batch" / "journal.jsonl").read(hw3.fingerprint())
    assert len(history.latest) == 250 and history.lines == 250


def _assignment_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "hw3"
    folder.mkdir()
    shutil.copy(ROOT / "reference" / "hw3.yaml", folder / "reference.yaml")
    rubric = (ROOT / "rubrics" / "hw3.yaml").read_text(encoding="utf-8")
    (folder / "rubric.yaml").write_text(rubric.replace("../reference/hw3.yaml", "reference.yaml"), encoding="utf-8")
    return folder


def test_a_rubric_edit_regrades_and_the_diff_says_who_changed_on_which_item(tmp_path):
    folder = _assignment_copy(tmp_path)
    source, out = tmp_path / "class", tmp_path / "out"
    generate_class(source, 30, seed=5)
    diagonal = ["s_diag_a", "s_diag_b"]
    for name, answer in [("s_diag_a", "n(n-1)/2"), ("s_diag_b", "$\\frac{n(n-1)}{2}$"), ("s_right", "n(n+1)/2")]:
        (source / name).mkdir()
        (source / name / "answers.yaml").write_text(yaml.safe_dump({"4.1": answer}), encoding="utf-8")
    first = run_batch(submissions=source, outdir=out, assignment=load_assignment(folder), jobs=1)
    assert first.graded == 33

    rubric = folder / "rubric.yaml"
    text = rubric.read_text(encoding="utf-8")
    edited = text.replace('- answer: "n(n-1)/2"\n          points: 5', '- answer: "n(n-1)/2"\n          points: 7')
    assert edited != text
    rubric.write_text(edited, encoding="utf-8")
    second = run_batch(submissions=source, outdir=out, assignment=load_assignment(folder), jobs=1, regrade=True)
    assert second.stale == second.graded == 33 and second.kept == 0
    assert second.diff is not None
    moved = {c.submission: c for c in second.diff}
    assert set(diagonal) <= set(moved)
    for name in diagonal:
        change = moved[name]
        assert change.delta == 2 and change.parts == [("4.1", 5.0, 7.0)]
        assert any(pid == "4.1" and (a, b) == (5.0, 7.0) for pid, _, a, b in change.items)
    assert "s_right" not in moved
    with (out / "regrade.csv").open(encoding="utf-8") as handle:
        rows = list(__import__("csv").DictReader(handle))
    assert {r["submission"] for r in rows} == set(moved)
    assert all(r["change"] == "2" for r in rows if r["submission"] in diagonal)
    assert 'id="regrade"' in (out / "report.html").read_text(encoding="utf-8")

    # Nothing changed since: everything is kept. An edited submission is graded again.
    (source / "s_right" / "answers.yaml").write_text(yaml.safe_dump({"4.1": "n^2"}), encoding="utf-8")
    third = run_batch(submissions=source, outdir=out, assignment=load_assignment(folder), jobs=1, regrade=True)
    assert (third.kept, third.graded, third.stale) == (32, 1, 0)
    # The diff still reports the rubric edit (the journal keeps the rows it replaced) and the edited answer's 0.
    assert {c.submission for c in third.diff} >= set(diagonal)


def test_a_folder_name_that_is_not_utf8_is_graded_shown_and_kept(tmp_path, hw3):
    source = tmp_path / "class"
    for raw in (b"stud\xff", b"ok"):
        folder = os.fsdecode(bytes(source) + b"/" + raw)
        os.makedirs(folder)
        Path(folder, "answers.md").write_text("## 4.1\nn(n+1)/2\n", encoding="utf-8")
    first = run_batch(submissions=source, outdir=tmp_path / "out", assignment=hw3, jobs=1)
    assert first.graded == 2 and first.failed == 0
    assert "stud\\xff,stud\\xff," in (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8")
    again = run_batch(submissions=source, outdir=tmp_path / "out", assignment=hw3, jobs=1)
    assert (again.kept, again.graded) == (2, 0)
