"""The grammar applied to the tokens, and the messages of its failures.

Tokens come from our own tokenizer (`tokens.py`); the LALR table is lark's, built from `grammar.lark` (see
`tables`). A formula is parsed by `tables.Driver` on the shipped table, which refuses what lark refuses and says
what lark's error says; lark itself parses everything when the fast paths are off.
"""

from __future__ import annotations

from typing import NoReturn

from grader.formula import fast
from grader.formula.errors import ReadFailure
from grader.formula.reading import tables
from grader.formula.reading.parsetree import Token, Tree, from_lark

_DESCRIBE = {
    "RPAR": "`)`", "RBRACE": "`}`", "RBRACK": "`]`", "LPAR": "`(`", "LBRACE": "`{`", "NUMBER": "a number",
    "NAME": "a name", "$END": "the end of the formula", "PLUS": "`+`", "MINUS": "`-`", "STAR": "`*`",
    "SLASH": "`/`", "POW": "`^`", "COMMA": "`,`", "BANG": "`!`", "SUB": "`_`", "EQ": "`=`",
    "ELLIPSIS": "`...`", "RFLOOR": "`\\rfloor`", "RCEIL": "`\\rceil`", "RABS": "a closing `|`", "LABS": "`|`",
}


def parse_tokens(tokens: list[Token], end: int) -> Tree:
    if not tokens:
        raise ReadFailure("There is no formula here.", end)
    quick = tables.driver() if fast.ENABLED else None
    if quick is not None:
        try:
            tree = quick.parse(tokens)
        except tables.Unexpected as exc:
            _refused(exc.token, exc, tokens, end)
        if tree is not None:
            return tree
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    try:
        return from_lark(tables.lark_parser(fast.ENABLED).parse(tokens))
    except UnexpectedToken as exc:
        _refused(None if exc.token.type == "$END" else exc.token, exc, tokens, end)
    except UnexpectedEOF as exc:
        _unclosed(tokens)
        raise ReadFailure(_eof_message(exc), end) from None
    except UnexpectedCharacters as exc:  # pragma: no cover - our lexer produces tokens only
        raise ReadFailure("I can't read this character.", exc.pos_in_stream or 0) from None
    except UnexpectedInput as exc:  # pragma: no cover
        raise ReadFailure("I can't read the formula here.", getattr(exc, "pos_in_stream", 0) or 0) from None


def _refused(tok: Token | None, exc, tokens: list[Token], end: int) -> NoReturn:
    """The failure where the grammar refuses `tok` (None: the end of the formula); `exc` has the terminals the
    parser expected there."""
    if tok is None:
        _unclosed(tokens)
        raise ReadFailure(_eof_message(exc), end) from None
    raise ReadFailure(_unexpected_message(tok, exc), tok.start_pos or 0, tok.end_pos) from None


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
