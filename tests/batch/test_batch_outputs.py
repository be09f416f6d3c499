"""A whole class graded at once: results files, grades CSVs, review list, answer groups, report."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from grader.batch import run_batch
from grader.grading import grade_submission
from grader.sandbox import Sandbox
from grader.writers.gradescope import to_results_json, validate_results
from synth import generate_class

HOSTILE = "<script>alert(1)</script>"
# Crafted students on top of a synthetic class: equivalent answers typed differently, a hostile one, a broken one.
CRAFTED = {
    "submission_900001": ("Eq Plain", {"4.1": "n(n+1)/2", "2.1": "The input and output have different lengths."}),
    "submission_900002": ("Eq Latex", {"4.1": "$\\frac{n^2+n}{2}$"}),
    "submission_900003": ("Eq Times", {"4.1": "n*(n+1)/2"}),
    "submission_900004": ("Wrong Diag", {"4.1": "n(n-1)/2"}),
    "submission_900005": (HOSTILE, {"2.1": f"<img src=x onerror=alert(1)> {HOSTILE} different lengths",
                                    "4.2": '=HYPERLINK("http://example.com/x")'}),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, hw3):
    root = tmp_path_factory.mktemp("class")
    source = root / "export"
    generate_class(source, 40, seed=7, export=True)
    metadata = yaml.safe_load((source / "submission_metadata.yml").read_text(encoding="utf-8"))
    for folder, (name, answers) in CRAFTED.items():
        (source / folder).mkdir()
        (source / folder / "answers.yaml").write_text(yaml.safe_dump(answers), encoding="utf-8")
        metadata[folder] = {":submitters": [{":name": name, ":sid": folder[-3:], ":email": f"{folder}@example.edu"}]}
    (source / "submission_900006").mkdir()
    (source / "submission_900006" / "answers.md").write_bytes(b"\x00\x01\x02binary")
    (source / "submission_metadata.yml").write_text(yaml.safe_dump(metadata), encoding="utf-8")
    out = root / "out"
    summary = run_batch(submissions=source, outdir=out, assignment=hw3, jobs=2)
    return source, out, summary


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_submission_gets_a_valid_results_file_like_the_container_writes(graded, hw3):
    source, out, summary = graded
    folders = sorted(p.name for p in source.iterdir() if p.is_dir())
    assert summary.submissions == len(folders) == 46 and summary.graded == 46
    assert sorted(p.name for p in (out / "results").iterdir()) == [f"{f}.json" for f in folders]
    metadata = {}
    with Sandbox() as box:
        for folder in folders:
            batch = json.loads((out / "results" / f"{folder}.json").read_text(encoding="utf-8"))
            validate_results(batch)
            # Answers served from the cache give exactly what grading each submission alone gives.
            alone = to_results_json(grade_submission(source / folder, hw3, sandbox=box))
            metadata[folder] = batch["extra_data"].pop("metadata")
            assert metadata[folder]["assignment_fingerprint"] == hw3.fingerprint()
            for document in (batch, alone):
                document.pop("execution_time")
            assert batch == alone, folder
    assert metadata["submission_900002"]["users"] == [
        {"name": "Eq Latex", "email": "submission_900002@example.edu", "sid": "002"}]


def test_grades_csv_has_identity_scores_points_possible_and_status(graded, hw3):
    _, out, _ = graded
    rows = _csv(out / "grades.csv")
    possible, students = rows[0], {r["submission"]: r for r in rows[1:]}
    assert possible["submission"] == "Points Possible" and float(possible["total"]) == 100
    assert [float(possible[p.id]) for p in hw3.rubric.parts] == [p.points for p in hw3.rubric.parts]
    assert len(students) == 46
    for row in students.values():
        assert float(row["total"]) == pytest.approx(sum(float(row[p.id]) for p in hw3.rubric.parts))
    assert students["submission_900001"]["name"] == "Eq Plain" and students["submission_900001"]["sid"] == "001"
    assert float(students["submission_900001"]["4.1"]) == 10 and float(students["submission_900004"]["4.1"]) == 5
    broken = students["submission_900006"]
    assert broken["status"] == "no answers" and "not a text file" in broken["error"]
    # A student's text never becomes a spreadsheet formula.
    assert all(not v.startswith("=") for row in rows for v in row.values())


def test_gradebook_csv_has_one_row_per_student(graded):
    _, out, _ = graded
    rows = _csv(out / "grades_canvas.csv")
    assert list(rows[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0]["Student"] == "Points Possible"
    metadata = yaml.safe_load((graded[0] / "submission_metadata.yml").read_text(encoding="utf-8"))
    people = sum(len(r[":submitters"]) for r in metadata.values())
    assert len(rows) - 1 == people + 1  # every submitter, plus the student of the folder missing from the metadata


def test_equivalent_answers_form_one_group_and_the_review_list_is_written(graded):
    _, out, _ = graded
    groups = [g for g in _csv(out / "groups.csv") if g["part"] == "4.1" and g["engine"] == "formula"]
    group_of = {name: g for g in groups for name in g["who"].split("; ")}
    assert group_of["Eq Plain"] is group_of["Eq Latex"] is group_of["Eq Times"]
    assert group_of["Eq Plain"]["verdict"] == "equivalent" and group_of["Wrong Diag"] is not group_of["Eq Plain"]
    answered = 0
    for path in (out / "results").iterdir():
        tests = json.loads(path.read_text(encoding="utf-8"))["tests"]
        answered += any(t["number"] == "4.1" and t["extra_data"]["status"] != "missing" for t in tests)
    assert sum(int(g["count"]) for g in groups) == answered
    flagged = _csv(out / "review.csv")
    assert any(f["submission"] == "submission_900006" for f in flagged) or flagged


def test_the_report_is_self_contained_and_escapes_student_text(graded):
    _, out, _ = graded
    html = (out / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in html and "&lt;script&gt;" in html
    assert "<script" not in html and not re.search(r"<[a-z]+[^>]*\s(src|href)\s*=", html)  # nothing to fetch, nothing to run
    for section in ('id="hist-total"', 'id="part-4.1"', 'id="groups-4.1-formula"', 'id="flags"'):
        assert section in html


def test_summary_tells_the_instructor_how_the_class_did(graded):
    _, _, summary = graded
    assert "46 submissions" in summary.text and "mean" in summary.text and "flagged for review" in summary.text
    assert "no answers" in summary.text, summary.text


def test_an_output_folder_inside_the_submissions_is_not_a_student(tmp_path, hw3):
    source = tmp_path / "class"
    generate_class(source, 3, seed=11, export=False)
    students = sorted(p.name for p in source.iterdir())
    for _ in range(2):  # the second run finds the first run's output beside the students
        summary = run_batch(submissions=source, outdir=source / "graded", assignment=hw3, jobs=1)
        assert summary.submissions == len(students)
    rows = _csv(source / "graded" / "grades.csv")
    assert sorted(r["submission"] for r in rows if r["submission"] in students) == students
    assert all(r["submission"] != "graded" for r in rows)


def test_a_scan_nothing_could_be_read_from_is_graded_by_a_person_not_called_empty(tmp_path, hw3, monkeypatch):
    # No OCR here (tesseract is not on the PATH), so the scan yields no text at all: every part goes to review.
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    source = tmp_path / "export"
    (source / "submission_1").mkdir(parents=True)
    scan = Path(__file__).resolve().parents[1] / "submission" / "pdf" / "ada_scan.pdf"
    (source / "submission_1" / "answers.pdf").write_bytes(scan.read_bytes())
    run_batch(submissions=source, outdir=tmp_path / "out", assignment=hw3, jobs=1)
    (row,) = _csv(tmp_path / "out" / "grades.csv")[1:]
    assert row["status"] == "graded", row
    flagged = {r["part"] for r in _csv(tmp_path / "out" / "review.csv") if r["submission"] == "submission_1"}
    assert flagged == set(hw3.part_ids)
