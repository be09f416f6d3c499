"""The LALR parser and the messages of its failures.

Tokens come from our own tokenizer (`tokens.py`); lark only applies the grammar in `grammar.lark`. Building the
LALR table takes some 70 ms, at every start: `grammar_tables.json` (written by `python -m
grader.formula.reading.grammar`, shipped with the package) holds the built table, as data, keyed by a hash of the
grammar and of lark's version; a table that does not match is ignored and the grammar built. No cache is written
at run time, and nothing is ever unpickled. A parse runs lark's own table in a tighter loop (`_Driver`); an input
the table refuses is parsed again by lark itself, so every error and its message are lark's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import lark
from lark import Lark, Token, Tree
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)
from lark.grammar import Rule
from lark.lexer import Lexer, TerminalDef
from lark.parsers.lalr_analysis import Shift

from grader.formula import fast
from grader.formula.errors import ReadFailure

GRAMMAR = Path(__file__).with_name("grammar.lark")
TABLES = Path(__file__).with_name("grammar_tables.json")


class _ListLexer(Lexer):
    """Feeds the tokens our own tokenizer produced to the lark parser."""

    def __init__(self, lexer_conf) -> None:
        pass

    def lex(self, data):  # type: ignore[override]
        yield from data


def grammar_key(text: str) -> str:
    """What a saved table is valid for: this grammar, read by this version of lark."""
    return hashlib.sha256(f"{text}\0lark {lark.__version__}".encode()).hexdigest()


def build_parser(text: str) -> Lark:
    return Lark(text, parser="lalr", lexer=_ListLexer)


def table_document(parser: Lark, text: str) -> dict:
    """The built parser as JSON data: lark's own serialization, with tuples, integer keys and our lexer tagged."""
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    return {"key": grammar_key(text), "data": _encode(data), "memo": _encode(memo)}


def _encode(v):
    if v is _ListLexer:
        return {"__lexer__": True}
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            if len(v) == 1 and next(iter(v)) in _MARKS:
                raise TypeError("a dict that reads as a tag")
            return {k: _encode(x) for k, x in v.items()}
        return {"__items__": [[_encode(k), _encode(x)] for k, x in v.items()]}
    if isinstance(v, tuple):
        return {"__tuple__": [_encode(x) for x in v]}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    raise TypeError(f"cannot save a {type(v).__name__} in the grammar's table")


_MARKS = ("__lexer__", "__tuple__", "__items__")


def _decode(d: dict):
    """json's object_hook: the tagged values back (lark's data has no dict of one of these keys)."""
    if len(d) == 1:
        if "__tuple__" in d:
            return tuple(d["__tuple__"])
        if "__items__" in d:
            return dict(d["__items__"])
        if "__lexer__" in d:
            return _ListLexer
    return d


def _saved_parser(text: str) -> Lark | None:
    """The parser from the shipped table, when it was built from this grammar by this lark; else None."""
    try:
        doc = json.loads(TABLES.read_text(encoding="utf-8"), object_hook=_decode)
        if doc.get("key") != grammar_key(text):
            return None
        return Lark._load_from_dict(doc["data"], doc["memo"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _parser() -> Lark:
    text = GRAMMAR.read_text(encoding="utf-8")
    return (_saved_parser(text) if fast.ENABLED else None) or build_parser(text)


class _Driver:
    """lark's LALR loop (`ParserState.feed_token`) on lark's own table and tree callbacks, with each state's
    actions looked up once: a shift is (True, state), a reduce (False, size, rule name, callback)."""

    def __init__(self, parser: Lark) -> None:
        inner = parser.parser.parser.parser
        table, callbacks = inner.parse_table, inner.callbacks
        if any(isinstance(k, str) for k in callbacks):
            raise ValueError("token callbacks")  # lark would call them on shifts; this loop does not
        self.start, self.end = table.start_states["start"], table.end_states["start"]
        self.states = {
            state: {t: (True, arg) if action is Shift else (False, len(arg.expansion), arg.origin.name, callbacks[arg])
                    for t, (action, arg) in actions.items()}
            for state, actions in table.states.items()
        }

    def parse(self, tokens: list[Token]) -> Tree | None:
        """The tree, or None where lark would raise (the caller asks lark then, for its error)."""
        states, end = self.states, self.end
        stack, values = [self.start], []
        for tok in (*tokens, None):
            kind = "$END" if tok is None else tok.type
            while True:
                act = states[stack[-1]].get(kind)
                if act is None:
                    return None
                if act[0]:
                    if tok is None or act[1] == end:
                        return None
                    stack.append(act[1])
                    values.append(tok)
                    break
                _, size, origin, callback = act
                if size:
                    s = values[-size:]
                    del stack[-size:]
                    del values[-size:]
                else:
                    s = []
                goto = states[stack[-1]].get(origin)
                if goto is None or not goto[0]:
                    return None
                stack.append(goto[1])
                values.append(callback(s))
                if tok is None and goto[1] == end:
                    return values[-1]


_PARSER = _parser()
_DRIVER = _Driver(_PARSER)

_DESCRIBE = {
    "RPAR": "`)`", "RBRACE": "`}`", "RBRACK": "`]`", "LPAR": "`(`", "LBRACE": "`{`", "NUMBER": "a number",
    "NAME": "a name", "$END": "the end of the formula", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`",
    "SLASH": "`/`", "POW": "`^`", "COMMA": "`,`", "BANG": "`!`", "SUB": "`_`", "EQ": "`=`",
    "ELLIPSIS": "`...`", "RFLOOR": "`\\rfloor`", "RCEIL": "`\\rceil`", "RABS": "a closing `|`", "LABS": "`|`",
}


def parse_tokens(tokens: list[Token], end: int) -> Tree:
    if not tokens:
        raise ReadFailure("There is no formula here.", end)
    if fast.ENABLED:
        tree = _DRIVER.parse(tokens)
        if tree is not None:
            return tree
    try:
        return _PARSER.parse(tokens)
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            _unclosed(tokens)
            raise ReadFailure(_eof_message(exc), end) from None
        raise ReadFailure(_unexpected_message(tok, exc), tok.start_pos or 0, tok.end_pos) from None
    except UnexpectedEOF as exc:
        _unclosed(tokens)
        raise ReadFailure(_eof_message(exc), end) from None
    except UnexpectedCharacters as exc:  # pragma: no cover - our lexer produces tokens only
        raise ReadFailure("I can't read this character.", exc.pos_in_stream or 0) from None
    except UnexpectedInput as exc:  # pragma: no cover
        raise ReadFailure("I can't read the formula here.", getattr(exc, "pos_in_stream", 0) or 0) from None


_CLOSER_OF = {"LPAR": "RPAR", "LBRACE": "RBRACE", "LBRACK": "RBRACK", "LFLOOR": "RFLOOR", "LCEIL": "RCEIL",
              "LABS": "RABS"}
_SHOW = {"LPAR": "(", "ROOT": "\\sqrt", "LBRACE": "{", "LBRACK": "[", "LFLOOR": "\\lfloor", "LCEIL": "\\lceil",
         "LABS": "|", "RABS": "|", "RPAR": ")", "RBRACE": "}", "RBRACK": "]", "RFLOOR": "\\rfloor", "RCEIL": "\\rceil"}


def _unclosed(tokens: list[Token]) -> None:
    """At the end of the formula: point at the innermost bracket that was opened and never closed."""
    stack: list[Token] = []
    for t in tokens:
        if t.type in _CLOSER_OF:
            stack.append(t)
        elif t.type in _CLOSER_OF.values() and stack and _CLOSER_OF[stack[-1].type] == t.type:
            stack.pop()
    if len(stack) == 1:
        opener = stack[0]
        raise ReadFailure(f"This `{_SHOW[opener.type]}` is never closed: a `{_SHOW[_CLOSER_OF[opener.type]]}` "
                          "is missing.", opener.start_pos, opener.end_pos)
    if stack:
        opener = stack[0]
        raise ReadFailure(f"{len(stack)} brackets are never closed; the first is this `{_SHOW[opener.type]}`.",
                          opener.start_pos, opener.end_pos)


def _eof_message(exc) -> str:
    expected = set(getattr(exc, "expected", ()) or ())
    for closer in ("RPAR", "RBRACE", "RBRACK", "RFLOOR", "RCEIL", "RABS"):
        if closer in expected:
            return f"The formula ends too early: a {_DESCRIBE[closer]} is missing."
    return "The formula ends too early: something is missing after the last operator."


def _unexpected_message(tok: Token, exc) -> str:
    val = str(tok.value)
    if tok.type in ("RFLOOR", "RCEIL", "LFLOOR", "LCEIL", "FRAC", "BINOM", "SQRT", "SUM", "PROD", "ROOT",
                    "CHOOSE", "OVER") or (
        tok.type in ("LPAR", "RPAR") and len(val) > 1
    ):
        val = "\\" + val
    if tok.type in ("RPAR", "RBRACE", "RBRACK", "RFLOOR", "RCEIL"):
        return f"This `{val}` has no matching opening bracket, or something is missing before it."
    if tok.type == "EQ":
        return "I can't read `=` here."
    if tok.type in ("STAR", "SLASH", "POW", "BANG", "COMMA"):
        return f"I didn't expect `{val}` here: something is missing before it."
    if tok.type == "ELLIPSIS":
        return "An ellipsis `...` must stand between two terms of a sum, as in `1 + 2 + ... + n`."
    if tok.type in ("PLUS", "MINUS"):
        return f"I didn't expect `{val}` here."
    return f"I didn't expect {_DESCRIBE.get(tok.type, '`' + val + '`')} here."


def wrap_infix(tokens: list[Token]) -> list[Token]:
    """`n \\choose 2` and `a \\over b` outside braces apply to the whole formula, as in TeX."""
    depth = 0
    for t in tokens:
        if t.type in _CLOSER_OF:
            depth += 1
        elif t.type in _CLOSER_OF.values():
            depth -= 1
        elif t.type in ("CHOOSE", "OVER") and depth == 0:
            first, last = tokens[0], tokens[-1]
            return [Token("LBRACE", "{", start_pos=first.start_pos, end_pos=first.start_pos), *tokens,
                    Token("RBRACE", "}", start_pos=last.end_pos, end_pos=last.end_pos)]
    return tokens


def write_tables() -> Path:
    """Build the parser from the grammar and save its table (run after editing grammar.lark or updating lark)."""
    text = GRAMMAR.read_text(encoding="utf-8")
    TABLES.write_text(json.dumps(table_document(build_parser(text), text), separators=(",", ":")) + "\n",
                      encoding="utf-8")
    return TABLES


if __name__ == "__main__":
    print(f"wrote {write_tables()}")
