"""MathML (an OpenDocument formula object) -> LaTeX, for the subset word processors write.

pandoc's ODT reader drops formula objects, and no Python package reads MathML back to LaTeX (latex2mathml
goes the other way). pandoc's HTML reader does (texmath), but costs a second pandoc process per document;
this walk over the element tree takes microseconds and refuses what it does not know instead of guessing:
an unknown element, attribute value or symbol raises `MathMLError`, and the answer goes to a person.

The XML is student input: a document type declaration (and with it every entity but the five predefined
ones) is refused before parsing, and size, depth and node count are bounded.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

MAX_BYTES = 256 * 1024
MAX_DEPTH = 60
MAX_NODES = 20_000
MAX_LATEX = 20_000

_SYMBOLS = {
    "−": "-", "–": "-", "∗": "*", "·": "\\cdot ", "⋅": "\\cdot ", "×": "\\times ", "÷": "/", "∕": "/",
    "≤": "\\le ", "≥": "\\ge ", "≠": "\\ne ", "≈": "\\approx ", "∞": "\\infty ", "∈": "\\in ", "→": "\\to ",
    "′": "'", "″": "''", "∂": "\\partial ", "∇": "\\nabla ", "±": "\\pm ", "∓": "\\mp ", "∼": "\\sim ",
    "∝": "\\propto ", "∑": "\\sum ", "∏": "\\prod ", "∫": "\\int ", "∮": "\\oint ", "⌊": "\\lfloor ",
    "⌋": "\\rfloor ", "⌈": "\\lceil ", "⌉": "\\rceil ", "‖": "\\| ", "{": "\\{", "}": "\\}", "⟨": "\\langle ",
    "⟩": "\\rangle ", "…": "\\dots ", "⋯": "\\cdots ", "!": "!", "%": "\\%", "#": "\\#", "&": "\\&",
    "\u2061": "", "\u2062": "", "\u2063": ",", "\u00a0": " ",
}
_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)")
_ASCII_MO = set("+-=<>()[]|/*,.;:'!?")
_FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan",
              "log", "ln", "lg", "exp", "lim", "max", "min", "sup", "inf", "det", "arg", "gcd", "deg"}
_ACCENTS = {"^": "\\hat", "ˆ": "\\hat", "¯": "\\bar", "‾": "\\overline", "→": "\\vec", "⃗": "\\vec", "˙": "\\dot",
            "¨": "\\ddot", "~": "\\tilde", "˜": "\\tilde"}
_UNDER_OVER = {"\\sum", "\\prod", "\\int", "\\oint", "\\lim", "\\max", "\\min", "\\sup", "\\inf"}
_ARITY = {"mfrac": 2, "msup": 2, "msub": 2, "msubsup": 3, "mroot": 2, "munder": 2, "mover": 2, "munderover": 3}
_TRANSPARENT = {"math", "mrow", "mstyle", "mpadded", "semantics"}
_SKIPPED = {"annotation", "annotation-xml", "mphantom", "none", "mprescripts"}


class MathMLError(ValueError):
    """The formula object is not MathML this reader knows; the message says what was not understood."""


def mathml_to_latex(data: bytes) -> tuple[str, bool]:
    """The formula as LaTeX, and whether it is a display formula. Raises `MathMLError`, never guesses."""
    if len(data) > MAX_BYTES:
        raise MathMLError(f"the formula is larger than {MAX_BYTES // 1024} KB")
    # OpenOffice names its DTD without reading it; an internal subset could declare entities: refused. With a
    # DTD named, an undeclared entity would be skipped in silence, so only the five predefined ones and
    # character references may appear.
    if b"<!ENTITY" in data or re.search(rb"<!DOCTYPE[^>]*\[", data) or _ENTITY.search(data):
        raise MathMLError("the formula declares or uses entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise MathMLError(f"the formula is not well-formed XML ({exc})") from None
    if _name(root) != "math":
        raise MathMLError("the object is not a MathML formula")
    if sum(1 for _ in root.iter()) > MAX_NODES:
        raise MathMLError(f"the formula has more than {MAX_NODES} elements")
    latex = _tidy(_convert(root, 0))
    if len(latex) > MAX_LATEX:
        raise MathMLError("the formula is too long")
    if not latex:
        raise MathMLError("the formula is empty")
    return latex, root.get("display") == "block"


def _name(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: ET.Element) -> list[ET.Element]:
    return [c for c in element if _name(c) not in _SKIPPED]


def _convert(element: ET.Element, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise MathMLError(f"the formula is nested more than {MAX_DEPTH} levels deep")
    name = _name(element)
    kids = _children(element)
    if name == "semantics":
        kids = kids[:1]  # the presentation; annotations (StarMath source, content MathML) follow it
    if name in _TRANSPARENT:
        return " ".join(_convert(k, depth + 1) for k in kids)
    if name in ("mi", "mn", "mo", "mtext", "ms", "mspace"):
        return _token(name, element)
    if name not in _ARITY and name not in ("msqrt", "mfenced"):
        raise MathMLError(f"the MathML element {name} is not read")
    args = [_convert(k, depth + 1) for k in kids]
    if name in _ARITY and len(args) != _ARITY[name]:
        raise MathMLError(f"the MathML element {name} has {len(args)} parts instead of {_ARITY[name]}")
    if name == "mfrac":
        if (element.get("linethickness") or "").strip() in ("0", "0pt", "0px", "0em"):
            raise MathMLError("a stack without a fraction bar (binomial or matrix)")
        return f"\\frac{{{args[0]}}}{{{args[1]}}}"
    if name == "msqrt":
        return f"\\sqrt{{{' '.join(args)}}}"
    if name == "mroot":
        return f"\\sqrt[{args[1]}]{{{args[0]}}}"
    if name in ("msup", "msub", "msubsup"):
        base = _group(args[0])
        if name == "msup":
            return base + _script("^", args[1])
        if name == "msub":
            return base + _script("_", args[1])
        return base + _script("_", args[1]) + _script("^", args[2])
    if name in ("munder", "mover", "munderover"):
        return _under_over(name, args, kids)
    # mfenced: its children between the open and close characters, separated by commas (or its separators)
    opens, closes = element.get("open", "("), element.get("close", ")")
    separators = re.sub(r"\s", "", element.get("separators", ",")) or ","
    inner = " ".join(arg + (_fence(separators[min(k, len(separators) - 1)]) if k < len(args) - 1 else "")
                    for k, arg in enumerate(args))
    return _fence(opens) + inner + _fence(closes)


def _token(name: str, element: ET.Element) -> str:
    text = "".join(element.itertext()).strip() if name != "mspace" else ""
    if name == "mspace":
        return " "
    if name in ("mtext", "ms"):
        return f"\\text{{{_escape_text(text)}}}" if text else " "
    if name == "mn":
        if not re.fullmatch(r"[0-9]+(?:[.,][0-9]+)?", text):
            return "".join(_symbol(c) for c in text)
        return text.replace(",", ".")  # one number: `1,5` is a decimal comma
    if text in _FUNCTIONS:  # `<mi>sin</mi>` (LibreOffice), `<mo>sin</mo>` (pandoc)
        return f"\\{text} "
    if name == "mo":
        return "".join(_symbol(c) for c in text)
    # mi: a letter, a Greek letter, or a word
    if len(text) == 1:
        return _symbol(text)
    if re.fullmatch(r"[A-Za-z]+", text):
        return f"\\mathrm{{{text}}}"
    return "".join(_symbol(c) for c in text)


def _symbol(char: str) -> str:
    if char.isascii() and (char.isalnum() or char in _ASCII_MO or char == " "):
        return char
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    name = unicodedata.name(char, "")
    if name.startswith("GREEK") and ("SMALL LETTER" in name or "CAPITAL LETTER" in name):
        letter = name.split("LETTER ")[-1].split()[0].lower()
        if letter.isalpha():
            command = letter.capitalize() if "CAPITAL" in name else letter
            return f"\\{'varepsilon' if command == 'epsilon' else command} "
    if name.startswith("MATHEMATICAL ") and " " in name:  # 𝑥, 𝐱: styled letters read as the letter
        folded = unicodedata.normalize("NFKC", char)
        if folded != char:
            return _symbol(folded)
    raise MathMLError(f"the symbol {char!r} ({name.lower() or 'unnamed'}) is not read")


def _under_over(name: str, args: list[str], kids: list[ET.Element]) -> str:
    base = args[0].strip()
    if base in _UNDER_OVER:
        lower = args[1] if name != "mover" else None
        upper = args[-1] if name != "munder" else None
        return (base + (f"_{{{lower}}}" if lower is not None else "") + (f"^{{{upper}}}" if upper is not None else "")
                + " ")
    if name == "mover" and args[1].strip() in _ACCENTS:
        return f"{_ACCENTS[args[1].strip()]}{{{args[0]}}}"
    raw = "".join(kids[-1].itertext()).strip() if kids else ""
    if name == "mover" and raw in _ACCENTS:
        return f"{_ACCENTS[raw]}{{{args[0]}}}"
    raise MathMLError(f"the MathML element {name} over {base!r} is not read")


def _fence(char: str) -> str:
    char = char.strip()
    return "".join(_symbol(c) for c in char)


def _group(latex: str) -> str:
    latex = latex.strip()
    if re.fullmatch(r"[A-Za-z0-9]|\\[A-Za-z]+", latex):
        return latex
    return f"{{{latex}}}"


def _script(mark: str, latex: str) -> str:
    latex = latex.strip()
    return mark + (latex if re.fullmatch(r"[A-Za-z0-9]", latex) else f"{{{latex}}}")


def _escape_text(text: str) -> str:
    return re.sub(r"([\\{}$%#&_^~])", r"\\\1", text)


def _tidy(latex: str) -> str:
    """Keep a space only between two letters or digits, or after a command: `n (n+1)` -> `n(n+1)`,
    `\\alpha x` stays, `\\sum_{k=1}^{n} k` does not become `nk`."""
    latex = re.sub(r"\s+", " ", latex).strip()
    return re.sub(r"(?<=[^\w\s])\s+|\s+(?=[^\w\s\\])", "", latex)
