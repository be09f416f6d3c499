"""Wrap JPEG pictures into a PDF with no text layer, one picture per page, as a scanner or phone app does."""

from __future__ import annotations

import sys

import pypdfium2 as pdfium


def main(images: list[str], output: str) -> None:
    pdf = pdfium.PdfDocument.new()
    for path in images:
        image = pdfium.PdfImage.new(pdf)
        image.load_jpeg(path, inline=True)
        width, height = image.get_px_size()
        page = pdf.new_page(width * 72 / 100, height * 72 / 100)  # rendered at 100 dpi
        image.set_matrix(pdfium.PdfMatrix().scale(width * 72 / 100, height * 72 / 100))
        page.insert_obj(image)
        page.gen_content()
    pdf.save(output)


if __name__ == "__main__":
    main(sys.argv[1:-1], sys.argv[-1])
