"""Blobs compressed where the mail is parsed, and written into git as one pack.

An import's files (the message as received, its HTML, its attachments) are most of the bytes
git stores, and compressing them was most of what `git fast-import` did while the importer
waited for it, on one core. The parse workers compress each file as they parse it, on every
core (`pack_blob`); the importer writes a batch's blobs as one pack with its index
(`write_pack`), and fast-import then only names them in the batch's trees.

An attachment that is already compressed (a photo, a PDF, an archive) is stored as it is:
zlib gains nothing on it and took as long as on text. Formats: gitformat-pack(5), version 2
pack and index.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from typing import BinaryIO, NamedTuple

_BLOB = 3  # the pack's object type for a blob
_SAMPLE = 4096  # bytes compressed to judge whether a file compresses at all
_WORTH_IT = 0.9  # a sample that shrinks to less than this is compressed


class PackedBlob(NamedTuple):
    """A file as a git blob ready for a pack: its id, its size, its pack entry (header and
    zlib data) and that entry's CRC-32 (the pack index holds it)."""

    oid: str
    size: int
    entry: bytes
    crc: int


def pack_blob(data: bytes) -> PackedBlob:
    """`data` as a pack entry: zlib's fastest level, or none for data that does not compress
    (a sample from its middle decides)."""
    digest = hashlib.sha1(b"blob %d\0" % len(data))
    digest.update(data)
    middle = max(0, len(data) // 2 - _SAMPLE // 2)
    sample = data[middle : middle + _SAMPLE]
    level = 1 if not sample or len(zlib.compress(sample, 1)) < _WORTH_IT * len(sample) else 0
    entry = _entry_header(len(data)) + zlib.compress(data, level)
    return PackedBlob(digest.hexdigest(), len(data), entry, zlib.crc32(entry))


def _entry_header(size: int) -> bytes:
    """The type and size of a pack entry: the low four bits of the size beside the type, then
    seven bits a byte, each byte but the last with its top bit set."""
    first = (_BLOB << 4) | (size & 0x0F)
    size >>= 4
    out = bytearray()
    while size:
        out.append(first | 0x80)
        first, size = size & 0x7F, size >> 7
    out.append(first)
    return bytes(out)


def write_pack(pack_dir: str, blobs: list[PackedBlob]) -> None:
    """Write the blobs (each id once) as one pack and its index in `pack_dir` (objects/pack).
    git sees a pack once its index is there: both are written under temporary names, synced and
    renamed, the index last, so a run killed meanwhile leaves only a `tmp_` file git ignores."""
    unique = list({blob.oid: blob for blob in blobs}.values())
    if not unique:
        return
    tmp_pack, tmp_index = (os.path.join(pack_dir, f"tmp_{kind}_tix_{os.urandom(6).hex()}") for kind in ("pack", "idx"))
    offsets: dict[str, int] = {}
    checksum = hashlib.sha1()
    with _new_file(tmp_pack) as out:
        head = b"PACK" + struct.pack(">II", 2, len(unique))
        out.write(head)
        checksum.update(head)
        at = len(head)
        for blob in unique:
            offsets[blob.oid] = at
            out.write(blob.entry)
            checksum.update(blob.entry)
            at += len(blob.entry)
        trailer = checksum.digest()
        out.write(trailer)
        out.flush()
        os.fsync(out.fileno())  # as git's own packs: a commit must never name a blob a power cut took
    name = os.path.join(pack_dir, f"pack-{trailer.hex()}")
    with _new_file(tmp_index) as out:
        out.write(_index(sorted(unique, key=lambda blob: blob.oid), offsets, trailer))
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp_pack, name + ".pack")
    os.replace(tmp_index, name + ".idx")
    folder = os.open(pack_dir, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _new_file(path: str) -> BinaryIO:
    """A file of our own, read-only once closed as git's packs are (0444 less the umask)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o444), "wb")


def _index(ordered: list[PackedBlob], offsets: dict[str, int], pack_checksum: bytes) -> bytes:
    """A version 2 pack index of the blobs, ordered by id."""
    ids = [bytes.fromhex(blob.oid) for blob in ordered]
    fanout = [0] * 256
    for oid in ids:
        fanout[oid[0]] += 1
    total = 0
    for byte in range(256):
        total += fanout[byte]
        fanout[byte] = total
    small: list[int] = []
    large: list[int] = []
    for blob in ordered:
        offset = offsets[blob.oid]
        if offset < 0x80000000:
            small.append(offset)
        else:  # past 2 GiB: an entry of the 8-byte table
            small.append(0x80000000 | len(large))
            large.append(offset)
    body = b"".join([
        b"\377tOc", struct.pack(">I", 2), struct.pack(">256I", *fanout), *ids,
        struct.pack(f">{len(ordered)}I", *(blob.crc for blob in ordered)),
        struct.pack(f">{len(small)}I", *small), struct.pack(f">{len(large)}Q", *large), pack_checksum,
    ])  # fmt: skip
    return body + hashlib.sha1(body).digest()
