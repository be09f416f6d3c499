"""Accuracy and time per check of three equivalence checkers on the same hand-written cases, in one run:

    .venv/bin/python tests/bench/bench_equivalence.py                   # the formula case table
    .venv/bin/python tests/bench/bench_equivalence.py --suite FILE.yaml # another suite in the same case format
    .venv/bin/python tests/bench/bench_equivalence.py --timeout 5 --list  # per-case time limit; list the misses

- engine: `grade_formula` as the pipeline calls it, judged as tests/formula/test_cases_table.py judges it;
- simplify: sympy parses both texts (parse_latex, else parse_expr; our own data, never student input) with the
  variables' domains as assumptions, and `simplify(a - b) == 0` decides;
- sampling: the same parse, evaluated at 8 seeded random points of the domains; equal within 1e-9 (or the
  case's tolerance) at every point where both are finite is "equivalent".
The baselines run in a forked process per case with a time limit; a timeout or a parse failure is "undecided".
They cannot flag for review, so a case that expects only `review` counts against them unless they say
`not_equivalent` where that is accepted. "False equivalent" is full marks where the case expects none.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "formula" / "cases"))

from table import load_cases, run_case  # noqa: E402

SAMPLES = 8


def _symbols(case):
    import sympy as sp

    kinds = {
        "real": dict(real=True), "positive_real": dict(positive=True), "nonnegative_real": dict(nonnegative=True),
        "integer": dict(integer=True), "positive_integer": dict(positive=True, integer=True),
        "nonnegative_integer": dict(nonnegative=True, integer=True), "complex": dict(),
    }
    return {n: sp.Symbol(n, **kinds.get(d, {})) for n, d in case.variables.items()}


def _parse(text, case, syms):
    """The text as a sympy expression, or None."""
    import sympy as sp
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application,
                                            parse_expr, standard_transformations)

    text = text.split("=")[-1].strip()
    unit = bool(case.raw.get("imaginary_unit")) or "complex" in case.variables.values()
    local = {"e": sp.E, "pi": sp.pi, "ln": sp.log, **({"i": sp.I} if unit else {}), **syms}
    expr = None
    if "\\" in text or "{" in text:
        try:
            from sympy.parsing.latex import parse_latex

            expr = parse_latex(text, backend="lark")
        except Exception:
            expr = None
    if expr is None:
        try:
            tr = standard_transformations + (implicit_multiplication_application, convert_xor)
            expr = parse_expr(text, local_dict=local, transformations=tr)
        except Exception:
            return None
    if not isinstance(expr, sp.Basic):
        return None
    # parse_latex makes plain symbols: give them the case's assumptions and the constants their meaning
    subs = {s: syms[s.name] for s in expr.free_symbols if s.name in syms}
    subs.update({s: local[s.name] for s in expr.free_symbols if s.name in ("e", "pi", "i") and s.name in local})
    return expr.subs(subs)


def _draw(domain, rng):
    if domain == "real":
        return rng.uniform(-10, 10)
    if domain in ("positive_real", "nonnegative_real"):
        return rng.uniform(0.01, 10)
    if domain == "integer":
        return rng.randint(-20, 20)
    if domain == "positive_integer":
        return rng.randint(1, 20)
    if domain == "nonnegative_integer":
        return rng.randint(0, 20)
    return complex(rng.uniform(-5, 5), rng.uniform(-5, 5))


def _baselines(case, conn):
    """Runs in a forked child: both baseline verdicts with their times."""
    import sympy as sp

    syms = _symbols(case)
    try:
        a, b = _parse(case.answer, case, syms), _parse(case.reference, case, syms)
    except Exception:
        a = b = None
    if a is None or b is None:
        conn.send(("undecided", 0.0, "undecided", 0.0))
        return
    t0 = time.perf_counter()
    try:
        sampled = _sample(a, b, case, syms)
    except Exception:
        sampled = "undecided"
    t1 = time.perf_counter()
    conn.send(("partial", sampled, (t1 - t0) * 1000))
    try:
        simp = "equivalent" if sp.simplify(a - b) == 0 else "not_equivalent"
    except Exception:
        simp = "undecided"
    conn.send((simp, (time.perf_counter() - t1) * 1000, sampled, (t1 - t0) * 1000))


def _sample(a, b, case, syms):
    rng = random.Random(0)
    tol = float(case.raw.get("tolerance") or 1e-9)
    agreed = 0
    for _ in range(SAMPLES):
        point = {syms[n]: _draw(d, rng) for n, d in case.variables.items()}
        va, vb = complex(a.evalf(30, subs=point)), complex(b.evalf(30, subs=point))
        if any(v != v or abs(v) == float("inf") for v in (va, vb)):
            continue
        if abs(va - vb) > tol * max(1.0, abs(vb)):
            return "not_equivalent"
        agreed += 1
    return "equivalent" if agreed else "undecided"


def baselines(case, timeout):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_baselines, args=(case, child), daemon=True)
    proc.start()
    child.close()
    sampled, sampled_ms, result = "undecided", timeout * 1000, None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and result is None:
        if not parent.poll(max(0.0, deadline - time.monotonic())):
            break
        try:
            msg = parent.recv()
        except EOFError:  # the child died (a crash in sympy): undecided
            break
        if msg[0] == "partial":
            sampled, sampled_ms = msg[1], msg[2]
        else:
            result = msg
    if proc.is_alive():
        proc.kill()
    proc.join()
    if result is None:
        return "undecided", timeout * 1000, sampled, sampled_ms
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", type=Path, action="append", help="a YAML file of cases (default: the case table)")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per baseline check")
    ap.add_argument("--list", action="store_true", help="list the cases each checker gets wrong")
    args = ap.parse_args(argv)
    cases = load_cases(args.suite)
    rows = {"engine": [], "simplify": [], "sampling": []}
    run_case(cases[0])  # imports and first-use set-up, outside the timings
    for case in cases:
        t0 = time.perf_counter()
        j = run_case(case)
        rows["engine"].append((case, j.observed, (time.perf_counter() - t0) * 1000))
        simp, simp_ms, samp, samp_ms = baselines(case, args.timeout)
        rows["simplify"].append((case, simp, simp_ms))
        rows["sampling"].append((case, samp, samp_ms))
    print(f"{len(cases)} cases from {', '.join(str(p) for p in args.suite) if args.suite else 'tests/formula/cases'}")
    print(f"{'checker':10} {'right':>12} {'false equiv':>12} {'unreadable/undecided':>21} {'median ms':>10} {'worst ms':>9}")
    for name, got in rows.items():
        right = sum(v in c.expect for c, v, _ in got)
        false_eq = sum(v == "equivalent" and "equivalent" not in c.expect for c, v, _ in got)
        unsure = sum(v not in ("equivalent", "not_equivalent", "review") for c, v, _ in got)
        ms = [t for _, _, t in got]
        print(f"{name:10} {right:5} {100 * right / len(cases):5.1f}% {false_eq:12} {unsure:21} "
              f"{statistics.median(ms):10.2f} {max(ms):9.1f}")
        if args.list:
            for c, v, _ in got:
                if v not in c.expect:
                    print(f"    {name}: {c.id}: {v} (expected {'|'.join(sorted(c.expect))}): {c.answer} vs {c.reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
