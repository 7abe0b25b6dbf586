"""Plain record classes for the values on the hot start-up path (`tix show`, `list`, `search`,
the state changes, `sync`), instead of dataclasses.

Importing `dataclasses` imports `inspect` (and with it ast, dis, tokenize…): ~9 ms, and each
`@dataclass` costs ~0.5 ms more at import for the methods it generates, against the 9 ms of
`python -c pass` (issue 12: `tix show` <= 4x that). A Record subclass lists its fields in
`__slots__` and sets them in an explicit `__init__`; this gives it what a dataclass gave: equality
of the values in slot order (only with the same class), a readable repr, and — for `Frozen`
ones, whose fields are declared `Final` so that mypy refuses to set them — a hash of those values.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # not at run time: `typing` costs ~3 ms to import (domain/settings.py)
    from typing import Any


class Record:
    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    # a mutable record is not hashable (as a dataclass with eq=True): Python sets __hash__ to None
    # for a class that defines __eq__ without it

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Frozen(Record):
    """A record whose fields are never set after `__init__` (declared `Final`): usable as a dict key."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())
