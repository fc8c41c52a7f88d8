"""YAML parsing that keeps node positions, so a validation error can name its line and column.

PyYAML's composer already records a start mark on every node; we keep the node tree next to
the constructed data and walk it with a pydantic ``loc`` path to find where a value was written.

>>> data, node = parse_yaml("a:\\n  b: [1, 2]\\n", "x.yaml")
>>> locate(node, ("a", "b", 1))
(2, 10)
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from finseg.exceptions import PolicyError

__all__ = ["MAX_NODES", "locate", "parse_yaml"]

#: Most nodes a document may hold once its aliases (``*name``) are expanded: a few aliased
#: lists nested in each other (a "YAML bomb") would otherwise stand for billions of values.
MAX_NODES = 100_000


def _expanded_size(root: Node) -> int:
    """Nodes of the tree with every alias expanded, counted without expanding it: an aliased
    node is one object that appears several times, so its size is computed once.  A node
    that holds an alias of itself counts as too large."""
    size: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose children are being counted
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        else:
            children = []
        if children_done:
            open_.discard(id(node))
            size[id(node)] = min(1 + sum(size[id(c)] for c in children), MAX_NODES + 1)
        elif id(node) in open_:
            return MAX_NODES + 1  # recursive: the node contains itself
        elif id(node) not in size:
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in size)
    return size[id(root)]


def _duplicate_keys(node: Node | None, source: str) -> list[tuple[int, int, str]]:
    """Keys written twice in one mapping (PyYAML silently keeps the last)."""
    found: list[tuple[int, int, str]] = []
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                if key.value in seen:
                    found.append((key.start_mark.line + 1, key.start_mark.column + 1, key.value))
                seen.add(key.value)
            found += _duplicate_keys(value, source)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            found += _duplicate_keys(item, source)
    return found


def parse_yaml(text: str, source: str) -> tuple[Any, Node | None]:
    """Parse one YAML document safely; return the data and its node tree.

    Raises
    ------
    PolicyError
        Syntax errors and duplicate keys, with ``source:line:column``.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > MAX_NODES:
            raise PolicyError(
                f"{source}: aliases (*name) expand to more than {MAX_NODES:,} values; "
                "write the values out or use fewer aliases",
                f"{source}：别名（*名称）展开后超过 {MAX_NODES:,} 个值；请直接写出取值或减少别名",
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise PolicyError(
            f"{where}: not valid YAML: {exc.problem or exc}",
            f"{where}：不是有效的 YAML：{exc.problem or exc}",
        ) from exc
    except yaml.YAMLError as exc:
        raise PolicyError(
            f"{source}: not valid YAML: {exc}", f"{source}：不是有效的 YAML：{exc}"
        ) from exc
    except RecursionError:  # PyYAML composes nested lists and mappings recursively
        raise PolicyError(
            f"{source}: lists or mappings are nested too deeply", f"{source}：列表或映射嵌套过深"
        ) from None
    finally:
        loader.dispose()
    dups = _duplicate_keys(node, source)
    if dups:
        raise PolicyError(
            "\n".join(f"{source}:{ln}:{col}: key `{k}` is written twice" for ln, col, k in dups),
            "\n".join(f"{source} 第 {ln} 行第 {col} 列：键 `{k}` 重复出现" for ln, col, k in dups),
        )
    return data, node


def _child(node: Node, part: str | int) -> tuple[Node, Node] | None:
    """The (position node, value node) of ``part`` inside ``node``, if it is there."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key, value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part], node.value[part]
    return None


def locate(
    node: Node | None, loc: tuple[str | int, ...], *, at_key: bool = False
) -> tuple[int, int]:
    """1-based (line, column) of the deepest node along ``loc`` that exists.

    A scalar points at its value (at its key with ``at_key``); a mapping or list at its key;
    a missing key at the mapping that should hold it.  Parts that are not keys (pydantic
    union tags) are skipped.
    """
    if node is None:
        return 1, 1
    mark = node.start_mark
    for part in loc:
        hit = _child(node, part)
        if hit is None:
            continue
        key, node = hit
        mark = node.start_mark if isinstance(node, ScalarNode) and not at_key else key.start_mark
    return mark.line + 1, mark.column + 1
