#!/usr/bin/env bash
# Rebuild the PDF fixtures with the tools students use: pdflatex (ada.tex, its two-column twin
# ada_twocolumn.tex, calculus.tex, stats_twocolumn.tex, scripts.tex,
# numbered.tex, calculus_items.tex), pandoc (Ada's Markdown answers) and an image-only
# PDF (its pages rendered to pictures at 100 dpi, as a scan or a phone photo is; OCR reads it), and the
# same with the hidden text layer scanning apps add.
# Needs: texlive-latex-base texlive-latex-recommended lmodern pandoc poppler-utils tesseract-ocr (Debian), and
# pypdfium2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=0 FORCE_SOURCE_DATE=1  # the same sources give the same bytes

for name in ada calculus ada_twocolumn stats_twocolumn scripts numbered calculus_items; do
  pdflatex -interaction=nonstopmode -halt-on-error -output-directory "$work" "$here/$name.tex" >/dev/null
  case "$name" in
    *_twocolumn|scripts|numbered|calculus_items) cp "$work/$name.pdf" "$here/$name.pdf" ;;
    *) cp "$work/$name.pdf" "$here/${name}_pdflatex.pdf" ;;
  esac
done

pandoc "$root/submissions_example/ada_markdown/answers.md" -o "$here/ada_pandoc.pdf"

pdftoppm -r 100 -gray -jpeg -jpegopt quality=60 "$here/ada_pdflatex.pdf" "$work/page"
"$python" "$here/image_pdf.py" "$work"/page*.jpg "$here/ada_scan.pdf"
# The same pictures with the hidden text layer a scanning app adds (Tesseract writes it as they do).
ls "$work"/page*.jpg > "$work/pages.txt"
OMP_THREAD_LIMIT=1 tesseract "$work/pages.txt" "$work/searchable" --dpi 100 pdf 2>/dev/null
cp "$work/searchable.pdf" "$here/ada_scan_searchable.pdf"
ls -l "$here"/*.pdf
