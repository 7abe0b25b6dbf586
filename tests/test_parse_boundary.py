"""The boundary matcher given to the stdlib feedparser (issue 12: speed) changes nothing but the time:
it matches exactly what the compiled boundary regex matches, and whole messages parse the same."""

from __future__ import annotations

import email.feedparser
import email.parser
import re
from email import policy as policies
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import pytest
from conftest import corpus_files, make_eml
from test_parse_partial import EVERYWHERE_INVALID, nested

from tix.mail import boundary
from tix.mail import parse as mailparse

ROOT = Path(__file__).resolve().parents[1]
FALLBACKS = ["cp1250", "iso8859-2", "cp1251", "koi8-r"]


HEAD, TAIL = "(?P<sep>", r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"


def feedparser_pattern(separator: str) -> str:
    """What CPython 3.11's FeedParser._parsegen compiles for a multipart's separator."""
    return HEAD + re.escape(separator) + TAIL


# --- the matcher, line by line ---------------------------------------------------------

SEPARATORS = [
    "--simple",
    "--=_Part_12345_67890.1234567890",
    "--a(b)c[d]{e}?*+|^$\\.&~#-x",  # every character re.escape escapes, but white space
    "--with space and\ttab",
    "--trailing  ",
    "--",  # boundary=""
    "----",
    "--żółć-граница",
    "--line\nbreak\rcarriage\x0bv\x0cf",  # possible after RFC 2231 decoding (%0A)
    "--back\\slash\\",
]


def tricky_lines(separator: str) -> list[str]:
    lines = ["", "\n", "\r\n", " ", "--", "---", separator[:-1], separator[:-1] + "\n", " " + separator, separator.upper()]
    for rest in ("", "\n", "\r\n", "\r", "--", "--\n", "--\r\n", "--\r", "  \t", " \t\r\n", "-- \t\n", "--  \r",
                 "x", "x\n", " x\n", "-", "-\n", "---", "---\n", "--x", "\n\n", "\r\n\n", "\n ", "\r\r", "\t--\n",
                 "--" + separator, separator, "\u00a0\n", "\u2028", "\x0c\n"):  # fmt: skip
        lines.append(separator + rest)
    return lines


def agree(real: re.Pattern[str], shim: Any, line: str) -> None:
    expected, got = real.match(line), shim.match(line)
    assert bool(got) == bool(expected), line
    if expected:
        assert got.end() == expected.end(), line
        for group in ("end", "ws", "linesep"):
            assert got.group(group) == expected.group(group), (line, group)


@pytest.mark.parametrize("separator", SEPARATORS)
def test_the_matcher_agrees_with_the_compiled_regex_on_tricky_lines(separator: str) -> None:
    pattern = feedparser_pattern(separator)
    real, shim = re.compile(pattern), boundary.boundary_compile(pattern)
    assert isinstance(shim, boundary.BoundaryMatcher) and shim.separator == separator
    for line in tricky_lines(separator):
        agree(real, shim, line)
    # every other use of the pattern is the real compiled pattern's
    assert shim.fullmatch(separator + "--") and shim.groupindex == real.groupindex and shim.pattern == pattern


@pytest.mark.parametrize(
    "pattern, flags",
    [
        (HEAD + "--a|b" + TAIL, 0),  # an unescaped '|'
        (HEAD + "--a.b" + TAIL, 0),  # an unescaped '.'
        (HEAD + "\\-\\-a\\b" + TAIL, 0),  # '\b' is not what re.escape writes
        (feedparser_pattern("--simple"), re.IGNORECASE),
        (feedparser_pattern("--simple")[:-1], 0),
        ("[a-z]+", 0),
    ],
)
def test_any_other_pattern_is_compiled_by_the_real_re(pattern: str, flags: int) -> None:
    assert boundary.separator_of(pattern, flags) is None
    assert boundary.boundary_compile(pattern, flags) == re.compile(pattern, flags)


def test_a_pattern_the_real_re_refuses_is_refused() -> None:
    pattern = HEAD + "\\-\\-a\\" + TAIL  # a lone backslash: it escapes the ')' that closes the group
    assert boundary.separator_of(pattern) is None
    with pytest.raises(re.error, match="missing \\)"):
        boundary.boundary_compile(pattern)


def test_bytes_patterns_go_to_the_real_re() -> None:
    pattern = feedparser_pattern("--b").encode()
    assert boundary.boundary_compile(pattern) == re.compile(pattern)


def test_importing_the_parser_installs_the_matcher_once_and_keeps_the_rest_of_re() -> None:
    shim = email.feedparser.re
    assert shim is not re and shim.compile is boundary.boundary_compile
    assert shim.escape is re.escape and shim.match is re.match
    boundary.install()
    assert email.feedparser.re is shim


# --- whole messages: the same structure as with the plain standard library -----------------


def structure(message: Message) -> Any:
    """Everything the feedparser decides: headers, types, payloads, preamble, epilogue, defects."""
    payload = message.get_payload()
    return {
        "headers": [(name, str(value)) for name, value in message.items()],
        "type": message.get_content_type(),
        "preamble": message.preamble,
        "epilogue": message.epilogue,
        "defects": [(type(defect).__name__, defect.args) for defect in message.defects],
        "payload": [structure(part) for part in payload] if isinstance(payload, list) else payload,
    }


def mime_messages() -> dict[str, bytes]:
    """Nested multiparts built with email.mime, boundaries with regex specials among them."""
    inner = MIMEMultipart("alternative", boundary="alt+(1)?*")
    inner.attach(MIMEText("plain żółć\n", "plain", "utf-8"))
    inner.attach(MIMEText("<p>html</p>\n", "html", "utf-8"))
    related = MIMEMultipart("related", boundary="rel.[x]|{y}$^")
    related.attach(inner)
    related.attach(MIMEApplication(b"\x89PNG" + bytes(range(256)), "png"))
    outer = MIMEMultipart("mixed", boundary="outer \\ boundary#&~")
    outer.preamble, outer.epilogue = "This is a multi-part message in MIME format.", "the epilogue\n"
    outer.attach(related)
    outer.attach(MIMEText("second part\n"))
    prefix = MIMEMultipart("mixed", boundary="b")  # the nested boundary starts with the outer one
    prefix_inner = MIMEMultipart("mixed", boundary="b-x")
    prefix_inner.attach(MIMEText("deep\n"))
    prefix.attach(prefix_inner)
    prefix.attach(MIMEText("after --b-x\n--b-\n"))
    for message in (outer, prefix):
        message["Subject"], message["From"] = "test", "Jan <jan@example.pl>"
    return {"mime-nested": outer.as_bytes(), "mime-prefix-boundary": prefix.as_bytes()}


def hand_written() -> dict[str, bytes]:
    """Malformed and unusual multiparts, in each line ending."""
    head = b"From: a@example.pl\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"%s\"\n\n"
    cases = {
        "no-close": head % b"b1" + b"pre\n--b1\nContent-Type: text/plain\n\none\n--b1\n\ntwo\n",
        "no-start": head % b"b2" + b"just text\n--b2x\n--b2--x\n",
        "double-boundaries": head % b"b3" + b"--b3\n--b3 \t\n\nbody\n--b3\n--b3\n\nbody2\n--b3--\n\nepilogue\n",
        "whitespace-and-end": head % b"b.4" + b"--b.4   \n\none\n--b.4--  \t\nafter\n",
        "close-without-newline": head % b"b5" + b"--b5\n\none\n--b5--",
        "empty-boundary": head % b"" + b"--\n\none\n----\n",
        "rfc2231-newline": (b"From: a@example.pl\nContent-Type: multipart/mixed; boundary*=''b%0Ac\n\n"
                            b"--b\nc\n\none\n--b\nc--\n"),
        "special-chars": head % b"(?:a|b)*$" + b"--(?:a|b)*$\n\none\n--a\n--(?:a|b)*$--\n",
        "nested-digest": (head % b"d" + b"--d\nContent-Type: multipart/digest; boundary=e\n\n--e\n\nFrom: x\n\nin\n"
                          b"--e--\n--d--\n"),
    }  # fmt: skip
    out: dict[str, bytes] = {}
    for name, data in cases.items():
        out[name] = data
        out[name + "-crlf"] = data.replace(b"\n", b"\r\n")
        out[name + "-cr"] = data.replace(b"\n", b"\r")
    out["nested-100"] = nested(100)
    out["everywhere-invalid"] = EVERYWHERE_INVALID
    out["make-eml"] = make_eml(attachments=[("a.bin", b"\x00" * 300), ("b.txt", b"--boundary?\n")])
    return out


def repository_mail() -> dict[str, bytes]:
    files = sorted((ROOT / "examples" / "Maildir").glob("*/*")) + sorted((ROOT / "tests" / "data" / "mail").glob("*.eml"))
    return {str(path.relative_to(ROOT)): path.read_bytes() for path in files}


MAIL = repository_mail() | mime_messages() | hand_written()
CORPUS = {f"corpus/{path.parent.name}/{path.name}": path for path in corpus_files()}


def test_the_repository_mail_is_multipart_enough_to_matter() -> None:
    assert sum(b"multipart/" in data.lower() for data in MAIL.values()) >= 30


def both_ways(data: bytes, monkeypatch: pytest.MonkeyPatch, policy: Any) -> tuple[Any, Any]:
    def parsed() -> Any:
        return structure(email.parser.BytesParser(policy=policy).parsebytes(data))

    with_shim = parsed()
    with monkeypatch.context() as patch:
        patch.setattr(email.feedparser, "re", re)
        plain = parsed()
    return with_shim, plain


@pytest.mark.parametrize("name", sorted(MAIL))
@pytest.mark.parametrize("policy", [policies.compat32, policies.default], ids=["compat32", "default"])
def test_whole_messages_parse_as_with_the_plain_stdlib(name: str, policy: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with_shim, plain = both_ways(MAIL[name], monkeypatch, policy)
    assert with_shim == plain


@pytest.mark.parametrize("name", sorted(CORPUS) or ["no-corpus"])
def test_corpus_messages_parse_as_with_the_plain_stdlib(name: str, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_shim, plain = both_ways(CORPUS[name].read_bytes(), monkeypatch, policies.compat32)
    assert with_shim == plain


# --- tix's parse: no change -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MAIL))
def test_tix_parse_gives_the_same_result_as_with_the_plain_stdlib(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with_shim = mailparse.parse(MAIL[name], FALLBACKS, 25 * 1024 * 1024)
    with monkeypatch.context() as patch:
        patch.setattr(email.feedparser, "re", re)
        plain = mailparse.parse(MAIL[name], FALLBACKS, 25 * 1024 * 1024)
    assert with_shim == plain
