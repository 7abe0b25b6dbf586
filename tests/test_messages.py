"""The message catalogue (issue 11 #3): every text a user reads comes from tix.messages, and its
plurals are right."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tix import messages as msg

SOURCE = Path(__file__).resolve().parents[1] / "src" / "tix"

# Every module takes its texts from the catalogue; only the catalogue itself writes them.
MODULES = sorted(str(path.relative_to(SOURCE)) for path in SOURCE.rglob("*.py") if path.name != "messages.py")


def _literal_text(node: ast.expr) -> bool:
    """A string literal or f-string, also inside `+` or `%` (a call, e.g. msg.x("…"), is fine)."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    return isinstance(node, ast.BinOp) and (_literal_text(node.left) or _literal_text(node.right))


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


# Calls whose arguments are texts a user reads: a warning, why the importer filed a message
# where it did (kept on the ticket), why it quarantined or skipped one.
TEXT_CALLS = {"print", "warn", "Threading", "CannotFile", "_quarantine", "_duplicate"}


def written_texts(source: str) -> list[int]:
    """Lines where `raise SomeError(...)`, a `…Error(...)` made to be returned, `print(...)`, a
    warning, an import reason (a `reason=` keyword, or a call of TEXT_CALLS) is handed text
    written in place."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        texts: list[ast.expr] = []
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            texts = [*node.exc.args, *(keyword.value for keyword in node.exc.keywords)]
        elif isinstance(node, ast.Call) and _name(node.func).endswith("Error"):
            texts = [*node.args, *(keyword.value for keyword in node.keywords)]
        elif isinstance(node, ast.Call) and _name(node.func) in TEXT_CALLS:
            texts = node.args  # not its keywords: end="" and sep=" " are no message
        if isinstance(node, ast.Call):
            texts = [*texts, *(keyword.value for keyword in node.keywords if keyword.arg == "reason")]
        if any(_literal_text(text) for text in texts):
            found.add(node.lineno)
    return sorted(found)


@pytest.mark.parametrize("module", MODULES)
def test_converted_modules_take_their_texts_from_the_catalogue(module: str) -> None:
    lines = written_texts((SOURCE / module).read_text(encoding="utf-8"))
    assert not lines, f"src/tix/{module}, lines {lines}: put the text in tix.messages and raise with msg.…"


def test_the_guard_sees_text_written_in_place() -> None:
    source = """
raise ConfigError("bad")
raise ConfigError(f"{path}: bad")
raise errors.TicketFormatError(path, "bad " + reason)
raise ValueError(reason="bad")
print(f"tix merge: {path}", file=sys.stderr)
raise ConfigError(msg.config_expected(path, "true or false", repr(text)))
raise TicketFormatError(path, text)
raise PatternTimeout from None
print(msg.merge_driver_usage(), file=sys.stderr)
print(docs_markdown(), end="")
error = StorageError(f"cannot {action}: permission denied")
self.report.warn(f"no acknowledgements sent: {reason}")
decision = Decision(item.label, "vanished", reason="the file was renamed")
return Threading(None, "no reference to a known ticket")
decision = Decision(item.label, "vanished", reason=msg.message_vanished())
"""
    assert written_texts(source) == [2, 3, 4, 5, 6, 12, 13, 14, 15]


def test_count_says_one_in_the_singular() -> None:
    assert msg.count(1, "message") == "1 message"
    assert msg.count(1, "reply") == "1 reply"


def test_count_says_more_in_the_plural() -> None:
    assert msg.count(2, "message") == "2 messages"
    assert msg.count(0, "ticket") == "0 tickets"
    assert msg.count(2, "duplicate skipped") == "2 duplicates skipped"
    assert msg.count(3, "person", "people") == "3 people"


def test_count_separates_thousands() -> None:
    assert msg.count(1000, "reply") == "1,000 replies"
    assert msg.count(1_234_567, "message") == "1,234,567 messages"


def test_a_composed_message_uses_the_plural_helper() -> None:
    assert msg.ambiguous_id("AB", ["AB2", "AB3"]) == "'AB' is ambiguous: 2 tickets match (AB2, AB3)"
    many = [f"AB{n}" for n in range(7)]
    assert msg.ambiguous_id("AB", many) == "'AB' is ambiguous: 7 tickets match (AB0, AB1, AB2, AB3, AB4, …)"


def test_sizes_count_their_bytes() -> None:
    assert msg.mail_attachment_over_limit("a.pdf", 2048).startswith("attachment a.pdf (2,048 bytes) is over")
    assert "over the attachment limit of 1 byte." in msg.mail_attachment_omitted("a.pdf", 2048, 1)


def test_the_outbox_counts_tries_in_the_singular_too() -> None:
    assert ", 1 try  to" in msg.outbox_line("X-Y", "failed", "?", "this clone", 1, "jan@example.pl", "Hi")
    assert ", 2 tries  to" in msg.outbox_line("X-Y", "failed", "?", "this clone", 2, "jan@example.pl", "Hi")


def test_a_change_shows_an_empty_value_as_none() -> None:
    assert msg.changed("owner", None, "anna@example.com") == "owner (none) → anna@example.com"
    assert msg.changed("queue", "sales", "") == "queue sales → (none)"
