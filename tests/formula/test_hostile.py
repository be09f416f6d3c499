"""Hostile inputs end within the bounds with status `invalid`, execute nothing, and leave other parts graded.

Each input is graded in a child process under a timeout, so a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT_S = 10.0

_CHILD = r"""
import json, sys, time, resource
resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))  # 2 GB: a blow-up fails here, not on the machine
from grader.formula import grade_formula, FormulaSpec
spec = FormulaSpec(variables={"n": {}}, points=10,
                   wrong_answers=[{"answer": "n(n-1)/2", "points": 5, "feedback": "diagonal"}])
answer = json.loads(sys.stdin.read())["answer"]
t = time.process_time()  # CPU time: a bound on the engine's work that a busy machine does not move
out = grade_formula(answer, "n(n+1)/2", spec)
elapsed = time.process_time() - t
other = grade_formula("\\binom{n+1}{2}", "n(n+1)/2", spec)  # the next part is still graded
print(json.dumps({"status": out.status, "verdict": out.details.get("verdict"), "error": out.error,
                  "elapsed": elapsed, "other": other.status}))
"""

HOSTILE = {
    "dunder import": "__import__('os').system('touch {marker}')",
    "attribute chain": "().__class__.__bases__[0].__subclasses__()",
    "attribute on a name": "n.__class__.__init__.__globals__",
    "exec": "exec(\"open('{marker}', 'w')\")",
    "eval": "eval('__import__(\"os\")')",
    "lambda": "(lambda: __import__('os').system('touch {marker}'))()",
    "getattr": "getattr(n, '__class__')",
    "tower 9^9^9": "9^9^9",
    "tower 9**9**9": "9**9**9",
    "tower 10^10^10": "10^10^10",
    "2^2^30": "2^2^30",
    "factorial(10^9)": "factorial(10^9)",
    "(10^9)!": "(10^9)!",
    "factorial(10**7)": "factorial(10**7)",
    "huge binomial": "binomial(10^9, 5*10^8)",
    "huge sum": "\\sum_{i=1}^{10^9} i",
    "huge exponent on n": "n^(10^8)",
    "200000 nested parentheses": "(" * 200_000 + "n" + ")" * 200_000,
    "1000 nested parentheses": "(" * 1000 + "n" + ")" * 1000,
    "nested braces": "{" * 5000 + "n" + "}" * 5000,
    "nested fractions": "\\frac{" * 300 + "n" + "}{2}" * 300,
    "5 MB formula": "n+" * 2_500_000 + "n",
    "5 MB of letters": "n" * 5_000_000,
    "50000 minus signs": "-" * 50_000 + "n",
    "many bangs": "n" + "!" * 1000,
    "NUL bytes": "n(n+1)/2\x00",
    "only NUL bytes": "\x00" * 1000,
    "\\input": "\\input{/etc/passwd}",
    "\\def": "\\def\\x{\\x\\x}\\x",
    "\\include": "\\include{secrets}",
    "\\write18": "\\immediate\\write18{touch {marker}}",
    "\\catcode": "\\catcode`\\^=12 n",
    "\\newcommand": "\\newcommand{\\n}{n} \\n",
    "\\expandafter": "\\expandafter\\x",
    "number literal": "1" * 5000,
    "exponent chain": "2^" * 500 + "2",
    "e tower": "e^{e^{e^{10}}}",
    "sine of a tower": "\\sin(10^{10^{10}})",
    "tower of exp": "\\exp(\\exp(\\exp(\\exp(10))))",
    "e to a huge power": "e^{10^{10}}",
    "sine of e^1000": "\\sin(e^{1000})",
    "cosh of a tower": "\\cosh(\\cosh(\\cosh(100)))",
    "huge product": "\\prod_{i=1}^{10^9} i",
    "deep abs bars": "|" * 3000 + "n" + "|" * 3000,
}

# Readable but expensive: they must end quickly; where a small point already decides, that verdict stands.
HEAVY = {
    "nested sums": "\\sum_{i=1}^{n}\\sum_{j=1}^{n}\\sum_{k=1}^{n}\\sum_{l=1}^{n} (i+j+k+l)",
    "nested sums, equal at small n": "\\sum_{i=1}^{n}\\sum_{j=1}^{n}\\sum_{k=1}^{n} \\frac{1}{n^2} + n(n-1)/2",
    "pattern of sums": "\\sum_{i=1}^{n}\\sum_{j=1}^{n} 1 + \\sum_{i=1}^{n}\\sum_{j=1}^{n} 2 + ... + n",
    "tower on a variable": "n^n^n^n^n",
    "huge but equal": "n(n+1)/2 + (n^n^n - n^n^n)",
    "e tower on a variable": "e^{e^{e^{n}}}",
    "sine of a huge power": "\\sin(n^{1000}) + n(n+1)/2",
    "tanh of a tower": "\\tanh(e^{e^{n}}) n(n+1)/2",
    "product of powers": "\\prod_{i=1}^{n} (1 + 1/i)^{i}",
    "exp of sums": "\\exp(\\sum_{i=1}^{n} \\ln(i)) / (n-1)! \\cdot (n+1)/2",
}


def _run(answer: str) -> tuple[dict, float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps({"answer": answer}),
        capture_output=True,
        check=False,
        text=True,
        timeout=TIME_LIMIT_S + 20,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Every input graded in its own child process, four at a time."""
    marker = tmp_path_factory.mktemp("hostile") / "pwned"
    inputs = {name: text.replace("{marker}", str(marker)) for name, text in {**HOSTILE, **HEAVY}.items()}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(_run, text) for name, text in inputs.items()}
        done = {name: f.result() for name, f in futures.items()}
    return done, marker


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_invalid_and_bounded(name, results):
    done, marker = results
    res, wall = done[name]
    assert res["status"] == "invalid", res
    assert res["error"], res
    assert res["elapsed"] < TIME_LIMIT_S / 2, res
    assert res["other"] == "correct"
    assert not marker.exists()
    assert wall < TIME_LIMIT_S + 20


@pytest.mark.parametrize("name", list(HEAVY))
def test_expensive_input_is_bounded(name, results):
    res, _ = results[0][name]
    assert res["status"] in ("invalid", "incorrect", "correct"), res
    if res["status"] == "invalid":
        assert res["verdict"] in ("undecided", "unreadable", "could_not_check")
    assert res["elapsed"] < TIME_LIMIT_S / 2, res
    assert res["other"] == "correct"


def test_blow_ups_during_checking_are_invalid_not_wrong():
    """A formula that reads fine but cannot be evaluated anywhere is "could not be checked", not "wrong"."""
    from grader.formula import FormulaSpec, grade_formula

    spec = FormulaSpec(variables={"n": {}}, points=10)
    out = grade_formula("n^n^n^n^n", "n(n+1)/2", spec)
    assert out.status in ("invalid", "incorrect")
    if out.status == "incorrect":
        assert out.details["verdict"] == "not_equivalent"  # decided at a point where it could be evaluated
    out = grade_formula("(n+10)^n^n^n", "(n+10)^(n^(n^n))", spec)
    assert out.status in ("invalid", "correct")


def test_long_implicit_product_is_read_not_crashed():
    """A run of letters up to the length cap splits into names without recursion, and gets a real verdict."""
    from grader.formula import FormulaSpec, grade_formula

    spec = FormulaSpec(variables={"n": {}}, points=10)
    for length in (1_000, 1_999):
        out = grade_formula("n" * length, "n(n+1)/2", spec)
        assert (out.status, out.details.get("verdict")) == ("incorrect", "not_equivalent"), out.error


def test_internal_failure_is_invalid(monkeypatch):
    from grader.formula import FormulaSpec, grade_formula
    from grader.formula import grade as grade_module

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(grade_module, "compare", boom)
    out = grade_formula("n+1", "n(n+1)/2", FormulaSpec(variables={"n": {}}, points=3))
    assert out.status == "invalid" and "could not be checked" in out.error
    assert out.details["verdict"] == "could_not_check"
