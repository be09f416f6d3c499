"""The PDF reading process: `python -m grader.submission.pdf.worker FILE` prints one JSON line per event.

pdfium is C code reading hostile bytes, so it runs here, in a process of its own with an address-space and
a CPU-time limit, never in the grader: a crash or a runaway page costs this process only. Events, in order:
`{"event": "info", "pages": N, "javascript": bool}`, then one `{"event": "page", ...}` per page read (so a
reader that stops at page 7 still hands back pages 1-6; a scanned page's lines come from OCR when a
`tesseract` command is given, with its confidence in `ocr`), then `{"event": "done"}`; or `{"event": "error",
"code": ...}` when the document cannot be opened.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
import time
from dataclasses import asdict

from grader.sandbox import die_with_parent, limit_memory
from grader.submission.pdf import ocr
from grader.submission.pdf.glyphs import Glyph, Rule, make_glyph
from grader.submission.pdf.layout import lay_out

MAX_PAGES = 60  # a homework is a few pages; the rest of a 10,000-page file is not read
MAX_GLYPHS_PER_PAGE = 20_000  # a dense page holds about 5,000
MAX_GLYPHS = 200_000
MAX_RULES_PER_PAGE = 2_000
SCANNED_GLYPHS = 20  # a page with fewer glyphs than this, mostly covered by images, is a scan
SCANNED_SHARE = 0.2
HIDDEN_SHARE = 0.8  # ... and so is one whose text is mostly invisible: a scanning app's own OCR layer
_ERRORS = {1: "unknown", 2: "file", 3: "format", 4: "password", 5: "security", 6: "page"}


def main(path: str, memory_mb: int, cpu_seconds: int, tesseract: str = "") -> None:
    die_with_parent()
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    limit_memory(memory_mb)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    except (ValueError, OSError):
        pass
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        _emit(event="error", code=_ERRORS.get(raw.FPDF_GetLastError(), "unknown"))
        return
    pages = len(pdf)
    _emit(event="info", pages=pages, javascript=raw.FPDFDoc_GetJavaScriptActionCount(pdf) > 0)
    budget = MAX_GLYPHS
    scans = _Scans(tesseract, os.path.dirname(path))
    for index in range(min(pages, MAX_PAGES)):
        if budget <= 0:
            break
        page = pdf[index]
        rules, image_share = _drawings(page, raw)
        # Invisible text only matters on a page that images cover (a scan's hidden OCR layer).
        glyphs, undecodable, hidden, capped = _glyphs(page, raw, min(MAX_GLYPHS_PER_PAGE, budget),
                                                      image_share > SCANNED_SHARE)
        budget -= len(glyphs)
        width, height = page.get_size()
        scan = is_scan(len(glyphs), hidden, image_share)
        # A scan's hidden text (another program's OCR) is never graded as typed text: OCR here, or nothing.
        read = scans.read(page, height) if scan else None
        lines = read["lines"] if read else [] if scan else [asdict(line) for line in lay_out(glyphs, rules)]
        _emit(event="page", index=index, height=height, width=width, glyphs=len(glyphs), undecodable=undecodable,
              hidden=hidden, capped=capped, image_share=image_share, scan=scan, lines=lines,
              ocr=read and {"confidence": read["confidence"], "words": read["words"]})
        page.close()
    _emit(event="done")


def is_scan(glyphs: int, hidden: int, image_share: float) -> bool:
    """A page that is a picture of text: images cover it, and it has (almost) no text or only invisible text."""
    return image_share > SCANNED_SHARE and (glyphs < SCANNED_GLYPHS or hidden >= HIDDEN_SHARE * glyphs)


class _Scans:
    """OCR of scanned pages, within a page count and a CPU-time budget for the whole document."""

    def __init__(self, tesseract: str, folder: str) -> None:
        self.tesseract, self.folder, self.done = tesseract, folder, 0
        self.deadline = time.monotonic() + ocr.TOTAL_SECONDS
        self.cpu = _children_cpu()

    def read(self, page, height: float) -> dict | None:
        remaining = self.deadline - time.monotonic()
        spent = _children_cpu() - self.cpu
        if not self.tesseract or self.done >= ocr.MAX_PAGES or spent > ocr.TOTAL_CPU_SECONDS - 0.5 or remaining < 1:
            return None
        self.done += 1
        image = os.path.join(self.folder, f"page{self.done}.pgm")
        try:
            _, dpi = ocr.render(page, image)
            words = ocr.read_words(self.tesseract, image, dpi, min(ocr.PAGE_SECONDS, remaining))
        except TimeoutError:
            self.tesseract = ""  # it hangs: the other pages are not tried
            return None
        except (MemoryError, OSError, ValueError, RuntimeError):  # pdfium cannot render it: the page stays unread
            return None
        finally:
            if os.path.exists(image):
                os.unlink(image)
        if not words:
            return None
        return {"lines": ocr.lines(words, dpi, height), "confidence": ocr.confidence(words), "words": len(words)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _glyphs(page, raw, cap: int, count_hidden: bool) -> tuple[list[Glyph], int, int, bool]:
    """The page's glyphs, how many could not be decoded, how many are invisible, and whether the cap cut it."""
    textpage = page.get_textpage()
    count = textpage.count_chars()
    glyphs: list[Glyph] = []
    undecodable = hidden = 0
    font = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    ox, oy = ctypes.c_double(), ctypes.c_double()
    space = False
    for i in range(count):
        if len(glyphs) >= cap:
            return glyphs, undecodable, hidden, True
        code = raw.FPDFText_GetUnicode(textpage, i)
        char = chr(code) if 0 <= code < 0x110000 else "\ufffd"  # code 0 is cmex's `\\big(`
        # cmex's vertical bar piece (`\\Big|`) has code 0x0C, which reads as a form feed: keep it
        if char.isspace() and not (code == 0x0C and _font_name(textpage, i, font, flags, raw).startswith(("CMEX", "LMEX"))):
            space = True
            continue
        if raw.FPDFText_IsGenerated(textpage, i):
            continue
        raw.FPDFText_GetCharBox(textpage, i, left, right, bottom, top)
        raw.FPDFText_GetCharOrigin(textpage, i, ox, oy)
        size = raw.FPDFText_GetFontSize(textpage, i)
        name = _font_name(textpage, i, font, flags, raw)
        if char == "\ufffd" or 0xE000 <= code <= 0xF8FF or raw.FPDFText_HasUnicodeMapError(textpage, i) == 1:
            undecodable += 1
        glyph = make_glyph(char, (left.value, right.value, bottom.value, top.value), oy.value, size or 10.0, name, space,
                           len(glyphs))
        space = False
        if glyph is not None:
            glyph.bold = glyph.bold or raw.FPDFText_GetFontWeight(textpage, i) >= 600
            glyphs.append(glyph)
            text_object = raw.FPDFText_GetTextObject(textpage, i) if count_hidden else None
            if text_object and raw.FPDFTextObj_GetTextRenderMode(text_object) == raw.FPDF_TEXTRENDERMODE_INVISIBLE:
                hidden += 1
    textpage.close()
    return glyphs, undecodable, hidden, False


def _font_name(textpage, i: int, font, flags, raw) -> str:
    raw.FPDFText_GetFontInfo(textpage, i, font, len(font), flags)
    return font.value.decode("latin-1").split("+")[-1]


def _drawings(page, raw) -> tuple[list[Rule], float]:
    """Thin horizontal paths (fraction bars, radical overlines) and the share of the page images cover."""
    rules: list[Rule] = []
    image_area = 0.0
    width, height = page.get_size()
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds()
        if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            image_area += max(0.0, min(x1, width) - max(x0, 0)) * max(0.0, min(y1, height) - max(y0, 0))
        elif y1 - y0 <= 2.0 and x1 - x0 >= 1.5 and len(rules) < MAX_RULES_PER_PAGE:
            rules.append(Rule(x0, x1, y0, y1))
    return rules, min(1.0, image_area / (width * height)) if width * height > 0 else 0.0


def _emit(**event: object) -> None:
    sys.stdout.write(json.dumps(event, ensure_ascii=True) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:5])
