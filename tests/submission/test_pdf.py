"""PDF submissions, driven by pdf_cases.yaml: real fixtures (pdflatex, pandoc, a scan) and hostile files."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml

from grader.submission import split_markdown
from grader.submission.pdf import read_pdf, reader
from grader.submission.pdf.layout import Glyph, Rule, lay_out

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "pdf"))
import hostile  # noqa: E402

CASES = yaml.safe_load((HERE / "pdf_cases.yaml").read_text(encoding="utf-8"))
PART_IDS = ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_pdf(case, monkeypatch):
    if case.get("ocr") is False:
        monkeypatch.setattr(reader, "find_tesseract", lambda: None)
    elif case.get("ocr") and reader.find_tesseract() is None:
        pytest.skip("tesseract is not installed (Debian: tesseract-ocr)")
    if "file" in case:
        data = (HERE / "pdf" / case["file"]).read_bytes()
    else:
        data = hostile.GENERATORS[case["make"]]()
        if data is None:
            pytest.skip(f"{case['make']} needs a tool that is not installed (qpdf)")
    converted = read_pdf(data, "answers.pdf")
    assert converted.kind == "PDF"
    parts = split_markdown(converted.text, PART_IDS)
    for part, text in (case.get("parts") or {}).items():
        assert parts.get(part) == text, f"part {part}: {parts.get(part)!r}\n{converted.text}"
    for part in case.get("answered") or []:
        assert parts.get(part), f"part {part} missing:\n{converted.text}"
    for fragment in case.get("contains") or []:
        assert fragment in converted.text, converted.text
    for fragment in case.get("absent_text") or []:
        assert fragment not in converted.text, converted.text
    if "text" in case:
        assert converted.text == case["text"]
    notes = " ".join(converted.notes)
    for fragment in case.get("notes") or []:
        assert fragment in notes, notes
    if "review" in case:
        assert converted.review is not None and case["review"] in converted.review
    else:
        assert converted.review is None, converted.review
    assert converted.layout_math == bool(converted.text)
    if "confidence" in case:
        assert converted.scan is not None and converted.scan.confidence >= case["confidence"]
    else:
        assert converted.scan is None


def _fake_tesseract(folder: Path, body: str) -> str:
    script = folder / "tesseract"
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("body", ["exec sleep 60", "exit 3", 'printf "level\\tbroken\\n5\\tx\\n" > "$2.tsv"'],
                         ids=["hangs", "fails", "writes nonsense"])
def test_ocr_that_hangs_or_fails_leaves_the_scan_to_a_person(tmp_path, monkeypatch, body):
    monkeypatch.setattr(reader, "find_tesseract", lambda: _fake_tesseract(tmp_path, body))
    started = time.monotonic()
    converted = read_pdf((HERE / "pdf" / "ada_scan.pdf").read_bytes(), "scan.pdf")
    assert time.monotonic() - started < reader.TIMEOUT
    assert converted.text == "" and converted.scan is None
    assert converted.review == reader.NO_TEXT_LAYER


def _word(text: str, x: float, base: float, size: float = 10.0, font: str = "CMR10") -> list[Glyph]:
    glyphs, step = [], 0.5 * size
    for k, char in enumerate(text):
        left = x + k * step
        glyphs.append(Glyph(char, left, left + 0.45 * size, base, base + 0.7 * size, base, size, font,
                            math=font.startswith("CMMI")))
    return glyphs


# Hand-made geometry that no HW3 fixture has: a subscript and a superscript on one base, a fraction drawn
# with keyboard dashes, a rule under a line of text (an underline, not a fraction), footnote-size text.
LAYOUTS = [
    ("x^2_i stacked", _word("so", 80, 700) + _word("x", 100, 700, font="CMMI10") + _word("2", 105, 704, 7, "CMR7")
     + _word("i", 105, 698, 7, "CMMI7"), [], "so $x^2_i$"),  # LaTeX reads both orders alike
    ("dashes as a fraction bar", _word("a+b", 100, 714) + _word("-----", 100, 700) + _word("c", 105, 686),
     [], "$\\frac{a+b}{c}$"),
    ("an underline is not a fraction", _word("Answer", 100, 700) + _word("next", 100, 686), [Rule(100, 130, 698, 698.6)],
     "Answer\nnext"),
    ("an accent over a letter", _word("¯", 100.5, 706) + _word("x", 100, 700, font="CMMI10") + _word("=1", 106, 700), [],
     "$\\bar{x} = 1$"),
    ("small text far below is a line of its own", _word("body", 100, 700) + _word("note", 100, 680, 7), [],
     "body\nnote"),
]


def _page(columns: list[list[str]], x: list[float], top: float = 700) -> list[Glyph]:
    """Lines of text in columns starting at `x`, 14 points apart, as a typesetter draws them."""
    return [g for column, left in zip(columns, x) for k, text in enumerate(column) for g in _word(text, left, top - 14 * k)]


_LEFT = [f"left{k}" + "x" * 20 for k in range(8)]
_RIGHT = [f"right{k}" + "y" * 19 for k in range(6)]
LAYOUTS += [
    ("two columns: the left one first", _page([_LEFT, _RIGHT], [72, 222]), [], "\n".join(_LEFT + _RIGHT)),
    ("a title over both columns stays on top", _word("Title", 200, 730) + _page([_LEFT, _RIGHT], [72, 222]), [],
     "\n".join(["Title", *_LEFT, *_RIGHT])),
    # One column whose lines end before the middle, and a label far right: no gutter with columns beside it.
    ("short lines and a date on the right are one column",
     _page([[f"short{k}" for k in range(8)], ["2026"]], [72, 400]), [], "short0 2026\n" + "\n".join(f"short{k}" for k in range(1, 8))),
    ("a gutter with too few lines is not looked for", _page([_LEFT[:3], _RIGHT[:3]], [72, 222]), [],
     "\n".join(f"{a} {b}" for a, b in zip(_LEFT[:3], _RIGHT[:3]))),
]


@pytest.mark.parametrize("name,glyphs,rules,expected", LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_layout_of_hand_made_geometry(name, glyphs, rules, expected):
    assert "\n".join(line.text for line in lay_out(glyphs, rules)) == expected
