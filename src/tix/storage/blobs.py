"""The id git gives a file's content (its blob id, what `git hash-object` prints), without git."""

from __future__ import annotations

import sys


def blob_id(data: bytes) -> str:
    """The git blob id of `data`. Through hashlib (OpenSSL) once something has loaded it: six
    times faster on a ticket file, which counts when an import or a rebuild hashes thousands. Else
    through CPython's own SHA-1, which loads in 0.5 ms against hashlib's 3 ms: `tix show` checks
    a few files and `tix assign` one (issue 12)."""
    if "hashlib" in sys.modules:
        from hashlib import sha1
    else:
        try:
            from _sha1 import sha1  # type: ignore[import-not-found,no-redef]
        except ImportError:  # a Python built without it
            from hashlib import sha1
    digest = sha1(b"blob %d\0" % len(data))
    digest.update(data)  # not the header + data: no copy of a large attachment
    return str(digest.hexdigest())
