"""A reader for the plain subset of YAML that tix itself writes, so that `tix show` and the state
changes need not import PyYAML (~12 ms of a ~70 ms command; issue 12).

`load(text)` returns what PyYAML's safe loader would return for `text`, or NOT_SIMPLE when the text
uses anything outside the subset below; the caller then uses PyYAML (storage/yamlio.py), so hand-
written YAML of any kind is still read by the real parser. The subset is what `yamlio.dump_yaml`
writes for tickets and configuration:

- block mappings (`key: value`, nested by indentation), block sequences of scalars (`- item`, at
  the key's indentation or deeper), `[]`, `{}` and flow lists of plain or quoted scalars;
- plain scalars, resolved as PyYAML's resolver does: null (`~`, `null`, empty), booleans (`true`,
  `yes`, `on`, ...), decimal integers, simple decimals, ISO 8601 date-times with an offset — any
  other form that PyYAML would not read as a string (octal, `1_000`, `.inf`, dates, `<<`, `=`)
  sends the text to PyYAML;
- single-line single- and double-quoted scalars (double-quoted with YAML's escapes);
- blank lines, whole-line comments, and ` # comments` after a value.

A key given twice makes the text NOT_SIMPLE too, so that the strict loader reports it with its line.
tests/test_yamlsubset.py checks, over generated and hostile values, that the answer is PyYAML's or
NOT_SIMPLE.
"""

from __future__ import annotations

import re
from datetime import datetime

from tix.domain.patterns import lazy

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

NOT_SIMPLE: Any = object()  # "outside the subset: ask PyYAML"

_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.@+/-]*):(?: +|$)")
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:[+-][0-9]{2}:[0-9]{2}|Z)")
# PyYAML's resolver patterns (yaml/resolver.py) for the types read above in their simple forms only:
# a scalar that matches one in any other form goes to PyYAML.
_PYYAML_TYPED = lazy(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[\ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
     (?:[\ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?
    |<<|=|!|&|\*""",
    re.VERBOSE,
)
# Every character _PYYAML_TYPED can match (tests/test_yamlsubset_fast.py reads them out of it): a
# scalar holding any other is no number, time or `<<`, and the pattern need not even be compiled.
_TYPED_CHARACTERS = frozenset("0123456789_+-.:eEinfINFaAbxcdBCD" + "Tt \tZ<=!&*")
_TYPED_FIRST = frozenset("0123456789+-.<=!&*")  # and each of its forms begins with one of these
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
            "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_DOUBLE_QUOTED = lazy(r'"((?:[^"\\]|\\.)*)"')
_SINGLE_QUOTED = lazy(r"'((?:[^']|'')*)'")
_AFTER_VALUE = re.compile(r"(?: +#.*)?")
# Tabs, control characters, YAML's other line breaks, a BOM, surrogates and non-characters: PyYAML's.
_ODD = lazy("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


class _NotSimple(Exception):
    pass


def load(text: str) -> Any:
    """PyYAML's safe-load result for `text`, or NOT_SIMPLE (see the module's docstring)."""
    try:
        lines = _lines(text)
        if not lines:
            return None
        value, rest = _block(lines, 0, lines[0][0])
        if rest != len(lines):
            raise _NotSimple
        return value
    except _NotSimple:
        return NOT_SIMPLE


def _lines(text: str) -> list[tuple[int, str]]:
    """(indentation, content) of each line that holds something; NOT_SIMPLE on tabs, odd characters."""
    result = []
    printable = text.replace("\n", " ").isprintable()  # then no character of _ODD's is there (all are unprintable)
    for line in text.split("\n"):
        if not printable and _ODD.search(line):
            raise _NotSimple  # YAML's rules for these are subtle: leave them to PyYAML
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if stripped in ("---", "...") or stripped.startswith(("--- ", "%")):
            raise _NotSimple
        result.append((len(line) - len(stripped), stripped.rstrip(" ")))
    return result


def _block(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[Any, int]:
    """The mapping or sequence whose lines start at `start` with this indentation."""
    if lines[start][1].startswith("- ") or lines[start][1] == "-":
        return _sequence(lines, start, indent)
    return _mapping(lines, start, indent)


def _mapping(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    at = start
    while at < len(lines) and lines[at][0] == indent:
        match = _KEY.match(lines[at][1])
        if not match or _scalar(match.group(1)) != match.group(1):
            raise _NotSimple  # not a plain string key (or a sequence item here): PyYAML's to judge
        key, rest = match.group(1), lines[at][1][match.end():]
        if key in result:
            raise _NotSimple  # a key twice: the strict loader names it, with its line
        at += 1
        if rest and not rest.startswith("#"):
            result[key] = _value(rest)
        elif at < len(lines) and (lines[at][0] > indent or (lines[at][0] == indent and _is_item(lines[at][1]))):
            result[key], at = _block(lines, at, lines[at][0])
        else:
            result[key] = None
    if at < len(lines) and lines[at][0] > indent:
        raise _NotSimple
    return result, at


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _sequence(lines: list[tuple[int, str]], start: int, indent: int) -> tuple[list[Any], int]:
    result: list[Any] = []
    at = start
    while at < len(lines) and lines[at][0] == indent and _is_item(lines[at][1]):
        item = lines[at][1][2:].lstrip(" ")
        if not item or item.startswith("- ") or _KEY.match(item) or (at + 1 < len(lines) and lines[at + 1][0] > indent):
            raise _NotSimple  # nested collections in a sequence: PyYAML's
        result.append(_value(item))
        at += 1
    if at < len(lines) and lines[at][0] > indent:
        raise _NotSimple
    return result, at


def _value(text: str) -> Any:
    if text.startswith('"'):
        return _quoted(text, _DOUBLE_QUOTED, _unescape_double)
    if text.startswith("'"):
        return _quoted(text, _SINGLE_QUOTED, lambda inner: inner.replace("''", "'"))
    if text.startswith("["):
        return _flow_list(text)
    if text == "{}":
        return {}
    if " #" in text:
        text = text[: text.index(" #")].rstrip(" ")
    return _scalar(text)


def _quoted(text: str, pattern: re.Pattern[str], decode: Any) -> str:
    match = pattern.match(text)
    if not match or not _AFTER_VALUE.fullmatch(text, match.end()):
        raise _NotSimple
    return str(decode(match.group(1)))


def _unescape_double(inner: str) -> str:
    parts = inner.split("\\")
    out = [parts[0]]
    index = 1
    while index < len(parts):
        part = parts[index]
        if part == "":  # an escaped backslash: "\\\\" splits into two empty parts
            if index + 1 >= len(parts):
                raise _NotSimple
            out.append("\\" + parts[index + 1])
            index += 2
            continue
        head = part[0]
        if head in _ESCAPES:
            out.append(_ESCAPES[head] + part[1:])
        elif head in _HEX_ESCAPES:
            width = _HEX_ESCAPES[head]
            digits = part[1 : 1 + width]
            if len(digits) != width or not all(char in "0123456789abcdefABCDEF" for char in digits):
                raise _NotSimple
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise _NotSimple
            out.append(chr(code) + part[1 + width :])
        else:
            raise _NotSimple
        index += 1
    return "".join(out)


def _flow_list(text: str) -> list[Any]:
    end = text.find("]")
    if end < 0 or not _AFTER_VALUE.fullmatch(text, end + 1):
        raise _NotSimple
    inner = text[1:end].strip(" ")
    if not inner:
        return []
    items = []
    for raw in inner.split(","):
        item = raw.strip(" ")
        if not item or item[0] in "\"'[{" or any(char in item for char in "{}[]#'\""):
            raise _NotSimple
        items.append(_scalar(item))
    return items


def _scalar(text: str) -> Any:
    """A plain scalar's value, as PyYAML's resolver reads it."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] in _INDICATORS or text[0] == " " or ": " in text or text.endswith(":") or " #" in text:
        raise _NotSimple
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _DATETIME.fullmatch(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    if text[0] in _TYPED_FIRST and _TYPED_CHARACTERS.issuperset(text) and _PYYAML_TYPED.fullmatch(text):
        raise _NotSimple
    return text


# --- writing -----------------------------------------------------------------------------------

_FIRST_INDICATORS = set("#,[]{}&*!|>'\"%@`?:-")
# The common case of _plain (block context), decided by one match: a string that starts with a letter
# or '<' (so no indicator, number, time or `<<`), holds none of _ODD_CLASS, and ends with neither
# ' ' nor ':' — or letters and digits only, starting with 1-9 and holding a letter (a ticket's ID: no
# number or time without '.', ':', '-' or a leading 0). With no ': ' or ' #' in it and not one of the
# words that read as null or a boolean, it is written plain; any other string takes _plain's full way
# (tests/test_yamlsubset_fast.py holds the two equal).
# As _ODD, the characters beyond the BMP too, which libyaml's emitter escapes (double quotes): PyYAML's.
_ODD_CLASS = "\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff\U00010000-\U0010ffff"
# The writer's patterns ("odd": _ODD_CLASS; "plain": the common case above), compiled by the first
# dump: a command that only reads (`tix show`) never compiles them (1 ms; issue 12).
_WRITE: dict[str, re.Pattern[str]] = {}


def write_patterns() -> dict[str, re.Pattern[str]]:
    if not _WRITE:
        _WRITE["odd"] = re.compile(f"[{_ODD_CLASS}]")
        _WRITE["plain"] = re.compile(f"[A-Za-z<](?:[^{_ODD_CLASS}]*[^{_ODD_CLASS} :])?|[1-9][0-9A-Za-z]*[A-Za-z][0-9A-Za-z]*")
    return _WRITE
_WORDS = _NULL | _TRUE | _FALSE
_KEYS_SEEN: set[str] = set()  # keys found plain and key-shaped (a handful: the front-matter's field names)


def dump(data: Any, flow_lists: bool = False) -> str | None:
    """What `yamlio.dump_yaml(data, flow_lists)` writes, byte for byte, or None when `data` holds
    anything outside the subset (the caller then asks PyYAML). Mappings with plain string keys,
    lists of scalars, strings, None, booleans, integers and datetimes."""
    if not isinstance(data, dict):
        return None
    write_patterns()
    out: list[str] = []
    try:
        _dump_mapping(data, 0, flow_lists, out)
    except _NotSimple:
        return None
    return "".join(out) if out else "{}\n"


def _dump_mapping(data: dict[Any, Any], indent: int, flow_lists: bool, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        if type(key) is not str or key not in _KEYS_SEEN:
            if not isinstance(key, str) or _plain(key, flow=False) is None or not _KEY.fullmatch(key + ":"):
                raise _NotSimple
            if len(_KEYS_SEEN) < 1000:  # bounded: hand-written keys are not kept without end
                _KEYS_SEEN.add(key)
        if type(value) is str:  # the most common value: first, and without the calls below
            out.append(f"{pad}{key}: {_dump_string(value, flow=False)}\n")
            continue
        if isinstance(value, dict) and value:
            out.append(f"{pad}{key}:\n")
            _dump_mapping(value, indent + 2, flow_lists, out)
        elif isinstance(value, list) and value:
            if any(isinstance(item, (list, dict)) for item in value):
                raise _NotSimple
            if flow_lists:
                out.append(f"{pad}{key}: [{', '.join(_dump_scalar(item, flow=True) for item in value)}]\n")
            else:
                out.append(f"{pad}{key}:\n")
                out.extend(f"{pad}- {_dump_scalar(item, flow=False)}\n" for item in value)
        elif isinstance(value, (list, dict)):
            out.append(f"{pad}{key}: {'[]' if isinstance(value, list) else '{}'}\n")
        else:
            out.append(f"{pad}{key}: {_dump_scalar(value, flow=False)}\n")


def _dump_scalar(value: Any, flow: bool) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is datetime:
        if flow:
            raise _NotSimple  # ':' is not plain in a flow list: PyYAML writes it with a tag, quoted
        return value.isoformat()
    if type(value) is str:
        return _dump_string(value, flow)
    raise _NotSimple


def _dump_string(value: str, flow: bool) -> str:
    if not flow and _WRITE["plain"].fullmatch(value) and ": " not in value and " #" not in value and value not in _WORDS and value != "<<":
        return value
    plain = _plain(value, flow)
    if plain is not None:
        return plain
    if _WRITE["odd"].search(value):
        raise _NotSimple  # written double-quoted by yamlio: PyYAML's
    return "'" + value.replace("'", "''") + "'"


def _plain(text: str, flow: bool) -> str | None:
    """`text` as a plain scalar when PyYAML's emitter would write it so; None when it would quote it.
    _NotSimple when the choice is one this module does not make (PyYAML's rules for those are subtle)."""
    if _WRITE["odd"].search(text):
        raise _NotSimple
    if not text or text[0] == " " or text[-1] == " " or text.startswith(("---", "...")):
        return None
    if text[0] in _FIRST_INDICATORS:
        if text[0] in "?:-":
            raise _NotSimple  # plain or not depends on what follows
        return None
    if ": " in text or text.endswith(":") or " #" in text:
        return None
    if flow and any(char in text for char in ",?[]{}:"):
        return None
    try:
        if _scalar(text) != text or type(_scalar(text)) is not str:
            return None  # it would read back as null, a boolean, a number or a time: quoted
    except _NotSimple:
        return None  # a form of a number or time read by PyYAML: quoted
    return text
