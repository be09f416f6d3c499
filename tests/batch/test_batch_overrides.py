"""A TA's decisions (overrides.json) land in every output of `grader batch` and survive regrades: cases in
overrides.yaml."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from grader.assignment import load_assignment
from grader.batch import run_batch
from grader.batch.outputs.overrides import FILE, Decision, OverridesError, part_fingerprint, read, record, remove
from grader.writers.gradescope import validate_results

ROOT = Path(__file__).resolve().parents[2]
CASES = yaml.safe_load((Path(__file__).with_name("overrides.yaml")).read_text(encoding="utf-8"))


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_class(folder: Path, answers: dict[str, dict[str, str]]) -> None:
    for name, parts in answers.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "answers.yaml").write_text(yaml.safe_dump(parts, allow_unicode=True), encoding="utf-8")


def _assignment(root: Path, titles: dict[str, str]):
    """A copy of HW3 (rubric beside ../reference), with some part titles changed."""
    (root / "rubrics").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "reference", root / "reference", dirs_exist_ok=True)
    rubric = yaml.safe_load((ROOT / "rubrics" / "hw3.yaml").read_text(encoding="utf-8"))
    for part in rubric["parts"]:
        part["title"] = titles.get(part["id"], part["title"])
    (root / "rubrics" / "hw3.yaml").write_text(yaml.safe_dump(rubric, allow_unicode=True), encoding="utf-8")
    return load_assignment(root / "rubrics" / "hw3.yaml")


def _journal_rows(out: Path) -> dict[str, dict]:
    rows = {}
    for line in (out / ".batch" / "journal.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if "submission" in row:
            rows[row["submission"]] = row
    return rows


def _decision(spec: dict, rows: dict[str, dict], assignment) -> Decision:
    spec = dict(spec)
    like = spec.pop("like", None)
    if like is not None:
        part = next(p for p in rows[like]["parts"] if p["id"] == spec["part"])
        spec["key"] = next(g[1] for g in part["groups"] if g[0] == spec["engine"])
    else:
        part = next(p for p in rows[spec["submission"]]["parts"] if p["id"] == spec["part"])
        spec["answer"] = part["digest"]
    return Decision(**spec, rubric=part_fingerprint(assignment, spec["part"]), when="2026-01-01T00:00:00+00:00")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_decisions(case, tmp_path):
    source, out = tmp_path / "class", tmp_path / "out"
    _write_class(source, case["class"])
    assignment = _assignment(tmp_path / "a", {})
    run_batch(submissions=source, outdir=out, assignment=assignment, jobs=1)
    rows = _journal_rows(out)
    for spec in case["decisions"]:
        record(out / FILE, _decision(spec, rows, assignment))
    then = case.get("then") or {}
    if then.get("answers"):
        _write_class(source, then["answers"])
    if then.get("title"):
        assignment = _assignment(tmp_path / "a", then["title"])
    if then.get("remove"):
        for d in read(out / FILE):
            remove(out / FILE, d.ident)
    summary = run_batch(submissions=source, outdir=out, assignment=assignment, jobs=1, regrade=True)
    expect = case["expect"]
    # Decisions already in the results files leave them as they are: one more run writes nothing new.
    before = {p.name: p.read_bytes() for p in (out / "results").iterdir()}
    run_batch(submissions=source, outdir=out, assignment=assignment, jobs=1)
    assert {p.name: p.read_bytes() for p in (out / "results").iterdir()} == before

    grades = {r["submission"]: r for r in _csv(out / "grades.csv")}
    for name, parts in expect["scores"].items():
        for pid, score in parts.items():
            assert float(grades[name][pid]) == score, (name, pid, grades[name])
        document = json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))
        validate_results(document)
        tests = {t["number"]: t for t in document["tests"]}
        for pid, score in parts.items():
            assert tests[pid]["score"] == score
        assert document["score"] == pytest.approx(float(grades[name]["total"]))
        assert document["output"].startswith(f"Score: {float(grades[name]['total']):g} /")
    for name, mark in (expect.get("reviewed") or {}).items():
        assert grades[name]["reviewed"] == mark
    gradebook = {r["Student"]: r for r in _csv(out / "grades_canvas.csv")}
    for name, mark in (expect.get("reviewed") or {}).items():
        assert gradebook[name]["Notes"] == (f"reviewed: {mark}" if mark else "")
        assert float(gradebook[name][next(k for k in gradebook[name] if "(hw3)" in k)]) == float(grades[name]["total"])
    for name, comment in (expect.get("comment") or {}).items():
        document = json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))
        outputs = "\n".join(t["output"] for t in document["tests"])
        if comment is None:
            assert "TA's comment" not in outputs and "Reviewed by a TA" not in outputs
            assert all("override" not in (t.get("extra_data") or {}) for t in document["tests"])
        else:
            assert f"**TA's comment:** {comment}" in outputs
    for line in expect.get("summary") or []:
        assert line in summary.text, summary.text
    report = (out / "report.html").read_text(encoding="utf-8")
    for name, mark in (expect.get("reviewed") or {}).items():
        if mark:
            assert f"<td>{name}</td><td>{mark}</td>" in report.replace("→", "→")


def test_a_comment_is_escaped_in_the_feedback_and_the_spreadsheets(tmp_path):
    source, out = tmp_path / "class", tmp_path / "out"
    _write_class(source, {"ann": {"4.1": "n(n-1)/2"}})
    hw3 = load_assignment()
    run_batch(submissions=source, outdir=out, assignment=hw3, jobs=1)
    rows = _journal_rows(out)
    hostile = "<img src=x onerror=alert(1)> [click](http://evil.example) **all marks**"
    record(out / FILE, _decision({"scope": "submission", "part": "4.1", "submission": "ann", "score": 6,
                                  "comment": hostile, "who": "=HYPERLINK(\"x\")"}, rows, hw3))
    run_batch(submissions=source, outdir=out, assignment=hw3, jobs=1)
    document = json.loads((out / "results" / "ann.json").read_text(encoding="utf-8"))
    output = next(t["output"] for t in document["tests"] if t["number"] == "4.1")
    assert "<img" not in output and "[click](http" not in output and "**all marks**" not in output
    assert "&lt;img src=x onerror=alert(1)&gt;" in output
    text = (out / "grades.csv").read_text(encoding="utf-8")
    assert "=HYPERLINK" in text and ",=HYPERLINK" not in text  # inside the mark, never a cell's start
    assert "<img" not in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, message", [
    ("not json", "not a readable JSON file"),
    ('{"decisions": {}}', 'expected {"decisions": [...]}'),
    ('{"decisions": [{"scope": "everyone", "part": "4.1"}]}', "decision 1: scope"),
    ('{"decisions": [{"scope": "group", "part": "4.1", "score": "ten"}]}', "decision 1: score"),
])
def test_a_broken_overrides_file_stops_the_run_with_its_entry(tmp_path, text, message, hw3):
    (tmp_path / "class" / "ann").mkdir(parents=True)
    (tmp_path / "class" / "ann" / "answers.yaml").write_text('"4.1": n\n', encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / FILE).write_text(text, encoding="utf-8")
    with pytest.raises(OverridesError, match=message.replace("[", r"\[").replace("{", r"\{")):
        run_batch(submissions=tmp_path / "class", outdir=tmp_path / "out", assignment=hw3, jobs=1)
