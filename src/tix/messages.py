"""User-facing wording shared across commands. `count(2, "message")` is "2 messages",
`count(1, "message")` is "1 message": no "1 messages" anywhere (issue 11 #3, the start of the
message catalogue)."""

from __future__ import annotations

IRREGULAR = {"follow-up": "follow-ups", "reply": "replies", "duplicate skipped": "duplicates skipped"}


def count(number: int, singular: str, plural: str | None = None) -> str:
    """The number (with thousands separators) and the noun in the right form."""
    if number == 1:
        return f"1 {singular}"
    return f"{number:,} {plural or IRREGULAR.get(singular) or singular + 's'}"


# ===== Services, CLI and render (issue 11 #3, round 3): the use cases' errors and change
# summaries, what the commands print. Kept together here, apart from the sections below. =====

# --- checking values against the configuration (services/desk.py) ------------------------


def unknown_configured(kind: str, name: str, known: list[str]) -> str:
    """`kind`: priority, category or queue (a status: filter_unknown_status)."""
    return f"unknown {kind} '{name}' (configured: {', '.join(known)})"


def unknown_channel(name: str, known: tuple[str, ...]) -> str:
    return f"unknown channel '{name}' (one of: {', '.join(known)})"


def owner_not_an_address(owner: str) -> str:
    return f"owner '{owner}' is not a mail address"


def assigned_by_tix(handle: str, how: str) -> str:
    """The routing note of an auto-assignment; `how`: assigned_least_open or assigned_round_robin."""
    return f"assigned to {handle} by tix ({how})"


def editor_failed(command: str, status: int) -> str:
    """`command`: the editor command, shell-quoted."""
    return f"the editor ({command}) exited with status {status}; nothing changed"


# --- what a change did to a ticket (the summary `tix` prints and the commit subject holds) -


def no_value() -> str:
    """How an empty field shows in a change summary and in the audit trail."""
    return "(none)"


def _shown(value: str | None) -> str:
    return value or no_value()


def changed(field: str, old: str | None, new: str | None) -> str:
    """"status new → open"; an empty value shows as (none)."""
    return f"{field} {_shown(old)} → {_shown(new)}"


def change_summary(parts: list[str]) -> str:
    return ", ".join(parts)


def tags_changed(added: list[str], removed: list[str]) -> str:
    return "tags " + " ".join([f"+{tag}" for tag in added] + [f"-{tag}" for tag in removed])


def ticket_created(subject: str) -> str:
    return f"new ticket: {subject}"


def note_added() -> str:
    return "note added"


def edited_by_hand() -> str:
    return "edited by hand"


def reply_added() -> str:
    return "reply"


def first_response_once_delivered() -> str:
    return "first response once delivered"


def nothing_to_change() -> str:
    return "nothing to change"


def change_done(ticket_id: str, summary: str) -> str:
    """What a ticket command prints: the ticket and its change summary (nothing_to_change when none)."""
    return f"{ticket_id}: {summary}"


# --- the ticket use cases (services/tickets.py, services/replies.py) ----------------------


def ticket_needs_subject() -> str:
    return "a ticket needs a subject"


def no_unused_id() -> str:
    return "could not find an unused ticket ID"


def ticket_not_closed(ticket_id: str, status: str) -> str:
    return f"{ticket_id} is not closed (status {status})"


def no_tags_given() -> str:
    return "no tags given (use +tag to add, -tag to remove)"


def bad_tag(tag: str) -> str:
    return f"'{tag}' is not a valid tag (no spaces or commas, not starting with + or -)"


def note_empty() -> str:
    return "the note is empty"


def edit_id_changed(old: str, new: str) -> str:
    return f"the id cannot be changed ({old} → {new})"


def edit_rejected(ticket_id: str, problem: str, draft: object) -> str:
    return f"edit rejected, {ticket_id} is unchanged: {problem} (your version: {draft})"


def edit_changed_meanwhile(ticket_id: str, draft: object) -> str:
    return f"edit rejected: {ticket_id} changed meanwhile (your version: {draft})"


def reply_what_to_send() -> str:
    return "say what to send: -t TEMPLATE, -m TEXT or --edit"


def reply_empty() -> str:
    return "the reply is empty"


# --- set-up: tix init, tix config set, tix rules test -------------------------------------


def init_config_exists(path: object) -> str:
    return f"{path} exists already; change it with `tix config set`"


def init_seed_unreadable(path: object, reason: object) -> str:
    """`reason`: the system's words (strerror)."""
    return f"--config: cannot read {path}: {reason}"


def init_seed_not_yaml(path: object) -> str:
    return f"--config: {path} is not valid YAML"


def init_seed_not_a_mapping(path: object) -> str:
    return f"--config: {path} must be a mapping of sections"


def initialized(root: object, written: list[str]) -> str:
    return f"Initialized helpdesk in {root} ({', '.join(written)})"


def already_a_helpdesk(root: object) -> str:
    return f"{root} is already a helpdesk; nothing to do"


def config_would_not_read_back(config_file: str) -> str:
    return f"internal error: {config_file} would not read back as written; nothing changed"


def config_unchanged(key: str) -> str:
    return f"{key}: unchanged"


def config_approved(key: str, value: str) -> str:
    return f"approved {key}={value}"


def config_nothing_to_approve() -> str:
    return "nothing to approve"


def rules_message_unreadable(path: object, reason: object) -> str:
    """`reason`: the system's words (strerror)."""
    return f"{path}: {reason}"


def rules_tested(path: object, fired: list[str], fields: str) -> str:
    """`fields`: what a new ticket would get, as key=value pairs (rules_defaults when none)."""
    return f"{path}: {', '.join(fired) or 'no rule'} → {fields}"


def rules_defaults() -> str:
    return "defaults"


def rules_robot(path: object, robot: str, status: str) -> str:
    """Robot mail: filed with a closed status, rules not applied."""
    return f"{path}: robot ({robot}) → {status}"


# --- listing tickets (tix list, tix log, tix reindex) -------------------------------------


def sort_unknown_key(name: str, known: tuple[str, ...]) -> str:
    return f"--sort: unknown key '{name}' (one of: {', '.join(known)})"


def no_tickets_match() -> str:
    return "no tickets match"


def no_history() -> str:
    return "no history yet"


def rules_picked_owner(handle: str, how: str) -> str:
    """`how`: assigned_least_open or assigned_round_robin."""
    return f"{handle} ({how})"


def trail_change(field: str, old: str, new: str) -> str:
    """A line of `tix log` under its commit; `old` and `new` as shown (no_value when empty)."""
    return f"    {field}: {old} → {new}"


def trail_entry(kind: str, author: str, what: str) -> str:
    """`what`: added, edited or removed."""
    if what == "added":
        return f"    + {kind} by {author}"
    return f"    {'~' if what == 'edited' else '-'} {kind} by {author} {what}"


def ticket_files(names: list[str]) -> str:
    """Beside a conversation entry: its files (the raw message.eml only when there is nothing else)."""
    return f"files: {', '.join(name for name in names if name != 'message.eml') or 'message.eml'}"


def reindexed(tickets: int, parsed: int, broken: int) -> str:
    return f"indexed {count(tickets, 'ticket')} ({count(parsed, 'file')} read, {broken} broken)"


def ticket_file_broken(path: str, problem: str) -> str:
    return f"{path}: {problem}"


def ticket_own_mail() -> str:
    """Beside a conversation entry that is the helpdesk's own mail come back in."""
    return "our own mail, come back"


def delivery_state(state: str, since: str, error: object = None) -> str:
    """Where a reply's mail stands, beside it in `tix show`; `since`: a short time, or ?."""
    words = {"queued": f"queued {since}, not delivered yet", "failed": f"NOT DELIVERED (queued {since}): {error}",
             "uncertain": "UNCERTAIN: a run was interrupted while sending it (tix outbox)",
             "sent": f"delivered {since}", "cancelled": f"cancelled {since}, never delivered"}  # fmt: skip
    return words.get(state, state)


# --- SLA reminders and escalation (tix remind, tix escalate) ------------------------------


def target_name(target: str) -> str:
    """first_response → "first response"."""
    return target.replace("_", " ")


def escalated_automatically(target: str) -> str:
    return f"automatic: {target_name(target)} target breached"


def escalated_by(who: str) -> str:
    return f"by {who}"


def escalation_note(reason: str, changes: list[str]) -> str:
    return f"Escalated ({reason})" + (": " + "; ".join(changes) if changes else "")


def escalated(changes: list[str]) -> str:
    return "escalated" + (": " + ", ".join(changes) if changes else "")


def reminder_subject(ticket_id: str, target: str, breached: bool, subject: str) -> str:
    return f"[SLA] {ticket_id} {target_name(target)} {'breached' if breached else 'due soon'}: {subject}"


def reminder_body(ticket_id: str, subject: str, requester: str, priority: str, target: str, breached: bool, due: str) -> str:
    return (f"Ticket {ticket_id}: {subject}\nRequester: {requester}\nPriority: {priority}\n"
            f"The {target_name(target)} target {'was due' if breached else 'is due'} at {due}.\n\n"
            f"tix show {ticket_id}\n")  # fmt: skip


def reminder_line(ticket_id: str, target: str, breached: bool, due: str, to: str | None, subject: str) -> str:
    """A line of the `tix remind` digest; `to` None: nobody could be told."""
    told = to or "nobody (no owner, queue owner or escalation owner; kept)"
    return f"{ticket_id}  {target_name(target)} {'BREACHED' if breached else 'due soon'} (due {due})  → {told}  {subject}"


def reminder_escalated(ticket_id: str, recorded: bool) -> str:
    return f"{ticket_id}  {'escalated' if recorded else 'would be escalated'}"


def nothing_due() -> str:
    return "nothing due"


def remind_not_recorded(dry_run: bool) -> str:
    reason = "dry run" if dry_run else "what-if with TIX_NOW (--record to record)"
    return f"tix: {reason}: nothing recorded or sent"


def outbox_late(messages: int, oldest: str) -> str:
    return f"{count(messages, 'message')} in the outbox not delivered, the oldest queued {oldest} (tix outbox; tix send)"


# --- tix import, tix reply, tix send, tix outbox (render/mail.py) -------------------------


def import_dry_run_line(source: str, action: str, ticket: str | None, robot: str | None, reopened: bool, reason: str) -> str:
    where = f" {ticket}" if ticket else ""
    kind = f" [{robot}]" if robot else ""
    return f"{source}: {action}{where}{kind}{' (reopens)' if reopened else ''} — {reason}"


def import_done(summary: str, dry_run: bool) -> str:
    return ("would import " if dry_run else "imported ") + summary


def import_unreadable(problem: str) -> str:
    return f"cannot read {problem}; it stays where it is for the next run"


def import_quarantined(messages: int) -> str:
    return (f"{count(messages, 'message')} could not be read; kept in quarantine/ "
            "(see the .txt beside each; retry with `tix import --retry-quarantine`)")  # fmt: skip


def reply_queued(ticket_id: str, summary: str, message_id: str | None) -> str:
    return f"{ticket_id}: {summary} (queued {message_id})"


def send_failed_stays(name: str, error: object) -> str:
    return f"{name}: {error} (stays queued)"


def send_uncertain(name: str) -> str:
    return (f"{name}: an earlier run was interrupted while sending it; it may or may not "
            f"have gone out. Check, then: tix send --resend {name}")  # fmt: skip


def outbox_empty() -> str:
    return "the outbox is empty: everything queued was delivered"


def outbox_this_clone() -> str:
    return "this clone"


def outbox_clone(clone: object) -> str:
    return f"clone {clone}"


def outbox_line(name: str, state: str, queued: str, by: str, attempts: int, to: str, subject: str) -> str:
    """`queued`: a short time, or ?; `by`: outbox_this_clone or outbox_clone."""
    return f"{name}  {state:<9}  queued {queued} by {by}, {count(attempts, 'try', 'tries')}  to {to}  {subject}"


def outbox_last_error(error: object) -> str:
    return f"    last error: {error}"


def retried_foreign(name: str, clone: object) -> str:
    return (f"{name} was queued by clone {clone}: run tix sync here and there "
            "before that clone's next tix send, or it sends the mail again")  # fmt: skip


def cancelled(name: str, state: str, noted_on: str | None) -> str:
    """`noted_on`: the ticket the cancellation's note went to, if any."""
    return f"{name}: cancelled ({state}){f', noted on {noted_on}' if noted_on else ''}"


def cancelled_foreign(name: str, clone: object) -> str:
    return f"{name} was queued by clone {clone}, which delivers it until it syncs: run tix sync now"


# --- the importer: what it says of a run and why each message went where it did ----------
# (services/intake.py, domain/threading_rules.py, mail/workers.py). A reason is kept on the
# ticket's entry and printed by --dry-run, so its wording is part of the file a team reads.


def import_summary(counts: dict[str, int]) -> str:
    """"3 messages: 2 new tickets, 1 follow-up (1 reopened), 0 duplicates skipped, …"."""
    total = sum(counts.get(key, 0) for key in ("created", "updated", "duplicate", "own", "quarantined"))
    reopened = counts.get("reopened", 0)
    parts = [count(counts.get("created", 0), "new ticket"),
             count(counts.get("updated", 0), "follow-up") + (f" ({reopened} reopened)" if reopened else ""),
             count(counts.get("duplicate", 0), "duplicate skipped"), f"{counts.get('robot', 0)} from robots",
             f"{counts.get('own', 0)} our own", f"{counts.get('quarantined', 0)} quarantined"]  # fmt: skip
    return count(total, "message") + ": " + ", ".join(parts)


def no_subject() -> str:
    """A new ticket's title when the mail has no subject."""
    return "(no subject)"


def unknown_sender_name() -> str:
    return "(unknown sender)"


def quarantine_not_regular(path: str) -> str:
    return f"{path}: not a regular file (a symlink committed by someone?); skipped"


def same_file_imported() -> str:
    return "the same file was imported before"


def same_bytes_imported() -> str:
    return "the same bytes were imported before"


def same_message_id_imported() -> str:
    return "its Message-ID was imported before"


def already_in_quarantine(stored: str) -> str:
    return f"already in quarantine as {stored}"


def kept_in_quarantine(reason: str, path: str) -> str:
    return f"{reason} (kept as {path})"


def message_vanished() -> str:
    return "the file was renamed or removed meanwhile"


def message_over_limit(size: int) -> str:
    return f"{size:,} bytes is over mail.max_message_mb"


def cannot_file(problem: str) -> str:
    """A message tix could not file for a reason nobody foresaw (a bug of ours): `problem` is the exception."""
    return f"tix could not file it: {problem}"


def own_mail_returned(entry_id: str) -> str:
    return f"our own outgoing mail came back (entry {entry_id})"


def own_mail_ticket_missing(ticket_id: str) -> str:
    return f"our own mail for ticket {ticket_id}, which this clone does not have (tix sync, then tix import --retry-quarantine)"


def no_acknowledgements(reason: str) -> str:
    return f"no acknowledgements sent: {reason}"


def ack_kb_warning(problem: str) -> str:
    return f"knowledge base, for acknowledgements: {problem}"


def ack_without_kb(reason: str) -> str:
    return f"acknowledgements sent without knowledge-base articles: {reason}"


def no_verifiable_message_ids(reason: str) -> str:
    return f"no Message-ID can be verified as ours: {reason}"


def text_cut(limit: int, eml_path: str) -> str:
    """Appended to an entry whose text was cut; the whole mail stays in `eml_path`."""
    return f"\n\n[tix: text cut at {limit:,} characters; the whole message is in {eml_path}]"


def cannot_mark_seen(where: str, problem: object) -> str:
    return f"cannot mark mail seen in {where}: {problem} (it is imported; the next run skips it as a duplicate)"


def parse_timed_out(seconds: float) -> str:
    return f"parsing took longer than {seconds:g} s (mail.timeout)"


def parse_failed(problem: str) -> str:
    return f"cannot parse: {problem}"


def parser_died() -> str:
    return "the parser process stopped (killed or out of memory)"


def threaded_by_our_reference(reference: str) -> str:
    return f"refers to our message {reference}"


def threaded_by_reference(reference: str) -> str:
    return f"refers to {reference}"


def threaded_nowhere() -> str:
    return "no reference to a known ticket"


def threaded_by_known_reply(ticket_id: str) -> str:
    return f"a reply to it is already on {ticket_id}"


def threaded_by_shared_parent(ticket_id: str, reference: str) -> str:
    return f"{ticket_id} also answers {reference}, which tix has not seen"


def threaded_first_of(others: list[str]) -> str:
    return f" (so do {', '.join(others)}; the first in ID order is chosen)"


def tag_names_no_ticket(tag: str) -> str:
    return f"subject tag {tag} names no ticket here"


def threaded_by_tag(tag: str, sender: str) -> str:
    return f"subject tag {tag} from {sender}"


def tag_from_stranger(tag: str, sender: str, ticket_id: str) -> str:
    """`sender` is empty when the mail names none."""
    return f"subject tag {tag} from {sender or 'an unknown sender'}, who is not on {ticket_id}: new ticket"


# --- tix sync (services/sync.py) ----------------------------------------------------------


def synced(remote: str, branch: str, pulled: int, pushed: int) -> str:
    return f"synced with {remote}/{branch}: {count(pulled, 'commit')} in, {count(pushed, 'commit')} out"


def sync_authentication_failed(remote: str, error: str) -> str:
    return f"{remote}: authentication failed ({error})"


def sync_no_repository(remote: str, error: str) -> str:
    return f"{remote}: no such repository ({error})"


def sync_unreachable(remote: str, error: str) -> str:
    return f"{remote}: cannot reach the remote; try again later ({error})"


def sync_detached() -> str:
    return "HEAD is detached: check out a branch before syncing"


def sync_kept_changing(remote: str, attempts: int) -> str:
    return f"{remote} kept changing during {count(attempts, 'attempt')}; try again"


def sync_no_remote() -> str:
    return "no remote to sync with: add one, e.g. git remote add origin git@example.com:team/helpdesk.git"


def sync_which_remote(remotes: list[str]) -> str:
    return f"several remotes ({', '.join(remotes)}): say which, e.g. tix sync {remotes[0]}"


def sync_local_changes() -> str:
    return "uncommitted changes would be overwritten by the merge: commit or stash them, then sync"


def sync_cannot_merge_files(paths: list[str]) -> str:
    """`paths`: the first few files git could not merge."""
    return (f"cannot merge automatically: {', '.join(paths)}; nothing was changed "
            "(resolve with git merge, or ask the teammate who changed it)")  # fmt: skip


def sync_cannot_merge(problem: object) -> str:
    return f"cannot merge automatically: {problem}"


def sync_too_many_deletions(tickets: int, limit: int) -> str:
    return (f"refusing to push the deletion of {count(tickets, 'ticket')} (more than {limit}); "
            "if that is really meant, run tix sync --force")  # fmt: skip


def folded(source_id: str, target_id: str) -> str:
    return f"{source_id} folded into {target_id}"


# --- the command line itself (cli/) -------------------------------------------------------


def cli_error(message: str) -> str:
    return f"tix: error: {message}"


def cli_warning(message: str) -> str:
    return f"tix: warning: {message}"


def cli_interrupted() -> str:
    return "tix: interrupted"


def cli_not_a_maildir(folder: object) -> str:
    return f"--maildir: {folder} is not a Maildir (it needs cur/ and new/)"


def cli_nothing_to_import() -> str:
    return "nothing to import: give .eml files, folders, Maildirs, mbox files or '-'"


def cli_bad_requester(text: str) -> str:
    return f"--from: '{text}' is not 'Name <email>' or a mail address"


def cli_body_file_unreadable(path: str, reason: object) -> str:
    """`reason`: the system's words (strerror)."""
    return f"--body-file: cannot read {path}: {reason}"


# --- commit subjects of the use cases (after "tix: "; the format is tix.domain.commits) ---


def commit_config_set(key: str, value: str) -> str:
    return f"config set {key} {value}"


def commit_init() -> str:
    return "initialize helpdesk"


def commit_remind(tickets: int, escalated: int) -> str:
    return f"remind {count(tickets, 'ticket')}" + (f", escalate {escalated}" if escalated else "")


def commit_fold() -> str:
    return "fold tickets that one mail opened twice"


def commit_sync(label: str) -> str:
    """`label`: remote/branch."""
    return f"sync with {label}"


# ===== end of the services, CLI and render block =====


# Every text below is what a user reads: one function per message, taking the values it shows.
# Grouped by where the problem is met; the raising code says `raise ConfigError(msg.config_unknown_key(path))`.

# --- configuration (tix.yaml, `tix config`) -----------------------------------------------


def config_unknown_key(path: str) -> str:
    return f"unknown config key '{path}' (see docs/CONFIG.md)"


def config_key_not_set(path: str) -> str:
    return f"config key '{path}' is not set"


def config_rules_by_hand(path: str, config_file: str) -> str:
    return f"{path}: edit the rules in {config_file} (a list of match/set/stop mappings)"


def config_expected(path: str, expected: str, got: str) -> str:
    """`expected` names the kind ("true or false", "a list of dates"); `got` is shown as given."""
    return f"{path}: expected {expected}, got {got}"


def config_number_range(integer: bool, low: float, high: float) -> str:
    return f"{'a whole number' if integer else 'a number'} from {low:g} to {high:g}"


def config_out_of_range(path: str, shown: str, expected: str) -> str:
    return f"{path}: {shown} is out of range (expected {expected})"


def config_not_an_address(path: str, value: str) -> str:
    return f"{path}: {value!r} is not a mail address"


def config_unknown_charset(path: str, value: str) -> str:
    return f"{path}: unknown charset {value!r}"


def config_bad_name(path: str, value: str, explain: bool = False) -> str:
    return f"{path}: {value!r} is not a valid name" + (" (lower-case letters, digits, '-', '_', '.')" if explain else "")


def config_name_twice(path: str) -> str:
    return f"{path}: a name is listed twice"


def config_bad_assign(path: str, value: str) -> str:
    return f"{path}: {value!r} is not round-robin, least-open or empty"


def config_bad_token(path: str, value: str) -> str:
    return f"{path}: {value!r} must be 1-16 letters, digits or '-'"


def config_unknown_timezone(path: str, value: str) -> str:
    return f"{path}: unknown timezone {value!r} (use an IANA name such as Europe/Warsaw)"


def config_not_a_mapping(where: str, of: str) -> str:
    """`of`: "sections", "keys", "names" or "fields"."""
    if of == "sections":
        return f"{where}: the file must be a mapping of sections"
    return f"{where}: expected a mapping of {of}"


def config_status_twice(group: str, name: str, other: str) -> str:
    return f"statuses.{group}: '{name}' is already in statuses.{other}"


def config_statuses_needed() -> str:
    return "statuses: at least one open and one closed status are needed"


def config_not_a_status(path: str, value: str, kind: str = "a configured") -> str:
    """`kind`: "a configured" or "an open or waiting"."""
    return f"{path}: '{value}' is not {kind} status"


def config_priorities_needed() -> str:
    return "priorities.levels: at least one priority is needed"


def config_not_a_priority(path: str, value: str) -> str:
    return f"{path}: '{value}' is not in priorities.levels"


def config_bad_smtp_url(url: str) -> str:
    return f"smtp.url: {url!r} is not smtp://[user@]host[:port] or smtps://…"


def config_bad_tag() -> str:
    return "mail.tag: must contain {id} and {instance}"


def config_member_needs_address(handle: str) -> str:
    return f"team.{handle}.email: every team member needs a mail address"


def config_not_in_team(queue: str, member: str) -> str:
    return f"queues.{queue}.members: '{member}' is not in team"


def config_file_problem(path: str, problem: str) -> str:
    """`problem`: "not-regular", "missing" or "symlink"."""
    return f"{path}: {_CONFIG_FILE_PROBLEMS[problem]}"


_CONFIG_FILE_PROBLEMS = {
    "not-regular": "not a regular file",
    "missing": "missing (run `tix init`)",
    "symlink": "a symlink (committed by someone?); the config is read only from a regular file",
}


def config_bad_yaml(path: str, line: int | None) -> str:
    return f"{path}: not valid YAML" + (f" at line {line}" if line is not None else "")


# --- the file system (tix.errors.storage_error) -------------------------------------------


def _cannot(action: str, filename: object) -> str:
    """`filename` as an OSError gives it; None when the system named no file."""
    return f"cannot {action}" + (f" {filename}" if filename else "")


def storage_disk_full(action: str, filename: object) -> str:
    return f"{_cannot(action, filename)}: the disk is full; free some space and run the command again"


def storage_read_only(action: str, filename: object) -> str:
    return f"{_cannot(action, filename)}: the file system is read-only"


def storage_denied(action: str, filename: object) -> str:
    return f"{_cannot(action, filename)}: permission denied"


def storage_failed(action: str, filename: object, reason: str) -> str:
    """`reason`: the system's own words (strerror)."""
    return f"{_cannot(action, filename)}: {reason}"


# --- templates and ticket files: how their errors name the file (tix.errors) --------------


def template_error(name: str, reason: str, line: int | None = None) -> str:
    return f"template '{name}': {reason}" + (f" (line {line})" if line else "")


def ticket_format_error(path: str, reason: str) -> str:
    return f"{path}: {reason}"


# --- the clock (TIX_NOW) ------------------------------------------------------------------


def clock_bad_now(value: str) -> str:
    return f"TIX_NOW is not an ISO 8601 time: {value!r}"


# --- `tix list` filters -------------------------------------------------------------------


def filter_unknown_status(name: str, known: list[str]) -> str:
    return f"unknown status '{name}' (configured: {', '.join(known)})"


def filter_bad_duration(option: str, text: str) -> str:
    return f"{option}: '{text}' is not a duration like 30m, 2h, 1d or 2w"


def span_too_long(what: str) -> str:
    return f"{what}: too long a span of time (at most 100 years)"


def filter_bad_since(text: str) -> str:
    return f"--since: '{text}' is neither a duration (7d, 12h) nor an ISO date"


# --- routing rules (tix.yaml `rules:`, and the notes they leave on a ticket) --------------


def rules_not_a_list() -> str:
    return "rules: expected a list of rules"


def rules_place(number: int, name: object = None) -> str:
    """Where a rule is in the list, for errors: rules[2], or rules[2] (its name)."""
    return f"rules[{number}] ({name})" if name else f"rules[{number}]"


def rules_not_a_mapping(where: str) -> str:
    return f"{where}: expected a mapping with match and set"


def rules_unknown_key(where: str, key: str) -> str:
    return f"{where}: unknown key '{key}' (name, match, set, stop)"


def rules_match_set_not_mappings(where: str) -> str:
    return f"{where}: match and set must be mappings"


def rules_unknown_condition(where: str, key: str, known: tuple[str, ...]) -> str:
    return f"{where}.match: unknown condition '{key}' (one of: {', '.join(known)})"


def rules_bad_pattern(where: str, key: str, error: object) -> str:
    return f"{where}.match.{key}: not a regular expression ({error})"


def rules_unknown_action(where: str, key: str, known: tuple[str, ...]) -> str:
    return f"{where}.set: unknown action '{key}' (one of: {', '.join(known)})"


def rule_default_name(position: int) -> str:
    """The name of a rule that has none; `position` counts from 1."""
    return f"rule {position}"


def rule_named(name: str) -> str:
    return f"rule '{name}'"


def rule_sets_unknown(name: str, field: str, value: object) -> str:
    """A value a rule sets that the configuration does not have; `field`: priority, queue, category or owner."""
    return f"{rule_named(name)}: {field} '{value}' {_RULE_UNKNOWN[field]}"


_RULE_UNKNOWN = {
    "priority": "is not in priorities.levels",
    "queue": "is not configured",
    "category": "is not in categories",
    "owner": "is not in team",
}


def rule_fired(name: str, actions: dict[str, object]) -> str:
    return f"{rule_named(name)}: " + ", ".join(f"{key}={value}" for key, value in actions.items())


def rule_timed_out(name: str, seconds: float) -> str:
    return f"{rule_named(name)}: a pattern took longer than {seconds:g} s; counted as not matching"


def assigned_least_open(queue: str, open_tickets: int) -> str:
    return f"least-open in {queue} ({open_tickets} open)"


def assigned_round_robin(queue: str) -> str:
    return f"round-robin in {queue}"


# --- business hours, holidays and SLA targets ---------------------------------------------


def sla_bad_target(where: str, text: str) -> str:
    return f"{where}: {text!r} is not a target like 30m, 1h, eod, 3d or '24h wall'"


def sla_target_out_of_range(where: str, text: str, largest: str) -> str:
    return f"{where}: {text!r} is out of range (from 1 to {largest})"


def sla_needs_holidays_package() -> str:
    return "clock.holidays_country needs the holidays package: pip install 'tix[holidays]'"


def sla_no_holidays_for(country: str) -> str:
    return f"clock.holidays_country: no public holidays known for {country!r}"


def hours_bad_interval(where: str, text: str) -> str:
    return f"{where}: {text!r} is not HH:MM-HH:MM"


def hours_bad_time_of_day(where: str, text: str) -> str:
    return f"{where}: {text!r} is not a time of day (00:00 to 23:59)"


def hours_end_before_start(where: str, text: str) -> str:
    return f"{where}: {text!r} ends before it starts"


def hours_no_open_time(days: int) -> str:
    return f"hours: a target falls more than {days} days ahead (too few open hours, or every day closed?)"


# --- ticket files (the reasons a TicketFormatError gives after the file's path) -----------


def ticket_no_front_matter() -> str:
    return "no YAML front-matter (the file must start with a '---' line)"


def ticket_front_matter_not_closed() -> str:
    return "the front-matter is not closed by a '---' line"


def yaml_key_twice(key: str, line: int) -> str:
    """`line` counts from 1."""
    return f"the field '{key}' appears twice (line {line})"


def ticket_field_twice(key: str, line: int) -> str:
    return f"broken front-matter: {yaml_key_twice(key, line)}; keep one and commit"


def ticket_invalid_yaml(line: int | None) -> str:
    return "invalid YAML in front-matter" + (f" (line {line})" if line is not None else "")


def ticket_front_matter_not_a_mapping() -> str:
    return "the front-matter is not a mapping of fields"


def ticket_bad_front_matter(problem: object) -> str:
    """`problem`: one of the ticket_field_… texts below (or the error a parser raised)."""
    return f"bad front-matter: {problem}"


def ticket_field_missing(key: str) -> str:
    return f"missing field '{key}'"


def ticket_field_not_text(key: str) -> str:
    return f"field '{key}' must be text"


def ticket_field_not_a_time(key: str, value: str) -> str:
    return f"field '{key}' is not an ISO 8601 time: {value!r}"


def ticket_field_needs_offset(key: str) -> str:
    return f"field '{key}' must be a time with a UTC offset"


def ticket_requester_needs_email() -> str:
    return "field 'requester' needs an email"


def ticket_lists_needed() -> str:
    return "fields 'tags', 'participants' and 'message_ids' must be lists"


def ticket_id_not_its_folder(ticket_id: str, folder: str) -> str:
    return f"broken: its id ({ticket_id!r}) does not match its folder ({folder})"


def ticket_bad_entry(entry_id: object, problem: object) -> str:
    return f"bad entry header for entry {entry_id}: {problem}"


def entry_header_not_closed(line: int) -> str:
    return f"line {line}: entry header does not end with '-->'"


def entry_header_not_json(line: int) -> str:
    return f"line {line}: entry header is not valid JSON"


def entry_header_not_an_object(line: int) -> str:
    return f"line {line}: entry header is not a JSON object"


# --- finding the helpdesk and its tickets; the write lock ---------------------------------


def not_a_helpdesk(config_file: str, start: object) -> str:
    return f"not inside a helpdesk (no {config_file} in {start} or above); run `tix init` or use -C DIR"


def not_a_ticket_id(text: str, alphabet: str) -> str:
    return f"'{text}' is not a ticket ID (IDs use {alphabet})"


def no_ticket(ticket_id: str) -> str:
    return f"no ticket {ticket_id}"


def no_ticket_matches(prefix: str) -> str:
    return f"no ticket matches '{prefix}'"


def ambiguous_id(prefix: str, matches: list[str], shown: int = 5) -> str:
    """Names the first `shown` of the tickets `prefix` matches (always more than one)."""
    listed = ", ".join(matches[:shown]) + (", …" if len(matches) > shown else "")
    return f"'{prefix}' is ambiguous: {count(len(matches), 'ticket')} match ({listed})"


def lock_held() -> str:
    return "another tix command is writing to this helpdesk; try again shortly"


# --- who is acting, and who a name on the command line means ------------------------------


def identity_not_a_person(source: str, text: str) -> str:
    """`source`: --as or TIX_USER."""
    return f"{source}: {text!r} is not 'Name <email>' or an address"


def no_identity() -> str:
    return "no identity: set git's user.email (git config --global user.email you@example.com), TIX_USER or --as"


def agent_unknown(text: str, team: list[str]) -> str:
    known = f" (team: {', '.join(team)})" if team else ""
    return f"'{text}' is neither a team handle nor a mail address{known}"


def agent_not_in_team(email: str) -> str:
    return f"'{email}' is not a team member (see `tix config list` team.*)"


# --- paths a teammate could have made unsafe (committed symlinks) -------------------------


def unsafe_folder(shown: str, symlink: bool, writing: bool) -> str:
    """A folder on the way to a file is a symlink, or not a folder at all."""
    what = "a symlink" if symlink else "not a folder"
    action = "write" if writing else "read"
    return f"refusing to {action} below {shown}: it is {what} (committed by someone?); remove it with git rm"


def unsafe_symlink(shown: str, tracked_by_tix: bool = False) -> str:
    """`tracked_by_tix`: a file tix itself keeps (restored with git rather than removed)."""
    fix = "restore it with git" if tracked_by_tix else "remove it with git rm"
    return f"refusing to read {shown}: it is a symlink (committed by someone?); {fix}"


def unsafe_not_regular(shown: str) -> str:
    return f"refusing to read {shown}: it is not a regular file"


# --- merging ticket files (the merge driver, and the note a merge leaves) -----------------


def merge_side(path: str, side: str) -> str:
    """How an error names one side of a merge; `side`: ours, theirs or base (git's words)."""
    return f"{path} ({side})"


def merge_id_clash(ticket_id: str) -> str:
    return f"{ticket_id}: both sides created a different ticket with this ID"


def merge_kept_field(name: str, kept: str, other: str) -> str:
    """`kept` and `other`: the two values as the note shows them (JSON, or merge_no_value)."""
    return f"{name}: kept {kept}, the other side had set {other}"


def merge_no_value() -> str:
    return "(none)"


def merge_kept_entry(entry_id: str, other_text: str) -> str:
    return f"entry {entry_id} was edited on both sides; kept one version, the other read: {other_text!r}"


def merge_note(lines: list[str]) -> str:
    return "Both sides changed this ticket at once; tix merged them:\n" + "\n".join(f"- {line}" for line in lines)


def merge_driver_usage() -> str:
    return "usage: python -m tix.storage.mergedriver BASE OURS THEIRS [PATH]"


def merge_driver_failed(path: str, problem: object) -> str:
    return f"tix merge: {path}: {problem}"


# --- the audit trail ----------------------------------------------------------------------


def history_cannot_compare(problem: str) -> str:
    return f"cannot compare: {problem}"


# --- reading inbound mail (the problems an import lists for a message; mail/parse.py) -----


def mail_forwarded_head(file: str, sender: str, date: str, subject: str) -> str:
    """The lines that introduce a forwarded message in a ticket's text; empty values are left out."""
    lines = [f"---------- Forwarded message ({file}) ----------"]
    lines += [f"{label}: {value}" for label, value in (("From", sender), ("Date", date), ("Subject", subject)) if value]
    return "\n".join(lines)


def mail_read_as_utf8(declared: str) -> str:
    return f"declared {declared}, read as UTF-8"


def mail_invalid_utf8_replaced() -> str:
    return "a few invalid UTF-8 bytes replaced"


def mail_charset_guessed(declared: str | None, guessed: str) -> str:
    return f"charset {declared if declared else 'unknown'!r}, guessed {guessed}"


def mail_undecodable_replaced() -> str:
    return "undecodable bytes replaced"


def mail_read_flatly(error: str | None = None) -> str:
    """The MIME tree could not be built: too deep (`error` None), or the parser raised `error` (its type's name)."""
    if error is None:
        return "the MIME structure is nested too deeply to read; read flatly"
    return f"cannot read the MIME structure ({error}); read flatly"


def mail_mime_defects(defects: list[str]) -> str:
    return "MIME defects: " + ", ".join(defects)


def mail_text_over_limit(content_type: str, size: int, kept: int) -> str:
    return (f"a {content_type} part of {count(size, 'byte')} is over the limit;"
            f" its first {count(kept, 'byte')} are read, the whole text is in the raw message")  # fmt: skip


def mail_part_unreadable(content_type: str, error: str) -> str:
    """`error`: the type's name of the exception raised."""
    return f"a {content_type} part cannot be read ({error}); it is only in the raw message"


def mail_nested_too_deep(levels: int) -> str:
    return f"MIME nested over {levels} levels deep; the deeper parts are only in the raw message"


def mail_attachment_over_limit(name: str, size: int) -> str:
    return f"attachment {name} ({count(size, 'byte')}) is over the limit; kept only in the raw message"


def mail_attachment_omitted(name: str, size: int, limit: int) -> str:
    """The text of the file kept in place of an attachment over the limit."""
    return (f"{name}: {count(size, 'byte')}, over the attachment limit of {count(limit, 'byte')}.\n"
            "The complete original is in the raw message (message.eml).\n")  # fmt: skip


# --- where inbound mail comes from (tix import PATH; mail/sources/) -----------------------


def source_missing(text: str) -> str:
    return f"{text}: no such file or folder"


def source_unreadable(path: object, reason: object) -> str:
    """`reason`: the system's words (strerror), or the error itself."""
    return f"{path}: {reason}"


# --- reply templates (the reasons a TemplateError gives after the template's name) --------


def template_bad_name() -> str:
    return "not a template name (letters, digits, '-', '_', '.')"


def template_folder_symlink(folder: str) -> str:
    return f"{folder}/ is a symlink; templates are read only from the repository itself"


def template_missing(name: str, folder: str, available: list[str]) -> str:
    return f"no template '{name}' in {folder}/ (available: {', '.join(available) or 'none'})"


def template_file_symlink(shown: str) -> str:
    return f"{shown} is a symlink; templates are read only as regular files"


def template_not_regular(shown: str) -> str:
    return f"{shown} is not a regular file"


def template_cannot_read(shown: str, reason: object) -> str:
    """`reason`: the system's words (strerror)."""
    return f"cannot read {shown}: {reason}"


def template_too_large_file(kilobytes: int) -> str:
    return f"larger than {kilobytes} KB"


def template_not_utf8() -> str:
    return "not UTF-8 text"


def template_syntax_error() -> str:
    """When Jinja2 gives no words of its own."""
    return "syntax error"


def template_refused_tag(tag: str) -> str:
    """`tag`: the refused statement as written, e.g. {% include %}."""
    return f"{tag} is not allowed: a template is one file"


def template_undefined(problem: object) -> str:
    return f"{problem}; see docs/TEMPLATES.md for the variables"


def template_too_large(what: object) -> str:
    """`what`: one of the template_too_… limits below."""
    return f"too large to render: {what}"


def template_too_long_value(characters: int) -> str:
    return f"a value longer than {characters:,} characters"


def template_too_big_number(limit: int) -> str:
    return f"a number over {limit:,} given to a filter or method"


def template_too_big_power() -> str:
    return "a power too large"


def template_too_wide_format() -> str:
    return "a format width too large"


def template_too_long_range(items: int) -> str:
    return f"range() over {items:,} items"


def template_too_long_output(characters: int) -> str:
    return f"the output is longer than {characters:,} characters"


def template_too_slow(seconds: float) -> str:
    return f"rendering took longer than {seconds:g} s"


def template_failed(error: str, problem: object) -> str:
    """A Python error met while rendering: `error` is its type's name."""
    return f"{error}: {problem}"


def template_needs_subject(name: str) -> str:
    return f"template '{name}' must start with a 'Subject:' line"


# --- sending mail (tix send; mail/compose.py, mail/transport.py) --------------------------


def send_no_sender() -> str:
    return "the helpdesk has no address: tix config set helpdesk.email support@example.com (or mail.from)"


def send_no_transport() -> str:
    return "no way to deliver mail: tix config set smtp.url smtp://host:587 (or mail.sendmail)"


def send_not_approved(settings: dict[str, object]) -> str:
    """`settings`: key -> value of each setting new or changed since `tix config approve`."""
    shown = ", ".join(f"{key}={value!r}" for key, value in settings.items())
    return (f"not sending: {shown} is new or changed in tix.yaml and not approved in this clone;"
            " check it, then run: tix config approve")  # fmt: skip


def send_report(sent: int, queued: int, uncertain: int) -> str:
    """`queued`: refused or unreachable this time (they stay queued); `uncertain`: perhaps sent by an interrupted run."""
    text = "sent " + count(sent, "message")
    if queued:
        text += f", {queued} still queued"
    if uncertain:
        text += f", {uncertain} uncertain"
    return text


def send_no_from() -> str:
    return "no From address in the message"


def smtp_cannot_connect(host: str, port: int, error: object) -> str:
    return f"cannot connect to {host}:{port}: {error}"


def smtp_no_password() -> str:
    return "smtp.url names a user but no password was found (TIX_SMTP_PASSWORD or ~/.config/tix/smtp-password)"


def smtp_no_starttls(host: str) -> str:
    return f"{host} offers no STARTTLS: the password would travel in clear; use smtps://"


def smtp_recipient_refused(recipients: object) -> str:
    """`recipients`: smtplib's mapping of address -> (code, answer), written out for people."""
    if isinstance(recipients, dict):
        refused = ", ".join(f"{address} ({_smtp_answer(*answer) if isinstance(answer, tuple) else answer})" for address, answer in recipients.items())
        return f"recipient refused: {refused}"
    return f"recipient refused: {recipients}"


def smtp_refused(code: int, answer: object) -> str:
    return f"server answered {_smtp_answer(code, answer)}"


def _smtp_answer(code: object, answer: object = b"") -> str:
    """An SMTP reply as the server wrote it (smtplib gives its text as bytes)."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return f"{code} {text}".strip()


def smtp_failed(host: str, port: int, error: object) -> str:
    return f"{host}:{port}: {error}"


def sendmail_failed(program: str, error: object) -> str:
    return f"{program}: {error}"


def sendmail_exited(program: str, code: int, output: str | None = None) -> str:
    """`output`: what the program wrote to stderr (None for the temporary failure, 75, which says it all)."""
    return f"{program} exited {code}" + (f": {output}" if output is not None else "")


def sendmail_accepted(program: str) -> str:
    """Recorded as the server's answer in outbox/sent/NAME.json."""
    return f"accepted by {program}"


# --- the outbox (tix outbox, tix send NAME) -----------------------------------------------


def outbox_not_queued(name: str, folder: str) -> str:
    return f"no queued message {name} in {folder}/"


def outbox_nothing_for(ticket_id: str, folder: str) -> str:
    return f"no mail waiting for {ticket_id} in {folder}/ (tix outbox lists what waits)"


def outbox_cancel_needs_reason() -> str:
    return "say why the mail is cancelled: -m TEXT (it becomes a note on the ticket)"


def outbox_cancelled_note(name: str, to: str, reason: str, uncertain: bool) -> str:
    """A line of the note `tix outbox cancel` leaves on the ticket; `uncertain`: a run was sending it."""
    maybe = " (an interrupted run was sending it: it may have gone out)" if uncertain else ""
    return f"Mail {name} to {to} cancelled before delivery{maybe}: {reason}"


# --- commit subjects (after "tix: "; the format is tix.domain.commits) --------------------


def commit_send(sent: int) -> str:
    return f"send {count(sent, 'message')}"


def commit_sending_one() -> str:
    """The `sending` mark of one message, committed before the server sees it (--all-clones)."""
    return f"sending {count(1, 'message')}"


def commit_send_recovered() -> str:
    return "record an interrupted send"


def commit_cancel_ticket_mail() -> str:
    """The mail of one ticket is cancelled (its ID leads the subject)."""
    return "cancel mail"


def commit_cancel(messages: int) -> str:
    """Mail of several tickets, or of none, is cancelled."""
    return f"cancel {count(messages, 'message')}"


def commit_import_recovered() -> str:
    return "complete an interrupted import"


# --- git (storage/gitrepo.py) -------------------------------------------------------------


def git_failed(command: str, last_line: str) -> str:
    """`command`: git's subcommand (commit-tree, fast-import); `last_line`: the last line git wrote (git_exit_status when none)."""
    return f"git {command} failed: {last_line}"


def git_exit_status(code: int) -> str:
    return f"exit {code}"


def git_lock_stale(shown: str, seconds: int) -> str:
    return f"{shown} is {seconds} s old: if no git command is running, remove it and try again"


def git_busy(what: str) -> str:
    return f"git is busy ({what}); try again shortly"


def git_lock_held(shown: str) -> str:
    return git_busy(f"{shown} is held")


# --- the index (ticket files it could not read, listed by `tix list` and `tix reindex`) ---


def index_refused(path: str, refusal: str) -> str:
    """What the index records for a ticket file read refused (unsafe_symlink, unsafe_not_regular):
    the reason, without the "refusing to read PATH: " that the listing's path makes redundant."""
    return refusal.removeprefix(f"refusing to read {path}: ")


# --- an import batch on disk (storage/batch.py) -------------------------------------------


def commit_import(messages: int, tickets: int, created: int) -> str:
    return f"import {count(messages, 'message')} into {count(tickets, 'ticket')} ({created} new)"


def import_write_failed(problem: str) -> str:
    """A batch's files could not be written: the journal keeps them for the next run."""
    return f"{problem}; nothing was lost — the next `tix import` completes it"


# --- IMAP: `tix fetch` (mail/sources/imap.py, services/fetching.py; issue 16) ---------------


def config_bad_imap_url(path: str, url: str) -> str:
    return f"{path}: {url!r} is not imaps://host[:port]/FOLDER or imap://host[:port]/FOLDER"


def config_bad_after(path: str, value: str) -> str:
    return f"{path}: {value!r} is not keep, seen, move:FOLDER or delete"


def config_imap_needs(account: str, key: str, example: str) -> str:
    return f"imap.{account}.{key} is needed (e.g. {example})"


def config_imap_one_secret(account: str, keys: list[str]) -> str:
    return f"imap.{account}: give one of {', '.join(keys)}, not several"


def config_imap_tls_none(account: str) -> str:
    return f"imap.{account}: tls: none needs an imap:// URL (imaps:// is always TLS)"


def config_imap_secret_in_file(path: str) -> str:
    return (f"{path}: a password never goes in tix.yaml (it is shared through git); "
            "use password_command, password_env or oauth2_token_command")


def fetch_no_accounts() -> str:
    return "no IMAP account in tix.yaml: add imap.NAME.url and imap.NAME.user (docs/MAIL.md)"


def fetch_unknown_account(name: str, known: list[str]) -> str:
    return f"no IMAP account {name!r} in tix.yaml (accounts: {', '.join(known)})"


def imap_unreachable(account: str, host: str, port: int, problem: object, later: bool = True) -> str:
    """`later`: with what the next run does (not for --watch, which says when it retries)."""
    return f"imap.{account}: cannot reach {host}:{port} ({problem})" + ("; the next run tries again" if later else "")


def imap_bad_certificate(account: str, host: str, problem: object) -> str:
    return (f"imap.{account}: the certificate of {host} is not trusted ({problem}); "
            f"set imap.{account}.ca_file to its CA, or fix the server")


def imap_no_starttls(account: str, host: str) -> str:
    return f"imap.{account}: {host} does not offer STARTTLS; use imaps://, or tls: none for a server on this machine"


def imap_login_failed(account: str, user: str, problem: object) -> str:
    return f"imap.{account}: login as {user!r} refused: {problem}"


def imap_no_secret(account: str) -> str:
    return (f"imap.{account}: no password: set imap.{account}.password_command, .password_env or "
            f".oauth2_token_command, or TIX_IMAP_PASSWORD_{account.upper().replace('-', '_').replace('.', '_')}")


def imap_secret_env_missing(account: str, variable: str) -> str:
    return f"imap.{account}: the environment variable {variable} (password_env) is not set"


def imap_secret_command_failed(account: str, key: str, problem: object) -> str:
    return f"imap.{account}.{key} failed: {problem}"


def imap_unknown_folder(account: str, folder: str, problem: object) -> str:
    return f"imap.{account}: no folder {folder!r} on the server ({problem})"


def imap_connection_lost(account: str, problem: object, later: bool = True) -> str:
    tail = "; what was committed is kept, the next run continues" if later else ""
    return f"imap.{account}: the server dropped the connection ({problem})" + tail


def imap_empty_message(account: str, folder: str, uid: int) -> str:
    """Said as "cannot read …; it stays where it is for the next run" (import_unreadable)."""
    return f"imap.{account}/{folder}#{uid}: the server returned it empty"


def imap_uidvalidity_changed(account: str, folder: str, before: int, now: int) -> str:
    return (f"imap.{account}: {folder} was renumbered by the server (UIDVALIDITY {before} → {now}); "
            "reading it again, mail already imported is skipped by its Message-ID and content")


def imap_after_failed(account: str, action: str, problem: object) -> str:
    return f"imap.{account}: after: {action} failed ({problem}); the mail is imported, the action is tried again next run"


def fetch_watching(accounts: str) -> str:
    return f"watching {accounts} for new mail (Ctrl-C stops)"


def fetch_retrying(problem: str, seconds: float) -> str:
    return f"{problem}; retrying in {seconds:g} s"


def imap_server_refused(account: str, problem: str) -> str:
    return f"imap.{account}: the server refused: {problem}"


def fetch_watch_dry_run() -> str:
    return "--watch and --dry-run do not go together: run `tix fetch --dry-run` once"


def fetch_bad_since(text: str) -> str:
    return f"--since {text!r}: expected a date like 2026-01-31"


# ===== Reports: `tix stats`, `tix report` (issue 13; docs/REPORTS.md) ===============



def stats_bad_time(option: str, text: str) -> str:
    return f"{option}: not a time: {text!r} (use 7d, 4w, 12h, an ISO date such as 2026-11-30, or an ISO time)"


def stats_out_of_range(option: str, text: str) -> str:
    return f"{option}: {text!r} is out of range (the period must fall within the years 1 to 9999)"


def stats_unknown_by(name: str, known: tuple[str, ...]) -> str:
    return f"--by: unknown key '{name}' (one of: {', '.join(known)})"


def stats_since_after_until(since: str, until: str) -> str:
    return f"--since ({since}) must come before --until ({until})"


def stats_negative_days(option: str) -> str:
    return f"{option}: a number of days, 0 or more"


def stats_period(since: str, until: str, as_of: str) -> str:
    return f"Period {since} → {until} (as of {as_of})"


def stats_flow(created: int, resolved: int) -> str:
    return f"Created {created:,} · Resolved {resolved:,}"


def stats_backlog(open_: int, on_us: int, on_customer: int) -> str:
    return f"Backlog {open_:,} open: {on_us:,} waiting on us, {on_customer:,} waiting on the customer"


def stats_age_buckets(buckets: dict[str, int]) -> str:
    names = {"lt_1d": "< 1 d", "1_3d": "1–3 d", "3_7d": "3–7 d", "7_30d": "7–30 d", "gt_30d": "> 30 d"}
    return "  by age: " + ", ".join(f"{names[k]} {v:,}" for k, v in buckets.items())


STATS_DURATION_LABELS = {"first_response": "First response", "resolution": "Resolution (first)", "final_resolution": "Resolution (final)"}


def stats_minutes(value: float | None) -> str:
    """Minutes as '2 h 05 min' (or '—' for none)."""
    if value is None:
        return "—"
    minutes = int(round(value))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def stats_duration(label: str, data: dict[str, object]) -> str:
    def m(key: str) -> str:
        value = data[key]
        return stats_minutes(value if isinstance(value, (int, float)) else None)

    return (f"{label}: {data['count']:,} done, {data['waiting']:,} waiting · median {m('median_business_minutes')} business"
            f" ({m('median_calendar_minutes')} calendar) · p90 {m('p90_business_minutes')} · mean {m('mean_business_minutes')}")


def stats_pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def stats_sla(target: str, data: dict[str, object]) -> str:
    pct = data["met_pct"]
    label = {"first_response": "first response", "resolution": "resolution"}[target]
    return (f"SLA {label}: {data['met']:,} met, {data['breached']:,} breached, {data['pending']:,} pending"
            f" · {stats_pct(pct if isinstance(pct, float) else None)} within")


def stats_rates(reopen: float | None, recontact: float | None, one_touch: float | None) -> str:
    return f"Reopen rate {stats_pct(reopen)} · Re-contact rate {stats_pct(recontact)} · One-touch {stats_pct(one_touch)}"


STATS_GROUP_HEADER = ("key", "created", "resolved", "open", "FR median", "FR waiting", "Res median", "SLA FR", "SLA res", "reopen", "one-touch")
STATS_ARTICLE_HEADER = ("answered", "reopened after")  # --by article's two more columns
STATS_TOTAL = "total"


def stats_broken(path: str) -> str:
    return f"left out of the figures: {path} cannot be read"


# The definition of every figure: `tix stats --explain`, the HTML report's footer, docs/REPORTS.md.
KPI_DEFINITIONS = (
    ("period", "The figures cover [since, until): default the 30 days before now. --as-of T computes as if now were T: "
               "nothing that happened after T is known, so the same repository and T always give the same numbers. "
               "The state of a ticket at a moment comes from the commits that touched its file (author time), the same history as `tix log`. "
               "Replies, resolutions and reopens count as far as they are known at T, also when they came after the end of the "
               "period (a week's tickets keep their late answers); the backlog is the stock at the end of the period."),
    ("received time", "When our side received a customer's message: the newest Received: header's time, else the Maildir delivery "
                      "time, else the import time (never a sender's Date:). A ticket created by an agent starts at its creation."),
    ("created", "Tickets created in the period (a flow)."),
    ("resolved", "Tickets that moved into a closed status at least once in the period (a flow, counted once per ticket)."),
    ("backlog", "As of the end of the period: tickets not closed. waiting_on_customer: in a waiting status; waiting_on_us: the rest. "
                "age_buckets by calendar age since creation: < 1 d, 1–3 d, 3–7 d, 7–30 d, > 30 d (a stock, not a flow)."),
    ("first_response", "For tickets created in the period: received time → the first human reply to the customer. "
                       "Automatic acknowledgements, notes and notifications do not count. count: answered by T; waiting: not answered "
                       "at T (never 0 minutes, never left out). A ticket that began with our own reply (we wrote first, at its creation) is not counted."),
    ("resolution", "For tickets created in the period: creation → the first move into a closed status. waiting: not closed yet."),
    ("final_resolution", "For tickets created in the period and closed at the end: creation → the last move into a closed status. "
                         "waiting: not closed at the end."),
    ("business minutes", "Minutes within the opening hours (hours.*), without holidays, minus the open time the ticket spent in a "
                         "waiting status (when clock.pause_when_waiting). Calendar minutes: plain wall-clock time, pauses included."),
    ("median, p90, mean", "median: the middle value (the mean of the two middle ones for an even count); p90: nearest rank, the value "
                          "at rank ceil(0.9 n); mean: the arithmetic mean, easily skewed by one old ticket. null when there is none."),
    ("sla", "Per target (sla.PRIORITY.first_response, .resolution; the priority at the end): met / (met + breached). Met: the event came "
            "by its due time; breached: it came later, or has not come and the due time has passed. The due time is pushed back by the "
            "open time of each pause that began before it; while such a pause lasts the target is pending. met and breached are counted "
            "in the period where the due time falls; pending: tickets created in the period whose target is still running. "
            "met_pct is null when nothing is met or breached."),
    ("reopen_rate", "Of the tickets resolved in the period, the share that left the closed status within --reopen-window days "
                    "(default 7) of a resolution in the period. null when none was resolved."),
    ("recontact_rate", "Of the tickets resolved in the period, the share whose customer (same address) opened a new ticket within "
                       "--recontact-days days (default 7) after the last resolution in the period."),
    ("one_touch_rate", "Of the tickets resolved in the period, the share with exactly one human reply and never reopened."),
    ("csat", "Satisfaction by reply (issue 17): asked = tickets sent a rating request (a mail whose template called "
             "ask_rating()) in the period; rated = tickets whose customer's latest rating was given in the period, split into good, "
             "okay and bad; good_pct = good / rated; response_rate = rated / asked; by_owner: the same per ticket owner at the "
             "rating's time. null when there is nothing to divide by."),
    ("groups", "--by owner|category|queue|channel|priority|customer: the tickets there at the end of the period, split by that "
               "field as it was then; a group with no ticket that was open then or had anything happen in the period is left out. "
               "--by week|month: the same figures for each week (Monday first) or month of the period. Filters (--owner, --queue, "
               "--category, --tag) use the fields as at the end of the period."),
    ("articles", "--by article: the tickets answered with each knowledge-base article (a human reply that put it in, known at T; "
                 "a ticket answered with two is in both groups, one answered with none in '-'), with every figure above, and "
                 "answered_with: the tickets with such a reply in the period; reopened_after: those of them that left the closed "
                 "status after that reply (by T)."),
    ("per-agent load", "Open tickets owned at the end; human replies sent and tickets resolved (owner at the resolution) in the "
                       "period; the median first response (business minutes) of the tickets whose first reply the agent sent."),
    ("category trend", "Tickets created per category in the period and in the one as long before it, with the change; fastest growing: "
                       "the largest relative increase among categories with at least 5 tickets in both."),
)


def kpi_explain() -> str:
    return "\n".join(f"{name}: {text}" for name, text in KPI_DEFINITIONS)


# The HTML report's labels (render/report_html.py).
REPORT_HTML = {
    "title": "report", "created": "created", "resolved": "resolved", "waiting_on_us": "backlog waiting on us",
    "waiting_on_customer": "backlog waiting on the customer", "frt_median": "median first response (business)",
    "frt_waiting": "not answered yet", "sla_fr": "first response within SLA", "sla_res": "resolution within SLA",
    "reopen": "reopen rate", "one_touch": "one-touch resolution", "recontact": "re-contact rate",
    "board": "Board: open tickets by status and owner", "owner": "owner", "none": "nothing to show for this period",
    "id": "ticket", "subject": "subject", "status": "status", "target": "SLA target", "due": "due", "sla": "SLA",
    "target_first_response": "first response", "target_resolution": "resolution",
    "sla_breached": "breached", "sla_near": "due soon", "sla_ok": "in time", "sla_paused": "paused", "sla_none": "no target",
    "charts": "Flow, backlog and first response", "chart_flow": "Created vs resolved per week",
    "chart_frt": "Median first response per week (business minutes) against the target", "target_line": "target",
    "chart_frt_calendar": "Median first response per week (calendar minutes) against the wall-clock target",
    "frt_median_calendar": "median first response (calendar)",
    "chart_ages": "Backlog by age", "age_lt_1d": "< 1 d", "age_1_3d": "1–3 d", "age_3_7d": "3–7 d", "age_7_30d": "7–30 d",
    "age_gt_30d": "> 30 d", "agents": "Per-agent load", "agent": "agent", "open": "open owned", "replies": "replies sent",
    "trend": "Categories: created in the last 4 weeks against the 4 before", "category": "category", "previous": "from",
    "current": "from", "change": "change", "growth": "growth", "eligible": "≥ 5 in both", "yes": "yes", "no": "no",
    "fastest": "Fastest growing", "generated": "Generated", "commit": "at commit",
}


def report_board_shown(shown: int, total: int) -> str:
    if shown == total:
        return f"{total:,} open {'ticket' if total == 1 else 'tickets'}, the most urgent first"
    return f"the {shown:,} most urgent of {total:,} open tickets (`tix list` shows them all)"


def report_written(path: str, size: int) -> str:
    return f"wrote {path} ({size:,} bytes)"


def report_needs_html() -> str:
    return "tix report: say where to write it: --html FILE (or `tix report mail --to ADDR`)"


def report_bad_period(name: str, known: tuple[str, ...]) -> str:
    return f"--period: unknown period '{name}' (one of: {', '.join(known)})"


def report_bad_address(text: str) -> str:
    return f"--to: not a mail address: {text!r}"


def report_mail_subject(helpdesk: str, period_key: str) -> str:
    return f"{helpdesk}: report for {period_key}"


def commit_report_mail(period_key: str, to: str) -> str:
    return f"report {period_key} for {to} queued"


def report_mail_queued(name: str, to: str, size: int) -> str:
    return f"queued the report for {to} as {name} ({size:,} bytes); `tix send` delivers it"


def report_mail_already(name: str, to: str) -> str:
    return f"the report for this period went to {to} already ({name}): nothing queued"


def report_mail_dry_run(subject: str, to: str, size: int) -> str:
    return f"would queue '{subject}' for {to} ({size:,} bytes); nothing changed (dry run)"


# --- search, the query language, customer history and saved views (issue 14) -------------


def query_empty() -> str:
    return "empty query: give words to look for or terms like status:open (docs/SEARCH.md)"


def query_unbalanced_quote(term: str, position: int) -> str:
    return f"unbalanced quote at position {position}: {term} (close it with \")"


def query_unknown_field(name: str, position: int, suggestion: str) -> str:
    return f"unknown field '{name}' at position {position} — did you mean '{suggestion}'?"


def query_missing_value(name: str, position: int) -> str:
    return f"'{name}:' at position {position} needs a value, e.g. {name}:something"


def query_bad_value(term: str, position: int, allowed: tuple[str, ...], suggestion: str | None) -> str:
    hint = f" — did you mean '{suggestion}'?" if suggestion else ""
    return f"'{term}' at position {position}: not one of {', '.join(allowed)}{hint}"


def query_bad_time(term: str, position: int) -> str:
    return f"'{term}' at position {position}: not a time like >2w, <4h, 30m or 2026-11-01"


def query_no_words(position: int) -> str:
    return f"the term at position {position} holds no word to look for"


def search_count(shown: int, total: int) -> str:
    return f"{shown} of {count(total, 'ticket')} shown (--all or -n N for more)"


def no_customer_tickets(who: str) -> str:
    return f"no tickets from {who}"


def customer_heading(who: str, tickets: int, open_: int) -> str:
    return f"{who}: {count(tickets, 'ticket')}, {open_} open"


def customer_contacts(first: str, last: str) -> str:
    return f"first contact {first}, last contact {last}"


def customer_median_response(text: str) -> str:
    return f"median first response: {text}"


def customer_no_response() -> str:
    return "median first response: no reply yet"


def customer_months() -> str:
    return "tickets per month (last 12 months):"


def customer_closed_mark() -> str:
    return "closed"


def other_tickets_heading(open_: int, closed: int) -> str:
    return f"This customer's other tickets ({open_} open, {closed} recent closed shown):"


def view_unknown(name: str, known: list[str], suggestion: str | None) -> str:
    hint = f" — did you mean '@{suggestion}'?" if suggestion else ""
    return f"unknown view '{name}'{hint} (saved views: {', '.join(known) or 'none; add them under views: in tix.yaml'})"


def view_and_query() -> str:
    return "give either a view (@name or --view) or a query, not both"


def no_views() -> str:
    return "no saved views; add them under views: in tix.yaml (docs/SEARCH.md)"


def config_bad_view(name: str, problem: str) -> str:
    return f"views.{name}: {problem}"


# --- the knowledge base (issue 15) ---------------------------------------------------------


def kb_format_error(path: str, reason: str) -> str:
    return f"{path}: {reason}"


def kb_no_front_matter() -> str:
    return "no front-matter: an article starts with a '---' line, its fields (id, title, ...), and another '---' line"


def kb_bad_yaml(problem: object) -> str:
    return f"bad front-matter: {' '.join(str(problem).split())}"


def kb_field_missing(key: str) -> str:
    return f"the front-matter has no '{key}'"


def kb_field_not_text(key: str) -> str:
    return f"'{key}' must be a single value"


def kb_field_not_list(key: str) -> str:
    return f"'{key}' must be a list of words, e.g. [returns, refund]"


def kb_bad_slug(key: str, value: str) -> str:
    return f"{key} '{value}' is not valid: lowercase letters, digits, '-' and '_' (at most 80), e.g. password-reset"


def kb_bad_lang(value: str) -> str:
    return f"language '{value}' is not a language code such as en, pl, ru or pt-br"


def kb_lang_not_folder(lang: str, folder: str) -> str:
    return f"lang: {lang}, but the file is in kb/{folder}/ (move it to kb/{lang}/ or correct the field)"


def kb_bad_visibility(value: str, allowed: tuple[str, ...]) -> str:
    return f"visibility '{value}' is not one of {', '.join(allowed)}"


def kb_bad_translation_of(value: str, lang: str) -> str:
    return f"translation_of '{value}' must name the language this {lang} version was translated from, e.g. en"


def kb_bad_reviewed(value: object) -> str:
    return f"reviewed '{value}' is not a date like 2026-11-01"


def kb_duplicate_id(path: str, article_id: str, lang: str, other: str) -> str:
    return f"{path}: skipped: id '{article_id}' in {lang} is already {other} (one article per id and language)"


def kb_translation_of_nowhere(path: str, article_id: str, lang: str) -> str:
    return f"{path}: translation_of: {lang}, but there is no '{article_id}' in {lang} (kb/{lang}/…/{article_id}.md)"


def kb_needs_title() -> str:
    return "an article needs a title"


def kb_exists(article_id: str, lang: str, path: str) -> str:
    return f"article '{article_id}' already has a {lang} version: {path} (tix kb edit {article_id} --lang {lang})"


def kb_translation_of_missing(article_id: str, lang: str, versions: list[str]) -> str:
    have = f"it is written in {', '.join(versions)}" if versions else f"there is no article '{article_id}' yet"
    return f"--translation-of {lang}: article '{article_id}' has no {lang} version ({have})"


def kb_path_taken(path: str) -> str:
    return f"{path} already exists"


def kb_created(lang: str, path: str) -> str:
    return f"created ({lang}, {path})"


def kb_edited(lang: str) -> str:
    return f"edited by hand ({lang})"


def kb_archived(langs: list[str]) -> str:
    return f"archived ({', '.join(langs)})"


def kb_edit_key_changed(article_id: str, lang: str, new_id: str, new_lang: str) -> str:
    return f"the id and language of an article never change ({article_id}, {lang} became {new_id}, {new_lang}): write a new article instead"


def kb_edit_rejected(path: str, problem: str, draft: object) -> str:
    return f"edit rejected, {path} is unchanged: {problem} (your version: {draft})"


def kb_edit_changed_meanwhile(path: str, draft: object) -> str:
    return f"{path} changed while you were editing it; nothing was committed (your version: {draft})"


def kb_unknown(article_ref: str, suggestion: str | None, warnings: list[str]) -> str:
    hint = f" — did you mean '{suggestion}'?" if suggestion else ""
    broken = f" ({count(len(warnings), 'article file')} could not be read: tix kb list names them)" if warnings else ""
    return f"no article '{article_ref}' in kb/{hint}{broken}"


def kb_no_version(article_id: str, lang: str, versions: list[str]) -> str:
    return f"article '{article_id}' has no {lang} version (it is written in {', '.join(versions)})"


def kb_which_language(article_id: str, versions: list[str]) -> str:
    return f"article '{article_id}' is written in {', '.join(versions)}: say which with --lang"


def kb_search_empty() -> str:
    return "give words to look for, e.g. tix kb search zwrot towaru"


def kb_out_not_a_folder(out: object) -> str:
    return f"{out} is not a folder (or is a symlink): give --out a folder of its own"


def kb_site_bad_path(name: str) -> str:
    return f"refused to write {name!r}: outside the site's folder"


def kb_change(article_id: str, summary: str) -> str:
    return f"{article_id}: {summary}"


def kb_unchanged(article_id: str) -> str:
    return f"{article_id}: nothing changed"


def kb_none() -> str:
    return "no articles (write one with tix kb new TITLE --lang en --category CATEGORY)"


def kb_no_matches() -> str:
    return "no article matches"


def kb_translations(langs: list[str]) -> str:
    return f"also in: {', '.join(langs)}" if langs else "no other languages"


def kb_suggestions_heading(ticket_id: str) -> str:
    return f"Articles that may help (tix reply {ticket_id} --kb ID):"


def kb_site_written(out: object, files: int, articles: int) -> str:
    return f"wrote {count(files, 'file')} to {out} ({count(articles, 'public article')}); open {out}/index.html"


def kb_not_for_customers(article_id: str, visibilities: dict[str, str]) -> str:
    shown = ", ".join(f"{lang}: {visibility}" for lang, visibility in visibilities.items())
    return f"article '{article_id}' has no public version ({shown}): only public articles go into mail to a customer"


def kb_fell_back(article_id: str, wanted: str, used: str) -> str:
    return f"article '{article_id}' has no public {wanted} version (the customer's language): the {used} one is in the reply"


def kb_no_base_url() -> str:
    return "kb_link() needs kb.base_url, where the site of tix kb build is published (tix config set kb.base_url https://…/)"


def kb_used(ids: list[str]) -> str:
    return f"articles used: {', '.join(ids)}"


def cli_note(message: str) -> str:
    return f"tix: note: {message}"


def kb_site_script_removed(path: str) -> str:
    return f"{path}: raw HTML with a script, an event handler or a javascript: URL; removed from the site (nh3)"


def kb_site_link_outside(path: str, url: str) -> str:
    return f"{path}: the link {url} leads outside kb/; left out of the site"


def kb_site_link_unpublished(path: str, url: str) -> str:
    return f"{path}: the link {url} is to an article that is not public (or does not exist); left out of the site"


def kb_site_file_unreadable(path: str, problem: str) -> str:
    return f"{path}: not copied to the site: {problem}"


_KB_SITE_LABELS = {
    "en": {"title": "Help centre", "search": "Search the help centre", "no_results": "Nothing found.",
           "other_languages": "Other languages", "reviewed": "Reviewed", "empty": "No public articles yet."},
    "pl": {"title": "Centrum pomocy", "search": "Szukaj w centrum pomocy", "no_results": "Nic nie znaleziono.",
           "other_languages": "Inne języki", "reviewed": "Sprawdzono", "empty": "Nie ma jeszcze publicznych artykułów."},
    "ru": {"title": "Справочный центр", "search": "Поиск по справке", "no_results": "Ничего не найдено.",
           "other_languages": "Другие языки", "reviewed": "Проверено", "empty": "Публичных статей пока нет."},
}  # fmt: skip
_LANGUAGE_NAMES = {"en": "English", "pl": "Polski", "ru": "Русский", "de": "Deutsch", "fr": "Français", "uk": "Українська",
                   "cs": "Čeština", "es": "Español", "it": "Italiano"}  # fmt: skip


def kb_site_labels(lang: str) -> dict[str, str]:
    """The published site's own words in a language (English where there are none for it)."""
    return dict(_KB_SITE_LABELS.get(lang, _KB_SITE_LABELS["en"]))


def kb_site_language_name(lang: str) -> str:
    return _LANGUAGE_NAMES.get(lang, lang)


# ===== Help, completion and usage errors in tix's words (issue 18, items 1-2) =====


def cli_version(version: str) -> str:
    return f"tix {version}"


def cli_try_help(command_path: str) -> str:
    """`command_path`: the command as typed, e.g. 'tix list'."""
    words = command_path.split(maxsplit=1)
    return f"Try '{words[0]} help{' ' + words[1] if len(words) > 1 else ''}' for its usage and examples."


def cli_unknown_option(option: str, closest: str | None) -> str:
    return f"unknown option {option}" + (f"; did you mean {closest}?" if closest else "")


def cli_dry_run_is_long(option: str) -> str:
    """-n means --limit in every tix command; the commands that preview a run spell it --dry-run."""
    return f"unknown option {option}: in tix, -n is --limit; for a run that changes nothing write --dry-run"


def cli_unknown_command(name: str, closest: str | None, where: str) -> str:
    """`where`: 'tix' or a group such as 'tix config'."""
    return f"'{name}' is not a {where} command" + (f"; did you mean '{closest}'?" if closest else "")


def cli_needs_value(option: str) -> str:
    return f"{option} needs a value"


def cli_takes_no_value(option: str) -> str:
    return f"{option} is a switch and takes no value"


def cli_missing_argument(command_path: str, what: str) -> str:
    return f"{command_path} needs {what}"


def cli_missing_option(option: str) -> str:
    return f"{option} is required here"


def cli_extra_arguments(command_path: str, extra: str) -> str:
    return f"{command_path} got more than it takes: {extra}"


def cli_bad_value(option: str, problem: str) -> str:
    return f"{option}: {problem}"


def cli_not_a_choice(value: str, choices: list[str]) -> str:
    listed = ", ".join(choices[:-1]) + f" or {choices[-1]}" if len(choices) > 1 else "".join(choices)
    return f"'{value}' is not one of the choices; choose {listed}"


def cli_not_a_whole_number(value: str, minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        bounds = f" from {minimum} to {maximum}"
    elif minimum is not None:
        bounds = f" of at least {minimum}"
    elif maximum is not None:
        bounds = f" of at most {maximum}"
    else:
        bounds = ""
    return f"'{value}' is not a whole number{bounds}"


def cli_not_a_number(value: str) -> str:
    return f"'{value}' is not a number"


def cli_aborted() -> str:
    return "tix: aborted"


def cli_no_such_folder(folder: object, source: str) -> str:
    """`source`: -C or TIX_DIR."""
    return f"{source}: the folder {folder} does not exist"


def cli_not_a_folder(folder: object, source: str) -> str:
    return f"{source}: {folder} is not a folder"


def identity_unknown_handle(source: str, text: str, team: list[str]) -> str:
    """`source`: --as or TIX_USER; `text`: neither an address nor a team handle."""
    known = f" (team: {', '.join(team)})" if team else " (tix.yaml has no team: section)"
    return f"{source}: {text!r} is not a team handle, 'Name <email>' or an address{known}"


def git_said(summary: str, detail: str) -> str:
    """`summary`: tix's one line; `detail`: everything git wrote, shown in full below it."""
    lines = [line.rstrip() for line in detail.strip().splitlines() if line.strip()]
    if len(lines) <= 1:  # the one line is in the summary already
        return summary
    return summary + "\ngit said:\n" + "\n".join(f"  {line}" for line in lines)


def completion_unknown_shell(shell: str) -> str:
    return f"no completion for the shell '{shell}'; choose bash, zsh or fish"


# ===== end of help, completion and usage errors =====


# ===== Ticket operations: merge, link, split, spam, delete; pasted IDs (issue 18 #5, #6) =====


def ops_path_not_a_ticket(path: str) -> str:
    return f"'{path}' is not a path to a ticket (tickets/XX/ID/ticket.md or a folder inside it)"


def ops_no_ticket_holds(message_id: str) -> str:
    return f"no ticket holds the message {message_id}"


def ops_merge_itself(ticket_id: str) -> str:
    return f"cannot merge {ticket_id} into itself"


def ops_merged_elsewhere(ticket_id: str, into: str) -> str:
    return f"{ticket_id} was merged into {into} already; merge into {into} instead"


def ops_target_merged(ticket_id: str, into: str) -> str:
    return f"{ticket_id} was merged into {into}: merge into {into} instead"


def ops_merged(source_id: str, moved: int) -> str:
    return f"merged {source_id} into it ({count(moved, 'entry', 'entries')} moved)"


def ops_merged_note(source_id: str, subject: str) -> str:
    return f"{source_id} ({subject}) was merged into this ticket: its conversation is here now."


def ops_stub_note(target_id: str) -> str:
    return f"Merged into {target_id}: the conversation is there, and mail to this ticket goes there too."


def ops_nothing_to_merge(source_id: str, target_id: str) -> str:
    return f"{source_id} is merged into {target_id} already; nothing new to move"


def ops_merge_done(target_id: str, source_id: str, moved: int) -> str:
    return f"{target_id}: merged {source_id} into it ({count(moved, 'entry', 'entries')} moved); {source_id} is closed and points here"


def ops_bad_link_kind(kind: str, kinds: tuple[str, ...]) -> str:
    return f"unknown link kind '{kind}' (one of: {', '.join(kinds)})"


def ops_link_itself(ticket_id: str) -> str:
    return f"cannot link {ticket_id} to itself"


_LINK_WORDS = {"related": "related to", "duplicate": "duplicated by", "parent": "parent of"}


def ops_linked(kind: str, other: str) -> str:
    return f"{_LINK_WORDS.get(kind, kind)} {other}"


def ops_unlinked(other: str) -> str:
    return f"unlinked from {other}"


def ops_no_link(first: str, second: str) -> str:
    return f"{first} and {second} are not linked; nothing to change"


def ops_already_linked(first: str, second: str) -> str:
    return f"{first} and {second} are linked so already; nothing to change"


_LINK_LABELS = {"related": "related to", "duplicates": "duplicated by", "duplicate_of": "duplicate of",
                "children": "parent of", "parent": "child of"}  # fmt: skip


def ops_link_label(key: str) -> str:
    """How `tix show` words a link key of the ticket shown ("duplicate of 4KX2QF7A")."""
    return _LINK_LABELS.get(key, key)


def ops_links_line(parts: list[str]) -> str:
    return f"Links:     {'; '.join(parts)}"


def ops_merged_into_line(target_id: str) -> str:
    return f"Merged into {target_id}: its conversation is there (tix show {target_id})"


def ops_split_first(ticket_id: str) -> str:
    return f"cannot split off the first entry of {ticket_id}: it is what the ticket is about"


def ops_split_undelivered(ticket_id: str, entry_id: str) -> str:
    return f"entry {entry_id} of {ticket_id} is a reply still in the outbox; split it once it is delivered"


def ops_no_entry(ticket_id: str, ref: str) -> str:
    return f"{ticket_id} has no entry '{ref}' (entry IDs: tix show {ticket_id} -f json)"


def ops_ambiguous_entry(ticket_id: str, ref: str, matches: list[str]) -> str:
    return f"'{ref}' names {count(len(matches), 'entry', 'entries')} of {ticket_id} ({', '.join(matches)}); give more of the ID"


def ops_split(moved: int, source_id: str) -> str:
    return f"split off {source_id} ({count(moved, 'entry', 'entries')})"


def ops_split_note(new_id: str, moved: int) -> str:
    return f"{count(moved, 'entry', 'entries')} moved to a new ticket, {new_id}: a matter of its own."


def ops_split_done(new_id: str, source_id: str, moved: int) -> str:
    return f"{new_id}: new ticket with {count(moved, 'entry', 'entries')} split off {source_id} (linked as related)"


def ops_blocked(address: str) -> str:
    return f"{address} added to mail.block"


def ops_deleted_summary(subject: str) -> str:
    return f"deleted: {subject}"


def ops_deleted_body(folder: str) -> str:
    return (f"The ticket's files ({folder}) stay in the history; `git revert` of this commit restores them.\n"
            "Its Message-IDs are kept in .tix/deleted/, so the same mail is not imported again.")  # fmt: skip


def ops_deleted_done(ticket_id: str, subject: str, folder: str, commit: str) -> str:
    return (f"{ticket_id}: deleted ({subject}). Its history stays in git: `git log --stat -- {folder}` shows it, "
            f"`git revert {commit[:10]}` restores it")  # fmt: skip


def ops_deleted_ticket_mail(ticket_id: str) -> str:
    return f"its ticket {ticket_id} was deleted (tix delete; .tix/deleted/{ticket_id}.json): not imported again"


def ops_threaded_to_merged(reason: str, source_id: str, target_id: str) -> str:
    return f"{reason}; {source_id} was merged into {target_id}"


def ops_blocked_sender(address: str) -> str:
    return f"{address} is on mail.block: filed as spam"


# ===== Edits that are never lost, configuration round trips, reply preview (issue 18 #4, #7, #8) =====


def hand_edit_refused(path: str) -> str:
    return (f"{path} has changes that are not committed (a hand edit?), and this change would commit them unseen: "
            f"commit them (git commit {path}), undo them (git checkout -- {path}), "
            "or run the command as `tix --include-edits ...` to commit them first as an edit of their own")  # fmt: skip


def hand_edit_invalid(path: str, problem: str) -> str:
    return f"{path} has changes that are not committed, and they cannot be committed: {problem}"


def hand_edit_included() -> str:
    return "edited by hand (committed by --include-edits)"


def edit_offer_rejected(ticket_id: str, draft: object) -> str:
    return f"tix edit rejected your last version of {ticket_id} (kept in {draft}). Reopen it?"


def import_held_for_hand_edit(path: str) -> str:
    return (f"not filed: {path} has changes that are not committed (a hand edit?); commit or undo them, "
            "then run `tix import --retry-quarantine`")


def remind_skipped_hand_edit(path: str) -> str:
    return f"{path}: not reminded: the file has changes that are not committed (commit or undo them; the next run reminds)"


def config_key_given_twice(key: str) -> str:
    return f"{key} is given twice; nothing changed"


def config_set_needs_pairs(count: int) -> str:
    return f"config set takes KEY VALUE pairs, but got {count} words (a value with spaces needs quotes)"


def commit_config_set_many(pairs: list[tuple[str, str]]) -> str:
    return "config set " + ", ".join(f"{key} {value}" for key, value in pairs)


def ticket_value_unknown(paths: list[str], count: int, problem: str) -> str:
    """A value a ticket file holds that the configuration does not know (`status: opne`)."""
    where = paths[0] if count == 1 else f"{count} ticket files ({', '.join(paths)}{', ...' if count > len(paths) else ''})"
    return f"{where}: {problem}; fix it with `tix edit` or add it to tix.yaml"


def init_failed(path: object, problem: str) -> str:
    return f"cannot create the helpdesk: {path}: {problem}; nothing was left behind"


def preview_attachment(name: str) -> str:
    return f"[attachment: {name}]"


def send_held_for_hand_edit(path: str) -> str:
    return (f"not sent: its ticket file {path} has changes that are not committed (commit or undo them, "
            "or run `tix --include-edits send`)")


# ===== Output (issue 18 #3): pager, colour, values for people, JSON, progress =====


def yes_no(value: bool) -> str:
    """A true/false value (a config switch, a custom field) as `tix show` and `tix config` print it."""
    return "yes" if value else "no"


def config_rules_summary(number: int, names: list[str]) -> str:
    """`tix config list`'s line for the routing rules (`tix config get rules` prints them whole)."""
    return f"{count(number, 'rule')} ({', '.join(name for name in names if name) or 'unnamed'})"


def import_progress_label() -> str:
    """Before `tix import`'s progress bar (on a terminal only)."""
    return "importing"


def progress_rate(per_second: float) -> str:
    """The rate after a progress bar."""
    return f"{per_second:,.0f} messages/s" if per_second >= 10 else f"{per_second:.1f} messages/s"


def fetch_progress_label() -> str:
    """Before `tix fetch`'s progress bar (on a terminal only)."""
    return "fetching"


# ===== Customer loop: status notices, ratings, the status answer (issue 17) =====


def notice_queued(status: str, template: str, asks_rating: bool) -> str:
    rating = ", asking for a rating" if asks_rating else ""
    return f"notice '{template}' for {status} queued{rating}"


def rating_recorded(label: str) -> str:
    return f"rating: {label} (does not reopen the ticket)"


def status_answered(template: str) -> str:
    return f"status question answered automatically with '{template}'"


def no_status_answer(reason: str) -> str:
    return f"warning: no automatic status answers this run: {reason}"


def csat_label(label: str) -> str:
    return {"good": "good", "okay": "okay", "bad": "bad"}.get(label, label)


def show_rating(label: str, at: str, comment: str) -> str:
    said = f" — \u201c{one_line_comment(comment)}\u201d" if comment else ""
    return f"{csat_label(label)} ({at}){said}"


def one_line_comment(comment: str, limit: int = 80) -> str:
    text = " ".join(comment.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stats_csat(rated: int, asked: int, good: int, okay: int, bad: int, good_pct: float | None) -> str:
    return f"Satisfaction: {rated} rated of {asked} asked · good {good}, okay {okay}, bad {bad} · {stats_pct(good_pct)} good"
