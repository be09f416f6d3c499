#!/usr/bin/env bash
# Rebuilds the format fixtures from one source, Ada's HW3 answers in Markdown (and formulas.md), with the tools students use:
# pandoc (LaTeX source, Word, OpenDocument, and a PDF through pdflatex), pdflatex on the LaTeX source, and a
# notebook written cell by cell (one markdown cell per part, as a student answering in Jupyter does).
# Also a Word file in the layout Word users write: bold paragraphs instead of headings, a "Question 4" with
# numbered items. Run from anywhere; needs pandoc and pdflatex (texlive-latex-base, -recommended, lmodern).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../../../submissions_example/ada_markdown/answers.md"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$here"
cp "$src" ada.md
pandoc ada.md -s -o ada.tex
pandoc ada.md -o ada.docx
pandoc ada.md -o ada.odt
pandoc formulas.md -o formulas.odt  # formula objects from outside HW3, for the MathML reader
python3 - "$src" > ada.ipynb <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
chunks = [c for c in re.split(r"\n(?=## )", text) if c.strip()]
cells = [{"cell_type": "markdown", "metadata": {}, "source": c.strip("\n").splitlines(True)} for c in chunks]
cells.insert(1, {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["import numpy as np\n"],
                 "outputs": [{"output_type": "stream", "name": "stdout", "text": ["## 4.1\n", "wrong\n"]}]})
print(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
PY
# Word users' layout: bold paragraphs for parts, and question 4 as "Question 4" with numbered items.
python3 - "$src" > "$work/bold.md" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
parts = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", text, re.S | re.M))
out = []
for part, body in parts.items():
    if part.startswith("4."):
        continue
    out.append(f"**{part}**\n\n{body.strip()}\n")
out.append("**Question 4**\n")
for index, part in enumerate(p for p in parts if p.startswith("4.")):
    item = re.sub(r"\$\$(.*?)\$\$", r"$\1$", parts[part].strip(), flags=re.S)  # inline in a list item
    out.append(f"{index + 1}.  {item}\n")
print("\n".join(out))
PY
pandoc "$work/bold.md" -o ada_bold.docx
# PDFs for the PDF reader: pdflatex on the LaTeX source, and pandoc's own route.
(cd "$work" && cp "$here/ada.tex" . && pdflatex -interaction=nonstopmode -halt-on-error ada.tex > /dev/null)
cp "$work/ada.pdf" ada_pdflatex.pdf
pandoc ada.md -o ada_pandoc.pdf
ls -l "$here"
