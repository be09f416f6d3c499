"""The parser's tokens and trees: what the tokenizer hands to the grammar and what the grammar hands to `build`.

They have the attributes of lark's `Token` and `Tree` that lark's own parser reads (the error messages come from
it), so reading a formula imports lark only when a formula does not parse.
"""

from __future__ import annotations


class Token(str):
    """A token: its type (a terminal of grammar.lark), its text, and where it is in the cleaned answer."""

    __slots__ = ("type", "value", "start_pos", "end_pos", "line", "column", "end_line", "end_column")

    def __new__(cls, type: str, value: str, start_pos: int | None = None, end_pos: int | None = None) -> Token:
        tok = super().__new__(cls, value)
        tok.type, tok.value, tok.start_pos, tok.end_pos = type, value, start_pos, end_pos
        tok.line = tok.column = tok.end_line = tok.end_column = None
        return tok

    def __eq__(self, other: object) -> bool:  # as lark's: a token of another type is another token
        if isinstance(other, Token) and self.type != other.type:
            return False
        return str.__eq__(self, other)

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"

    def __reduce__(self):
        return Token, (self.type, self.value, self.start_pos, self.end_pos)


class Tree:
    """A node of the parse tree: the rule (or its alias) and its children, trees and tokens."""

    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list) -> None:
        self.data, self.children = data, children

    def scan_values(self, pred):
        """The tokens under this node that satisfy `pred`, left to right."""
        for c in self.children:
            if isinstance(c, Tree):
                yield from c.scan_values(pred)
            elif pred(c):
                yield c

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tree) and self.data == other.data and self.children == other.children

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


def from_lark(tree) -> Tree | Token:
    """A tree lark built (from our tokens) as one of ours."""
    if isinstance(tree, Token) or not hasattr(tree, "children"):
        return tree
    return Tree(str(tree.data), [from_lark(c) for c in tree.children])
