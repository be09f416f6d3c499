"""Helpers for the robustness tests: a container root to run `run_autograder` on, submission files built from
data specs, what a student can see in a results.json, and a record of every file the process opens."""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from grader.autograder.policy import VISIBILITY_ORDER
from grader.autograder.run import MANIFEST

ROOT = Path(__file__).resolve().parents[2]
METADATA = ROOT / "tests" / "autograder" / "data" / "metadata.json"


def make_source(root: Path, policy: dict[str, Any] | None = None) -> Path:
    """`root/source` as the unpacked autograder zip holds it: the HW3 rubric and reference and the manifest.
    Returns the rubric's path."""
    source = root / "source"
    (source / "assignment" / "rubrics").mkdir(parents=True, exist_ok=True)
    (source / "assignment" / "reference").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "reference" / "hw3.yaml", source / "assignment" / "reference" / "hw3.yaml")
    text = (ROOT / "rubrics" / "hw3.yaml").read_text(encoding="utf-8")
    if policy:
        text = text.rstrip("\n") + "\n\n" + yaml.safe_dump({"gradescope": policy}, sort_keys=False)
    rubric = source / "assignment" / "rubrics" / "hw3.yaml"
    rubric.write_text(text, encoding="utf-8")
    (source / MANIFEST).write_text(json.dumps({"rubric": "assignment/rubrics/hw3.yaml"}), encoding="utf-8")
    shutil.copy(METADATA, root / "submission_metadata.json")
    return rubric


def fill(text: str, context: dict[str, str]) -> str:
    for name, value in context.items():
        text = text.replace("{" + name + "}", value)
    return text


def content(spec: Any, context: dict[str, str]) -> bytes:
    """The bytes a file spec describes: `text` (with `encoding`, default UTF-8), `hex`, `repeat` × `times`,
    `pad_mb` (the text, then filler lines up to that many megabytes) or `pieces` (a list of specs, joined).
    `{name}` placeholders in texts are filled from `context`."""
    if isinstance(spec, str):
        spec = {"text": spec}
    if "pieces" in spec:
        return b"".join(content(piece, context) for piece in spec["pieces"])
    if "hex" in spec:
        return bytes.fromhex(spec["hex"]) * spec.get("times", 1)
    encoding = spec.get("encoding", "utf-8")
    if "repeat" in spec:
        return (spec["repeat"] * spec["times"]).encode(encoding)
    data = fill(spec["text"], context).encode(encoding)
    if "pad_mb" in spec:
        filler = b"filler line that is not an answer\n"
        data += filler * ((spec["pad_mb"] * 1024 * 1024 - len(data)) // len(filler) + 1)
    return data


def build_submission(folder: Path, files: dict[str, Any], context: dict[str, str]) -> None:
    """Write a submission folder. Besides file specs: `{symlink: target}`, `{links: N, to: target}` (N links),
    `{fifo: true}`, `{folder: {...}}` (a subfolder) and `{zip: {name: spec}}` (a real zip of those files)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in files.items():
        path = folder / name
        if isinstance(spec, dict) and "symlink" in spec:
            path.symlink_to(fill(spec["symlink"], context))
        elif isinstance(spec, dict) and "fifo" in spec:
            os.mkfifo(path)
        elif isinstance(spec, dict) and "folder" in spec:
            build_submission(path, spec["folder"], context)
        elif isinstance(spec, dict) and "zip" in spec:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                for inner, inner_spec in spec["zip"].items():
                    archive.writestr(inner, content(inner_spec, context))
            path.write_bytes(buffer.getvalue())
        elif isinstance(spec, dict) and "links" in spec:  # `links` symbolic links named `<name>0000`, ...
            for i in range(spec["links"]):
                (folder / f"{name}{i:04}").symlink_to(fill(spec["to"], context))
        else:
            path.write_bytes(content(spec, context))


def visible_tests(document: dict[str, Any], when: str) -> list[dict[str, Any]]:
    """The tests a student sees at `when` ("visible" = now, "after_due_date", "after_published")."""
    default = document.get("visibility", "visible")
    limit = VISIBILITY_ORDER.index(when)
    return [t for t in document["tests"] if VISIBILITY_ORDER.index(t.get("visibility", default)) <= limit]


def student_strings(document: dict[str, Any], when: str = "visible") -> list[str]:
    """Every string a student can read at `when`: the top-level output, and each visible test's name and output
    (`extra_data` is stored, not shown; `stdout` is for instructors only)."""
    strings = [document.get("output", "")]
    for test in visible_tests(document, when):
        strings += [test.get("name", ""), test.get("output", "")]
    return [s for s in strings if s]


def flat(text: str) -> str:
    return " ".join(text.split())


_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
_LIVE = re.compile(
    r"(?<!\\)<[A-Za-z/!?]"                    # an HTML tag or comment
    r"|(?<!\\)\[(?:[^\]\\]|\\.)*(?<!\\)\]\("  # a link or an image: [text](target)
    r"|(?<![\\:])\b(?:https?|javascript):(?=//|\S)"  # an autolink
    r"|[\u202a-\u202e\u2066-\u2069\u200b-\u200f]"   # text that is reordered or hidden
)


def live_markup(markdown: str) -> list[str]:
    """Pieces of Markdown that would render as markup (outside code spans), or reorder or hide text."""
    text = _CODE_SPAN.sub(" ", markdown)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)  # the grader's own reading of a formula
    return [m.group() for m in _LIVE.finditer(text)]


def rendered(markdown: str) -> str:
    """The characters Markdown displays for escaped text: backslash escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown))


class OpenRecorder:
    """Records, through an audit hook, the real path of every file opened or listed while it is active.

    An audit hook cannot be removed, so one hook is installed for the whole test run and switched on and off.
    A forked sandbox worker inherits the hook: it appends what it opens to a spill file the recording reads."""

    _active: list[str] | None = None
    _installed = False
    _pid = 0
    _spill = ""

    @classmethod
    def _hook(cls, event: str, args: tuple) -> None:
        record = cls._active
        if record is None or event not in ("open", "os.listdir", "os.scandir"):
            return
        target = args[0] if args else None
        if isinstance(target, (str, bytes, os.PathLike)):
            cls._active = None  # realpath opens nothing, but keep the hook from seeing its own work
            try:
                path = os.path.realpath(os.fsdecode(target))
                if os.getpid() == cls._pid:
                    record.append(path)
                elif path != cls._spill:
                    fd = os.open(cls._spill, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                    try:
                        os.write(fd, os.fsencode(path) + b"\0")
                    finally:
                        os.close(fd)
            finally:
                cls._active = record

    @classmethod
    @contextmanager
    def recording(cls) -> Iterator[list[str]]:
        import tempfile

        if not cls._installed:
            sys.addaudithook(cls._hook)
            cls._installed = True
        record: list[str] = []
        fd, spill = tempfile.mkstemp(prefix="opened-")
        os.close(fd)
        cls._pid, cls._spill = os.getpid(), os.path.realpath(spill)
        cls._active = record
        try:
            yield record
        finally:
            cls._active = None
            with open(spill, "rb") as handle:
                record.extend(os.fsdecode(p) for p in handle.read().split(b"\0") if p)
            os.unlink(spill)
