"""Regular expressions compiled when first used, not when their module is imported.

Compiling tix's module-level patterns took ~5 ms of every command (issue 12), and each command
uses a few of them: `tix show` never resolves a tag, `tix list` never reads a ticket file. A
`lazy(...)` pattern is compiled by its first match, search, sub...; from then on its methods are
the compiled pattern's own, held by the instance, so a loop over many messages pays nothing more.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

_TAKEN = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "pattern", "flags", "groups", "groupindex")


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for what the instance does not hold yet
        compiled = re.compile(*self._source)
        for taken in _TAKEN:
            setattr(self, taken, getattr(compiled, taken))
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """re.compile(pattern, flags), done when the pattern is first used."""
    return _LazyPattern(pattern, flags)  # type: ignore[return-value]
