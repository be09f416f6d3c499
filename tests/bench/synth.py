"""Synthetic classes for Homework 3: realistic mixes of answers, with the repetition real classes have.

Every part draws from a ranked list of answers (correct forms, LaTeX and plain, known wrong answers, other
mistakes, unreadable ones) with Zipf-like weights, so a few answers are popular, plus a long tail of
one-off variants (other coefficients, spacing, typos, extra sentences). Students write answers.md (with
varied headings), answers.txt, answers.yaml or answers.json; some skip parts, a few submit nothing usable.

    python tests/bench/synth.py OUT --students 1000 [--export] [--seed 0] [--distinct]

With --distinct no two students give the same answer to a part: each formula is an equivalent (or wrong)
form of its own (other coefficients that cancel, other factorings, LaTeX or plain), each sentence is reworded
(synonyms, openers, clauses in another order), so a result cache never answers and every check is run.

With --export the class is laid out as a Gradescope "Export Submissions" folder (submission_<id>/ folders
and submission_metadata.yml naming the students, some in pairs).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import yaml

FORMULAS: dict[str, list[str]] = {
    "4.1": ["n(n+1)/2", "$\\frac{n(n+1)}{2}$", "n(n-1)/2", "(n^2+n)/2", "n^2/2", "$\\frac{n^2+n}{2}$", "n*(n+1)/2",
            "n^2", "$\\binom{n+1}{2}$", "n^2/2 + n/2", "$\\frac{n(n-1)}{2}$", "n(n+1", "$$\\sum_{i=1}^{n} i$$"],
    "4.2": ["(t+1)(2n-t)/2", "n(t+1)", "$\\frac{(t+1)(2n-t)}{2}$", "n t", "n(t+1) - t(t+1)/2",
            "(t+1)(2n-t)/2 - n", "$n(t+1) - \\frac{t(t+1)}{2}$", "nt + n - t^2/2 - t/2", "n(t+1)/2", "(t+1)(2n-t"],
    "4.3": ["n(w+1)/2", "n w", "$\\frac{n(w+1)}{2}$", "n(w-1)/2", "w(w+1)/2", "(n/w) * w(w+1)/2",
            "$\\frac{n}{w} \\cdot \\frac{w(w+1)}{2}$", "nw/2", "n(w+1)/2w", "n/w(w+1"],
}
_TAILS = {"4.1": ["n(n+{k})/2", "{k}n(n+1)/2", "n^2/{k}", "n(n+1)/{k}"],
          "4.2": ["n(t+{k})", "(t+{k})(2n-t)/2", "n t + {k}", "(t+1)(2n-t)/{k}"],
          "4.3": ["n(w+{k})/2", "n w/{k}", "(n/w) w(w+{k})/2", "n(w+1)/{k}"]}

FORMULA_1 = ["h_T = \\sum_{k=1}^{T/2} (x_{2k} - x_{2k-1})", "h_T = x_T - x_{T-1}", "h_t = x_t - h_{t-1}",
             "h_T = \\sum_{t=1}^{T} x_t", "h_T = \\sum_{k=1}^{T/2} (x_{2k-1} - x_{2k})"]
TEXT: dict[str, list[str]] = {
    "1": ["So the output compares the sum of the inputs at even positions with the sum at odd positions.",
          "The output unit fires when the even-position inputs add up to more than the odd positions.",
          "It computes the alternating sum of the sequence and thresholds it.",
          "The network just adds up all the inputs.",
          "The output looks at the difference between the last two inputs."],
    "2.1": ["The input and output sequences have different lengths, so we need an encoder-decoder.",
            "The encoder reads the whole sentence into a context vector, then the decoder generates the output.",
            "Input and output can be of variable length, and the encoder sees the entire input first.",
            "A plain RNN makes one output per input, so it cannot translate.",
            "Encoder-decoders are faster to train.",
            "Because translation is hard."],
    "2.2": ["Attention takes a weighted sum of the encoder states, weighted by relevance to the decoder state.",
            "It removes the bottleneck of squeezing the sentence into one fixed-length vector.",
            "Attention computes a weighted average of the encoder hidden states and helps with long sentences.",
            "Attention lets the model focus on the relevant parts of the input.",
            "Attention makes the network deeper so it learns more.",
            "It is a weighted sum, and it does not remove the bottleneck."],
    "3.1": ["BERT embeddings are contextual, while Word2Vec embeddings are static.",
            "BERT is a deep bidirectional transformer, Word2Vec is a shallow network.",
            "BERT is trained with masked language modelling on a transformer, Word2Vec with skip-gram.",
            "Word2Vec embeddings are contextual while BERT embeddings are fixed for each word.",
            "BERT is bigger.",
            "The vector of a word in BERT depends on context."],
    "3.2": ["One-hot vectors carry no notion of similarity: every pair is orthogonal.",
            "One-hot vectors are sparse and high-dimensional, embeddings are dense.",
            "Embeddings capture semantic similarity and are much smaller than the vocabulary size.",
            "One-hot vectors are too slow.",
            "Embeddings are learned.",
            "Because one-hot vectors can't capture similarity between words."],
}
_FILLER = ["I think this is right.", "This was discussed in lecture 7.", "See the figure.", "In short:",
           "(not sure about this one)", "That is the main reason."]
_FIRST = ["Ada", "Ben", "Chen", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Mona", "Nils",
          "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wen", "Xia", "Yara", "Zoe"]
_LAST = ["Smith", "Garcia", "Okafor", "Müller", "Kowalski", "Nguyen", "Rossi", "Tanaka", "Haddad", "Silva", "Berg",
         "O'Neil", "Ivanova", "Kim", "Dubois", "Moreau", "Novak", "Singh"]
PART_IDS = ["1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"]


def _zipf(rng: random.Random, items: list[str], s: float = 1.2) -> str:
    weights = [1 / (rank + 1) ** s for rank in range(len(items))]
    return rng.choices(items, weights)[0]


def _respace(rng: random.Random, text: str) -> str:
    # Spacing variants: the same formula typed another way is another string.
    out = []
    for ch in text:
        out.append(ch)
        if ch in "+-*/=" and rng.random() < 0.5:
            out.insert(len(out) - 1, " ")
            out.append(" ")
    return "".join(out)


def formula_answer(rng: random.Random, part: str, tail: float = 0.12) -> str:
    if rng.random() < tail:
        kind = rng.random()
        if kind < 0.5:
            return rng.choice(_TAILS[part]).format(k=rng.randint(2, 40))
        return _respace(rng, _zipf(rng, FORMULAS[part]))
    return _zipf(rng, FORMULAS[part])


def _typo(rng: random.Random, text: str) -> str:
    words = text.split()
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4:
        j = rng.randrange(1, len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def text_answer(rng: random.Random, part: str, tail: float = 0.35) -> str:
    sentences = [_zipf(rng, TEXT[part], 1.0)]
    if rng.random() < 0.45:
        extra = _zipf(rng, TEXT[part], 1.0)
        if extra != sentences[0]:
            sentences.append(extra)
    if rng.random() < tail:
        if rng.random() < 0.5:
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(_FILLER))
        else:
            sentences[0] = _typo(rng, sentences[0])
        if rng.random() < 0.3:
            sentences.append(f"(See also note {rng.randint(1, 10_000)}.)")
    return " ".join(sentences)


# --- the all-distinct class -------------------------------------------------------------------------------------
# {k} is a coefficient that cancels (right forms) or changes the value (wrong ones); about half are right.
_DISTINCT_FORMULAS: dict[str, list[tuple[bool, str]]] = {
    "4.1": [(True, "({k}n^2 + {k}n)/(2*{k})"), (True, "$\\frac{{{k}n(n+1)}}{{{k2}}}$"), (True, "n(n+1)/2 + {k}n - {k}n"),
            (True, "(n+1)({k}n)/({k}+{k})"), (False, "n(n+{k})/2"), (False, "{k}n(n+1)/2"), (False, "n^2/{k} + n/2"),
            (False, "$\\frac{{n(n-1)}}{{{k}}}$")],
    "4.2": [(True, "({k}t+{k})(2n-t)/({k2})"), (True, "$\\frac{{(t+1)({k}n - {k}t/2)}}{{{k}}}$"),
            (True, "n(t+1) - {k}t(t+1)/({k2})"), (False, "n(t+{k})"), (False, "(t+1)(2n-t)/{k}"),
            (False, "n t + {k}")],
    "4.3": [(True, "({k}n w + {k}n)/({k2})"), (True, "$\\frac{{n}}{{w}} \\cdot \\frac{{w({k}w+{k})}}{{{k2}}}$"),
            (True, "n(w+1)/2 + {k}w - {k}w"), (False, "n(w+{k})/2"), (False, "n w/{k}"), (False, "(n/w) w(w+{k})/2")],
}
_DISTINCT_SUMS = ["h_T = \\sum_{{{i}=1}}^{{T/2}} (x_{{2{i}}} - x_{{2{i}-1}})",
                  "h_T = \\sum_{{{i}=1}}^{{\\frac{{T}}{{2}}}} \\left(x_{{2{i}}} - x_{{2{i}-1}}\\right)",
                  "h_T = -\\sum_{{{i}=1}}^{{T/2}} (x_{{2{i}-1}} - x_{{2{i}}})",
                  "h_T = \\sum_{{{i}=1}}^{{T/2}} (x_{{2{i}-1}} - x_{{2{i}}})"]
_SYNONYMS = {"inputs": ["values", "input values", "entries"], "output": ["result", "output unit"],
             "sum": ["total", "sum"], "positions": ["indices", "places", "steps"], "different": ["unequal", "distinct"],
             "lengths": ["sizes", "lengths"], "sentence": ["sentence", "source sentence", "input"],
             "vector": ["vector", "representation"], "relevant": ["important", "relevant", "useful"],
             "weighted": ["weighted", "scored"], "contextual": ["context-dependent", "contextual"],
             "static": ["fixed", "static"], "similarity": ["similarity", "closeness"], "sparse": ["sparse", "mostly zero"],
             "embeddings": ["embeddings", "word vectors"], "model": ["model", "network"], "whole": ["entire", "whole"]}
_OPENERS = ["", "I think ", "Basically, ", "In short, ", "My answer: ", "As I understand it, ", "Put simply, "]
_CLAUSES = ["this is what the lecture showed", "which is the key point", "as far as I can tell",
            "and that matters here", "if I remember correctly", "which answers the question"]


class Distinct:
    """Answers no other student of the class gives: reworded or re-formed until they are new."""

    def __init__(self) -> None:
        self.seen: dict[str, set[str]] = {part: set() for part in PART_IDS}
        self.count = 0

    def unique(self, part: str, make) -> str:
        for _ in range(50):
            answer = make()
            if answer not in self.seen[part]:
                break
        else:  # practically never: make it new with a number only this student has
            self.count += 1
            answer = f"{answer} (answer {self.count})"
        self.seen[part].add(answer)
        return answer

    def formula(self, rng: random.Random, part: str) -> str:
        def make() -> str:
            _, template = rng.choice(_DISTINCT_FORMULAS[part])
            k = rng.randint(2, 100_000)
            text = template.format(k=k, k2=2 * k)
            return _respace(rng, text) if rng.random() < 0.3 else text
        return self.unique(part, make)

    def text(self, rng: random.Random, part: str) -> str:
        def make() -> str:
            sentences = [_reword(rng, s) for s in rng.sample(TEXT[part], rng.randint(1, 2))]
            if rng.random() < 0.5:
                sentences[-1] = sentences[-1].rstrip(".") + f", {rng.choice(_CLAUSES)}."
            if rng.random() < 0.2:
                sentences.insert(0, rng.choice(_FILLER))
            return " ".join(sentences)
        return self.unique(part, make)

    def sum_formula(self, rng: random.Random) -> str:
        return rng.choice(_DISTINCT_SUMS).format(i=rng.choice("ijkmpq"))


def _reword(rng: random.Random, sentence: str) -> str:
    words = []
    for word in sentence.split():
        bare = word.strip(".,:;")
        if bare in _SYNONYMS and rng.random() < 0.6:
            word = word.replace(bare, rng.choice(_SYNONYMS[bare]))
        words.append(word)
    opener = rng.choice(_OPENERS)
    text = " ".join(words)
    if opener and not text[1:2].isupper():  # "BERT" and "Word2Vec" keep their capitals
        text = text[0].lower() + text[1:]
    return opener + text


def answers_for(rng: random.Random, distinct: Distinct | None = None) -> dict[str, str]:
    answers = {}
    for part in PART_IDS:
        if rng.random() < 0.04:
            continue  # skipped
        if distinct is not None:
            if part == "1":
                answers[part] = f"$${distinct.sum_formula(rng)}$$\n\n{distinct.text(rng, part)}"
            elif part in FORMULAS:
                answers[part] = distinct.formula(rng, part)
            else:
                answers[part] = distinct.text(rng, part)
        elif part == "1":
            answers[part] = f"$${_zipf(rng, FORMULA_1)}$$\n\n{text_answer(rng, part)}"
        elif part in FORMULAS:
            answers[part] = formula_answer(rng, part)
        else:
            answers[part] = text_answer(rng, part)
    return answers


_HEADINGS = ["## {id}", "## Question {id}", "**{id}**", "Question {id}", "Q{id}", "### {id}"]


def write_submission(rng: random.Random, folder: Path, distinct: Distinct | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    roll = rng.random()
    if roll < 0.005:
        (folder / "answers.md").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(64)))
        return
    if roll < 0.01:
        (folder / "notes.pdf").write_bytes(b"%PDF-1.4 nothing to grade here")
        return
    answers = answers_for(rng, distinct)
    style = rng.random()
    if style < 0.55:
        heading = rng.choice(_HEADINGS)
        body = "\n\n".join(f"{heading.format(id=k)}\n{v}" for k, v in answers.items())
        (folder / "answers.md").write_text(f"# Homework 3\n\n{body}\n", encoding="utf-8")
    elif style < 0.65:
        body = "\n\n".join(f"{k}) {v}" for k, v in answers.items())
        (folder / "answers.txt").write_text(body + "\n", encoding="utf-8")
    elif style < 0.85:
        (folder / "answers.yaml").write_text(yaml.safe_dump(answers, allow_unicode=True, width=100), encoding="utf-8")
    else:
        (folder / "answers.json").write_text(json.dumps(answers, ensure_ascii=False, indent=1), encoding="utf-8")


def _person(rng: random.Random, i: int) -> dict[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {":name": f"{first} {last}", ":sid": f"{2024000 + i}", ":email": f"{first.lower()}.{i}@example.edu"}


def generate_class(root: Path, students: int, *, seed: int = 0, export: bool = False,
                   distinct: bool = False) -> list[Path]:
    """Write `students` submissions under `root`; returns their folders. With `distinct`, no answer repeats."""
    rng = random.Random(seed)
    unique = Distinct() if distinct else None
    root.mkdir(parents=True, exist_ok=True)
    folders, metadata = [], {}
    for i in range(students):
        name = f"submission_{100000 + i}" if export else f"student_{i:05d}"
        write_submission(rng, root / name, unique)
        folders.append(root / name)
        if export:
            people = [_person(rng, i)] + ([_person(rng, 50_000 + i)] if rng.random() < 0.1 else [])
            metadata[name] = {":submitters": people, ":created_at": f"2024-03-{1 + i % 28:02d}T12:00:00-05:00",
                              ":score": None, ":status": "processed"}
    if export:
        (root / "submission_metadata.yml").write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
    return folders


def gradescope_metadata(submissions: int, history: int) -> str:
    """submission_metadata.yml as Gradescope writes it for `submission_1000`...: each record names its student
    and carries their results and `history` earlier ones (the bulk of a real file: 600 records with 4 earlier
    results each are 9 MB)."""
    rng = random.Random(1)
    out = []
    for i in range(submissions):
        out.append(f"submission_{1000 + i}:\n  :submitters:\n  - :name: Student {i}\n    :sid: '{i}'\n"
                   f"    :email: s{i}@example.edu\n  :created_at: 2024-03-01 12:00:00.000000000 -05:00\n"
                   "  :score: 87.5\n  :status: processed\n  :results:\n    :score: 87.5\n    :tests:\n")
        for t in range(8):
            out.append(f"    - :name: Part {t}\n      :score: {rng.randint(0, 10)}\n      :output: |-\n"
                       + "".join(f"        line {k} of the feedback {rng.random()}\n" for k in range(12)))
        out.append("  :history:\n")
        for h in range(history):
            out.append(f"  - :created_at: 2024-02-2{h} 10:00:00\n    :score: 50\n    :results:\n      :tests:\n")
            for t in range(8):
                out.append(f"      - :name: Part {t}\n        :output: \"{' '.join(str(rng.random()) for _ in range(12))}\"\n")
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--export", action="store_true")
    parser.add_argument("--distinct", action="store_true", help="no two students give the same answer to a part")
    args = parser.parse_args()
    generate_class(args.out, args.students, seed=args.seed, export=args.export, distinct=args.distinct)
    print(f"wrote {args.students} submissions to {args.out}")


if __name__ == "__main__":
    main()
