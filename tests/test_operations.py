"""The ticket operations through the real CLI: merge, link/unlink, split, spam, delete (issue 18 #5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, Clock, git, make_eml

from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath


def load(root: Path, ticket_id: str) -> ticketfile.Ticket:
    return ticketfile.loads((root / ticket_relpath(ticket_id)).read_text(encoding="utf-8"))


def show(tix: Cli, ticket_id: str) -> dict:
    return json.loads(tix.ok("show", ticket_id, "-f", "json").out)


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD"))


def trailers(root: Path) -> str:
    return git(root, "log", "-1", "--format=%an <%ae>%n%(trailers)")


def imported(tix: Cli, tmp_path: Path, name: str, **mail: str | None) -> str:
    """Import one message; the ticket it went to."""
    path = tmp_path / f"{name}.eml"
    path.write_bytes(make_eml(**mail))  # type: ignore[arg-type]
    report = json.loads(tix.ok("import", str(path), "-f", "json").out)
    [decision] = report["messages"]
    return str(decision["ticket"])


def one_line_error(tix: Cli, *args: str) -> str:
    result = tix(*args)
    assert result.code == 1, (result.code, result.out, result.err)
    assert result.out == "" and len(result.err.strip().splitlines()) == 1, result.err
    assert result.err.startswith("tix: error: ") and "Traceback" not in result.err
    return result.err


# --- merge ---------------------------------------------------------------------------


def test_merge_moves_the_conversation_and_leaves_a_closed_stub(tix: Cli, helpdesk: Path, clock: Clock, tmp_path: Path) -> None:
    a = imported(tix, tmp_path, "a", message_id="<a1@example.pl>", subject="Printer on fire")
    clock.advance(minutes=5)
    b = imported(tix, tmp_path, "b", message_id="<b1@example.pl>", subject="Printer still burning",
                 to="Support <support@example.com>, Ewa <ewa@example.pl>", attachments=[("photo.jpg", b"JPEG")])
    tix.ok("tag", b, "+urgent-customer")
    before = commits(helpdesk)
    out = tix.ok("merge", a, b).out
    assert out.startswith(f"{a}: merged {b} into it (1 entry moved)")
    assert commits(helpdesk) == before + 1
    assert "Tix-Ticket: " + a in trailers(helpdesk) and "Tix-Ticket: " + b in trailers(helpdesk)
    assert "Tix-Action: merge" in trailers(helpdesk) and trailers(helpdesk).startswith("Anna Nowak <anna@example.com>")

    target, stub = show(tix, a), show(tix, b)
    assert "<b1@example.pl>" in target["message_ids"] and stub["message_ids"] == []
    assert "ewa@example.pl" in target["participants"]
    assert "urgent-customer" in target["tags"]
    assert {"kind": "duplicates", "ticket": b} in target["links"]
    texts = [e["text"] for e in target["entries"]]
    assert any("my printer is on fire" in t for t in texts) and len([e for e in target["entries"] if e["kind"] == "inbound"]) == 2
    moved = next(e for e in target["entries"] if e["message_id"] == "<b1@example.pl>")
    assert (helpdesk / ticket_relpath(a)).parent.joinpath(moved["id"], "photo.jpg").read_bytes() == b"JPEG"
    assert not (helpdesk / ticket_relpath(b)).parent.joinpath(moved["id"]).exists()
    assert stub["status"] == "closed" and stub["tags"] == ["duplicate"] and stub["merged_into"] == a
    assert stub["links"] == [{"kind": "duplicate_of", "ticket": a}]
    assert "merged_into" not in stub["fields"]
    text = tix.ok("show", b).out
    assert f"Merged into {a}" in text and f"duplicate of {a}" in text
    assert f"duplicated by {b}" in tix.ok("show", a).out
    assert load(helpdesk, b).extra["merged_into"] == a  # the front-matter key
    assert "merge" in tix.ok("log", a).out and "merge" in tix.ok("log", b).out
    assert git(helpdesk, "status", "--porcelain") == ""

    assert tix.ok("merge", a, b).out.strip() == f"{b} is merged into {a} already; nothing new to move"
    assert commits(helpdesk) == before + 1


def test_mail_to_a_merged_ticket_threads_into_the_one_it_was_merged_into(tix: Cli, helpdesk: Path, clock: Clock,
                                                                         tmp_path: Path) -> None:
    a = imported(tix, tmp_path, "a", message_id="<a1@example.pl>", subject="Printer on fire")
    b = imported(tix, tmp_path, "b", message_id="<b1@example.pl>", subject="Another printer")
    tix.ok("reply", b, "-m", "Which model?")
    our_id = show(tix, b)["entries"][-1]["message_id"]
    instance = tix.ok("config", "get", "helpdesk.instance").out.strip()
    tix.ok("merge", a, b)
    clock.advance(hours=1)
    by_reference = imported(tix, tmp_path, "r1", message_id="<r1@example.pl>", in_reply_to="<b1@example.pl>", subject="Re: Another")
    by_our_reply = imported(tix, tmp_path, "r2", message_id="<r2@example.pl>", in_reply_to=our_id, subject="Re: Which model?")
    by_tag = imported(tix, tmp_path, "r3", message_id="<r3@example.pl>", subject=f"Re: Another [{instance}#{b}]")
    assert by_reference == by_our_reply == by_tag == a
    entries = show(tix, a)["entries"]
    assert f"was merged into {a}" in next(e["threading"] for e in entries if e.get("message_id") == "<r2@example.pl>")
    assert show(tix, b)["message_ids"] == []


def test_bad_merges_are_one_line_and_exit_1(tix: Cli, helpdesk: Path) -> None:
    a, b, c = tix.new("One"), tix.new("Two"), tix.new("Three")
    assert "cannot merge" in one_line_error(tix, "merge", a, a)
    assert "no ticket" in one_line_error(tix, "merge", a, "ZZZZZZZZ")
    assert "not a ticket ID" in one_line_error(tix, "merge", "0000", a)
    tix.ok("merge", a, b)
    assert f"merged into {a} already" in one_line_error(tix, "merge", c, b)
    assert f"merge into {a} instead" in one_line_error(tix, "merge", b, c)


# --- link ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "first_key", "second_key", "first_word", "second_word"), [
    ("related", "related", "related", "related to", "related to"),
    ("duplicate", "duplicates", "duplicate_of", "duplicated by", "duplicate of"),
    ("parent", "children", "parent", "parent of", "child of"),
])  # fmt: skip
def test_link_shows_on_both_tickets_and_unlink_removes_it(tix: Cli, helpdesk: Path, kind: str, first_key: str,
                                                          second_key: str, first_word: str, second_word: str) -> None:
    a, b = tix.new("One"), tix.new("Two")
    before = commits(helpdesk)
    tix.ok("link", a, b, "--kind", kind)
    assert commits(helpdesk) == before + 1 and "Tix-Action: link" in trailers(helpdesk)
    assert show(tix, a)["links"] == [{"kind": first_key, "ticket": b}]
    assert show(tix, b)["links"] == [{"kind": second_key, "ticket": a}]
    assert f"Links:     {first_word} {b}" in tix.ok("show", a).out
    assert f"Links:     {second_word} {a}" in tix.ok("show", b).out
    assert "nothing to change" in tix.ok("link", a, b, "-k", kind).out
    assert commits(helpdesk) == before + 1
    assert tix.ok("unlink", b, a).out.strip() == f"{b}: unlinked from {a}"
    assert show(tix, a)["links"] == [] and show(tix, b)["links"] == []
    assert "Tix-Action: unlink" in trailers(helpdesk)
    assert "not linked" in tix.ok("unlink", a, b).out


def test_bad_links_are_one_line_and_exit_1(tix: Cli, helpdesk: Path) -> None:
    a, b = tix.new("One"), tix.new("Two")
    assert "unknown link kind 'sibling'" in one_line_error(tix, "link", a, b, "--kind", "sibling")
    assert "cannot link" in one_line_error(tix, "link", a, a)
    assert "no ticket" in one_line_error(tix, "link", a, "ZZZZ")


# --- split ---------------------------------------------------------------------------


def test_split_makes_a_new_ticket_and_its_follow_ups_thread_there(tix: Cli, helpdesk: Path, clock: Clock, tmp_path: Path) -> None:
    a = imported(tix, tmp_path, "a", message_id="<a1@example.pl>", subject="Printer on fire")
    clock.advance(minutes=10)
    assert imported(tix, tmp_path, "a2", message_id="<a2@example.pl>", in_reply_to="<a1@example.pl>",
                    subject="Re: Printer on fire", body="Also: my invoice is wrong.",
                    attachments=[("invoice.pdf", b"%PDF")]) == a  # fmt: skip
    entry = next(e for e in show(tix, a)["entries"] if e["message_id"] == "<a2@example.pl>")
    before = commits(helpdesk)
    out = tix.ok("split", a, entry["id"][:4].lower()).out
    new = out.split(":")[0]
    assert out.startswith(f"{new}: new ticket with 1 entry split off {a}")
    assert commits(helpdesk) == before + 1 and "Tix-Action: split" in trailers(helpdesk)
    split = show(tix, new)
    assert split["subject"] == "Printer on fire" and split["requester"]["email"] == "jan@example.pl"
    assert split["message_ids"] == ["<a2@example.pl>"] and split["status"] == "new"
    assert [e["id"] for e in split["entries"]] == [entry["id"]]
    assert (helpdesk / ticket_relpath(new)).parent.joinpath(entry["id"], "invoice.pdf").read_bytes() == b"%PDF"
    assert {"kind": "related", "ticket": a} in split["links"]
    old = show(tix, a)
    assert "<a2@example.pl>" not in old["message_ids"] and entry["id"] not in [e["id"] for e in old["entries"]]
    assert {"kind": "related", "ticket": new} in old["links"]
    assert "split" in tix.ok("log", new).out and "split" in tix.ok("log", a).out
    clock.advance(hours=1)
    assert imported(tix, tmp_path, "a3", message_id="<a3@example.pl>", in_reply_to="<a2@example.pl>", subject="Re: invoice") == new


def test_split_by_message_id_and_bad_splits(tix: Cli, helpdesk: Path, clock: Clock, tmp_path: Path) -> None:
    a = imported(tix, tmp_path, "a", message_id="<a1@example.pl>")
    clock.advance(minutes=1)
    imported(tix, tmp_path, "a2", message_id="<a2@example.pl>", in_reply_to="<a1@example.pl>", subject="Second matter")
    first = show(tix, a)["entries"][0]["id"]
    assert "first entry" in one_line_error(tix, "split", a, first)
    assert "has no entry 'ZZZZ'" in one_line_error(tix, "split", a, "ZZZZ")
    assert "no ticket" in one_line_error(tix, "split", "ZZZZZZZZ", "ZZZZ")
    new = tix.ok("split", a, "a2@example.pl").out.split(":")[0]
    assert show(tix, new)["subject"] == "Second matter"


# --- spam ----------------------------------------------------------------------------


def test_spam_closes_tags_and_leaves_the_ticket_out_of_stats(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    tix.new("Real request")
    junk = tix.ok("new", "Cheap pills", "--from", "spammer@junk.example").out.strip()
    clock.advance(minutes=1)
    assert json.loads(tix.ok("stats", "-f", "json").out)["created"] == 2
    out = tix.ok("spam", junk).out
    assert out.strip() == f"{junk}: status new → closed, tags +spam"
    assert "Tix-Action: spam" in trailers(helpdesk)
    data = show(tix, junk)
    assert data["status"] == "closed" and data["tags"] == ["spam"]
    assert json.loads(tix.ok("stats", "-f", "json").out)["created"] == 1
    assert "nothing to change" in tix.ok("spam", junk).out
    assert "pills" not in tix.ok("config", "get", "mail.block").out  # no --block: nothing blocked


def test_spam_block_files_the_senders_next_mail_as_spam(tix: Cli, helpdesk: Path, clock: Clock, tmp_path: Path) -> None:
    tix.ok("config", "set", "autoack.enabled", "true")
    config = helpdesk / "tix.yaml"
    config.write_text("# our team's own note, kept by every write of tix\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    git(helpdesk, "commit", "-qam", "a comment of the team's")
    junk = imported(tix, tmp_path, "j1", sender="Spammer <Spam@Junk.example>", message_id="<j1@junk.example>", subject="Pills")
    before = commits(helpdesk)
    out = tix.ok("spam", junk, "--block").out
    assert config.read_text(encoding="utf-8").startswith("# our team's own note")  # written as `config set` writes it
    assert "spam@junk.example added to mail.block" in out
    assert commits(helpdesk) == before + 1  # the ticket and tix.yaml in one commit
    assert set(git(helpdesk, "show", "--name-only", "--format=", "HEAD").split()) == {ticket_relpath(junk), "tix.yaml"}
    assert "spam@junk.example" in tix.ok("config", "get", "mail.block").out
    clock.advance(hours=1)
    again = imported(tix, tmp_path, "j2", sender="spam@junk.example", message_id="<j2@junk.example>", subject="More pills")
    data = show(tix, again)
    assert again != junk and data["status"] == "closed" and data["tags"] == ["spam"]
    assert not any(e["kind"] == "reply" for e in data["entries"])  # never acknowledged
    assert "mail.block" in data["entries"][0]["threading"]
    follow_up = imported(tix, tmp_path, "j3", sender="spam@junk.example", message_id="<j3@junk.example>", in_reply_to="<j1@junk.example>")
    assert follow_up == junk and show(tix, junk)["status"] == "closed"  # never reopened
    tested = tix.ok("rules", "test", "-", stdin=make_eml(sender="spam@junk.example").decode())
    assert "status=closed tags=spam" in tested.out and "spam@junk.example is on mail.block" in tested.err


# --- delete --------------------------------------------------------------------------


def test_delete_removes_the_ticket_in_one_commit_and_its_mail_is_not_imported_again(
    tix: Cli, helpdesk: Path, clock: Clock, tmp_path: Path
) -> None:
    mistake = imported(tix, tmp_path, "m", message_id="<oops@example.pl>", attachments=[("a.txt", b"x")])
    keep = tix.new("Keep me")
    before = commits(helpdesk)
    out = tix.ok("delete", mistake).out
    commit = git(helpdesk, "rev-parse", "--short=10", "HEAD").strip()
    folder = str(Path(ticket_relpath(mistake)).parent)
    assert out.strip() == (f"{mistake}: deleted (Printer on fire). Its history stays in git: `git log --stat -- {folder}` "
                           f"shows it, `git revert {commit}` restores it")  # fmt: skip
    assert commits(helpdesk) == before + 1 and "Tix-Action: delete" in trailers(helpdesk)
    assert not (helpdesk / folder).exists() and git(helpdesk, "ls-files", folder) == ""
    assert git(helpdesk, "status", "--porcelain") == ""
    assert "no ticket" in one_line_error(tix, "show", mistake)
    assert [row["id"] for row in json.loads(tix.ok("list", "--all", "-f", "json").out)] == [keep]
    assert "delete" in tix.ok("log").out
    assert mistake in git(helpdesk, "log", "--format=%s", "--", folder)

    report = json.loads(tix.ok("import", str(tmp_path / "m.eml"), "-f", "json").out)
    assert report["counts"]["created"] == 0 and report["counts"]["duplicate"] == 1
    assert "was deleted" in report["messages"][0]["reason"]
    assert not (helpdesk / folder).exists()

    git(helpdesk, "revert", "--no-edit", "HEAD")  # what the message says brings it back
    assert show(tix, mistake)["message_ids"] == ["<oops@example.pl>"]
    assert "no ticket" in one_line_error(tix, "delete", "ZZZZZZZZ")


# --- rules test - ----------------------------------------------------------------------


def test_rules_test_reads_a_message_from_stdin(tix: Cli, helpdesk: Path) -> None:
    (helpdesk / "tix.yaml").write_text((helpdesk / "tix.yaml").read_text(encoding="utf-8") + (
        "rules:\n  - name: invoices\n    match: {subject: faktur}\n    set: {category: billing}\n"), encoding="utf-8")
    git(helpdesk, "commit", "-qam", "rules")
    out = tix.ok("rules", "test", "-", stdin=make_eml(subject="Faktura 12/2026").decode()).out
    assert "invoices" in out and "billing" in out


def test_a_merged_stub_counts_in_no_figure(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    a, b = tix.new("One"), tix.new("Two")
    clock.advance(minutes=1)
    assert json.loads(tix.ok("stats", "-f", "json").out)["created"] == 2
    tix.ok("merge", a, b)
    clock.advance(minutes=1)
    figures = json.loads(tix.ok("stats", "-f", "json").out)
    assert figures["created"] == 1 and figures["resolved"] == 0
