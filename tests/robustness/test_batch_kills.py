"""A batch killed with SIGKILL at random moments and started again ends with the grades of a run never
interrupted, and leaves no half-written file anywhere in its output folder."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from rbutil import ROOT

from grader.batch import run_batch
from grader.writers.gradescope import validate_results

sys.path.insert(0, str(ROOT / "tests" / "bench"))
from proctree import alive_in_group
from synth import generate_class

KILLS = 6
SEED = 20260301


def _export_zip(tmp: Path) -> Path:
    """A small class as Gradescope exports it: a zip of submission folders and submission_metadata.yml."""
    folder = tmp / "export"
    generate_class(folder, 36, seed=11, export=True)
    archive = tmp / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return archive


def _batch(archive: Path, out: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "grader", "batch", str(archive), "-o", str(out), "--jobs", "2"]
    return subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _started(proc: subprocess.Popen, out: Path) -> float:
    """When the run took its output folder (after the interpreter and the grader have loaded)."""
    deadline = time.monotonic() + 60
    while not (out / ".batch" / "lock").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    return time.monotonic()


def _scores(out: Path) -> dict[str, tuple[float, list[float]]]:
    scores = {}
    for path in sorted((out / "results").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        scores[path.stem] = (document["score"], [t["score"] for t in document["tests"]])
    return scores


def _half_written(out: Path) -> list[str]:
    """Temporary files of atomic writes, and results that do not parse."""
    found = [str(p) for p in out.rglob("*") if p.name.endswith((".tmp", ".partial"))]
    for path in (out / "results").glob("*.json"):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            found.append(str(path))
    return found


def test_random_kills_and_restarts_end_with_the_grades_of_an_uninterrupted_run(tmp_path, hw3):
    archive = _export_zip(tmp_path)
    reference = _batch(archive, tmp_path / "reference")
    began = _started(reference, tmp_path / "reference")
    assert reference.wait(timeout=120) == 0
    work = time.monotonic() - began  # from the run's first file to its end: where the kills must land

    out = tmp_path / "out"
    rng = random.Random(SEED)
    interrupted = 0
    for _ in range(KILLS):
        proc = _batch(archive, out)
        _started(proc, out)
        time.sleep(rng.uniform(0.0, 0.7 * work))  # each run has less left to do than the one before
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, wherever they are
            interrupted += 1
        proc.wait()
        deadline = time.monotonic() + 10
        while alive_in_group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        for path in (out / "results").glob("*.json") if (out / "results").is_dir() else []:
            json.loads(path.read_text(encoding="utf-8"))  # a kill never leaves a result half written

    assert interrupted >= KILLS // 2, f"only {interrupted} of {KILLS} kills landed while a run was going ({work:.2f} s)"
    # What a kill in the middle of writing a table or compacting the journal leaves (the odds of a random
    # moment landing there are small, so it is made sure of).
    (out / ".grades.csv.k1ll3d.tmp").write_text("submission,name\nstudent_0", encoding="utf-8")
    (out / ".batch" / ".journal.jsonl.k1ll3d.tmp").write_text('{"submission": "stud', encoding="utf-8")

    summary = run_batch(submissions=archive, outdir=out, assignment=hw3, jobs=2)
    assert summary.failed == 0 and summary.submissions == 36
    assert _half_written(out) == []
    assert _scores(out) == _scores(tmp_path / "reference")
    for name in ("grades.csv", "grades_canvas.csv", "review.csv", "groups.csv"):
        assert (out / name).read_text(encoding="utf-8") == (tmp_path / "reference" / name).read_text(encoding="utf-8")
    for path in sorted((out / "results").glob("*.json"))[::6]:
        validate_results(json.loads(path.read_text(encoding="utf-8")))


def test_a_journal_line_cut_by_a_kill_does_not_swallow_the_next_row(tmp_path):
    from grader.batch.run.journal import Journal

    path = tmp_path / "journal.jsonl"
    path.write_text('{"submission":"a","fp":"f","sig":"1"}\n{"submission":"b","fp":"f","si', encoding="utf-8")
    journal = Journal(path)
    assert sorted(journal.read("f").latest) == ["a"]
    journal.append({"submission": "c", "fp": "f", "sig": "2"})
    journal.close()
    assert sorted(Journal(path).read("f").latest) == ["a", "c"]


def test_ctrl_c_says_what_was_kept_and_the_same_command_goes_on(tmp_path, hw3):
    archive = _export_zip(tmp_path)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "batch", str(archive), "-o", str(out), "--jobs", "2"]
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _started(proc, out)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C at a terminal sends: the run and its workers
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr  # the run is still loading or grading when the lock is taken
    assert f"interrupted: what was graded is kept in {out}; run the same command again to go on" in stderr
    assert "Traceback" not in stderr
    summary = run_batch(submissions=archive, outdir=out, assignment=hw3, jobs=2)
    assert summary.failed == 0 and summary.submissions == 36
    assert _half_written(out) == []
