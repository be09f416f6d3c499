"""Reading time and peak memory per format: Ada's HW3 answers (about 2 pages) and the same answers 15 times
over (about 30 pages), in every format tests/submission/formats holds, the two-column PDF and the two-page
scan (read by OCR when tesseract is installed), plus the large and hostile Markdown files that used to lose
parts or take quadratic time. Each file is read by `read_file` in a fresh process
(so peak RSS is the read's own, over the interpreter's baseline, measured on an empty file in the same run);
"child MB" is the largest helper process (pandoc, the PDF reading process or tesseract).

    .venv/bin/python tests/bench/bench_reading.py
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ROOT / "tests" / "submission" / "formats"
PDFS = [ROOT / "tests" / "submission" / "pdf" / name for name in ("ada_twocolumn.pdf", "ada_scan.pdf")]
PROBE = """
import json, resource, sys, time
from pathlib import Path
from grader.assignment import load_assignment
from grader.submission import read_file
ids = load_assignment().part_ids
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
answers = read_file(Path(sys.argv[1]), ids)
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"s": elapsed, "mb": (peak - before) / 1024, "child_mb": children / 1024,
                  "parts": sum(1 for p in ids if answers.get(p))}))
"""


def measure(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, cwd=ROOT,
                          check=True, timeout=600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def thirty_pages(folder: Path) -> list[Path]:
    """The answers 15 times: each part's answer repeated, so the parts are the same and the text 15x longer."""
    md = (FORMATS / "ada.md").read_text(encoding="utf-8")
    long = re.sub(r"(^## \S+\n)(.*?)(?=^## |\Z)", lambda m: m.group(1) + (m.group(2).strip() + "\n\n") * 15,
                  md, flags=re.S | re.M)
    out = folder / "ada30.md"
    out.write_text(long, encoding="utf-8")
    made = [out]
    for target in ("tex", "docx", "odt"):
        dest = folder / f"ada30.{target}"
        try:
            import pypandoc

            extra = ["-s"] if target == "tex" else []
            subprocess.run([pypandoc.get_pandoc_path(), str(out), *extra, "-o", str(dest)], check=True)
            made.append(dest)
        except (ImportError, OSError, subprocess.CalledProcessError):
            pass
    cells = [{"cell_type": "markdown", "metadata": {}, "source": c} for c in re.split(r"\n(?=## )", long)]
    (folder / "ada30.ipynb").write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5}))
    return made + [folder / "ada30.ipynb"]


def hostile(folder: Path) -> list[Path]:
    answers = "## 4.1\nn(n+1)/2\n\n## 4.2\n(t+1)(2n-t)/2\n\n## 2.1\n"
    files = {
        "50mb_filler.md": answers + "filler line that is not an answer\n" * (50 * 1024 * 1024 // 34),
        "5mb_data_uri.md": "## 4.1\nn(n+1)/2\n## 2.2\n![a](data:image/png;base64," + "iVBORw0KGgo" * 480_000
                           + ")\n## 4.2\n(t+1)(2n-t)/2\n## 4.3\nn(w+1)/2\n",
        "120k_comment_openers.md": answers + "<!-- " * 120_000,
        "40k_openers_160kb.md": "<!--" * 40_000 + "\n" + answers,
    }
    paths = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "empty.md").write_text("## 4.1\nn\n", encoding="utf-8")
        base = measure(folder / "empty.md")
        print(f"baseline (a one-line file): {base['s'] * 1000:.1f} ms, {base['mb']:.1f} MB over the interpreter")
        print(f"{'file':<28}{'size KB':>10}{'parts':>7}{'read s':>9}{'x base':>9}{'peak MB':>9}{'child MB':>11}")
        two = sorted(p for p in FORMATS.iterdir()
                     if p.name.startswith("ada") and p.suffix in (".md", ".tex", ".docx", ".odt", ".ipynb", ".pdf"))
        for path in [*two, *PDFS, *thirty_pages(folder), *hostile(folder)]:
            m = measure(path)
            print(f"{path.name:<28}{path.stat().st_size / 1024:>10.0f}{m['parts']:>7}{m['s']:>9.3f}"
                  f"{m['s'] / max(base['s'], 1e-6):>9.0f}{m['mb']:>9.1f}{m['child_mb']:>11.1f}")


if __name__ == "__main__":
    main()
