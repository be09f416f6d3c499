"""Every format of the same answers grades like the Markdown original, driven by formats/formats.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.grading import grade_submission
from grader.submission import read_submission

HERE = Path(__file__).parent / "formats"
ROWS = yaml.safe_load((HERE / "formats.yaml").read_text(encoding="utf-8"))


def _engine_scores(result) -> dict[str, dict[str, float]]:
    return {p.id: {o.engine: o.score for o in p.outcomes} for p in result.parts}


@pytest.fixture(scope="module")
def original(hw3, sandbox):
    return _engine_scores(grade_submission(HERE / "ada.md", hw3, sandbox=sandbox))


def _param(row):
    marks = [pytest.mark.xfail(reason=row["xfail"], strict=False)] if row.get("xfail") else []
    return pytest.param(row, id=row["file"], marks=marks)


@pytest.mark.parametrize("row", [_param(r) for r in ROWS])
def test_a_format_grades_like_the_markdown_original(row, hw3, sandbox, original):
    path = HERE / row["file"]
    assert read_submission(path, hw3.part_ids).kind == row["kind"]
    scores = _engine_scores(grade_submission(path, hw3, sandbox=sandbox))
    for part, engines in original.items():
        assert set(scores[part]) == set(engines), (part, scores[part])
        if "formula" in engines:
            assert scores[part]["formula"] == engines["formula"], (part, scores[part], engines)
        if "text" in engines:
            assert abs(scores[part]["text"] - engines["text"]) <= 1.0, (part, scores[part], engines)


def test_the_original_answers_every_part(original, hw3):
    assert set(original) == set(hw3.part_ids)
    assert sum(s for engines in original.values() for s in engines.values()) > 0


def _bomb(path: Path, megabytes: int, *, members: int = 1) -> None:
    import zipfile

    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for index in range(members):
            with archive.open(f"word/media/image{index}.bin", "w") as member:
                for _ in range(megabytes):
                    member.write(chunk)


@pytest.mark.parametrize("megabytes, members, reason", [
    (40, 1, "compressed far more than a real document"),
    (3, 80, "unpacks to more than 200 MB"),
], ids=["ratio", "total"])
def test_a_zip_bomb_docx_is_refused_before_it_is_unpacked(tmp_path, megabytes, members, reason):
    submission = tmp_path / "submission"
    submission.mkdir()
    _bomb(submission / "answers.docx", megabytes, members=members)
    (submission / "notes.md").write_text("## 4.1\nn(n+1)/2\n", encoding="utf-8")
    answers = read_submission(submission, ["4.1", "4.2"])
    assert answers.get("4.1") == "n(n+1)/2"  # the rest of the submission is still read
    assert reason in " ".join(answers.notes), answers.notes
