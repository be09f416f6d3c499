"""The wheels an autograder zip carries, so setup.sh installs offline on Gradescope's image.

Gradescope builds on Ubuntu 22.04 with CPython 3.10 (glibc 2.35, x86_64), whatever Python builds the zip.
`pip download` fetches wheels for that target, but evaluates environment markers for the interpreter that
runs it; so the dependency closure is taken again from the downloaded wheels' own metadata, with the
target's markers, and whatever pip left out is downloaded too. The pins are the downloaded files'
versions. Versions installed here are preferred (the container then runs what was tested); one with no
wheel for the target gives way to the newest that has one. The dependency list is grader's own metadata.
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

TARGET = "CPython 3.10, manylinux x86_64 (Ubuntu 22.04, glibc 2.35)"
TARGET_MARKERS = {
    "python_version": "3.10", "python_full_version": "3.10.12", "implementation_name": "cpython",
    "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
    "platform_machine": "x86_64", "os_name": "posix", "implementation_version": "3.10.12",
}
PLATFORMS = [f"manylinux_2_{m}_x86_64" for m in range(35, 4, -1)] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
_NOT_FOUND = re.compile(r"(?:No matching distribution found for|satisfies the requirement) ([^\s(]+)")
_CONFLICT = re.compile(r"The user requested \(constraint\) ([^\s(]+)")
_SAVED = re.compile(r"^\s*(?:Saved|File was already downloaded) (\S+\.whl)\s*$", re.M)
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The wheels cannot be gathered; the message says why."""


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--no-input"],
                          capture_output=True, text=True)


def _download(requirements: list[str], into: Path, constraints: dict[str, str]) -> subprocess.CompletedProcess[str]:
    into.mkdir(parents=True, exist_ok=True)
    cfile = into.parent / "constraints.txt"
    cfile.write_text("".join(f"{n}=={v}\n" for n, v in sorted(constraints.items())), encoding="utf-8")
    target = ["--only-binary=:all:", "--python-version", "3.10", "--implementation", "cp", "--abi", "cp310"]
    for platform in PLATFORMS:
        target += ["--platform", platform]
    return _pip("download", *target, "-d", str(into), "-c", str(cfile), *requirements)


def _requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        meta = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(line) for line in meta.get_all("Requires-Dist") or []]


def _closure(root: Path, wheels: dict[str, Path]) -> tuple[list[Path], list[str]]:
    """The wheels the target needs (from `root`'s metadata, markers for the target) and what is missing."""
    needed: dict[str, Path] = {}
    missing: list[str] = []
    queue: list[tuple[Path, frozenset[str]]] = [(root, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while queue:
        wheel, extras = queue.pop()
        for req in _requires(wheel):
            if req.marker and not any(req.marker.evaluate({**TARGET_MARKERS, "extra": e}) for e in (extras or {""})):
                continue
            key = canonicalize_name(req.name)
            found = wheels.get(key)
            if found is None or not req.specifier.contains(parse_wheel_filename(found.name)[1], prereleases=True):
                missing.append(f"{req.name}{req.specifier}")
                continue
            needed[key] = found
            if (key, frozenset(req.extras)) not in seen:
                seen.add((key, frozenset(req.extras)))
                queue.append((found, frozenset(req.extras)))
    return sorted(needed.values()), missing


def target_wheels(grader_wheel: Path, into: Path, *, prefer: dict[str, str]) -> tuple[list[Path], list[str]]:
    """Download into `into` every wheel `grader_wheel` needs on the target, plus pip itself.

    `prefer` maps names to versions tried first (those installed here). Returns the dependency wheels
    (pip last) and the pins `name==version`, taken from the downloaded file names.
    """
    pip_pin = f"pip=={metadata.version('pip')}"
    requirements = [str(grader_wheel), pip_pin]
    constraints = {canonicalize_name(n): v for n, v in prefer.items() if canonicalize_name(n) not in ("pip", "grader")}
    for _ in range(40):
        proc = _download(requirements, into, constraints)
        if proc.returncode != 0:
            said_all = proc.stdout + proc.stderr
            match = _CONFLICT.search(said_all) or _NOT_FOUND.search(said_all)
            name = canonicalize_name(Requirement(match.group(1)).name) if match else None
            if name in constraints:
                del constraints[name]  # no wheel for the target at the version tested here: take the newest
                continue
            said = "\n".join(ln for ln in said_all.strip().splitlines() if not ln.startswith("WARNING: Location"))[-1500:]
            raise BundleError(
                (f"{name} has no wheel for {TARGET}; the autograder installs offline from wheels only, so pick "
                 f"a version (or a replacement) that publishes one.\npip said:\n{said}") if match else
                f"downloading the wheels for {TARGET} failed:\n{said}")
        saved = {canonicalize_name(parse_wheel_filename(Path(p).name)[0]): Path(p) for p in _SAVED.findall(proc.stdout)}
        saved = {k: (p if p.is_absolute() else into / p.name) for k, p in saved.items()}
        needed, missing = _closure(grader_wheel, saved)
        if not missing:
            pip_wheel = saved["pip"]
            pins = [f"{parse_wheel_filename(p.name)[0]}=={parse_wheel_filename(p.name)[1]}" for p in needed]
            return [*needed, pip_wheel], sorted(pins, key=str.lower)
        requirements += [m for m in missing if m not in requirements]
    raise BundleError(f"the dependencies for {TARGET} did not settle")


def wheel_from_installed(into: Path, name: str = "grader") -> Path:
    """A wheel of the installed distribution `name`, rebuilt from its installed files (for an install
    without its source checkout: `pip install .` or a wheel)."""
    dist = metadata.distribution(name)
    info = next((f for f in dist.files or [] if f.name == "WHEEL" and f.parent.name.endswith(".dist-info")), None)
    if info is None:
        raise BundleError(f"{name} is installed without a WHEEL record; reinstall it with `pip install .`")
    dist_info = info.parent.name
    tag = next(ln.split(":", 1)[1].strip() for ln in dist.locate_file(info).read_text().splitlines()
               if ln.startswith("Tag:"))
    skip = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    files = sorted(
        f for f in dist.files or []
        if not f.parts[0] == ".." and "__pycache__" not in f.parts and f.suffix != ".pyc"
        and not (f.parent.name == dist_info and f.name in skip)
    )
    path = into / f"{dist.metadata['Name']}-{dist.version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for file in files:
            data = Path(dist.locate_file(file)).read_bytes()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{file.as_posix()},sha256={digest},{len(data)}")
            entry = zipfile.ZipInfo(file.as_posix(), date_time=_FIXED_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
        record.append(f"{dist_info}/RECORD,,")
        entry = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=_FIXED_DATE)
        archive.writestr(entry, "\n".join(record) + "\n")
    return path
