"""The parser: the shipped LALR table is the grammar's, and the parse loop on it builds lark's trees.

If the first test fails after an edit of grammar.lark or an update of lark, write the table again:
    .venv/bin/python -m grader.formula.reading.tables
"""

from __future__ import annotations

import json

import pytest
from lark.parsers.lalr_analysis import Shift

from grader.formula.errors import ReadFailure
from grader.formula.reading import grammar, tables
from grader.formula.reading.parsetree import Tree, from_lark
from grader.formula.reading.read import names_for
from grader.formula.reading.tokens import tokenize
from grader.formula.reading.unicode import clean

from .conftest import PART_SPECS, load, part_spec
from .test_fast_paths import CASES

TEXT = tables.GRAMMAR.read_text(encoding="utf-8")


def _automaton(parser) -> tuple:
    """The LALR automaton with its states numbered in the order a walk from the start meets them: two builds of
    one grammar number their states differently, and are the same automaton."""
    table = parser.parser.parser.parser.parse_table
    number = {table.start_states["start"]: 0}
    queue, rows = [table.start_states["start"]], []
    while queue:
        state = queue.pop(0)
        row = []
        for symbol in sorted(table.states[state]):
            action, arg = table.states[state][symbol]
            if action is Shift:
                if arg not in number:
                    number[arg] = len(number)
                    queue.append(arg)
                row.append((symbol, "shift", number[arg]))
            else:
                row.append((symbol, "reduce", arg.origin.name, tuple(s.name for s in arg.expansion), arg.alias,
                            arg.order))
        rows.append(tuple(row))
    return tuple(rows), number.get(table.end_states["start"]), len(table.states)


def test_the_shipped_table_is_current() -> None:
    doc = json.loads(tables.TABLES.read_text(encoding="utf-8"))
    assert doc["key"] == tables.grammar_key(TEXT), "run: .venv/bin/python -m grader.formula.reading.tables"
    saved, built = tables.lark_parser(True), tables.lark_parser(False)
    assert saved is not built
    assert _automaton(saved) == _automaton(built)
    # the driver's table is the saved parser's, as JSON has it (states numbered by strings)
    assert json.loads(json.dumps(tables.driver_table(saved))) == doc["driver"]


def test_a_table_of_another_grammar_is_not_used(tmp_path, monkeypatch) -> None:
    doc = json.loads(tables.TABLES.read_text(encoding="utf-8"))
    doc["key"] = tables.grammar_key(TEXT + "\n// edited\n")
    stale = tmp_path / "grammar_tables.json"
    stale.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(tables, "TABLES", stale)
    tables._document.cache_clear()
    try:
        assert tables._document() is None
        stale.write_text("{not json", encoding="utf-8")
        tables._document.cache_clear()
        assert tables._document() is None
    finally:
        monkeypatch.undo()
        tables._document.cache_clear()
    assert tables._document() is not None


def _token_lists():
    """The tokens of every answer and reference of the case tables and the reading table that tokenize."""
    texts = [(a, s) for _, a, _, s, _ in CASES] + [(r, s) for _, _, r, s, _ in CASES]
    texts += [(str(row["input"]), part_spec(PART_SPECS[row["spec"]])) for row in load("reading.yaml")]
    for text, spec in texts:
        try:
            names = names_for(spec, None)
            src = clean(text)  # tokenize blanks `\text{...}` itself
            toks = grammar.wrap_infix(tokenize(src, names))
        except (ReadFailure, ValueError):
            continue
        if toks:
            yield toks


TOKEN_LISTS = list(_token_lists())


def _same(a, b) -> bool:
    if isinstance(a, Tree) or isinstance(b, Tree):
        return isinstance(a, Tree) and isinstance(b, Tree) and a.data == b.data and len(a.children) == len(
            b.children) and all(_same(x, y) for x, y in zip(a.children, b.children))
    return (a.type, str(a), a.start_pos, a.end_pos) == (b.type, str(b), b.start_pos, b.end_pos)


def test_enough_inputs() -> None:
    assert len(TOKEN_LISTS) > 800


def _driver_result(quick, toks):
    try:
        return quick.parse(toks)
    except tables.Unexpected as exc:
        return exc


@pytest.mark.parametrize("chunk", range(4))
def test_the_driver_builds_lark_s_tree_or_refuses_as_lark_does(chunk: int) -> None:
    from lark.exceptions import UnexpectedToken

    quick, lark = tables.driver(), tables.lark_parser(True)
    assert quick is not None
    refused = 0
    for toks in TOKEN_LISTS[chunk::4]:
        got = _driver_result(quick, toks)
        try:
            plain = from_lark(lark.parse(toks))
        except UnexpectedToken as exc:  # the same token (or the end), the same terminals expected
            refused += 1
            assert isinstance(got, tables.Unexpected), toks
            if exc.token.type == "$END":
                assert got.token is None, toks
            else:
                assert got.token is exc.token, toks
            assert got.expected == exc.expected, toks
            continue
        assert isinstance(got, Tree) and _same(got, plain), toks
    assert refused > 0
