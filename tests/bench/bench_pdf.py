"""Benchmark: reading a PDF submission, 2 pages and 30 pages, time and peak memory, by library.

    .venv/bin/python tests/bench/bench_pdf.py [--runs 3]

Each measurement is a fresh Python process (no warm cache), median of the runs. Rows: the raw text of
pypdfium2 (the baseline: the library alone), the grader's `read_pdf` (pypdfium2 in its limited worker,
plus glyph geometry, math rebuilding and page joining), and PyMuPDF and pdfplumber when installed.
Peak memory is the largest resident set of the process that parsed the PDF (for `read_pdf`, its worker).
The 30-page file is Ada's 2-page pdflatex fixture copied 15 times, built here.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "submission" / "pdf" / "ada_pdflatex.pdf"

_PROLOGUE = "import json, resource, sys, time\npath = sys.argv[1]\nstart = time.perf_counter()\n"
_EPILOGUE = (
    "elapsed = time.perf_counter() - start\n"
    "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "print(json.dumps({'seconds': elapsed, 'peak_kb': peak, 'chars': len(text)}))\n"
)
READERS = {
    "pypdfium2 (raw text)": ("pypdfium2", "import pypdfium2 as pdfium\npdf = pdfium.PdfDocument(path)\n"
                             "text = ''.join(page.get_textpage().get_text_range() for page in pdf)\n"),
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
        files = {"2 pages": FIXTURE, "30 pages": build_long(Path(folder))}
        print(f"{'reader':24} {'file':9} {'time ms':>8} {'peak MB':>8} {'chars':>7} {'x baseline':>10}")
        for label, path in files.items():
            baseline = None
            for name, (module, code) in READERS.items():
                if importlib.util.find_spec(module) is None:
                    print(f"{name:24} {label:9} {'(not installed)':>26}")
                    continue
                seconds, peak, chars = measure(code, path, args.runs)
                baseline = baseline or seconds
                print(f"{name:24} {label:9} {seconds * 1000:8.0f} {peak:8.1f} {chars:7d} {seconds / baseline:10.2f}")


if __name__ == "__main__":
    main()
