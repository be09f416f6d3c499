"""PDF submissions: text in reading order with the math rebuilt from the glyphs' geometry.

`reader.read_pdf` is the entry point; `worker` runs pdfium in a process of its own under limits; `layout`
turns one page's glyphs and rules into lines (fractions, roots, scripts, `$...$`); `pages` joins the pages
(running headers and page numbers dropped, hyphenated words joined).
"""

from grader.submission.pdf.reader import NO_TEXT_LAYER, read_pdf

__all__ = ["NO_TEXT_LAYER", "read_pdf"]
