"""Rendering pydantic's validation errors as ``(field path, what to do)`` lines a user can act on.

``problems(err, Settings)`` -> ``[("target.timeout", "expected a duration such as 250ms, 5s, 10m or 26h,
got 'soon'"), ("hosts[0].spce", "unknown key; expected one of: spec, name, ...")]``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from golive.config.strict_yaml import clip

_UNION_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "date", "none"})


def problems(err: ValidationError, root: type[BaseModel]) -> list[tuple[str, str]]:
    """One ``(path, message)`` per error; unknown keys list the keys the section knows."""
    found = []
    for e in err.errors(include_url=False):
        # drop pydantic's union member tags ("str", "list[str]", "function-after[...]"): they are not keys
        loc = [p for p in e["loc"] if not (isinstance(p, str) and ("[" in p or p in _UNION_TAGS))]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        kind, msg = e["type"], e["msg"]
        if kind == "extra_forbidden":
            msg = f"unknown key{_known_keys(root, e['loc'])}"
        elif kind == "missing":
            msg = "required but missing"
            if path.startswith("waivers") and path.endswith("expires"):
                msg += ": every waiver needs an expiry date (expires: YYYY-MM-DD)"
        elif kind.startswith("value_error"):
            msg = msg.removeprefix("Value error, ")
        else:
            msg = f"{msg} (got {clip(repr(e.get('input')))})"
        found.append((clip(path, 120), clip(msg, 300)))
    return found


def _known_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return ""
        model = _model_of(field.annotation)
    if model is None or not hasattr(model, "model_fields"):
        return ""
    names = [n for n, f in model.model_fields.items() if not f.exclude]
    return f"; expected one of: {', '.join(names)}"


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
