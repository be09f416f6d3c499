"""Student bytes to text: byte order marks, UTF-16 without one, UTF-8 preferred, Latin-1 as the fallback."""

from __future__ import annotations

import codecs
import re


def decode(data: bytes) -> str | None:
    """Decode student bytes: BOMs and UTF-16 are honoured, UTF-8 is preferred, Latin-1 is the fallback.

    Returns None for binary data (NUL bytes or mostly control characters).
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _text_or_none(data.decode(encoding))
            except UnicodeDecodeError:
                return None
    if b"\0" in data:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            return None
        try:
            return _text_or_none(data.decode(encoding))
        except UnicodeDecodeError:
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Text with some valid multi-byte UTF-8 is UTF-8 with a stray byte (or a character cut at the size
        # cap): that costs one character. Text with none was saved in a legacy encoding, most often Latin-1.
        text = data.decode("utf-8", "replace")
        if not any(ch > "\x7f" and ch != "\ufffd" for ch in text):
            text = data.decode("latin-1")
    return _text_or_none(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte order mark: text in Latin script has a NUL in every other byte."""
    sample = data[:4096]
    if len(data) % 2 or len(sample) < 4:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if even == 0 and odd >= half * 0.5:
        return "utf-16-le"
    if odd == 0 and even >= half * 0.5:
        return "utf-16-be"
    return None


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")  # control characters but tab, newline, form feed, return


def _text_or_none(text: str) -> str | None:
    if "\0" in text:
        return None
    sample = text[:4096]
    controls = len(_CONTROLS.findall(sample))
    if sample and controls / len(sample) > 0.05:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")
