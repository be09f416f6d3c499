"""Answers given as a YAML or JSON mapping of part ids to answers."""

from __future__ import annotations

import json
import re

import yaml

from grader.escape import inline_code, markdown_text
from grader.rubric import yamlio
from grader.submission.answers import MAX_ANSWER_CHARS, MAX_NESTING, clean_answer
from grader.submission.markdown import PART_ID, WORD


def parse_mapping(name: str, text: str, notes: list[str]) -> dict[object, object]:
    """The file's mapping, or {} with a note saying why it could not be read."""
    try:
        if name.lower().endswith(".json"):
            data = json.loads(text)
        else:
            data = yamlio.load_untrusted(text, name)
    except yamlio.FileProblems as exc:
        notes.append(f"{inline_code(name)} could not be read: {markdown_text(str(exc.problems[0]))}")
        return {}
    except (ValueError, RecursionError, yaml.YAMLError) as exc:
        reason = str(exc) if isinstance(exc, json.JSONDecodeError) else "the file is malformed or nested too deeply"
        if isinstance(exc, yaml.constructor.ConstructorError) and "for the tag" in str(exc.problem):
            reason = "tags such as `!!python/object` are not allowed; write each answer as plain text"
        notes.append(f"{inline_code(name)} could not be read: {reason}")
        return {}
    if not isinstance(data, dict):
        notes.append(f"{inline_code(name)} must map part ids to answers (e.g. `4.1: n(n+1)/2`).")
        return {}
    return data


def normalise_keys(raw: dict[object, object], part_ids: list[str], notes: list[str]) -> dict[str, str]:
    """Answers keyed by the rubric's part ids (`Q4.1`, `4.1.` and the float 4.1 all mean 4.1), each cut."""
    known = set(part_ids)
    answers: dict[str, str] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        part = None
        try:
            part = part_id(key)
            if part not in known:
                unknown.append(str(key)[:40])
                continue
            text = answer_text(value)
        except ValueError as exc:  # nested too deeply, or a number with more digits than Python prints
            notes.append(f"The answer to {part or 'a part'} could not be read: {markdown_text(str(exc))}.")
            continue
        if answers.get(part, "").strip():  # `4.1` and `Q4.1` both given: an empty second one must not win
            if text.strip():
                notes.append(f"Part {part} is answered twice (again as {inline_code(str(key)[:40])}); the first answer was graded.")
            continue
        if len(text) > MAX_ANSWER_CHARS:
            notes.append(f"The answer to {part} is longer than {MAX_ANSWER_CHARS} characters; only its beginning was graded.")
        answers[part] = clean_answer(text)
    if unknown:
        notes.append(f"Answers to unknown parts were ignored: {', '.join(inline_code(u) for u in unknown[:10])}.")
    return answers


def part_id(key: object) -> str:
    # YAML reads `4.1:` as a float and `1:` as an int; both mean the part id as written.
    text = str(key).strip()
    match = re.fullmatch(rf"(?:{WORD}\s*)?{PART_ID}[.:)]?", text, re.I)
    return match.group("id") if match else text


def answer_text(value: object, depth: int = 0) -> str:
    if value is None:
        return ""
    if depth > MAX_NESTING:
        raise ValueError(f"it is nested more than {MAX_NESTING} levels deep")
    if isinstance(value, dict):
        return "\n\n".join(answer_text(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return "\n".join(answer_text(v, depth + 1) for v in value)
    try:
        return str(value)
    except ValueError:
        raise ValueError("it holds a number too long to read") from None
