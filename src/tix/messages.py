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
