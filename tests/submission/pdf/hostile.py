"""Small generators of hostile PDFs, written byte by byte so the tests commit no big files."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def assemble(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from its objects (numbered from 1), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def _stream(data: bytes, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def text_pdf(lines: list[str], pages: int = 1, compress: bool = False, content: bytes | None = None) -> bytes:
    """`pages` pages sharing one content stream that writes `lines` in Helvetica."""
    if content is None:
        body = b"BT /F1 12 Tf 72 720 Td 14 TL " + b"".join(
            b"(" + line.encode("latin-1").replace(b"(", b"\\(").replace(b")", b"\\)") + b") ' " for line in lines) + b"ET"
    else:
        body = content
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        _FONT,
        _stream(body, compress),
    ]
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    objects += [page] * pages
    return assemble(objects)


def many_pages() -> bytes:
    return text_pdf(["## 4.1", "n(n+1)/2"], pages=10_000)


def huge_text() -> bytes:
    """One page whose content stream draws 50 MB of text (compressed to well under a megabyte)."""
    line = b"(" + b"answer " * 40 + b") '\n"
    return text_pdf([], content=b"BT /F1 12 Tf 72 720 Td 14 TL\n" + line * (50 * 2**20 // len(line)) + b"ET", compress=True)


def javascript() -> bytes:
    script = b"<< /S /JavaScript /JS (app.alert\\('hello'\\); this.submitForm\\('http://example.com'\\);) >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /Names << /JavaScript 7 0 R >> >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        _FONT,
        _stream(b"BT /F1 12 Tf 72 720 Td 14 TL (## 4.1) ' (n\\(n+1\\)/2) ' ET"),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>",
        script,
        b"<< /Names [(hello) 6 0 R] >>",
    ]
    return assemble(objects)


def deep_nesting() -> bytes:
    """A resource dictionary nested 100,000 arrays deep, and a page tree that contains itself."""
    nested = b"[" * 100_000 + b"]" * 100_000
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R 2 0 R] /Count 1000000000 >>",
        _FONT,
        _stream(b"BT /F1 12 Tf 72 720 Td (## 4.1) Tj ET"),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> /X " + nested
        + b" >> /Contents 4 0 R >>",
    ]
    return assemble(objects)


def garbage() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 64


def truncated() -> bytes:
    data = (HERE / "ada_pdflatex.pdf").read_bytes()
    return data[:1500]


def encrypted() -> bytes | None:
    """Ada's PDF under a user password, by qpdf; None when qpdf is not installed."""
    if shutil.which("qpdf") is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "locked.pdf"
        subprocess.run(["qpdf", "--encrypt", "secret", "secret", "256", "--", str(HERE / "ada_pdflatex.pdf"), str(out)],
                       check=True, capture_output=True)
        return out.read_bytes()


def not_a_pdf() -> bytes:
    return b"PK\x03\x04 this is a zip file renamed to .pdf"


def many_scans() -> bytes:
    """The two-page scan 20 times over: 40 pages of pictures, more than OCR reads in one document."""
    import io

    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(HERE / "ada_scan.pdf")
    long = pdfium.PdfDocument.new()
    for _ in range(20):
        long.import_pages(source)
    out = io.BytesIO()
    long.save(out)
    return out.getvalue()


def poster_scan() -> bytes:
    """A scanned page stretched to 200 by 200 inches: rendered at 200 dpi it would be 1.6 billion pixels."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(HERE / "ada_scan.pdf")
    page = pdf[0]
    page.set_mediabox(0, 0, 14400, 14400)
    for obj in page.get_objects():
        obj.set_matrix(pdfium.PdfMatrix().scale(14400, 14400))
    page.gen_content()
    pdf.del_page(1)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


GENERATORS = {f.__name__: f for f in (many_pages, many_scans, poster_scan, huge_text, javascript, deep_nesting, garbage, truncated, encrypted, not_a_pdf)}
