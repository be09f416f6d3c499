"""LaTeX source (`.tex`) read as the Markdown the splitter reads, by a bounded scanner: no TeX engine runs.

`\\section`/`\\subsection` become headings, `enumerate`/`itemize` and `\\item` numbered lines (so a
`\\section{Question 4}` with items means 4.1, 4.2, ...), math stays LaTeX between `$` (display math between
`$$`). `\\input`, `\\include`, `\\write18` and `\\openin` are never followed. `\\newcommand`/`\\def` macros are
expanded within bounds (how many, how large the text grows); past them they are left as written, with a note.
"""

from __future__ import annotations

import re

from grader.escape import inline_code
from grader.submission.converted import Converted
from grader.submission.decode import decode

MAX_MACROS = 200
MAX_PASSES = 8  # macros using macros: one pass per level
MAX_GROWTH = 4  # expanded text at most this many times the source (and MAX_CHARS)
MAX_CHARS = 4_000_000
MAX_GROUP = 100_000  # characters one argument may span
_NEVER_FOLLOWED = ("input", "include", "write18", "openin", "openout", "immediate", "includeonly", "read",
                   "write", "InputIfFileExists", "import", "subimport")
_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_DOCUMENT = re.compile(r"\\begin\{document\}(.*?)(?:\\end\{document\}|\Z)", re.S)
_NEWCOMMAND = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\\([A-Za-z]+)\}?\s*(?:\[(\d)\])?\s*(?:\[[^\]\n]{0,200}\])?\s*\{")
_DEF = re.compile(r"\\def\s*\\([A-Za-z]+)\s*((?:#\d)*)\s*\{")
_COMMAND = re.compile(r"\\([A-Za-z]+)\*?")
_MATH_ENVS = ("equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
              "displaymath", "eqnarray", "eqnarray*", "math")
_COUNTER = re.compile(r"\s*\{\s*(\w{1,20})\s*\}\s*\{\s*(-?\d{1,3})\s*\}")
_START = re.compile(r"\s*\[[^\]]{0,80}?\bstart\s*=\s*(\d{1,3})[^\]]{0,80}\]")
_LISTS = ("enumerate", "itemize", "description")
_HEADINGS = {"section": "##", "subsection": "###", "subsubsection": "####", "paragraph": "####",
             "subparagraph": "####", "part": "#", "chapter": "#"}
_KEEP_ARG = ("textbf", "textit", "emph", "underline", "texttt", "textrm", "textsf", "mbox", "text", "hbox")
_DROP_WITH_ARG = ("label", "ref", "cite", "usepackage", "documentclass", "title", "author", "date", "vspace",
                  "hspace", "includegraphics", "bibliography", "bibliographystyle", "pagestyle", "thispagestyle",
                  "setlength", "newpage", "url", "footnote", "caption",
                  "hypertarget")  # pandoc wraps each heading in `\hypertarget{id}{...}`: the id is no text


def read_latex(data: bytes, name: str) -> Converted:
    text = decode(data)
    if text is None:
        return Converted("", "LaTeX file", [f"{inline_code(name)} is not a text file."])
    notes: list[str] = []
    text, macros = _macros(_COMMENT.sub("", text), notes)
    body = _DOCUMENT.search(text)
    if body is not None:  # macros may be defined in the preamble; only the document body holds answers
        text = body.group(1)
    text = _expand(text, macros, notes)
    return Converted(_markdown(text, notes), "LaTeX file", notes)


def _group(text: str, start: int) -> int:
    """The index after the brace group opening at text[start] ('{'), or -1 when it never closes within
    MAX_GROUP characters (so a file of unclosed braces costs a bounded scan per brace, not the whole file)."""
    depth = 0
    for index in range(start, min(len(text), start + MAX_GROUP)):
        ch = text[index]
        if ch == "\\":
            continue
        if ch == "{" and (index == 0 or text[index - 1] != "\\"):
            depth += 1
        elif ch == "}" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


def _macros(text: str, notes: list[str]) -> tuple[str, dict[str, tuple[int, str]]]:
    """The macro definitions taken out of the text: name -> (number of arguments, body)."""
    macros: dict[str, tuple[int, str]] = {}
    out: list[str] = []
    pos = 0
    refused = 0
    for match in _scan_definitions(text):
        out.append(text[pos:match.start()])
        end = _group(text, match.end() - 1)
        if end < 0:
            pos = match.start()
            break
        body = text[match.end():end - 1]
        if match.re is _DEF:
            arity = len(match.group(2)) // 2
        else:
            arity = int(match.group(2) or 0)
        if len(macros) < MAX_MACROS:
            macros[match.group(1)] = (arity, body)
        else:
            refused += 1
        pos = end
    out.append(text[pos:])
    if refused:
        notes.append(f"Only the first {MAX_MACROS} macros were expanded; {refused} more were left as written.")
    return "".join(out), macros


def _scan_definitions(text: str):
    matches = sorted([*_NEWCOMMAND.finditer(text), *_DEF.finditer(text)], key=lambda m: m.start())
    last = -1
    for match in matches:
        if match.start() >= last:
            last = match.end()
            yield match


def _expand(text: str, macros: dict[str, tuple[int, str]], notes: list[str]) -> str:
    if not macros:
        return text
    pattern = re.compile(r"\\(" + "|".join(re.escape(m) for m in sorted(macros, key=len, reverse=True)) + r")(?![A-Za-z])")
    limit = min(MAX_CHARS, max(len(text) * MAX_GROWTH, 100_000))
    for _ in range(MAX_PASSES):
        out: list[str] = []
        size, pos, changed = 0, 0, False
        for match in pattern.finditer(text):
            if match.start() < pos:
                continue
            arity, body = macros[match.group(1)]
            args, end = [], match.end()
            for _ in range(arity):
                while end < len(text) and text[end].isspace():
                    end += 1
                if end < len(text) and text[end] == "{":
                    close = _group(text, end)
                    if close < 0:
                        break
                    args.append(text[end + 1:close - 1])
                    end = close
                elif end < len(text):
                    args.append(text[end])
                    end += 1
            for index, arg in enumerate(args, 1):
                body = body.replace(f"#{index}", arg)
            out.append(text[pos:match.start()])
            out.append(body)
            size += match.start() - pos + len(body)
            pos, changed = end, True
            if size > limit:
                notes.append("Your macros expand to more text than allowed; they were left as written.")
                return text
        out.append(text[pos:])
        text = "".join(out)
        if not changed:
            return text
    if pattern.search(text):
        notes.append(f"Your macros use each other more than {MAX_PASSES} levels deep; the rest were left as written.")
    return text


def _markdown(text: str, notes: list[str]) -> str:
    """One pass over the body: math kept, structure turned into lines, other commands dropped or unwrapped."""
    out: list[str] = []
    refused: list[str] = []
    lists: list[list[int]] = []  # per open list: [kind (1 numbered, 0 bullets), items so far]
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch == "$":
            display = text.startswith("$$", pos)
            delim = "$$" if display else "$"
            end = text.find(delim, pos + len(delim))
            end = n if end < 0 else end
            out.append(f"{delim}{text[pos + len(delim):end]}{delim}")
            pos = end + len(delim)
            continue
        if ch != "\\":
            out.append(ch)
            pos += 1
            continue
        if text.startswith("\\[", pos) or text.startswith("\\(", pos):
            close = "\\]" if text[pos + 1] == "[" else "\\)"
            end = text.find(close, pos + 2)
            end = n if end < 0 else end
            delim = "$$" if close == "\\]" else "$"
            out.append(f"{delim}{text[pos + 2:end]}{delim}")
            pos = end + 2
            continue
        match = _COMMAND.match(text, pos)
        if match is None:  # `\\`, `\%`, `\{`, ...
            nxt = text[pos + 1:pos + 2]
            out.append("\n" if nxt == "\\" else nxt)
            pos += 2
            continue
        command, pos = match.group(1), match.end()
        if command == "write" and text.startswith("18", pos):  # `\write18{...}` runs a shell command in TeX
            command, pos = "write18", pos + 2
        if command in _NEVER_FOLLOWED:
            refused.append(command)
            pos = _skip_arg(text, pos)
            continue
        if command in ("begin", "end"):
            arg_end = _skip_arg(text, pos)
            env = text[pos:arg_end].strip().strip("{}").strip()
            pos = arg_end
            if command == "begin" and env in _MATH_ENVS:
                close = text.find(f"\\end{{{env}}}", pos)
                close = n if close < 0 else close
                out.append(f"\n$${text[pos:close].strip()}$$\n")
                pos = close + len(f"\\end{{{env}}}")
            elif env in _LISTS:
                if command == "begin":
                    start = _START.match(text, pos)  # enumitem's `[start=4]`
                    if start:
                        pos = start.end()
                    lists.append([1 if env == "enumerate" else 0, int(start.group(1)) - 1 if start else 0])
                elif lists:
                    lists.pop()
                out.append("\n")
            continue
        if command == "item":
            label = None
            rest = text[pos:pos + 1]
            if rest == "[":
                close = text.find("]", pos)
                if 0 < close - pos < 40:
                    label, pos = text[pos + 1:close].strip(), close + 1
            if lists:
                lists[-1][1] += 1
            numbered = bool(lists) and lists[-1][0] == 1 and len(lists) == 1
            marker = label or (f"{lists[-1][1]}." if numbered else "-")
            out.append(f"\n{marker} ")
            while pos < n and text[pos].isspace():  # the item's text starts on the marker's line
                pos += 1
            continue
        if command in ("setcounter", "addtocounter") and (counter := _COUNTER.match(text, pos)):
            # `\setcounter{enumi}{3}` (pandoc writes it for a list that starts at 4): the next item is 4
            pos = counter.end()
            if counter.group(1) == "enumi" and lists and lists[0][0] == 1:
                value = int(counter.group(2))
                lists[0][1] = value if command == "setcounter" else lists[0][1] + value
            continue
        if command in _HEADINGS:
            arg_end = _skip_arg(text, pos)
            out.append(f"\n{_HEADINGS[command]} {text[pos:arg_end].strip().strip('{}').strip()}\n")
            pos = arg_end
        elif command in _KEEP_ARG:
            arg_end = _skip_arg(text, pos)
            inner = text[pos:arg_end].strip()[1:-1] if text[pos:arg_end].strip().startswith("{") else ""
            out.append(f"**{inner}**" if command == "textbf" and inner.strip() else inner)
            pos = arg_end
        elif command in _DROP_WITH_ARG:
            pos = _skip_arg(text, pos)
        elif command == "par":
            out.append("\n\n")
        # Any other command outside math (\maketitle, \noindent, \centering) is layout: dropped, its
        # braces (if any) left for the text inside them.
    if refused:
        names = ", ".join(inline_code("\\" + c) for c in dict.fromkeys(refused))
        notes.append(f"{names} in your LaTeX file: files and commands are never opened or run, only this file is read. "
                     "Put every answer in the one file you submit.")
    return _unbrace_text("".join(out))


def _skip_arg(text: str, pos: int) -> int:
    """After an optional `[...]` and one `{...}` argument (or nothing)."""
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    if pos < len(text) and text[pos] == "[":
        close = text.find("]", pos)
        if 0 < close - pos < 200:
            pos = close + 1
    if pos < len(text) and text[pos] == "{":
        end = _group(text, pos)
        return len(text) if end < 0 else end
    return pos


def _unbrace_text(text: str) -> str:
    """Braces outside math are grouping, not text: drop them, keep math as written."""
    parts = re.split(r"(\$\$.*?\$\$|\$[^$]*\$)", text, flags=re.S)
    return "".join(p if p.startswith("$") else p.replace("{", "").replace("}", "") for p in parts)
