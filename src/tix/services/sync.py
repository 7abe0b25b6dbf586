"""`tix sync`: fetch, merge (ticket files field by field), push — retrying when a teammate
pushed in between. The remote is any git remote; there is no tix server.
"""

from __future__ import annotations

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
        branch = git.current_branch()
        if branch is None:
            raise TixError("HEAD is detached: check out a branch before syncing")
        remote = remote or _default_remote(hd, branch)
        result = SyncResult(remote, branch)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            result.attempts = attempt
            try:
                remote_head = git.fetch_branch(remote, branch)
            except GitError as exc:
                raise _classify(exc, remote) from None
            if remote_head:
                result.pulled += git.count_commits(remote_head, not_in="HEAD")
                _merge(desk, remote_head, f"{remote}/{branch}")
                fold_duplicates(desk)
                _guard_deletions(hd, remote_head, force)
                outgoing = git.count_commits("HEAD", not_in=remote_head)
            else:
                outgoing = git.count_commits("HEAD")
            if outgoing == 0:
                return result
            try:
                if not git.push_branch(remote, branch):
                    continue  # a teammate pushed in between: fetch and merge again
            except GitError as exc:
                raise _classify(exc, remote) from None
            result.pushed = outgoing
            return result
        raise RemoteUnreachable(f"{remote} kept changing during {MAX_ATTEMPTS} attempts; try again")


def _default_remote(hd: Helpdesk, branch: str) -> str:
    configured = hd.git.upstream_remote(branch)
    if configured:
        return configured
    remotes = hd.git.remotes()
    if "origin" in remotes:
        return "origin"
    if len(remotes) == 1:
        return remotes[0]
    if not remotes:
        raise TixError("no remote to sync with: add one, e.g. git remote add origin git@example.com:team/helpdesk.git")
    raise TixError(f"several remotes ({', '.join(remotes)}): say which, e.g. tix sync {remotes[0]}")


def _merge(desk: Desk, remote_head: str, label: str) -> None:
    git = desk.hd.git
    if git.head() is None:
        git.reset_to(remote_head)  # an empty clone takes the remote as it is
        return
    if git.count_commits(remote_head, not_in="HEAD") == 0:
        return  # nothing new there
    if git.count_commits("HEAD", not_in=remote_head) == 0:
        _run_merge(desk, remote_head, None)  # a fast-forward
        return
    _run_merge(desk, remote_head, f"tix: sync with {label}\n\nTix-Action: sync\n")


def _run_merge(desk: Desk, remote_head: str, message: str | None) -> None:
    """Merge; conflicted ticket files are merged here, in this one process (git would start the
    merge driver once per file). Anything else conflicted aborts."""
    git = desk.hd.git
    env = git.identity_env(desk.actor)
    try:
        git.merge(remote_head, env, message)
        return
    except GitError as exc:
        unmerged = git.unmerged()
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
        git.abort_merge()
        raise
    git.commit_merge(env)


def _is_ticket_file(path: str) -> bool:
    return path.startswith(TICKETS_DIR + "/") and path.endswith("/" + TICKET_FILE)


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
    hd.git.mark_resolved(list(unmerged))


def _guard_deletions(hd: Helpdesk, remote_head: str, force: bool) -> None:
    """Refuse to push a change that deletes many tickets at once (a broken clone, a bad script)."""
    deleted = [p for p in hd.git.deleted_paths(remote_head, "HEAD", TICKETS_DIR) if p.endswith("/" + TICKET_FILE)]
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
