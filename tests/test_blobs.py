"""storage/blobs.blob_id is git's blob id, whichever SHA-1 it uses (hashlib's, or CPython's own
while nothing has loaded hashlib)."""

import subprocess
import sys

import pytest

from tix.storage.blobs import blob_id

CONTENTS = [b"", b"ticket\n", "zażółć gęślą jaźń\r\n".encode(), bytes(range(256)) * 300]


@pytest.mark.parametrize("data", CONTENTS, ids=["empty", "line", "utf8", "binary"])
def test_blob_id_is_what_git_hash_object_prints(data: bytes) -> None:
    expected = subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True).stdout.decode().strip()
    assert blob_id(data) == expected
    without_hashlib = "import sys; from tix.storage.blobs import blob_id; print(blob_id(sys.stdin.buffer.read())); print('hashlib' in sys.modules)"
    printed = subprocess.run([sys.executable, "-c", without_hashlib], input=data, capture_output=True, check=True).stdout.decode().split()
    assert printed == [expected, "False"]
