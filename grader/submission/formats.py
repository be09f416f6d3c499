"""Which reader turns a file of each type into the Markdown the splitter reads.

Text files are decoded; documents (LaTeX, notebooks, Word, OpenDocument, PDF) go to their reader, which
hands back a `Converted`. YAML and JSON are mappings and are read in `read`.
"""

from __future__ import annotations

from typing import Callable

from grader.escape import inline_code
from grader.submission.converted import Converted
from grader.submission.decode import decode

MAPPINGS = (".yaml", ".yml", ".json")


def read_text(data: bytes, name: str) -> Converted:
    text = decode(data)
    if text is None:
        return Converted("", "file", [f"{inline_code(name)} is not a text file; save your answers as plain text (UTF-8)."])
    return Converted(text, "file")


def read_latex(data: bytes, name: str) -> Converted:
    from grader.submission.latex import read_latex as read

    return read(data, name)


def read_notebook(data: bytes, name: str) -> Converted:
    from grader.submission.notebook import read_notebook as read

    return read(data, name)


def read_office(data: bytes, name: str) -> Converted:
    from grader.submission.office import read_office as read

    return read(data, name)


def read_pdf(data: bytes, name: str) -> Converted:
    from grader.submission.pdf import read_pdf as read

    return read(data, name)


READERS: dict[str, Callable[[bytes, str], Converted]] = {
    ".md": read_text,
    ".markdown": read_text,
    ".txt": read_text,
    ".tex": read_latex,
    ".ipynb": read_notebook,
    ".docx": read_office,
    ".odt": read_office,
    ".pdf": read_pdf,
}
