"""OpenDocument equations read as LaTeX, driven by odf_cases.yaml: a pandoc-written .odt of formulas from
outside HW3, LibreOffice-style MathML, and objects that must be refused rather than guessed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.formula import FormulaSpec, check_equivalence
from grader.submission import split_markdown
from grader.submission import odf
from grader.submission.mathml import MathMLError, mathml_to_latex
from grader.submission.office import read_office

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "odf_cases.yaml").read_text(encoding="utf-8"))
FORMULAS = HERE / "formats" / "formulas.odt"


@pytest.fixture(scope="module")
def fixture_parts():
    converted = read_office(FORMULAS.read_bytes(), "formulas.odt")
    assert converted.review is None and not converted.notes, converted.notes
    return split_markdown(converted.text, [row["part"] for row in CASES["fixture"]])


@pytest.mark.parametrize("row", CASES["fixture"], ids=lambda r: r["source"])
def test_an_odt_formula_reads_back_as_what_the_student_typed(row, fixture_parts):
    answer = fixture_parts.get(row["part"])
    assert answer and answer.count("$") >= 2, answer
    spec = FormulaSpec(points=1, variables={name: {"domain": domain} for name, domain in row["variables"].items()})
    verdict = check_equivalence(answer, row["source"], spec, prove=False)
    assert verdict.verdict == "equivalent", (answer, verdict.reason)


def _nested(depth: int) -> bytes:
    return b'<math xmlns="http://www.w3.org/1998/Math/MathML">' + b"<mrow>" * depth + b"<mi>x</mi>" + b"</mrow>" * depth + b"</math>"


@pytest.mark.parametrize("case", CASES["mathml"], ids=lambda c: c["name"])
def test_mathml(case):
    data = _nested(case["nest"]) if "nest" in case else case["mathml"].encode("utf-8")
    if "refused" in case:
        with pytest.raises(MathMLError) as refused:
            mathml_to_latex(data)
        assert case["refused"] in str(refused.value)
    else:
        assert mathml_to_latex(data) == (case["latex"], case.get("display", False))


def _rewritten(member: str, change) -> bytes:
    """The formulas fixture with one member's bytes changed by `change`."""
    source = zipfile.ZipFile(FORMULAS)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for name in source.namelist():
            data = source.read(name)
            copy.writestr(name, change(data) if name == member else data)
    return out.getvalue()


def test_an_equation_that_cannot_be_read_is_marked_where_it_stood():
    # Part 3's sum, as a matrix this reader does not know.
    matrix = b'<math xmlns="http://www.w3.org/1998/Math/MathML"><mtable><mtr><mtd/></mtr></mtable></math>'
    converted = read_office(_rewritten("Formula-4/content.xml", lambda _: matrix), "answers.odt")
    parts = split_markdown(converted.text, ["1", "2", "3", "4"])
    assert parts["3"] == odf.UNREAD
    assert parts["4"].startswith("$\\sin")  # the other equations are still read
    assert converted.review is None  # grading sends the part holding the placeholder to a person
    assert "1 equation this grader could not read" in " ".join(converted.notes)
    assert "element mtable is not read" in " ".join(converted.notes)


def _as_libreoffice(data: bytes) -> bytes:
    """The pandoc-written .odt with its objects where LibreOffice puts them: `./Object N` links, a picture
    of each formula beside the object in its frame, and the MathML wrapped with its StarMath source."""
    import re

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for member in source.namelist():
            body = source.read(member)
            if member == "content.xml":
                body = re.sub(rb'<draw:object xlink:href="Formula-(\d+)/"([^>]*)/>',
                              rb'<draw:object xlink:href="./Object \1"\2/><draw:image xlink:href="./ObjectReplacements/Object \1"/>',
                              body)
            elif re.fullmatch(r"Formula-\d+/content\.xml", member):
                body = re.sub(rb"(<math[^>]*>)(.*)(</math>)", rb'\1<semantics>\2<annotation encoding="StarMath 5.0">'
                              rb"x</annotation></semantics>\3", body, flags=re.S)
            copy.writestr(member.replace("Formula-", "Object "), body)
    return out.getvalue()


def test_an_odt_laid_out_as_libreoffice_writes_it_reads_the_same():
    data = FORMULAS.read_bytes()
    libreoffice = _as_libreoffice(data)
    with zipfile.ZipFile(io.BytesIO(libreoffice)) as archive:
        assert b'xlink:href="./Object 0"' in archive.read("content.xml")
        assert b"StarMath" in archive.read("Object 0/content.xml")
    read = read_office(libreoffice, "answers.odt")
    assert read.review is None and read.text == read_office(data, "answers.odt").text


def test_an_odt_with_more_equations_than_are_read_says_so_and_marks_each(monkeypatch):
    monkeypatch.setattr(odf, "MAX_FORMULAS", 4)
    converted = read_office(FORMULAS.read_bytes(), "answers.odt")
    parts = split_markdown(converted.text, [str(n) for n in range(1, 10)])
    assert parts["4"].startswith("$\\sin") and parts["5"] == odf.UNREAD
    assert converted.review is None
    assert "has 5 equations this grader could not read (only the first 4 equations are read; 5 more were not)" in (
        " ".join(converted.notes))


def test_an_equation_out_of_the_reader_s_reach_sends_the_document_to_a_person():
    import re

    def unframed(data: bytes) -> bytes:  # the first formula's object outside any frame: no placeholder for it
        return re.sub(rb"<draw:frame\b[^>]*>((?:(?!</?draw:frame\b).)*?)</draw:frame>", rb"\1", data, count=1, flags=re.S)

    converted = read_office(_rewritten("content.xml", unframed), "answers.odt")
    assert converted.review == "1 of its equations (OpenDocument formula objects) could not be read"
    assert "a person will grade it" in " ".join(converted.notes)
