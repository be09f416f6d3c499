"""Build the zip an instructor uploads to a Gradescope programming assignment.

Root of the zip (unpacked to /autograder/source): `setup.sh` and `run_autograder` (LF, executable),
`wheels/` (grader itself, as it runs here, and every dependency as a wheel for Gradescope's CPython 3.10 on
manylinux x86_64, so setup.sh installs offline; see bundle.py), `requirements.txt` (the dependencies pinned
to those wheels), `assignment/` (the rubric and its
reference, byte for byte, in their relative layout), `checks/` (optional unittest checks) and
`autograder.json` (what `run` needs to find them), and `wordnet/` (WordNet's data for the text engine's
near-synonyms, when this machine has it and a text part uses them). Entries carry fixed dates: the same inputs give the
same zip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from grader import __version__
from grader.assignment import load_assignment
from grader.autograder.bundle import BundleError, target_wheels, wheel_from_installed
from grader.autograder.policy import GradescopePolicy
from grader.autograder.release import fallback_document, grading_failed_message
from grader.autograder.run import MANIFEST
from grader.writers.gradescope import validate_results

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_NEVER_PINNED = {"pip", "setuptools", "wheel", "grader"}
# The shell backstop ends Python this long after the grader's own budget (which already stops it).
HARD_LIMIT_SLACK = 30


class BuildError(Exception):
    """The zip cannot be built; the message says why and what to do."""


@dataclass(frozen=True)
class BuildReport:
    path: Path
    size: int
    files: list[str]
    requirements: list[str]
    wheel: str


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_requirements(root: str = "grader") -> list[str]:
    """`name==version` for every distribution `root` needs, transitively, as installed in this environment.

    Markers are evaluated for this interpreter: build with the Python the container runs (3.10) to pin
    exactly what it needs; anything a different Python would add is resolved by pip at setup.
    """
    from packaging.requirements import Requirement

    pins: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while queue:
        name, extras = queue.pop()
        if (_canonical(name), extras) in seen:
            continue
        seen.add((_canonical(name), extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise BuildError(f"{name} is required but not installed here; install grader with `pip install .`") from None
        pins[_canonical(dist.metadata["Name"])] = f"{dist.metadata['Name']}=={dist.version}"
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            queue.append((req.name, frozenset(req.extras)))
    return sorted(pin for key, pin in pins.items() if key not in _NEVER_PINNED)


def project_root() -> Path | None:
    """The source checkout this grader runs from, if any (a wheel can only be built from one)."""
    candidate = Path(__file__).resolve().parents[2]
    pyproject = candidate / "pyproject.toml"
    if pyproject.is_file() and re.search(r'(?m)^name\s*=\s*"grader"', pyproject.read_text(encoding="utf-8")):
        return candidate
    return None


def build_wheel(into: Path) -> Path:
    """A wheel of the grader running here: built from its checkout (editable or in-tree), else rebuilt from
    the installed files (`pip install .` or a wheel)."""
    root = project_root()
    if root is None:
        try:
            return wheel_from_installed(into)
        except BundleError as exc:
            raise BuildError(str(exc)) from None
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(into), str(root)],
        capture_output=True, text=True,
    )
    wheels = sorted(into.glob("grader-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise BuildError(f"building the grader wheel failed:\n{proc.stderr.strip()}")
    return wheels[-1]


def _script(name: str, **values: str) -> bytes:
    text = resources.files("grader.autograder").joinpath(f"scripts/{name}").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        raise BuildError(f"scripts/{name} has an unfilled placeholder")
    return text.replace("\r\n", "\n").encode("utf-8")


def _checks_files(checks: Path) -> list[tuple[str, Path]]:
    if not checks.is_dir():
        raise BuildError(f"{checks}: the checks must be a folder of unittest files (test*.py)")
    files = []
    for path in sorted(checks.rglob("*")):
        rel = path.relative_to(checks)
        if path.is_symlink():
            raise BuildError(f"{path}: symbolic links are not packed; copy the file instead")
        if path.is_file() and "__pycache__" not in rel.parts and not any(p.startswith(".") for p in rel.parts):
            files.append((f"checks/{rel.as_posix()}", path))
    if not any(Path(name).name.startswith("test") and name.endswith(".py") for name, _ in files):
        raise BuildError(f"{checks}: no test*.py file; unittest would find no checks there")
    return files


def _wordnet_files() -> list[tuple[str, Path]]:
    """WordNet's index and data files as this machine has them (grader.text.lexicon), with their licence, for
    the text engine's near-synonyms; setup.sh puts them into the container's environment. None without them:
    the container then scores without near-synonyms, and `grader check` here says so already."""
    from grader.text import lexicon

    folder = lexicon.data_dir()
    if folder is None:
        return []
    files = [(p.name, p) for p in sorted(folder.iterdir()) if p.name.split(".")[0] in ("index", "data") and p.is_file()]
    licence = next((p for p in (Path("/usr/share/doc/wordnet-base/copyright"), folder / "LICENSE") if p.is_file()), None)
    return files + ([("LICENSE", licence)] if licence else [])


def _add(archive: zipfile.ZipFile, name: str, data: bytes, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    archive.writestr(info, data)


def build_autograder(
    *, output: Path, assignment: str | Path | None = None, checks: Path | None = None, wheel: Path | None = None,
    downloads: Path | None = None,
) -> BuildReport:
    """Write the autograder zip for `assignment` (a rubric file or folder; default the bundled HW3).

    `downloads` keeps the downloaded wheels between builds (pip reuses the files it finds there).
    """
    loaded = load_assignment(assignment)  # refuses a broken rubric before anything is written
    policy = loaded.rubric.gradescope or GradescopePolicy()
    base = Path(os.path.commonpath([loaded.rubric_path.parent, loaded.reference_path.parent]))
    entries: list[tuple[str, bytes, bool]] = [
        (f"assignment/{p.relative_to(base).as_posix()}", p.read_bytes(), False)
        for p in (loaded.rubric_path, loaded.reference_path)
    ]
    entries += [(name, path.read_bytes(), False) for name, path in (_checks_files(checks) if checks else [])]
    wordnet = _wordnet_files() if any(p.text and p.text.near_synonyms for p in loaded.rubric.parts) else []
    entries += [(f"wordnet/{name}", path.read_bytes(), False) for name, path in wordnet]

    fallback = fallback_document(grading_failed_message(0, 0))
    validate_results(fallback)
    entries.append(("setup.sh", _script("setup.sh", PIP_VERSION=metadata.version("pip")), True))
    entries.append(("run_autograder", _script(
        "run_autograder", FALLBACK_JSON=json.dumps(fallback, ensure_ascii=False),
        HARD_LIMIT=str(int(policy.time_budget) + HARD_LIMIT_SLACK)), True))

    manifest = {
        "grader_version": __version__,
        "assignment": loaded.id,
        "rubric": f"assignment/{loaded.rubric_path.relative_to(base).as_posix()}",
        "checks": "checks" if checks else None,
        "fingerprint": loaded.fingerprint(),
        "built_with_python": ".".join(map(str, sys.version_info[:3])),
        "wheels_for": "cp310-manylinux_x86_64",
        "wordnet": bool(wordnet),
    }
    entries.append((MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode(), False))

    with tempfile.TemporaryDirectory() as tmp:
        wheel_path = wheel or build_wheel(Path(tmp))
        if not wheel_path.is_file() or wheel_path.suffix != ".whl":
            raise BuildError(f"{wheel_path}: not a wheel file")
        entries.append((f"wheels/{wheel_path.name}", wheel_path.read_bytes(), False))
        prefer = dict(pin.split("==") for pin in pinned_requirements())
        try:
            deps, requirements = target_wheels(wheel_path, downloads or Path(tmp) / "downloads", prefer=prefer)
        except BundleError as exc:
            raise BuildError(str(exc)) from None
        entries += [(f"wheels/{p.name}", p.read_bytes(), False) for p in deps]
        entries.append(("requirements.txt", ("\n".join(requirements) + "\n").encode(), False))
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.partial")
        with zipfile.ZipFile(partial, "w") as archive:
            for name, data, executable in sorted(entries):
                _add(archive, name, data, executable=executable)
        os.replace(partial, output)
    return BuildReport(path=output, size=output.stat().st_size, files=sorted(n for n, _, _ in entries),
                       requirements=requirements, wheel=wheel_path.name)


def unpack_autograder(zip_path: Path, into: Path) -> None:
    """Unpack an autograder zip as Gradescope does (into `source/`), keeping the execute bits."""
    into = into.resolve()
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            target = (into / info.filename).resolve()
            if into not in target.parents:
                raise BuildError(f"{zip_path}: entry {info.filename!r} points outside the folder")
            if info.is_dir():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(target, (info.external_attr >> 16) & 0o777 or 0o644)
