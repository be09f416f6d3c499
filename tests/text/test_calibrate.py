"""`grader calibrate`: agreement with a TA's scores, per part and per concept, and phrase suggestions."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "hw3.yaml"

ROWS = [
    ("3.2", "One-hot vectors are orthogonal, so they carry no notion of similarity; embeddings are dense and small.", 10),
    ("3.2", "Embeddings are dense and place similar words close together, unlike huge sparse one-hot vectors.", 10),
    ("3.2", "Learned vectors put words with related meanings near each other in a low dimensional space.", 8),
    ("3.2", "Learned vectors put words with related meanings near each other, and they are short.", 8),
    ("3.2", "One-hot vectors are easier to compute.", 1),
    ("3.2", "They are both vectors.", 0),
]


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "scores.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["part", "answer", "score"])
        writer.writerows(ROWS)
    return path


def test_calibrate_reports_agreement_concepts_disagreements_and_suggestions(tmp_path, capsys) -> None:
    before = RUBRIC.read_text()
    assert main(["calibrate", "--csv", str(_csv(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "part 3.2: 6 answers; MAE" in out and "Pearson r" in out and "QWK" in out
    assert "concept " in out and "precision" in out and "recall" in out
    assert "biggest disagreements:" in out and "scores.csv:" in out
    # Said in two high-scored answers the rubric does not match, and in no low-scored one.
    assert '"related meanings' in out or '"learned vectors' in out, out
    assert RUBRIC.read_text() == before  # it changes nothing


def test_calibrate_on_the_examples(capsys) -> None:
    assert main(["calibrate"]) == 0
    out = capsys.readouterr().out
    for part in ("2.1", "2.2", "3.1", "3.2"):
        assert f"part {part}:" in out


def test_calibrate_refuses_a_bad_csv(tmp_path, capsys) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("part,answer,score\n3.2,some answer,lots\n")
    assert main(["calibrate", "--csv", str(path)]) == 2
    assert "bad.csv:2: error:" in capsys.readouterr().err


def test_calibrate_suggests_near_synonyms_that_earned_part_of_a_concept(tmp_path, capsys) -> None:
    import pytest

    from grader.text import lexicon

    if not lexicon.available():
        pytest.skip("WordNet is not installed (apt-get install wordnet-base)")
    path = tmp_path / "near.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["part", "answer", "score"])
        writer.writerow(["2.1", "Lengths differ; the encoder reads the full source before the decoder starts.", 10])
        writer.writerow(["2.1", "Input and output lengths differ; the encoder reads the full source before decoding.", 9])
        writer.writerow(["2.1", "It translates.", 0])
    assert main(["calibrate", "--csv", str(path)]) == 0
    out = capsys.readouterr().out
    assert "near-synonyms (WordNet)" in out, out
    assert "- [entire, full]   # encode-whole: in 2 high-scored answers, 0 low-scored" in out, out


def test_calibrate_suggests_the_wording_of_concepts_guessed_from_other_words() -> None:
    from grader.text import TextSpec, grade_text
    from grader.tools.calibrate import Scored, restatement_suggestions

    spec = TextSpec.model_validate({"points": 10, "concepts": [
        {"id": "nopre", "label": "resources cannot be taken away from the process holding them", "points": 10,
         "phrases": ["no preemption"]},
    ]})
    rows = [
        Scored("1", "Nobody can take a resource away from the process that holds it.", 9, "a.csv:2"),
        Scored("1", "No one can take the resource away from a process while it holds it.", 8, "a.csv:3"),
        Scored("1", "The OS takes resources away whenever it likes.", 1, "a.csv:4"),
    ]
    outcomes = [grade_text(r.answer, spec) for r in rows]
    assert restatement_suggestions(rows, outcomes, 10) == [
        ("nopre", "Nobody can take a resource away from the process that holds it", 2, 0)
    ]
