"""Words next to a formula that change what it says (`twice n(n+1)/2`, `n(n+1)/2 squared`, `minus ...`).

Prose around a formula is usually harmless ("It needs n(n+1)/2 dot products."), and the reader drops it. A few
words are not: they double, halve, negate, square or shift the formula. The unambiguous ones are read into the
formula (`twice`, `double`, `half of`, `the square root of`, `minus` before it; `squared`, `cubed`, `plus one`
after it); any other word that can change a formula is kept for a person ("I ignored the words ...").
"""

from __future__ import annotations

import re
from fractions import Fraction

from grader.formula.reading.tree import Node

WINDOW = 4  # words on each side of the formula that are looked at
_WORD = re.compile(r"[A-Za-z]+|\d+")
_STOP = re.compile(r"[.,;:!?\n]")  # a sentence or a line ends: words past it do not touch the formula

# Words that can change a formula's value when they stand next to it.
MEANING = {
    "twice", "double", "doubled", "triple", "tripled", "thrice", "half", "halved", "third", "quarter",
    "minus", "negative", "plus", "times", "over", "divided", "squared", "cubed", "square", "cube", "root",
    "roots", "sqrt", "inverse", "reciprocal", "power", "powers", "less", "more", "fewer", "add", "added",
    "subtract", "subtracted", "multiply", "multiplied", "percent", "log", "logarithm", "exp", "exponential",
    "factorial", "not", "least", "most", "approximately", "roughly", "about", "almost", "pi",
}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}


def words_around(text: str, a: int, b: int) -> tuple[list[str], list[str]]:
    """Up to `WINDOW` words right before [a, b) and right after it, in the same sentence, lower-cased."""
    head = text[max(0, a - 200):a]
    cut = max((m.end() for m in _STOP.finditer(head)), default=0)
    before = [w.lower() for w in _WORD.findall(head[cut:])][-WINDOW:]
    tail = text[b:b + 200]
    stop = _STOP.search(tail)
    after = [w.lower() for w in _WORD.findall(tail[: stop.start() if stop else len(tail)])][:WINDOW]
    return before, after


def _num(v: int) -> Node:
    return Node("num", (Fraction(v),))


def apply_words(node: Node, before: list[str], after: list[str]) -> tuple[Node, list[str], list[str]]:
    """The formula with the unambiguous words read into it; the words read; the meaning words left unread."""
    read: list[str] = []
    s, e = node.start, node.end
    b = list(before)
    if b[-4:] in (["the", "square", "root", "of"],) or b[-3:] == ["square", "root", "of"]:
        node = Node("call", ("sqrt", node), s, e)
        k = 4 if b[-4:-3] == ["the"] else 3
        read.append(" ".join(b[-k:]))
        b = b[:-k]
    elif b[-2:] == ["half", "of"] or b[-1:] == ["half"]:
        k = 2 if b[-2:] == ["half", "of"] else 1
        node = Node("mul", (node, Node("inv", (_num(2),))), s, e)
        read.append(" ".join(b[-k:]))
        b = b[:-k]
    elif b[-1:] in (["twice"], ["double"]):
        node = Node("mul", (_num(2), node), s, e)
        read.append(b[-1])
        b = b[:-1]
    if b[-1:] in (["minus"], ["negative"]) and len(b) == len(before) - 0 and not read:
        node = Node("neg", (node,), s, e)
        read.append(b[-1])
        b = b[:-1]
    a = list(after)
    if a[:1] == ["squared"] or a[:1] == ["cubed"]:
        node = Node("pow", (node, _num(2 if a[0] == "squared" else 3)), s, e)
        read.append(a[0])
        a = a[1:]
    if len(a) >= 2 and a[0] in ("plus", "minus") and (a[1] in _NUMBER_WORDS or a[1].isdigit()):
        k = _NUMBER_WORDS.get(a[1]) or int(a[1])
        node = Node("add", (node, _num(k if a[0] == "plus" else -k)), s, e)
        read.append(" ".join(a[:2]))
        a = a[2:]
    ignored = [w for w in (*b, *a) if w in MEANING]
    return node, read, ignored
