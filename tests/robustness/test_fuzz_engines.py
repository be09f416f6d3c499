"""Property-based tests of the engines and readers one at a time, on text built to look like what students
type and like what attackers type: no uncaught exception, every result well-formed, every result within its
bounds (points, lengths, the words quoted back to the student being the student's own).

The "ci" profile runs in CI; `HYPOTHESIS_PROFILE=long` runs the long one by hand.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import unicodedata
from pathlib import Path

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rbutil import flat

from grader.assignment import load_assignment
from grader.formula import ReadOk, check_equivalence, read_formula
from grader.submission import MAX_ANSWER_CHARS, MAX_NESTING, read_submission, split_markdown
from grader.submission.mapping import part_id as _part_id
from grader.text import grade_text
from grader.text.normalise import prepare

HW3 = load_assignment()
PART_IDS = HW3.part_ids
TEXT_PARTS = [p for p in HW3.rubric.parts if p.text is not None]
FORMULA_PARTS = [p for p in HW3.rubric.parts if p.formula is not None and p.id != "1"]
VERDICTS = {"equivalent", "not_equivalent", "undecided", "unreadable"}

# Pieces of formulas, LaTeX, and of what breaks parsers and evaluators.
_FORMULA_PIECES = st.sampled_from(
    ["n", "t", "w", "i", "1", "2", "10", "0", "(", ")", "{", "}", "[", "]", "+", "-", "*", "/", "^", "**", "!", "=",
     "\\frac{", "\\binom{", "\\sum_{i=1}^{n}", "\\cdot", "\\left(", "\\right)", "\\lfloor", "\\rfloor", "\\sqrt{",
     "min(", "max(", "floor(", "log(", "binomial(", "factorial(", ",", ".", "...", "$", "$$", "9^9^9", "10^9",
     "__import__", "eval(", "\\input{", "\\def", "−", "·", "²", "ｎ", "\x00", " ", "\n"])
formulas = st.one_of(st.lists(_FORMULA_PIECES, max_size=30).map("".join), st.text(max_size=60))

# Words of the HW3 rubric, negations, subjects and punctuation: what exercises the keyword matcher.
_WORDS = st.sampled_from(
    ["attention", "weighted", "sum", "encoder", "decoder", "different", "lengths", "length", "context", "vector",
     "bottleneck", "fixed", "BERT", "Word2Vec", "contextual", "static", "one-hot", "sparse", "dense", "similar",
     "not", "no", "never", "isn't", "unlike", "but", "than", "both", "neither", "it", "they", "the", "a", "is",
     "are", "because", "words", "sequence", "input", "output", "alignment", "softmax", "keys", "values", "query",
     "even", "odd", "positions", "sum", "larger", "alternating", "h_t", "x_t", ",", ".", ";", "!", "?", "(", ")",
     "\n", "\n\n- ", "1.", "e.g.", "i.e.", "...", "“", "”", "'", "\"", "é", "ß", "İ", "ﬁ", "\u200b", "\x00"])
texts = st.one_of(st.lists(_WORDS, max_size=80).map(" ".join), st.text(max_size=300))


def _flat_lower(text: str) -> str:
    return flat(text).casefold()


@given(texts)
def test_keyword_matcher_is_well_formed_and_quotes_only_the_answer(answer):
    shown = prepare(answer, keep_case=True)  # the answer with `<`, `\\geq`, ... spelt out in words
    for part in TEXT_PARTS:
        out = grade_text(answer, part.text)
        assert out.engine == "text" and out.status in {"correct", "partial", "incorrect", "invalid"}
        assert 0 <= out.score <= out.max_score == part.text.points
        assert out.status != "invalid", out.review_reasons
        ids = [i.id for i in out.items]
        assert len(ids) == len(set(ids))
        for item in out.items:
            assert item.label and item.feedback and math.isfinite(item.points)
            assert item.points <= item.max_points + 1e-9 or item.max_points == 0
            if item.evidence is not None:  # the words shown back are the student's own, never the rubric's
                # A group quotes each of its concepts' evidence; a loose match quotes its words apart, with "…".
                pieces = [w for e in item.evidence.split("; ") for w in e.split(" … ")]
                assert all(_flat_lower(e) in _flat_lower(shown) for e in pieces), (item.id, item.evidence)


@given(formulas)
def test_formula_reader_reads_or_locates_the_problem(text):
    for part in FORMULA_PARTS:
        res = read_formula(text, part.formula)
        if isinstance(res, ReadOk):
            assert res.latex and "\n" not in res.latex
        else:
            assert res.message and 0 <= res.offset <= len(text)


@given(formulas, formulas)
def test_equivalence_checker_never_raises_and_is_reflexive(a, b):
    spec = FORMULA_PARTS[1].formula  # 4.2: two variables and a constraint
    verdict = check_equivalence(a, b, spec, prove=False)
    assert verdict.verdict in VERDICTS, verdict
    assert verdict.reason
    if isinstance(read_formula(a, spec), ReadOk):
        assert check_equivalence(a, a, spec, prove=False).verdict in {"equivalent", "undecided"}


# Bodies of answers that hold no heading of their own.
_LOOKS_LIKE_A_HEADING = re.compile(r"^\s*(#|\*\*|(question|problem|exercise|part|q)\s*\d|\d+(\.\d+)*\))", re.IGNORECASE)
_BODY_LINES = st.lists(st.one_of(texts, formulas).map(lambda s: s.replace("\n", " ")), max_size=4)


@given(st.dictionaries(st.sampled_from(PART_IDS), _BODY_LINES, max_size=len(PART_IDS)),
       st.sampled_from(["## {id}", "## Question {id}", "**{id}**", "Question {id}:", "Q{id}", "# Problem {id}."]))
def test_markdown_splitter_gives_back_each_answer_under_its_heading(answers, style):
    lines = [line for body in answers.values() for line in body]
    assume(not any(_LOOKS_LIKE_A_HEADING.match(unicodedata.normalize("NFKC", line)) for line in lines))
    assume(not any("<!--" in line or "-->" in line for line in lines))
    text = "\n\n".join(style.format(id=pid) + "\n" + "\n".join(body) for pid, body in answers.items())
    split = split_markdown(text, PART_IDS)
    assert set(split) == set(answers)
    for pid, body in answers.items():
        assert split[pid] == "\n".join(body).strip(), pid


_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40), formulas),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12,
)
_KEYS = st.one_of(st.sampled_from(PART_IDS + ["Q4.1", "4.1)", "question 2.1", "9.9", "", " "]), st.text(max_size=8))


@given(st.dictionaries(_KEYS, _VALUES, max_size=10), st.sampled_from(["answers.json", "answers.yaml", "answers.yml"]))
def test_structured_answers_files_never_raise_and_keep_what_was_written(data, name):
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_text(text, encoding="utf-8")
        answers = read_submission(Path(folder), PART_IDS)
    assert answers.source == name
    assert set(answers.answers) <= set(PART_IDS)
    assert all(isinstance(v, str) and len(v) <= MAX_ANSWER_CHARS for v in answers.answers.values())
    # What the file says (a YAML dump does not always load back as the data it was made from: `\x85`).
    written = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    given: dict[str, list[object]] = {}
    for key, value in written.items():  # `4.1`, `Q4.1` and ` 4.1` all name part 4.1
        given.setdefault(_part_id(key), []).append(value)
    for part, values in given.items():
        texts = [v for v in values if isinstance(v, str)]
        if part in PART_IDS and len(texts) == len(values) == 1:  # a text given once is kept as written
            assert _lines(answers.answers.get(part)) == _lines(texts[0])[:MAX_ANSWER_CHARS], part
        if part in PART_IDS and texts and texts[0].strip() and values[0] is texts[0]:  # the first answer wins
            assert _lines(answers.answers.get(part)) == _lines(texts[0])[:MAX_ANSWER_CHARS], part


def _lines(text: str | None) -> str | None:
    """Line endings as the reader gives them (`\\r\\n` and `\\r` become `\\n`)."""
    return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n")


# One answer nested `depth` deep, in JSON (lists, objects) and YAML (flow and block lists), beside a plain one.
_NESTED = {
    "json lists": ("answers.json", lambda d: '{"4.2": "nt", "4.1": ' + "[" * d + '"x"' + "]" * d + "}"),
    "json objects": ("answers.json", lambda d: '{"4.2": "nt", "4.1": ' + '{"a": ' * d + '"x"' + "}" * d + "}"),
    "yaml flow lists": ("answers.yaml", lambda d: "4.2: nt\n4.1: " + "[" * d + "x" + "]" * d + "\n"),
    "yaml block lists": ("answers.yaml", lambda d: "4.2: nt\n4.1:\n  " + "- " * d + "x\n"),
}


@settings(max_examples=max(20, settings().max_examples // 10))
@given(st.one_of(st.integers(1, 2 * MAX_NESTING), st.integers(1, 1500)), st.sampled_from(sorted(_NESTED)))
def test_deep_nesting_is_a_message_not_a_crash(depth, form):
    name, make = _NESTED[form]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / name).write_text(make(depth), encoding="utf-8")
        answers = read_submission(Path(folder), PART_IDS)
    if depth <= MAX_NESTING:
        assert (answers.get("4.1"), answers.get("4.2")) == ("x", "nt"), answers.notes
    else:  # that answer, or the whole file when the parser gives up, is refused with a message
        assert answers.get("4.1") is None
        assert any("could not be read" in n for n in answers.notes), answers.notes
