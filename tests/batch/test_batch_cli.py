"""`grader batch` as an instructor runs it: a summary on stdout, a progress bar only on a terminal."""

from __future__ import annotations

import io
import subprocess
import sys

from grader.batch.outputs.progress import Progress

from conftest import EXAMPLES, ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "batch", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_batch_of_the_examples_prints_a_summary(tmp_path):
    proc = _run(str(EXAMPLES), "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "hw3: " in proc.stdout and "graded" in proc.stdout and "flagged for review" in proc.stdout
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    assert (tmp_path / "out" / "results" / "ada_markdown.json").is_file()
    again = _run(str(EXAMPLES), "-o", str(tmp_path / "out"))
    assert "nothing to grade" in again.stdout and "kept from an earlier run" in again.stdout


def test_a_missing_class_is_a_usage_error(tmp_path):
    proc = _run(str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr


def test_the_progress_bar_shows_count_rate_and_eta():
    stream = io.StringIO()
    bar = Progress(3, stream, enabled=True)
    for _ in range(3):
        bar.advance()
    bar.close()
    assert "3/3 submissions" in stream.getvalue() and "/s" in stream.getvalue() and "ETA" in stream.getvalue()


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_runs(tmp_path, hw3):
    import fcntl

    import pytest

    from grader.batch import SourceError, run_batch

    (tmp_path / "out" / ".batch").mkdir(parents=True)
    with (tmp_path / "out" / ".batch" / "lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(SourceError, match="another `grader batch`"):
            run_batch(submissions=EXAMPLES, outdir=tmp_path / "out", assignment=hw3)
