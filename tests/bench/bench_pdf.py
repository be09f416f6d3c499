"""Benchmark: reading a PDF submission (2 pages, 30 pages, two columns, a 2-page scan), time and peak memory.

    .venv/bin/python tests/bench/bench_pdf.py [--runs 3]

Each measurement is a fresh Python process (no warm cache), median of the runs. Rows: the raw text of
pypdfium2 (the baseline: the library alone), the grader's `read_pdf` (pypdfium2 in its limited worker,
plus glyph geometry, math rebuilding and page joining), and PyMuPDF and pdfplumber when installed.
Peak memory is the largest resident set of the process that parsed the PDF (for `read_pdf`, its worker).
The 30-page file is Ada's 2-page pdflatex fixture copied 15 times, built here. The two-column file is
pdflatex's `twocolumn` class (one page). The scan (two pages of pictures at 100 dpi) has no text to extract:
its baseline is the same OCR without the grader, pypdfium2 rendering each page at the grader's resolution
and the `tesseract` command reading it, and its `read_pdf` row includes OCR (skipped without tesseract).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "submission" / "pdf" / "ada_pdflatex.pdf"
TWO_COLUMNS = ROOT / "tests" / "submission" / "pdf" / "ada_twocolumn.pdf"
SCAN = ROOT / "tests" / "submission" / "pdf" / "ada_scan.pdf"

_PROLOGUE = "import json, resource, sys, time\npath = sys.argv[1]\nstart = time.perf_counter()\n"
_EPILOGUE = (
    "elapsed = time.perf_counter() - start\n"
    "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "print(json.dumps({'seconds': elapsed, 'peak_kb': peak, 'chars': len(text)}))\n"
)
READERS = {
    "pypdfium2 (raw text)": ("pypdfium2", "import pypdfium2 as pdfium\npdf = pdfium.PdfDocument(path)\n"
                             "text = ''.join(page.get_textpage().get_text_range() for page in pdf)\n"),
    "render + tesseract": ("pypdfium2", "import os, subprocess, tempfile, pypdfium2 as pdfium\n"
                           "from grader.submission.pdf.ocr import DPI\ntext = ''\n"
                           "with tempfile.TemporaryDirectory() as d:\n"
                           "    for k, page in enumerate(pdfium.PdfDocument(path)):\n"
                           "        b = page.render(scale=DPI / 72, grayscale=True)\n"
                           "        img = os.path.join(d, f'{k}.pgm')\n"
                           "        open(img, 'wb').write(b'P5 %d %d 255\\n' % (b.width, b.height) + b''.join("
                           "bytes(b.buffer)[r * b.stride:r * b.stride + b.width] for r in range(b.height)))\n"
                           "        text += subprocess.run(['tesseract', img, 'stdout', '--dpi', str(DPI), 'tsv'], "
                           "capture_output=True, env={**os.environ, 'OMP_THREAD_LIMIT': '1'}).stdout.decode()\n"),
    "grader read_pdf": ("pypdfium2", "from grader.submission.pdf import read_pdf\n"
                        "text = read_pdf(open(path, 'rb').read(), 'answers.pdf').text\n"),
    "PyMuPDF": ("fitz", "import fitz\ntext = ''.join(page.get_text() for page in fitz.open(path))\n"),
    "pdfplumber": ("pdfplumber", "import pdfplumber\nwith pdfplumber.open(path) as pdf:\n"
                   "    text = ''.join(page.extract_text() or '' for page in pdf.pages)\n"),
}


def build_long(folder: Path, copies: int = 15) -> Path:
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(FIXTURE)
    long = pdfium.PdfDocument.new()
    for _ in range(copies):
        long.import_pages(source)
    path = folder / "long.pdf"
    long.save(path)
    return path


def measure(code: str, path: Path, runs: int) -> tuple[float, float, int]:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _PROLOGUE + code + _EPILOGUE, str(path)], capture_output=True,
                             text=True, timeout=300, check=True, cwd=ROOT)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return (statistics.median(r["seconds"] for r in results), statistics.median(r["peak_kb"] for r in results) / 1024,
            results[0]["chars"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        text = [n for n in READERS if n != "render + tesseract"]
        files = {"2 pages": (FIXTURE, text), "30 pages": (build_long(Path(folder)), text),
                 "2 columns": (TWO_COLUMNS, text), "2p scan": (SCAN, ["render + tesseract", "grader read_pdf"])}
        print(f"{'reader':24} {'file':9} {'time ms':>8} {'peak MB':>8} {'chars':>7} {'x baseline':>10}")
        for label, (path, names) in files.items():
            baseline = None
            for name in names:
                module, code = READERS[name]
                if label == "2p scan" and shutil.which("tesseract") is None:
                    print(f"{name:24} {label:9} {'(no tesseract)':>26}")
                    continue
                if importlib.util.find_spec(module) is None:
                    print(f"{name:24} {label:9} {'(not installed)':>26}")
                    continue
                seconds, peak, chars = measure(code, path, args.runs)
                baseline = baseline or seconds
                print(f"{name:24} {label:9} {seconds * 1000:8.0f} {peak:8.1f} {chars:7d} {seconds / baseline:10.2f}")


if __name__ == "__main__":
    main()
