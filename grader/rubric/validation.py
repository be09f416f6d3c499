"""Turn pydantic's validation errors into messages for a TA, each at the YAML key or value it is about.

pydantic reports ("parts", 2, "points") and "Input should be a valid number, unable to parse string as a
number"; a TA reads `rubric.yaml:31:13: error: parts.2.points: expected a number, got "ten"`. Errors from
the branches of a union are merged into one ("expected text or a number"), unknown keys get a "did you
mean" from the field names the model allows at that place, and a misspelt choice gets one from the choices.
"""

from __future__ import annotations

import difflib
import re
import types
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from grader.rubric.positions import scalar_position
from grader.rubric.yamlio import Document, Loc, Problem

_EXPECTED = {
    "string_type": "text",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)", "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}
_BOUNDS = {
    "greater_than": ("gt", "greater than {}"), "greater_than_equal": ("ge", "{} or more"),
    "less_than": ("lt", "less than {}"), "less_than_equal": ("le", "{} or less"),
}
_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")
_POSITION = re.compile(r"at position (\d+)")


def problems_from(exc: ValidationError, model: type[BaseModel], doc: Document) -> list[Problem]:
    """One problem per offending place; the errors of a union's branches become one."""
    errors = _fold_misspelt_keys(exc.errors(), model)
    grouped: dict[tuple[Loc, str], list[dict[str, Any]]] = {}
    for err in errors:
        loc = _collapse(doc.data, tuple(err["loc"]), keep_last=err["type"] == "missing")
        kind = "type" if err["type"] in _EXPECTED else err["type"] + str(err["loc"])
        grouped.setdefault((loc, kind), []).append(err)
    problems = [_problem(loc, errs, model, doc) for (loc, _), errs in grouped.items()]
    return sorted(set(problems))


def _fold_misspelt_keys(errors: list[Any], model: type[BaseModel]) -> list[Any]:
    """`pionts: 5` gives both "unknown key pionts" and "missing key points": keep one error that says both."""
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    folded, dropped = [], set()
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), _fields_at(model, loc[:-1]), n=1)
            if close and (*loc[:-1], close[0]) in missing:
                dropped.add((*loc[:-1], close[0]))
                err = {**err, "ctx": {"missing": close[0]}}
        folded.append(err)
    return [e for e in folded if not (e["type"] == "missing" and tuple(e["loc"]) in dropped)]


def _collapse(data: Any, loc: Loc, *, keep_last: bool) -> Loc:
    """Cut the union branch names pydantic appends (("initial", "str")) off a location."""
    walked: list[int | str] = []
    for i, step in enumerate(loc):
        if step == "[key]" or (keep_last and i == len(loc) - 1):
            walked.append(step)
            continue
        if isinstance(data, dict):
            match = next((k for k in data if str(k) == str(step)), _MISSING)
            if match is _MISSING:
                break
            data = data[match]
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            break
        walked.append(step)
    return tuple(walked)


_MISSING = object()


def _dotted(loc: Loc) -> str:
    return ".".join(str(step) for step in loc if step != "[key]")


def _problem(loc: Loc, errs: list[dict[str, Any]], model: type[BaseModel], doc: Document) -> Problem:
    err = errs[0]
    kind = err["type"]
    if kind == "missing":
        return _at(doc, loc[:-1], f"missing key `{loc[-1]}`")
    if kind == "extra_forbidden":
        message = _unknown_key(str(loc[-1]), _fields_at(model, loc[:-1]), (err.get("ctx") or {}).get("missing"))
        return _at(doc, loc[:-1], message, point=loc, key=True)
    if loc and loc[-1] == "[key]":
        key = _key_node(doc, loc[:-1])
        raw = key.value if isinstance(key, yaml.ScalarNode) else str(loc[-2])
        return _at(doc, loc[:-2], f"the key {raw} is not read as text; put it in quotes: \"{raw}\"", point=loc)
    if kind in ("value_error", "assertion_error"):
        return _model_rule(doc, loc, str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, "))
    node = doc.node(loc)
    value = _value_at(doc.data, loc)
    if kind in _EXPECTED:
        kinds = list(dict.fromkeys(_EXPECTED[e["type"]] for e in errs if e["type"] in _EXPECTED))
        if "a number" in kinds and "a whole number" in kinds:
            kinds.remove("a whole number")
        wanted = " or ".join(kinds)
        message = f"expected {wanted}, got {_describe(value, node)}"
        if "text" in wanted and isinstance(value, (int, float, bool)) and isinstance(node, yaml.ScalarNode):
            message += f"; put it in quotes: \"{node.value}\""
    elif kind == "literal_error":
        choices = [a or b for a, b in _QUOTED.findall(str(err.get("ctx", {}).get("expected", "")))]
        message = f"expected one of {', '.join(choices)}; got {_describe(value, node)}"
        close = difflib.get_close_matches(str(value), choices, n=1)
        if close:
            message += f" (did you mean `{close[0]}`?)"
    elif kind in _BOUNDS:
        name, template = _BOUNDS[kind]
        message = f"must be {template.format(_num(err['ctx'][name]))}, got {_describe(value, node)}"
    elif kind == "too_short":
        least = err.get("ctx", {}).get("min_length", 1)
        message = "must not be empty" if least == 1 else f"needs at least {least} items"
    else:
        message = str(err["msg"])
    return _at(doc, loc, message)


def _at(doc: Document, where: Loc, message: str, *, point: Loc | None = None, key: bool = False) -> Problem:
    """`where.dotted: message` at the node of `point` (default: `where`)."""
    dotted = _dotted(where)
    return doc.problem(where if point is None else point, f"{dotted}: {message}" if dotted else message, key=key)


def _model_rule(doc: Document, loc: Loc, message: str) -> Problem:
    """A model's own rule, at the value its message quotes (`group 'g' names unknown concept 'x'` → the x)."""
    target = _quoted_target(doc, loc, message)
    if target is None:
        return _at(doc, loc, message)
    dotted = _dotted(loc)
    text = f"{dotted}: {message}" if dotted else message
    at = _POSITION.search(message)  # re.error says "at position 10": point at that character
    if at:
        return Problem(doc.path, *_scalar_spot(target, int(at.group(1))), text)
    return Problem(doc.path, target.start_mark.line + 1, target.start_mark.column + 1, text)


def _unknown_key(key: str, allowed: list[str], missing: str | None) -> str:
    message = f"unknown key `{key}`"
    if missing:
        return f"{message} (did you mean `{missing}`? it is required and missing)"
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"{message} (did you mean `{close[0]}`?)"
    if allowed:
        return f"{message} (allowed here: {', '.join(allowed)})"
    return message


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names of the model that validates the mapping at `loc`, for "did you mean"."""
    annotation: Any = model
    for step in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(step))
            if field is None:
                return []
            annotation = field.annotation
        elif get_origin(annotation) is list:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """`X | None` is X; of a union of models, the first model."""
    if get_origin(annotation) in (Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if models else (options[0] if len(options) == 1 else annotation)
    return annotation


def _value_at(data: Any, loc: Loc) -> Any:
    for step in loc:
        if step == "[key]":
            return None
        if isinstance(data, dict):
            data = next((v for k, v in data.items() if str(k) == str(step)), None)
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            return None
    return data


def _key_node(doc: Document, loc: Loc) -> yaml.Node | None:
    parent = doc.node(loc[:-1])
    if isinstance(parent, yaml.MappingNode):
        for key, _ in parent.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(loc[-1]):
                return key
    return None


def _describe(value: Any, node: yaml.Node | None) -> str:
    raw = node.value if isinstance(node, yaml.ScalarNode) else None
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return f"`{raw}`, which YAML reads as {str(value).lower()}" if raw else str(value).lower()
    if isinstance(value, (int, float)):
        return f"the number {raw if raw is not None else value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f'"{shown}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _quoted_target(doc: Document, loc: Loc, message: str) -> yaml.Node | None:
    """The scalar a model's own message names (`group 'g' names unknown concept 'x'` → the `x`)."""
    root = doc.node(loc, precise=True)  # its scalars' marks must keep the source text (see _scalar_spot)
    if root is None:
        return None
    for a, b in reversed(_QUOTED.findall(message)):
        token = a or b
        # The message quotes with repr(), which doubles backslashes.
        matches = [n for n in _scalars(root) if n.value in (token, token.replace("\\\\", "\\"))]
        if matches:
            return matches[-1]
    return None


def _scalars(node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _scalars(child)
    elif isinstance(node, yaml.MappingNode):
        for _, child in node.value:
            yield from _scalars(child)


def _scalar_spot(node: yaml.ScalarNode, offset: int) -> tuple[int, int]:
    found = scalar_position(node, offset)
    return found if found is not None else (node.start_mark.line + 1, node.start_mark.column + 1)
