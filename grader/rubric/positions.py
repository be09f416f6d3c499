"""Positions inside YAML scalars: which line and column of the file holds character N of a string's value,
so an error in a formula or a regex written in a rubric points at the character, not just the string.

Only PyYAML's own composer keeps the source text in its marks; for nodes composed by libyaml the answer is
None and callers fall back to the string's start.
"""

from __future__ import annotations

import yaml


def scalar_position(node: yaml.ScalarNode, offset: int) -> tuple[int, int] | None:
    """Line and column of character `offset` of a scalar's value, when its source text can be mapped."""
    start, end = node.start_mark, node.end_mark
    buffer = getattr(start, "buffer", None)
    if not buffer or start.pointer is None or end.pointer is None:
        return None
    raw = buffer[start.pointer:end.pointer]
    value = node.value
    offset = max(0, min(offset, len(value)))
    if node.style is None and raw == value:
        return _advance(start.line, start.column, raw, offset)
    if node.style in ("'", '"'):
        inner = raw[1:-1]
        mapped = _quoted_offset(inner, offset, node.style)
        return None if mapped is None else _advance(start.line, start.column + 1, inner, mapped)
    if node.style == "|":
        line_no, col = value[:offset].count("\n"), offset - (value.rfind("\n", 0, offset) + 1)
        lines = raw.split("\n")[1:]
        content = [ln for ln in lines if ln.strip()]
        indent = min((len(ln) - len(ln.lstrip(" ")) for ln in content), default=0)
        return (start.line + 2 + line_no, indent + col + 1)
    return None


def _quoted_offset(inner: str, offset: int, style: str) -> int | None:
    """Index in the quoted source text of the value's character `offset` (escapes taken into account)."""
    if "\n" in inner:
        return None
    i = produced = 0
    while i < len(inner) and produced < offset:
        if style == '"' and inner[i] == "\\":
            kind = inner[i + 1] if i + 1 < len(inner) else ""
            i += {"x": 4, "u": 6, "U": 10}.get(kind, 2)
        elif style == "'" and inner.startswith("''", i):
            i += 2
        else:
            i += 1
        produced += 1
    return i


def _advance(line: int, col: int, raw: str, index: int) -> tuple[int, int]:
    before = raw[:index]
    if "\n" in before:
        return (line + before.count("\n") + 1, len(before) - before.rfind("\n"))
    return (line + 1, col + index + 1)
