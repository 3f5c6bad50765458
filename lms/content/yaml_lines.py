"""YAML that remembers where things are: every mapping and list knows its line and its items' lines.

PyYAML's safe loader builds plain values; here mappings become `YMap` and lists `YList`, so a
refusal can name the line of the key or item that is wrong. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

ErrorSink = Callable[[str, int | None, str], None]  # (file, line, message)


class YMap(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def line_of(container: Any, key: Any, default: int | None) -> int | None:
    """The line of `key` (or index) in a YMap / YList; `default` for anything else."""
    if isinstance(container, YMap | YList):
        return container.line_of(key)
    return default


def describe(value: Any) -> str:
    """A value as the person who wrote the file would recognize it."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true or false)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f'text ("{short}")'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def parse(text: str, file: str, error: ErrorSink, line_offset: int = 0) -> Any:
    """Parse one YAML document into YMap / YList / scalars; report problems to `error`, return None then."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            error(file, None, "the file is empty")
            return None
        return _build(loader, node, file, line_offset, error)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        problem = exc.problem or exc.context or "not valid YAML"
        error(file, line, f"YAML syntax error: {problem}")
        return None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, file: str, offset: int, error: ErrorSink) -> Any:
    line = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result = YMap()
        result.line, result.key_lines = line, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key, str | int):
                error(file, key_line, f"a key must be text, not {describe(key)}")
                continue
            if key in result:
                error(file, key_line, f'duplicate key "{key}" (first at line {result.key_lines[key]})')
                continue
            result[key] = _build(loader, value_node, file, offset, error)
            result.key_lines[key] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        items = YList()
        items.line, items.item_lines = line, []
        for item in node.value:
            items.append(_build(loader, item, file, offset, error))
            items.item_lines.append(item.start_mark.line + 1 + offset)
        return items
    return loader.construct_object(node, deep=True)
