"""`grader calibrate`: how far the text rubric agrees with a TA's scores, and what to change. Changes nothing.

Input: the TA-scored answers of an assignment, from its examples (each `expected.yaml`; text-only parts) or a
CSV file with the columns `part`, `answer`, `score`. Output, per text part: MAE, Pearson r and quadratic
weighted kappa against the TA; each concept's precision (of the answers it was found in, the share the TA
scored at least half) and recall (of the answers the TA scored at least three quarters, the share it was
found in); the answers where grader and TA disagree most, with the grader's reading; and word sequences common
in high-scored answers that no phrase of the part matched, as phrases to paste in.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import Assignment
from grader.results import Outcome
from grader.submission import read_submission
from grader.text import grade_text
from grader.text.normalise import MAX_CHARS, prepare, tokenise
from grader.tools.examples import find_examples, read_expected

_DISAGREEMENTS = 5
_SUGGESTIONS = 5


@dataclass(frozen=True)
class Scored:
    part: str
    answer: str
    score: float
    source: str  # where the TA's score comes from, for the report


def from_examples(assignment: Assignment) -> list[Scored]:
    """The text-only parts of the assignment's example submissions, with the scores in their expected.yaml."""
    folder = assignment.examples_path
    if folder is None or not folder.is_dir():
        return []
    text_parts = {p.id for p in assignment.rubric.parts if p.text is not None and p.formula is None}
    out = []
    for example in find_examples(folder):
        expected, _ = read_expected(example.expected_path)
        answers = read_submission(example.submission, assignment.part_ids)
        for pid, score in expected.parts.items():
            answer = answers.get(pid)
            if pid in text_parts and answer is not None:
                out.append(Scored(pid, answer, float(score), example.name))
    return out


def from_csv(path: Path) -> list[Scored]:
    """Rows of a CSV file with the columns part, answer, score (a header line names them)."""
    out = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            try:
                out.append(Scored(str(row["part"]).strip(), str(row["answer"])[: MAX_CHARS * 2], float(row["score"]),
                                  f"{path.name}:{n}"))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{n}: error: a row needs part, answer and a numeric score ({exc})") from None
    return out


def report(assignment: Assignment, rows: list[Scored]) -> list[str]:
    """The calibration report, as lines to print."""
    lines: list[str] = []
    parts = {p.id: p for p in assignment.rubric.parts}
    unknown = sorted({r.part for r in rows} - {pid for pid, p in parts.items() if p.text is not None})
    if unknown:
        lines.append(f"ignored: rows for parts without a text section: {', '.join(unknown)}")
    for pid, part in parts.items():
        mine = [r for r in rows if r.part == pid]
        if part.text is None or not mine:
            continue
        ref = assignment.reference.parts.get(pid)
        outcomes = [grade_text(r.answer, part.text, ref.answer if ref else None) for r in mine]
        lines += _part_report(pid, float(part.text.points or part.points), mine, outcomes)
    if not lines:
        lines.append("no TA-scored answers to text parts found")
    return lines


def _part_report(pid: str, points: float, rows: list[Scored], outcomes: list[Outcome]) -> list[str]:
    ta = [r.score for r in rows]
    got = [o.score for o in outcomes]
    lines = [
        f"part {pid}: {len(rows)} answers; MAE {statistics.fmean(abs(a - b) for a, b in zip(got, ta)):.2f} of "
        f"{points:g}; Pearson r {pearson(got, ta):.3f}; QWK {quadratic_kappa(got, ta, points):.3f}; "
        f"grader mean {statistics.fmean(got):.2f}, TA mean {statistics.fmean(ta):.2f}"
    ]
    concepts = [i.id for i in outcomes[0].items if i.max_points > 0]
    for cid in concepts:
        found = [any(i.id == cid and i.points > 0 for i in o.items) for o in outcomes]
        good = [t >= points / 2 for t in ta]
        high = [t >= 0.75 * points for t in ta]
        precision = _share(sum(f and g for f, g in zip(found, good)), sum(found))
        recall = _share(sum(f and h for f, h in zip(found, high)), sum(high))
        lines.append(f"  concept {cid}: found in {sum(found)}; precision {precision}; recall {recall}")
    worst = sorted(range(len(rows)), key=lambda k: -abs(got[k] - ta[k]))[:_DISAGREEMENTS]
    worst = [k for k in worst if abs(got[k] - ta[k]) > 0]
    if worst:
        lines.append("  biggest disagreements:")
    for k in worst:
        answer = " ".join(rows[k].answer.split())
        shown = answer[:120] + ("\u2026" if len(answer) > 120 else "")
        lines.append(f"    {rows[k].source}: TA {ta[k]:g}, grader {got[k]:g}: {shown!r}")
        for item in outcomes[k].items:
            if item.feedback:
                lines.append(f"      {item.id}: {item.feedback}")
        for reason in outcomes[k].review_reasons:
            lines.append(f"      flagged: {reason}")
    near = near_synonym_suggestions(rows, outcomes, points)
    if near:
        lines.append("  near-synonyms (WordNet) that earned part of a concept in high-scored answers; where they mean the "
                     "same here, add a synonyms group for full credit:")
        lines += [f"    - [{meant}, {said}]   # {cid}: in {n} high-scored answers, {low} low-scored"
                  for cid, said, meant, n, low in near]
    guessed = restatement_suggestions(rows, outcomes, points)
    if guessed:
        lines.append("  concepts guessed from other words in high-scored answers (part of their points); where the "
                     "wording means the concept, add its key words as a phrase:")
        lines += [f'    - {cid}: "{sentence}"   # guessed in {n} high-scored answers, {low} low-scored'
                  for cid, sentence, n, low in guessed]
    suggestions = missed_phrases(rows, outcomes, points)
    if suggestions:
        lines.append("  phrases common in high-scored answers that no phrase matched (paste into a concept):")
        lines += [f'    - "{text}"   # in {n} high-scored answers, {low} low-scored' for text, n, low in suggestions]
    return lines


def missed_phrases(rows: list[Scored], outcomes: list[Outcome], points: float) -> list[tuple[str, int, int]]:
    """Two- and three-word sequences of content words in at least two answers the TA scored three quarters or
    more, outside what the grader matched, more common there than in answers scored below half."""
    high: Counter[str] = Counter()
    low: Counter[str] = Counter()
    for row, outcome in zip(rows, outcomes):
        evidence = " ".join(i.evidence or "" for i in outcome.items if i.hit).lower()
        words = [t.word for t in tokenise(prepare(row.answer)) if not t.stop]
        grams = {" ".join(words[i : i + n]) for n in (2, 3) for i in range(len(words) - n + 1)}
        grams = {g for g in grams if g not in evidence}
        if row.score >= 0.75 * points:
            high.update(grams)
        elif row.score < points / 2:
            low.update(grams)
    ranked = sorted(((g, n, low[g]) for g, n in high.items() if n >= 2 and n > 2 * low[g]), key=lambda x: (-x[1], x[2], x[0]))
    out: list[tuple[str, int, int]] = []
    for gram, n, l in ranked:
        if not any(gram in kept or kept in gram for kept, _, _ in out):
            out.append((gram, n, l))
        if len(out) == _SUGGESTIONS:
            break
    return out


def near_synonym_suggestions(
    rows: list[Scored], outcomes: list[Outcome], points: float
) -> list[tuple[str, str, str, int, int]]:
    """(concept, the answers' word, the rubric's word, high-scored answers, low-scored answers) for each WordNet
    near-synonym that stood in for a rubric word in more answers the TA scored three quarters or more than in
    answers scored below half."""
    high: Counter[tuple[str, str, str]] = Counter()
    low: Counter[tuple[str, str, str]] = Counter()
    for row, outcome in zip(rows, outcomes):
        used = {(str(c), str(s), str(m)) for c, s, m in outcome.details.get("near_synonyms", [])}
        if row.score >= 0.75 * points:
            high.update(used)
        elif row.score < points / 2:
            low.update(used)
    ranked = sorted(((*key, n, low[key]) for key, n in high.items() if n > low[key]), key=lambda x: (-x[3], x[4], x[:3]))
    return ranked[:_SUGGESTIONS]


def restatement_suggestions(
    rows: list[Scored], outcomes: list[Outcome], points: float
) -> list[tuple[str, str, int, int]]:
    """(concept, a sentence of a high-scored answer that restated it, high-scored answers, low-scored answers) for
    each concept guessed from other words (grader.text.paraphrase) more often in answers the TA scored three
    quarters or more than in answers scored below half."""
    high: Counter[str] = Counter()
    low: Counter[str] = Counter()
    example: dict[str, str] = {}
    for row, outcome in zip(rows, outcomes):
        said = {str(c): str(text) for c, text in outcome.details.get("restatements", [])}
        if row.score >= 0.75 * points:
            high.update(said.keys())
            for cid, text in said.items():
                example.setdefault(cid, " ".join(text.split())[:120])
        elif row.score < points / 2:
            low.update(said.keys())
    ranked = sorted(((c, example[c], n, low[c]) for c, n in high.items() if n > low[c]), key=lambda x: (-x[2], x[3], x[0]))
    return ranked[:_SUGGESTIONS]


def _share(a: int, b: int) -> str:
    return f"{a / b:.0%} ({a}/{b})" if b else "n/a"


def pearson(x: list[float], y: list[float]) -> float:
    if len(x) < 2:
        return 0.0
    mx, my = statistics.fmean(x), statistics.fmean(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0


def quadratic_kappa(predicted: list[float], truth: list[float], points: float) -> float:
    """Quadratic weighted kappa on whole points 0..points (scores rounded half up)."""
    top = max(int(math.ceil(points)), 1)
    a = [min(max(int(math.floor(p + 0.5)), 0), top) for p in predicted]
    b = [min(max(int(math.floor(t + 0.5)), 0), top) for t in truth]
    n, k = len(a), top + 1
    observed = Counter(zip(a, b))
    ha, hb = Counter(a), Counter(b)
    num = sum((i - j) ** 2 * c for (i, j), c in observed.items())
    den = sum((i - j) ** 2 * ha[i] * hb[j] / n for i in range(k) for j in range(k))
    return 1 - num / den if den else 0.0
