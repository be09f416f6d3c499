"""`read_pdf`: a PDF submission as the Markdown text the splitter reads, with a note for everything that
went wrong. The PDF is parsed by pdfium in a separate process (see `worker`) under time and memory limits;
this side only reads that process's events and turns them into text and notes. It never raises.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from grader.escape import inline_code
from grader.submission.converted import Converted, Scan
from grader.submission.pdf.ocr import find_tesseract
from grader.submission.pdf.pages import PageLines, join_pages
from grader.submission.pdf.worker import MAX_PAGES

MAX_PDF_BYTES = 64 * 1024 * 1024
TIMEOUT = 20.0  # seconds of wall clock for the whole document
MEMORY_MB = 768  # address space the reading process may add to what the interpreter and pdfium map
_MAX_EVENT_BYTES = 16 * 1024 * 1024
NO_TEXT_LAYER = "This PDF has no text layer (it looks like a scan), so a person will grade it."
HIDDEN_LAYER = " (the hidden text a scanning app adds is not read as typed text)"
UNDECODABLE = "The text in this PDF could not be decoded (its fonts carry no character map), so a person will grade it."
_OPEN_ERRORS = {
    "password": "is protected by a password, so it could not be read; upload it without the password",
    "security": "is encrypted in a way that cannot be read; upload it without encryption",
}


@dataclass
class _Run:
    """What the reading process reported before it finished, stopped or was stopped."""

    pages: int | None = None
    javascript: bool = False
    read: list[dict] = field(default_factory=list)
    error: str | None = None
    stopped: str | None = None  # "timeout", "crash" or None when it finished


def read_pdf(data: bytes, name: str) -> Converted:
    """Read a PDF's text in reading order, its math rebuilt as LaTeX. Problems become notes, never raises."""
    shown = inline_code(name)
    if len(data) > MAX_PDF_BYTES:
        return Converted("", "PDF", [f"{shown} is larger than {MAX_PDF_BYTES // 2**20} MB, so it was not read."])
    if b"%PDF-" not in data[:1024]:
        return Converted("", "PDF", [f"{shown} is not a PDF file (it does not start like one), so it was not read."])
    try:
        run = _run_worker(data)
    except OSError as exc:
        return Converted("", "PDF", [f"{shown} could not be read ({exc.strerror or type(exc).__name__})."])
    return _converted(run, shown)


def _converted(run: _Run, shown: str) -> Converted:
    notes: list[str] = []
    if run.error is not None:
        reason = _OPEN_ERRORS.get(run.error, "could not be read as a PDF (the file is damaged or is not a PDF)")
        return Converted("", "PDF", [f"{shown} {reason}."])
    if run.javascript:
        notes.append(f"{shown} contains JavaScript; it was not run.")
    if run.pages is not None and run.pages > MAX_PAGES:
        notes.append(f"{shown} has {run.pages} pages; only the first {MAX_PAGES} were read.")
    if run.stopped is not None:
        done = len(run.read)
        what = "took longer than %g s to read" % TIMEOUT if run.stopped == "timeout" else "could not be read within the memory limit"
        notes.append(f"{shown} {what}; " + (f"only its first {done} pages were read." if done else "nothing in it was read."))
    for page in run.read:
        if page["capped"]:
            notes.append(f"Page {page['index'] + 1} of {shown} holds more text than a homework page; only its beginning was read.")
    text = join_pages([PageLines(p["height"], p["lines"]) for p in run.read])
    scan = _scan(run.read)
    review = _review(run.read, scan)
    if scan is not None:
        scanned = _scanned_pages(run.read)
        notes.append(f"In {shown}, {_pages(scanned)} {'are' if len(scanned) > 1 else 'is'} scanned or photographed: "
                     f"I read {_ocr_read(run.read)} with OCR (confidence {scan.confidence:.0f}%). Text answers read "
                     "this way are graded for now and checked by a person; formulas are graded by a person.")
    if run.read and not text.strip() and review is None:
        notes.append(f"{shown} holds no text.")
    return Converted(text if text.strip() else "", "PDF", notes, review=review, layout_math=bool(text.strip()),
                     scan=scan)


def _scanned(page: dict) -> bool:
    return bool(page["scan"])


def _scanned_pages(pages: list[dict]) -> list[dict]:
    return [p for p in pages if _scanned(p)]


def _ocr_read(pages: list[dict]) -> str:
    """Which scanned pages OCR read: "it", "them", or which ones and which not (its page and time budget)."""
    scanned = _scanned_pages(pages)
    read = [p for p in scanned if p.get("ocr")]
    if len(read) == len(scanned):
        return "it" if len(read) == 1 else "them"
    return f"{_pages(read)} (not {_pages([p for p in scanned if not p.get('ocr')])})"


def _pages(pages: list[dict]) -> str:
    """`page 3`, `pages 1, 2`, `pages 1-4, 7`: consecutive pages as ranges."""
    numbers = [p["index"] + 1 for p in pages]
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    listed = ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)
    return f"page{'s' if len(numbers) > 1 else ''} {listed}"


def _scan(pages: list[dict]) -> Scan | None:
    """What OCR read from the scanned pages, when it read anything."""
    read = [p for p in pages if p.get("ocr")]
    if not read:
        return None
    words = sum(p["ocr"]["words"] for p in read)
    confidence = sum(p["ocr"]["confidence"] * p["ocr"]["words"] for p in read) / max(words, 1)
    lines = {line["text"].strip(): line["confidence"] for p in read for line in p["lines"]}
    return Scan(confidence, lines, every_page=all(_scanned(p) for p in pages))


def _review(pages: list[dict], scan: Scan | None) -> str | None:
    """Why a person must grade this PDF: pages that are pictures of text, or text that cannot be decoded."""
    glyphs = sum(p["glyphs"] for p in pages)
    scanned = _scanned_pages(pages)
    if scan is not None:
        return (f"{_pages(scanned).capitalize()} of this PDF {'are' if len(scanned) > 1 else 'is'} scanned or "
                f"photographed: OCR read {_ocr_read(pages)} with confidence {scan.confidence:.0f}%, so a person will "
                "check it.")
    hidden = any(p["hidden"] for p in scanned)
    if scanned and len(scanned) == len(pages) and not hidden:
        return NO_TEXT_LAYER
    if scanned:
        return (f"{_pages(scanned).capitalize()} of this PDF {'are' if len(scanned) > 1 else 'is'} scanned or "
                f"photographed{HIDDEN_LAYER if hidden else ' (no text layer)'}, so a person will grade it.")
    if glyphs and sum(p["undecodable"] for p in pages) > 0.25 * glyphs:
        return UNDECODABLE
    return None


def _run_worker(data: bytes) -> _Run:
    run = _Run()
    with tempfile.TemporaryDirectory(prefix="grader-pdf-") as folder:
        path = os.path.join(folder, "submission.pdf")
        with open(path, "wb") as handle:
            handle.write(data)
        command = [sys.executable, "-m", "grader.submission.pdf.worker", path, str(MEMORY_MB), str(int(TIMEOUT) + 1),
                   find_tesseract() or ""]
        process = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)
        try:
            run.stopped = _read_events(process, run)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            assert process.stdout is not None
            process.stdout.close()
    return run


def _read_events(process: subprocess.Popen[bytes], run: _Run) -> str | None:
    assert process.stdout is not None
    deadline = time.monotonic() + TIMEOUT
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return "timeout"
            chunk = os.read(process.stdout.fileno(), 1 << 16)
            if not chunk:
                return "crash"
            buffer += chunk
            if len(buffer) > _MAX_EVENT_BYTES:
                return "crash"
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                event = json.loads(raw)
                kind = event.pop("event")
                if kind == "info":
                    run.pages, run.javascript = event["pages"], event["javascript"]
                elif kind == "page":
                    run.read.append(event)
                elif kind == "error":
                    run.error = event["code"]
                    return None
                elif kind == "done":
                    return None
