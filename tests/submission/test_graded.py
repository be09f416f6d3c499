"""Documents graded end to end, driven by graded_cases.yaml: scores, statuses and what goes to a person."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.grading import grade_submission

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = yaml.safe_load((HERE / "graded_cases.yaml").read_text(encoding="utf-8"))


def _bomb_docx(folder: Path) -> None:
    with zipfile.ZipFile(folder / "answers.docx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/media/image0.bin", b"\0" * (8 * 1024 * 1024))


def _markdown_without_4_3(folder: Path) -> None:
    text = (ROOT / "submissions_example" / "ada_markdown" / "answers.md").read_text(encoding="utf-8")
    (folder / "answers.md").write_text(text[:text.index("## 4.3")], encoding="utf-8")


def _odt_with_4_1(mathml: bytes):
    """Ada's .odt (pandoc, formats/build.sh) with the equation of part 4.1 (its object Formula-8) replaced."""
    def make(folder: Path) -> None:
        with zipfile.ZipFile(HERE / "formats" / "ada.odt") as source, \
                zipfile.ZipFile(folder / "answers.odt", "w", zipfile.ZIP_DEFLATED) as copy:
            for member in source.namelist():
                copy.writestr(member, mathml if member == "Formula-8/content.xml" else source.read(member))
    return make


_MATH = b'<math xmlns="http://www.w3.org/1998/Math/MathML">'
MAKE = {"bomb_docx": _bomb_docx, "markdown_without_4_3": _markdown_without_4_3,
        "odt_huge_4_1": _odt_with_4_1(_MATH + b"<mrow>" + b"<mi>n</mi><mo>+</mo>" * 400_000 + b"<mn>1</mn></mrow></math>"),
        "odt_deep_4_1": _odt_with_4_1(_MATH + b"<mrow>" * 200_000 + b"<mi>n</mi>" + b"</mrow>" * 200_000 + b"</math>"),
        "odt_entity_4_1": _odt_with_4_1(b'<?xml version="1.0"?><!DOCTYPE math [<!ENTITY a "n">]>' + _MATH
                                        + b"<mi>&a;</mi></math>")}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_graded(case, hw3, tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    if "file" in case:
        shutil.copy(HERE / "graded" / case["file"], submission / case["file"])
    else:
        MAKE[case["make"]](submission)
    parts = {p.id: p for p in grade_submission(submission, hw3).parts}
    for part_id, expected in case["parts"].items():
        part = parts[part_id]
        assert (part.score, part.status) == (expected["score"], expected["status"]), (part_id, part)
        reasons = " ".join(part.review_reasons)
        shown = part.model_dump_json()
        for fragment in expected.get("shown") or []:
            assert fragment in shown, (part_id, shown)
        if expected["review"] is None:
            assert not part.needs_review, (part_id, reasons)
        else:
            assert part.needs_review and expected["review"] in reasons, (part_id, reasons)
