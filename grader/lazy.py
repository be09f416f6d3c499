"""Packages that import their public names on first use: `__getattr__` and `__dir__` for their `__init__`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def exports(package: str, where: dict[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """`where` maps each public name to the module that defines it; a name is imported when first asked for,
    then kept in the package like an ordinary import."""

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
