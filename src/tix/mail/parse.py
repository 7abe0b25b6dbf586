"""One inbound message, from raw bytes to what a ticket needs.

Built on the standard library's `compat32` parser, which never raises on broken mail and is
several times faster than `policy.default`, with tix's own decoding on top (docs/MAIL.md):

- headers: unfolded, RFC 2047 words decoded (also inside quoted names, which every mail
  client accepts), raw 8-bit bytes decoded as UTF-8 or else the best of the configured
  fallback charsets — never silently dropped, never left as U+FFFD when a charset fits;
- body: every inline text part of the top-level message (in multipart/alternative the
  plain one), declared charsets with aliases, undeclared 8-bit text decoded best-effort;
  HTML-only mail converted to readable text, the HTML kept;
- attachments (forwarded messages included, as .eml) with portable, visible names that can
  go nowhere but into their own folder and never take one of tix's own file names; the name
  as sent is kept as `Attachment.original_name`;
- bounded work: a part whose decoded size passes the attachment limit is never decoded (its
  size is known from the bytes); MIME nested too deeply, or a part that cannot be read, costs
  only that part — the outer headers and the first readable text are always returned;
- robots: auto-replies, bounces, lists and bulk mail, by the union of the header rules the
  well-known helpdesks use, and the subjects auto-reply robots write;
- `arrived`: the time of the topmost Received: header (the sender's Date: stays `date`).
"""

from __future__ import annotations

import codecs
import email
import email.message
import email.parser
import functools
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from tix import messages as msg
from tix.domain.model import Person, normalize_text, one_line
from tix.mail import boundary
from tix.mail.htmltext import html_to_text

# The stdlib feedparser compiles a new regex for every multipart's boundary (about a fifth of
# the parse time); boundary.install() gives it an exact, precompiled matcher instead (issue 12).
boundary.install()

# The WHATWG Encoding Standard's labels (https://encoding.spec.whatwg.org/#names-and-labels),
# as data: Python codec -> every label that means it. Mail clients send these labels, and
# Python does not know all of them (iso-8859-8-i, x-mac-ukrainian, windows-31j, …).
# Deviations, for mail rather than a browser: "replacement" labels whose encoding Python can
# read (iso-2022-kr, hz-gb-2312) are read with it; utf-16 keeps Python's BOM handling.
WHATWG_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": ("unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"),
    "cp866": ("866", "cp866", "csibm866", "ibm866"),
    "iso8859-2": ("csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2", "iso_8859-2:1987", "l2", "latin2"),
    "iso8859-3": ("csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3", "iso_8859-3:1988", "l3", "latin3"),
    "iso8859-4": ("csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4", "iso_8859-4:1988", "l4", "latin4"),
    "iso8859-5": ("csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595", "iso_8859-5",
                  "iso_8859-5:1988"),
    "iso8859-6": ("arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114", "iso-8859-6",
                  "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596", "iso_8859-6", "iso_8859-6:1987"),
    "iso8859-7": ("csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126", "iso8859-7",
                  "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"),
    "iso8859-8": ("csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138", "iso8859-8",
                  "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual",
                  "csiso88598i", "iso-8859-8-i", "logical"),  # ISO-8859-8-I: the same bytes, logical order
    "iso8859-10": ("csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"),
    "iso8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "mac-roman": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "cp874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "cp1250": ("cp1250", "windows-1250", "x-cp1250"),
    "cp1251": ("cp1251", "windows-1251", "x-cp1251"),
    "cp1252": ("ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100", "iso8859-1",
               "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252", "x-cp1252"),
    "cp1253": ("cp1253", "windows-1253", "x-cp1253"),
    "cp1254": ("cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9", "iso_8859-9:1989",
               "l5", "latin5", "windows-1254", "x-cp1254"),
    "cp1255": ("cp1255", "windows-1255", "x-cp1255"),
    "cp1256": ("cp1256", "windows-1256", "x-cp1256"),
    "cp1257": ("cp1257", "windows-1257", "x-cp1257"),
    "cp1258": ("cp1258", "windows-1258", "x-cp1258"),
    "mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gb18030": ("chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58", "x-gbk",
                "gb18030"),  # WHATWG reads GBK with the gb18030 decoder
    "big5hkscs": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc-jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso2022_jp_ext": ("csiso2022jp", "iso-2022-jp"),
    "cp932": ("csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"),
    "cp949": ("cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601",
              "ksc_5601", "windows-949"),
    "iso2022_kr": ("csiso2022kr", "iso-2022-kr"),
    "hz": ("hz-gb-2312",),
    "": ("iso-2022-cn", "iso-2022-cn-ext", "replacement"),  # no decoder: best-effort
    "utf-16-be": ("unicodefffe", "utf-16be"),
    "utf-16-le": ("csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16le"),
    "utf-16": ("utf-16",),
    "x-user-defined": ("x-user-defined",),
}  # fmt: skip
# tix's own choices win over the table ("" means: no usable charset, decode best-effort):
# a mail that says us-ascii but carries 8-bit bytes is undeclared, not windows-1252.
CHARSET_ALIASES = {label: codec for codec, labels in WHATWG_LABELS.items() for label in labels} | {
    "unicodebig": "utf-16-be", "437": "cp437", "x-user-defined": "cp1252", "unknown-8bit": "", "x-unknown": "",
    "us-ascii": "", "ascii": "", "ansi_x3.4-1968": "", "punycode": "", "idna": "",
}  # fmt: skip
# Python codecs that are not how mail text is encoded: a label naming one is an unknown charset
_NOT_MAIL_CODECS = {"punycode", "idna", "unicode-escape", "raw-unicode-escape", "mbcs", "oem", "undefined"}
# WHATWG's windows-1252 reads the five bytes Python leaves undefined as C1 controls
codecs.register_error("tix.percent", lambda exc: ("".join(f"%{b:02X}" for b in exc.object[exc.start : exc.end]), exc.end))  # type: ignore[attr-defined]
codecs.register_error("tix.c1", lambda exc: (exc.object[exc.start : exc.end].decode("latin-1"), exc.end))  # type: ignore[attr-defined]
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=")
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|vs|vl|odp|ant|antw|tr|rif|ref|r|enc|res|ynt|ha|ats|pd|ответ|отв|пересл|пд|fw)"
    r"(\s*\[\d+\]|\s*\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)
NO_REPLY = re.compile(r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)([-+._].*)?@", re.I)


@dataclass
class Attachment:
    """One attached file. `name` is safe to write (see safe_filename); `original_name` is the
    name as the sender gave it (decoded, one line, possibly empty), for display only."""

    name: str
    content_type: str
    data: bytes
    original_name: str = ""


@dataclass
class Forwarded:
    """A message attached to a message (a forward, a digest part), for reading in the ticket."""

    file: str  # its attachment name
    sender: str
    date: str
    subject: str
    text: str


@dataclass
class ParsedMail:
    message_id: str  # as sent, or synthesised from the bytes when missing
    synthetic_id: bool
    sha256: str
    subject: str
    sender: Person | None
    reply_to: Person | None
    to: list[Person]
    cc: list[Person]
    date: datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)
    robot: str | None = None  # auto-reply | bounce | list | bulk
    loop_instance: str | None = None  # our own loop header's value, if present
    original_ids: list[str] = field(default_factory=list)  # of the message a bounce reports on
    delivered_to: list[str] = field(default_factory=list)  # Delivered-To, X-Original-To, Envelope-To
    forwarded: list[Forwarded] = field(default_factory=list)
    # When the mail reached us: the time in the newest (topmost) Received: header, after its
    # last ';' — written by the receiving server, unlike Date:, which the sender's clock (or
    # the sender) chooses and which is kept in `date` for display. None when the topmost
    # Received: header is missing or has no readable time with a zone. A message imported
    # from a file may carry only headers the sender wrote: bound it by "now" before use.
    arrived: datetime | None = None
    prepared: Any = None  # what the parse's caller made of it where it was parsed (mail/workers.Parsers)

    def readable_text(self) -> str:
        """The text, followed by each forwarded message's headers and text, clearly marked, so
        an agent can read a forward in the ticket (the .eml file itself is kept as an attachment)."""
        parts = [normalize_text(self.text)] if self.text.strip() else []
        for item in self.forwarded:
            head = msg.mail_forwarded_head(item.file, item.sender, item.date, item.subject)
            parts.append(head + "\n\n" + normalize_text(item.text))
        return "\n\n".join(parts)
    problems: list[str] = field(default_factory=list)

    @property
    def requester(self) -> Person | None:
        """Who the customer is: Reply-To when From is a no-reply address of a web form."""
        if self.sender and NO_REPLY.match(self.sender.email) and self.reply_to and self.robot is None:
            return self.reply_to
        return self.sender or self.reply_to


def strip_reply_prefixes(subject: str) -> str:
    """'Re: AW: Fwd: Odp: Ответ: x' -> 'x' (for display; threading never relies on it)."""
    return _REPLY_PREFIX.sub("", subject).strip() or subject.strip()


class _RawHeaders(Compat32):
    """compat32, except that header values come back as sent: 8-bit bytes stay available
    (as surrogate escapes) for tix to decode, instead of becoming U+FFFD."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_POLICY = _RawHeaders()


# --- decoding ----------------------------------------------------------------------


def decode_bytes(data: bytes, declared: str | None, fallbacks: list[str]) -> tuple[str, str | None]:
    """Text from bytes: the declared charset when it fits, else UTF-8, else the best fallback.

    Returns the text and a note when the result is a guess or lossy."""
    charset = _charset(declared)
    if charset:
        try:
            return data.decode(charset, "tix.c1" if charset == "cp1252" else "strict"), None
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        text = data.decode("utf-8")
        return text, None if not declared or charset in ("utf-8", "") else msg.mail_read_as_utf8(declared)
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace"), msg.mail_invalid_utf8_replaced()
    best = _best_fallback(data, fallbacks)
    if best:
        return data.decode(best), msg.mail_charset_guessed(declared, best)
    return data.decode("utf-8", errors="replace"), msg.mail_undecodable_replaced()


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a stray bad byte (a name cut mid-character): legacy 8-bit text almost never
    forms valid multi-byte sequences, so many of them and few bad bytes means UTF-8."""
    valid = _UTF8_SEQUENCE.findall(data)
    high = sum(1 for byte in data if byte > 127)
    covered = sum(len(seq) for seq in valid)
    return len(valid) >= 3 and high - covered <= max(1, high // 20)


@functools.lru_cache(maxsize=512)
def _charset(name: str | None) -> str:
    """The Python codec for a declared charset label: WHATWG labels and tix's aliases first,
    then Python's own names; "" when the label names no text encoding Python can use."""
    if not name:
        return ""
    name = name.strip().strip('"').strip().lower()
    name = CHARSET_ALIASES.get(name, name)
    if not name or not name.isascii() or not name.isprintable():
        return ""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return name  # unknown: decode_bytes falls back
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_MAIL_CODECS:
        return ""
    return name


def _best_fallback(data: bytes, fallbacks: list[str]) -> str | None:
    """The fallback charset whose reading looks most like text; the first listed wins ties."""
    high_bytes = sum(1 for byte in data if byte > 127)
    best, best_score = None, float("-inf")
    for candidate in fallbacks:
        try:
            text = data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
        high_chars = sum(1 for ch in text if ord(ch) > 127)
        if not high_chars:
            return candidate
        # weigh by bytes, so a two-byte charset is not outvoted by reading each byte alone
        score = _plausibility(text) * high_bytes / high_chars
        if score > best_score:
            best, best_score = candidate, score
    return best


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split()[0]
    except ValueError:
        return ""


# Accented Latin letters of the languages a European helpdesk meets most; other Latin
# letters (ď, ĺ, ň, ŕ, ţ, …) are what a misread Cyrillic or Greek codepage produces.
_COMMON_LATIN = set("ąćęłńóśźżčěřšžýáíéúůöüäßàèìòùçñõãâêîôûëïÿåæøœ")
_RARE_CYRILLIC = set("ђѓєѕіїјљњћќўџґ")


def _letter_points(ch: str) -> float:
    lower = ch.lower()
    script = _script(ch)
    if script == "LATIN":
        return 2 if lower in _COMMON_LATIN else 0.5
    if script == "CYRILLIC":
        return 0.5 if lower in _RARE_CYRILLIC else 2
    return 2


def _plausibility(text: str) -> float:
    """Points for each non-ASCII character that reads like a letter in running text:
    lower-case and caseless letters score best; capitals inside lower-case words, letters of
    another script inside an ASCII word, symbols and control characters cost points."""
    score = 0.0
    previous = " "
    for ch in text:
        if ord(ch) > 127:
            category = unicodedata.category(ch)
            if category in ("Ll", "Lo"):
                score += _letter_points(ch)
            elif category == "Lu":
                score += -1 if previous.isalpha() and previous.islower() else _letter_points(ch) / 2
            else:
                score -= 3
            if ch.isalpha() and previous.isascii() and previous.isalpha() and _script(ch) != "LATIN":
                score -= 3
        previous = ch
    return score


def decode_header_value(raw: str | None, fallbacks: list[str]) -> str:
    """One header's text: 8-bit bytes decoded, RFC 2047 words decoded, unfolded, one line."""
    if raw is None:
        return ""
    raw = str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"), None, fallbacks)[0]
    raw = re.sub(r"\r?\n[ \t]", " ", raw)
    if "=?" in raw and _ENCODED_WORD.search(raw):
        raw = _decode_words(raw, fallbacks)
    return one_line(raw)


def _decode_words(text: str, fallbacks: list[str]) -> str:
    # decode_header keeps the spaces of plain chunks and joins adjacent encoded words; each
    # chunk is decoded here so that an unknown charset falls back instead of failing the header
    try:
        chunks = decode_header(text)
    except Exception:  # noqa: BLE001  a malformed encoded word: keep the text as it came
        return text
    pieces = []
    for data, charset in chunks:
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        pieces.append(decode_bytes(data, charset, fallbacks)[0] if charset else data.decode("utf-8", "replace"))
    return "".join(pieces)


def _addresses(message: email.message.Message, name: str, fallbacks: list[str]) -> list[Person]:
    values = message.get_all(name) or []
    raw_values = []
    for value in values:
        value = str(value)
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            value = decode_bytes(value.encode("ascii", "surrogateescape"), None, fallbacks)[0]
        raw_values.append(re.sub(r"\r?\n[ \t]", " ", value))
    people = []
    for display, address in getaddresses(raw_values):
        address = one_line(address).strip("<>")
        if not address or "@" not in address:
            continue
        people.append(Person(decode_header_value(display, fallbacks), address))
    return people


def _message_ids(value: str | None) -> list[str]:
    """The <ids> in a header. Raw 8-bit bytes are read as UTF-8 where they form it, and an
    invalid byte or a control character becomes %XX: the same bytes always give the same id,
    which is plain text that every file and YAML writer accepts (RFC 6532 allows UTF-8 ids)."""
    found = re.findall(r"<[^<>\s]+>", str(value or ""))
    return [_clean_id(mid) for mid in found]


def _clean_id(mid: str) -> str:
    if mid.isascii() and mid.isprintable():
        return mid
    text = mid.encode("utf-8", "surrogateescape").decode("utf-8", "tix.percent")
    return "".join(ch if ch.isprintable() else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in text)


# --- structure ---------------------------------------------------------------------


MAX_DEPTH = 60  # MIME levels read; deeper parts are reported, the raw message keeps them


def parse(raw: bytes, fallbacks: list[str] | None = None, max_attachment: int | None = None, depth: int = 0) -> ParsedMail:
    """Parse one message. Never raises on malformed mail; problems are listed on the result.
    Attached messages are read too (`forwarded`), two levels deep.

    Mail whose MIME structure cannot be read at all (nested thousands of levels deep, or a
    parser failure) is still read partly: the outer headers and the first readable text part,
    found by a flat scan, with the reason in `problems`."""
    fallbacks = fallbacks or ["windows-1252"]
    digest = hashlib.sha256(raw).hexdigest()
    work = _without_big_parts(raw, max_attachment)
    try:
        message = email.message_from_bytes(work, policy=_POLICY)
        return _parse_message(digest, work, message, fallbacks, max_attachment, depth)
    except RecursionError:
        return _parse_flat(digest, work, fallbacks, msg.mail_read_flatly())
    except Exception as exc:  # noqa: BLE001  a parser bug on strange mail: read what a flat scan can
        return _parse_flat(digest, work, fallbacks, msg.mail_read_flatly(type(exc).__name__))


# A part too big to keep is cut out of the bytes before the parser sees them (so its decoded
# copy never exists) and marked with this header, whose name the sender cannot guess.
_OMITTED = "X-Tix-Omitted-" + secrets.token_hex(8)
TEXT_KEPT = 1 << 20  # of a text part over the limit, this many bytes (encoded) are read
_BOUNDARY_VALUE = re.compile(rb'[ \t]*=[ \t]*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))')
_HEADER_END = re.compile(rb"(?m)^\r?\n")  # the empty line after a part's headers (or at its start)
_PART_TYPE = re.compile(rb"(?im)^content-type:[ \t]*([a-z0-9!#$&.+^_-]+)/")
_PART_ENCODING = re.compile(rb"(?im)^content-transfer-encoding:[ \t]*\"?([a-z0-9-]+)")


def _delimiters(raw: bytes) -> tuple[list[int], list[int]]:
    """Where MIME parts start (after an opening delimiter line) and end (before any delimiter
    line), found with bytes.find: base64 has no '-', so a big part costs one C-speed scan. A
    line '--token' is a delimiter only if some header declares boundary=token (in any case)."""
    declared = set()
    window = 1 << 20
    for offset in range(0, len(raw), window):  # 'boundary' in any case, at C speed, a window at a time
        lowered = raw[offset : offset + window + 7].lower()
        at = lowered.find(b"boundary")
        while 0 <= at < window:
            value = _BOUNDARY_VALUE.match(raw, offset + at + 8)
            if value:
                declared.add(value.group(1) or value.group(2))
            at = lowered.find(b"boundary", at + 8)
    starts: list[int] = []
    ends: list[int] = []
    position = raw.find(b"\n--") if declared else -1
    while position >= 0:
        line_end = raw.find(b"\n", position + 1)
        line_end = len(raw) if line_end < 0 else line_end
        token = raw[position + 3 : min(line_end, position + 3 + 210)].rstrip(b"\r \t")
        closing = token.endswith(b"--") and token[:-2] in declared
        if closing or token in declared:
            ends.append(position - 1 if raw[position - 1 : position] == b"\r" else position)
            if not closing:
                starts.append(line_end + 1)
        position = raw.find(b"\n--", line_end)
    return starts, ends


def _without_big_parts(raw: bytes, limit: int | None) -> bytes:
    """raw, with the body of every leaf part whose decoded size would pass `limit` left out
    (base64 is estimated at 3/4 of its letters; other encodings never grow). Bounded memory:
    the decoded size of a part is known before anything is decoded, and only kept parts are
    copied. The raw message itself is kept whole by the importer."""
    if limit is None or len(raw) <= limit:
        return raw
    top = _HEADER_END.search(raw, 0, 65536)
    top_kind = _PART_TYPE.search(raw[: top.start()]) if top else None
    multipart = bool(top_kind and top_kind.group(1).lower() == b"multipart")
    starts, ends = _delimiters(raw) if multipart else ([], [])  # a single part has no delimiters, whatever its text says
    segments: list[tuple[int, int]] = [(0, ends[0] if ends else len(raw))]  # the top-level headers and body
    following = iter(ends)
    for start in starts:
        segments.append((start, next((e for e in following if e >= start), len(raw))))
    pieces, kept_to = [], 0
    for start, end in segments:
        head = _HEADER_END.search(raw, start, min(end, start + 65536))
        if head is None or end - head.end() <= limit:
            continue  # cheap: a body this short cannot decode to more than the limit
        headers = raw[start : head.start()]
        kind = _PART_TYPE.search(headers)
        if kind and kind.group(1).lower() in (b"multipart", b"message"):
            continue
        size = end - head.end()
        encoding = _PART_ENCODING.search(headers)
        if encoding and encoding.group(1).lower() == b"base64":
            tail = raw[max(head.end(), end - 16) : end].rstrip()
            padding = len(tail) - len(tail.rstrip(b"="))
            size = (size - raw.count(b"\n", head.end(), end) - raw.count(b"\r", head.end(), end)) * 3 // 4 - padding
        if size <= limit:
            continue
        if kind is None or kind.group(1).lower() == b"text":  # keep the start of a text, cut at a line end
            keep = raw.rfind(b"\n", head.end(), head.end() + min(limit, TEXT_KEPT))
            keep = head.end() if keep < 0 else keep
            pieces += [raw[kept_to : head.start()], f"{_OMITTED}: {size}\r\n".encode(), raw[head.start() : keep]]
        else:
            pieces += [raw[kept_to : head.start()], f"{_OMITTED}: {size}\r\n\r\n".encode()]
        kept_to = end
    if not pieces:
        return raw
    pieces.append(raw[kept_to:])
    return b"".join(pieces)


def _parse_headers(digest: str, message: email.message.Message, fallbacks: list[str]) -> ParsedMail:
    """A ParsedMail with the top-level headers read, no body yet."""
    ids = _message_ids(message.get("message-id"))
    message_id = ids[0] if ids else f"<{digest[:32]}@tix.invalid>"
    subject = decode_header_value(message.get("subject"), fallbacks)
    senders = _addresses(message, "from", fallbacks)
    reply_to = _addresses(message, "reply-to", fallbacks)
    date = None
    try:
        date = parsedate_to_datetime(str(message.get("date"))) if message.get("date") else None
        if date is not None and date.tzinfo is None:
            date = None
    except (TypeError, ValueError, IndexError, OverflowError):
        date = None
    parsed = ParsedMail(
        message_id=message_id, synthetic_id=not ids, sha256=digest, subject=subject,
        sender=senders[0] if senders else None, reply_to=reply_to[0] if reply_to else None,
        to=_addresses(message, "to", fallbacks), cc=_addresses(message, "cc", fallbacks), date=date,
        in_reply_to=_message_ids(message.get("in-reply-to")), references=_message_ids(message.get("references")),
        text="", html=None, arrived=_arrived(message),
    )  # fmt: skip
    return parsed


def _arrived(message: email.message.Message) -> datetime | None:
    """The time in the topmost Received: header (RFC 5321 §4.4: '; date-time' at its end)."""
    received = message.get_all("received") or []
    if not received:
        return None
    value = re.sub(r"\s+", " ", str(received[0]))
    if ";" not in value:
        return None
    try:
        moment = parsedate_to_datetime(value.rsplit(";", 1)[1].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment if moment.tzinfo is not None else None


def _finish(parsed: ParsedMail, message: email.message.Message, fallbacks: list[str]) -> ParsedMail:
    """What only the top-level headers decide: robots, delivery addresses, our loop header."""
    parsed.robot = _robot_kind(message, parsed)
    for name in ("delivered-to", "x-original-to", "envelope-to"):
        parsed.delivered_to += [p.email for p in _addresses(message, name, fallbacks)]
    loop = message.get("x-tix-loop")
    parsed.loop_instance = decode_header_value(str(loop), fallbacks) if loop else None
    return parsed


def _parse_message(
    digest: str, raw: bytes, message: email.message.Message, fallbacks: list[str], max_attachment: int | None, depth: int
) -> ParsedMail:
    declared = _body_charsets(message)
    fallbacks = declared + [f for f in fallbacks if f not in declared]
    parsed = _parse_headers(digest, message, fallbacks)
    if message.defects:
        parsed.problems.append(msg.mail_mime_defects(sorted({type(d).__name__ for d in message.defects})))
    texts: list[str] = []
    htmls: list[str] = []
    names: set[str] = set()
    for part, inline, charset in _leaf_parts(message, parsed.problems):
        try:
            content_type = part.get_content_type()
            if inline and content_type in ("text/plain", "text/html"):
                payload = _payload(part)
                if part.get(_OMITTED) is not None:
                    parsed.problems.append(msg.mail_text_over_limit(content_type, int(str(part.get(_OMITTED))), len(payload)))
                text, note = decode_bytes(payload, charset, fallbacks)
                if note:
                    parsed.problems.append(note)
                if content_type == "text/plain":
                    texts.append(text)
                else:
                    htmls.append(text)
                continue
            _add_attachment(parsed, part, names, fallbacks, max_attachment)
            if content_type in ("message/rfc822", "message/global") and depth < 2:
                inner = part.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
                    nested = parse(inner[0].as_bytes(), fallbacks, max_attachment, depth + 1)
                    date = decode_header_value(inner[0].get("date"), fallbacks)
                    parsed.forwarded.append(Forwarded(parsed.attachments[-1].name, str(nested.sender or ""),
                                                      date, nested.subject, nested.readable_text()))  # fmt: skip
        except Exception as exc:  # noqa: BLE001  one unreadable part never costs the rest
            parsed.problems.append(msg.mail_part_unreadable(part.get_content_type(), type(exc).__name__))
    parsed.html = "\n".join(htmls) if htmls else None
    if texts:
        parsed.text = "\n\n".join(t.strip("\n") for t in texts)
    elif htmls:
        parsed.text = html_to_text(parsed.html or "")
    elif msg.mail_nested_too_deep(MAX_DEPTH) in parsed.problems:
        plain, html = _flat_text(raw, fallbacks)
        parsed.text = plain if plain is not None else html_to_text(html) if html is not None else ""
    _finish(parsed, message, fallbacks)
    if parsed.robot == "bounce":
        parsed.original_ids = _reported_ids(message)
    return parsed


_FLAT_TEXT_PART = re.compile(rb"(?im)^content-type:[ \t]*text/(plain|html)\b")
_FLAT_BOUNDARY = re.compile(rb"\n--[^\r\n]*(\r?\n|$)")


def _parse_flat(digest: str, raw: bytes, fallbacks: list[str], problem: str) -> ParsedMail:
    """The outer headers and the first text part found by scanning the bytes, without
    building the MIME tree (which is what failed)."""
    message = email.parser.BytesHeaderParser(policy=_POLICY).parsebytes(raw)
    parsed = _parse_headers(digest, message, fallbacks)
    parsed.problems.append(problem)
    plain, html = _flat_text(raw, fallbacks)
    if plain is not None:
        parsed.text = plain
    elif html is not None:
        parsed.html, parsed.text = html, html_to_text(html)
    elif message.get_content_maintype() != "multipart":
        body = raw.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[-1]
        parsed.text = decode_bytes(body, message.get_content_charset(), fallbacks)[0]
    return _finish(parsed, message, fallbacks)


def _flat_text(raw: bytes, fallbacks: list[str]) -> tuple[str | None, str | None]:
    """The first text/plain and text/html parts found by scanning the bytes for their headers."""
    texts: dict[str, str] = {}
    for match in _FLAT_TEXT_PART.finditer(raw):
        kind = match.group(1).decode().lower()
        if kind in texts:
            continue
        line_start = raw.rfind(b"\n", 0, match.start()) + 1
        boundary = raw.rfind(b"\n--", 0, line_start)  # the part's headers start after its boundary line
        block_start = raw.find(b"\n", boundary + 1) + 1 if boundary >= 0 else line_start
        end = _FLAT_BOUNDARY.search(raw, match.end())
        part = email.message_from_bytes(raw[block_start : end.start() if end else len(raw)].lstrip(b"\r\n"), policy=_POLICY)
        if part.is_multipart():
            continue
        texts[kind] = decode_bytes(_payload(part), part.get_content_charset(), fallbacks)[0].strip("\r\n")
        if kind == "plain":
            break
    return texts.get("plain"), texts.get("html")


def _body_charsets(message: email.message.Message) -> list[str]:
    """Charsets the message declares for its text parts: the best guess for raw 8-bit headers."""
    found = []
    for part in _walk(message):
        charset = _charset(part.get_content_charset())
        if charset and charset not in found and charset not in ("utf-8",):
            found.append(charset)
    return found[:3]


def _payload(part: email.message.Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, list):  # message/delivery-status and friends: blocks of headers
        return b"\n".join(block.as_bytes() for block in payload if isinstance(block, email.message.Message))
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _walk(message: email.message.Message) -> Iterator[email.message.Message]:
    """Every part, depth first, like Message.walk but without recursion and at most MAX_DEPTH deep."""
    stack = [(message, 0)]
    while stack:
        part, level = stack.pop()
        yield part
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list) and level < MAX_DEPTH:
            stack += [(child, level + 1) for child in reversed(payload) if isinstance(child, email.message.Message)]


def _leaf_parts(message: email.message.Message, problems: list[str]) -> Iterator[tuple[email.message.Message, bool, str | None]]:
    """(part, is-inline-body-text, charset) for each leaf of the top-level message; attached
    messages are leaves (they become .eml attachments, their text never merges into the body).
    The charset is the part's own, else the nearest enclosing multipart's (a charset declared
    only on a multipart/signed container is meant for the text inside it)."""

    def walk(
        part: email.message.Message, in_alternative: bool, inherited: str | None, level: int = 0
    ) -> Iterator[tuple[email.message.Message, bool, str | None]]:
        if level > MAX_DEPTH:
            if msg.mail_nested_too_deep(MAX_DEPTH) not in problems:
                problems.append(msg.mail_nested_too_deep(MAX_DEPTH))
            return
        own = part.get_param("charset")
        charset = own if isinstance(own, str) and own.strip() else inherited
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            children = [child for child in part.get_payload() if isinstance(child, email.message.Message)]
            if part.get_content_subtype() == "alternative":
                plain = [c for c in children if c.get_content_type() == "text/plain" and not _is_attachment(c)]
                chosen = plain[0] if plain else next((c for c in children if not _is_attachment(c)), None)
                for child in children:
                    if child is chosen:
                        yield from walk(child, True, charset, level + 1)
                    elif child.get_content_type() == "text/html" and chosen is not None and chosen.get_content_type() == "text/plain":
                        continue  # the HTML twin of the plain text: the plain text is the body
                    elif child.is_multipart():
                        yield from walk(child, True, charset, level + 1)
                    else:
                        yield child, False, charset
                return
            for child in children:
                yield from walk(child, in_alternative, charset, level + 1)
            return
        yield part, not _is_attachment(part), charset

    yield from walk(message, False, None)


def _is_attachment(part: email.message.Message) -> bool:
    if part.get_content_maintype() == "message":
        return True
    disposition = str(part.get("content-disposition", "")).split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    return bool(part.get_param("filename", header="content-disposition") or part.get_param("name"))


def _add_attachment(
    parsed: ParsedMail, part: email.message.Message, names: set[str], fallbacks: list[str], limit: int | None
) -> None:
    content_type = part.get_content_type()
    if content_type in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
            data = inner[0].as_bytes()
            if _OMITTED.encode() in data:  # a part inside was too big: so is the whole message
                sizes = re.findall(re.escape(_OMITTED).encode() + rb": (\d+)", data)
                part[_OMITTED] = str(len(data) + sum(int(n) for n in sizes))
            subject = decode_header_value(inner[0].get("subject"), fallbacks)
            wanted = _raw_filename(part, fallbacks) or (subject or "attached-message") + ".eml"
        else:
            data = _payload(part)
            wanted = "attached-message.eml"
    elif content_type.startswith("message/"):
        data = _payload(part)
        wanted = content_type.split("/", 1)[1] + ".txt"
    else:
        data = b"" if part.get(_OMITTED) is not None else _payload(part)
        wanted = _raw_filename(part, fallbacks) or ""
    name = unique_name(safe_filename(wanted, content_type, len(parsed.attachments) + 1), names)
    original = one_line(wanted)
    omitted = str(part.get(_OMITTED) or "")
    size = int(omitted) if omitted.isdigit() else len(data)
    if limit is not None and size > limit:
        parsed.problems.append(msg.mail_attachment_over_limit(name, size))
        data = msg.mail_attachment_omitted(name, size, limit).encode()
        name = unique_name(name + ".omitted.txt", names)
        content_type = "text/plain"
    parsed.attachments.append(Attachment(name, content_type, data, original))


def _raw_filename(part: email.message.Message, fallbacks: list[str]) -> str | None:
    """The attachment name as sent: RFC 2231 and 2047 decoded, backslashes kept (they may be path parts)."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = part.get_param(param, header=header, unquote=False)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231
            charset, _, text = value
            raw = text.strip('"').encode("latin-1", "surrogateescape") if isinstance(text, str) else b""
            return decode_bytes(raw, charset or None, fallbacks)[0] if raw else text
        text = str(value)
        if len(text) >= 2 and text[0] == text[-1] == '"':
            text = text[1:-1]
        return decode_header_value(text, fallbacks)
    return None


# Characters that would run something if a name were pasted into a shell, or that Windows
# and macOS refuse; brackets, parentheses and '#' stay (common in real names, inert unquoted
# unless next to one of these).
_UNSAFE = re.compile(r'[<>:"|?*$`;&!\'\\^]')
_EXTENSIONS = {"text/plain": ".txt", "text/html": ".html", "image/png": ".png", "image/jpeg": ".jpg",
               "image/gif": ".gif", "application/pdf": ".pdf", "message/rfc822": ".eml"}  # fmt: skip
MAX_NAME_BYTES = 200  # per file name, in UTF-8: a de-duplicating " (12)" still fits in 255
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
RESERVED_NAMES = frozenset({"ticket.md", "message.eml", "message.html"})  # tix's own files in an entry folder


def _visible(ch: str) -> str:
    """A character as it may appear in a file name: control, format (bidi overrides, zero
    width), separator and unassigned characters go; other white space becomes a space."""
    category = unicodedata.category(ch)
    if category == "Zs" or ch in "\t\n\r":
        return " "
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "_" if category == "Cc" else ""
    return ch


def _cut_to_bytes(text: str, limit: int) -> str:
    """The longest start of text that is at most limit bytes in UTF-8 (never half a character)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def safe_filename(name: str, content_type: str, number: int) -> str:
    """A portable, visible name that stays inside the folder it is written to.

    No path parts (either slash), no leading dots or dashes, no trailing dots or spaces, no
    control, format (U+202E and friends) or shell-hostile characters, no Windows device name
    (`aux.txt`, `COM1`, `lpt9.log`), never one of tix's own file names (`ticket.md`,
    `message.eml`, `message.html`), at most MAX_NAME_BYTES bytes in UTF-8 with the
    extension kept. The name as sent is kept on the Attachment as `original_name`."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    name = "".join(_visible(ch) for ch in name)
    name = re.sub(r" {2,}", " ", _UNSAFE.sub("_", name))
    name = name.lstrip(" .-~").rstrip(" .")
    if not name or set(name) <= {"_", " ", ".", "-"}:
        name = f"part-{number}{_EXTENSIONS.get(content_type, '.bin')}"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        ext = "." + ext if dot and stem and len(ext.encode("utf-8")) <= 16 and " " not in ext else ""
        stem = stem if ext else name
        name = _cut_to_bytes(stem, MAX_NAME_BYTES - len(ext.encode("utf-8"))).rstrip(" .") + ext
    if _WINDOWS_RESERVED.match(name.split(".")[0].strip()) or name.lower() in RESERVED_NAMES:
        name = "_" + name
    return name


def unique_name(name: str, taken: set[str]) -> str:
    """name, or 'name (2).ext', … : unique within one message, compared as a case-insensitive
    file system would, and never one of tix's own file names."""
    candidate, counter = name, 2
    stem, dot, ext = name.rpartition(".")
    while candidate.casefold() in taken or candidate.casefold() in RESERVED_NAMES or candidate.startswith("."):
        candidate = f"{stem} ({counter}).{ext}" if dot and stem else f"{name} ({counter})"
        counter += 1
    taken.add(candidate.casefold())
    return candidate


# --- robots ---------------------------------------------------------------------------

_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponse", "x-autoresponder", "x-autoreply-from", "x-mail-autoreply",
                 "x-ms-exchange-inbox-rules-loop")  # fmt: skip  # Exchange: sent or forwarded by an inbox rule
# Subjects that out-of-office and auto-reply robots put first, when they send no header that
# says so (Outlook in Polish sends "Automatyczna odpowiedź: …" and nothing else). Only at the
# very start: "Re: Automatic reply: …" is a person answering one.
AUTO_REPLY_SUBJECTS = (
    # en
    "auto-reply", "auto reply", "autoreply", "automatic reply", "auto response", "auto-response", "autoresponse",
    "automated reply", "automated response", "out of office", "out of the office",
    # pl
    "automatyczna odpowiedź", "odpowiedź automatyczna", "autoodpowiedź", "poza biurem",
    # ru, uk
    "автоматический ответ", "автоответ", "вне офиса", "автоматична відповідь",
    # de
    "abwesenheitsnotiz", "automatische antwort", "autom. antwort", "automatische abwesenheitsnotiz",
    "außer haus", "ausser haus",
    # fr, es, it, nl, cs, sv
    "réponse automatique", "absence du bureau", "respuesta automática", "fuera de la oficina", "risposta automatica",
    "automatisch antwoord", "automatická odpověď", "autosvar",
)  # fmt: skip
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:" + "|".join(re.escape(prefix) for prefix in AUTO_REPLY_SUBJECTS) + r")\s*(?:[:：\-–]|$)"
    r"|^\s*out of (?:the )?office\b|^\s*auto:.*\bout of (?:the )?office\b",
    re.IGNORECASE,
)


def _robot_kind(message: email.message.Message, parsed: ParsedMail) -> str | None:
    """The union of the rules in research §2.9, case-insensitive; 'Auto-Submitted: no' is human."""
    def header(name: str) -> str:
        return str(message.get(name, "")).strip().lower()
    sender = (parsed.sender.email if parsed.sender else "").lower()
    if (
        message.get_content_type() == "multipart/report"
        or header("x-failed-recipients")
        or header("return-path") == "<>"
        or re.match(r"^(mailer-daemon|postmaster)@", sender)
    ):
        return "bounce"
    auto_submitted = header("auto-submitted")
    if auto_submitted and auto_submitted != "no":
        return "auto-reply"
    if any(message.get(name) for name in _AUTO_HEADERS) or header("x-autogenerated") == "reply":
        return "auto-reply"
    if header("x-auto-response-suppress"):
        return "auto-reply"
    precedence = header("precedence")
    if precedence in ("auto_reply", "auto-reply", "autoreply"):
        return "auto-reply"
    if _AUTO_REPLY_SUBJECT.search(parsed.subject):
        return "auto-reply"
    if message.get("list-id") or message.get("list-unsubscribe") or precedence == "list":
        return "list"
    if precedence in ("bulk", "junk") or message.get("x-loop"):
        return "bulk"
    return None


def _reported_ids(message: email.message.Message) -> list[str]:
    """Message-IDs of the original a bounce reports on (from its message/rfc822 or headers part)."""
    found: list[str] = []
    for part in _walk(message):
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], email.message.Message):
                found += _message_ids(inner[0].get("message-id")) + _message_ids(inner[0].get("in-reply-to"))
        elif content_type in ("text/rfc822-headers", "message/rfc822-headers"):
            headers = email.message_from_bytes(_payload(part))
            found += _message_ids(headers.get("message-id")) + _message_ids(headers.get("in-reply-to"))
    return found
