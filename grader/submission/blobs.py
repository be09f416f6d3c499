"""Embedded images and other binary blobs, dropped before a text is split into answers.

Typora, Notion and notebook exports inline images as base64 `data:` URIs, megabytes long. Kept, one fills an
answer's character cap and hides what the student wrote after it. Every pattern here runs in linear time:
a run of base64 characters is matched only from its first character (the look-behind), so a long text of
short words costs one pass.
"""

from __future__ import annotations

import re

# `![alt](data:image/png;base64,....)`, `<img src="data:...">`, `url(data:...)`: the URI is the blob.
_DATA_URI = re.compile(r"data:[\w.+-]{1,64}/[\w.+-]{1,64}(?:;[\w.+=-]{1,64}){0,8}[;,](?:base64,)?[A-Za-z0-9+/=%]{64,}")
# Any other run of base64 long enough to be data rather than words (2,000 characters: no formula is that long).
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{2000,}={0,2}")
# A Markdown image whose URI was dropped: `![alt]([embedded image])` reads better as the alt text alone.
_EMPTY_IMAGE = re.compile(r"!\[([^\]\n]{0,200})\]\(\s*\[embedded data\]\s*\)")
PLACEHOLDER = "[embedded data]"


def drop_blobs(text: str) -> tuple[str, int]:
    """The text without data URIs and long base64 runs, and how many were dropped."""
    text, uris = _DATA_URI.subn(PLACEHOLDER, text)
    text, runs = _BASE64.subn(PLACEHOLDER, text)
    if uris:
        text = _EMPTY_IMAGE.sub(lambda m: f"[image{': ' + m.group(1) if m.group(1) else ''}]", text)
    return text, uris + runs


def strip_comments(text: str) -> str:
    """HTML comments (`<!-- ... -->`, a template's hints) removed in one pass.

    A regex like `<!--.*?-->` rescans to the end of the text from every unclosed opener (quadratic); here each
    search starts where the last one ended. An opener with no closer keeps the rest: the student's answers
    are more likely below it than a comment meant to hide them.
    """
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out)
