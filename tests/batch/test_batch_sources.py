"""Reading a class: plain folders and Gradescope exports (folders and zips), driven by exports.yaml."""

from __future__ import annotations

import random
import stat
import zipfile
from pathlib import Path

import pytest
import yaml
from synth import gradescope_metadata

from grader.batch.intake import unpack
from grader.batch.intake.sources import METADATA_FILE, SourceError, find_submissions

CASES = yaml.safe_load((Path(__file__).parent / "exports.yaml").read_text(encoding="utf-8"))
ANSWERS = "## 4.1\nn(n+1)/2\n"


def _member(spec: str | dict) -> bytes:
    """A member's bytes: text, or `{zeros: N}`, `{random: N}` (incompressible), `{words: N}` (text that
    packs about 3x)."""
    if isinstance(spec, str):
        return spec.encode("utf-8")
    rng = random.Random(spec.get("seed", 0))
    if "zeros" in spec:
        return bytes(spec["zeros"])
    if "random" in spec:
        return rng.randbytes(spec["random"])
    words = ["attention", "encoder", "decoder", "vector", "the", "sequence", "length", "weighted", "sum", "state"]
    return " ".join(rng.choice(words) + str(rng.randrange(100)) for _ in range(spec["words"])).encode()


def _generated(case: dict) -> dict:
    """A case with `generated: {submissions: N, history: H}`: N named students, every one expected by name."""
    n, history = case["generated"]["submissions"], case["generated"]["history"]
    case = {**case, "metadata": gradescope_metadata(n, history), "folders": [f"submission_{1000 + i}" for i in range(n)]}
    case["expect"] = {f"submission_{1000 + i}": {"who": f"Student {i}", "sid": str(i), "email": f"s{i}@example.edu"}
                      for i in range(n)}
    case["expect"]["submission_link"] = {"who": "submission_link", "sid": "", "email": "", "answers": False,
                                         "left_out": ["answers.md"]}
    return case


def _build(case: dict, root: Path) -> Path:
    files = {f"{folder}/answers.md": ANSWERS for folder in case["folders"]}
    if "metadata" in case:
        assert len(case["metadata"]) >= case.get("min_metadata_mb", 0) * 1e6
        files[METADATA_FILE] = case["metadata"]
    if not case.get("zip"):
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        return root
    root.mkdir(parents=True, exist_ok=True)
    archive = root / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:  # as Gradescope packs them
        for name, text in files.items():
            zf.writestr(case.get("wrap", "") + name, text)
        for name, spec in (case.get("extra_members") or {}).items():
            zf.writestr(name, _member(spec))
        link = zipfile.ZipInfo(case.get("wrap", "") + "submission_link/answers.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    data = archive.read_bytes()
    for name, raw in (case.get("name_bytes") or {}).items():
        old, new = name.encode("utf-8"), bytes.fromhex(raw)
        assert len(old) == len(new) and data.count(old) == 2, name  # the local and the central header
        data = data.replace(old, new)
    archive.write_bytes(data)
    return archive


def _bytes_under(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_export_layouts(case, tmp_path, monkeypatch):
    for name, value in (case.get("limits") or {}).items():
        monkeypatch.setattr(unpack, name, value)
    if "generated" in case:
        case = _generated(case)
    source = _build(case, tmp_path / "in")
    if "refused" in case:
        with pytest.raises(SourceError, match=case["refused"]):
            find_submissions(source, unpack_to=tmp_path / "unpacked")
        assert _bytes_under(tmp_path / "unpacked") == 0  # a refused export leaves nothing behind
        return
    found = find_submissions(source, unpack_to=tmp_path / "unpacked")
    if "max_unpacked_kb" in case:
        assert _bytes_under(tmp_path / "unpacked") <= case["max_unpacked_kb"] * 1024
    by_name = {e.name: e for e in found.entries}
    assert sorted(by_name) == sorted(case["expect"])
    for name, want in case["expect"].items():
        entry = by_name[name]
        assert entry.who == want["who"]
        assert "; ".join(s.sid for s in entry.submitters if s.sid) == str(want["sid"])
        assert "; ".join(s.email for s in entry.submitters if s.email) == want["email"]
        if name in case["folders"]:
            assert (entry.path / "answers.md").read_text(encoding="utf-8") == ANSWERS
        if want.get("answers", True) is False:
            assert not any(entry.path.iterdir())
        assert sorted(path for path, _ in entry.left_out) == sorted(want.get("left_out", [])), entry.left_out
    for fragment in case.get("notes", []):
        assert any(fragment in note for note in found.notes), (fragment, found.notes)
    if not case.get("notes"):
        assert found.notes == []
    # Nothing escaped the unpacking folder, and no link was created.
    assert not (tmp_path / "escaped.md").exists() and not Path("/abs.md").exists()
    assert not any(p.is_symlink() for p in (tmp_path / "unpacked").rglob("*"))


def test_a_zip_is_unpacked_once_and_reused(tmp_path):
    case = next(c for c in CASES if c.get("zip"))
    archive = _build(case, tmp_path / "in")
    first = find_submissions(archive, unpack_to=tmp_path / "unpacked")
    marker = first.entries[0].path / "answers.md"
    mtime = marker.stat().st_mtime_ns
    again = find_submissions(archive, unpack_to=tmp_path / "unpacked")
    assert [e.path for e in again.entries] == [e.path for e in first.entries]
    assert again.notes == first.notes
    assert marker.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("content", [None, b"not a zip"], ids=["missing", "not-a-zip"])
def test_an_unreadable_source_is_a_clear_error(tmp_path, content):
    path = tmp_path / "class.zip"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match="class.zip"):
        find_submissions(path, unpack_to=tmp_path / "unpacked")


def test_what_went_wrong_reading_the_class_heads_the_summary_and_the_report(tmp_path, hw3):
    from grader.batch import run_batch
    from grader.batch.outputs.progress import Progress

    case = next(c for c in CASES if c["name"] == "broken-metadata-costs-only-the-names")
    archive = _build({**case, "zip": True}, tmp_path / "in")
    summary = run_batch(submissions=archive, outdir=tmp_path / "out", assignment=hw3, jobs=1,
                        progress=Progress(0, enabled=False))
    lines = summary.text.splitlines()
    assert lines[1].startswith("  ! NO NAMES: 2 of 2 submissions") and "could not be read" in lines[1]
    assert lines[2].startswith("  ! export.zip: 1 member not unpacked (a link")
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="source-notes"' in report and "NO NAMES: 2 of 2 submissions" in report
