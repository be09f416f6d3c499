"""Student-controlled text made safe for the screens people read: Markdown and CSV cells.

Every writer that shows a file name, an answer or a quote from one goes through here, so an answer can
neither inject markup (links, images, HTML, headings) nor hide or reorder what a person sees.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional overrides and isolates reorder displayed text (a name can be made to read as another);
# zero-width and other format characters hide text. They are shown as their code point instead.
_HIDDEN = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
    "|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
# Markdown's punctuation that can start markup anywhere in a line (emphasis, code, links and images, tables,
# HTML); `://` and `www.` would otherwise become autolinks.
_MD_SPECIAL = re.compile(r"[\\`*_\[\]|~<>&]|(?<=[A-Za-z]):(?=//)|(?<=www)\.", re.IGNORECASE)
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def visible(text: str) -> str:
    """Control, bidi and zero-width characters spelled out (`<U+202E>`), so nothing is hidden or reordered."""
    return _HIDDEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def html_value(value: object) -> object:
    """A template's `finalize`: every plain string a page prints is `visible`; markup a filter built is kept."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return visible(value)
    return value


def one_line(text: str) -> str:
    """All whitespace runs, newlines included, as one space: a quote cannot start a heading or a list."""
    return " ".join(text.split())


def markdown_text(text: str) -> str:
    """Text that Markdown shows literally: no emphasis, link, image, heading or HTML can come of it."""
    flat = visible(one_line(text))
    return _MD_SPECIAL.sub(lambda m: _HTML.get(m.group()) or "\\" + m.group(), flat)


def inline_code(text: str) -> str:
    """A Markdown code span showing `text` exactly, whatever backticks or newlines it holds."""
    flat = visible(one_line(text)) or " "
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def code_block(text: str) -> str:
    """A fenced Markdown block showing `text` as it is: the fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{visible(text)}\n{fence}"


# A spreadsheet evaluates a cell that starts with one of these; full-width forms count after NFKC.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_UNSAFE = frozenset({*_FORMULA_START, " "})  # a leading space is stripped before the check


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula and that displays what it holds."""
    # Most cells are plain ASCII (ids, scores, keys): nothing to spell out, and only the first character to check.
    if text.isascii() and text.isprintable() and text[:1] not in _PLAIN_UNSAFE:
        return text
    shown = visible(text)
    first = unicodedata.normalize("NFKC", shown.lstrip(" ")[:1])
    return "'" + shown if first and first[0] in _FORMULA_START else shown
