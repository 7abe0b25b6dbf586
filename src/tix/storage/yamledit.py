"""Changing values in a hand-kept YAML file without losing what the person wrote around them:
comments, blank lines, key order, quoting and flow or block style (issue 18 #7).

`tix config set` used to regenerate tix.yaml from the schema, which threw away every comment
of the team's. ruamel.yaml parses to a tree that remembers all of that and writes it back as
it was, with only the changed values new; that round trip is a YAML parser and emitter of its
own, so it is a library's work, not ours. It is imported here only, and this module only by
`tix config set`: reading the configuration (every command's start-up) stays with
storage/yamlsubset.py and PyYAML.
"""

from __future__ import annotations

import copy
import io
import re
from typing import Any

_KEY_LINE = re.compile(r"^( *)[^\s#-][^:]*:(\s|$)")
_ITEM_LINE = re.compile(r"^( *)- ")


def set_values(text: str, values: list[tuple[list[str], Any]]) -> str:
    """`text` with each (path, value) set, creating the mappings a path needs (at the end of
    their parent); everything else as it was."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long value the person wrote on one line
    yaml.indent(**_indentation(text))
    yaml.representer.add_representer(float, _represent_float)
    tree = yaml.load(text) if text.strip() else None
    if tree is None:
        tree = CommentedMap()
    pending: dict[int, Any] = {}  # new mappings still empty: the lines to put after their last key
    for path, value in values:
        node = tree
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = CommentedMap()
                _add(node, part, child, pending)
            if getattr(child, "fa", None) is not None and child.fa.flow_style():
                child.fa.set_block_style()  # `team: {}` gets its first member: written as a block
            node = child
        old = node.get(path[-1])
        if isinstance(value, list):
            new = CommentedSeq([_scalar(item) for item in value])
            if not isinstance(old, CommentedSeq) or old.fa.flow_style() or not old:
                new.fa.set_flow_style()  # as tix writes lists: [a, b]
            elif old:  # a block list: the blank lines and comments after its last item stay after the list
                _put_trailing(new, len(new) - 1, _take_trailing(old))
            node[path[-1]] = new
        elif path[-1] in node:
            node[path[-1]] = _scalar(value)
        else:
            _add(node, path[-1], _scalar(value), pending)
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue()


def _scalar(value: Any) -> Any:
    """A string that PyYAML (YAML 1.1, which tix reads with) would take for something else —
    `yes`, `off`, `1e3`, `2026-12-24`, `~` — is written quoted: ruamel's own YAML 1.2 would
    leave some of those plain."""
    if not isinstance(value, str):
        return value
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    from tix.storage.yamlio import YAMLError, load_yaml

    try:
        plain = load_yaml(f"v: {value}\n") == {"v": value}
    except YAMLError:
        plain = False
    if plain and value == value.strip() and value:
        return value
    printable = value.isprintable()
    return SingleQuotedScalarString(value) if printable else DoubleQuotedScalarString(value)


def _indentation(text: str) -> dict[str, int]:
    """The file's own indentation, from its first nested key and its first block-sequence item:
    ruamel writes one style for the whole file, so it is told the one the person used."""
    mapping, sequence, offset = 2, 2, 0
    last_key_indent: int | None = None
    found_mapping = found_sequence = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM_LINE.match(line)
        if item and not found_sequence and last_key_indent is not None:
            offset = max(0, len(item.group(1)) - last_key_indent)
            sequence, found_sequence = offset + 2, True
        key = _KEY_LINE.match(line)
        if key:
            indent = len(key.group(1))
            if indent and not found_mapping:
                mapping, found_mapping = indent, True
            last_key_indent = indent
        if found_mapping and found_sequence:
            break
    return {"mapping": mapping, "sequence": sequence, "offset": offset}


def _add(node: Any, key: str, value: Any, pending: dict[int, Any]) -> None:
    """A new last key of a block mapping: what followed the old last one (blank lines, the next
    section's comment) now follows this one — or, for a new mapping, its last key once it has one."""
    trailing = pending.pop(id(node), None) or _take_trailing(node)
    node[_scalar(key)] = value
    if trailing is None:
        return
    if isinstance(value, dict) and not value:
        pending[id(value)] = trailing
    else:
        _put_trailing(node, key, trailing)


def _last_slot(node: Any) -> tuple[list[Any], int] | None:
    """Where the comment after the deepest last entry of a block collection is kept."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap) and node and not node.fa.flow_style():
        key = list(node.keys())[-1]
        slot = node.ca.items.get(key)
        if slot and slot[2] is not None:
            return slot, 2
        return _last_slot(node[key])
    if isinstance(node, CommentedSeq) and node and not node.fa.flow_style():
        index = len(node) - 1
        slot = node.ca.items.get(index)
        if slot and slot[0] is not None:
            return slot, 0
        return _last_slot(node[index])
    return None


def _take_trailing(node: Any) -> Any:
    """The lines after a collection's last entry (its end-of-line comment stays), as a comment token."""
    found = _last_slot(node)
    if found is None:
        return None
    slot, at = found
    token = slot[at]
    head, _, rest = token.value.partition("\n")
    if not rest:
        return None
    if head:
        slot[at] = copy.copy(token)
        slot[at].value = head + "\n"
    else:
        slot[at] = None
    token.value = "\n" + rest
    return token


def _put_trailing(node: Any, key: Any, token: Any) -> None:
    from ruamel.yaml.comments import CommentedSeq

    if token is None:
        return
    if isinstance(node, CommentedSeq):
        node.ca.items[key] = [token, None, None, None]
    else:
        node.ca.items[key] = [None, None, token, None]


def _represent_float(representer: Any, value: float) -> Any:
    """A float as PyYAML writes it (`1.0e-06`): ruamel's `1e-06` is a string to YAML 1.1."""
    import yaml

    text = yaml.safe_dump(value).splitlines()[0]
    return representer.represent_scalar("tag:yaml.org,2002:float", text)
