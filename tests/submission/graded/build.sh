#!/usr/bin/env bash
# Rebuild the graded fixtures with pdflatex: ada_raised.tex holds exponents raised past a fraction and past
# \right), which the page layout sets apart from their formula, and leaves part 4.3 out.
# Needs: texlive-latex-base texlive-latex-recommended (Debian).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=0 FORCE_SOURCE_DATE=1  # the same sources give the same bytes
pdflatex -interaction=nonstopmode -halt-on-error -output-directory "$work" "$here/ada_raised.tex" >/dev/null
cp "$work/ada_raised.pdf" "$here/ada_raised.pdf"
ls -l "$here"/*.pdf
