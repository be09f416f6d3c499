"""The rubric tools as a TA uses them: explain an answer, check HW3, start a new assignment, editor schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from grader.cli import main
from grader.rubric import Part, Reference, Rubric
from grader.rubric.schema import dumps, reference_schema, rubric_schema

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
BASE = HERE / "broken" / "_base"
EXPLAIN = yaml.safe_load((HERE / "explain_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", EXPLAIN, ids=[c["name"] for c in EXPLAIN])
def test_explain(case, tmp_path, capsys):
    args = ["explain", "--assignment", str(BASE), *case["args"]]
    if "file" in case:
        answer = tmp_path / "answer.txt"
        answer.write_text(case["file"], encoding="utf-8")
        args += ["--file", str(answer)]
    code = main(args)
    captured = capsys.readouterr()
    output = captured.out if case["exit"] == 0 else captured.err
    assert code == case["exit"], captured.err
    for fragment in case["contains"]:
        assert fragment in output, output


def test_check_of_a_path_that_does_not_exist(tmp_path, capsys):
    assert main(["check", str(tmp_path / "hw9")]) == 2
    assert capsys.readouterr().out.splitlines()[0] == f"{tmp_path / 'hw9'}:1:1: error: no such file or folder"


def test_check_passes_on_hw3(monkeypatch, capsys):
    # (A stale schema copy is only a warning here; the schema tests below catch it.)
    monkeypatch.chdir(ROOT)
    code = main(["check"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "error:" not in out
    summary = out.splitlines()[-1]
    assert re.fullmatch(r"ok \(hw3: 8 parts, 100 points; reference answers graded; "
                        r"(\d+) of \1 examples score as the TA expects\)", summary), summary


def test_hw3_names_its_examples(hw3):
    assert hw3.examples_path is not None and hw3.examples_path.resolve() == (ROOT / "submissions_example").resolve()


def test_new_assignment_checks_clean_and_grades(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "quiz7", "--title", 'Quiz 7: "attention"']) == 0
    assert main(["check", "quiz7"]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out.splitlines()[-1].startswith("ok (quiz7: 2 parts, 10 points")
    assert main(["grade", "quiz7/examples/partial", "--assignment", "quiz7", "-o", "results.json"]) == 0
    assert json.loads(Path("results.json").read_text(encoding="utf-8"))["score"] == 5
    assert Rubric.model_validate(yaml.safe_load(Path("quiz7/rubric.yaml").read_text())).title == 'Quiz 7: "attention"'


def test_new_never_overwrites(tmp_path, capsys):
    (tmp_path / "quiz7").mkdir()
    (tmp_path / "quiz7" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["new", str(tmp_path / "quiz7")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "quiz7" / "notes.txt").read_text(encoding="utf-8") == "mine"


def _schema_target(rubric: Path) -> Path:
    match = re.match(r"# yaml-language-server: \$schema=(\S+)", rubric.read_text(encoding="utf-8"))
    assert match, f"{rubric} has no yaml-language-server line"
    return rubric.parent / match.group(1)


def test_the_schema_each_file_names_exists_and_is_the_graders(tmp_path):
    main(["new", str(tmp_path / "quiz7")])
    files = [
        *[(rubric, rubric_schema()) for rubric in sorted((ROOT / "rubrics").glob("*.yaml"))],
        *[(reference, reference_schema()) for reference in sorted((ROOT / "reference").glob("*.yaml"))],
        (tmp_path / "quiz7" / "rubric.yaml", rubric_schema()),
        (tmp_path / "quiz7" / "reference.yaml", reference_schema()),
    ]
    for path, schema in files:
        target = _schema_target(path)
        assert target.is_file(), f"{path}: {target} does not exist"
        assert target.read_text(encoding="utf-8") == dumps(schema), f"regenerate {target}"


@pytest.mark.parametrize("args,committed", [([], "rubric.schema.json"), (["--reference"], "reference.schema.json")])
def test_grader_schema_prints_the_committed_copy_byte_for_byte(args, committed, capsys):
    assert main(["schema", *args]) == 0
    assert capsys.readouterr().out == (ROOT / "rubrics" / committed).read_text(encoding="utf-8")


# Mistakes an editor must flag as the grader does (cross-field rules, such as sums, only the grader sees).
SCHEMA_REJECTS = ["unknown-key-nested", "unknown-key-no-close-match", "points-not-a-number", "domain-misspelt",
                  "id-unquoted-number", "phrase-read-as-boolean", "missing-title", "no-parts", "points-zero"]


@pytest.mark.parametrize("case", SCHEMA_REJECTS)
def test_the_editor_schema_rejects_what_the_grader_rejects(case):
    data = yaml.safe_load((HERE / "broken" / case / "rubric.yaml").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, rubric_schema(), cls=jsonschema.Draft202012Validator)


def test_the_editor_schema_accepts_the_shipped_rubrics():
    for rubric in [ROOT / "rubrics" / "hw3.yaml", BASE / "rubric.yaml"]:
        data = yaml.safe_load(rubric.read_text(encoding="utf-8"))
        jsonschema.validate(data, rubric_schema(), cls=jsonschema.Draft202012Validator)


def _guide_blocks() -> list[str]:
    text = (ROOT / "rubrics" / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("block", _guide_blocks())
def test_every_example_in_the_rubric_guide_is_valid(block):
    data = yaml.safe_load(block)
    if isinstance(data, list):  # a list of parts
        for part in data:
            Part.model_validate(part)
    elif "assignment" in data:
        Rubric.model_validate(data)
    elif "parts" in data:
        Reference.model_validate(data)
    else:
        pytest.fail(f"a YAML block of the guide is neither parts, a rubric nor a reference:\n{block}")
