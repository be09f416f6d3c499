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

from grader.batch import run_batch
from grader.writers.gradescope import validate_results

from rbutil import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bench"))
from synth import generate_class  # noqa: E402

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


def _gone(group: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return False
    return True


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
    started = time.monotonic()
    reference = _batch(archive, tmp_path / "reference")
    assert reference.wait(timeout=120) == 0
    whole = time.monotonic() - started

    out = tmp_path / "out"
    rng = random.Random(SEED)
    for _ in range(KILLS):
        proc = _batch(archive, out)
        time.sleep(rng.uniform(0.05, whole))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, wherever they are
        proc.wait()
        deadline = time.monotonic() + 10
        while not _gone(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        for path in (out / "results").glob("*.json") if (out / "results").is_dir() else []:
            json.loads(path.read_text(encoding="utf-8"))  # a kill never leaves a result half written

    summary = run_batch(submissions=archive, outdir=out, assignment=hw3, jobs=2)
    assert summary.failed == 0 and summary.submissions == 36
    assert _half_written(out) == []
    assert _scores(out) == _scores(tmp_path / "reference")
    for name in ("grades.csv", "grades_canvas.csv", "review.csv", "groups.csv"):
        assert (out / name).read_text(encoding="utf-8") == (tmp_path / "reference" / name).read_text(encoding="utf-8")
    for path in sorted((out / "results").glob("*.json"))[::6]:
        validate_results(json.loads(path.read_text(encoding="utf-8")))
