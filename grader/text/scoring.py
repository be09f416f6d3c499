"""grade_text: score one free-text answer against a TextSpec and explain the score.

Score = points of the concepts found (a group gives its points for `pick` of its concepts, a share for fewer),
capped (section cap; required concept missing; keyword list; keyword stuffing), minus the penalties of the
misconceptions stated and the statements said of the wrong subject, raised to the floor, rounded.
"""

from __future__ import annotations

import math

from grader.results import ItemResult, Outcome, status_for
from grader.text.analysis import Analysis, Occurrence
from grader.text.compiled import compiled
from grader.text.items import Verdict, concept_item, is_denied, misconception_item, missing_sentence, uncap
from grader.text.normalise import normalised
from grader.text.opinion import second_opinion
from grader.text.paraphrase import concept_glosses, restatement
from grader.text.spec import TextSpec


def grade_text(answer: str, spec: TextSpec, reference: str | None = None) -> Outcome:
    """Score a free-text answer against `spec`. Never raises: a failure is an "invalid" outcome for a TA.
    `reference` (the model answer) and the spec's `scored` answers give a second opinion (review flags only)."""
    try:
        max_score = float(spec.points) if spec.points is not None else 0.0
    except Exception:  # noqa: BLE001 - not a TextSpec: reported as invalid below
        max_score = 0.0
    try:
        return _grade(answer if isinstance(answer, str) else str(answer), spec, max_score, reference)
    except Exception as exc:  # noqa: BLE001 - the pipeline must get an outcome for every answer
        return Outcome(
            engine="text",
            score=0.0,
            max_score=max_score,
            status="invalid",
            error="The explanation could not be processed; a TA will grade it by hand.",
            needs_review=True,
            review_reasons=[f"text engine failed: {type(exc).__name__}: {exc}"],
        )


def _grade(answer: str, spec: TextSpec, points: float, reference: str | None = None) -> Outcome:
    analysis = Analysis(answer, compiled(spec))
    verdicts = {
        cid: Verdict.of([o for claim in claims for o in analysis.occurrences(claim)])
        for cid, claims in analysis.spec.claims.items()
    }
    group_of = {cid: g for g in spec.groups for cid in g.concepts}
    keyword_list = analysis.keyword_list
    names = {sid: (aliases[0] if aliases else sid) for sid, aliases in spec.subjects.items()}

    items: list[ItemResult] = []
    found: list[str] = []
    missing: list[str] = []
    wrong: list[str] = []
    reasons: list[str] = []
    conflicts: list[str] = []
    unattributed: list[str] = []
    partly: list[str] = []
    near_used: list[list[str]] = []
    base = penalty = loose_points = 0.0
    # Spans of the misconceptions stated: a swap the TA wrote a misconception for is penalised once, as that.
    stated = [(o.first, o.last) for m in spec.misconceptions for o in verdicts[m.id].all if o.verdict == "hit"]
    glosses = concept_glosses(analysis.spec, reference) if spec.paraphrase and not keyword_list else {}
    said = {i for v in verdicts.values() for o in v.all if o.verdict == "hit" for i in range(o.first, o.last + 1)}
    restated_ids: list[str] = []
    restatements: list[list[str]] = []
    guesses: list[str] = []
    guessed = 0.0

    for concept in spec.concepts:
        v = verdicts[concept.id]
        worth = 0.0 if concept.id in group_of else float(concept.points or 0.0)
        share = concept.partial if concept.partial is not None else spec.partial
        # Loose credit only where nothing in the answer speaks against it: no denial, no wrong subject.
        loose = (
            _loose(analysis, concept.id)
            if not (v.hit or v.swapped or v.denied) and concept.id not in group_of and share and worth
            else None
        )
        other = (
            restatement(analysis, glosses.get(concept.id), said)
            if loose is None and not (v.hit or v.swapped or v.denied) and worth
            else None
        )
        if v.hit:
            base += worth
            found.append(concept.found or f"You explained that {uncap(concept.label)}.")
            if v.hit.unattributed:
                unattributed.append(concept.id)
        elif other is not None:
            gain = spec.paraphrase * worth
            base, loose_points, guessed = base + gain, loose_points + gain, guessed + gain
            restated_ids.append(concept.id)
            restatements.append([concept.id, analysis.display[other.span[0] : other.span[1]]])
            guesses.append(f"{concept.id} may be stated in other words ({other.note}): part of its points given")
            missing.append(
                f"You may have meant that {uncap(concept.label)} ({other.note}): part of its points. For full "
                "credit say it clearly."
            )
        elif loose is not None:
            base += share * worth
            loose_points += share * worth
            partly.append(concept.id)
            near_used += [[concept.id, said, meant] for said, meant in loose.near]
            missing.append(
                f"Partly: \u201c{loose.evidence}\u201d comes close{_near_note(loose)}; for full credit say clearly "
                f"that {uncap(concept.label)}."
            )
        elif concept.id not in group_of:
            missing.append(missing_sentence(concept, v))
        swap = 0.0
        # Only a statement whose subject is named in its own sentence is penalised as swapped; and a bare list
        # of keywords claims nothing of anyone.
        if v.swapped and v.swapped.named and not keyword_list and not _overlaps(v.swapped, stated):
            swap = concept.swap_penalty if concept.swap_penalty is not None else spec.swap_penalty
            penalty += swap
            subject = names.get(v.swapped.subject or "", v.swapped.subject)
            wrong.append(
                f"You wrote \u201c{v.swapped.evidence}\u201d about {subject}, but it is the other way round: "
                f"{uncap(concept.label)}."
            )
        conflict = v.conflict()
        if conflict:
            conflicts.append(concept.id)
            reasons.append(
                f"conflicting statements on {concept.id}: "
                f"\u201c{conflict[0].evidence}\u201d vs \u201c{conflict[1].evidence}\u201d"
            )
        item = concept_item(concept, v, worth if v.hit else 0.0, worth, swap, names)
        if other is not None:
            item = item.model_copy(
                update={"points": spec.paraphrase * worth - swap, "evidence": other.note,
                        "feedback": f"perhaps stated in other words ({spec.paraphrase:g} of its points): {other.note}"}
            )
        if loose is not None:
            item = item.model_copy(
                update={"points": share * worth - swap, "evidence": loose.evidence,
                        "feedback": f"stated loosely ({share:g} of its points): \u201c{loose.evidence}\u201d"
                                    + _near_note(loose)}
            )
        items.append(item)

    for group in spec.groups:
        hits = [cid for cid in group.concepts if verdicts[cid].hit]
        gain = group.points * min(len(hits), group.pick) / group.pick
        base += gain
        absent = [c for c in spec.concepts if c.id in group.concepts and not verdicts[c.id].hit]
        if len(hits) < group.pick:
            options = "; ".join(missing_sentence(c, verdicts[c.id], bare=True) for c in absent)
            missing.insert(
                0, f"The question asks for {group.label}; you gave {len(hits)} of {group.pick}. You could add: {options}."
            )
        items.append(
            ItemResult(
                id=group.id,
                label=group.label,
                points=gain,
                max_points=group.points,
                hit=len(hits) >= group.pick,
                evidence="; ".join(verdicts[c].hit.evidence for c in hits) or None,  # type: ignore[union-attr]
                feedback=f"{len(hits)} of {group.pick} found" + (f": {', '.join(hits)}" if hits else ""),
            )
        )

    order_lost = 0.0
    for order in spec.order:
        seq = [(verdicts[c].hit, c) for c in order.concepts if verdicts[c].hit]
        firsts = [h.first for h, _ in seq]  # type: ignore[union-attr]
        in_order = firsts == sorted(firsts)
        lost = 0.0
        if not in_order:
            said = ", ".join(c for _, c in sorted(seq, key=lambda x: x[0].first))  # type: ignore[union-attr]
            # A penalty needs a list of the sequence: one sentence naming three of its concepts (or all, if
            # fewer). Two stages, one of them named later in a description, may be no list at all.
            if len({analysis.tokens[f].sentence for f in firsts}) == 1 and len(seq) >= min(3, len(order.concepts)):
                lost = order.penalty
                penalty += lost
                order_lost += lost
                wrong.append(f"The order is not right: it is {order.label} (you wrote them as {said}).")
            else:
                reasons.append(f"concepts of {order.id} stated out of order ({said}), not as a list")
        items.append(
            ItemResult(
                id=order.id, label=order.label, points=-lost, max_points=0.0, hit=in_order, penalty=True,
                feedback="in order" if in_order else f"out of order: {', '.join(c for _, c in seq)}",
            )
        )

    for mis in spec.misconceptions:
        v = verdicts[mis.id]
        if v.hit:
            penalty += mis.points
            wrong.append(f"Not right: {uncap(mis.label)} (you wrote \u201c{v.hit.evidence}\u201d). {mis.feedback or ''}".strip())
        items.append(misconception_item(mis, v))

    caps = [spec.cap if spec.cap is not None else points]
    hits = [verdicts[c.id].hit for c in spec.concepts if verdicts[c.id].hit]
    if spec.needs_words and hits and all(h.by_pattern for h in hits):
        caps.append(0.0)
        reasons.append("only formulas, no explanation in words")
        missing.append("Explain in words what the formula means: the formula alone earns this part nothing.")
    required_missing = [c.id for c in spec.concepts if c.required and not verdicts[c.id].hit]
    if required_missing:
        caps.append(spec.required_cap if spec.required_cap is not None else points / 2)
    covered = {i for v in verdicts.values() for o in v.all if o.verdict == "hit" for i in range(o.first, o.last + 1)}
    scattered = analysis.scattered(covered) if keyword_list else 0
    # Stuffing only where sure: three or more of the rubric's words outside every phrase found, making up more
    # than half of the answer; a run of eight or more keywords with nothing between them (a dump, not a list
    # written without commas: a shorter run scores as the same list with commas would); keywords that
    # contradict each other (a phrase both stated and denied, or said of two subjects).
    contradicted = keyword_list and any(
        v.hit and any(o.verdict == "denied" and o.negated and not _overlaps(o, [(v.hit.first, v.hit.last)]) for o in v.all)
        for v in verdicts.values()
    )
    stuffed = keyword_list and (
        (scattered >= 3 and scattered > 0.5 * analysis.content_words)
        or analysis.strung_keywords
        or bool(conflicts)
        or contradicted
    )
    # Shape caps a TA should know of are in `details["caps"]`. Stuffing is capped only where sure, so it is not
    # flagged; a bare list is flagged when its cap took points, as a person may well give them.
    shape_caps: list[str] = []
    if stuffed:
        caps.append(spec.stuffing_cap if spec.stuffing_cap is not None else points / 4)
        shape_caps.append("keyword stuffing: the rubric's words strung together or contradicting each other, no statement")
    elif keyword_list and spec.lists == "capped":
        cap = spec.keyword_cap if spec.keyword_cap is not None else points / 2
        caps.append(cap)
        shape_caps.append("only a list of keywords, no statement")
        if base > cap:
            reasons.append(f"only a list of keywords, no statement: capped at {cap:g} of the {base:g} points it names")
    capped = min(caps) < base
    raw = max(min([base, *caps]) - penalty, spec.floor)
    # A capped score is rounded down, so that rounding never lifts it above its cap.
    score = _round_down(raw, spec.round_to) if capped else _round(raw, spec.round_to)
    score = min(max(score, 0.0), points)
    # A guess at what the student meant never earns the full marks the rest of the answer does not.
    if restated_ids and score >= points and min([base - guessed, *caps]) - penalty < points:
        score = max(_round_down(points - spec.round_to, spec.round_to), 0.0)

    n_words = analysis.words
    # A very short answer is easy to score where it earns little; a high score from a few words is worth a look.
    if n_words < spec.review.short_words and score >= spec.review.short_min_share * points and score > 0:
        reasons.append(f"very short answer ({n_words} words) scored {score:g} of {points:g}")
    if n_words > spec.review.long_words and score < spec.review.long_min_share * points:
        reasons.append(f"long answer ({n_words} words) with few concepts found")
    if analysis.truncated:
        reasons.append("answer too long: only its beginning was read")
    # Wrong statements next to most of the concepts may be a slip or a misreading; an order penalty is neither.
    if penalty - order_lost > 0 and base >= 0.75 * points:
        reasons.append("many concepts found together with wrong statements")
    # A guess is worth a look where the score rests on it: at least twice what the phrases earned for sure
    # (measured on the corpus's tuning questions: flagging every guess flags more answers, none more of the
    # large errors).
    if guesses and guessed >= 2 * max(score - loose_points, 0.0):
        reasons += guesses
        missing = [f + " A TA will check it." if f.startswith("You may have meant") else f for f in missing]
    if spec.second_opinion:
        # Compared with what the rubric found for sure: points from loose statements are themselves a guess. A
        # low score the rubric can explain (a misconception stated, a statement said of the wrong subject) is not
        # second-guessed by its likeness to the reference: wrong answers share the reference's words too.
        sure = max(score - loose_points, 0.0)
        examples = [(e.answer, e.score) for e in spec.scored]
        explained = any(verdicts[m.id].hit for m in spec.misconceptions) or any(
            verdicts[c.id].swapped is not None for c in spec.concepts
        )
        reasons += second_opinion(analysis.tokens, score, points, None if explained else reference, examples, sure=sure)
    if unattributed and not keyword_list:
        reasons.append(f"credited without knowing which subject it was said of: {', '.join(unattributed)}")

    if keyword_list and (stuffed or spec.lists == "capped"):
        missing.append("Write your answer as sentences: a list of keywords alone earns at most part of the points.")
    if score >= points:
        missing = []
    return Outcome(
        engine="text",
        score=score,
        max_score=points,
        status=status_for(score, points),
        items=items,
        feedback=[f for f in found + missing + wrong if f],
        needs_review=bool(reasons),
        review_reasons=reasons,
        details={
            "normalised": normalised(analysis.tokens),
            "words": n_words,
            "concepts_found": [c.id for c in spec.concepts if verdicts[c.id].hit],
            "misconceptions_found": [m.id for m in spec.misconceptions if verdicts[m.id].hit],
            "swapped": [c.id for c in spec.concepts if verdicts[c.id].swapped],
            "negated": [c.id for c in spec.concepts if not verdicts[c.id].hit and is_denied(verdicts[c.id])],
            "required_missing": required_missing,
            "keyword_list": keyword_list,
            "stuffed": stuffed,
            "caps": shape_caps,
            "conflicts": conflicts,
            "partly": partly,
            "restated": restated_ids,
            # [concept, the answer's sentence] for each concept guessed from other words (partly credited)
            "restatements": restatements,
            # [concept, the answer's word, the rubric's word] where a WordNet near-synonym stood in (partly credited)
            "near_synonyms": near_used,
            "points_found": base,
            "penalty": penalty,
        },
    )


def _loose(analysis: Analysis, cid: str) -> Occurrence | None:
    """The first loose statement of a concept that is not negated, if any."""
    claims = [c for c in analysis.spec.claims[cid] if not (c.about or c.contrast)]  # subjects need the exact phrase
    hits = [o for claim in claims for o in analysis.loose(claim) if o.verdict == "hit"]
    return min(hits, key=lambda o: o.first) if hits else None


def _near_note(occ: Occurrence) -> str:
    """Which of the student's words stood for which of the rubric's, in a loose statement."""
    if not occ.near:
        return ""
    return " (" + ", ".join(f"\u201c{said}\u201d for \u201c{meant}\u201d" for said, meant in occ.near) + ")"


def _overlaps(occ: Occurrence, spans: list[tuple[int, int]]) -> bool:
    return any(first <= occ.last and occ.first <= last for first, last in spans)


def _round(x: float, step: float) -> float:
    return round(math.floor(x / step + 0.5 + 1e-9) * step, 6)


def _round_down(x: float, step: float) -> float:
    return round(math.floor(x / step + 1e-9) * step, 6)
