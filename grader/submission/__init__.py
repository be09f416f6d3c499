"""Reading what a student submitted: choose the answers file, turn it into text, split it into answers per part.

`read` holds the pipeline (choose a file, decode, split Markdown or read a YAML/JSON mapping); `converted`
is what every document reader (PDF, LaTeX, Word, notebook) hands back: Markdown text the splitter reads,
plus what the student and the grading need to know about how it was read.
"""

from grader.submission.converted import Converted
from grader.submission.read import (
    MAX_ANSWER_CHARS,
    MAX_FILE_BYTES,
    MAX_NESTING,
    Answers,
    clean_answer,
    decode,
    is_grader_file,
    read_submission,
    split_markdown,
)

__all__ = [
    "MAX_ANSWER_CHARS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "Answers",
    "Converted",
    "clean_answer",
    "decode",
    "is_grader_file",
    "read_submission",
    "split_markdown",
]
