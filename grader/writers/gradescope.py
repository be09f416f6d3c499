"""Gradescope results.json from a SubmissionResult: one test per part, Markdown output, status in extra_data."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from grader import __version__
from grader.escape import markdown_text, one_line
from grader.results import ItemResult, Outcome, PartResult, SubmissionResult
from grader.writers.schema_check import Checker

MAX_OUTPUT_CHARS = 8192
_MARKS = {True: "✔", False: "✘"}


def _quote(text: str, limit: int = 160) -> str:
    # A quote of the student's answer: cut first, then escaped, so the cut cannot split an escape.
    flat = one_line(text)
    return markdown_text(flat if len(flat) <= limit else flat[: limit - 1]) + ("…" if len(flat) > limit else "")


def _item_line(item: ItemResult) -> str:
    # Item feedback is the engines' diagnosis for TAs (`grader explain`); students get the outcome's sentences.
    points = f" ({item.points_text})" if item.points_text else ""
    if item.penalty:
        return f"- ✘ Misconception: {item.label}{points}: “{_quote(item.evidence or '')}”"
    line = f"- {_MARKS[item.hit]} {item.label}{points}"
    if item.evidence:
        line += f": “{_quote(item.evidence)}”"
    return line


def _bullets(sentences: list[str]) -> str:
    return "\n".join("- " + s.strip().replace("\n", "\n  ") for s in dict.fromkeys(sentences))


_SECTION = {"formula": "Formula", "text": "Explanation"}


def _outcome_markdown(outcome: Outcome, *, titled: bool) -> list[str]:
    lines: list[str] = []
    if titled:
        lines.append(f"#### {_SECTION[outcome.engine]}: {outcome.score:g} / {outcome.max_score:g}")
    if outcome.reading:
        lines.append(f"**Your answer was read as:** {outcome.reading}")
    if outcome.error:
        lines.append(f"**Your answer could not be checked.** {outcome.error}")
    if outcome.items:
        # A misconception the student did not state is not news to them.
        shown = [i for i in outcome.items if i.hit or not i.penalty]
        lines.append("**Rubric:**\n" + "\n".join(_item_line(i) for i in shown))
    if outcome.feedback:
        lines.append("**Feedback:**\n" + _bullets(outcome.feedback))
    return lines


def part_markdown(part: PartResult) -> str:
    """What a student reads for one part: how the answer was read, which items matched, the feedback."""
    if part.status == "missing" and not part.outcomes:
        lines = ["No answer was found for this part, so it scored 0. In a Markdown or text file, start each "
                 f"answer with a heading such as `## {part.id}`; in YAML or JSON, use `\"{part.id}\"` as the key."]
    else:
        titled = len(part.outcomes) > 1
        lines = [block for outcome in part.outcomes for block in _outcome_markdown(outcome, titled=titled)]
    if part.needs_review and not any("TA will look" in line for line in lines):
        # Said without promising anything: the person may keep the score as it is.
        lines.append("**A TA will look at this answer.** The grader was not sure of its verdict here, "
                     "so a person will check it.")
    lines.append(f"**Score:** {part.score:g} / {part.max_score:g}")
    if part.model_answer:
        lines.append(f"**Reference answer:**\n\n{part.model_answer}")
    text = "\n\n".join(lines)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[: MAX_OUTPUT_CHARS - 40] + "\n\n…(feedback shortened)"
    return text


def part_test(part: PartResult) -> dict[str, Any]:
    extra: dict[str, Any] = {"status": part.status, "needs_review": part.needs_review}
    if part.review_reasons:
        extra["review_reasons"] = part.review_reasons
    if part.outcomes:
        # Empty details (None, [], {}) say nothing: left out, they are ~8% of a file.
        extra["engines"] = {o.engine: {"score": o.score, "max_score": o.max_score, "status": o.status,
                                       **{k: v for k, v in o.details.items()
                                          if k != "trace" and v is not None and v != [] and v != {}}}
                            for o in part.outcomes}
    return {
        "number": part.id,
        "name": part.title,
        "score": part.score,
        "max_score": part.max_score,
        "status": "passed" if part.status == "correct" else "failed",
        "output": part_markdown(part),
        "output_format": "md",
        "extra_data": extra,
    }


def summary_line(result: SubmissionResult) -> str:
    counts: dict[str, int] = {}
    for part in result.parts:
        counts[part.status] = counts.get(part.status, 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    return f"Score: {result.score:g} / {result.max_score:g} ({tally})."


def to_results_json(result: SubmissionResult) -> dict[str, Any]:
    """The results.json document Gradescope reads."""
    return {**_head(result), "tests": [part_test(p) for p in result.parts], "extra_data": _extra_data(result)}


# JSON without indentation: the same document, and the C encoder runs only then (~10x faster). One encoder
# for every call: json.dumps with options builds a new one each time.
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def results_json_text(result: SubmissionResult, tests: list[str] | None = None) -> str:
    """`compact_json(to_results_json(result))`, from each part's test given as JSON text, if given (a batch
    renders a part graded the same way as an earlier one only once)."""
    texts = [compact_json(part_test(p)) for p in result.parts] if tests is None else tests
    return (f'{compact_json(_head(result))[:-1]},"tests":[{",".join(texts)}],'
            f'"extra_data":{compact_json(_extra_data(result))}}}')


def _head(result: SubmissionResult) -> dict[str, Any]:
    return {
        "score": round(result.score, 4),
        "execution_time": max(0.0, float(result.execution_time)),
        "output": "\n\n".join([summary_line(result), *result.notes]),
        "output_format": "md",
    }


def _extra_data(result: SubmissionResult) -> dict[str, Any]:
    return {
        "assignment": result.assignment,
        "submission": result.submission,
        "grader_version": __version__,
        "needs_review": [p.id for p in result.parts if p.needs_review],
        **({"metadata": result.metadata} if result.metadata else {}),
    }


@lru_cache(maxsize=1)
def results_schema() -> dict[str, Any]:
    text = resources.files("grader").joinpath("schemas/gradescope-results.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _checker() -> Checker:
    return Checker(results_schema())


def validate_results(document: dict[str, Any]) -> None:
    """Raise InvalidDocument unless `document` is a valid Gradescope results.json (the tests hold this checker
    to `jsonschema`'s verdicts: grader.writers.schema_check)."""
    _checker().check(document)
