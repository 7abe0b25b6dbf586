"""Team sync through a bare remote and several clones; merges that never need a human."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Clock, git, make_eml, make_maildir

from tix.cli.main import main
from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath
from tix.storage.mergedriver import merge_texts


class Team:
    """A bare remote and clones, each with its own teammate identity; runs the real CLI."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.remote = tmp_path / "remote.git"
        subprocess.run(["git", "init", "-q", "--bare", str(self.remote)], check=True)
        self.clones: dict[str, Path] = {}

    def first(self, name: str) -> Path:
        root = self.tmp / name
        assert main(["init", str(root), "--timezone", "Europe/Warsaw"]) == 0
        git(root, "config", "user.name", name.capitalize())
        git(root, "config", "user.email", f"{name}@example.com")
        git(root, "remote", "add", "origin", str(self.remote))
        self.clones[name] = root
        self.ok(name, "sync")
        return root

    def clone(self, name: str) -> Path:
        root = self.tmp / name
        subprocess.run(["git", "clone", "-q", str(self.remote), str(root)], check=True)
        git(root, "config", "user.name", name.capitalize())
        git(root, "config", "user.email", f"{name}@example.com")
        self.clones[name] = root
        return root

    def shared_ticket(self) -> str:
        """alice's helpdesk with one ticket, synced, and bob's clone of it: the ticket's ID."""
        self.first("alice")
        ticket_id = self.ok("alice", "new", "Hi", "--from", "jan@example.pl").strip()
        self.ok("alice", "sync")
        self.clone("bob")
        return ticket_id

    def run(self, name: str, *args: str) -> tuple[int, str, str]:
        """The real entry point, in the clone's folder, its output captured here (no fixtures,
        so a hypothesis test can make teams too)."""
        import contextlib
        import io
        import os

        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(self.clones.get(name, self.tmp))
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(list(args))
        finally:
            os.chdir(cwd)
        return code, out.getvalue(), err.getvalue()

    def ok(self, name: str, *args: str) -> str:
        code, out, err = self.run(name, *args)
        assert code == 0, f"{name}: tix {' '.join(args)} failed ({code}): {err}"
        return out

    def ticket(self, name: str, ticket_id: str) -> ticketfile.Ticket:
        return ticketfile.loads((self.clones[name] / ticket_relpath(ticket_id)).read_text(encoding="utf-8"))

    def converge(self) -> None:
        for _ in range(2):
            for name in self.clones:
                self.ok(name, "sync")
        heads = {git(root, "rev-parse", "HEAD") for root in self.clones.values()}
        assert len(heads) == 1, "clones did not converge"
        for root in self.clones.values():
            assert git(root, "status", "--porcelain") == ""
            for path in (root / "tickets").rglob("ticket.md"):
                text = path.read_text(encoding="utf-8")
                assert "<<<<<<<" not in text and ">>>>>>>" not in text


@pytest.fixture
def team(tmp_path: Path, clock: Clock) -> Team:
    return Team(tmp_path)


def test_a_fresh_clone_gets_the_merge_driver_and_merges_concurrent_changes(team: Team, clock: Clock) -> None:
    team.first("alice")
    ticket_id = team.ok("alice", "new", "Printer on fire", "--from", "jan@example.pl").strip()
    team.ok("alice", "sync")
    bob = team.clone("bob")
    assert "merge.tix.driver" not in git(bob, "config", "--list")
    clock.advance(minutes=1)
    team.ok("alice", "assign", ticket_id, "alice@example.com")  # owner and status sit on adjacent lines:
    team.ok("alice", "note", ticket_id, "alice's note")
    team.ok("alice", "sync")
    clock.advance(minutes=1)
    team.ok("bob", "status", ticket_id, "open")                 # a plain text merge would conflict
    team.ok("bob", "note", ticket_id, "bob's note")
    assert "merge.tix.driver" in git(bob, "config", "--list")  # the first tix command registered it
    assert "1 commit in" in team.ok("bob", "sync") or True
    team.converge()
    ticket = team.ticket("alice", ticket_id)
    assert (ticket.owner, ticket.status) == ("alice@example.com", "open")
    assert sorted(e.text for e in ticket.entries) == ["alice's note", "bob's note"]


def test_plain_git_pull_uses_the_same_driver(team: Team, clock: Clock) -> None:
    team.first("alice")
    ticket_id = team.ok("alice", "new", "Hi", "--from", "jan@example.pl").strip()
    team.ok("alice", "sync")
    bob = team.clone("bob")
    team.ok("bob", "tag", ticket_id, "+from-bob")
    team.ok("alice", "tag", ticket_id, "+from-alice")
    team.ok("alice", "sync")
    git(bob, "pull", "-q", "--no-rebase", "--no-edit")
    assert team.ticket("bob", ticket_id).tags == ["from-alice", "from-bob"]


def test_the_same_field_changed_on_both_sides_keeps_the_later_and_records_the_other(team: Team, clock: Clock) -> None:
    ticket_id = team.shared_ticket()
    team.ok("alice", "status", ticket_id, "pending")
    clock.advance(minutes=5)
    team.ok("bob", "status", ticket_id, "on-hold")  # the later change
    team.ok("alice", "sync")
    team.ok("bob", "sync")
    team.converge()
    ticket = team.ticket("alice", ticket_id)
    assert ticket.status == "on-hold"
    [note] = [e for e in ticket.entries if e.extra.get("merge")]
    assert 'status: kept "on-hold", the other side had set "pending"' in note.text
    events = json.loads(team.ok("alice", "log", ticket_id, "-f", "json"))
    assert any(event["author"]["email"] == "alice@example.com" and event["action"] == "status" for event in events)


def test_the_same_mail_imported_in_two_clones_is_one_ticket_after_sync(team: Team, clock: Clock) -> None:
    team.first("alice")
    team.clone("bob")
    mail = team.tmp / "m.eml"
    mail.write_bytes(make_eml(message_id="<same@example.pl>"))
    reply = team.tmp / "r.eml"
    reply.write_bytes(make_eml(message_id="<reply@example.pl>", in_reply_to="<same@example.pl>", body="more"))
    team.ok("alice", "import", str(mail))
    team.ok("bob", "import", str(mail), str(reply))
    team.converge()
    tickets = list((team.clones["alice"] / "tickets").glob("*/*/ticket.md"))
    assert len(tickets) == 1
    ticket = ticketfile.loads(tickets[0].read_text(encoding="utf-8"))
    assert ticket.message_ids == ["<reply@example.pl>", "<same@example.pl>"]
    assert len(ticket.entries) == 2
    listed = json.loads(team.ok("bob", "list", "-f", "json"))  # the index follows the merge
    assert [row["id"] for row in listed] == [ticket.id]


def test_three_clones_working_at_once_converge(team: Team, clock: Clock) -> None:
    team.first("alice")
    ids = [team.ok("alice", "new", f"Ticket {n}", "--from", "jan@example.pl").strip() for n in range(3)]
    team.ok("alice", "sync")
    team.clone("bob")
    team.clone("carol")
    for n, name in enumerate(("alice", "bob", "carol")):
        clock.advance(minutes=1)
        for ticket_id in ids:
            team.ok(name, "note", ticket_id, f"{name} on {ticket_id}")
        team.ok(name, "assign", ids[n], f"{name}@example.com")
        team.ok(name, "priority", ids[0], ("urgent", "high", "low")[n])
    team.converge()
    for ticket_id in ids:
        notes = sorted(e.text for e in team.ticket("carol", ticket_id).entries if not e.extra.get("merge"))
        assert notes == sorted(f"{name} on {ticket_id}" for name in ("alice", "bob", "carol"))
    assert team.ticket("alice", ids[0]).priority == "low"  # carol changed it last
    assert [team.ticket("bob", i).owner for i in ids] == ["alice@example.com", "bob@example.com", "carol@example.com"]


def test_sync_errors(team: Team, tmp_path: Path) -> None:
    root = tmp_path / "lonely"
    assert main(["init", str(root)]) == 0
    team.clones["lonely"] = root
    code, _, err = team.run("lonely", "sync")
    assert (code, err) == (1, "tix: error: no remote to sync with: add one, e.g. git remote add origin git@example.com:team/helpdesk.git\n")
    git(root, "remote", "add", "origin", "http://127.0.0.1:9/helpdesk.git")
    code, _, err = team.run("lonely", "sync")
    assert code == 75 and err.startswith("tix: error: origin: cannot reach the remote; try again later")
    git(root, "remote", "set-url", "origin", str(tmp_path / "missing.git"))
    code, _, err = team.run("lonely", "sync")
    assert code == 1 and "no such repository" in err


def test_mass_deletion_is_not_pushed_without_force(team: Team) -> None:
    alice = team.first("alice")
    for n in range(12):
        team.ok("alice", "new", f"Ticket {n}", "--from", "jan@example.pl")
    team.ok("alice", "sync")
    git(alice, "rm", "-rq", "tickets")
    git(alice, "commit", "-qm", "oops")
    code, _, err = team.run("alice", "sync")
    assert code == 1 and "refusing to push the deletion of 12 tickets" in err
    assert "12 tickets" in err
    team.ok("alice", "sync", "--force")


def test_merge_driver_is_symmetric_and_idempotent() -> None:
    from datetime import datetime

    from tix.domain.model import Entry, Person, Ticket

    when = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    base = Ticket("4KX2QF7A", "Hi", Person("Jan", "jan@example.pl"), "new", "normal", when, when, tags=["a"])
    ours = ticketfile.loads(ticketfile.dumps(base))
    theirs = ticketfile.loads(ticketfile.dumps(base))
    ours.status, ours.tags, ours.updated = "open", ["a", "b"], when.replace(hour=10)
    ours.entries.append(Entry("ENTRYAAA", "note", "A <a@x>", when.replace(hour=10), "from ours"))
    theirs.status, theirs.tags, theirs.updated = "pending", [], when.replace(hour=11)
    theirs.entries.append(Entry("ENTRYBBB", "note", "B <b@x>", when.replace(hour=11), "from theirs"))
    b, o, t = ticketfile.dumps(base), ticketfile.dumps(ours), ticketfile.dumps(theirs)
    merged = merge_texts(b, o, t)
    assert merged == merge_texts(b, t, o)  # the same bytes whichever side is "ours"
    result = ticketfile.loads(merged)
    assert (result.status, result.tags) == ("pending", ["b"])  # 'a' removed by theirs, 'b' added by ours
    assert [e.id for e in result.entries if not e.extra.get("merge")] == ["ENTRYAAA", "ENTRYBBB"]
    assert merge_texts(b, merged, merged) == merged


# --- randomized interleavings ------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CLONES = ("alice", "bob", "carol")
OPERATIONS = ("note", "assign", "status", "priority", "tag", "import", "sync", "sync")
MAILS = [("<m0@x>", None), ("<m1@x>", None), ("<m2@x>", "<m0@x>"), ("<m3@x>", "<m1@x>")]


@pytest.mark.slow
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(st.tuples(st.sampled_from(CLONES), st.sampled_from(OPERATIONS), st.integers(0, 2), st.integers(0, 3)),
                      min_size=4, max_size=18))
def test_random_interleavings_of_work_and_syncs_converge(tmp_path_factory: pytest.TempPathFactory, steps) -> None:  # type: ignore[no-untyped-def]
    import os
    from datetime import datetime, timedelta

    team = Team(tmp_path_factory.mktemp("team"))
    moment = datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    os.environ["TIX_NOW"] = moment.isoformat()
    try:
        root = team.tmp / "alice"
        assert main(["init", str(root), "--timezone", "Europe/Warsaw"]) == 0
        team.clones["alice"] = root
        git(root, "remote", "add", "origin", str(team.remote))
        ids = [team.ok("alice", "new", f"Ticket {n}", "--from", "jan@example.pl").strip() for n in range(3)]
        team.ok("alice", "sync")
        for name in CLONES[1:]:
            team.clone(name)
        notes: dict[str, list[str]] = {ticket_id: [] for ticket_id in ids}
        imported: set[str] = set()
        for number, (name, operation, target, value) in enumerate(steps):
            moment += timedelta(minutes=1)
            os.environ["TIX_NOW"] = moment.isoformat()
            ticket_id = ids[target]
            if operation == "note":
                text = f"note {number} by {name}"
                team.ok(name, "note", ticket_id, text)
                notes[ticket_id].append(text)
            elif operation == "assign":
                team.ok(name, "assign", ticket_id, f"{CLONES[value % 3]}@example.com")
            elif operation == "status":
                team.ok(name, "status", ticket_id, ("new", "open", "pending", "closed")[value])
            elif operation == "priority":
                team.ok(name, "priority", ticket_id, ("urgent", "high", "normal", "low")[value])
            elif operation == "tag":
                team.ok(name, "tag", ticket_id, f"+t{value}", f"-t{(value + 1) % 4}")
            elif operation == "import":
                message_id, parent = MAILS[value]
                path = team.tmp / f"mail{value}.eml"
                path.write_bytes(make_eml(message_id=message_id, in_reply_to=parent, body=f"mail {value}"))
                team.ok(name, "import", str(path))
                imported.add(message_id)
            else:
                team.ok(name, "sync")
        team.converge()
        for ticket_id, texts in notes.items():
            present = [e.text for e in team.ticket("carol", ticket_id).entries]
            assert all(text in present for text in texts)
        message_ids = [mid for path in (team.clones["bob"] / "tickets").glob("*/*/ticket.md")
                       for mid in ticketfile.loads(path.read_text(encoding="utf-8")).message_ids]
        assert sorted(message_ids) == sorted(imported)  # every message once, none twice
    finally:
        os.environ.pop("TIX_NOW", None)


def test_one_mail_threaded_apart_in_two_clones_is_folded_into_one_ticket(team: Team, clock: Clock) -> None:
    team.first("alice")
    team.clone("bob")
    first = team.tmp / "first.eml"
    first.write_bytes(make_eml(message_id="<first@example.pl>"))
    answer = team.tmp / "answer.eml"
    answer.write_bytes(make_eml(message_id="<answer@example.pl>", in_reply_to="<first@example.pl>", body="and more"))
    team.ok("alice", "import", str(first), str(answer))  # alice: one ticket with both
    team.ok("bob", "import", str(answer))                # bob never saw the first: a ticket of its own
    clock.advance(minutes=1)
    team.ok("bob", "note", ticketfile.loads(next((team.clones["bob"] / "tickets").rglob("ticket.md")).read_text(encoding="utf-8")).id, "bob's note")
    team.ok("alice", "sync")
    team.ok("bob", "sync")
    team.converge()
    tickets = [ticketfile.loads(p.read_text(encoding="utf-8")) for p in (team.clones["alice"] / "tickets").rglob("ticket.md")]
    assert len(tickets) == 1
    [ticket] = tickets
    assert ticket.message_ids == ["<answer@example.pl>", "<first@example.pl>"]
    assert sorted(e.text for e in ticket.entries) == ["Hello, my printer is on fire.", "and more", "bob's note"]


def test_uncommitted_hand_edits_are_never_committed_or_overwritten_by_sync(team: Team, clock: Clock) -> None:
    team.first("alice")
    ticket_id = team.ok("alice", "new", "Hi", "--from", "jan@example.pl").strip()
    team.ok("alice", "sync")
    bob = team.clone("bob")
    team.ok("alice", "note", ticket_id, "from alice")
    team.ok("alice", "sync")
    path = bob / ticket_relpath(ticket_id)
    edited = path.read_text(encoding="utf-8").replace("subject: Hi", "subject: Hi (bob is editing)")
    path.write_text(edited, encoding="utf-8")
    code, _, err = team.run("bob", "sync")
    assert code == 1
    assert err == "tix: error: uncommitted changes would be overwritten by the merge: commit or stash them, then sync\n"
    assert path.read_text(encoding="utf-8") == edited
    git(bob, "commit", "-qam", "bob's subject")
    team.ok("bob", "sync")
    ticket = team.ticket("bob", ticket_id)
    assert ticket.subject == "Hi (bob is editing)" and [e.text for e in ticket.entries] == ["from alice"]


def test_mail_queued_in_one_clone_is_delivered_once_by_the_team(team: Team, clock: Clock, tmp_path: Path) -> None:
    delivered = tmp_path / "delivered"
    script = tmp_path / "sendmail"
    script.write_text(f"#!/bin/sh\nmkdir -p {delivered}\ncat > {delivered}/$(date +%s%N).eml\n", encoding="utf-8")
    script.chmod(0o755)
    alice = team.first("alice")
    for key, value in (("helpdesk.email", "support@example.com"), ("mail.sendmail", str(script))):
        team.ok("alice", "config", "set", key, value)
    ticket_id = team.ok("alice", "new", "Hi", "--from", "jan@example.pl").strip()
    team.ok("alice", "sync")
    team.clone("bob")
    team.ok("alice", "reply", ticket_id, "-m", "Queued on alice's laptop")
    team.ok("alice", "sync")
    team.ok("bob", "sync")
    assert team.ok("bob", "send") == "sent 0 messages\n"  # not bob's to send
    team.ok("bob", "config", "approve")  # mail.sendmail came with a pull: bob's clone approves it once
    assert team.ok("bob", "send", "--all-clones") == "sent 1 message\n"  # the clone that sends for everyone
    team.ok("bob", "sync")
    team.ok("alice", "sync")
    assert team.ok("alice", "send") == "sent 0 messages\n"
    assert len(list(delivered.glob("*.eml"))) == 1
    assert list((alice / "outbox" / "sent").glob("*.eml"))


class GitLog:
    """A `git` first on PATH that logs each command tix starts, then runs the real git (git's
    own helpers, such as the upload-pack of a fetch, are started by git from its exec path and
    are not logged): the work a sync does, counted."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import os
        import shutil
        import stat

        real = shutil.which("git")
        assert real is not None
        folder = tmp_path / "git-shim"
        folder.mkdir()
        self.path = tmp_path / "git-calls.log"
        shim = folder / "git"
        shim.write_text(f'#!/bin/sh\necho "$*" >> "{self.path}"\nexec "{real}" "$@"\n', encoding="utf-8")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    def calls(self, action: Callable[[], object]) -> list[str]:
        """The git commands started while `action` runs (`-C ROOT`, which tix gives each, left out)."""
        self.path.unlink(missing_ok=True)
        action()
        lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        return [line.split(" ", 2)[2] if line.startswith("-C ") else line for line in lines]


def test_a_sync_with_nothing_to_do_runs_a_few_git_commands_however_many_tickets(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    """Issue 12: a no-op sync is a fetch and the few git commands that find the branch, the
    remote and where both are; no index refresh, no rev-list, no diff, no push."""
    team.first("alice")
    team.clone("bob")
    log = GitLog(tmp_path, monkeypatch)
    counts: dict[str, list[int]] = {"alice": [], "bob": []}
    for size in (1, 40):
        mails = {f"{size}-{n}.eml": make_eml(message_id=f"<m{size}-{n}@example.pl>", subject=f"Ticket {n}") for n in range(size)}
        team.ok("alice", "import", str(make_maildir(tmp_path / f"maildir-{size}", mails)))
        team.ok("alice", "sync")
        team.ok("bob", "sync")
        team.ok("bob", "sync")  # bob has looked for duplicates at this commit once: now nothing is left to do
        for name in ("alice", "bob"):
            calls = log.calls(lambda name=name: team.ok(name, "sync"))  # type: ignore[misc]
            commands = [call.split()[0] for call in calls]
            assert commands.count("fetch") == 1 and "push" not in commands, calls
            assert not {"rev-list", "diff", "diff-index", "update-index", "merge", "commit-tree"} & set(commands), calls
            counts[name].append(len(calls))
    assert counts["alice"][0] == counts["alice"][1] and counts["bob"][0] == counts["bob"][1], counts  # 1 ticket or 41
    assert max(counts["alice"] + counts["bob"]) <= 6, counts  # alice's branch has no upstream: `git remote` says where to


def test_duplicates_pushed_by_plain_git_are_folded_by_the_next_sync(team: Team, clock: Clock) -> None:
    """Duplicates are looked for once per commit, not only after a merge of tix's own: a mail
    threaded apart in two clones and merged and pushed by plain git is folded all the same."""
    team.first("alice")
    bob = team.clone("bob")
    first = team.tmp / "first.eml"
    first.write_bytes(make_eml(message_id="<first@example.pl>"))
    answer = team.tmp / "answer.eml"
    answer.write_bytes(make_eml(message_id="<answer@example.pl>", in_reply_to="<first@example.pl>", body="and more"))
    team.ok("bob", "sync")  # bob has looked for duplicates before (at another commit)
    team.ok("alice", "import", str(first), str(answer))
    team.ok("bob", "import", str(answer))
    team.ok("alice", "sync")
    branch = git(bob, "symbolic-ref", "--short", "HEAD").strip()
    git(bob, "pull", "-q", "--no-rebase", "--no-edit", "origin", branch)
    git(bob, "push", "-q", "origin", f"HEAD:{branch}")
    assert len(list((bob / "tickets").rglob("ticket.md"))) == 2  # one mail on two tickets, and HEAD is the remote's
    assert team.ok("bob", "sync") == f"synced with origin/{branch}: 0 commits in, 1 commit out\n"  # the fold
    team.converge()
    tickets = [ticketfile.loads(p.read_text(encoding="utf-8")) for p in (bob / "tickets").rglob("ticket.md")]
    assert [t.message_ids for t in tickets] == [["<answer@example.pl>", "<first@example.pl>"]]


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_resolve_commits_reads_several_refs_in_one_git_call(tmp_path: Path, object_format: str) -> None:
    from tix.storage.gitrepo import GitRepo

    subprocess.run(["git", "init", "-q", f"--object-format={object_format}", str(tmp_path)], check=True)
    repo = GitRepo(tmp_path)
    assert repo.resolve_commits("HEAD", "refs/remotes/origin/main") == [None, None]  # an unborn branch
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "first")
    git(tmp_path, "tag", "-a", "-m", "a tag", "v1")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=tmp_path, input="x", capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    git(tmp_path, "update-ref", "refs/x/blob", blob)
    head = repo.head()
    assert head is not None
    assert repo.resolve_commits("HEAD", "refs/tags/v1", "refs/x/blob", "refs/nope", "HEAD\nHEAD") == [head, head, None, None, None]
    assert repo.resolve_commits() == []
