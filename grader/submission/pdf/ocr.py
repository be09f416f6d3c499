"""Text of a scanned page, read by Tesseract, with its confidence.

Runs inside the PDF reading process (`worker`): the page is rendered by pdfium to a grey bitmap, written as
a PGM file, and read by the `tesseract` command (Debian's tesseract-ocr) in a process of its own, with one
thread, a wall-clock and CPU limit and an address-space cap. Its TSV output gives each word's box and
confidence; words become lines in the shape `layout.Line` has, so pages read by OCR join the others.
What OCR reads is never graded silently: the reader flags it, and formulas from a scan go to a person.
"""

from __future__ import annotations

import csv
import io
import os
import re
import resource
import shutil
import statistics
import subprocess
from dataclasses import dataclass

DPI = 200  # rendering resolution: enough for 10-point text, a 3.7 MB grey bitmap for a letter page
MAX_PIXELS = 12_000_000  # a poster-sized page is rendered smaller rather than a gigabyte bitmap
MAX_PAGES = 10  # pages read by OCR in one document
# Budgets are CPU time, so a loaded machine reads the same pages as an idle one; wall clocks are backstops.
CPU_SECONDS = 3  # one page (a letter page at 200 dpi takes about 1 s)
TOTAL_CPU_SECONDS = 4.0  # the whole document: three or four pages
PAGE_SECONDS = 6.0  # wall clock for one page: past it Tesseract is taken to hang, and no more pages are read
TOTAL_SECONDS = 8.0  # wall clock for the whole document, well within the reader's 20 s for a file
MEMORY_BYTES = 1024 * 1024 * 1024
MAX_OUTPUT = 2 * 1024 * 1024
# A line that is only a part's label ("1", "2.1", "Question 4") is a heading: OCR gives no font sizes. An
# item's label ("3.", "3)") is not: TeX sets it alone above an item that starts with a display formula.
_LABEL = re.compile(r"(?:(?:question|problem|exercise|part|q)\s*)?\d{1,2}(?:\.\d{1,2}){0,2}:?", re.I)


@dataclass
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float
    line: tuple[int, int, int]


def find_tesseract() -> str | None:
    """The `tesseract` command; None when OCR is not available here."""
    return shutil.which("tesseract")


def render(page, path: str) -> tuple[int, float]:
    """Write the page as a grey PGM file; the pixel count and the resolution it was rendered at."""
    width, height = page.get_size()
    dpi = DPI
    if (width * dpi / 72) * (height * dpi / 72) > MAX_PIXELS:
        dpi = 72 * (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        raw, stride, columns, rows = bytes(bitmap.buffer), bitmap.stride, bitmap.width, bitmap.height
    finally:
        bitmap.close()
    with open(path, "wb") as handle:
        handle.write(b"P5\n%d %d\n255\n" % (columns, rows))
        for row in range(rows):
            handle.write(raw[row * stride: row * stride + columns])
    return columns * rows, dpi


def _limits() -> None:  # in the tesseract process, before it starts; never above what the reader has
    for kind, value in ((resource.RLIMIT_AS, MEMORY_BYTES), (resource.RLIMIT_CPU, CPU_SECONDS)):
        _, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))


def read_words(tesseract: str, image: str, dpi: float, timeout: float) -> list[Word] | None:
    """The words Tesseract reads on one page image; None when it failed or ran out of CPU time. Raises
    TimeoutError when it ran out of wall-clock time."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1", "LC_ALL": "C"}
    base = os.path.splitext(image)[0]
    command = [tesseract, image, base, "--dpi", str(round(dpi)), "-l", "eng", "--psm", "3", "tsv"]
    try:
        proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                              check=False, env=env, stdin=subprocess.DEVNULL, preexec_fn=_limits)
        if proc.returncode != 0:
            return None
        with open(base + ".tsv", "rb") as handle:  # a file, not a pipe: only its first megabytes are read
            return parse_tsv(handle.read(MAX_OUTPUT).decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"tesseract ran longer than {timeout:g} s") from None
    except OSError:
        return None
    finally:
        if os.path.exists(base + ".tsv"):
            os.unlink(base + ".tsv")


def parse_tsv(text: str) -> list[Word]:
    words = []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE):
        try:
            if row.get("level") != "5" or not (row.get("text") or "").strip() or float(row["conf"]) < 0:
                continue
            words.append(Word(row["text"].strip(), int(row["left"]), int(row["top"]), int(row["width"]),
                              int(row["height"]), float(row["conf"]),
                              (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))))
        except (KeyError, ValueError, TypeError):
            continue
    return words


def lines(words: list[Word], dpi: float, page_height: float) -> list[dict]:
    """Words grouped into Tesseract's lines, top to bottom, in PDF points, each with its confidence."""
    grouped: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        grouped.setdefault(word.line, []).append(word)
    scale = 72 / dpi
    out = []
    for group in grouped.values():
        group.sort(key=lambda w: w.left)
        top = page_height - min(w.top for w in group) * scale
        bottom = page_height - max(w.top + w.height for w in group) * scale
        size = statistics.median(w.height for w in group) * scale
        text = " ".join(w.text for w in group)
        out.append({"text": text, "top": top, "bottom": bottom, "base": bottom, "size": max(size, 1.0),
                    "x0": group[0].left * scale, "bold": False, "math": False,
                    "heading": 2 if _LABEL.fullmatch(text) else 0,
                    "confidence": statistics.fmean(w.confidence for w in group)})
    return out  # Tesseract's order: its blocks are read column by column


def confidence(words: list[Word]) -> float:
    """The page's confidence: the words' confidences weighted by their length, 0 to 100."""
    total = sum(len(w.text) for w in words)
    return sum(w.confidence * len(w.text) for w in words) / total if total else 0.0
