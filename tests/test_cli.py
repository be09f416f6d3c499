"""The `grader` command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from grader.writers.gradescope import validate_results

from conftest import EXAMPLES, ROOT


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_grade_prints_a_summary_and_writes_valid_results(tmp_path):
    out = tmp_path / "results.json"
    proc = run("grade", str(EXAMPLES / "ada_markdown"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Total" in proc.stdout and "4.1" in proc.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    validate_results(document)
    assert [t["number"] for t in document["tests"]] == ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]


def test_grade_shows_the_grades_and_one_line_when_its_output_cannot_be_written(tmp_path):
    (tmp_path / "a_file").write_text("", encoding="utf-8")
    proc = run("grade", str(EXAMPLES / "ada_markdown"), "-o", str(tmp_path / "a_file" / "results.json"))
    assert proc.returncode == 2
    assert "Total 100 / 100" in proc.stdout
    assert proc.stderr.count("\n") == 1 and "could not be written" in proc.stderr, proc.stderr


def test_grade_with_another_assignment_folder(tmp_path):
    folder = tmp_path / "quiz"
    folder.mkdir()
    (folder / "rubric.yaml").write_text(
        "assignment: quiz\ntitle: Quiz\nreference: reference.yaml\nparts:\n"
        "  - id: '1'\n    title: Sum\n    points: 4\n    formula:\n      variables: {n: {}}\n",
        encoding="utf-8",
    )
    (folder / "reference.yaml").write_text("parts:\n  '1': {formula: 'n(n+1)/2', answer: 'Gauss.'}\n", encoding="utf-8")
    (tmp_path / "answers.md").write_text("## 1\n$\\frac{n^2+n}{2}$\n", encoding="utf-8")
    proc = run("grade", str(tmp_path / "answers.md"), "--assignment", str(folder), "-o", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert document["score"] == 4


def test_a_broken_rubric_is_reported_with_file_line_and_column(tmp_path):
    bad = tmp_path / "rubric.yaml"
    bad.write_text("assignment: quiz\ntitle: Quiz\nreference: r.yaml\nparts:\n  - id: '1'\n    title: x\n    points: ten\n", encoding="utf-8")
    proc = run("grade", str(EXAMPLES / "ada_markdown"), "--assignment", str(bad))
    assert proc.returncode == 2
    assert f"{bad}:7:13: error: parts.0.points:" in proc.stderr
