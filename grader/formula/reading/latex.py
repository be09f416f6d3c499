"""LaTeX of a formula tree, as it was read: the structure the student typed, made explicit."""

from __future__ import annotations

from fractions import Fraction

from grader.formula.reading.tree import Node

_ADD, _MUL, _NEG, _POW, _POST, _ATOM = 1, 2, 3, 4, 5, 6


_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
          "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
          "Sigma", "Phi", "Psi", "Omega"}
_NAMED = {"exp", "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "coth", "sech", "csch"}
_TEX_NAMED = {"exp", "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "coth", "arcsin", "arccos",
              "arctan"}
_ARC = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "acot": "arccot", "asinh": "arsinh",
        "acosh": "arcosh", "atanh": "artanh"}


def to_latex(node: Node) -> str:
    return _r(node)[0]


def _paren(s: str) -> str:
    return f"\\left({s}\\right)"


def _at(node: Node, level: int) -> str:
    s, p = _r(node)
    return s if p >= level else _paren(s)


def _name(name: str) -> str:
    if "_" in name:
        head, sub = name.split("_", 1)
        sub_tex = sub if len(sub) == 1 or sub.isdigit() else f"\\mathrm{{{sub}}}"
        return f"{_name(head)}_{{{sub_tex}}}"
    return name if len(name) == 1 else f"\\mathit{{{name}}}"


def _num(v: Fraction) -> tuple[str, int]:
    if v.denominator == 1:
        return (str(v.numerator), _ATOM) if v >= 0 else (str(v.numerator), _NEG)
    sign = "-" if v < 0 else ""
    return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}", (_MUL if not sign else _NEG)


# Functions written around their one argument, and logarithms with a fixed base.
_ENCLOSED = {"floor": ("\\left\\lfloor ", " \\right\\rfloor"), "ceil": ("\\left\\lceil ", " \\right\\rceil"),
             "sqrt": ("\\sqrt{", "}"), "abs": ("\\left|", "\\right|")}
_LOGS = {"log2": "2", "log10": "10"}


def _r(node: Node) -> tuple[str, int]:
    k, a = node.kind, node.args
    if k == "num":
        return _num(a[0])
    if k in ("var", "const"):
        return _name(a[0]), _ATOM
    if k == "math":
        return {"pi": "\\pi", "e": "e", "i": "i"}[a[0]], _ATOM
    if k == "apply":
        name = f"\\{a[0]}" if a[0] in _GREEK else a[0] if len(a[0]) == 1 else f"\\operatorname{{{a[0]}}}"
        return f"{name}{_paren(', '.join(_r(x)[0] for x in a[2:]))}", _ATOM
    if k == "prod":
        var, lo, hi, body = a
        return f"\\prod_{{{var}={_r(lo)[0]}}}^{{{_r(hi)[0]}}} {_at(body, _MUL)}", _MUL
    if k == "idx":
        return f"{_name(a[0])}_{{{_r(a[1])[0]}}}", _ATOM
    if k == "add":
        out = _r(a[0])[0] if a[0].kind != "add" else _paren(_r(a[0])[0])
        for t in a[1:]:
            if t.kind == "neg":
                out += " - " + _at(t.args[0], _MUL)
            elif t.kind == "num" and t.args[0] < 0:
                out += " - " + _num(-t.args[0])[0]
            else:
                out += " + " + _at(t, _MUL)
        return out, _ADD
    if k == "neg":
        return "-" + _at(a[0], _MUL if a[0].kind != "neg" else _ATOM), _NEG
    if k == "mul":
        segments: list[tuple[list[Node], list[Node]]] = [([], [])]
        for c in a:
            if c.kind == "inv":
                segments[-1][1].append(c.args[0])
            else:
                if segments[-1][1]:
                    segments.append(([], []))
                segments[-1][0].append(c)
        out = []
        for num, den in segments:
            if den:
                top = _r(num[0])[0] if len(num) == 1 else _product(num) if num else "1"
                bottom = _r(den[0])[0] if len(den) == 1 else _product(den)
                out.append(f"\\frac{{{top}}}{{{bottom}}}")
            else:
                out.append(_product(num))
        return " \\cdot ".join(out), _MUL
    if k == "inv":
        return f"\\frac{{1}}{{{_r(a[0])[0]}}}", _MUL
    if k == "pow":
        return f"{_at(a[0], _POST)}^{{{_r(a[1])[0]}}}", _POW
    if k == "fact":
        return f"{_at(a[0], _ATOM)}!", _POST
    if k == "call":
        f, args = a[0], [_r(x)[0] for x in a[1:]]
        if f == "binomial":
            return f"\\binom{{{args[0]}}}{{{args[1]}}}", _ATOM
        if f in _ENCLOSED:
            left, right = _ENCLOSED[f]
            return f"{left}{args[0]}{right}", _ATOM
        if f in _LOGS:
            return f"\\log_{{{_LOGS[f]}}}{_paren(args[0])}", _ATOM
        if f == "perm":
            return f"P{_paren(', '.join(args))}", _ATOM
        if f in _NAMED:
            return f"\\{f}{_paren(args[0])}" if f in _TEX_NAMED else f"\\operatorname{{{f}}}{_paren(args[0])}", _ATOM
        if f in _ARC:
            return f"\\{_ARC[f]}{_paren(args[0])}" if _ARC[f] in _TEX_NAMED else (
                f"\\operatorname{{{_ARC[f]}}}{_paren(args[0])}"), _ATOM
        if f == "logb":
            return f"\\log_{{{args[0]}}}{_paren(args[1])}", _ATOM
        return f"\\{f}{_paren(', '.join(args))}", _ATOM
    if k == "sum":
        var, lo, hi, body = a
        return f"\\sum_{{{var}={_r(lo)[0]}}}^{{{_r(hi)[0]}}} {_at(body, _MUL)}", _MUL
    if k == "piecewise":
        rows = []
        for row in a:
            cond = "\\text{otherwise}" if len(row.args) == 1 else _cond(row.args[1])
            rows.append(f"{_r(row.args[0])[0]} & {cond}")
        return "\\begin{cases} " + " \\\\ ".join(rows) + " \\end{cases}", _ATOM
    if k == "pdots":
        head, tail = a
        return f"{_product(list(head))} \\cdots {_product(list(tail))}", _MUL
    if k == "dots":
        head, tail = a
        parts = [_r(Node("add", head))[0] if len(head) > 1 else _r(head[0])[0], "\\dots"]
        tail_s = _r(Node("add", (Node("num", (Fraction(0),)), *tail)))[0]
        tail_s = tail_s[1:].lstrip() if tail_s.startswith("0") else tail_s
        return " + ".join(parts) + " " + (tail_s if tail_s.startswith(("-", "+")) else "+ " + tail_s), _ADD
    return "?", _ATOM  # pragma: no cover


_REL_TEX = {"<": "<", "<=": "\\le", ">": ">", ">=": "\\ge", "!=": "\\ne", "=": "="}


def _cond(c: Node) -> str:
    if c.kind == "and":
        return " \\text{ and } ".join(_cond(x) for x in c.args)
    op, lhs, rhs = c.args
    return f"{_r(lhs)[0]} {_REL_TEX[op]} {_r(rhs)[0]}"


def _product(factors: list[Node]) -> str:
    out = ""
    prev: Node | None = None
    for f in factors:
        if f.kind == "mul":
            s = _r(f)[0]
            out += (" \\cdot " if prev is not None else "") + s
            prev = f
            continue
        if prev is not None and f.kind == "num" and f.args[0] >= 0:
            out += " \\cdot " + _num(f.args[0])[0]
            prev = f
            continue
        s = _at(f, _MUL if prev is None else _NEG + 1)
        if prev is not None:
            starts_digit = s[:1].isdigit() or s.startswith("\\frac")
            out += " \\cdot " if starts_digit else " "
        out += s
        prev = f
    return out
