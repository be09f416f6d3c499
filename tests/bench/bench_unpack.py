"""Unpacking hostile and ordinary Gradescope exports: time, bytes written and peak memory.

    .venv/bin/python tests/bench/bench_unpack.py [--members 520] [--member-mb 8]

The hostile export is the one a student (or a broken scanner) can make: `--members` submissions of one
zero-filled `scan.pdf` of `--member-mb` MB each (520 x 8 MB packs to about 4.3 MB). The ordinary export has
as many submissions, each a small answers.md and a 200 KB incompressible scan.pdf. In the same run, for
scale: the time to list the hostile zip's members (`zipfile.ZipFile(...).infolist()`), which no unpacking
can beat. Last, reading a 9 MB submission_metadata.yml of 600 students (their earlier results included).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import gradescope_metadata  # noqa: E402

from grader.batch.intake.sources import SourceError, find_submissions, read_metadata  # noqa: E402


def _written(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _build(path: Path, members: int, member: bytes, answers: bool) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("submission_metadata.yml", "".join(
            f"submission_{i}:\n  :submitters:\n  - :name: Student {i}\n    :sid: '{i}'\n" for i in range(members)))
        for i in range(members):
            zf.writestr(f"submission_{i}/scan.pdf", member)
            if answers:
                zf.writestr(f"submission_{i}/answers.md", f"## 4.1\nn(n+{i})/2\n")


def _unpack(archive: Path, target: Path) -> tuple[float, int, str]:
    started = time.perf_counter()
    try:
        found = find_submissions(archive, unpack_to=target)
        outcome = f"{len(found.entries)} submissions; " + (" / ".join(found.notes) or "no notes")
    except SourceError as exc:
        outcome = f"refused: {exc}"
    return time.perf_counter() - started, _written(target), outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=520)
    parser.add_argument("--member-mb", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-unpack-") as tmp_name:
        tmp = Path(tmp_name)
        hostile, ordinary = tmp / "hostile.zip", tmp / "ordinary.zip"
        started = time.perf_counter()
        _build(hostile, args.members, bytes(args.member_mb * 1024 * 1024), answers=False)
        _build(ordinary, args.members, __import__("os").urandom(200 * 1024), answers=True)
        print(f"built: hostile {hostile.stat().st_size / 1e6:.1f} MB ({args.members} x {args.member_mb} MB of zeros), "
              f"ordinary {ordinary.stat().st_size / 1e6:.1f} MB, in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        with zipfile.ZipFile(hostile) as zf:
            zf.infolist()
        listing = time.perf_counter() - started
        for name, archive in (("hostile", hostile), ("ordinary", ordinary)):
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            seconds, written, outcome = _unpack(archive, tmp / f"out-{name}")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(f"{name:>8}: {seconds:.3f} s ({seconds / listing:,.0f}x listing the hostile zip, {listing * 1e3:.1f} ms), "
                  f"wrote {written / 1e6:,.1f} MB, peak memory {peak / 1024:.0f} MB (+{(peak - before) / 1024:.0f}); "
                  f"{outcome[:300]}", flush=True)
        metadata(tmp)


def metadata(tmp: Path) -> None:
    path = tmp / "submission_metadata.yml"
    path.write_text(gradescope_metadata(600, 4), encoding="utf-8")
    started = time.perf_counter()
    records, problem = read_metadata(path)
    seconds = time.perf_counter() - started
    tracemalloc.start()  # a second read, traced: the Python memory the reading holds at its peak
    read_metadata(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    named = sum(1 for r in records.values() if r["submitters"])
    print(f"metadata: {path.stat().st_size / 1e6:.1f} MB, 600 records with 4 earlier results each: {seconds:.2f} s, "
          f"{named} named, peak Python memory {peak / 1e6:.1f} MB{'; ' + problem if problem else ''}")


if __name__ == "__main__":
    main()
