"""Pages of lines -> one Markdown text: running headers, footers and page numbers dropped, words hyphenated
at a line end joined, and an answer that runs over a page break kept in one piece."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from grader.submission.pdf.lines import ITEM_LABEL

_PAGE_NUMBER = re.compile(r"^[\W_]*(?:page\s*)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:/|of|von|de|sur)\s*\d{1,4})?[\W_]*$", re.I)
_HYPHENS = ("-", "\u00ad", "\u2010", "\x02")
_WORD_END = re.compile(r"([A-Za-z\u00c0-\u024f]+)[-\u00ad\u2010\x02]$")
_WORD_START = re.compile(r"^([a-z\u00df-\u024f]+)")


@dataclass
class PageLines:
    """What the reading process sends for one page."""

    height: float
    lines: list[dict]


def join_pages(pages: list[PageLines]) -> str:
    """The document's text: each line on its own line, a blank line between paragraphs and before headings."""
    repeated = _repeated_margins(pages)
    kept: list[dict] = []
    for page in pages:
        lines = _without_margins(page.lines, repeated)
        for k, line in enumerate(lines):
            prev = lines[k - 1] if k else None
            line = dict(line, gap=(prev["bottom"] - line["top"]) / max(line["size"], 1.0) if prev else 0.0)
            kept.append(line)
    return _text(kept)


def _margin_lines(lines: list[dict]) -> list[dict]:
    """The first and last line of a page when set apart from the body by at least two line heights."""
    found = []
    if len(lines) >= 2:
        first, second = lines[0], lines[1]
        if first["bottom"] - second["top"] >= 1.5 * first["size"]:
            found.append(first)
        last, before = lines[-1], lines[-2]
        if before["bottom"] - last["top"] >= 1.5 * last["size"]:
            found.append(last)
    return found


def _margin_key(line: dict) -> str:
    return re.sub(r"\d+", "#", line["text"].strip().lower())


def _repeated_margins(pages: list[PageLines]) -> set[str]:
    """Running headers and footers: margin lines that recur (page numbers aside) on more than one page."""
    if len(pages) < 2:
        return set()
    counts = Counter(key for page in pages for key in {_margin_key(line) for line in _margin_lines(page.lines)})
    return {key for key, n in counts.items() if n >= 2}


def _without_margins(lines: list[dict], repeated: set[str]) -> list[dict]:
    drop = {id(line) for line in _margin_lines(lines)
            if _PAGE_NUMBER.match(line["text"].strip()) or _margin_key(line) in repeated}
    return [line for line in lines if id(line) not in drop]


def _text(lines: list[dict]) -> str:
    vocabulary = _vocabulary(lines)
    out: list[str] = []
    joinable = False  # the last output line ends in a hyphen that may be a line-end hyphenation
    for line in lines:
        text = line["text"]
        level = line.get("heading", 0)
        if out and not level and ITEM_LABEL.fullmatch(out[-1]) and text.startswith("$"):
            out[-1] += " " + text  # an item that starts with a display formula: TeX sets its label a line above
            continue
        if out and not level and _continues_formula(out[-1], text):
            out[-1] = out[-1][:-1] + text[1:]  # a formula broken over two lines after an operator is one
            continue
        if joinable and not level:
            merged = _dehyphenate(out[-1], text, vocabulary)
            if merged is not None:
                out[-1] = merged
                joinable = merged.endswith(_HYPHENS)
                continue
        if out and (level or line["gap"] >= 1.6):
            out.append("")
        out.append(("#" * level + " " + text) if level else text)
        joinable = not level and text.endswith(_HYPHENS)
    return "\n".join(out).strip() + "\n"


def _continues_formula(before: str, after: str) -> bool:
    if not (before.endswith("$") and after.startswith("$")) or before.count("$") % 2:
        return False
    formula = before[before.rstrip("$").rfind("$") + 1 : -1]
    return formula.rstrip().endswith(("-", "+", "=", "(", ",", "\\cdot", "\\times")) or formula.count("(") > formula.count(")")


def _vocabulary(lines: list[dict]) -> Counter[str]:
    """The document's words, without the pieces of words broken at a line end (a word broken twice would
    otherwise vouch for its own pieces)."""
    words: Counter[str] = Counter()
    broken = False
    for line in lines:
        found = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", line["text"])
        ends = line["text"].endswith(_HYPHENS)
        words.update(w.lower() for w in found[1 if broken else 0: len(found) - 1 if ends else len(found)])
        broken = ends
    return words


def _dehyphenate(before: str, after: str, vocabulary: Counter[str]) -> str | None:
    """`trans-` + `lation ...` -> `translation ...`; `encoder-` + `decoder` stays `encoder-decoder` when the
    document writes the compound elsewhere or uses both halves as words of their own and never the join."""
    head, tail = _WORD_END.search(before), _WORD_START.match(after)
    if head is None or tail is None:
        return None
    first, second = head.group(1), tail.group(1)
    joined = (first + second).lower()
    compound = f"{first}-{second}".lower()
    keep = vocabulary[compound] > 0 or (
        vocabulary[first.lower()] > 0 and vocabulary[second.lower()] > 0 and vocabulary[joined] == 0)
    stem = before[: head.end(1)]
    return stem + ("-" if keep else "") + after
