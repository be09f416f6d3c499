"""The tokenizer: splits a cleaned formula into grammar tokens, knowing the part's names.

Names are split with the declared variables, so `nt` is `n t` and `2n` is `2 n`; anything that is not a
declared name, a constant, a summation index or a whitelisted function is an error here, with a hint when it
differs only in case from a declared name. LaTeX commands outside the whitelist (`\\input`, `\\def`) are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.formula import fast
from grader.formula.errors import ReadFailure
from grader.formula.reading.parsetree import Token
from grader.formula.reading.unicode import Clean

MAX_NUMBER_DIGITS = 30
MAX_NESTING = 40

# Function words: canonical name, number of arguments (None: two or more).
FUNCTIONS: dict[str, tuple[str, int | None]] = {
    "binomial": ("binomial", 2), "binom": ("binomial", 2), "choose": ("binomial", 2), "C": ("binomial", 2),
    "nCr": ("binomial", 2), "comb": ("binomial", 2),
    "min": ("min", None), "max": ("max", None),
    "floor": ("floor", 1), "ceil": ("ceil", 1), "ceiling": ("ceil", 1),
    "log": ("log", 1), "ln": ("log", 1), "lg": ("log2", 1), "sqrt": ("sqrt", 1), "abs": ("abs", 1),
    "factorial": ("factorial", 1),
    # sympy's spellings, which students copy from tools
    "Min": ("min", None), "Max": ("max", None), "Abs": ("abs", 1), "log2": ("log2", 1), "log10": ("log10", 1),
    "P": ("perm", 2), "nPr": ("perm", 2), "perm": ("perm", 2),
    "exp": ("exp", 1),
}
# Elementary functions: their names, and the other spellings of the inverse ones.
ELEMENTARY = ("sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "acot",
              "sinh", "cosh", "tanh", "sech", "csch", "coth", "asinh", "acosh", "atanh")
_INVERSE_SPELLINGS = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arccot": "acot",
                      "arsinh": "asinh", "arcsinh": "asinh", "arcosh": "acosh", "arccosh": "acosh",
                      "artanh": "atanh", "arctanh": "atanh"}
FUNCTIONS.update({f: (f, 1) for f in ELEMENTARY})
FUNCTIONS.update({k: (v, 1) for k, v in _INVERSE_SPELLINGS.items()})
INVERSE = {"sin": "asin", "cos": "acos", "tan": "atan", "cot": "acot", "sinh": "asinh", "cosh": "acosh",
           "tanh": "atanh"}  # `\sin^{-1}`
MATH_CONSTANTS = ("pi", "e")  # and `i`, where the part is complex
# Functions whose word alone (no parenthesis) may take the next factor: `log n`, `sqrt n`.
_BARE_OK = {"log", "log2", "log10", "sqrt", "exp", *ELEMENTARY}
_BARE_WORDS = {"log", "ln", "lg", "sqrt", "log2", "log10", "exp", *ELEMENTARY, *_INVERSE_SPELLINGS}

_TEX_TOKENS = {
    "frac": "FRAC", "dfrac": "FRAC", "tfrac": "FRAC", "cfrac": "FRAC",
    "binom": "BINOM", "dbinom": "BINOM", "tbinom": "BINOM",
    "cdot": "STAR", "times": "STAR", "ast": "STAR", "div": "SLASH",
    "lfloor": "LFLOOR", "rfloor": "RFLOOR", "lceil": "LCEIL", "rceil": "RCEIL",
    "sum": "SUM", "dots": "ELLIPSIS", "ldots": "ELLIPSIS", "cdots": "ELLIPSIS", "dotsb": "ELLIPSIS",
    "dotsc": "ELLIPSIS", "dotsm": "ELLIPSIS", "sqrt": "SQRT", "choose": "CHOOSE", "over": "OVER",
    "prod": "PROD", "lvert": "LABS", "rvert": "RABS",
}
_TEX_FUNCS = {"min": "min", "max": "max", "log": "log", "ln": "log", "lg": "log2", "exp": "exp",
              **{f: f for f in ELEMENTARY}, **_INVERSE_SPELLINGS}
_TEX_IGNORED = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
    "Biggl", "Biggr", "limits", "nolimits", "displaystyle", "textstyle", "quad", "qquad", "middle",
}
_PUNCT = {
    "+": "PLUS", "-": "MINUS", "*": "STAR", "/": "SLASH", "^": "POW", "(": "LPAR", ")": "RPAR",
    "[": "LBRACK", "]": "RBRACK", "{": "LBRACE", "}": "RBRACE", ",": "COMMA", "!": "BANG", "_": "SUB",
    "=": "EQ",
}
_OPENERS = {"LPAR", "LBRACK", "LBRACE", "LFLOOR", "LCEIL"}
_CLOSERS = {"RPAR", "RBRACK", "RBRACE", "RFLOOR", "RCEIL"}

_NUMBER = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?:[eE]\d{1,3}(?![A-Za-z0-9.]))?")  # 1e3 is 1000
_WORD = re.compile(r"[A-Za-z]+")
_TEXCMD = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)
_SUM_INDEX = re.compile(r"(?:\\sum|\bsum|\\prod|\bprod)\s*(?:\\limits\s*)?_\s*\{?\s*([A-Za-z])\s*=")


@dataclass
class Names:
    """The names a formula may use."""

    variables: tuple[str, ...] = ()
    sequences: tuple[str, ...] = ()
    constants: tuple[str, ...] = ()
    bound: set[str] = field(default_factory=set)
    functions: dict = field(default_factory=dict)  # the rubric's declared functions: name -> (params, body tree)
    imaginary: bool = False  # `i` is the imaginary unit

    @property
    def math(self) -> tuple[str, ...]:
        """The mathematical constants the part reads (a declared name of the same spelling wins)."""
        taken = set(self.variables) | set(self.constants) | set(self.sequences) | set(self.functions)
        return tuple(c for c in (*MATH_CONSTANTS, *(("i",) if self.imaginary else ())) if c not in taken)

    def plain(self) -> list[str]:
        return sorted(set(self.variables) | set(self.sequences) | {c for c in self.constants if "_" not in c}
                      | {v for v in self.variables if "_" not in v} | self.bound | set(self.math),
                      key=lambda s: (-len(s), s))

    def underscored(self) -> list[str]:
        """Names with an underscore (`w_in`, `x_1`), read before the letters are split."""
        return sorted((c for c in (*self.constants, *self.variables) if "_" in c), key=len, reverse=True)

    def listing(self) -> str:
        shown = [f"`{v}`" for v in self.variables] + [f"`{s}_t`" for s in self.sequences]
        return ", ".join(shown) if shown else "none"


def _tok(kind: str, value: str, start: int, end: int) -> Token:
    return Token(kind, value, start, end)


def _split_word(word: str, known: list[str]) -> list[str] | None:
    """Split a run of letters into known names, longest first (`nt` -> n, t); None if impossible."""
    # From the end backwards, so a long run of letters (`nnnn...`) costs no recursion: choice[i] is the
    # first name, in `known` order, that starts at i and leaves a splittable rest.
    n = len(word)
    choice: list[str | None] = [None] * (n + 1)
    ok = [False] * (n + 1)
    ok[n] = True
    for i in range(n - 1, -1, -1):
        for name in known:
            if word.startswith(name, i) and ok[i + len(name)]:
                choice[i], ok[i] = name, True
                break
    if not ok[0]:
        return None
    parts, i = [], 0
    while i < n:
        name = choice[i]
        assert name is not None
        parts.append(name)
        i += len(name)
    return parts


def _hint(word: str, names: Names) -> str:
    for cand in (*names.variables, *names.sequences, *names.constants):
        if cand.lower() == word.lower() and cand != word:
            return f" — did you mean `{cand}`?"
    if word in ("O", "Theta", "Omega", "o"):
        return " — give the exact count, not an asymptotic bound."
    if word in ("e", "pi", "i") and word not in names.variables:
        return "."
    return f". The names you can use here are {names.listing()}."


def sum_indices(text: str) -> set[str]:
    """Letters bound by a sum in the text (`\\sum_{k=1}` binds `k`)."""
    return set(_SUM_INDEX.findall(text))


_TEXT = re.compile(r"\\(?:text|textrm|textsf|mbox|hbox)\s*\{[^{}]*\}")
_UNWRAP = re.compile(
    r"\\(?:mathrm|mathit|mathbf|mathsf|operatorname|boldsymbol|mathnormal|textbf|textit)\s*\{([^{}]*)\}"
)


def blank_text(text: str) -> str:
    """`\\text{dot products}` is prose: blanked. `\\mathrm{C}` is its content. Lengths (offsets) are kept."""
    text = _TEXT.sub(lambda m: " " * len(m.group()), text)
    return _UNWRAP.sub(lambda m: " " * (m.start(1) - m.start()) + m.group(1) + " ", text)


def tokenize(src: Clean, names: Names) -> list[Token]:
    text = blank_text(src.text) if "\\" in src.text else src.text
    at = src.at
    toks: list[Token] = []
    depth = 0
    frac_digits = 0  # after \frac or \binom, `\frac12` takes single digits
    bound = set(names.bound) | set(_SUM_INDEX.findall(text))
    names = Names(names.variables, names.sequences, names.constants, bound, names.functions, names.imaginary)
    known = names.plain()
    consts_us = names.underscored()
    firsts = {k[0] for k in consts_us} if fast.ENABLED else None  # a name with `_` starts with one of these
    i, n = 0, len(text)
    opened_abs = 0
    while i < n:
        c = text[i]
        if c in " \n~":  # `~`: LaTeX's unbreakable space
            i += 1
            continue
        if (c.isalnum() and c.isascii() and (i == 0 or not text[i - 1].isalnum())
                and (m := _NCK.match(text, i)) and _nck_ok(m, names)):
            toks.extend(_nck_tokens(m, at))  # `nCk`, `5C2`, `nPk`: C(n, k), P(n, k)
            i = m.end()
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER.match(text, i)
            assert m
            s = m.group()
            if frac_digits and s.isdigit():
                s = s[0]
                frac_digits -= 1
            if len(re.sub(r"[.eE+-]", "", s)) > MAX_NUMBER_DIGITS:
                raise ReadFailure(f"This number is too long (more than {MAX_NUMBER_DIGITS} digits).",
                                  at(i), at(i + len(s)))
            toks.append(_tok("NUMBER", s, at(i), at(i + len(s))))
            i += len(s)
            continue
        frac_digits = 0
        if text.startswith("...", i):
            j = i
            while j < n and text[j] == ".":
                j += 1
            toks.append(_tok("ELLIPSIS", "...", at(i), at(j)))
            i = j
            continue
        if text.startswith("**", i):
            toks.append(_tok("POW", "**", at(i), at(i + 2)))
            i += 2
            continue
        if c == "\\":
            m = _TEXCMD.match(text, i)
            if not m:
                raise ReadFailure("A backslash must start a LaTeX command such as `\\frac`.", at(i))
            cmd = m.group(1)
            j = m.end()
            if cmd in _TEX_IGNORED or cmd in (",", ";", ":", "!", " ", "\n"):
                i = j
                continue
            hit = next(((k, w) for k in consts_us if k.startswith(cmd + "_") for w in (k, _braced(k))
                        if text.startswith(w, i + 1)), None)
            if hit:  # `\theta_1` for a declared `theta_1`
                toks.append(_tok("NAME", hit[0], at(i), at(i + 1 + len(hit[1]))))
                i += 1 + len(hit[1])
                continue
            if cmd in names.functions:  # `\sigma(x)` for a declared `sigma`
                toks.append(_tok("FCALL", cmd, at(i), at(j)))
                i = j
                continue
            if cmd in names.variables or cmd in names.constants or cmd in names.math:  # `\alpha`, `\pi`
                toks.append(_tok("NAME", cmd, at(i), at(j)))
                i = j
                continue
            if cmd == "|" or (cmd in ("lvert", "rvert")):
                kind = "LABS" if cmd == "lvert" or (cmd == "|" and not _closes(toks, opened_abs)) else "RABS"
                opened_abs += 1 if kind == "LABS" else -1
                toks.append(_tok(kind, "|", at(i), at(j)))
                i = j
                continue
            if cmd == "{":
                kind = "LPAR"
            elif cmd == "}":
                kind = "RPAR"
            elif cmd in _TEX_TOKENS:
                kind = _TEX_TOKENS[cmd]
            elif _TEX_FUNCS.get(cmd):
                func = _TEX_FUNCS[cmd]
                kind = _func_kind(func, text, j)
                toks.append(_tok(kind, func, at(i), at(j)))
                i = j
                continue
            elif cmd in _GREEK:  # a Greek letter that is not one of the part's names
                raise ReadFailure(f"Unknown name `\\{cmd}`{_hint(cmd, names)}", at(i), at(j))
            else:
                raise ReadFailure(f"I don't know the command `\\{cmd}` in a formula.", at(i), at(j))
            if kind in ("FRAC", "BINOM"):
                frac_digits = 2
            if kind == "SQRT" and _next_char(text, j) == "[":
                kind = "ROOT"
            depth = _nest(kind, depth, at(i))
            toks.append(_tok(kind, cmd, at(i), at(j)))
            i = j
            continue
        if c.isalpha() and c.isascii():
            # names with underscores (`w_in`, `h_0`, a variable `x_1`, also written `x_{1}`) first
            # (`x_1x_2` is x_1 x_2, as in TeX; `w_in` must not run on into more letters)
            hit = None if firsts is not None and c not in firsts else next(
                ((k, w) for k in consts_us for w in (k, _braced(k)) if text.startswith(w, i)
                 and (w.endswith("}") or len(k.partition("_")[2]) == 1
                      or not (i + len(w) < n and text[i + len(w)].isalnum()))), None)
            if hit:
                toks.append(_tok("NAME", hit[0], at(i), at(i + len(hit[1]))))
                i += len(hit[1])
                continue
            m = _WORD.match(text, i)
            assert m
            word = m.group()
            j = m.end()
            if word == "log" and text.startswith("2", j) and not text[j + 1 : j + 2].isdigit():
                word, j = "log2", j + 1  # `log2(n)`, `log2 n`
            elif word == "log" and text.startswith("10", j) and not text[j + 2 : j + 3].isdigit():
                word, j = "log10", j + 2
            nxt = _next_char(text, j)
            if word in names.functions and nxt == "(":
                toks.append(_tok("FCALL", word, at(i), at(j)))
                i = j
                continue
            if word == "choose" and nxt != "(" and word not in names.variables:  # `n choose 2`
                toks.append(_tok("CHOOSE", word, at(i), at(j)))
                i = j
                continue
            if word in FUNCTIONS and word not in names.variables and word not in bound:
                func = FUNCTIONS[word][0]
                if word not in _BARE_WORDS and nxt != "(":
                    if word in names.sequences or word in names.variables:
                        pass
                    else:
                        raise ReadFailure(f"`{word}` needs its arguments in parentheses, e.g. `{word}(n, 2)`"
                                          if FUNCTIONS[word][1] != 1 else
                                          f"`{word}` needs its argument in parentheses, e.g. `{word}(n)`.",
                                          at(i), at(j))
                else:
                    toks.append(_tok(_func_kind(func, text, j), func, at(i), at(j)))
                    i = j
                    continue
            if word in ("sum", "prod") and nxt == "_":
                toks.append(_tok(word.upper(), word, at(i), at(j)))
                i = j
                continue
            parts = _split_word(word, known)
            if parts is None:
                # perhaps a function word glued to names: `nlog`, `2log` -> split off a trailing function word
                parts = _split_with_function(word, known)
            if parts is None:
                raise ReadFailure(f"Unknown name `{word}`{_hint(word, names)}", at(i), at(j))
            k = i
            for p in parts:
                if p in FUNCTIONS:
                    func = FUNCTIONS[p][0]
                    toks.append(_tok(_func_kind(func, text, k + len(p)), func, at(k), at(k + len(p))))
                else:
                    toks.append(_tok("NAME", p, at(k), at(k + len(p))))
                k += len(p)
            i = j
            continue
        if c == "|":
            kind = "RABS" if _closes(toks, opened_abs) else "LABS"
            opened_abs += 1 if kind == "LABS" else -1
            toks.append(_tok(kind, c, at(i), at(i + 1)))
            i += 1
            continue
        kind = _PUNCT.get(c)
        if kind is None:
            what = "character" if c.isprintable() else "invisible character"
            raise ReadFailure(f"I can't read the {what} `{c}` in a formula.", at(i))
        depth = _nest(kind, depth, at(i))
        toks.append(_tok(kind, c, at(i), at(i + 1)))
        i += 1
    return product_ellipses(toks) if any(t.type == "ELLIPSIS" for t in toks) else toks


_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
          "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi",
          "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega"}
_OPERAND_END = {"NUMBER", "NAME", "RPAR", "RBRACK", "RBRACE", "RFLOOR", "RCEIL", "RABS", "BANG"}


def _closes(toks: list[Token], opened: int) -> bool:
    """A `|` closes an absolute value when one is open and an operand has just ended (`|x|`, `|x-1|y`)."""
    return opened > 0 and bool(toks) and toks[-1].type in _OPERAND_END


_NCK = re.compile(r"([A-Za-z]|\d{1,4})([CP])([A-Za-z]|\d{1,4})(?![A-Za-z0-9(_])")


def _nck_ok(m: re.Match, names: Names) -> bool:
    if m.group(2) in names.variables or m.group(2) in names.constants:
        return False
    known = set(names.variables) | set(names.constants) | names.bound
    return all(g.isdigit() or g in known for g in (m.group(1), m.group(3)))


def _nck_tokens(m: re.Match, at) -> list[Token]:
    a, b = m.span()
    func = "binomial" if m.group(2) == "C" else "perm"

    def operand(g: int) -> Token:
        s, e = m.span(g)
        return _tok("NUMBER" if m.group(g).isdigit() else "NAME", m.group(g), at(s), at(e))

    c0, c1 = m.span(2)
    return [_tok("FCALL", func, at(a), at(c1)), _tok("LPAR", "(", at(c0), at(c0)), operand(1),
            _tok("COMMA", ",", at(c0), at(c1)), operand(3), _tok("RPAR", ")", at(b), at(b))]


def product_ellipses(toks: list[Token]) -> list[Token]:
    """An ellipsis between factors (`n(n-1)\\cdots(n-k+1)`, `1 \\cdot 2 \\cdots n`) is a product's: the `*`
    beside it go, and it becomes PELLIPSIS. One between terms (`1 + 2 + \\dots + n`) stays a sum's."""
    out: list[Token] = []
    for k, t in enumerate(toks):
        if t.type == "STAR" and ((k + 1 < len(toks) and toks[k + 1].type == "ELLIPSIS")
                                 or (out and out[-1].type == "PELLIPSIS")):
            continue
        if t.type == "ELLIPSIS":
            prev = out[-1] if out else None
            nxt = next((x for x in toks[k + 1:] if x.type != "STAR"), None)
            if prev is not None and nxt is not None and prev.type in _OPERAND_END and nxt.type not in (
                    "PLUS", "MINUS", "RPAR", "RBRACE", "RBRACK", "COMMA"):
                t = Token("PELLIPSIS", t.value, start_pos=t.start_pos, end_pos=t.end_pos)
        out.append(t)
    return out


def _braced(name: str) -> str:
    head, _, sub = name.partition("_")
    return f"{head}_{{{sub}}}"


def _next_char(text: str, j: int) -> str:
    while j < len(text) and text[j] == " ":
        j += 1
    return text[j] if j < len(text) else ""


def _func_kind(func: str, text: str, j: int) -> str:
    nxt = _next_char(text, j)
    if nxt == "_" and func == "log":
        return "LOGB"
    if nxt == "(" or func not in _BARE_OK:
        return "FCALL"
    return "FBARE"


def _split_with_function(word: str, known: list[str]) -> list[str] | None:
    for f in sorted(FUNCTIONS, key=len, reverse=True):
        if len(f) > 1 and word.endswith(f) and len(word) > len(f):
            head = _split_word(word[: -len(f)], known)
            if head is not None:
                return [*head, f]
    return None


def _nest(kind: str, depth: int, where: int) -> int:
    """The bracket depth after a token of `kind`, refused past MAX_NESTING, so no deep tree is built."""
    if kind in _OPENERS:
        depth += 1
        if depth > MAX_NESTING:
            raise ReadFailure(f"The formula is nested too deeply (more than {MAX_NESTING} levels).", where)
    elif kind in _CLOSERS:
        depth -= 1
    return depth
