"""Reading a config file's YAML strictly and within bounds: the loader never crashes, hangs or guesses.

``read_yaml(text)`` returns the document or raises ``YamlProblem(where, message)``:

- duplicate keys in a mapping are an error (YAML would silently keep the last one);
- timestamps stay strings (the settings parse dates themselves, with the field named): ``2026-02-30`` is a
  field error, not a crash in the YAML library;
- a value a tag cannot construct (``!!int abc``) is reported with its line, not raised as ``ValueError``;
- nesting deeper than ``MAX_DEPTH`` and documents that expand (through aliases) to more than ``MAX_NODES``
  nodes are refused before anything walks them, so an alias bomb costs milliseconds, not minutes.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 50
MAX_NODES = 100_000
_MERGE = "tag:yaml.org,2002:merge"


class YamlProblem(ValueError):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where, self.message = where, message


def clip(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


class _StrictLoader(yaml.SafeLoader):
    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as err:  # a tag that cannot build its value
            shown = clip(repr(node.value)) if isinstance(node, ScalarNode) else node.tag
            raise ConstructorError(None, None, f"cannot read {shown} as {node.tag} ({err})", node.start_mark) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"duplicate key {clip(repr(key))}: each key may appear once", key_node.start_mark,
                )  # fmt: skip
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_timestamp_as_str(self, node: Node) -> Any:
        return self.construct_scalar(node)  # type: ignore[arg-type]


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_timestamp_as_str)


def read_yaml(text: str) -> Any:
    """The document in ``text``; ``YamlProblem`` for anything that is not a sane, bounded YAML document."""
    if len(text) > MAX_BYTES:
        raise YamlProblem("", f"the file is {len(text):,} characters long; a config is at most {MAX_BYTES:,}")
    if _flow_depth(text) > MAX_DEPTH:  # before parsing: PyYAML's scanner is quadratic in flow nesting depth
        raise YamlProblem("", f"not a usable config: nested more than {MAX_DEPTH} levels deep")
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise YamlProblem(where, f"not valid YAML: {clip(str(problem), 200)}") from None
    except RecursionError:
        raise YamlProblem("", f"not a usable config: nested more than {MAX_DEPTH} levels deep") from None
    _check_bounds(document)
    return document


_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')


def _flow_depth(text: str) -> int:
    """The deepest ``[``/``{`` nesting outside quotes and comments (a cheap upper bound the parser would see)."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _QUOTED_OR_COMMENT.sub("", text)):
        depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _check_bounds(document: Any) -> None:
    """Walk the document as the settings would (aliases expanded), giving up past the bounds."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise YamlProblem("", f"not a usable config: it expands to more than {MAX_NODES:,} values (YAML aliases?)")
        if depth > MAX_DEPTH:
            raise YamlProblem("", f"not a usable config: nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for pair in node.items() for v in pair)
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
