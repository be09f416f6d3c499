"""Per-answer cost of the formula engine on all-distinct answers, with its fast paths on and off, and cold start.

    .venv/bin/python tests/bench/bench_engine.py [-n 1000] [--runs 10] [--no-cold] [--profile]

- Answers: the formula parts of HW3 (1, 4.1, 4.2, 4.3) as the all-distinct synthetic class writes them
  (tests/bench/synth.py: no two students give the same text, so no cache answers), plus answers with an explicit
  `...` pattern (`x_2 - x_1 + x_4 - x_3 + \\dots + x_T - x_{T-1}`, `1 + 2 + \\dots + n`), each made distinct by an
  identity term. As in a batch worker, the part's reference and wrong answers are read first (a worker keeps
  them), then every answer is read (`read_formula`) and compared (the rest of
  `grade_formula`, reading then answered from the cache). The baseline is the same code with the fast paths off
  (`grader.formula.fast`), in the same process, the two modes taking turns chunk by chunk.
- Cold start: `import sympy`, `grader --help`, `grader schema` and `grader grade` of one example submission (fast paths on and
  off; sources compiled at start as this checkout runs, and from cached bytecode as an installed package runs), as
  fresh interpreters, interleaved, median of --runs each.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PARTS = ("1", "4.1", "4.2", "4.3")
_PATTERNS = {  # the pattern in parentheses, so that the identity term is not read as its last term
    "1": ["h_T = (x_2 - x_1 + x_4 - x_3 + \\dots + x_T - x_{{T-1}}) + {k}x_1 - {k}x_1",
          "h_T = (x_T - x_{{T-1}} + x_{{T-2}} - x_{{T-3}} + \\cdots + x_2 - x_1) + {k} - {k}",
          "h_T = {k}T - {k}T + ((x_2 - x_1) + (x_4 - x_3) + \\ldots + (x_T - x_{{T-1}}))",
          "h_T = (x_1 - x_2 + x_3 - x_4 + \\dots + x_{{T-1}} - x_T) + {k} - {k}"],
    "4.1": ["(1 + 2 + 3 + \\dots + n) + {k}n - {k}n", "(n + (n-1) + \\dots + 2 + 1) + {k} - {k}",
            "{k}n - {k}n + (1 + 2 + \\cdots + (n-1)) + n"],
}


def make_answers(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """(part, answer) pairs, no text twice within a part."""
    from synth import Distinct, answers_for

    rng, distinct = random.Random(seed), Distinct()
    out = [(p, s[p]) for s in (answers_for(rng, distinct) for _ in range(count)) for p in PARTS if p in s]
    seen = set(out)
    for i in range(count // 4):
        part = rng.choice(sorted(_PATTERNS))
        pair = (part, rng.choice(_PATTERNS[part]).format(k=rng.randint(2, 10**6)))
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


def worker(count: int, profile: bool) -> dict:
    """Grade every answer with the fast paths off and on, in one process, chunk by chunk, the two modes taking
    turns (so that a burst of load elsewhere costs both alike); per mode, part and kind (plain or `...`): CPU
    seconds reading and comparing, and the verdicts."""
    from grader.assignment import load_assignment
    from grader.formula import fast, grade_formula, read_formula

    assignment = load_assignment(None)
    parts = {p.id: p for p in assignment.rubric.parts}
    ref = assignment.reference
    jobs = make_answers(count)
    random.Random(1).shuffle(jobs)
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)  # as the batch worker sets it
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    result: dict = {mode: {"totals": {}, "verdicts": {}, "outcomes": [None] * len(jobs)} for mode in ("off", "on")}
    clock = time.process_time
    chunk = 250
    for c, first in enumerate(range(0, len(jobs), chunk)):
        for mode in (("off", "on") if c % 2 == 0 else ("on", "off")):
            fast.set_enabled(mode == "on")  # and forget what the other mode cached
            for part in PARTS:  # a worker has read the references and wrong answers before the first student
                formula = ref.parts[part].formula
                grade_formula(formula, formula, parts[part].formula, constants=ref.constants)
            totals, verdicts = result[mode]["totals"], result[mode]["verdicts"]
            if prof is not None and mode == "on":
                prof.enable()
            for index, (part, answer) in enumerate(jobs[first:first + chunk], first):
                spec, reference = parts[part].formula, ref.parts[part].formula
                t0 = clock()
                read_formula(answer, spec, constants=ref.constants)
                t1 = clock()
                out = grade_formula(answer, reference, spec, constants=ref.constants)
                t2 = clock()
                kind = f"{part} {'...' if 'dots' in answer or '...' in answer else 'plain'}"
                row = totals.setdefault(kind, [0.0, 0.0, 0])
                row[0] += t1 - t0
                row[1] += t2 - t1
                row[2] += 1
                key = f"{out.details['verdict']} {out.score:g}"
                verdicts[key] = verdicts.get(key, 0) + 1
                result[mode]["outcomes"][index] = out.model_dump(mode="json")
            if prof is not None:
                prof.disable()
    if prof is not None:
        import pstats

        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    return result


def run_modes(count: int, profile: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--worker", "-n", str(count)] + (["--profile"] if profile else [])
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    if profile:
        print(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cold(runs: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds (the process and its children) of each command as a fresh interpreter. `grader grade` runs as this checkout runs it (with
    PYTHONDONTWRITEBYTECODE, as here, every start compiles the grader's sources) and with bytecode caches, as an
    installed package has them (in a cache folder of this run, filled by one run first; sympy's come with it)."""
    import tempfile

    py = sys.executable
    submission = str(ROOT / "submissions_example" / "ada_markdown")
    scratch = Path(tempfile.mkdtemp(prefix="bench_engine_"))
    out = str(scratch / "results.json")
    cached = {"PYTHONPYCACHEPREFIX": str(scratch / "pyc"), "PYTHONDONTWRITEBYTECODE": ""}
    grade = [py, "-m", "grader", "grade", submission, "-o", out]
    off = {"GRADER_FAST_PATHS": "0"}
    commands = {
        "python -c pass": ([py, "-c", "pass"], {}),
        "import sympy": ([py, "-c", "import sympy"], {}),
        "grader --help": ([py, "-m", "grader", "--help"], {}),
        "grader schema": ([py, "-m", "grader", "schema"], {}),
        "grader grade, fast paths off": (grade, off),
        "grader grade": (grade, {}),
        "grader grade, fast paths off, cached bytecode": (grade, {**off, **cached}),
        "grader grade, cached bytecode": (grade, cached),
    }

    def once(cmd: list[str], extra: dict[str, str]) -> tuple[float, float]:
        env = {**os.environ, **extra}
        for k in [k for k, v in extra.items() if not v]:
            env.pop(k)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    once(grade, cached)  # fills the bytecode cache
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(runs):  # interleaved: a burst of load on the machine hits every command alike
        for name, (cmd, extra) in commands.items():
            times[name].append(once(cmd, extra))
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)
    return {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=1000, help="students of the all-distinct class (default 1000)")
    ap.add_argument("--runs", type=int, default=10, help="cold runs of each command (default 10)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start figures")
    ap.add_argument("--profile", action="store_true", help="print a profile of the fast run")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.n, args.profile)))
        return
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; CPU time per answer")
    modes = run_modes(args.n, args.profile)
    base, ours = modes["off"], modes["on"]
    differ = sum(a != b for a, b in zip(base["outcomes"], ours["outcomes"]))
    print(f"{'part':10s} {'answers':>7s} {'read off':>9s} {'read on':>8s} {'':>6s} {'compare off':>12s} "
          f"{'compare on':>11s} {'':>6s}")
    sums = [0.0, 0.0, 0.0, 0.0, 0]
    for kind in sorted(base["totals"]):
        r0, c0, n = base["totals"][kind]
        r1, c1, _ = ours["totals"][kind]
        sums = [sums[0] + r0, sums[1] + r1, sums[2] + c0, sums[3] + c1, sums[4] + n]
        print(f"{kind:10s} {n:7d} {1000 * r0 / n:7.3f}ms {1000 * r1 / n:6.3f}ms {r0 / r1:5.2f}x "
              f"{1000 * c0 / n:10.3f}ms {1000 * c1 / n:9.3f}ms {c0 / c1:5.2f}x")
    r0, r1, c0, c1, n = sums
    print(f"{'all':10s} {n:7d} {1000 * r0 / n:7.3f}ms {1000 * r1 / n:6.3f}ms {r0 / r1:5.2f}x "
          f"{1000 * c0 / n:10.3f}ms {1000 * c1 / n:9.3f}ms {c0 / c1:5.2f}x")
    print(f"outcomes that differ with and without the fast paths (every field): {differ} of {n}")
    print(f"verdicts: {dict(sorted(ours['verdicts'].items()))}")
    if args.no_cold:
        return
    figures = cold(args.runs)
    wall0, cpu0 = figures["import sympy"]
    print(f"cold start, median of {args.runs} interleaved runs (wall, and CPU of the process and its children):")
    for name, (wall, cpu) in figures.items():
        print(f"  {name:46s} {1000 * wall:6.0f} ms {wall / wall0:5.2f}x   CPU {1000 * cpu:6.0f} ms {cpu / cpu0:5.2f}x"
              "  (of import sympy)")


if __name__ == "__main__":
    main()
