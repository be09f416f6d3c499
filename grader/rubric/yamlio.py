"""YAML reading that remembers where every value came from, so errors say `file:line:col: error: ...`.

Rubric and reference files are composed into a node tree first (positions kept), then constructed with the
safe constructor. Validation errors from pydantic carry a location such as ("parts", 3, "points"); `locate`
walks the node tree along it to find the line and column a TA should look at, and `Document.position_in`
goes further, to the character of a scalar that a formula error points at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Literal

import yaml

from grader.rubric.positions import scalar_position

Severity = Literal["error", "warning"]
Loc = tuple[int | str, ...]

# PyYAML's wording for common slips, and what a person should do about them.
_YAML_HINTS = {
    "found character '\\t' that cannot start any token": "a tab character; indent with spaces",
    "mapping values are not allowed here": (
        "a `:` where a value was expected: put text containing `: ` in quotes, or indent this key like the ones "
        "before it"
    ),
    "could not find expected ':'": "a key without `:` (or a line indented too far)",
    "found undefined alias": "an alias (*name) that no anchor defines",
}

# PyYAML names tokens as they appear in its grammar; say what they are in the file.
_TOKEN_WORDS = {
    "'<stream end>'": "the end of the file", "'<block end>'": "the end of the indented block",
    "<block end>": "the end of the indented block", "'<scalar>'": "a value",
    "'<block mapping start>'": "a new key", "'<block sequence start>'": "a list item",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One error in a file, with the position a person should look at (1-based line and column)."""

    path: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"


class FileProblems(Exception):
    """Raised when a file cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors/aliases: they are how a small YAML file expands into gigabytes."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in this file", event.start_mark
            )
        return super().compose_node(parent, index)


def _problem_from_yaml_error(path: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    hint = _YAML_HINTS.get(problem)
    if problem.startswith("expected <block end>"):
        hint = "this line is indented differently from the lines before it"
    if hint:
        return Problem(path, line, col, f"invalid YAML: {hint}")
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    for token, words in _TOKEN_WORDS.items():
        message = message.replace(token, words)
    return Problem(path, line, col, message)


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
_FAILED = object()


def _compose_fast(text: str) -> Any:
    """libyaml's composer (several times faster, nesting capped), or _FAILED when it errs or is missing."""
    if _FAST_LOADER is None:
        return _FAILED
    loader = _FAST_LOADER(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return _FAILED
    finally:
        loader.dispose()


def compose(text: str, path: str, *, allow_aliases: bool = True) -> yaml.Node | None:
    """Parse YAML text into a node tree (positions kept). Raises FileProblems on a syntax error.

    libyaml composes well-formed text; the pure-Python composer runs only to say where an error or an
    alias is, since its messages and marks are the precise ones.
    """
    root = _compose_fast(text)
    if root is not _FAILED and (allow_aliases or root is None or not _shares_nodes(root)):
        return root
    return compose_precise(text, path, allow_aliases=allow_aliases)


def compose_precise(text: str, path: str, *, allow_aliases: bool = True) -> yaml.Node | None:
    """Compose with PyYAML's own composer: its marks keep the source text, to point inside strings."""
    loader_cls = yaml.SafeLoader if allow_aliases else _NoAliasLoader
    loader = loader_cls(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        problem = _problem_from_yaml_error(path, exc)
        # An unclosed quote swallows the lines after it, so PyYAML complains far below; point at the quote.
        opened = _unclosed_quote(text, problem.line)
        if opened is not None:
            problem = Problem(path, *opened, "invalid YAML: this quote is not closed on its line")
        raise FileProblems([problem]) from None
    except RecursionError:
        raise FileProblems([Problem(path, 1, 1, "invalid YAML: nested too deeply")]) from None
    finally:
        loader.dispose()


def _shares_nodes(root: yaml.Node) -> bool:
    """True when a node is reachable twice: that is what an alias (*name) makes."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)
    return False


def load_untrusted(text: str, path: str) -> Any:
    """Load YAML a student wrote: safe constructor, no aliases (no billion laughs). Raises FileProblems."""
    return construct(compose(text, path, allow_aliases=False))


_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s#'"][^#'"]*?:\s+)?(["'])""")


def _unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """The first line above `before_line` whose value opens a quote that the line does not close."""
    for number, line in enumerate(text.split("\n")[: max(0, before_line - 1)], start=1):
        match = _QUOTED_VALUE.match(line)
        if not match:
            continue
        quote, start = match.group(1), match.end()
        rest = line[start:]
        closed = re.search(r'(?<!\\)"' if quote == '"' else r"'(?!')", rest.replace("''", "")) is not None
        if not closed:
            return (number, start)
    return None


def construct(node: yaml.Node | None) -> Any:
    """Turn a composed node tree into plain Python data with the safe constructor."""
    if node is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def duplicate_keys(path: str, node: yaml.Node | None) -> list[Problem]:
    """Keys given twice in one mapping. YAML keeps the last silently; in a rubric that is a hidden edit."""
    problems: list[Problem] = []
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in first:
                        earlier = first[key.value].start_mark.line + 1
                        mark = key.start_mark
                        problems.append(Problem(
                            path, mark.line + 1, mark.column + 1,
                            f"duplicate key `{key.value}` (first given on line {earlier}); only one may stay",
                        ))
                    else:
                        first[key.value] = key
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return sorted(problems)


@dataclass(frozen=True)
class Document:
    """A YAML file read with its node tree, so values can be traced back to their positions."""

    path: str
    data: Any
    root: yaml.Node | None
    text: str = ""

    @cached_property
    def _precise_root(self) -> yaml.Node | None:
        return compose_precise(self.text, self.path)

    def node(self, loc: Loc, *, precise: bool = False) -> yaml.Node | None:
        """The node at `loc`, or None when the path does not exist in the file."""
        node = self._precise_root if precise and self.text else self.root
        for step in loc:
            node = _child(node, step)
            if node is None:
                return None
        return node

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        return locate(self.root, loc, key=key)

    def problem(self, loc: Loc, message: str, *, key: bool = False, severity: Severity = "error") -> Problem:
        line, col = self.where(loc, key=key)
        return Problem(self.path, line, col, message, severity)

    def problem_in(self, loc: Loc, offset: int, message: str, *, severity: Severity = "error") -> Problem:
        """A problem at character `offset` of the string at `loc` (e.g. where a formula stops parsing)."""
        line, col = self.position_in(loc, offset)
        return Problem(self.path, line, col, message, severity)

    def position_in(self, loc: Loc, offset: int) -> tuple[int, int]:
        # Only PyYAML's own marks keep the source text that maps an offset inside a string to a column.
        node = self.node(loc, precise=True)
        if isinstance(node, yaml.ScalarNode):
            found = scalar_position(node, offset)
            if found is not None:
                return found
        return self.where(loc)


def read_document(path: Path, *, display: str | None = None) -> Document:
    """Read a trusted YAML file (a rubric or a reference) with positions."""
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FileProblems([Problem(shown, 1, 1, f"cannot read file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise FileProblems([Problem(shown, 1, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    root = compose(text, shown)
    duplicates = duplicate_keys(shown, root)
    if duplicates:
        raise FileProblems(duplicates)
    try:
        data = construct(root)
    except yaml.YAMLError as exc:
        raise FileProblems([_problem_from_yaml_error(shown, exc)]) from None
    return Document(shown, data, root, text)


def _child(node: yaml.Node | None, step: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and str(k.value) == str(step):
                return v
    elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None


def locate(node: yaml.Node | None, loc: Loc, *, key: bool = False) -> tuple[int, int]:
    """Line and column (1-based) of the value at `loc`, or of the deepest ancestor that exists.

    With key=True, point at the mapping key of the last step instead of its value (for unknown keys).
    A trailing "[key]" step (pydantic's marker for a bad dict key) does the same.
    """
    if node is None:
        return (1, 1)
    if loc and loc[-1] == "[key]":
        loc, key = loc[:-1], True
    best = node.start_mark
    for depth, step in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            found = next(
                ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and str(k.value) == str(step)),
                None,
            )
            if found is None:
                break
            node = found[1]
            best = found[0].start_mark if (key and last) else node.start_mark
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            best = node.start_mark
        else:
            break
    return (best.line + 1, best.column + 1)
