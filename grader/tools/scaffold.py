"""`grader new`: a new assignment folder that `grader check` accepts, to edit rather than write from nothing.

The folder holds a rubric with one formula part and one text part, their reference, copies of the rubric
and reference schemas (so an editor completes and checks keys offline), and two example submissions with the scores a TA
gave them: the rubric's first regression tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.rubric.schema import dumps, reference_schema, rubric_schema

RUBRIC = """\
# yaml-language-server: $schema=rubric.schema.json
# Rubric of {name}. Check every edit with `grader check {folder}`; try an answer with
# `grader explain --assignment {folder} --part 1 "n(n+1)/2"`. Every feature, with examples: the grader's
# rubric guide, rubrics/README.md.

assignment: {name_yaml}
title: {title_yaml}
reference: reference.yaml
examples: examples            # example submissions with the scores a TA gave them
total: 10

parts:
  - id: "1"
    title: "Counting pairs"
    points: 5
    formula:
      variables:
        n: {{domain: positive_integer, description: "number of tokens"}}
      wrong_answers:
        - answer: "n(n-1)/2"
          points: 2
          feedback: "This leaves out the pairs (i, i): every token also attends to itself."

  - id: "2"
    title: "Why a causal mask"
    points: 5
    text:
      concepts:
        - id: no-future
          label: "a token must not see the tokens after it"
          points: 3
          phrases: ["future tokens", "later tokens", "tokens after it", "cannot see ahead"]
        - id: generation
          label: "at generation time the following tokens do not exist yet"
          points: 2
          phrases: ["generation", "generating", "not yet generated", "one token at a time"]
"""

REFERENCE = """\
# yaml-language-server: $schema=reference.schema.json
# Reference solutions of {name}. `answer` is shown to students as the assignment's visibility allows.

parts:
  "1":
    formula: "n(n+1)/2"
    answer: |
      Token $i$ attends to positions $1, \\dots, i$, so there are $\\frac{{n(n+1)}}{{2}}$ pairs.

  "2":
    answer: |
      Training must match generation: when generating, the model produces one token at a time and
      the later tokens are not yet generated. The mask keeps a token from seeing the future tokens.
"""

EXAMPLES = {
    "complete/answers.md": """\
## 1
$\\frac{n(n+1)}{2}$

## 2
The mask hides the future tokens from each token, because during generation the model writes one
token at a time.
""",
    "complete/expected.yaml": """\
# The scores a TA gives this submission, per part; `grader check` compares the grader with them.
student: "complete answers"
parts: {"1": 5, "2": 5}
""",
    "partial/answers.md": """\
## 1
n(n-1)/2

## 2
The mask hides the later tokens.
""",
    "partial/expected.yaml": """\
student: "forgets the diagonal; says nothing about generation"
parts: {"1": 2, "2": 3}
""",
}


class FolderNotEmpty(FileExistsError):
    """`grader new` never overwrites anything."""


def new_assignment(*, folder: Path, title: str | None = None) -> list[Path]:
    """Write a new assignment into `folder` (which must not exist or be empty); return the files written."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FolderNotEmpty(f"{folder} already exists and is not empty; choose a new folder")
    name = folder.resolve().name
    values = {
        "name": name, "folder": str(folder),
        # JSON strings are YAML double-quoted scalars: any title is written safely.
        "name_yaml": json.dumps(name, ensure_ascii=False), "title_yaml": json.dumps(title or name, ensure_ascii=False),
    }
    files = {
        "rubric.yaml": RUBRIC.format(**values),
        "reference.yaml": REFERENCE.format(**values),
        "rubric.schema.json": dumps(rubric_schema()),
        "reference.schema.json": dumps(reference_schema()),
        **{f"examples/{path}": text for path, text in EXAMPLES.items()},
    }
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
