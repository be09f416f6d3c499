"""Read failures: a message for the student, the offset of the problem, and the caret under it."""

from __future__ import annotations


class ReadFailure(Exception):
    """Raised inside the reader; turned into a `ReadError` result at the reader's edge."""

    def __init__(self, message: str, offset: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.end = end if end is not None and end > offset else offset + 1


class CheckFailure(Exception):
    """A formula could not be evaluated within the bounds (too large, too slow)."""


def caret(text: str, offset: int, end: int | None = None, *, width: int = 72) -> str:
    """The line of `text` holding `offset`, with `^` under the problem (clipped to `width` columns)."""
    offset = max(0, min(offset, len(text)))
    start = text.rfind("\n", 0, offset) + 1
    stop = text.find("\n", offset)
    if stop < 0:
        stop = len(text)
    line = text[start:stop]
    col = offset - start
    span = max(1, min((end if end is not None else offset + 1), stop) - offset) if offset < stop else 1
    left = 0
    if len(line) > width:
        left = max(0, min(col - width // 2, len(line) - width))
        line = line[left : left + width]
        col -= left
        span = min(span, width - col)
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    prefix = "…" if left else ""
    return f"{prefix}{line}\n{' ' * (col + len(prefix))}{'^' * max(1, span)}"
