"""Batch grading speed: classes of 1,000 and 10,000 against a naive grader, memory, and cold start.

    .venv/bin/python tests/bench/bench_batch.py [--sizes 1000 10000] [--big] [--quick] [--jobs N] [--naive 150]
                                                [--against OTHER_CHECKOUT]

Two classes of each size (tests/bench/synth.py): one with the repeats real classes have (Zipf-distributed
answers), and one where every (part, answer) is distinct, so the result cache never answers. --big adds
50,000 (is peak memory flat as the class grows?); --quick is 1,000 only, for a first look; --against grades
each class with another checkout's code too (before/after in one run).

Everything is measured in this one run, on this machine, so the ratios hold even when absolute figures move:
- `grader batch` on synthetic Gradescope exports, as a fresh process each time, from interpreter start to the
  last output written (results/, CSVs, report); its CPU time (parent and workers), which a loaded machine
  disturbs less than wall time; peak memory of the parent, of the largest worker and of the process tree;
  the bytes the run wrote (all of it, and the results.json files).
- Right after each batch, a naive grader on the first submissions of the same class: sympify + simplify(a - b)
  == 0 per formula, word overlap with the model answer per text answer, one process, no cache of its own; it
  reads the same files through grader.submission and writes one JSON per submission. It only ever sees
  generated answers.
- Cold start: `grader grade` of one example submission (as the container runs it) against `import sympy`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from proctree import PeakRss  # noqa: E402
from synth import generate_class  # noqa: E402

_MEASURE = """
import json, resource, sys
from grader.cli import main
code = main(sys.argv[1:])
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec, so it would report this benchmark's own size.
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) // 1024
own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "parent_mb": hwm, "worker_mb": children.ru_maxrss // 1024,
                  "parent_cpu": own.ru_utime + own.ru_stime, "worker_cpu": children.ru_utime + children.ru_stime}),
      file=sys.stderr)
"""


def bytes_under(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and "export" not in f.parts)



def run_batch(source: Path, out: Path, jobs: int | None, code: Path = ROOT) -> dict:
    """`grader batch` as a fresh process, with the `grader` package of the checkout `code`."""
    command = [sys.executable, "-c", _MEASURE, "batch", str(source), "-o", str(out)] + (["--jobs", str(jobs)] if jobs else [])
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    peak = PeakRss(proc)  # the whole process tree (parent and workers), sampled every 20 ms
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(stderr)
    proc.stdout, proc.stderr = stdout, stderr  # type: ignore[assignment]
    figures = json.loads(proc.stderr.strip().splitlines()[-1])
    figures["tree_mb"] = round(peak.mb())
    cache = re.search(r"([\d,]+) answers checked, ([\d,]+) answered from the cache", proc.stdout)
    figures.update(seconds=seconds, checked=cache.group(1) if cache else "?", hits=cache.group(2) if cache else "?",
                   written=bytes_under(out), results=bytes_under(out / "results"))
    return figures


# --- the naive grader ---------------------------------------------------------------------------------------------

def _latex_to_text(text: str) -> str:
    text = text.strip().strip("$").strip()
    text = text.replace("\\cdot", "*").replace("\\left", "").replace("\\right", "").replace("\\,", "")
    for _ in range(5):
        text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", text)
        text = re.sub(r"\\binom\{([^{}]*)\}\{([^{}]*)\}", r"binomial(\1, \2)", text)
    return text.replace("{", "(").replace("}", ")")


class Naive:
    def __init__(self, assignment):
        from sympy import Symbol
        from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application,
                                                standard_transformations)

        self.assignment = assignment
        self.symbols = {name: Symbol(name, positive=True, integer=True) for name in ("n", "t", "w", "T")}
        self.transformations = standard_transformations + (implicit_multiplication_application, convert_xor)
        self.references = {pid: ref.formula for pid, ref in assignment.reference.parts.items() if ref.formula}
        self.models = {pid: set(re.findall(r"[a-z]{3,}", ref.answer.lower())) for pid, ref in assignment.reference.parts.items()}

    def _expr(self, text: str):
        from sympy.parsing.sympy_parser import parse_expr

        # The baseline being beaten: parse_expr evaluates its input, which is why grader never uses it.
        return parse_expr(_latex_to_text(text).split("=")[-1], local_dict=self.symbols, transformations=self.transformations)

    def formula(self, pid: str, answer: str, points: float) -> float:
        from sympy import simplify

        try:
            return points if simplify(self._expr(answer) - self._expr(self.references[pid])) == 0 else 0.0
        except Exception:  # noqa: BLE001 - unreadable counts as wrong
            return 0.0

    def text(self, pid: str, answer: str, points: float) -> float:
        words, model = set(re.findall(r"[a-z]{3,}", answer.lower())), self.models[pid]
        return points * min(1.0, 3 * len(words & model) / max(1, len(model)))

    def grade(self, folder: Path, out: Path) -> None:
        from grader.submission import read_submission

        answers = read_submission(folder, self.assignment.part_ids)
        scores = {}
        for part in self.assignment.rubric.parts:
            answer = answers.get(part.id)
            score = 0.0
            if answer is not None:
                if part.formula is not None:
                    score += self.formula(part.id, answer, part.formula.points or 0.0)
                if part.text is not None:
                    score += self.text(part.id, answer, part.text.points or 0.0)
            scores[part.id] = score
        (out / f"{folder.name}.json").write_text(json.dumps({"score": sum(scores.values()), "parts": scores}))


def run_naive(source: Path, out: Path, count: int) -> tuple[float, float]:
    """Submissions per second of wall time and per CPU-second (one process: the same on a quiet machine)."""
    from grader.assignment import load_assignment

    naive = Naive(load_assignment())
    out.mkdir(parents=True, exist_ok=True)
    folders = sorted(p for p in source.iterdir() if p.is_dir())[:count]
    started, cpu = time.perf_counter(), time.process_time()
    for folder in folders:
        naive.grade(folder, out)
    return len(folders) / (time.perf_counter() - started), len(folders) / (time.process_time() - cpu)


# --- cold start ---------------------------------------------------------------------------------------------------

def _median_seconds(command: list[str], repeat: int = 5) -> float:
    # As installed (pip compiles bytecode; so does the autograder's setup.sh): a first run writes what a
    # PYTHONDONTWRITEBYTECODE environment would make every run compile again.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cold_start(tmp: Path, repeat: int) -> tuple[float, float, float]:
    sympy = _median_seconds([sys.executable, "-c", "import sympy"], repeat)
    grade = _median_seconds([sys.executable, "-m", "grader", "grade", str(ROOT / "submissions_example" / "ada_markdown"),
                             "-o", str(tmp / "results.json")], repeat)
    usage = _median_seconds([sys.executable, "-m", "grader", "--help"], repeat)
    return sympy, grade, usage


def _line(name: str, size: int, figures: dict, naive: float, naive_cpu: float, naive_count: int) -> str:
    rate = size / figures["seconds"]
    cpu = figures["parent_cpu"] + figures["worker_cpu"]
    return (f"{name:>15} {size:>6,}: {figures['seconds']:6.1f} s, {rate:6,.0f} submissions/s, "
            f"{rate / naive:4.1f}x naive ({naive:.1f}/s on the first {naive_count}); per CPU-second "
            f"{size / cpu:,.0f} submissions, {size / cpu / naive_cpu:.1f}x naive's {naive_cpu:.1f} "
            f"(parent {1e3 * figures['parent_cpu'] / size:.2f} ms, workers "
            f"{1e3 * figures['worker_cpu'] / size:.2f} ms per submission); peak memory parent "
            f"{figures['parent_mb']} MB, largest worker {figures['worker_mb']} MB, process tree "
            f"{figures['tree_mb']} MB; wrote {figures['written'] / 1e6:.0f} MB "
            f"({figures['written'] / size / 1e3:.1f} KB each, results.json {figures['results'] / size / 1e3:.1f} KB); "
            f"checked {figures['checked']}, from the cache {figures['hits']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--big", action="store_true", help="add a class of 50,000 (several minutes, ~1 GB of disk)")
    parser.add_argument("--quick", action="store_true", help="1,000 only, a smaller naive sample, fewer cold starts")
    parser.add_argument("--classes", nargs="+", choices=["repeats", "distinct"], default=["repeats", "distinct"])
    parser.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    parser.add_argument("--naive", type=int, default=150, help="submissions the naive grader grades (default 150)")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="another checkout of grader (e.g. `git worktree add /tmp/before main`): each class is "
                             "also graded with its code, right before, for a before/after in one run")
    parser.add_argument("--dir", help="where the classes and outputs go (default: the system's temp folder); "
                                      "/dev/shm shows the cost of the disk")
    args = parser.parse_args()
    sizes = [1000] if args.quick else args.sizes + ([50_000] if args.big else [])
    naive_count = min(args.naive, 60) if args.quick else args.naive

    with tempfile.TemporaryDirectory(prefix="bench-batch-", dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        sympy, grade, usage = cold_start(tmp, 3 if args.quick else 5)
        print(f"cold start: import sympy {sympy:.2f} s, grader grade (one submission) {grade:.2f} s: "
              f"ratio {grade / sympy:.2f}; grader --help {usage:.2f} s")
        for size in sizes:
            for kind in args.classes:
                source = tmp / f"{kind}{size}"
                generate_class(source, size, seed=size, export=True, distinct=kind == "distinct")
                # Each version right after the other, and the naive grader right after both, on the same class:
                # a machine shared with other work loads them alike.
                runs = [("before", args.against.resolve())] if args.against else []
                runs.append(("after" if args.against else "", ROOT))
                measured = []
                for label, code in runs:
                    measured.append((label, run_batch(source, tmp / f"out-{kind}{size}", args.jobs, code)))
                    shutil.rmtree(tmp / f"out-{kind}{size}")
                naive, naive_cpu = run_naive(source, tmp / f"naive-{kind}{size}", naive_count)
                for label, figures in measured:
                    print(_line(f"{kind} {label}".strip(), size, figures, naive, naive_cpu, naive_count), flush=True)
                shutil.rmtree(source)


if __name__ == "__main__":
    main()
