"""`tix sync`: fetch, merge (ticket files field by field), push — retrying when a teammate
pushed in between. The remote is any git remote; there is no tix server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tix.errors import GitError, TixError
from tix.messages import count
from tix.services.desk import Desk
from tix.storage.gitrepo import ensure_merge_driver
from tix.storage.journal import ImportJournal
from tix.storage.layout import TICKET_FILE, TICKETS_DIR, Helpdesk

DELETE_LIMIT = 10  # pushing more ticket deletions than this at once needs --force
MAX_ATTEMPTS = 5


class RemoteUnreachable(TixError):
    exit_code = 75


@dataclass
class SyncResult:
    remote: str
    branch: str
    pulled: int = 0
    pushed: int = 0
    attempts: int = 1

    def summary(self) -> str:
        return f"synced with {self.remote}/{self.branch}: {count(self.pulled, 'commit')} in, {count(self.pushed, 'commit')} out"


def _classify(error: GitError, remote: str) -> TixError:
    text = error.detail.lower()
    if any(s in text for s in ("authentication failed", "permission denied", "could not read username",
                               "terminal prompts disabled", "403", "401")):  # fmt: skip
        return TixError(f"{remote}: authentication failed ({error.message})")
    if any(s in text for s in ("does not appear to be a git repository", "repository not found", "not found")):
        return TixError(f"{remote}: no such repository ({error.message})")
    return RemoteUnreachable(f"{remote}: cannot reach the remote; try again later ({error.message})")


def sync(desk: Desk, remote: str | None = None, force: bool = False) -> SyncResult:
    hd = desk.hd
    git = hd.git
    desk.actor  # noqa: B018  fail on a missing identity before touching the remote
    with hd.locked():
        ensure_merge_driver(hd.git)
        ImportJournal(hd).recover(desk.actor, desk.now())  # an import killed before its commit: finish it first
        branch = _branch(hd)
        remote = remote or _default_remote(hd, branch)
        result = SyncResult(remote, branch)
        env = {"GIT_TERMINAL_PROMPT": "0"}
        if "GIT_SSH_COMMAND" not in os.environ:
            env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=20"
        tracking = f"refs/remotes/{remote}/{branch}"
        for attempt in range(1, MAX_ATTEMPTS + 1):
            result.attempts = attempt
            try:
                git.run("fetch", "--quiet", remote, f"+refs/heads/{branch}:{tracking}", env=env)
            except GitError as exc:
                if "couldn't find remote ref" not in exc.message.lower():
                    raise _classify(exc, remote) from None
            remote_head = _rev(hd, tracking)
            if remote_head:
                result.pulled += _count(hd, f"HEAD..{remote_head}")
                _merge(desk, remote_head, f"{remote}/{branch}")
                fold_duplicates(desk)
                _guard_deletions(hd, remote_head, force)
                outgoing = _count(hd, f"{remote_head}..HEAD")
            else:
                outgoing = _count(hd, "HEAD")
            if outgoing == 0:
                return result
            try:
                git.run("push", "--quiet", remote, f"HEAD:refs/heads/{branch}", env=env)
                result.pushed = outgoing
                git.run("update-ref", tracking, "HEAD")
                return result
            except GitError as exc:
                text = exc.detail.lower()
                if "rejected" in text or "fetch first" in text or "non-fast-forward" in text:
                    continue  # a teammate pushed in between: fetch and merge again
                raise _classify(exc, remote) from None
        raise RemoteUnreachable(f"{remote} kept changing during {MAX_ATTEMPTS} attempts; try again")


def _branch(hd: Helpdesk) -> str:
    try:
        return hd.git.run("symbolic-ref", "--short", "-q", "HEAD")
    except GitError:
        raise TixError("HEAD is detached: check out a branch before syncing") from None


def _default_remote(hd: Helpdesk, branch: str) -> str:
    configured = hd.git.config_value(f"branch.{branch}.remote")
    if configured:
        return configured
    remotes = hd.git.run("remote").split()
    if "origin" in remotes:
        return "origin"
    if len(remotes) == 1:
        return remotes[0]
    if not remotes:
        raise TixError("no remote to sync with: add one, e.g. git remote add origin git@example.com:team/helpdesk.git")
    raise TixError(f"several remotes ({', '.join(remotes)}): say which, e.g. tix sync {remotes[0]}")


def _rev(hd: Helpdesk, ref: str) -> str | None:
    try:
        return hd.git.run("rev-parse", "--verify", "-q", ref + "^{commit}") or None
    except GitError:
        return None


def _count(hd: Helpdesk, revisions: str) -> int:
    if hd.git.head() is None:
        return 0
    return int(hd.git.run("rev-list", "--count", revisions))


def _merge(desk: Desk, remote_head: str, label: str) -> None:
    hd = desk.hd
    git = hd.git
    head = git.head()
    if head is None:
        git.run("reset", "-q", "--hard", remote_head)  # an empty clone takes the remote as it is
        return
    if _count(hd, f"HEAD..{remote_head}") == 0:
        return  # nothing new there
    if _count(hd, f"{remote_head}..HEAD") == 0:
        _run_merge(desk, ["merge", "--quiet", "--ff-only", remote_head])
        return
    message = f"tix: sync with {label}\n\nTix-Action: sync\n"
    _run_merge(desk, ["merge", "--quiet", "--no-ff", "--no-edit", "-m", message, remote_head])


def _run_merge(desk: Desk, args: list[str]) -> None:
    """Run `git merge`; conflicted ticket files are merged here, in this one process (git would
    start the merge driver once per file, ~90 ms each). Anything else conflicted aborts."""
    git = desk.hd.git
    env = git.identity_env(desk.actor)
    try:
        git.run("-c", "merge.tix.driver=false", *args, env=env)
        return
    except GitError as exc:
        unmerged = _unmerged(desk.hd)
        if not unmerged:
            if "would be overwritten" in exc.detail or "local changes" in exc.detail.lower():
                raise TixError("uncommitted changes would be overwritten by the merge: commit or stash them, then sync") from None
            raise
    others = [path for path in unmerged if not _is_ticket_file(path)]
    try:
        if others:
            raise TixError(f"cannot merge automatically: {', '.join(sorted(others)[:5])}; nothing was changed "
                           "(resolve with git merge, or ask the teammate who changed it)")  # fmt: skip
        _resolve_tickets(desk.hd, unmerged)
    except BaseException:
        git.run("merge", "--abort")
        raise
    git.run("commit", "-q", "--no-edit", "--no-verify", env=env)


def _is_ticket_file(path: str) -> bool:
    return path.startswith(TICKETS_DIR + "/") and path.endswith("/" + TICKET_FILE)


def _unmerged(hd: Helpdesk) -> dict[str, dict[int, str]]:
    """Unmerged paths and their index stages (1 base, 2 ours, 3 theirs) -> blob ids."""
    stages: dict[str, dict[int, str]] = {}
    for record in hd.git.run("ls-files", "-u", "-z", strip=False).split("\0"):
        if record:
            meta, _, path = record.partition("\t")
            _, oid, stage = meta.split()
            stages.setdefault(path, {})[int(stage)] = oid
    return stages


def _resolve_tickets(hd: Helpdesk, unmerged: dict[str, dict[int, str]]) -> None:
    from tix.storage.files import write_atomic
    from tix.storage.mergedriver import MergeRefused, merge_texts

    blobs = hd.git.read_blobs([oid for stages in unmerged.values() for oid in stages.values()])
    def text(oid: str) -> str:
        return blobs[oid].decode("utf-8", errors="replace")
    for path, stages in sorted(unmerged.items()):
        if 2 not in stages or 3 not in stages:
            merged = text(stages.get(2) or stages[3])  # deleted on one side, changed on the other: keep it
        else:
            try:
                merged = merge_texts(text(stages[1]) if 1 in stages else None, text(stages[2]), text(stages[3]), path)
            except MergeRefused as exc:
                raise TixError(f"cannot merge automatically: {exc}") from None
        write_atomic(hd.root / path, merged)
    names = "\0".join(unmerged).encode("utf-8", "surrogateescape") + b"\0"
    hd.git.run("update-index", "--add", "-z", "--stdin", stdin=names)


def _guard_deletions(hd: Helpdesk, remote_head: str, force: bool) -> None:
    """Refuse to push a change that deletes many tickets at once (a broken clone, a bad script)."""
    output = hd.git.run("diff", "--name-only", "--diff-filter=D", "-z", remote_head, "HEAD", "--", TICKETS_DIR, strip=False)
    deleted = [p for p in output.split("\0") if p.endswith("/" + TICKET_FILE)]
    if len(deleted) > DELETE_LIMIT and not force:
        raise TixError(f"refusing to push the deletion of {len(deleted)} tickets (more than {DELETE_LIMIT}); "
                       "if that is really meant, run tix sync --force")  # fmt: skip


def fold_duplicates(desk: Desk) -> list[str]:
    """After a merge: one mail that two clones filed on different tickets (one had the message
    it answers, the other did not) ends up on two tickets. The ticket that this very mail
    opened is folded into the other one — the same decision in every clone, so they converge.
    Returns a line per fold; commits them as one change."""
    from tix.domain import ids
    from tix.storage.index import Index

    hd = desk.hd
    with Index.current(hd) as index:
        shared = index.shared_messages()
    folds: dict[str, str] = {}
    for message_id, holders in sorted(shared.items()):
        opened = [t for t in holders if t in {ids.derived_id(message_id, k) for k in range(4)}]
        others = [t for t in holders if t not in opened and t not in folds]
        if len(opened) == 1 and others and opened[0] not in folds:
            folds[opened[0]] = others[0]
    if not folds:
        return []
    changed: list[str] = []
    lines = []
    for source_id, target_id in folds.items():
        changed += _fold(hd, source_id, target_id)
        lines.append(f"{source_id} folded into {target_id}")
    message = "tix: fold tickets that one mail opened twice\n\n" + "\n".join(lines) + "\n\nTix-Action: fold\n"
    actor = desk.actor
    hd.git.commit(sorted(set(changed)), message, actor, desk.now())
    return lines


def _fold_delivery(hd: Helpdesk, source: Any, target: Any, changed: list[str]) -> None:
    """The source's replies still in the outbox stay undelivered on the target, and are
    recorded there when delivered; the earlier first response is kept."""
    from tix.domain import sla
    from tix.mail import outbox as mailout

    sla.set_undelivered(target, [*sla.undelivered(target), *sla.undelivered(source)])
    answered = [t.extra["first_response"] for t in (target, source) if isinstance(t.extra.get("first_response"), datetime)]
    if answered:
        target.extra["first_response"] = min(answered)
    changed += mailout.retarget(hd, source.id, target.id)


def _fold(hd: Helpdesk, source_id: str, target_id: str) -> list[str]:
    """Move the source ticket's conversation and files into the target; delete the source."""
    import shutil

    from tix.storage.layout import ticket_relpath

    source, target = hd.load(source_id), hd.load(target_id)
    known = {entry.id for entry in target.entries}
    source_dir = hd.path_of(source_id).parent
    target_dir = hd.path_of(target_id).parent
    changed = [ticket_relpath(source_id), ticket_relpath(target_id)]
    for entry in source.entries:
        if entry.id in known:
            continue
        target.entries.append(entry)
        if (source_dir / entry.id).is_dir() and not (target_dir / entry.id).exists():
            shutil.copytree(source_dir / entry.id, target_dir / entry.id)
    target.entries.sort(key=lambda e: (e.time, e.id))
    target.message_ids = sorted(set(target.message_ids) | set(source.message_ids))
    references = {str(r) for t in (target, source) for r in t.extra.get("references") or []} - set(target.message_ids)
    if references:
        target.extra["references"] = sorted(references)
    else:
        target.extra.pop("references", None)
    target.participants = sorted(set(target.participants) | set(source.participants) | {source.requester.email}
                                 - {target.requester.email})  # fmt: skip
    _fold_delivery(hd, source, target, changed)
    target.updated = max(target.updated, source.updated)
    hd.save(target)
    for path in sorted(source_dir.rglob("*"), reverse=True):
        changed.append(str(path.relative_to(hd.root)))
        path.unlink() if path.is_file() else path.rmdir()
    source_dir.rmdir()
    changed += [str(p.relative_to(hd.root)) for p in target_dir.rglob("*") if p.is_file()]
    return [path for path in changed if not (hd.root / path).is_dir()]
