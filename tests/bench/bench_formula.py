"""Throughput and verdicts of the formula engine against a naive sympy checker, on the same answers.

    .venv/bin/python tests/bench/bench_formula.py               # 3000 answers, both checkers, one process each
    .venv/bin/python tests/bench/bench_formula.py -n 5000 --jobs 2   # also the engine on 2 worker processes
    .venv/bin/python tests/bench/bench_formula.py --diff        # list the answers where the verdicts differ

The answers are generated (seeded) for parts 4.1, 4.2 and 4.3 of HW3 in a syntax both checkers accept
(`*`, `**`, `binomial`, `factorial`, `floor`, `ceiling`, `Min`, `Max`): equivalent rewrites of the reference and
of the rubric's known wrong answers, each with a different identity term so that no two texts are equal (no
cache hit on a student's text). The naive checker is what a first attempt looks like: `sympify` both sides
(its own generated data only) and call `simplify(a - b) == 0`, with the part's variables declared as positive
integers. The engine is `grade_formula` as the pipeline calls it (reading, sampling, wrong answers, feedback).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from grader.formula import grade_formula
from grader.rubric import Reference, Rubric

RUBRIC = Rubric.model_validate(yaml.safe_load((ROOT / "rubrics" / "hw3.yaml").read_text()))
REFERENCE = Reference.model_validate(yaml.safe_load((ROOT / "reference" / "hw3.yaml").read_text()))

# (form, equivalent to the reference?) per part; {z} is replaced by an identity term that is 0.
FORMS = {
    "4.1": [
        ("n*(n+1)/2", True), ("(n**2+n)/2", True), ("n**2/2 + n/2", True), ("binomial(n+1, 2)", True),
        ("binomial(n, 2) + n", True), ("factorial(n+1)/(2*factorial(n-1))", True), ("n*(n-1)/2 + n", True),
        ("floor(n/2) + ceiling(n/2) + n*(n-1)/2", True), ("(n+1)**2/2 - (n+1)/2", True),
        ("n*(n-1)/2", False), ("(n**2-n)/2", False), ("binomial(n, 2)", False), ("n**2/2", False), ("n**2", False),
        ("n*(n+1)", False), ("(n+1)*(n+2)/2", False), ("n*(n+1)/2 + 1", False),
    ],
    "4.2": [
        ("(t+1)*(2*n-t)/2", True), ("t*(t+1)/2 + (n-t)*(t+1)", True), ("n*(t+1) - t*(t+1)/2", True),
        ("n*t + n - t**2/2 - t/2", True), ("(n - t/2)*(t+1)", True), ("binomial(t+1, 2) + (n-t)*(t+1)", True),
        ("(t+1)*(2*n-t)/2 + Min(n, t) - t", True), ("(t+1)*(2*n-t)/2 + Max(n, t) - n", True),
        ("n*(t+1)", False), ("n*t", False), ("(t+1)*(2*n-t)/2 - n", False), ("t*(2*n-t-1)/2", False),
        ("(t+1)*(2*n+t)/2", False), ("n*(n+1)/2", False),
    ],
    "4.3": [
        ("n*(w+1)/2", True), ("n/w * w*(w+1)/2", True), ("(n/w)*binomial(w+1, 2)", True), ("n*w/2 + n/2", True),
        ("n*(w-1)/2 + n", True), ("n*(w+1)/2 + floor(n/w) - n/w", True),
        ("n*w", False), ("n*(w-1)/2", False), ("w*(w+1)/2", False), ("n*(w+1)", False), ("n/w", False),
    ],
}
VARS = {"4.1": ["n"], "4.2": ["n", "t"], "4.3": ["n", "w"]}
# The references in the naive checker's own syntax (main() checks they match reference/hw3.yaml).
NAIVE_REFERENCE = {"4.1": "n*(n+1)/2", "4.2": "(t+1)*(2*n-t)/2", "4.3": "n*(w+1)/2"}


def identity(rng: random.Random, var: str) -> str:
    a, b = rng.randint(1, 99), rng.randint(1, 99)
    return rng.choice([
        f"({var}+{a})*({var}-{a}) - ({var}**2 - {a * a})",
        f"{a}*{var} - {a}*{var}",
        f"({var}+{a})**2 - {var}**2 - {2 * a}*{var} - {a * a}",
        f"{a}*({var}+{b}) - {a}*{var} - {a * b}",
    ])


def make_answers(count: int, seed: int = 7) -> list[tuple[str, str, bool, str]]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[tuple[str, str, bool, str]] = []
    for _ in range(count * 50):
        if len(out) >= count:
            break
        part = rng.choice(list(FORMS))
        form, good = rng.choice(FORMS[part])
        text = f"{form} + {identity(rng, rng.choice(VARS[part]))}"
        if text in seen:
            continue
        seen.add(text)
        out.append((part, text, good, form))
    if len(out) < count:
        raise SystemExit(f"could generate only {len(out)} distinct answers")
    return out


def engine_verdict(part: str, text: str) -> str:
    spec = RUBRIC.part(part).formula
    out = grade_formula(text, REFERENCE.parts[part].formula, spec, constants=REFERENCE.constants)
    return out.details["verdict"]


def _engine_chunk(chunk):
    return [engine_verdict(p, t) for p, t, *_ in chunk]


def naive_verdict(part: str, text: str, cache: dict) -> str:
    import sympy as sp

    if part not in cache:
        syms = {v: sp.Symbol(v, integer=True, positive=True) for v in VARS[part]}
        cache[part] = (syms, sp.sympify(NAIVE_REFERENCE[part], locals=syms))
    syms, ref = cache[part]
    try:
        expr = sp.sympify(text, locals=syms)  # the benchmark's own generated text, never a student's
        return "equivalent" if sp.simplify(ref - expr) == 0 else "not_equivalent"
    except Exception:  # noqa: BLE001
        return "error"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=3000, help="number of answers")
    ap.add_argument("--jobs", type=int, default=1, help="also run the engine on this many worker processes")
    ap.add_argument("--diff", action="store_true", help="list the answers where the verdicts differ")
    args = ap.parse_args()
    answers = make_answers(args.n)
    load = os.getloadavg()[0]

    # warm: parse the references and wrong answers once, as a batch run does
    for part in FORMS:
        assert engine_verdict(part, NAIVE_REFERENCE[part]) == "equivalent", part

    par_rate = None
    if args.jobs > 1:  # workers forked now hold only the warmed references, like a batch run's workers
        chunks = [answers[i :: args.jobs] for i in range(args.jobs)]
        with Pool(args.jobs) as pool:
            pool.map(_engine_chunk, [[("4.1", "n", True, "n")]] * args.jobs)  # warm the workers
            t0 = time.perf_counter()
            pool.map(_engine_chunk, chunks)
            par_rate = len(answers) / (time.perf_counter() - t0)

    # the single-process run comes after the workers were forked, so they inherit no cached answer
    t0, c0 = time.perf_counter(), time.process_time()
    ours = [engine_verdict(p, t) for p, t, *_ in answers]
    t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0

    cache: dict = {}
    naive_verdict("4.1", "n", cache)
    t0, c0 = time.perf_counter(), time.process_time()
    naive = [naive_verdict(p, t, cache) for p, t, *_ in answers]
    t_naive, c_naive = time.perf_counter() - t0, time.process_time() - c0

    expected = ["equivalent" if g else "not_equivalent" for _, _, g, _ in answers]
    differ = [i for i in range(len(answers)) if ours[i] != naive[i]]
    ours_right = sum(o == e for o, e in zip(ours, expected))
    naive_right = sum(o == e for o, e in zip(naive, expected))
    r_ours, r_naive = len(answers) / t_ours, len(answers) / t_naive
    print(f"answers: {len(answers)} distinct texts (parts 4.1, 4.2, 4.3), "
          f"{sum(a[2] for a in answers)} equivalent to the reference by construction")
    cpu_ours, cpu_naive = len(answers) / c_ours, len(answers) / c_naive
    print(f"load average at start: {load:.1f} on {os.cpu_count()} CPUs (wall figures suffer under load)")
    print(f"engine (grade_formula):          {r_ours:8.0f} answers/s wall, {cpu_ours:8.0f} per CPU-second "
          f"({1000 / cpu_ours:.2f} ms CPU each)")
    if par_rate:
        print(f"engine on {args.jobs} processes:             {par_rate:8.0f} answers/s wall")
    print(f"naive (sympify + simplify(a-b)):  {r_naive:8.0f} answers/s wall, {cpu_naive:8.0f} per CPU-second "
          f"({1000 / cpu_naive:.2f} ms CPU each)")
    print(f"ratio engine / naive:            {r_ours / r_naive:8.1f}x wall, {cpu_ours / cpu_naive:.1f}x CPU")
    print(f"verdicts that differ:            {len(differ):8d}")
    print(f"verdicts right (by construction): engine {ours_right}/{len(answers)}, naive {naive_right}/{len(answers)}")
    print(f"engine verdicts: { {v: ours.count(v) for v in sorted(set(ours))} }")
    print(f"naive verdicts:  { {v: naive.count(v) for v in sorted(set(naive))} }")
    if args.diff:
        for i in differ:
            p, t, _, _ = answers[i]
            print(f"  {p}  {t!r}: engine {ours[i]}, naive {naive[i]}, truth {expected[i]}")
    if differ:
        print("differences by form (part, form: count, naive verdict):")
        by_form = Counter((answers[i][0], answers[i][3], naive[i]) for i in differ)
        for (p, form, v), c in sorted(by_form.items()):
            print(f"  {p}  {form:<45} {c:5d}  naive says {v}")

if __name__ == "__main__":
    main()
