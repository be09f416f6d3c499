"""Submission reading, driven by cases.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.submission import read_submission

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))
PART_IDS = ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]


def _content(spec: dict) -> bytes:
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if "repeat" in spec:
        return (spec.get("text", "") + spec["repeat"] * spec["times"] + spec.get("after", "")).encode("utf-8")
    return spec["text"].encode("utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_reading(case, tmp_path):
    for name, spec in case["files"].items():
        (tmp_path / name).write_bytes(_content(spec))
    answers = read_submission(tmp_path, PART_IDS)
    for part, text in (case.get("answers") or {}).items():
        assert answers.get(part) == text, f"part {part}: {answers.answers.get(part)!r}"
    for part in case.get("absent") or []:
        assert answers.get(part) is None
    notes = " ".join(answers.notes)
    for fragment in case.get("notes") or []:
        assert fragment in notes, notes


def test_a_symlink_out_of_the_submission_is_never_followed(tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("## 4.1\nn(n+1)/2\n", encoding="utf-8")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "answers.md").symlink_to(secret)
    answers = read_submission(submission, PART_IDS)
    assert answers.answers == {}
    assert any("symbolic link" in n for n in answers.notes)


def test_a_single_file_submission(tmp_path):
    path = tmp_path / "student.md"
    path.write_text("4.1) n^2\n", encoding="utf-8")
    assert read_submission(path, PART_IDS).get("4.1") == "n^2"
