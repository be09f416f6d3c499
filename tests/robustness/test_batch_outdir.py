"""An output folder that fails under a batch (full disk, read-only, very long names), driven by
batch_outdir.yaml: one clear line and exit 2, never a traceback, and a second run that says what really
happened and ends with the grades of a run that never failed."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import zipfile
from pathlib import Path

import pytest
import yaml
from rbutil import ROOT

from grader.cli import main

import sys

sys.path.insert(0, str(ROOT / "tests" / "bench"))
from synth import generate_class  # noqa: E402

CASES = yaml.safe_load((Path(__file__).parent / "batch_outdir.yaml").read_text(encoding="utf-8"))
_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class FailingDisk:
    """Writes under `outdir` to paths containing `where` fail as a full (ENOSPC) or read-only (EROFS) disk would.

    The byte budget is shared memory, so the forked workers use up the same disk as the parent."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, outdir: Path, spec: dict):
        self.root = os.path.abspath(outdir) + os.sep
        self.where = spec["where"]
        self.errno = getattr(errno, spec["errno"])
        self.budget = multiprocessing.get_context("fork").Value("q", spec.get("after", 0))
        self.tracked: set[int] = set()
        self.real_open, self.real_write, self.real_close, self.real_mkdir = os.open, os.write, os.close, os.mkdir
        monkeypatch.setattr(os, "open", self.open)
        monkeypatch.setattr(os, "write", self.write)
        monkeypatch.setattr(os, "close", self.close)
        monkeypatch.setattr(os, "mkdir", self.mkdir)

    def _mine(self, path: object) -> bool:
        full = os.path.abspath(os.fsdecode(path)) if isinstance(path, (str, bytes, os.PathLike)) else ""
        return (full + os.sep).startswith(self.root) and self.where in full[len(self.root):]

    def _fail(self, path: object = None) -> OSError:
        return OSError(self.errno, os.strerror(self.errno), *(() if path is None else (os.fspath(path),)))

    def open(self, path, flags, mode=0o777, *, dir_fd=None):
        mine = self._mine(path) and flags & _WRITING
        if mine and self.errno == errno.EROFS:
            raise self._fail(path)
        fd = self.real_open(path, flags, mode, dir_fd=dir_fd)
        if mine:
            self.tracked.add(fd)
        return fd

    def write(self, fd, data):
        if fd not in self.tracked:
            return self.real_write(fd, data)
        with self.budget.get_lock():
            room = min(len(data), self.budget.value)
            if room <= 0:
                raise self._fail()
            self.budget.value -= room
        return self.real_write(fd, memoryview(data)[:room])

    def close(self, fd):
        self.tracked.discard(fd)
        return self.real_close(fd)

    def mkdir(self, path, mode=0o777, *, dir_fd=None):
        if self.errno == errno.EROFS and self._mine(path) and not os.path.exists(path):
            raise self._fail(path)
        return self.real_mkdir(path, mode, dir_fd=dir_fd)


def _class(spec: dict, tmp: Path) -> Path:
    folder = tmp / "class"
    generate_class(folder, spec["students"], seed=17, export=spec.get("zip", False))
    for i in range(spec.get("long_names", 0)):
        name = ("é" * 127) if i % 2 else ("l" * 253 + str(i))  # 254 bytes, as a file name may hold at most 255
        (folder / name).mkdir()
        (folder / name / "answers.md").write_text(f"## 4.1\nn(n+{i})/2\n", encoding="utf-8")
    if not spec.get("zip"):
        return folder
    archive = tmp / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return archive


def _batch(source: Path, out: Path, capsys) -> tuple[int, str, str]:
    code = main(["batch", str(source), "-o", str(out), "--jobs", "2"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _grades(out: Path) -> dict[str, list]:
    scores = {}
    for path in sorted((out / "results").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        scores[path.name] = [document["score"], [t["score"] for t in document["tests"]]]
    return scores


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_output_folder_failures(case, tmp_path, capsys, monkeypatch):
    source = _class(case["class"], tmp_path)
    assert _batch(source, tmp_path / "reference", capsys)[0] == 0

    out = tmp_path / "out"
    expect, then = case["expect"], case["then"]
    with monkeypatch.context() as patch:
        if "disk" in case:
            FailingDisk(patch, out, case["disk"])
        code, stdout, stderr = _batch(source, out, capsys)
    shown = stdout + stderr
    assert code == expect["exit"], shown
    if expect["exit"] == 2:
        assert stdout == "" and len(stderr.strip().splitlines()) == 1 and stderr.startswith("error: "), shown
    for fragment in expect["says"]:
        assert fragment in shown, (fragment, shown)
    if "unpacked_left" in expect:
        unpacked = out / ".batch" / "export"
        assert sum(p.stat().st_size for p in unpacked.rglob("*") if p.is_file()) == expect["unpacked_left"]

    code, again, again_err = _batch(source, out, capsys)
    assert code == then["exit"], again + again_err
    for fragment in then["says"]:
        assert fragment in again, (fragment, again)
    for fragment in then.get("never", []):
        assert fragment not in again, (fragment, again)

    for text in (shown, again, again_err, *(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))):
        assert "Traceback" not in text and 'File "' not in text
    assert [p.name for p in out.rglob("*") if p.name.endswith(".tmp")] == []
    assert _grades(out) == _grades(tmp_path / "reference")
    assert (out / "grades.csv").read_text(encoding="utf-8") == (tmp_path / "reference" / "grades.csv").read_text(encoding="utf-8")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a folder whatever its mode says")
def test_an_output_folder_without_write_permission(tmp_path, capsys):
    source = _class({"students": 3}, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        code, stdout, stderr = _batch(source, out, capsys)
    finally:
        out.chmod(0o755)
    assert code == 2 and stdout == "" and "cannot write there: permission denied" in stderr
    assert "Traceback" not in stderr
