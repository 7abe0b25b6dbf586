"""`tix sync`: fetch, merge (ticket files field by field), push — retrying when a teammate
pushed in between. The remote is any git remote; there is no tix server.
"""

from __future__ import annotations

from collections.abc import Callable

from tix import messages as msg
from tix.domain import commits
from tix.domain.record import Record
from tix.errors import GitError, TixError
from tix.services.desk import Desk
from tix.storage.files import write_atomic
from tix.storage.gitrepo import ensure_merge_driver
from tix.storage.journal import ImportJournal
from tix.storage.layout import TICKET_FILE, TICKETS_DIR, Helpdesk

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

DELETE_LIMIT = 10  # pushing more ticket deletions than this at once needs --force
MAX_ATTEMPTS = 5
FOLDED_FILE = "folded"  # in .git/tix: the commit fold_duplicates last looked at


class RemoteUnreachable(TixError):
    exit_code = 75


class SyncResult(Record):
    __slots__ = ("remote", "branch", "pulled", "pushed", "attempts")
    remote: str
    branch: str
    pulled: int
    pushed: int
    attempts: int

    def __init__(self, remote: str, branch: str, pulled: int = 0, pushed: int = 0, attempts: int = 1) -> None:
        self.remote = remote
        self.branch = branch
        self.pulled = pulled
        self.pushed = pushed
        self.attempts = attempts

    def summary(self) -> str:
        return msg.synced(self.remote, self.branch, self.pulled, self.pushed)


def _classify(error: GitError, remote: str) -> TixError:
    """tix's line for a failed fetch or push, and below it all that git said (its last line
    alone is often "fatal: Could not read from remote repository.", which explains nothing)."""
    text = error.detail.lower()
    if any(s in text for s in ("authentication failed", "permission denied", "could not read username",
                               "terminal prompts disabled", "403", "401")):  # fmt: skip
        return TixError(_with_git_said(msg.sync_authentication_failed, remote, error))
    if any(s in text for s in ("does not appear to be a git repository", "repository not found", "not found")):
        return TixError(_with_git_said(msg.sync_no_repository, remote, error))
    return RemoteUnreachable(_with_git_said(msg.sync_unreachable, remote, error))


def _with_git_said(summary: Callable[[str, str], str], remote: str, error: GitError) -> str:
    """`summary` with git's one line, or with 'git fetch failed' and everything git said below."""
    if len(error.detail.strip().splitlines()) <= 1:
        return summary(remote, error.message)
    return msg.git_said(summary(remote, error.message.partition(": ")[0]), error.detail)


def sync(desk: Desk, remote: str | None = None, force: bool = False) -> SyncResult:
    """Fetch, merge, fold duplicates, push. With nothing to do (the remote is at HEAD, whose
    duplicates were looked for already) it runs the fetch and the few git commands that find
    branch, remote and heads, nothing that grows with the tickets (issue 12; a test in
    tests/test_sync.py counts them)."""
    hd = desk.hd
    git = hd.git
    desk.actor  # noqa: B018  fail on a missing identity before touching the remote
    with hd.locked():
        ensure_merge_driver(hd.git)
        journal = ImportJournal(hd)
        if journal.path.exists():  # an import killed before its commit: finish it first
            journal.recover(desk.actor, desk.now())  # (now() reads tix.yaml: only when needed)
        branch = git.current_branch()
        if branch is None:
            raise TixError(msg.sync_detached())
        remote = remote or _default_remote(hd, branch)
        result = SyncResult(remote, branch)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            result.attempts = attempt
            try:
                head, remote_head = git.fetch_branch(remote, branch)
            except GitError as exc:
                raise _classify(exc, remote) from None
            if remote_head is not None:
                if remote_head != head:
                    pulled = _merge(desk, head, remote_head, f"{remote}/{branch}")
                    result.pulled += pulled
                    head = git.head() if pulled or head is None else head
                head = _fold_once(desk, head)
            if head is None or head == remote_head:  # in step (an unborn branch and an empty remote too)
                return result
            # HEAD holds the remote's commit now (merged above): it differs by what is to push
            if remote_head is not None:
                _guard_deletions(hd, remote_head, force)
            outgoing = git.count_commits(head, not_in=remote_head)
            try:
                if not git.push_branch(remote, branch):
                    continue  # a teammate pushed in between: fetch and merge again
            except GitError as exc:
                raise _classify(exc, remote) from None
            result.pushed = outgoing
            return result
        raise RemoteUnreachable(msg.sync_kept_changing(remote, MAX_ATTEMPTS))


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
        raise TixError(msg.sync_no_remote())
    raise TixError(msg.sync_which_remote(remotes))


def _merge(desk: Desk, head: str | None, remote_head: str, label: str) -> int:
    """Bring the remote's commits into HEAD; returns how many there were (0 for an empty
    clone, which takes the remote as it is)."""
    git = desk.hd.git
    if head is None:
        git.reset_to(remote_head)
        return 0
    ours, theirs = git.divergence(head, remote_head)
    if theirs == 0:
        return 0  # nothing new there
    if ours == 0:
        _run_merge(desk, remote_head, None)  # a fast-forward
    else:
        _run_merge(desk, remote_head, commits.message(msg.commit_sync(label), "sync"))
    return theirs


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
                raise TixError(msg.sync_local_changes()) from None
            raise
    others = [path for path in unmerged if not _is_ticket_file(path)]
    try:
        if others:
            raise TixError(msg.sync_cannot_merge_files(sorted(others)[:5]))
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
                raise TixError(msg.sync_cannot_merge(exc)) from None
        write_atomic(hd.root / path, merged)
    hd.git.mark_resolved(list(unmerged))


def _fold_once(desk: Desk, head: str | None) -> str | None:
    """fold_duplicates, unless it already looked at this very commit (it finds the same there
    again, and looking costs an index refresh: a stat of every ticket file). Returns HEAD after
    it. The commit last looked at is kept in .git/tix/folded; losing that costs one look."""
    if head is None:
        return None
    marker = desk.hd.state_dir / FOLDED_FILE
    try:
        if marker.read_text(encoding="utf-8").strip() == head:
            return head
    except (OSError, UnicodeDecodeError):
        pass
    if fold_duplicates(desk):
        head = desk.hd.git.head()
    if head is not None:
        write_atomic(marker, head + "\n")
    return head


def _guard_deletions(hd: Helpdesk, remote_head: str, force: bool) -> None:
    """Refuse to push a change that deletes many tickets at once (a broken clone, a bad script)."""
    deleted = [p for p in hd.git.deleted_paths(remote_head, "HEAD", TICKETS_DIR) if p.endswith("/" + TICKET_FILE)]
    if len(deleted) > DELETE_LIMIT and not force:
        raise TixError(msg.sync_too_many_deletions(len(deleted), DELETE_LIMIT))


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
        lines.append(msg.folded(source_id, target_id))
    message = commits.message(msg.commit_fold(), "fold", body="\n".join(lines))
    hd.git.commit(sorted(set(changed)), message, desk.actor, desk.now())
    return lines


def _fold_delivery(hd: Helpdesk, source: Any, target: Any, changed: list[str]) -> None:
    """The source's replies still in the outbox stay undelivered on the target, and are
    recorded there when delivered; the earlier first response is kept."""
    from tix.domain.sla import SlaState
    from tix.mail import outbox as mailout

    into, other = SlaState(target), SlaState(source)
    into.undelivered = [*into.undelivered, *other.undelivered]
    answered = [state.first_response for state in (into, other) if state.first_response is not None]
    if answered:
        into.first_response = min(answered)
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
