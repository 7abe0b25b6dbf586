"""A real Dovecot IMAP server for the tests (issue 16), on 127.0.0.1, unprivileged.

Debian's `dovecot-imapd` (installed by .ci/run). Each server gets its own folder with a config, a
passwd-file user (alice / secret), a Maildir and a test certificate, and listens on two free ports:
IMAP with STARTTLS and IMAPS. Dovecot's login process refuses to run as root, and CI runs as root:
there the server runs as a throwaway system user (`runuser`), which owns the folder. Where Dovecot is
missing, the tests skip with the reason — except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import free_port

USER = "tixdovecot"  # the throwaway system user the server runs as when the tests run as root
LOGIN, PASSWORD = "alice", "secret"


def dovecot_binary() -> str:
    """The dovecot command; skips the test without it (fails in CI, which must have it)."""
    found = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)
    if found and (shutil.which("doveadm") or os.path.exists("/usr/bin/doveadm")):
        return found
    reason = "Dovecot is not installed (apt-get install dovecot-imapd; .ci/run installs it)"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(reason + ", and CI=true: the IMAP tests must run in CI")
    pytest.skip(reason)


def _run_as() -> tuple[list[str], int, int]:
    """The command prefix, uid and gid the server runs with: a throwaway user for root."""
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                       capture_output=True, check=False)  # fmt: skip  (a parallel worker may have made it)
        entry = pwd.getpwnam(USER)
    return ["runuser", "-u", USER, "--"], entry.pw_uid, entry.pw_gid


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (cert, key)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


CONFIG = """\
base_dir = {d}/base
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = 0
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
  default_fields = uid={user} gid={group}
}}
protocol imap {{
  imap_capability = {capability}
  rawlog_dir = {d}/rawlog
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot:
    """One server: start, stop, restart; its Maildir; a client to append with."""

    def __init__(self, without: tuple[str, ...] = (), rawlog: bool = False) -> None:
        self.binary = dovecot_binary()
        self.prefix, self.uid, self.gid = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="tix-dovecot-"))
        os.chmod(self.dir, 0o755)
        self.port, self.tls_port = free_port(), free_port()
        self.cert, _ = certificate(self.dir)
        self.home = self.dir / "mail" / LOGIN
        self.maildir = self.home / "Maildir"
        user, group = pwd.getpwuid(self.uid).pw_name, _group_name(self.gid)
        capability = "+" if not without else ""  # a list of our own: the server's default, minus some
        if without:
            base = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT LITERAL+ UIDPLUS MOVE NAMESPACE CHILDREN UNSELECT"
            capability = " ".join(word for word in base.split() if word not in without)
        (self.dir / "passwd").write_text(f"{LOGIN}:{{PLAIN}}{PASSWORD}::::{self.home}::\n", encoding="utf-8")
        (self.dir / "dovecot.conf").write_text(
            CONFIG.format(d=self.dir, user=user, group=group, port=self.port, tls_port=self.tls_port,
                          capability=capability or "+"), encoding="utf-8")  # fmt: skip
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        if rawlog:  # Dovecot writes each session's traffic there only if the folder exists
            (self.dir / "rawlog").mkdir()
        self._own()
        self.start()

    def _own(self) -> None:
        if os.geteuid() == 0:
            for path in [self.dir, *self.dir.rglob("*")]:
                os.lchown(path, self.uid, self.gid)

    def start(self) -> None:
        # no pipes: the daemon keeps its standard streams, and capture_output would wait for them forever
        subprocess.run([*self.prefix, self.binary, "-c", str(self.dir / "dovecot.conf")], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with _plain_socket(self.port):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"dovecot did not start: {(self.dir / 'dovecot.log').read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        """SIGKILL to the server's process group (a clean stop takes seconds), then wait until it is gone."""
        import signal

        try:
            pid = int((self.dir / "base" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.killpg(pid, signal.SIGKILL)  # the master and its children (it made the group when it daemonised)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.01)
        while _listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def renumber(self) -> None:
        """Force a UIDVALIDITY change: stop, delete the index files and the UID list, start."""
        self.stop()
        for path in self.maildir.rglob("dovecot*"):
            if path.is_file():
                path.unlink()
        self.start()

    def sessions(self) -> list[list[str]]:
        """With `rawlog=True`: the commands each IMAP session sent (tag dropped, literals left
        out), oldest session first — what tix asked of the server, as the server saw it."""
        import re

        command = re.compile(r"^[0-9.]+ [A-Z]+[0-9]+ (.*)$")
        found = []
        for path in (self.dir / "rawlog").glob("*.in"):
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            started = float(lines[0].split(" ", 1)[0]) if lines else 0.0  # each line begins with its time
            found.append((started, [m.group(1) for line in lines if (m := command.match(line))]))
        return [commands for _, commands in sorted(found)]

    # --- as a mail client --------------------------------------------------------------

    def client(self):  # type: ignore[no-untyped-def]
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=30)
        client.login(LOGIN, PASSWORD)
        return client

    def append(self, messages: list[bytes], folder: str = "INBOX", flags: tuple[bytes, ...] = ()) -> None:
        with self.client() as client:
            for raw in messages:
                client.append(folder, raw, flags)

    def create(self, folder: str) -> None:
        with self.client() as client:
            client.create_folder(folder)

    def uids(self, folder: str = "INBOX", criteria: str = "ALL") -> list[int]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search(criteria))

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()} if uids else {}

    def account(self, name: str = "support", tls: str = "starttls", after: str = "keep", **more: str) -> dict[str, object]:
        """tix.yaml's imap.NAME for this server (the password from TIX_IMAP_PASSWORD)."""
        url = f"imaps://127.0.0.1:{self.tls_port}/INBOX" if tls == "imaps" else f"imap://127.0.0.1:{self.port}/INBOX"
        fields: dict[str, object] = {"url": url, "user": LOGIN, "after": after, "password_env": "TIX_IMAP_PASSWORD",
                                     "ca_file": str(self.cert)}  # fmt: skip
        if tls == "none":
            fields["tls"] = "none"
        fields.update(more)
        return fields


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def _plain_socket(port: int):  # type: ignore[no-untyped-def]
    import socket

    return socket.create_connection(("127.0.0.1", port), timeout=1)


def _listening(port: int) -> bool:
    try:
        with _plain_socket(port):
            return True
    except OSError:
        return False
