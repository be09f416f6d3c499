"""Reading what a student submitted: choose the answers file, turn it into text, split it into answers per part.

The stages, in order: `choose` picks the file (the one answering the most known parts); `formats` sends it to
its reader (`decode` for text, `latex`, `notebook`, `office`, `pdf` for documents, each handing back a
`Converted`); `blobs` drops embedded images; `markdown` and `numbering` split the text into parts, or
`mapping` reads a YAML/JSON file; `read` holds the pipeline; `answers` is what comes out.
"""

from grader.submission.answers import MAX_ANSWER_CHARS, MAX_FILE_BYTES, MAX_NESTING, Answers, clean_answer
from grader.submission.choose import is_grader_file
from grader.submission.converted import UNREAD_EQUATION, Converted
from grader.submission.decode import decode
from grader.submission.markdown import split_markdown
from grader.submission.read import read_file, read_submission

__all__ = [
    "MAX_ANSWER_CHARS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "UNREAD_EQUATION",
    "Answers",
    "Converted",
    "clean_answer",
    "decode",
    "is_grader_file",
    "read_file",
    "read_submission",
    "split_markdown",
]
