"""The JSON Schema of rubric files, generated from the rubric model (editors use it for completion)."""

from __future__ import annotations

import json
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from grader.rubric.model import Reference, Rubric

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def rubric_schema() -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, **_with_shortcuts(Rubric, Rubric.model_json_schema())}


def reference_schema() -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, **_with_shortcuts(Reference, Reference.model_json_schema())}


def _with_shortcuts(root: type[BaseModel], schema: dict[str, Any]) -> dict[str, Any]:
    """Let the schema accept what the models' "before" validators accept: `about: bert` for `about: [bert]`.

    pydantic describes a field by its type only, so without this an editor would flag rubrics the grader
    reads. Each such validator is probed with a single string (and a mapping to a string) to find out.
    """
    defs = schema.get("$defs", {})
    for model in _models(root):
        props = (defs.get(model.__name__) if model is not root else schema) or {}
        props = props.get("properties", {})
        for decorator in model.__pydantic_decorators__.field_validators.values():
            if decorator.info.mode != "before":
                continue
            for name in decorator.info.fields:
                prop = props.get(name)
                if prop is None:
                    continue
                if _probe(decorator.func, "x") == ["x"]:
                    _or_string(prop)
                elif _probe(decorator.func, {"k": "x"}) == {"k": ["x"]} and isinstance(prop.get("additionalProperties"), dict):
                    _or_string(prop["additionalProperties"])
    return schema


def _probe(func: Any, value: Any) -> Any:
    try:
        return func(value)
    except Exception:  # noqa: BLE001 - a validator that refuses the probe does not take the shortcut
        return None


def _or_string(prop: dict[str, Any]) -> None:
    if "anyOf" in prop:
        prop["anyOf"].insert(0, {"type": "string"})
    else:
        branch = {k: prop.pop(k) for k in ("type", "items") if k in prop}
        prop["anyOf"] = [{"type": "string"}, branch]


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model reachable from `root` through its fields' types."""
    seen: list[type[BaseModel]] = []
    stack: list[Any] = [root]
    while stack:
        annotation = stack.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in seen:
                seen.append(annotation)
                stack.extend(f.annotation for f in annotation.model_fields.values())
        elif get_origin(annotation) in (list, dict, Union, types.UnionType):
            stack.extend(get_args(annotation))
    return seen


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
