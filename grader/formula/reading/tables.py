"""The LALR table of grammar.lark, built by lark once (at build time) and shipped as data.

Building the table takes some 70 ms and importing lark some 15 ms, at every start. `grammar_tables.json`
(written by `python -m grader.formula.reading.tables` after an edit of the grammar or an update of lark) holds:
- `driver`: each state's actions and each rule's tree shape, for `Driver`, a parse loop of its own that builds
  the same trees as lark's parser;
- `lark`: lark's own serialization of the parser (a JSON text, decoded only when lark is needed), for lark itself, which parses what the driver refuses (so every
  error and its message are lark's) and everything when the fast paths are off.
Both are keyed by a hash of the grammar and of lark's version: a table that does not match is ignored and lark
builds the parser from the grammar. The file is package data, read as JSON; no cache is written at run time and
nothing is unpickled.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path

from grader.formula.reading.parsetree import Token, Tree

GRAMMAR = Path(__file__).with_name("grammar.lark")
TABLES = Path(__file__).with_name("grammar_tables.json")
_MARKS = ("__lexer__", "__tuple__", "__items__")


def grammar_key(text: str, lark_version: str | None = None) -> str:
    """What a saved table is valid for: this grammar, read by this version of lark."""
    version = lark_version or metadata.version("lark")
    return hashlib.sha256(f"{text}\0lark {version}".encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _document() -> dict | None:
    """The shipped tables, if they were built from this grammar by the lark installed; else None."""
    try:
        doc = json.loads(TABLES.read_text(encoding="utf-8"))
        return doc if doc.get("key") == grammar_key(GRAMMAR.read_text(encoding="utf-8")) else None
    except (OSError, ValueError, KeyError, TypeError, metadata.PackageNotFoundError):
        return None


class _ListLexerMark:
    """Stands for the lexer class in the saved data (the class itself is made only where lark is imported)."""


def _decode(d: dict):
    """json's object_hook: the tagged values back (lark's data has no dict of one of these keys)."""
    if len(d) == 1:
        if "__tuple__" in d:
            return tuple(d["__tuple__"])
        if "__items__" in d:
            return dict(d["__items__"])
        if "__lexer__" in d:
            return _ListLexerMark
    return d


def _encode(v, lexer: type):
    if v is lexer:
        return {"__lexer__": True}
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            if len(v) == 1 and next(iter(v)) in _MARKS:
                raise TypeError("a dict that reads as a tag")
            return {k: _encode(x, lexer) for k, x in v.items()}
        return {"__items__": [[_encode(k, lexer), _encode(x, lexer)] for k, x in v.items()]}
    if isinstance(v, tuple):
        return {"__tuple__": [_encode(x, lexer) for x in v]}
    if isinstance(v, list):
        return [_encode(x, lexer) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    raise TypeError(f"cannot save a {type(v).__name__} in the grammar's table")


# --- lark, imported on first use ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=2)
def lark_parser(saved: bool = True):
    """lark's parser of the grammar: from the shipped table when it matches (and `saved`), else built."""
    from lark import Lark
    from lark.lexer import Lexer

    class _ListLexer(Lexer):
        """Feeds the tokens our own tokenizer produced to the lark parser."""

        def __init__(self, lexer_conf) -> None:
            pass

        def lex(self, data):  # type: ignore[override]
            yield from data

    doc = _document() if saved else None
    if doc is not None:
        try:
            saved_parser = json.loads(doc["lark"], object_hook=_decode)
            data, memo = _swap(saved_parser["data"], _ListLexer), _swap(saved_parser["memo"], _ListLexer)
            return Lark._load_from_dict(data, memo)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer=_ListLexer)


def _swap(v, lexer: type):
    if v is _ListLexerMark:
        return lexer
    if isinstance(v, dict):
        return {k: _swap(x, lexer) for k, x in v.items()}
    if isinstance(v, list):
        return [_swap(x, lexer) for x in v]
    if isinstance(v, tuple):
        return tuple(_swap(x, lexer) for x in v)
    return v


def driver_table(parser) -> dict:
    """The parse table and each rule's tree shape, as lark's tree builder makes them for this grammar: the tree
    is named by the alias or the rule; `_` rules are spliced into their parent; `?` rules with one child are that
    child; filtered tokens are left out (none in this grammar). Anything else lark can do raises here."""
    from lark.parsers.lalr_analysis import Shift

    inner = parser.parser.parser.parser
    table = inner.parse_table
    rules: list = []
    index: dict = {}
    states = {}
    for state, actions in table.states.items():
        row = {}
        for symbol, (action, arg) in actions.items():
            if action is Shift:
                row[symbol] = [1, arg]
                continue
            if arg not in index:
                index[arg] = len(rules)
                rules.append(_rule_shape(arg, parser.options))
            row[symbol] = [0, index[arg]]
        states[state] = row
    return {"start": table.start_states["start"], "end": table.end_states["start"], "rules": rules,
            "states": states}


def _rule_shape(rule, options) -> list:
    o = rule.options
    if o.empty_indices or o.template_source or options.ambiguity not in ("auto", "resolve") or options.propagate_positions:
        raise ValueError(f"rule {rule} uses what the driver does not build")
    include = [[i, not sym.is_term and sym.name.startswith("_")] for i, sym in enumerate(rule.expansion)
               if o.keep_all_tokens or not (sym.is_term and sym.filter_out)]
    filtered = len(include) < len(rule.expansion) or any(expand for _, expand in include)
    return [rule.origin.name, len(rule.expansion), rule.alias or rule.origin.name,
            bool(o.expand1 and not rule.alias), include if filtered else None]


def write_tables() -> Path:
    """Build the parser from the grammar with lark and save both tables."""
    import lark

    text = GRAMMAR.read_text(encoding="utf-8")
    parser = lark_parser.__wrapped__(saved=False)
    lexer = parser.options.lexer
    data, memo = parser.memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
    # lark's part is a JSON text inside the document: the driver's start does not decode it
    saved_parser = json.dumps({"data": _encode(data, lexer), "memo": _encode(memo, lexer)}, separators=(",", ":"))
    doc = {"key": grammar_key(text, lark.__version__), "driver": driver_table(parser), "lark": saved_parser}
    TABLES.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    return TABLES


# --- the parse loop ----------------------------------------------------------------------------------------------

class Unexpected(Exception):
    """Where the table refuses the input, as lark's `UnexpectedToken` says it: the token (None: the end of the
    formula) and the terminals the state would have taken."""

    def __init__(self, token: Token | None, expected: set[str]) -> None:
        super().__init__(token, expected)
        self.token, self.expected = token, expected


class Driver:
    """lark's LALR loop (`ParserState.feed_token`) and tree builder on the saved table: a shift is (True, state),
    a reduce (False, size, rule name, tree name, single child inlined, children to keep or splice)."""

    def __init__(self, table: dict) -> None:
        rules = [(size, origin, name, expand1, None if include is None else tuple((i, bool(x)) for i, x in include))
                 for origin, size, name, expand1, include in table["rules"]]
        self.start, self.end = int(table["start"]), int(table["end"])
        self.states = {int(state): {symbol: (True, arg) if shift else (False, *rules[arg])
                                    for symbol, (shift, arg) in actions.items()}
                       for state, actions in table["states"].items()}

    def parse(self, tokens: list[Token]) -> Tree | None:
        """The tree; `Unexpected` where lark raises `UnexpectedToken`; None in the cases lark fails otherwise (a
        table lark itself would refuse: the caller asks lark then)."""
        states, end = self.states, self.end
        stack, values = [self.start], []
        for tok in (*tokens, None):
            kind = "$END" if tok is None else tok.type
            while True:
                act = states[stack[-1]].get(kind)
                if act is None:
                    raise Unexpected(tok, {s for s in states[stack[-1]] if s.isupper()})
                if act[0]:
                    if tok is None or act[1] == end:
                        return None
                    stack.append(act[1])
                    values.append(tok)
                    break
                _, size, origin, name, expand1, include = act
                if size:
                    children = values[-size:]
                    del stack[-size:]
                    del values[-size:]
                else:
                    children = []
                if include is not None:
                    kept: list = []
                    for i, splice in include:
                        if splice:
                            kept += children[i].children
                        else:
                            kept.append(children[i])
                    children = kept
                goto = states[stack[-1]].get(origin)
                if goto is None or not goto[0]:
                    return None
                stack.append(goto[1])
                values.append(children[0] if expand1 and len(children) == 1 else Tree(name, children))
                if tok is None and goto[1] == end:
                    return values[-1]


@functools.lru_cache(maxsize=1)
def driver() -> Driver | None:
    """The parse loop on the shipped table, or None when the table does not match the grammar and lark."""
    doc = _document()
    if doc is None:
        return None
    try:
        return Driver(doc["driver"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None


if __name__ == "__main__":
    print(f"wrote {write_tables()}")
