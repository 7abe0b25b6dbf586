"""Every everyday command through the real entry point, on a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, Clock, git, run_console_script

from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath


def load(root: Path, ticket_id: str):  # type: ignore[no-untyped-def]
    return ticketfile.loads((root / ticket_relpath(ticket_id)).read_text(encoding="utf-8"))


def test_new_creates_a_committed_ticket_file_and_prints_its_id(tix: Cli, helpdesk: Path) -> None:
    result = tix.ok("new", "Printer on fire", "--from", "Jan Kowalski <jan@example.pl>", "-b", "It burns.",
                    "--channel", "phone", "-p", "high", "-c", "technical", "-t", "vip", "-t", "hardware")
    ticket_id = result.out.strip()
    ticket = load(helpdesk, ticket_id)
    assert (ticket.subject, ticket.status, ticket.priority, ticket.category, ticket.channel) == (
        "Printer on fire", "new", "high", "technical", "phone")
    assert ticket.tags == ["hardware", "vip"]
    assert str(ticket.requester) == "Jan Kowalski <jan@example.pl>"
    assert [(e.kind, e.text) for e in ticket.entries] == [("inbound", "It burns.")]
    assert ticket.created.isoformat() == "2026-11-23T09:00:00+01:00"
    assert git(helpdesk, "status", "--porcelain") == ""
    assert git(helpdesk, "show", "--name-only", "--format=%an <%ae>%n%B", "HEAD").splitlines() == [
        "Anna Nowak <anna@example.com>", f"tix: {ticket_id} new ticket: Printer on fire", "",
        f"Tix-Ticket: {ticket_id}", "Tix-Action: create", "", "", ticket_relpath(ticket_id)]


def test_new_reads_the_body_from_a_file_or_stdin_and_defaults_the_requester_to_me(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("From a file\n", encoding="utf-8")
    from_file = tix.ok("new", "One", "--body-file", str(body)).out.strip()
    from_stdin = tix.ok("new", "Two", "--body-file", "-", stdin="Zażółć gęślą jaźń\n").out.strip()
    assert load(helpdesk, from_file).entries[0].text == "From a file"
    assert load(helpdesk, from_stdin).entries[0].text == "Zażółć gęślą jaźń"
    assert load(helpdesk, from_stdin).requester.email == "anna@example.com"
    assert load(helpdesk, from_stdin).entries[0].author == "Anna Nowak <anna@example.com>"


def test_bare_address_requester(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.ok("new", "Hi", "--from", "jan@example.pl").out.strip()
    assert load(helpdesk, ticket_id).requester.email == "jan@example.pl"


def test_state_changes_are_one_commit_each_and_update_the_file(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    ticket_id = tix.new()
    before = int(git(helpdesk, "rev-list", "--count", "HEAD"))
    clock.advance(minutes=5)
    assert tix.ok("assign", ticket_id, "bob@example.com").out == f"{ticket_id}: owner (none) → bob@example.com\n"
    assert tix.ok("status", ticket_id, "open").out == f"{ticket_id}: status new → open\n"
    assert tix.ok("priority", ticket_id, "urgent").out == f"{ticket_id}: priority normal → urgent\n"
    assert tix.ok("category", ticket_id, "billing").out == f"{ticket_id}: category (none) → billing\n"
    assert tix.ok("queue", ticket_id, "sales").out == f"{ticket_id}: queue (none) → sales\n"
    assert tix.ok("queue", ticket_id, "").out == f"{ticket_id}: queue sales → (none)\n"
    assert tix.ok("tag", ticket_id, "+vip", "-nothing", "hot").out == f"{ticket_id}: tags +hot +vip\n"
    assert tix.ok("tag", ticket_id, "-vip").out == f"{ticket_id}: tags -vip\n"
    assert tix.ok("note", ticket_id, "Called him back").out == f"{ticket_id}: note added\n"
    assert tix.ok("take", ticket_id).out == f"{ticket_id}: owner bob@example.com → anna@example.com\n"
    assert tix.ok("unassign", ticket_id).out == f"{ticket_id}: owner anna@example.com → (none)\n"
    assert int(git(helpdesk, "rev-list", "--count", "HEAD")) == before + 11
    ticket = load(helpdesk, ticket_id)
    assert (ticket.status, ticket.priority, ticket.category, ticket.owner, ticket.tags) == (
        "open", "urgent", "billing", None, ["hot"])
    assert ticket.updated.isoformat() == "2026-11-23T09:05:00+01:00"
    assert [(e.kind, e.author, e.text) for e in ticket.entries] == [
        ("note", "Anna Nowak <anna@example.com>", "Called him back")]


def test_a_change_to_the_current_value_makes_no_commit(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    head = git(helpdesk, "rev-parse", "HEAD")
    assert tix.ok("status", ticket_id, "new").out == f"{ticket_id}: nothing to change\n"
    assert git(helpdesk, "rev-parse", "HEAD") == head


def test_close_with_reason_and_reopen(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    assert tix.ok("close", ticket_id, "-m", "Replaced the printer").out == f"{ticket_id}: status new → closed\n"
    ticket = load(helpdesk, ticket_id)
    assert ticket.status == "closed"
    assert [(e.kind, e.text) for e in ticket.entries] == [("note", "Replaced the printer")]
    assert tix.ok("reopen", ticket_id).out == f"{ticket_id}: status closed → open\n"
    result = tix("reopen", ticket_id)
    assert (result.code, result.err) == (1, f"tix: error: {ticket_id} is not closed (status open)\n")


def test_note_from_stdin(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    tix.ok("note", ticket_id, "-", stdin="line one\nline two\n")
    assert load(helpdesk, ticket_id).entries[-1].text == "line one\nline two"


def test_team_handles_resolve_to_addresses_and_unknown_people_are_refused(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "team.bob.email", "bob@example.com")
    tix.ok("config", "set", "team.anna.email", "anna@example.com")
    ticket_id = tix.new()
    assert tix.ok("assign", ticket_id, "bob").out == f"{ticket_id}: owner (none) → bob@example.com\n"
    refused = tix("assign", ticket_id, "mallory@example.com")
    assert (refused.code, refused.err) == (
        1, "tix: error: 'mallory@example.com' is not a team member (see `tix config list` team.*)\n")
    assert "OWNER" in tix.ok("list").out and " bob " in tix.ok("list").out


def test_prefixes_resolve_case_insensitively(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    assert tix.ok("show", ticket_id[:3].lower(), "-f", "json").out.count(ticket_id) >= 1
    assert json.loads(tix.ok("show", "#" + ticket_id[:5], "-f", "json").out)["id"] == ticket_id


def test_ambiguous_prefix_is_refused_with_the_candidates(tix: Cli, helpdesk: Path) -> None:
    first, second = "ABCD2345", "ABCE2345"
    for ticket_id in (first, second):
        path = helpdesk / ticket_relpath(ticket_id)
        path.parent.mkdir(parents=True)
        path.write_text(ticketfile.dumps(load_template(helpdesk, ticket_id)), encoding="utf-8")
    result = tix("show", "abc")
    assert result.code == 1
    assert result.err == f"tix: error: 'ABC' is ambiguous: 2 tickets match ({first}, {second})\n"
    assert json.loads(tix.ok("show", "abce", "-f", "json").out)["id"] == second


def load_template(helpdesk: Path, ticket_id: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    from tix.domain.model import Person, Ticket

    when = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    return Ticket(ticket_id, "Made by hand", Person("", "x@example.com"), "new", "normal", when, when)


def test_show_text_and_json(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new("Printer on fire", "-b", "It burns.")
    tix.ok("note", ticket_id, "Internal: customer is VIP")
    text = tix.ok("show", ticket_id).out
    assert text.startswith(f"{ticket_id}  Printer on fire\nStatus:    new\n")
    assert "── Message from Jan Kowalski <jan@example.pl> · 2026-11-23 09:00\n\nIt burns." in text
    assert "── Internal note by Anna Nowak <anna@example.com> · 2026-11-23 09:00\n\nInternal: customer is VIP" in text
    data = json.loads(tix.ok("show", ticket_id, "--format", "json").out)
    assert list(data) == ["id", "subject", "status", "owner", "priority", "category", "tags", "queue", "channel",
                          "requester", "created", "updated", "message_ids", "participants", "links", "merged_into",
                          "fields", "entries"]
    assert [entry["kind"] for entry in data["entries"]] == ["inbound", "note"]
    assert set(data["entries"][0]) == {"id", "kind", "author", "time", "message_id", "text"}


def test_list_filters_sorting_and_formats(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    a = tix.new("Alpha", "-p", "low", "-c", "billing", "-t", "vip")
    clock.advance(hours=1)
    b = tix.ok("new", "Beta", "--from", "Ola <ola@firma.pl>", "-p", "urgent").out.strip()
    clock.advance(hours=1)
    c = tix.new("Gamma")
    tix.ok("assign", b, "bob@example.com")
    tix.ok("take", c)
    tix.ok("status", c, "pending")
    clock.advance(days=3)
    tix.ok("close", a)

    def ids(*args: str) -> list[str]:
        return [row["id"] for row in json.loads(tix.ok("list", "-f", "json", *args).out)]

    assert ids() == [b, c]  # not closed; urgent before normal
    assert ids("--all") == [b, c, a]
    assert ids("--all", "--sort", "created") == [a, b, c]
    assert ids("--all", "--sort", "-created") == [c, b, a]
    assert ids("--status", "closed") == [a]
    assert ids("--status", "waiting") == [c]
    assert ids("--status", "new,pending") == [b, c]
    assert ids("--owner", "bob@example.com") == [b]
    assert ids("--mine") == [c]
    assert ids("--unassigned", "--all") == [a]
    assert ids("--priority", "urgent") == [b]
    assert ids("--all", "--category", "billing") == [a]
    assert ids("--all", "--tag", "vip") == [a]
    assert ids("--customer", "firma.pl") == [b]
    assert ids("--all", "--since", "1d") == [a]
    assert ids("--all", "--since", "2026-11-24") == [a]
    assert ids("--all", "--since", "2026-11-23T10:30", "--sort", "id") == sorted([a, b, c])
    assert ids("--limit", "1") == [b]
    rows = json.loads(tix.ok("list", "-f", "json").out)
    assert list(rows[0]) == ["id", "subject", "status", "owner", "priority", "category", "tags", "queue", "channel",
                             "requester", "created", "updated", "due", "sla"]
    csv_lines = tix.ok("list", "-f", "csv").lines
    assert csv_lines[0] == "id,subject,status,owner,priority,category,tags,queue,channel,requester_name,requester_email,created,updated"
    assert csv_lines[1].startswith(f"{b},Beta,new,bob@example.com,urgent,,,,other,Ola,ola@firma.pl,")
    table = tix.ok("list").lines
    assert table[0].split() == ["ID", "STATUS", "PRIORITY", "OWNER", "DUE", "REQUESTER", "SUBJECT"]
    assert table[1].split()[:3] == [b, "new", "urgent"]
    empty = tix("list", "--queue", "nowhere")
    assert (empty.code, empty.out, empty.err) == (0, "", "no tickets match\n")


def test_list_sees_hand_edits_before_they_are_committed_and_after_git_resets(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    tix.ok("list")  # builds the index
    path = helpdesk / ticket_relpath(ticket_id)
    path.write_text(path.read_text(encoding="utf-8").replace("status: new", "status: pending"), encoding="utf-8")
    assert json.loads(tix.ok("list", "-f", "json").out)[0]["status"] == "pending"
    git(helpdesk, "checkout", "--", ".")
    assert json.loads(tix.ok("list", "-f", "json").out)[0]["status"] == "new"
    tix.ok("status", ticket_id, "open")
    assert json.loads(tix.ok("list", "-f", "json").out)[0]["status"] == "open"
    git(helpdesk, "reset", "-q", "--hard", "HEAD~1")
    assert json.loads(tix.ok("list", "-f", "json").out)[0]["status"] == "new"


def test_reindex_rebuilds_from_the_files(tix: Cli, helpdesk: Path) -> None:
    for subject in ("One", "Two", "Three"):
        tix.new(subject)
    assert tix.ok("reindex").out == "indexed 3 tickets (3 files read, 0 broken)\n"
    assert len(json.loads(tix.ok("list", "-f", "json").out)) == 3


def test_edit_validates_and_commits_or_keeps_the_ticket_unchanged(tix: Cli, helpdesk: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    monkeypatch.setenv("EDITOR", "sed -i -e 's/^priority: normal/priority: high/' -e 's/^subject: .*/subject: Fixed subject/'")
    assert tix.ok("edit", ticket_id).out == f"{ticket_id}: edited by hand\n"
    ticket = load(helpdesk, ticket_id)
    assert (ticket.priority, ticket.subject) == ("high", "Fixed subject")
    assert git(helpdesk, "log", "-1", "--format=%(trailers:key=Tix-Action,valueonly)").strip() == "edit"

    before = path.read_bytes()
    monkeypatch.setenv("EDITOR", "sed -i 's/^status: new/status: sleeping/'")
    result = tix("edit", ticket_id)
    assert result.code == 1
    assert result.err.startswith(f"tix: error: edit rejected, {ticket_id} is unchanged: unknown status 'sleeping'")
    assert path.read_bytes() == before
    draft = result.err.rsplit("(your version: ", 1)[1].rstrip(")\n")
    assert "status: sleeping" in Path(draft).read_text(encoding="utf-8")

    monkeypatch.setenv("EDITOR", "sed -i 's/^id: .*/id: [broken/'")
    broken = tix("edit", ticket_id)
    assert broken.code == 1 and "invalid YAML in front-matter" in broken.err
    assert path.read_bytes() == before

    monkeypatch.setenv("EDITOR", "true")
    assert tix.ok("edit", ticket_id).out == f"{ticket_id}: nothing to change\n"


def test_unrelated_dirty_and_staged_files_are_left_alone(tix: Cli, helpdesk: Path) -> None:
    (helpdesk / "notes.txt").write_text("mine\n", encoding="utf-8")
    (helpdesk / "staged.txt").write_text("staged\n", encoding="utf-8")
    git(helpdesk, "add", "staged.txt")
    ticket_id = tix.new()
    tix.ok("assign", ticket_id, "bob@example.com")
    assert git(helpdesk, "show", "--name-only", "--format=", "HEAD").split() == [ticket_relpath(ticket_id)]
    assert git(helpdesk, "status", "--porcelain").splitlines() == ["A  staged.txt", "?? notes.txt"]


def test_acting_user_from_as_option_and_tix_user(tix: Cli, helpdesk: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ticket_id = tix.new()
    tix.ok("--as", "Bob Builder <bob@example.com>", "note", ticket_id, "via --as")
    monkeypatch.setenv("TIX_USER", "Cron Bot <cron@example.com>")
    tix.ok("note", ticket_id, "via TIX_USER")
    authors = git(helpdesk, "log", "-2", "--format=%an <%ae>").splitlines()
    assert authors == ["Cron Bot <cron@example.com>", "Bob Builder <bob@example.com>"]
    assert [e.author for e in load(helpdesk, ticket_id).entries] == [
        "Bob Builder <bob@example.com>", "Cron Bot <cron@example.com>"]


def test_tix_works_from_a_subfolder_with_dash_c_and_with_tix_dir(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ticket_id = tix.new()
    sub = helpdesk / "templates"
    assert json.loads(tix.ok("show", ticket_id, "-f", "json", cwd=sub).out)["id"] == ticket_id
    assert json.loads(tix.ok("-C", str(helpdesk), "show", ticket_id, "-f", "json", cwd=tmp_path).out)["id"] == ticket_id
    monkeypatch.setenv("TIX_DIR", str(helpdesk))
    assert json.loads(tix.ok("show", ticket_id, "-f", "json", cwd=tmp_path).out)["id"] == ticket_id


def test_the_installed_console_script_runs(helpdesk: Path) -> None:
    created = run_console_script("new", "From the console script", "--from", "jan@example.pl", cwd=helpdesk)
    assert created.returncode == 0, created.stderr
    listed = run_console_script("list", "--format", "json", cwd=helpdesk)
    assert [row["subject"] for row in json.loads(listed.stdout)] == ["From the console script"]
    module = run_console_script("--help", cwd=helpdesk)
    assert module.returncode == 0 and "Usage: tix" in module.stdout
