"""From raw answer text to tokens: folding of case, punctuation, hyphens and UK/US spelling, stemming, and the
clause structure that negation and subject conditions need.

Every token keeps its character span in the prepared text (`prepare`), so matches quote the student's own words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import Stemmer
from rapidfuzz.distance import OSA

from grader.text import lexicon

# Answers longer than this are cut before matching (and the outcome is flagged): bounds the work per answer.
MAX_CHARS = 8000

# The C build of Snowball's English stemmer (PyStemmer): the stems of the pure-Python build, about 18x faster
# (tests/text/test_stemmer.py compares the two on every word WordNet knows).
_STEMMER = Stemmer.Stemmer("english")

# Words that carry no content for matching: phrases and answers are compared on the other words, so
# "captures the context" matches the phrase "captures context". Negators are deliberately not here.
STOPWORDS = frozenset(
    """a an the of to in on at for from by with as is are was were be been being am it its it's this that these
    those which who whom whose what there their they them we our us you your i me my he she his her so such
    also very quite really then thus hence therefore do does did doing has have had having can could will
    would should shall may might must into onto about over under while when where how why here if whether s and
    or""".split()
)
# Stopwords that a bare list of keywords also contains ("sparse, dense and orthogonal"): not evidence of a statement.
LIST_WORDS = frozenset({"and", "or", "s"})
# Auxiliaries and light verbs: a clause of three or more words with one of these states something.
STATEMENT_VERBS = frozenset(
    """is are was were be been being am has have had can could will would does do did should shall may might must
    gets get gives give uses use makes make means lets allows helps needs""".split()
)

# Words that deny the statement that follows them in the same clause.
NEGATORS = frozenset(
    """not no never without cannot none neither nor lack lacks lacking lacked fail fails failed failing unable
    absent nothing nobody""".split()
)
_FAIL = frozenset({"fail", "fails", "failed", "failing"})
_LONG_NEGATORS = ("nothing", "without", "neither", "nobody")
# "not only contextual but also deep" asserts both: these words right after a negator cancel it.
_NEGATION_CANCELLERS = frozenset({"only", "just", "merely", "simply", "matter"})

# Words that end a clause for negation scope ("word2vec is static but BERT is not" ...).
CLAUSE_WORDS = frozenset(
    """but while whereas however although though yet unlike instead because since whilst meanwhile""".split()
)
# After "and"/"or" these begin a new clause with a subject of its own ("... and they capture ...").
_PRONOUNS = frozenset({"it", "they", "this", "these", "those", "that", "there", "we", "you", "i", "he", "she", "its"})
# Words that mark the next subject as the thing compared against, not the thing talked about:
# "unlike Word2Vec, BERT is contextual" is a statement about BERT.
CONTRAST_WORDS = frozenset({"unlike", "than", "compared", "opposed", "contrast", "versus", "vs", "instead"})

_CONTRACTIONS = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not", "ain't": "is not",
    # Written without the apostrophe, as students often do.
    "cant": "can not", "wont": "will not", "dont": "do not", "doesnt": "does not", "didnt": "did not",
    "isnt": "is not", "arent": "are not", "wasnt": "was not", "werent": "were not", "hasnt": "has not",
    "havent": "have not", "hadnt": "had not", "couldnt": "could not", "wouldnt": "would not",
    "shouldnt": "should not", "mustnt": "must not", "neednt": "need not",
}

# Whole-word UK -> US folds that the suffix rules below do not cover.
_UK_US = {
    "centre": "center", "centres": "centers", "centred": "centered", "metre": "meter", "metres": "meters",
    "fibre": "fiber", "litre": "liter", "grey": "gray", "programme": "program", "programmes": "programs",
    "analyse": "analyze", "analysed": "analyzed", "analyses": "analyzes", "analysing": "analyzing",
    "paralyse": "paralyze", "catalogue": "catalog", "dialogue": "dialog", "defence": "defense",
    "licence": "license", "whilst": "while", "amongst": "among", "learnt": "learned", "judgement": "judgment",
    "modelling": "modeling", "modelled": "modeled", "labelling": "labeling", "labelled": "labeled",
    "travelling": "traveling", "travelled": "traveled", "cancelled": "canceled", "signalling": "signaling",
    "channelled": "channeled", "levelled": "leveled", "tunnelling": "tunneling", "totalled": "totaled",
}
_OUR = re.compile(r"^(col|behavi|fav|hon|lab|neighb|rum|hum|flav|vap|harb|endeav|arm|savi)our(s|ed|ing|ite|ites|able)?$")
_ISE = re.compile(r"^(\w{3,}?)is(e|es|ed|ing|er|ers|ation|ations|ational)$")
# -ise words that are not -ize words in US spelling; they stay as they are (folding both sides alike
# would be harmless, but keeping them makes evidence and reports easier to read).
_ISE_KEEP = frozenset(
    """advise advised advising advises otherwise likewise clockwise precise concise exercise exercises exercised
    comprise comprises comprised surprise surprised surprising surprises promise promises promised promising
    noise noises raise raised raises raising arise arises arising arisen rise rises rising premise premises
    expertise revise revised revising supervise supervised supervising supervisor compromise devise devised
    improvise disguise despise franchise enterprise merchandise televise excise incise chastise wise
    paradise precisely""".split()
)

# "non-static" and "non static" are one word, "nonstatic": the prefix negates only its own word, never what follows.
_WORD = re.compile(r"\bnon[- ](?=[^\W_])[^\W_]+|[^\W_]+(?:'[^\W_]+)?")
# Sentence ends: . ! ? followed by a space or the end; a blank line or a bullet also ends one.
_SENTENCE_END = re.compile(r"(?<!\.)[.!?](?![.])(?=\s|$)|\n\s*\n|\n\s*(?:[-*\u2022]|\d+[.)])\s")
# A period after these is not the end of a sentence ("e.g. the bank", "i.e. the sum", "et al. showed").
_ABBREVIATIONS = frozenset({"e.g", "i.e", "eg", "ie", "etc", "vs", "al", "cf", "approx", "resp", "fig", "eq"})
_CLAUSE_END = re.compile(r"[,;:()\[\]\n]|--|\u2014|\u2013 ")
# LaTeX and symbol relations a student may type in an explanation: read them as words.
_SYMBOLS = (
    # Arrows ("p->left", "root -> left -> right") are a sequence, not a comparison: they read "then".
    (re.compile(r"-+>|=+>|\u2192|\u27f6"), " then "),
    (re.compile(r"\\(?:geq?|geqslant)\b|>=|\u2265"), " greater or equal "),
    (re.compile(r"\\(?:leq?|leqslant)\b|<=|\u2264"), " less or equal "),
    (re.compile(r"\\gt\b|>"), " greater than "),
    (re.compile(r"\\lt\b|<"), " less than "),
    (re.compile(r"\\neq?\b|!=|\u2260"), " not equal "),
)
_LATEX_COMMAND = re.compile(r"\\([a-zA-Z]+)")


class Token(NamedTuple):
    """One word of the answer."""

    word: str  # folded spelling (lower case, US spelling)
    stem: str  # snowball stem of `word` ("not" for every negator)
    start: int  # character span in the prepared text
    end: int
    sentence: int  # index of the sentence it belongs to
    clause: int  # index of the clause (sentences split further at commas, "but", "while", ...)
    stop: bool  # a stopword: ignored by phrase matching
    negator: bool


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    """A lower-case word in US spelling."""
    if word in _UK_US:
        return _UK_US[word]
    m = _OUR.match(word)
    if m:
        return f"{m.group(1)}or{m.group(2) or ''}"
    if word not in _ISE_KEEP:
        m = _ISE.match(word)
        if m:
            return f"{m.group(1)}iz{m.group(2)}"
    return word


# Words the Snowball stemmer conflates with unrelated words: positive/position -> "posit", meaning/mean -> "mean".
_STEM_EXCEPTIONS = {
    "positive": "positiv", "positives": "positiv", "positively": "positiv",
    "negative": "negativ", "negatives": "negativ", "negatively": "negativ",
    "meaning": "meaning", "meanings": "meaning", "meaningful": "meaning",
    # -ing nouns that name something else than their verb: "programming" is not any mention of a "program".
    "programming": "programming", "timing": "timing", "timings": "timing", "settings": "setting",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of a folded word."""
    return _STEM_EXCEPTIONS.get(word) or _STEMMER.stemWord(word)


def clean(text: str) -> str:
    """Unicode-normalised text with typographic quotes, minus signs and soft hyphens made plain."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u2212", "-").replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u00ad", "")


def _symbols_as_words(text: str) -> str:
    """Relations typed as symbols become words ("a > b" reads "a greater than b") and LaTeX commands lose their
    backslash ("\\sum" reads "sum"). Evidence is quoted from this text, so it shows the words, not the symbols."""
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    return _LATEX_COMMAND.sub(lambda m: f" {m.group(1)} ", text)


# A line break inside a sentence is only a space: the line before ends in a word or a comma, and either the
# next line goes on in lower case or the line before is long (wrapped prose, not an item of a list).
_SOFT_BREAK = re.compile(r"(?<=[\w,])[ \t]*\n[ \t]*(?=[A-Za-z$(\\])")
_WRAPPED_LINE = 40


def _soft_break(m: re.Match[str]) -> str:
    text = m.string
    line_start = text.rfind("\n", 0, m.start()) + 1
    nxt = text[m.end()]
    if nxt.islower() or m.start() - line_start >= _WRAPPED_LINE:
        return " "
    return m.group()


def prepare(text: str, keep_case: bool = False) -> str:
    """The text that tokens and their spans refer to: cleaned, symbols spelled out, cut at MAX_CHARS, lower case
    unless `keep_case` (the form evidence is quoted from)."""
    text = clean(_SOFT_BREAK.sub(_soft_break, text[: MAX_CHARS * 2]))
    if any(c in text for c in "<>\\\u2264\u2265\u2260\u2192\u27f6"):
        text = _symbols_as_words(text)
    text = text[:MAX_CHARS]
    return text if keep_case else text.lower()


def tokenise(text: str) -> list[Token]:
    """Tokens of a prepared text (see `prepare`), with sentence and clause indices."""
    sentence_ends = sorted(
        {m.start() for m in _SENTENCE_END.finditer(text) if not _abbreviation_before(text, m.start())}
    )
    clause_ends = sorted({m.start() for m in _CLAUSE_END.finditer(text)})
    tokens: list[Token] = []
    sentence = clause = 0
    si = ci = 0
    for m in _WORD.finditer(text):
        start = m.start()
        while si < len(sentence_ends) and sentence_ends[si] < start:
            sentence += 1
            clause += 1
            si += 1
        while ci < len(clause_ends) and clause_ends[ci] < start:
            clause += 1
            ci += 1
        raw = m.group()
        if raw[:4] in ("non-", "non "):
            raw = "non" + raw[4:]
        for word, wstart, wend in _split_contraction(raw, start):
            # "not yet generated" is one clause: "yet" after a negator is an adverb, not a conjunction.
            if tokens and tokens[-1].clause == clause and (
                (word in CLAUSE_WORDS and not (word == "yet" and tokens[-1].negator))
                or (tokens[-1].word in ("and", "or") and word in _PRONOUNS)
            ):
                clause += 1
            word, stemmed, stop, negator = _word_info(word)
            tokens.append(Token(word, stemmed, wstart, wend, sentence, clause, stop, negator))
    # "fails to converge" denies; "if it fails, it is rolled back" only names a failure.
    for k, t in enumerate(tokens):
        if t.word in _FAIL and (k + 1 == len(tokens) or tokens[k + 1].word != "to"):
            tokens[k] = t._replace(stem=stem(t.word), negator=False)
    return tokens


def _abbreviation_before(text: str, i: int) -> bool:
    if text[i] != ".":
        return False
    j = i
    while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    return text[j:i] in _ABBREVIATIONS


def _split_contraction(raw: str, start: int) -> list[tuple[str, int, int]]:
    """ "isn't" -> is + not, "cannot" -> can + not, "word2vec's" -> word2vec; spans stay within the word."""
    end = start + len(raw)
    if raw in _CONTRACTIONS:
        first, second = _CONTRACTIONS[raw].split()
        return [(first, start, end), (second, start, end)]
    if raw.endswith("n't"):
        return [(raw[:-3], start, end - 3), ("not", end - 3, end)]
    if "'" in raw:
        head = raw.split("'", 1)[0]
        return [(head, start, start + len(head))] if head else []
    return [(raw, start, end)]


@lru_cache(maxsize=65536)
def _word_info(raw: str) -> tuple[str, str, bool, bool]:
    """(folded word, stem, stopword?, negator?) of a lower-case word."""
    word = fold_word(raw)
    negator = word in NEGATORS or _misspelt_negator(word)
    # All negators match each other: the phrase "no notion of similarity" also matches "does not have any
    # notion of similarity" and "without a notion of similarity".
    return word, "not" if negator else stem(word), word in STOPWORDS, negator


def _misspelt_negator(word: str) -> bool:
    """A slip in a long negator ("notihng", "witout") that is no English word (WordNet installed): it negates."""
    if len(word) < 6 or not word.isalpha() or not any(
        n[0] == word[0] and OSA.distance(word, n) == 1 for n in _LONG_NEGATORS
    ):
        return False
    return lexicon.known(word) is False


def word_stem(raw: str) -> str:
    """The stem a lower-case word is matched on (as in its Token)."""
    return _word_info(raw)[1]


def normalised(tokens: list[Token]) -> str:
    """The answer folded to its content stems, for grouping identical answers in class reports."""
    return " ".join(t.stem for t in tokens if not t.stop)


def negation_cancelled(tokens: list[Token], i: int) -> bool:
    """Whether the negator at index i is cancelled by the next word ("not only", "no matter")."""
    return i + 1 < len(tokens) and tokens[i + 1].word in _NEGATION_CANCELLERS
