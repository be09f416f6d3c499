"""Agreement with hand scores on the scored corpus (tests/text/corpus): courses other than HW3.

Figures: `.venv/bin/python tests/bench/bench_text.py` (the corpus sections).
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))
_spec = importlib.util.spec_from_file_location("text_corpus", ROOT / "tests" / "bench" / "text_corpus.py")
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
sys.modules["text_corpus"] = corpus
_spec.loader.exec_module(corpus)


@pytest.fixture(scope="module")
def figures() -> dict:
    return {"tuning": corpus.evaluate(False), "held_out": corpus.evaluate(True), "all": corpus.evaluate(None)}


def test_corpus_is_large_and_varied() -> None:
    questions, answers = corpus.load_corpus()
    assert len(answers) >= 240
    assert len(questions) >= 8
    assert len({q["subject"] for q in questions.values()}) >= 3
    assert any(q["held_out"] for q in questions.values())
    per_question = Counter(a["q"] for a in answers)
    assert set(per_question) == set(questions) and min(per_question.values()) >= 20
    kinds = {a["kind"] for a in answers}
    for needed in ("excellent", "paraphrase", "list", "negated", "wrong", "wrong-subject", "stuffed", "typos"):
        assert needed in kinds
    for q in questions.values():
        corpus.spec_of(q)  # every rubric validates


@pytest.mark.parametrize("which", ["tuning", "held_out", "all"])
def test_engine_beats_word_overlap_and_the_plain_matcher(figures: dict, which: str) -> None:
    r = figures[which]
    engine = r["engine"]
    for baseline in (r["overlap"], r["plain"]):
        assert engine.pearson > baseline.pearson + 0.1
        assert engine.rmse < baseline.rmse
        assert engine.qwk > baseline.qwk + 0.1


def test_engine_holds_the_line(figures: dict) -> None:
    """The figures reached, with or without WordNet installed."""
    # Reached (all 242 answers): r 0.737, RMSE 1.37, QWK 0.650 with WordNet's near-synonyms, r 0.711, RMSE 1.45,
    # QWK 0.617 without; earlier 0.682, 1.49, 0.591, and 0.655, 1.57, 0.564.
    engine = figures["all"]["engine"]
    assert engine.pearson >= 0.70
    assert engine.rmse <= 1.46
    assert engine.qwk >= 0.60


def test_no_heuristic_on_by_default_lowers_agreement(figures: dict) -> None:
    """Switching a heuristic off must not improve two or more of r, RMSE and QWK on the whole corpus."""
    r = figures["all"]
    engine = r["engine"]
    for name, off in r["ablations"].items():
        better = [off.pearson > engine.pearson + 0.005, off.rmse < engine.rmse - 0.01, off.qwk > engine.qwk + 0.005]
        assert sum(better) < 2, (name, off, engine)


def test_precision_first(figures: dict) -> None:
    r = figures["all"]
    assert r["false_full"] <= 2  # full marks for an answer a person scored 2.5 or less
    assert r["big_flagged"] >= r["big_errors"] / 2  # most answers off by 3 or more are flagged ...
    assert r["flagged"] < 0.15  # ... while fewer than 15% of all answers are


@pytest.mark.parametrize("which", ["tuning", "held_out"])
def test_flags_stay_few_on_each_split(figures: dict, which: str) -> None:
    r = figures[which]
    assert r["flagged"] < 0.15
    assert r["big_flagged"] >= r["big_errors"] / 2
