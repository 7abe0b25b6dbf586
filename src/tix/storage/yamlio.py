"""Deterministic YAML in and out (libyaml's C loader and dumper when present)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import yaml

from tix import messages as msg

YAMLError = yaml.YAMLError
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LINE_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


class _StableDumper(_Dumper):  # type: ignore[misc,valid-type]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # never '&id001' anchors: every value is written where it belongs


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # One physical line per value: a value can then never produce a line that
    # closes a front-matter block ('---') or starts a new key.
    style = '"' if _LINE_BREAKS.search(data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_datetime(dumper: yaml.SafeDumper, data: datetime) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", data.isoformat())


_StableDumper.add_representer(str, _represent_str)
_StableDumper.add_representer(datetime, _represent_datetime)


class _FlowListDumper(_StableDumper):
    pass


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    flow = all(not isinstance(item, (list, dict)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowListDumper.add_representer(list, _represent_list)


def dump_yaml(data: Any, flow_lists: bool = False) -> str:
    """YAML with keys in the given order, Unicode as is, no line folding; block style,
    except that `flow_lists` writes lists of plain values on one line ([a, b])."""
    return yaml.dump(
        data, Dumper=_FlowListDumper if flow_lists else _StableDumper, sort_keys=False,
        allow_unicode=True, default_flow_style=False, width=1_000_000,
    )  # fmt: skip


class DuplicateKey(yaml.YAMLError):
    """A mapping names the same key twice (e.g. a `merge=union` merge of a ticket file)."""

    def __init__(self, key: str, line: int) -> None:
        super().__init__(msg.yaml_key_twice(key, line + 1))
        self.key = key
        self.line = line


class _StrictLoader(_Loader):  # type: ignore[misc,valid-type]
    """Refuses duplicate keys: PyYAML would silently keep the last one (issue 10 #7)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        raise DuplicateKey(key_node.value, key_node.start_mark.line)
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def load_yaml(text: str, strict: bool = False) -> Any:
    """`strict` refuses duplicate keys (ticket files); otherwise the last one wins."""
    return yaml.load(text, Loader=_StrictLoader if strict else _Loader)
