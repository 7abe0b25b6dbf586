"""What tix prints for people and for scripts (issue 18, Output): the pager, colour control,
values without Python reprs, JSON on every command that prints data, the import progress bar, and
tables that fit a narrow terminal. A real pseudo-terminal (pty) makes stdout a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
from conftest import Cli, git, make_eml, tix_command

from tix.storage.layout import ticket_relpath

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(*args: str, cwd: Path, env: dict[str, str] | None = None, stderr_too: bool = False,
                columns: int | None = None) -> tuple[str, str]:  # fmt: skip
    """Run the real `tix` with stdout (and with `stderr_too` stderr) on a pseudo-terminal: what
    the terminal showed, and stderr when it was a pipe."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CLICOLOR_FORCE", "PAGER", "TIX_PAGER", "COLUMNS")}
    environment.update(env or {})
    if columns:
        environment["COLUMNS"] = str(columns)
    master, slave = pty.openpty()
    process = subprocess.Popen([*tix_command(), *args], cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=slave,
                               stderr=slave if stderr_too else subprocess.PIPE)  # fmt: skip
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, (args, shown, err)
    return shown.decode("utf-8").replace("\r\n", "\n"), (err or b"").decode("utf-8")


def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A pager command that records what it is given (and shows nothing)."""
    record = tmp_path / "paged.txt"
    return f"cat > {record}", record


# --- the pager ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["show", "{id}"], ["log"], ["list"], ["log", "{id}"]])
def test_long_output_goes_through_the_pager_on_a_terminal(tix: Cli, helpdesk: Path, tmp_path: Path, command: list[str]) -> None:
    ticket_id = tix.new("Printer on fire")
    pager, record = recorder(tmp_path)
    shown, _ = on_terminal(*[part.format(id=ticket_id) for part in command], cwd=helpdesk, env={"PAGER": pager})
    expected = "create" if command == ["log", "{id}"] else ticket_id  # one ticket's trail does not repeat its ID
    assert expected in record.read_text(encoding="utf-8")
    assert expected not in shown  # the pager had it all, the terminal nothing


def test_tix_pager_wins_over_pager_and_no_pager_turns_it_off(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    ticket_id = tix.new()
    pager, record = recorder(tmp_path)
    on_terminal("show", ticket_id, cwd=helpdesk, env={"PAGER": "false", "TIX_PAGER": pager})
    assert "Printer on fire" in record.read_text(encoding="utf-8")
    record.unlink()
    shown, _ = on_terminal("--no-pager", "show", ticket_id, cwd=helpdesk, env={"PAGER": pager})
    assert not record.exists() and "Printer on fire" in shown
    for plain in ("cat", ""):  # as git: PAGER=cat or an empty one means no pager
        shown, _ = on_terminal("show", ticket_id, cwd=helpdesk, env={"PAGER": plain})
        assert "Printer on fire" in shown


def test_no_pager_through_a_pipe_even_when_one_is_set(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    ticket_id = tix.new()
    pager, record = recorder(tmp_path)
    environment = {**os.environ, "PAGER": pager}
    for args in (["show", ticket_id], ["list"], ["log"]):
        done = subprocess.run([*tix_command(), *args], cwd=helpdesk, env=environment, capture_output=True, text=True, check=True)
        assert ticket_id in done.stdout
    assert not record.exists()


def test_warnings_stay_on_stderr_beside_the_pager(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    tix.new("Good one")
    broken = helpdesk / "tickets" / "ZZ" / "ZZZZZZZZ" / "ticket.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\nid: [\n---\n", encoding="utf-8")
    pager, record = recorder(tmp_path)
    _, err = on_terminal("list", cwd=helpdesk, env={"PAGER": pager})
    assert "Good one" in record.read_text(encoding="utf-8") and "warning" not in record.read_text(encoding="utf-8")
    assert "tix: warning:" in err


# --- colour --------------------------------------------------------------------------------------


def test_colour_only_on_a_terminal_unless_forced(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    assert "\x1b[" not in tix.ok("list").out  # a pipe: none
    assert "\x1b[" in tix.ok("--color=always", "list").out
    assert "\x1b[" in tix.ok("--color", "always", "show", ticket_id).out
    shown, _ = on_terminal("--no-pager", "list", cwd=helpdesk)
    assert "\x1b[1m" + ticket_id in shown
    for env, args in (({"NO_COLOR": "1"}, ()), ({}, ("--color=never",)), ({"CLICOLOR_FORCE": "1"}, ("--color=never",))):
        shown, _ = on_terminal(*args, "--no-pager", "list", cwd=helpdesk, env=env)
        assert "\x1b[" not in shown, (env, args)


def test_clicolor_force_colours_a_pipe_but_no_color_wins_over_it(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tix.new()
    monkeypatch.setenv("CLICOLOR_FORCE", "1")
    assert "\x1b[" not in tix.ok("list").out  # NO_COLOR (set for every test) first
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" in tix.ok("list").out
    monkeypatch.setenv("CLICOLOR_FORCE", "0")
    assert "\x1b[" not in tix.ok("list").out


def test_a_bad_colour_choice_is_a_usage_error(tix: Cli) -> None:
    result = tix("--color=sometimes", "list")
    assert result.code == 2 and "sometimes" in result.err


# --- values for people ---------------------------------------------------------------------------


def test_show_writes_field_labels_as_words_and_times_in_the_helpdesks_zone(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    path = helpdesk / ticket_relpath(ticket_id)
    text = path.read_text(encoding="utf-8").replace("message_ids: []\n", "message_ids: []\nlanguages: [en, pl]\n"
                                                    "contract: {plan: gold, seats: 5}\nvip: true\n", 1)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    shown = tix.ok("show", ticket_id).out
    assert "First response due: 2026-11-24 09:00 CET" in shown  # the fixed clock: 2026-11-23 09:00 in Warsaw
    assert "Created:   2026-11-23 09:00 CET" in shown
    assert "Languages:" in shown and "en, pl" in shown
    assert "plan: gold; seats: 5" in shown and "Vip:" in shown and " yes" in shown
    assert "[" not in shown.split("\n\n")[0].split("\n", 1)[1] and "{" not in shown and "_due" not in shown


def test_config_prints_lists_and_mappings_for_people(tix: Cli, helpdesk: Path) -> None:
    tix.ok("config", "set", "categories", "general, billing")
    config = helpdesk / "tix.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "rules: []", "rules:\n  - name: invoices\n    match: {subject: invoice}\n    set: {category: billing, tags: [money]}"), encoding="utf-8")  # fmt: skip
    listed = tix.ok("config", "list").out
    assert "categories=general, billing" in listed and "rules=1 rule (invoices)" in listed
    rules = tix.ok("config", "get", "rules").out
    assert "name: invoices" in rules and "{'" not in rules and "['" not in rules
    assert tix.ok("config", "get", "categories").out == "general\nbilling\n"


def test_counts_are_in_the_singular_for_one(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    mail = tmp_path / "one.eml"
    mail.write_bytes(make_eml())
    assert tix.ok("import", str(mail)).out.startswith("imported 1 message: 1 new ticket,")
    assert "1 ticket" in tix.ok("reindex").out


# --- JSON on every command that prints data ------------------------------------------------------


def test_every_command_that_prints_data_speaks_json(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(helpdesk, "remote", "add", "origin", str(remote))
    mail = tmp_path / "in.eml"
    mail.write_bytes(make_eml(subject="Invoice please", message_id="<json@example.pl>"))

    created = json.loads(tix.ok("new", "Printer on fire", "--from", "jan@example.pl", "-f", "json").out)
    assert set(created) >= {"id", "subject", "status", "commit"} and created["subject"] == "Printer on fire"
    ticket_id = created["id"]
    commands = [
        ["show", ticket_id], ["list"], ["search", "printer"], ["log"], ["log", ticket_id], ["customer", "jan@example.pl"],
        ["views"], ["config", "list"], ["config", "get", "helpdesk.timezone"], ["templates"], ["rules", "test", str(mail)],
        ["import", "--dry-run", str(mail)], ["outbox"], ["send"], ["sync", "origin"], ["remind", "--dry-run"], ["reindex"],
        ["stats"], ["kb", "list"],
    ]  # fmt: skip
    parsed = {}
    for command in commands:
        result = tix.ok(*command[:1], *command[1:], "--format" if command[0] == "search" else "-f", "json")
        parsed[" ".join(command[:2])] = json.loads(result.out)
    assert parsed["config list"]["helpdesk.timezone"] == "Europe/Warsaw"
    assert parsed["config get"] == {"key": "helpdesk.timezone", "value": "Europe/Warsaw"}
    assert {t["name"] for t in parsed["templates"]} >= {"ack", "blank"}
    assert parsed["rules test"][0]["path"] == str(mail) and parsed["rules test"][0]["fired"] == []
    assert parsed["send"] == {"sent": [], "failed": {}, "uncertain": [], "temporary": False}
    assert parsed["sync origin"]["remote"] == "origin" and parsed["sync origin"]["pushed"] >= 1
    assert parsed["reindex"]["tickets"] == 1


def test_every_change_of_a_ticket_speaks_json_too(tix: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ticket as `tix list` gives it, and what the change did: `changed`, `summary`, `commit`
    (the fast path and Typer's alike: `--format=json` is Typer's to parse)."""
    tix.ok("config", "set", "team.bob.email", "bob@example.com", "team.anna.email", "anna@example.com")
    ticket_id = tix.new()
    monkeypatch.setenv("EDITOR", "sed -i 's/^priority: .*/priority: low/'")
    changes = [["assign", ticket_id, "bob"], ["take", ticket_id], ["unassign", ticket_id], ["status", ticket_id, "pending"],
               ["priority", ticket_id, "high"], ["category", ticket_id, "billing"], ["queue", ticket_id, "support"],
               ["close", ticket_id], ["reopen", ticket_id], ["escalate", ticket_id], ["note", ticket_id, "called"],
               ["edit", ticket_id]]  # fmt: skip
    for n, command in enumerate(changes):
        spelled = ["-f", "json"] if n % 2 else ["--format=json"]
        done = json.loads(tix.ok(*command, *spelled).out)
        assert done["id"] == ticket_id and done["changed"] is True and len(done["commit"]) == 40, command
        assert done["summary"] and "status" in done and "owner" in done, command
    tagged = json.loads(tix.ok("tag", "--format", "json", ticket_id, "+vip", "-f").out)  # `-f`: the tag f removed
    assert "vip" in tagged["tags"] and tagged["changed"] is True
    tix.ok("assign", ticket_id, "bob")
    again = json.loads(tix.ok("assign", ticket_id, "bob", "-f", "json").out)  # bob's already: nothing to change
    assert again["changed"] is False and again["commit"] is None and again["owner"] == "bob@example.com"


def test_the_ticket_operations_speak_json_too(tix: Cli, helpdesk: Path) -> None:
    first, second, third = tix.new("Printer"), tix.new("Printer again"), tix.new("Spam offer")
    linked = json.loads(tix.ok("link", first, second, "-f", "json").out)
    assert linked["ticket"]["id"] == first and linked["other"]["id"] == second and linked["changed"] is True
    assert linked["kind"] == "related" and len(linked["commit"]) == 40
    unlinked = json.loads(tix.ok("unlink", first, second, "--format", "json").out)
    assert unlinked["changed"] is True and unlinked["removed"]
    merged = json.loads(tix.ok("merge", first, second, "-f", "json").out)
    assert merged["target"]["id"] == first and merged["source"]["status"] == "closed" and merged["changed"] is True
    spam = json.loads(tix.ok("spam", third, "-f", "json").out)
    assert spam["id"] == third and "spam" in spam["tags"] and spam["changed"] is True and spam["blocked"] is None
    deleted = json.loads(tix.ok("delete", third, "-f", "json").out)
    assert deleted == {"id": third, "subject": "Spam offer", "folder": deleted["folder"], "changed": True, "commit": deleted["commit"]}
    assert deleted["folder"].endswith(third) and not (helpdesk / deleted["folder"]).exists()


def test_a_reply_speaks_json_too(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new("Printer on fire")
    before = git(helpdesk, "rev-parse", "HEAD")
    preview = json.loads(tix.ok("reply", ticket_id, "-m", "We are on it.", "--preview", "-f", "json").out)
    assert preview["id"] == ticket_id and preview["recorded"] is False and preview["commit"] is None
    assert "We are on it." in preview["mail"] and "Subject: " in preview["mail"] and preview["delivery"] is None
    assert git(helpdesk, "rev-parse", "HEAD") == before  # a preview changes nothing
    done = json.loads(tix.ok("reply", ticket_id, "-m", "We are on it.", "-f", "json").out)
    assert done["recorded"] is True and len(done["commit"]) == 40 and done["message_id"] in done["mail"]
    assert done["message_id"] in tix.ok("show", ticket_id, "-f", "json").out


def test_json_times_are_iso_8601_and_errors_stay_on_stderr(tix: Cli) -> None:
    ticket_id = tix.new()
    shown = json.loads(tix.ok("show", ticket_id, "-f", "json").out)
    assert shown["created"] == "2026-11-23T09:00:00+01:00"
    failed = tix("show", "NOSUCH", "-f", "json")
    assert failed.code == 1 and failed.out == "" and failed.err.startswith("tix: error:")


# --- the progress of an import -------------------------------------------------------------------


def _mail_folder(root: Path, count: int) -> Path:
    root.mkdir()
    for n in range(count):
        (root / f"{n:03}.eml").write_bytes(make_eml(subject=f"Question {n}", sender=f"c{n}@example.org", message_id=f"<q{n}@example.org>"))
    return root


def test_import_shows_a_progress_bar_with_total_and_rate_on_a_terminal(helpdesk: Path, tmp_path: Path) -> None:
    folder = _mail_folder(tmp_path / "mail", 120)
    shown, _ = on_terminal("import", str(folder), cwd=helpdesk, stderr_too=True)
    bar = ANSI.sub("", shown)
    assert "importing" in bar and "120/120" in bar and "100%" in bar and "messages/s" in bar
    assert "imported 120 messages: 120 new tickets" in bar


def test_import_is_silent_when_piped_or_quiet(helpdesk: Path, tmp_path: Path) -> None:
    folder = _mail_folder(tmp_path / "mail", 60)
    done = subprocess.run([*tix_command(), "import", str(folder)], cwd=helpdesk, capture_output=True, text=True, check=True)
    assert done.stderr == "" and done.stdout.startswith("imported 60 messages")
    more = _mail_folder(tmp_path / "more", 0)
    (more / "x.eml").write_bytes(make_eml(message_id="<x@example.org>"))
    shown, _ = on_terminal("import", "--quiet", str(more), cwd=helpdesk, stderr_too=True)
    assert shown == ""


# --- narrow terminals ----------------------------------------------------------------------------


def test_tables_fit_a_40_column_terminal(tix: Cli, helpdesk: Path) -> None:
    for n in range(3):
        tix.new(f"A long subject that would never fit in forty columns, number {n}")
    tix.ok("assign", tix.ok("list", "-f", "json").out.split('"id": "')[1][:8], "bob@example.com")
    for command in (["list"], ["list", "--all"], ["stats"], ["stats", "--by", "owner"], ["search", "subject"], ["customer", "jan@example.pl"],
                    ["log"], ["templates"]):  # fmt: skip
        shown, _ = on_terminal("--no-pager", *command, cwd=helpdesk, columns=40)
        lines = ANSI.sub("", shown).splitlines()
        assert lines and max(len(line) for line in lines) <= 40, (command, [line for line in lines if len(line) > 40])
    shown, _ = on_terminal("--no-pager", "list", cwd=helpdesk, columns=40)
    assert "A long subj" in shown and "…" in shown
    wide, _ = on_terminal("--no-pager", "list", cwd=helpdesk, columns=200)
    assert "REQUESTER" in wide and "number 0" in wide
    assert "number 0" in tix.ok("list").out  # a pipe gets whole lines


def test_a_pager_that_cannot_start_loses_nothing(tix: Cli, helpdesk: Path) -> None:
    ticket_id = tix.new()
    shown, _ = on_terminal("show", ticket_id, cwd=helpdesk, env={"PAGER": "no-such-pager-here"})
    assert "Printer on fire" in shown
