"""Peak memory and time of the container run (`python -m grader.autograder.run`) on hostile submissions, against
a normal submission measured in the same run (the baseline).

The submissions are every case of tests/robustness/hostile_submissions.yaml, plus submissions built to cost
the most: formula bombs and 20,000-character answers in every part. For each run it prints the wall time,
the largest single process's peak RSS (getrusage of the finished process tree: the grader or its sandbox
worker, whichever peaked higher), the peak of the tree's summed RSS (sampled every 20 ms: what a
container's memory limit counts), and both peaks as a ratio of the baseline's. Gradescope's limit is 768 MB.

    .venv/bin/python tests/bench/bench_hostile.py [--repeat N] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "robustness"))
sys.path.insert(0, str(ROOT / "tests" / "bench"))
from proctree import PeakRss
from rbutil import build_submission, make_source

LIMIT_MB = 768
PARTS = ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]
_WORDS = "attention weighted sum of encoder states bottleneck alignment contextual embeddings sparse dense "
_BOMBS = ["9^9^9^9", "factorial(10^9)", "(" * 9000 + "n" + ")" * 9000, "\\frac{" * 3000 + "n" + "}{2}" * 3000,
          "n+" * 9000 + "n", "binomial(10^9, 5*10^8)", "\\sum_{i=1}^{10^9} i", "2^2^30"]
# The costliest submissions we know of, beside the table's: every part attacked at once.
HEAVY = [
    {"name": "formula bombs in every part",
     "files": {"answers.yaml": yaml.safe_dump(dict(zip(PARTS, _BOMBS)), width=10**9)}},
    {"name": "20,000 characters of rubric words in every part",
     "files": {"answers.yaml": yaml.safe_dump({p: (_WORDS * 300)[:20_000] for p in PARTS}, width=10**9)}},
    {"name": "20,000 characters of formula in every part",
     "files": {"answers.yaml": yaml.safe_dump({p: ("(n+1)*(t-w)/2 + " * 1300)[:20_000] for p in PARTS},
                                              width=10**9)}},
]


def measure(root: Path) -> tuple[float, float, float]:
    """Wall seconds, largest process peak (MB, getrusage), summed tree peak (MB, sampled) of one run."""
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
               "stderr=subprocess.DEVNULL, check=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    command = [sys.executable, "-c", wrapper, sys.executable, "-m", "grader.autograder.run", "--root", str(root)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    peak = PeakRss(proc)
    out, _ = proc.communicate()
    peak_mb = peak.mb()
    if proc.returncode != 0:
        raise SystemExit(f"the run on {root} failed ({proc.returncode})")
    return time.perf_counter() - started, int(out.strip().splitlines()[-1]) / 1024, peak_mb


def prepare(folder: Path, files: dict, context: dict[str, str]) -> Path:
    make_source(folder)
    build_submission(folder / "submission", files, context)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per submission (the median is shown)")
    parser.add_argument("--only", default="", help="only the submissions whose name contains this")
    args = parser.parse_args()
    table = yaml.safe_load((ROOT / "tests" / "robustness" / "hostile_submissions.yaml").read_text(encoding="utf-8"))
    cases = [c for c in table + HEAVY if args.only in c["name"] and c.get("submission") not in ("none", "link")]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        outside = tmp / "outside"
        (outside / "secret").mkdir(parents=True)
        (outside / "secret.md").write_text("## 4.1\nn(n+1)/2\n", encoding="utf-8")
        context = {"outside": str(outside), "marker": str(tmp / "pwned")}
        normal = {"answers.md": (ROOT / "submissions_example" / "ada_markdown" / "answers.md").read_text("utf-8")}

        def run(name: str, files: dict, index: int) -> tuple[float, float, float]:
            runs = [measure(prepare(tmp / f"case{index}-{i}", files, context)) for i in range(args.repeat)]
            return tuple(statistics.median(r[k] for r in runs) for k in range(3))  # type: ignore[return-value]

        base = run("baseline", normal, 0)
        print(f"{'submission':<62} {'wall s':>7} {'proc MB':>8} {'tree MB':>8} {'× base':>7}")
        print(f"{'baseline: a normal submission (ada_markdown)':<62} {base[0]:>7.2f} {base[1]:>8.0f} {base[2]:>8.0f} "
              f"{1:>7.2f}")
        worst = ("", 0.0, 0.0)
        for index, case in enumerate(cases, start=1):
            wall, proc_mb, tree_mb = run(case["name"], case["files"], index)
            print(f"{case['name'][:62]:<62} {wall:>7.2f} {proc_mb:>8.0f} {tree_mb:>8.0f} {tree_mb / base[2]:>7.2f}")
            if tree_mb > worst[2]:
                worst = (case["name"], proc_mb, tree_mb)
        print(f"\nbaseline peak {base[2]:.0f} MB (largest process {base[1]:.0f} MB); worst hostile: {worst[0]!r} "
              f"{worst[2]:.0f} MB (largest process {worst[1]:.0f} MB), {worst[2] / base[2]:.2f}× the baseline, "
              f"{100 * worst[2] / LIMIT_MB:.0f}% of Gradescope's {LIMIT_MB} MB")
        if (tmp / "pwned").exists():
            print("WARNING: a submission ran a command")
    return 0


if __name__ == "__main__":
    sys.exit(main())
