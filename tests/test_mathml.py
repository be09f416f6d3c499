"""Readings as MathML for the staff's pages: rendered where they convert, escaped text where they do not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grader.mathml import reading_html, to_mathml

CASES = yaml.safe_load(Path(__file__).with_name("mathml.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["reading"][:40] for c in CASES])
def test_reading_html(case):
    html = str(reading_html(case["reading"]))
    for text in case.get("has", []):
        assert text in html
    for text in case.get("not", []):
        assert text not in html


def test_only_mathml_elements_and_attributes_survive():
    import xml.etree.ElementTree as ET

    from grader.mathml import _ATTRIBUTES, _ELEMENTS

    for latex in (r"\frac{a}{b} + \sqrt[3]{x} - \overline{y}", r"\mathrm{a<b} \color{red}{x}", r"\begin{matrix}1&2\\3&4\end{matrix}"):
        mathml = to_mathml(latex)
        if mathml is None:
            continue
        for element in ET.fromstring(mathml).iter():
            assert element.tag.split("}")[-1] in _ELEMENTS
            assert set(element.attrib) <= _ATTRIBUTES | {"xmlns"}
