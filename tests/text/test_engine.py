"""The free-text engine as the pipeline sees it: the outcome's shape, robustness, rubric validation, speed."""

from __future__ import annotations

import pickle

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from grader.rubric import Rubric
from grader.text import TextSpec, grade_text
from grader.text import spec as spec_module
from grader.text.compiled import compiled

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = Rubric.model_validate(yaml.safe_load((ROOT / "rubrics" / "hw3.yaml").read_text()))
TEXT_PARTS = ["1", "2.1", "2.2", "3.1", "3.2"]
MINIMAL = {"points": 10, "concepts": [{"id": "a", "label": "alpha", "points": 10, "phrases": ["alpha"]}]}


def test_outcome_has_what_the_pipeline_reads() -> None:
    spec = RUBRIC.part("3.1").text
    outcome = grade_text("BERT embeddings are contextual; Word2Vec says nothing about context.", spec)
    assert outcome.engine == "text"
    assert outcome.max_score == spec.points == 10
    assert outcome.status in ("correct", "partial", "incorrect")
    ids = {i.id for i in outcome.items}
    assert {c.id for c in spec.concepts} <= ids and {g.id for g in spec.groups} <= ids
    hit = next(i for i in outcome.items if i.id == "contextual")
    assert hit.hit and hit.evidence and hit.feedback.startswith("found:")
    assert all(i.feedback for i in outcome.items)
    assert outcome.feedback and all(isinstance(f, str) and f.endswith(".") for f in outcome.feedback)
    assert isinstance(outcome.details["normalised"], str)
    Outcome = type(outcome)
    assert Outcome.model_validate_json(outcome.model_dump_json()) == outcome


def test_part_1_text_section_is_worth_15() -> None:
    assert RUBRIC.part("1").text.points == 15
    assert all(RUBRIC.part(p).text.points == 10 for p in TEXT_PARTS[1:])


def test_normalised_groups_answers_that_differ_only_in_form() -> None:
    spec = RUBRIC.part("3.2").text
    a = grade_text("One-hot vectors are SPARSE; embeddings are dense!", spec).details["normalised"]
    b = grade_text("one hot vector is sparse,  embedding is dense", spec).details["normalised"]
    assert a == b


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_grade_text_never_raises_on_any_text(answer: str) -> None:
    for part in TEXT_PARTS:
        outcome = grade_text(answer, RUBRIC.part(part).text)
        assert outcome.status != "invalid", outcome.review_reasons
        assert 0 <= outcome.score <= outcome.max_score


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(
    ["bert", "word2vec", "not", "no", "contextual", "static", "unlike", "than", ",", ".", "and", "it", "isn't",
     "one-hot", "sparse", "$h_t = x_t - h_{t-1}$", ">", "\\geq", "even", "odd", "\n", "- ", "(1)", "...", "e.g."]),
    max_size=60))
def test_grade_text_never_raises_on_adversarial_word_soup(words: list[str]) -> None:
    answer = " ".join(words)
    for part in TEXT_PARTS:
        outcome = grade_text(answer, RUBRIC.part(part).text)
        assert outcome.status != "invalid", outcome.review_reasons


def test_a_failure_inside_the_engine_is_an_invalid_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.text.scoring as scoring

    def boom(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(scoring, "Analysis", boom)
    outcome = grade_text("anything", TextSpec.model_validate(MINIMAL))
    assert outcome.status == "invalid" and outcome.needs_review and outcome.error


def test_even_a_wrong_spec_gives_an_outcome() -> None:
    outcome = grade_text("anything", None)  # type: ignore[arg-type]
    assert outcome.status == "invalid" and outcome.max_score == 0


def test_specs_are_compiled_once() -> None:
    spec = TextSpec.model_validate(MINIMAL)
    assert compiled(spec) is compiled(spec)
    # A copy (the sandbox's worker unpickles each part afresh) finds the compiled form of its original.
    assert compiled(pickle.loads(pickle.dumps(spec))) is compiled(spec)
    changed = TextSpec.model_validate({**MINIMAL, "points": 2})
    assert compiled(changed) is not compiled(spec)
    assert compiled(changed).spec.points == 2


def test_very_long_and_pathological_answers_are_graded() -> None:
    # Their speed is measured in tests/bench/bench_text.py, not here: shared machines make timings flaky.
    spec = RUBRIC.part("1").text
    for answer in ("x_1 - " * 5000, "a" * 50_000, "h_t = x_t - h_{t-1} " * 2000, "even minus odd, " * 3000):
        outcome = grade_text(answer, spec)
        assert outcome.status != "invalid"
    assert any("too long" in r for r in grade_text("word " * 5000, spec).review_reasons)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"concepts": [{"id": "a", "label": "a", "points": 1, "phrases": ["x"], "patterns": ["(a+)+b"]}]}, "nested quantifiers"),
        ({"concepts": [{"id": "a", "label": "a", "points": 1, "patterns": ["(unclosed"]}]}, "not a valid regular expression"),
        ({"concepts": [{"id": "a", "label": "a", "points": 1, "phrases": ["x"], "about": "bert"}]}, "does not declare"),
        ({"concepts": [{"id": "a", "label": "a", "phrases": ["x"]}]}, "needs `points`"),
        ({"concepts": [{"id": "a", "label": "a", "points": 1}]}, "needs `phrases` or `patterns`"),
        ({"concepts": [{"id": "a", "label": "a", "points": 1, "phrases": ["?!"]}]}, "has no words"),
        ({"concepts": [{"id": "a", "label": "a", "points": 1, "phrases": ["it is the"]}]}, "has no words"),
        (
            {
                "concepts": [{"id": "a", "label": "a", "points": 2, "phrases": ["x"]}],
                "groups": [{"id": "g", "label": "g", "points": 2, "pick": 1, "concepts": ["a"]}],
            },
            "the group gives its points",
        ),
        (
            {
                "concepts": [{"id": "a", "label": "a", "phrases": ["x"]}],
                "groups": [{"id": "g", "label": "g", "points": 2, "pick": 2, "concepts": ["a"]}],
            },
            "picks 2 of only 1",
        ),
        ({"concepts": [{"id": "a", "label": "a", "points": 1, "phrases": ["x"]}] * 2}, "repeated: a"),
        ({"concepts": [{"id": "a", "label": "a", "points": 1, "phrases": ["x"], "synonyms": ["y"]}]}, "Extra inputs"),
        ({"extra": 1}, "Extra inputs"),
        ({"synonyms": [["vector"]]}, "at least two words"),
        ({"synonyms": [["vector", "fixed size"]]}, "must be one word"),
    ],
)
def test_rubric_mistakes_are_reported(patch: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TextSpec.model_validate({**MINIMAL, **patch})


def test_every_field_of_the_rubric_schema_is_documented() -> None:
    models = [m for m in vars(spec_module).values() if isinstance(m, type) and issubclass(m, BaseModel)]
    models = [m for m in models if m.__module__ == spec_module.__name__]
    assert len(models) >= 7
    for model in models:
        assert model.__doc__, model
        assert model.model_config.get("extra") == "forbid", model
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
    schema = TextSpec.model_json_schema()
    assert "concepts" in schema["properties"]
