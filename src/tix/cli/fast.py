"""`tix show`, `tix list`, `tix search`, the one-line state changes (`tix assign 4KX2 anna`),
`tix sync` and `tix import` without Typer: the commands an agent (and cron) runs all day.

Importing Typer and Click takes ~55 ms, four times Python's own start-up, before tix does
anything (issue 12: `tix show` <= 4x `python -c pass`). So `tix.cli.main` first offers the
arguments to `run` here. It takes only the plain forms of these commands: global options
first, then each option spelled out (`--limit 5`, `--limit=5`, `-n 5`) with a value that Typer
would take as it stands. Anything else (help, a value it is unsure of, an option it does not know,
`-n5`, `--`) it leaves to Typer, which runs the command as always, with its help and errors.
Both ways end in the same functions below (cli/tickets.py calls them too), with the same
values; tests/test_cli_fast.py checks the options and defaults here are the Typer command's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tix.cli.state import State
from tix.domain.patterns import lazy
from tix.render.terminal import COLOUR_CHOICES, pager_command

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

    from tix.render.printout import Printout

GLOBAL_OPTIONS = {"-C": "directory", "--as": "as_user", "--color": "colour"}
GLOBAL_FLAGS = {"--include-edits": "include_edits", "--no-pager": "no_pager"}


class Spec:
    """What one command takes: options with a value (`many`: may repeat), flags, positionals."""

    def __init__(self, values: dict[str, str], many: set[str], flags: dict[str, str], choices: dict[str, tuple[str, ...]],
                 defaults: dict[str, Any], positionals: tuple[str, ...] = (), dash_words: bool = False,
                 min_limit: int = 0) -> None:  # fmt: skip
        self.values, self.many, self.flags, self.choices = values, many, flags, choices
        self.defaults, self.positionals = defaults, positionals
        # `-word` is a positional, as Click takes it for a command without short options that
        # ignores unknown ones (`tix search -tag:spam -nowy`); `--word` is still Typer's to judge
        self.dash_words = dash_words
        self.min_limit = min_limit


SHOW = Spec(values={"--format": "format", "-f": "format"}, many=set(), flags={}, choices={"format": ("text", "json")},
            defaults={"format": "text"}, positionals=("ticket",))  # fmt: skip

LIST = Spec(
    values={"--status": "status", "-s": "status", "--owner": "owner", "-o": "owner", "--priority": "priority",
            "-p": "priority", "--category": "category", "-c": "category", "--tag": "tag", "-t": "tag", "--queue": "queue",
            "-q": "queue", "--customer": "customer", "--since": "since", "--sort": "sort", "--due-within": "due_within",
            "--format": "format", "-f": "format", "--limit": "limit", "-n": "limit", "--view": "view"},
    many={"status", "owner", "priority", "category", "tag", "queue", "query"},
    flags={"--mine": "mine", "-m": "mine", "--unassigned": "unassigned", "-u": "unassigned", "--all": "all_",
           "-a": "all_", "--breached": "breached"},
    choices={"format": ("table", "json", "csv")},
    defaults={"status": None, "owner": None, "mine": False, "unassigned": False, "priority": None, "category": None,
              "tag": None, "queue": None, "customer": None, "since": None, "sort": "priority,created", "all_": False,
              "breached": False, "due_within": None, "format": "table", "limit": None, "view": None, "query": None},
    positionals=("query",),  # in `many`: every word given (a query, docs/SEARCH.md)
)  # fmt: skip

SEARCH = Spec(
    values={"--format": "format", "--limit": "limit", "--view": "view"}, many={"query"}, flags={"--all": "all_"},
    choices={"format": ("table", "json", "csv")}, defaults={"format": "table", "limit": 20, "all_": False, "view": None, "query": None},
    positionals=("query",), dash_words=True, min_limit=1,
)  # fmt: skip

# The state changes with their arguments (as the Typer commands name them) and their service.
CHANGES = {
    "assign": (("ticket", "user"), "assign"), "take": (("ticket",), "take"), "unassign": (("ticket",), "unassign"),
    "status": (("ticket", "new_status"), "set_status"), "reopen": (("ticket",), "reopen"),
    "priority": (("ticket", "level"), "set_priority"), "category": (("ticket", "name"), "set_category"),
    "queue": (("ticket", "name"), "set_queue"), "close": (("ticket",), "close"),
}  # fmt: skip
_CLOSE_OPTIONS = {"--message": "message", "-m": "message"}

SYNC = Spec(values={"--format": "format", "-f": "format"}, many=set(), flags={"--force": "force", "--quiet": "quiet", "-q": "quiet"},
            choices={"format": ("text", "json")}, defaults={"remote": None, "force": False, "quiet": False, "format": "text"},
            positionals=("remote",))  # fmt: skip

# `tix import` (cron's, every five minutes): '-' (stdin) is Typer's, as every value beginning with '-'.
IMPORT = Spec(values={"--maildir": "maildirs", "--format": "format", "-f": "format"}, many={"sources", "maildirs"},
              flags={"--mark-seen": "mark_seen", "--dry-run": "dry_run", "--retry-quarantine": "retry_quarantine",
                     "--quiet": "quiet", "-q": "quiet"},
              choices={"format": ("text", "json")},
              defaults={"sources": None, "maildirs": None, "mark_seen": False, "dry_run": False, "retry_quarantine": False,
                        "quiet": False, "format": "text"},
              positionals=("sources",))  # fmt: skip

_FORMAT = {"--format": "format", "-f": "format"}
COMMANDS = {"show": SHOW, "list": LIST, "search": SEARCH, "sync": SYNC, "import": IMPORT} | {
    name: Spec(values=(_CLOSE_OPTIONS | _FORMAT) if name == "close" else _FORMAT, many=set(), flags={"--no-notify": "no_notify"},
               choices={"format": ("text", "json")}, positionals=positionals,
               defaults={"message": None, "no_notify": False, "format": "text"} if name == "close" else {"no_notify": False, "format": "text"})
    for name, (positionals, _) in CHANGES.items()
}  # fmt: skip
NOTIFYING = ("status", "close", "reopen")  # the changes a customer's notice may follow (notify.STATUS; issue 17)


_NEGATED_TERM = lazy(r"^-[A-Za-z]+:.")
_SHORT_LIMIT = lazy(r"^-n(\d*)$")


def spelled_out(argv: list[str]) -> list[str]:
    """`argv` with the query terms of `tix list` and `tix stats` that Click would misread spelled
    out, and `tix search`'s `-n N` spelled `--limit N`, for Typer as for the parser here.

    `list` and `stats` have short options: Click would read `-t ag:spam` out of `-tag:spam` (`-t`
    is --tag), so a negated field term becomes `not:tag:spam`. `search` has no short option a
    negated word could be mistaken for (`-nowy` is not `-n owy`): its `-n` is only ever `-n N` or
    `-nN`, its `-h` is `--help`, and anything else beginning with '-' stays a query word."""
    command = command_of(argv)
    if command in ("list", "stats"):
        return [f"not:{token[1:]}" if _NEGATED_TERM.match(token) else token for token in argv]
    if command == "search":
        start = len(argv) - len(_after(argv)) + 1  # the first word after `search`
        spelled = argv[:start]
        for index, token in enumerate(argv[start:], start):
            if token == "--":  # the rest are words, as Click takes them
                return spelled + argv[index:]
            short = _SHORT_LIMIT.match(token)
            if token == "-h":
                spelled.append("--help")
                continue
            spelled.append(token if short is None else f"--limit={short.group(1)}" if short.group(1) else "--limit")
        return spelled
    return argv


def _after(argv: list[str]) -> list[str]:
    """`argv` from the command's name on (the global options before it left out)."""
    rest = list(argv)
    while rest:
        if rest[0] in GLOBAL_OPTIONS:
            rest = rest[2:]
        elif rest[0] in GLOBAL_FLAGS or rest[0].startswith("--color="):
            rest = rest[1:]
        else:
            break
    return rest


def command_of(argv: list[str]) -> str | None:
    rest = _after(argv)
    return rest[0] if rest else None


def run(argv: list[str]) -> int | None:
    """Run `argv` when it is a plain form of one of COMMANDS: its exit status; else None."""
    parsed = parse(argv)
    if parsed is None:
        return None
    name, state, options = parsed
    state.configure_terminal()
    if name == "show":
        return write(show(state, **options), paged=True)
    if name == "list":
        import gc

        gc.disable()  # a read-only listing keeps every row it makes until it prints: the collector's passes free nothing
        return write(list_tickets(state, **options), paged=True)
    if name == "sync":
        return write(sync(state, **options))
    if name == "search":  # git's check of the working tree is running (storage/gitstart.py, begin_for)
        return write(search(state, **options))
    if name == "import":
        return write(import_mail(state, **options))
    return write(change(state, name, **options))


def parse(argv: list[str]) -> tuple[str, State, dict[str, Any]] | None:
    """(command, global options, the command's options) — or None: Typer's to parse."""
    found: dict[str, str] = {}
    flags: set[str] = set()
    rest = list(argv)
    while rest and (rest[0] in GLOBAL_OPTIONS or rest[0] in GLOBAL_FLAGS or rest[0].startswith("--color=")):
        if rest[0] in GLOBAL_FLAGS:
            flags.add(GLOBAL_FLAGS[rest[0]])
            rest = rest[1:]
            continue
        if rest[0].startswith("--color="):
            rest[:1] = ["--color", rest[0].partition("=")[2]]
        if len(rest) < 2 or not _plain(rest[1]) or GLOBAL_OPTIONS[rest[0]] in found:
            return None
        found[GLOBAL_OPTIONS[rest[0]]] = rest[1]
        rest = rest[2:]
    if found.get("colour", "auto") not in COLOUR_CHOICES:
        return None  # Typer says what is wrong with it
    if not rest or rest[0] not in COMMANDS:
        return None
    spec = COMMANDS[rest[0]]
    options = _options(spec, rest[1:])
    if options is None:
        return None
    directory = Path(found["directory"]) if "directory" in found else None
    return rest[0], State(directory, found.get("as_user"), "include_edits" in flags, colour=found.get("colour"),
                          pager="no_pager" not in flags), options  # fmt: skip


def _plain(value: str) -> bool:
    """A value Typer would take as it stands (one beginning with '-' it might read as an option)."""
    return bool(value) and not value.startswith("-")


def _options(spec: Spec, arguments: list[str]) -> dict[str, Any] | None:
    options: dict[str, Any] = dict(spec.defaults)
    given: set[str] = set()
    positionals: list[str] = []
    tokens = iter(arguments)
    for token in tokens:
        option, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if option in spec.flags and not equals:
            options[spec.flags[option]] = True
            continue
        if option in spec.values:
            if not equals:
                value = next(tokens, "")
            key = spec.values[option]
            # Click takes the next word as the value even when it starts with '-' (`--sort -created`)
            if not value or (key in given and key not in spec.many) or not _valid(spec, key, value):
                return None
            given.add(key)
            if key in spec.many:
                options[key] = [*(options[key] or []), value]
            else:
                options[key] = int(value) if key == "limit" else value
            continue
        if not _plain(token) and not (spec.dash_words and len(token) > 1 and token[0] == "-" and token[1] != "-"):
            return None  # --help, an option unknown here, `-n5`, `--`
        positionals.append(token)
    if spec.positionals and spec.positionals[-1] in spec.many:  # QUERY...: every word
        options[spec.positionals[-1]] = positionals or None
        return options
    missing = spec.positionals[len(positionals) :]
    if len(positionals) > len(spec.positionals) or any(name not in spec.defaults for name in missing):
        return None  # an optional positional (sync's REMOTE) has a default
    options.update(zip(spec.positionals, positionals, strict=False))
    return options


def _valid(spec: Spec, key: str, value: str) -> bool:
    if key in spec.choices:
        return value in spec.choices[key]
    if key == "limit":
        return value.isascii() and value.isdigit() and int(value) >= spec.min_limit
    return True


# --- the commands themselves (cli/tickets.py's `show` and `list` call these too) ---------------


def show(state: State, ticket: str, format: str) -> Printout:
    from tix.render import tickets as output
    from tix.render.printout import Printout
    from tix.services.showing import show_ticket, value_problems

    hd = state.helpdesk
    printout = Printout()
    details = show_ticket(hd, ticket)
    printout.out(output.ticket(details, format, hd.config))
    for problem in value_problems(hd, details):  # a hand-written `status: opne` (issue 18 #7)
        printout.warn(problem)
    if format == "text":
        from tix.render.search import other_tickets as others_text
        from tix.services.showing import other_tickets

        others = others_text(other_tickets(hd, details), hd.config.closed_statuses, hd.config)
        if others:
            printout.out(others)
        if (hd.root / "kb").is_dir():  # the knowledge base's top three for it (issue 15); none, no cost
            from tix.render.kb import under_ticket
            from tix.services.kb import suggest

            articles = under_ticket(suggest(hd, details["id"], limit=3))
            if articles:
                printout.out(articles)
    return printout


def list_tickets(state: State, *, status: list[str] | None, owner: list[str] | None, mine: bool, unassigned: bool,
                 priority: list[str] | None, category: list[str] | None, tag: list[str] | None, queue: list[str] | None,
                 customer: str | None, since: str | None, sort: str, all_: bool, breached: bool, due_within: str | None,
                 format: str, limit: int | None, query: list[str] | None = None, view: str | None = None) -> Printout:  # fmt: skip
    from tix.render import tickets as output
    from tix.services.showing import list_matching

    listing = list_matching(
        state.helpdesk, status=status, owner=owner, mine=mine, as_user=state.as_user, unassigned=unassigned, priority=priority,
        category=category, tag=tag, queue=queue, customer=customer, since=since, include_closed=all_, breached=breached,
        due_within=due_within, sort=sort, limit=limit, query=query, view=view,
    )  # fmt: skip
    return output.listing(listing, format, state.helpdesk.config)


def search(state: State, *, query: list[str] | None, format: str, limit: int, all_: bool, view: str | None) -> Printout:
    from tix.render.search import search_result
    from tix.services.search import search as run

    hd = state.helpdesk
    found = run(hd, query or [], limit=None if all_ else limit, as_user=state.as_user, view=view)
    return search_result(found, format, hd.config, limited=not all_)


def change(state: State, command: str, ticket: str, no_notify: bool = False, format: str = "text", **values: str | None) -> Printout:
    """One of CHANGES: its service, with the arguments in the order the command takes them.
    `no_notify` (--no-notify, on every change): no notice to the customer (only status changes send one)."""
    from tix.render.printout import Printout
    from tix.render.tickets import change as summary
    from tix.services import tickets

    desk = state.desk()
    positionals, service = CHANGES[command]
    notify = {"notify": not no_notify} if command in NOTIFYING else {}
    if command == "close":
        done = tickets.close(desk, ticket, values["message"] or "", **notify)
    else:
        done = getattr(tickets, service)(desk, ticket, *(values[name] for name in positionals[1:]), **notify)
    printout = Printout()
    printout.out(summary(done, format))
    return printout


def sync(state: State, remote: str | None, force: bool, quiet: bool, format: str = "text") -> Printout:
    from tix.render.printout import Printout
    from tix.services.sync import sync as run_sync

    result = run_sync(state.desk(), remote, force)
    printout = Printout()
    if format == "json":
        from tix.render.sync import synced

        printout.out(synced(result))
    elif not quiet:
        printout.out(result.summary())
    return printout


def import_mail(state: State, *, sources: list[str] | None, maildirs: list[str] | None, mark_seen: bool, dry_run: bool,
                retry_quarantine: bool, quiet: bool, format: str) -> Printout:  # fmt: skip
    """`tix import`: the PATHs, then the --maildir folders (which must be Maildirs)."""
    from tix import messages as msg
    from tix.cli.progress import progress as progress_bar
    from tix.errors import InvalidValue
    from tix.mail.sources.maildir import is_maildir
    from tix.render import mail as output
    from tix.services.intake import Importer, expected_messages

    for maildir in maildirs or []:
        if not is_maildir(Path(maildir)):
            raise InvalidValue(msg.cli_not_a_maildir(maildir))
    paths = [*(sources or []), *(str(maildir) for maildir in maildirs or [])]
    if not paths and not retry_quarantine:
        raise InvalidValue(msg.cli_nothing_to_import())
    as_json = format == "json"
    silent = quiet or as_json or paths == ["-"]
    progress = progress_bar(msg.import_progress_label(), None if retry_quarantine else lambda: expected_messages(paths), silent)
    try:
        importer = Importer(state.desk(), dry_run=dry_run, mark_seen=mark_seen, keep_decisions=as_json, progress=progress)
        report = importer.run(paths, retry_quarantine)
    finally:
        if progress is not None:
            progress.close()
    return output.imported(report, format, dry_run, quiet, stdin=paths == ["-"])


def write(printout: Printout, paged: bool = False) -> int:
    """Print a command's lines in order (as click.echo does: the text, a newline, a flush), the
    output through the pager when `paged` and there is one (cli/pager.py); its exit status."""
    if paged and pager_command() is not None:  # on a terminal only: a pipe never loads the pager's module
        from tix.cli import pager

        if pager.write_lines(printout.lines):
            return printout.code
    for text, err, nl in printout.lines:
        stream = sys.stderr if err else sys.stdout
        stream.write(text + "\n" if nl else text)
        stream.flush()
    return printout.code
