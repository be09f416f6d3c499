"""Jupyter notebooks (`.ipynb`): the markdown and raw cells, in order, as the Markdown the splitter reads.

Code cells and their outputs are not answers and are ignored (a 50 MB output cell costs only its parsing,
inside the sandbox's limits). The file is plain JSON, read with the standard library: nbformat would add a
schema validation that refuses slightly malformed notebooks a student can still have answered in, and pull
in jsonschema for nothing the reader needs.
"""

from __future__ import annotations

import json

from grader.escape import inline_code
from grader.submission.converted import Converted
from grader.submission.decode import decode

MAX_CELLS = 5_000


def read_notebook(data: bytes, name: str) -> Converted:
    text = decode(data)
    problem = None
    try:
        notebook = json.loads(text) if text is not None else None
    except (ValueError, RecursionError):
        notebook, problem = None, "it is not valid notebook JSON"
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        reason = problem or "it has no cells"
        return Converted("", "notebook", [f"{inline_code(name)} could not be read as a notebook: {reason}."])
    notes = []
    if len(cells) > MAX_CELLS:
        notes.append(f"{inline_code(name)} has more than {MAX_CELLS} cells; only the first {MAX_CELLS} were read.")
    texts = []
    for cell in cells[:MAX_CELLS]:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("markdown", "raw"):
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str) and source.strip():
            texts.append(source.strip("\n"))
    return Converted("\n\n".join(texts), "notebook", notes)
