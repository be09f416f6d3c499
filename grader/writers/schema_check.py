"""A JSON Schema checker for the few keywords the bundled results schema uses, for the grading run itself.

`jsonschema` takes 30-50 ms to import (its meta-schemas, `referencing`, `attrs`), a tenth of a one-submission
run in the Gradescope container, where every run starts cold. The results schema is small and fixed, so the
run checks it with this; the tests check that this and `jsonschema` accept and refuse the same documents, and
`jsonschema` remains what the tests and the autograder build validate with. A schema that uses a keyword this
does not implement is refused outright, so a constraint can never be skipped silently.
"""

from __future__ import annotations

from typing import Any

# Keywords that only annotate (they constrain nothing).
_NOTES = frozenset({"$schema", "$id", "title", "description", "$defs"})
_CHECKED = frozenset({"$ref", "type", "enum", "minimum", "properties", "additionalProperties", "required", "items",
                      "contains", "anyOf"})


class InvalidDocument(ValueError):
    """The document breaks the schema: `path` says where (`tests/3/score`), the message says how."""

    def __init__(self, path: str, message: str):
        self.path = path
        super().__init__(f"{path or 'the document'}: {message}")


def _is(kind: str, value: Any) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return kind == "number" or (kind == "integer" and float(value).is_integer())


class Checker:
    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self._known(schema, "")

    def _known(self, node: Any, where: str) -> None:
        """Refuse a schema with a keyword this checker would not enforce."""
        if not isinstance(node, dict):
            if isinstance(node, bool):
                return
            raise ValueError(f"schema {where or '/'}: not a schema")
        unknown = set(node) - _NOTES - _CHECKED
        if unknown:
            raise ValueError(f"schema {where or '/'}: keyword {sorted(unknown)[0]!r} is not implemented")
        ref = node.get("$ref")
        if ref is not None and not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            raise ValueError(f"schema {where}: only local references (#/$defs/...) are implemented")
        for key in ("items", "contains"):
            if key in node:
                self._known(node[key], f"{where}/{key}")
        if isinstance(node.get("additionalProperties"), dict):
            self._known(node["additionalProperties"], f"{where}/additionalProperties")
        for name, sub in node.get("properties", {}).items():
            self._known(sub, f"{where}/properties/{name}")
        for i, sub in enumerate(node.get("anyOf", ())):
            self._known(sub, f"{where}/anyOf/{i}")
        for name, sub in node.get("$defs", {}).items():
            self._known(sub, f"{where}/$defs/{name}")

    def check(self, document: Any) -> None:
        """Raise InvalidDocument unless `document` is valid."""
        problem = self._first(self.schema, document, "")
        if problem is not None:
            raise InvalidDocument(*problem)

    def _first(self, node: Any, value: Any, path: str) -> tuple[str, str] | None:
        """The first problem of `value` against `node`, as (path, message), or None."""
        if node is True:
            return None
        if node is False:
            return path, "is not allowed"
        if "$ref" in node:
            found = self._first(self.schema["$defs"][node["$ref"][len("#/$defs/"):]], value, path)
            if found is not None:
                return found
        kinds = node.get("type")
        if kinds is not None and not any(_is(k, value) for k in ([kinds] if isinstance(kinds, str) else kinds)):
            return path, f"is not of type {kinds}"
        if "enum" in node and not any(value == e and isinstance(value, bool) == isinstance(e, bool) for e in node["enum"]):
            return path, f"is not one of {node['enum']}"
        if "minimum" in node and _is("number", value) and value < node["minimum"]:
            return path, f"is less than the minimum {node['minimum']}"
        if isinstance(value, dict):
            for name in node.get("required", ()):
                if name not in value:
                    return path, f"{name!r} is required"
            properties = node.get("properties", {})
            extra = node.get("additionalProperties", True)
            for name, item in value.items():
                found = self._first(properties.get(name, extra), item, f"{path}/{name}" if path else name)
                if found is not None:
                    return found
        if isinstance(value, list):
            if "items" in node:
                for i, item in enumerate(value):
                    found = self._first(node["items"], item, f"{path}/{i}" if path else str(i))
                    if found is not None:
                        return found
            if "contains" in node and not any(self._first(node["contains"], item, path) is None for item in value):
                return path, "has no item of the required kind"
        if "anyOf" in node:
            problems = [self._first(sub, value, path) for sub in node["anyOf"]]
            if all(p is not None for p in problems):
                return problems[0]
        return None
