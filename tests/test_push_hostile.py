"""What mallory pushes reaches the victim's clone at the next `tix sync`; then the victim's everyday
commands (list, show, reply, send, import) run no program, read nothing outside the helpdesk, send
the password to no server the victim did not approve, lose no mail, and name the hostile file or
key in one clear line (issue 10 #3, #4, #8, #9 and hostile numbers in tix.yaml)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Clock, git, make_eml, make_maildir, smtp_controller
from test_outbound_trust import Recorder
from test_sync import Team

from tix.storage.yamlio import dump_yaml, load_yaml

MARKER = "OUTSIDE-7c1e9b-MARKER"  # the content of a file outside every clone: it must never show up
PASSWORD = "s3cret-of-the-victim"


@pytest.fixture
def servers():  # type: ignore[no-untyped-def]
    """The victim's own SMTP server and mallory's; each records logins (AUTH) and messages."""
    from aiosmtpd.smtp import AuthResult

    def authenticating(recorder: Recorder):  # type: ignore[no-untyped-def]
        def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
            recorder.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=True)

        return smtp_controller(recorder, authenticator=authenticator, auth_require_tls=False)

    first, second = Recorder(), Recorder()
    with authenticating(first) as one, authenticating(second) as two:
        yield [(one, first), (two, second)]


class Scene:
    """mallory (first clone) and the victim (second clone) sharing a bare remote; the victim
    delivers through its own approved SMTP server with its password in the environment."""

    def __init__(self, tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        (self.ours, self.our_mail), (self.theirs, self.their_mail) = servers
        monkeypatch.setenv("TIX_SMTP_PASSWORD", PASSWORD)
        self.team = Team(tmp_path)
        self.outside = tmp_path / "outside"
        self.outside.mkdir()
        self.secret = self.outside / "secret.txt"
        self.secret.write_text(f"Subject: {MARKER}\n\n{MARKER}\n", encoding="utf-8")
        self.pwned = self.outside / "PWNED"
        self.mallory = self.team.first("mallory")
        self.victim = self.team.clone("victim")
        for key, value in [("helpdesk.email", "support@example.com"), ("autoack.enabled", "true"),
                           ("smtp.url", f"smtp://agent@127.0.0.1:{self.ours.port}")]:  # fmt: skip
            self.team.ok("victim", "config", "set", key, value)  # the victim's own choice: approved here
        self.ticket = self.team.ok("victim", "new", "Printer on fire", "--from", "Jan <jan@example.pl>").strip()
        self.team.ok("victim", "sync")
        self.team.ok("mallory", "sync")

    def _outside_files(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.outside)): p.read_bytes() if p.is_file() else b"/" for p in self.outside.rglob("*")}

    def ticket_path(self) -> tuple[str, str, str]:
        return (self.ticket[:2], self.ticket, "ticket.md")

    def config(self, change: Any) -> None:
        """mallory edits tix.yaml by hand (no validation), as anyone with push access can."""
        path = self.mallory / "tix.yaml"
        data = load_yaml(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(dump_yaml(data), encoding="utf-8")

    def push(self) -> None:
        self.before = self._outside_files()
        git(self.mallory, "add", "-A")
        git(self.mallory, "commit", "-qm", "hostile")
        git(self.mallory, "push", "-q", "origin", "HEAD")

    def everyday(self, tmp_path: Path, subject: str = "Laptop broken") -> dict[str, tuple[int, str, str, float]]:
        """The victim's day after mallory's push: every command's (exit code, stdout, stderr, seconds)."""
        mail = make_eml(subject=subject, sender="Ola <ola@example.pl>", message_id="<new@example.pl>")
        self.maildir = make_maildir(tmp_path / "Maildir", {"1.a": mail})
        commands = {
            "sync": ["sync"],
            "list": ["list"],
            "show": ["show", self.ticket],
            "preview": ["reply", self.ticket, "-t", "ack", "--preview"],
            "reply": ["reply", self.ticket, "-m", "We are on it."],
            "import": ["import", str(self.maildir)],
            "send": ["send"],
            "outbox": ["outbox"],
            "list after": ["list"],
        }
        results = {}
        for name, args in commands.items():
            started = time.monotonic()
            code, out, err = self.team.run("victim", *args)
            results[name] = (code, out, err, time.monotonic() - started)
        return results

    def assert_contained(self, results: dict[str, tuple[int, str, str, float]], filed: bool = True) -> None:
        """Nothing read or written outside, no program run, no password to mallory, no traceback;
        the customer's new mail is filed (or, with `filed=False`, not yet: it waits in the Maildir)."""
        for name, (_code, out, err, seconds) in results.items():
            assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, (name, err)
            assert MARKER not in out + err, name
            assert seconds < 10, (name, seconds)
        assert self._outside_files() == self.before  # the secret unchanged, nothing new (no PWNED)
        assert not self.pwned.exists()
        for path in self.victim.rglob("*"):
            if path.is_file() and not path.is_symlink() and ".git" not in path.relative_to(self.victim).parts:
                assert MARKER.encode() not in path.read_bytes(), path
        assert MARKER not in git(self.victim, "log", "-p", "--all")
        assert all(MARKER.encode() not in message for message in self.our_mail.messages)
        assert self.their_mail.messages == [] and self.their_mail.logins == []
        assert all(login == (b"agent", PASSWORD.encode()) for login in self.our_mail.logins)
        tickets = [p.read_text(encoding="utf-8") for p in (self.victim / "tickets").rglob("ticket.md") if not p.is_symlink()]
        assert any("<new@example.pl>" in text for text in tickets) == filed
        assert [p.name for p in (self.maildir / "new").iterdir()] == ["1.a"]  # tix never removes it


@pytest.fixture
def scene(tmp_path: Path, clock: Clock, servers: Any, monkeypatch: pytest.MonkeyPatch) -> Scene:
    return Scene(tmp_path, servers, monkeypatch)


def _queued(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "outbox").rglob("*.eml") if "queue" in p.parts)


# --- issue 10 #3: settings that run a program or receive the password -------------------------


def test_a_pushed_sendmail_or_smtp_url_never_runs_a_program_nor_gets_the_password(scene: Scene, tmp_path: Path) -> None:
    scene.config(lambda c: c["mail"].update(sendmail=f"sh -c 'cat {scene.secret} > /dev/null; touch {scene.pwned}'"))
    scene.config(lambda c: c["smtp"].update(url=f"smtp://thief@127.0.0.1:{scene.theirs.port}"))
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results)
    assert [results[name][0] for name in ("sync", "list", "show", "preview", "reply", "import")] == [0] * 6
    code, out, err, _ = results["send"]
    assert code == 1 and err.count("\n") == 1
    assert "mail.sendmail=" in err and "smtp.url=" in err and "tix.yaml" in err and "tix config approve" in err
    assert scene.our_mail.messages == []  # nothing went out anywhere ...
    assert len(_queued(scene.victim)) == 2  # ... and the reply and the acknowledgement still wait


# --- issue 10 #4: a symlink that would make tix read an outside file ------------------------------


def test_a_pushed_symlinked_template_never_sends_the_outside_file(scene: Scene, tmp_path: Path) -> None:
    (scene.mallory / "templates" / "ack.j2").unlink()
    os.symlink(scene.secret, scene.mallory / "templates" / "ack.j2")
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results)
    assert [results[name][0] for name in ("sync", "list", "show", "reply", "import", "send")] == [0] * 6
    warning = "template 'ack': templates/ack.j2 is a symlink; templates are read only as regular files"
    assert results["preview"][:3] == (1, "", f"tix: error: {warning}\n")
    assert results["import"][2] == f"tix: warning: no acknowledgements sent: {warning}\n"
    assert "Ola" in results["list after"][1]  # the new mail is filed, unacknowledged
    assert len(scene.our_mail.messages) == 1 and _queued(scene.victim) == []  # the reply went out


def test_a_pushed_symlinked_templates_folder_is_never_read(scene: Scene, tmp_path: Path) -> None:
    elsewhere = scene.outside / "templates"
    elsewhere.mkdir()
    (elsewhere / "ack.j2").write_text(scene.secret.read_text(encoding="utf-8"), encoding="utf-8")
    git(scene.mallory, "rm", "-rq", "templates")
    os.symlink(elsewhere, scene.mallory / "templates")
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results)
    assert results["preview"][0] == 1 and "templates/ is a symlink" in results["preview"][2]
    assert results["import"][0] == 0 and "no acknowledgements sent" in results["import"][2]
    assert "templates/ is a symlink" in results["import"][2]
    assert results["reply"][0] == 1 and "templates/ is a symlink" in results["reply"][2]  # -m uses templates/blank.j2
    assert results["send"][:2] == (0, "sent 0 messages\n")


def test_a_pushed_symlinked_tix_yaml_is_never_read(scene: Scene, tmp_path: Path) -> None:
    """An outside file that is a valid config would put its text in every mail (here: the From)."""
    outside_config = scene.outside / "config.yaml"
    scene.config(lambda c: c["helpdesk"].update(name=MARKER))
    (scene.mallory / "tix.yaml").rename(outside_config)
    git(scene.mallory, "checkout", "-q", "--", "tix.yaml")
    (scene.mallory / "tix.yaml").unlink()
    os.symlink(outside_config, scene.mallory / "tix.yaml")
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results, filed=False)
    assert results["sync"][0] == 0
    refused = f"tix: error: {scene.victim / 'tix.yaml'}: a symlink (committed by someone?); the config is read only from a regular file\n"
    for name in ("list", "show", "preview", "reply", "import", "send"):
        assert results[name][:3] == (1, "", refused), name
    # the mail waits in the Maildir until a teammate's fix arrives (tix sync needs
    # the config too, so the victim pulls it with git)
    git(scene.mallory, "rm", "-q", "tix.yaml")
    git(scene.mallory, "checkout", "-q", "HEAD~1", "--", "tix.yaml")
    scene.push()
    git(scene.victim, "pull", "-q", "--no-rebase")
    assert "1 new ticket" in scene.team.ok("victim", "import", str(scene.maildir))
    assert MARKER not in scene.team.ok("victim", "reply", scene.ticket, "-t", "ack", "--preview")



def test_a_pushed_symlinked_message_id_secret_never_signs_with_an_outside_file(scene: Scene, tmp_path: Path) -> None:
    """.tix/secret -> the victim's SMTP password file: every Message-ID would carry an HMAC of the
    password, which mallory reads in the pushed outbox and can attack offline."""
    from tix.domain import identities as msgid

    password_file = Path(os.environ["HOME"]) / ".config" / "tix" / "smtp-password"
    password_file.parent.mkdir(parents=True)
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    (scene.mallory / ".tix").mkdir(exist_ok=True)
    (scene.mallory / ".tix" / "secret").unlink(missing_ok=True)
    os.symlink(password_file, scene.mallory / ".tix" / "secret")
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results)
    followup = make_eml(subject="Re: Printer on fire", message_id="<f1@example.pl>",
                        in_reply_to=f"<tix.{scene.ticket}.ABCDEFGH.TIX.0123456789abcdef@example.com>")  # fmt: skip
    second = make_maildir(tmp_path / "Maildir2", {"1.a": make_eml(message_id="<n2@example.pl>", subject="Monitor"), "2.b": followup})
    results["follow-up"] = scene.team.run("victim", "import", str(second)) + (0.0,)
    found = re.findall(r"<tix\.[^>]+>", "".join(out for _, out, _, _ in results.values()) + git(scene.victim, "log", "-p", "--all"))
    found += [mid for message in scene.our_mail.messages for mid in re.findall(r"<tix\.[^>]+>", message.decode())]
    assert not any(msgid.verify(mid, PASSWORD.encode()) for mid in found)
    refused = "refusing to read .tix/secret: it is a symlink (committed by someone?); restore it with git"
    for name in ("preview", "reply"):  # nothing is signed with it: the agent is told why
        assert results[name][:3] == (1, "", f"tix: error: {refused}\n"), name
    assert results["import"][2] == f"tix: warning: no acknowledgements sent: {refused}\n"
    code, out, err, _ = results["follow-up"]  # intake goes on: nothing can prove a reference ours
    assert code == 0 and "2 new tickets" in out
    assert f"tix: warning: no Message-ID can be verified as ours: {refused}\n" in err and err.count("\n") == 2
    assert git(scene.victim, "status", "--porcelain") == ""




@pytest.mark.parametrize("kind", ["symlink", "no-from"])
def test_a_pushed_outbox_message_never_sends_an_outside_file(scene: Scene, tmp_path: Path, kind: str) -> None:
    """A queued message with no state counts as the victim's own: `tix send` delivers it, so it
    must be a regular file inside the helpdesk (and a hand-made one without From is no traceback)."""
    queue = scene.mallory / "outbox" / "queue"
    queue.mkdir(parents=True, exist_ok=True)
    if kind == "symlink":
        scene.secret.write_text(f"From: jan@example.pl\nTo: mallory@evil.example\nSubject: x\n\n{MARKER}\n", encoding="utf-8")
        os.symlink(scene.secret, queue / "EVIL.eml")
    else:
        (queue / "EVIL.eml").write_text("To: mallory@evil.example\nSubject: x\n\nhello\n", encoding="utf-8")
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results)
    assert [results[name][0] for name in ("sync", "list", "show", "preview", "reply", "import")] == [0] * 6
    code, out, err, _ = results["send"]
    why = "refusing to read outbox/queue/EVIL.eml: it is a symlink (committed by someone?)" if kind == "symlink" else "no From address"
    assert (code, out) == (1, "sent 2 messages, 1 still queued\n") and why in err and err.count("\n") == 1, err
    assert err.startswith("tix: warning: EVIL: ") and err.endswith(" (stays queued)\n")
    assert len(scene.our_mail.messages) == 2  # the victim's reply and acknowledgement went out
    assert all(b"evil.example" not in message for message in scene.our_mail.messages)




@pytest.mark.parametrize("what", ["file", "shard"])
def test_a_pushed_symlinked_ticket_file_is_never_read(scene: Scene, tmp_path: Path, what: str) -> None:
    """tickets/ZZ/ZZZZZZZZ/ticket.md (or the shard tickets/ZZ) -> outside: `list` would show what it holds."""
    text = (scene.mallory / "tickets").joinpath(*scene.ticket_path()).read_text(encoding="utf-8")
    text = text.replace("Printer on fire", MARKER).replace(scene.ticket, "ZZZZZZZZ")  # a valid ticket file
    if what == "file":
        scene.secret.write_text(text, encoding="utf-8")
        (scene.mallory / "tickets" / "ZZ" / "ZZZZZZZZ").mkdir(parents=True)
        os.symlink(scene.secret, scene.mallory / "tickets" / "ZZ" / "ZZZZZZZZ" / "ticket.md")
        why = "it is a symlink (committed by someone?); remove it with git rm"
    else:
        (scene.outside / "ZZ" / "ZZZZZZZZ").mkdir(parents=True)
        (scene.outside / "ZZ" / "ZZZZZZZZ" / "ticket.md").write_text(text, encoding="utf-8")
        os.symlink(scene.outside / "ZZ", scene.mallory / "tickets" / "ZZ")
        why = "refusing to read below tickets/ZZ: it is a symlink (committed by someone?); remove it with git rm"
    scene.push()
    results = scene.everyday(tmp_path)
    results["show it"] = scene.team.run("victim", "show", "ZZZZZZZZ") + (0.0,)
    results["list all"] = scene.team.run("victim", "list", "--all", "-f", "json") + (0.0,)
    scene.assert_contained(results)
    assert [results[name][0] for name in ("sync", "list", "show", "preview", "reply", "import", "send")] == [0] * 7
    warning = f"tix: warning: tickets/ZZ/ZZZZZZZZ/ticket.md: {why}\n"
    assert results["list"][2] == warning and results["list all"][2] == warning
    assert results["show it"][:2] == (1, "") and "symlink" in results["show it"][2]


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_pushed_symlink_in_quarantine_is_never_filed(scene: Scene, tmp_path: Path, what: str) -> None:
    """quarantine/X.eml -> an outside file: `import --retry-quarantine` would file it as a ticket,
    which the next sync pushes to mallory."""
    if what == "file":
        (scene.mallory / "quarantine").mkdir(exist_ok=True)
        os.symlink(scene.secret, scene.mallory / "quarantine" / "0123456789.eml")
    else:
        (scene.outside / "q").mkdir()
        (scene.outside / "q" / "0123456789.eml").write_text(scene.secret.read_text(encoding="utf-8"), encoding="utf-8")
        os.symlink(scene.outside / "q", scene.mallory / "quarantine")
    scene.push()
    results = scene.everyday(tmp_path)
    results["retry"] = scene.team.run("victim", "import", "--retry-quarantine") + (0.0,)
    results["sync after"] = scene.team.run("victim", "sync") + (0.0,)
    scene.assert_contained(results)  # also: nothing of it in the victim's commits, which the sync pushed
    assert [results[name][0] for name in ("sync", "list", "show", "preview", "reply", "import", "send", "sync after")] == [0] * 8
    code, out, err, _ = results["retry"]
    if what == "file":
        assert (code, err) == (0, "tix: warning: quarantine/0123456789.eml: not a regular file (a symlink committed by someone?); skipped\n")
        assert "imported 0 messages" in out
    else:
        assert (code, out) == (1, "") and "refusing to read below quarantine: it is a symlink (committed by someone?)" in err and err.count("\n") == 1


# --- issue 10 #8: a routing rule with a catastrophic regular expression ----------------------------


def test_a_pushed_catastrophic_rule_never_stalls_the_victims_import(scene: Scene, tmp_path: Path) -> None:
    rules = [{"name": "report", "match": {"subject": "^(a+)+$"}, "set": {"priority": "urgent"}},  # the report's pattern
             {"name": "mallory-stall", "match": {"subject": "(a|aa)+b"}, "set": {"priority": "urgent"}}]  # fmt: skip
    scene.config(lambda c: c.update(rules=rules))
    scene.push()
    results = scene.everyday(tmp_path, subject="a" * 34 + "!")  # backtracking without a limit: minutes under the lock
    scene.assert_contained(results)  # every command under 10 s
    assert [results[name][0] for name in ("sync", "list", "show", "preview", "reply", "import", "send")] == [0] * 7
    code, out, err, seconds = results["import"]
    assert err == "tix: warning: rule 'mallory-stall': a pattern took longer than 0.5 s; counted as not matching\n"
    assert "1 new ticket" in out
    [row] = [line for line in results["list after"][1].splitlines() if "a" * 34 in line]
    assert " normal " in row  # neither rule matched
    assert len(scene.our_mail.messages) == 2  # the reply and the acknowledgement went out


# --- issue 10 #9: a broken (or hostile) ack template -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Subject: Re {{ ticket.subject }\n\n{{ 1 / 0 }}\n", "unexpected '}'"),
        ("Subject: x\n\n{% include 'SECRET' %}\n", "{% include %} is not allowed"),
        ("Subject: x\n\n{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}\n", "unsafe"),
    ],
    ids=["syntax", "include-outside", "sandbox-escape"],
)
def test_a_pushed_broken_ack_template_never_stops_intake(scene: Scene, tmp_path: Path, body: str, reason: str) -> None:
    body = body.replace("SECRET", str(scene.secret)).replace("PWNED", str(scene.pwned))
    (scene.mallory / "templates" / "ack.j2").write_text(body, encoding="utf-8")
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results)
    assert [results[name][0] for name in ("sync", "list", "show", "reply", "import", "send")] == [0] * 6
    code, out, err, _ = results["preview"]
    assert code == 1 and err.startswith("tix: error: template 'ack': ") and reason in err
    code, out, err, _ = results["import"]
    assert "1 new ticket" in out and err.startswith("tix: warning: no acknowledgements sent: template 'ack': ")
    assert reason in err and err.count("\n") == 1
    assert len(scene.our_mail.messages) == 1  # the agent's reply went out; no acknowledgement


# --- hostile numbers in tix.yaml (issue 9 #20), pushed ---------------------------------------------


@pytest.mark.parametrize(("section", "key", "value"), [("mail", "batch", float("inf")), ("mail", "timeout", float("nan")),
                                                       ("autoack", "limit", 10**30)], ids=["batch-inf", "timeout-nan", "limit-1e30"])  # fmt: skip
def test_a_pushed_infinite_number_is_one_line_naming_the_key(scene: Scene, tmp_path: Path, section: str, key: str, value: Any) -> None:
    scene.config(lambda c: c[section].update({key: value}))
    scene.push()
    results = scene.everyday(tmp_path)
    scene.assert_contained(results, filed=False)
    assert results["sync"][0] == 0
    for name in ("list", "show", "preview", "reply", "import", "send"):
        code, out, err, _ = results[name]
        assert (code, out) == (1, "") and err.startswith(f"tix: error: {section}.{key}: ") and err.count("\n") == 1, name
    # the mail waits in the Maildir until a teammate's fix arrives (tix sync needs
    # a valid config too, so the victim pulls it with git)
    scene.config(lambda c: c[section].pop(key))
    scene.push()
    git(scene.victim, "pull", "-q", "--no-rebase")
    assert "1 new ticket" in scene.team.ok("victim", "import", str(scene.maildir))
