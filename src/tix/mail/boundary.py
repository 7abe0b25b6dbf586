"""A faster MIME boundary matcher for the standard library's feedparser (issue 12).

For every multipart part, CPython's `email.feedparser.FeedParser._parsegen` compiles

    '(?P<sep>' + re.escape(separator) + r')(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>\\r\\n|\\r|\\n)?$'

Each boundary is different, so `re`'s cache never hits and the pure-Python regex compiler
runs once per multipart: about a fifth of tix's parse time. `install()` gives feedparser a
`re` whose `compile` recognises exactly that pattern (the escaped text must be what
`re.escape` makes of the separator it stands for) and returns a `BoundaryMatcher`: a
`str.startswith(separator)` plus one precompiled pattern for the rest of the line, matched
from where the separator ends — the same matches as the compiled regex. Every other call,
and every other pattern, goes to the real `re`.
"""

from __future__ import annotations

import email.feedparser
import re
from typing import Any

_HEAD = "(?P<sep>"
_TAIL = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_REST = re.compile(_TAIL[1:])  # what follows the separator, matched at pos=len(separator)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)  # re.escape only puts a backslash before a character


class BoundaryMatcher:
    """Stands in for `re.compile(pattern)` of feedparser's boundary pattern: feedparser calls
    only `.match(line)`; anything else is answered by the real compiled pattern."""

    __slots__ = ("pattern", "separator", "_length")

    def __init__(self, pattern: str, separator: str) -> None:
        self.pattern = pattern
        self.separator = separator
        self._length = len(separator)

    def match(self, line: str) -> re.Match[str] | None:
        if line.startswith(self.separator):
            return _REST.match(line, self._length)
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(re.compile(self.pattern), name)


def separator_of(pattern: object, flags: object = 0) -> str | None:
    """The separator, when `pattern` is feedparser's boundary pattern for it; else None."""
    if flags != 0 or not isinstance(pattern, str) or len(pattern) < len(_HEAD) + len(_TAIL):
        return None
    if not (pattern.startswith(_HEAD) and pattern.endswith(_TAIL)):
        return None
    escaped = pattern[len(_HEAD) : -len(_TAIL)]
    separator = _ESCAPED.sub(r"\1", escaped)
    return separator if re.escape(separator) == escaped else None


def boundary_compile(pattern: Any, flags: Any = 0) -> Any:
    """re.compile, except for feedparser's boundary pattern (see the module's docstring)."""
    separator = separator_of(pattern, flags)
    if separator is None:
        return re.compile(pattern, flags)
    return BoundaryMatcher(pattern, separator)


def install() -> None:
    """Give email.feedparser `boundary_compile` in place of `re.compile` (once)."""
    namespace = vars(email.feedparser)  # its `re` is not in the type stubs
    if not isinstance(namespace["re"], _FeedparserRe):
        namespace["re"] = _FeedparserRe()


class _FeedparserRe:
    """The `re` module as feedparser sees it: the real one, with `compile` replaced."""

    compile = staticmethod(boundary_compile)

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)
