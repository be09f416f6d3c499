"""Math on the staff's pages, and decisions on a class: what they cost, measured in one run.

    .venv/bin/python tests/bench/bench_review.py [--students 1000] [--distinct]

- MathML: latex2mathml plus the MathML check (grader.mathml, uncached) per distinct reading of the class,
  against escaping the LaTeX as text (what the report showed before): ms per formula.
- The report: rendered with MathML readings against the same report with readings escaped as text.
- Decisions: `grader batch` over an already graded class (nothing to grade: only outputs are written) with
  no overrides.json against one with a group decision on every answer group of two or more answers.
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import generate_class  # noqa: E402


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--distinct", action="store_true", help="every answer distinct (more readings)")
    args = parser.parse_args()

    from grader import mathml
    from grader.assignment import load_assignment
    from grader.batch import run_batch
    from grader.batch.outputs import report
    from grader.batch.outputs.overrides import FILE, Decision, part_fingerprint, write
    from grader.batch.outputs.stats import ClassStats
    from grader.batch.run.journal import Journal
    from grader.batch.runner import STATE_DIR

    hw3 = load_assignment()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_class(root / "class", args.students, seed=5, export=True, distinct=args.distinct)
        out = root / "out"
        run_batch(submissions=root / "class", outdir=out, assignment=hw3)

        history = Journal(out / STATE_DIR / "journal.jsonl").read(hw3.fingerprint())
        stats = ClassStats(hw3, history.labels)
        for line in history.latest.values():
            stats.add(line.row())
        readings = sorted({g.reading for p in stats.parts.values() for g in p.groups.get("formula", {}).values()
                           if g.reading})
        convert = mathml.to_mathml.__wrapped__
        latex = [r.strip().strip("$") for r in readings]
        math_s = _best(lambda: [convert(x) for x in latex])
        escape_s = _best(lambda: [html.escape(x) for x in latex])
        failed = sum(convert(x) is None for x in latex)
        print(f"{len(latex)} distinct formula readings: MathML {1000 * math_s / len(latex):.3f} ms each "
              f"(escaped text {1000 * escape_s / len(latex):.4f} ms); {failed} shown as text instead")

        def render() -> None:
            mathml.to_mathml.cache_clear()
            report.render_report(stats, diff=None, seconds=0.0)

        with_math = _best(render)
        original = report.reading_html
        report.reading_html = lambda r: html.escape(r)  # type: ignore[assignment]
        try:
            without = _best(lambda: report.render_report(stats, diff=None, seconds=0.0))
        finally:
            report.reading_html = original
        print(f"report.html of {args.students:,} students: {1000 * with_math:.0f} ms with MathML, "
              f"{1000 * without:.0f} ms with escaped LaTeX ({with_math / without:.2f}x)")

        def batch() -> float:
            started = time.perf_counter()
            run_batch(submissions=root / "class", outdir=out, assignment=hw3)
            return time.perf_counter() - started

        plain = statistics.median(batch() for _ in range(3))
        decisions = [Decision(scope="group", part=pid, engine=engine, key=g.key, score=g.score / 2, who="bench",
                              rubric=part_fingerprint(hw3, pid))
                     for pid, part in stats.parts.items() for engine, groups in part.groups.items()
                     for g in groups.values() if g.count >= 2]
        write(out / FILE, decisions)
        first = batch()
        again = statistics.median(batch() for _ in range(3))
        reviewed = len(json.loads((out / STATE_DIR / "overridden.json").read_text(encoding="utf-8")))
        print(f"batch over a graded class: {plain:.2f} s without decisions; with {len(decisions):,} group "
              f"decisions reaching {reviewed:,} results files {first:.2f} s when they are new ({first / plain:.2f}x), "
              f"{again:.2f} s when they are already in the files ({again / plain:.2f}x)")


if __name__ == "__main__":
    main()
