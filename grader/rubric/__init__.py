"""The rubric and its files: the model (`model`), YAML reading that keeps every value's position (`yamlio`,
`positions`), pydantic errors as `file:line:col` messages (`validation`), the pieces valid on their own
(`pieces`) and the checks that run on them (`piece_checks`), and the JSON Schema for editors (`schema`).

Imports run one way: the pipeline and the tools import this package; it imports only the engines' specs.
"""

from typing import TYPE_CHECKING

from grader.lazy import exports

# Imported on first use: reading a YAML file's positions should not load pydantic and the engines' specs.
_WHERE = {name: "grader.rubric.model" for name in ("Part", "Reference", "ReferencePart", "Rubric")}

if TYPE_CHECKING:
    from grader.rubric.model import Part, Reference, ReferencePart, Rubric


__getattr__, __dir__ = exports(__name__, _WHERE)


__all__ = ["Part", "Reference", "ReferencePart", "Rubric"]
