"""Property-based tests of everything between the student's bytes and results.json.

Whatever the bytes or the text, reading never raises, grading stays within each part's points, and the
results.json validates. The quick profile runs in CI; `HYPOTHESIS_PROFILE=long` runs the long one.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.grading import grade_answers
from grader.submission import (
    MAX_ANSWER_CHARS,
    Answers,
    decode,
    read_submission,
    split_markdown,
)
from grader.writers.gradescope import (
    MAX_OUTPUT_CHARS,
    to_results_json,
    validate_results,
)

PART_IDS = ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]

# Text that looks like answers files: headings, math delimiters, YAML and JSON punctuation, odd unicode.
_PIECES = st.sampled_from(
    ["## ", "**", "4.1", "1)", "Question ", "\n", "$", "$$", "\\frac{", "}", "{", ":", "- ", "&a ", "*a",
     "!!python/object", "[", "]", '"', "<!--", "-->", "n(n+1)/2", "\u2212", "\ufeff", "\x00", "é", "𝑛"]
)
markdownish = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join)


@given(markdownish)
def test_splitting_never_raises_and_finds_only_known_parts(text):
    answers = split_markdown(text, PART_IDS)
    assert set(answers) <= set(PART_IDS)
    assert all(isinstance(v, str) for v in answers.values())


@given(st.binary(max_size=2000))
def test_decoding_never_raises(data):
    text = decode(data)
    assert text is None or "\0" not in text


@given(st.sampled_from(["answers.md", "answers.yaml", "answers.json", "answers.txt"]),
       st.one_of(st.binary(max_size=3000), markdownish.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_reading_any_file_never_raises(name, data):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_bytes(data)
        answers = read_submission(Path(folder), PART_IDS)
    assert set(answers.answers) <= set(PART_IDS)
    assert all(isinstance(v, str) and len(v) <= MAX_ANSWER_CHARS for v in answers.answers.values())


# Each example is a whole submission graded through the sandbox: a tenth of the profile's examples.
@settings(max_examples=max(40, settings().max_examples // 10))
@given(st.dictionaries(st.sampled_from(PART_IDS), st.one_of(markdownish, st.text(max_size=300)), max_size=8))
def test_grading_any_answers_stays_in_bounds_and_writes_valid_results(hw3, sandbox, answers):
    result = grade_answers(Answers(answers), hw3, submission="fuzz", sandbox=sandbox)
    for part in result.parts:
        assert 0 <= part.score <= part.max_score
        assert part.status in {"correct", "partial", "incorrect", "invalid", "missing"}
        assert (part.status == "missing") == (Answers(answers).get(part.id) is None)
    document = to_results_json(result)
    validate_results(document)
    assert all(len(t["output"]) <= MAX_OUTPUT_CHARS for t in document["tests"])
    assert "Traceback" not in json.dumps(document)
