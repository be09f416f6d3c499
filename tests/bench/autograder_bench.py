"""Figures for the Gradescope autograder: zip size, setup time, and per submission the run time, CPU time
and peak memory of run_autograder's whole process tree, against `grader grade` on the same submission
measured in the same run (the baseline).

Gradescope gives a run 768 MB and 0.5 vCPU by default: the CPU time doubled is what a CPU-bound run would
take there, and the peak is summed over the processes alive together (grader, sandbox worker, checks).

    .venv/bin/python tests/bench/autograder_bench.py [--setup] [--checks DIR] [--repeat N]

Without --setup the container uses this environment's interpreter instead of a fresh setup.sh install.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.autograder.build import build_autograder, unpack_autograder
from proctree import PeakRss

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "submissions_example"
LIMIT_MB = 768
VCPU = 0.5


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of the tree, peak summed RSS in MB."""
    before = os.times()
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    peak = PeakRss(proc)
    proc.wait()
    peak_mb = peak.mb()
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} exited with {proc.returncode}")
    return wall, cpu, peak_mb


def submissions() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() or p.name == "ivan.md")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help="install with the zip's setup.sh (needs the index)")
    parser.add_argument("--checks", type=Path, help="unittest checks to pack and run too")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        report = build_autograder(output=tmp / "autograder.zip", checks=args.checks)
        print(f"zip: {report.size / 1024:.0f} KiB ({len(report.requirements)} pinned requirements), "
              f"built in {time.perf_counter() - t0:.1f} s")
        root = tmp / "root"
        unpack_autograder(report.path, root / "source")
        env = {**os.environ, "GRADER_AUTOGRADER_ROOT": str(root)}
        env.pop("GRADER_AUTOGRADER_CRASH", None)
        if args.setup:
            t0 = time.perf_counter()
            subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            print(f"setup.sh: {time.perf_counter() - t0:.1f} s, venv {_du_mb(root / 'venv'):.0f} MB")
        else:
            (root / "venv").symlink_to(Path(sys.prefix))
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        grader_cli = [sys.executable, "-m", "grader", "grade"]

        print(f"\n{'submission':<16} {'run s':>6} {'cpu s':>6} {'@0.5vCPU':>9} {'peak MB':>8} "
              f"{'grade s':>8} {'ratio':>6} {'grade MB':>9}")
        ratios, peaks, estimates = [], [], []
        for submission in submissions():
            target = root / "submission"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            for file in submission.iterdir() if submission.is_dir() else [submission]:
                shutil.copy(file, target / file.name)
            runs = [measure([str(root / "run_autograder")], env) for _ in range(args.repeat)]
            base = [measure([*grader_cli, str(submission)], env) for _ in range(args.repeat)]
            wall, cpu, peak = (statistics.median(r[i] for r in runs) for i in range(3))
            bwall, _, bpeak = (statistics.median(r[i] for r in base) for i in range(3))
            json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
            ratios.append(wall / bwall)
            peaks.append(peak)
            estimates.append(max(wall, cpu / VCPU))
            print(f"{submission.name:<16} {wall:>6.2f} {cpu:>6.2f} {max(wall, cpu / VCPU):>9.2f} {peak:>8.0f} "
                  f"{bwall:>8.2f} {wall / bwall:>6.2f} {bpeak:>9.0f}")
        print(f"\nrun_autograder / grader grade: median ratio {statistics.median(ratios):.2f}; "
              f"slowest at 0.5 vCPU {max(estimates):.1f} s; peak {max(peaks):.0f} MB of {LIMIT_MB} MB")
    return 0


def _du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 1024 / 1024


if __name__ == "__main__":
    sys.exit(main())
