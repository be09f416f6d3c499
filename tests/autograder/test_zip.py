"""The zip an instructor uploads: what is in it and how it is laid out."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import zipfile
from importlib import metadata

import pytest

from grader.autograder.build import BuildError, build_autograder
from grader.rubric.yamlio import FileProblems
from grader.writers.gradescope import validate_results

from agutil import built_zip, downloads, wheel, DATA, ROOT


def test_scripts_sit_at_the_root_with_shebang_lf_and_execute_bit(built_zip):
    with zipfile.ZipFile(built_zip) as archive:
        for name in ("setup.sh", "run_autograder"):
            info = archive.getinfo(name)
            data = archive.read(name)
            assert data.startswith(b"#!/usr/bin/env bash\n") and b"\r" not in data
            assert stat.S_IMODE(info.external_attr >> 16) == 0o755
        assert archive.getinfo("requirements.txt").external_attr >> 16 & 0o111 == 0


def test_requirements_pin_the_bundled_wheels_for_python_3_10(built_zip):
    with zipfile.ZipFile(built_zip) as archive:
        lines = archive.read("requirements.txt").decode().split()
        wheels = {n.split("/")[1] for n in archive.namelist() if n.startswith("wheels/")}
    pins = dict(line.split("==") for line in lines)
    assert {"sympy", "pydantic", "lark", "gradescope-utils", "jsonschema"} <= set(pins)
    assert "tomli" in pins and "exceptiongroup" in pins  # pytest needs them below 3.11, whatever builds
    assert "grader" not in pins and "pip" not in pins
    from packaging.utils import canonicalize_name, parse_wheel_filename
    found = {canonicalize_name(parse_wheel_filename(w)[0]): str(parse_wheel_filename(w)[1]) for w in wheels}
    assert all(found[canonicalize_name(n)] == v for n, v in pins.items())
    assert all(("cp310" in w or "-none-" in w or "py3" in w) for w in wheels)


def test_the_assignment_travels_byte_for_byte_and_the_manifest_finds_it(built_zip):
    with zipfile.ZipFile(built_zip) as archive:
        manifest = json.loads(archive.read("autograder.json"))
        assert archive.read(manifest["rubric"]) == (ROOT / "rubrics" / "hw3.yaml").read_bytes()
        assert archive.read("assignment/reference/hw3.yaml") == (ROOT / "reference" / "hw3.yaml").read_bytes()
        assert any(n.startswith("wheels/grader-") and n.endswith(".whl") for n in archive.namelist())
        script = archive.read("run_autograder").decode()
    fallback = script.split("<<'GRADER_FALLBACK_JSON'\n")[1].split("\nGRADER_FALLBACK_JSON")[0]
    validate_results(json.loads(fallback))


def test_the_same_inputs_give_the_same_zip(built_zip, wheel, tmp_path):
    again = build_autograder(output=tmp_path / "again.zip", wheel=wheel, checks=DATA / "checks",
                             downloads=downloads()).path
    assert again.read_bytes() == built_zip.read_bytes()


def test_a_broken_rubric_stops_the_build_before_anything_is_written(tmp_path, wheel):
    bad = tmp_path / "rubric.yaml"
    bad.write_text("assignment: quiz\ntitle: Quiz\nreference: r.yaml\nparts: []\n", encoding="utf-8")
    with pytest.raises(FileProblems):
        build_autograder(output=tmp_path / "out.zip", assignment=bad, wheel=wheel)
    assert not (tmp_path / "out.zip").exists()


def test_a_checks_folder_without_tests_is_refused(tmp_path, wheel):
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "helpers.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(BuildError, match="no test"):
        build_autograder(output=tmp_path / "out.zip", checks=tmp_path / "checks", wheel=wheel)


def test_the_command_builds_and_reports_errors_without_a_traceback(tmp_path, wheel):
    def grader(*args):
        return subprocess.run([sys.executable, "-m", "grader", "autograder", "build", "--wheel", str(wheel), *args],
                              capture_output=True, text=True, timeout=120)

    ok = grader("-o", str(tmp_path / "a.zip"))
    assert ok.returncode == 0 and f"wrote {tmp_path / 'a.zip'}" in ok.stdout
    missing = grader("-o", str(tmp_path / "b.zip"), "--checks", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr


def test_setup_stops_at_the_first_failing_command(built_zip, tmp_path):
    from grader.autograder.build import unpack_autograder

    unpack_autograder(built_zip, tmp_path / "source")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3").write_text("#!/bin/sh\necho 'python3: broken' >&2\nexit 3\n", encoding="utf-8")
    (tmp_path / "bin" / "python3").chmod(0o755)
    proc = subprocess.run(["bash", str(tmp_path / "source" / "setup.sh")], capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "GRADER_AUTOGRADER_ROOT": str(tmp_path)})
    assert proc.returncode == 3 and "python3: broken" in proc.stderr
    assert not (tmp_path / "venv").exists()


def test_the_zip_carries_wordnet_for_the_near_synonyms_when_this_machine_has_it(built_zip):
    from grader.text import lexicon

    with zipfile.ZipFile(built_zip) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("autograder.json"))
        setup = archive.read("setup.sh").decode()
    folder = lexicon.data_dir()
    assert manifest["wordnet"] is (folder is not None)
    if folder is None:
        assert not any(n.startswith("wordnet/") for n in names)
        pytest.skip("WordNet is not installed here (apt-get install wordnet-base)")
    for kind in ("index", "data"):
        for pos in ("noun", "verb", "adj", "adv"):
            assert f"wordnet/{kind}.{pos}" in names
            assert archive_bytes(built_zip, f"wordnet/{kind}.{pos}") == (folder / f"{kind}.{pos}").read_bytes()
    assert 'cp "$source_dir"/wordnet/* "$venv/share/wordnet/"' in setup


def archive_bytes(path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)
