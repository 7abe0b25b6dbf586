"""Shell completion (issue 18): `tix completion bash|zsh|fish` prints a script; pressing Tab runs
`tix __complete SHELL WORD...` (the words after `tix`, the last one being completed), answered
here without Typer or Click.

Importing Typer costs ~55 ms before tix does anything, and completion runs on every Tab. So the
script carries the command tree as data (SPEC, made from the Click commands when the script is
printed: commands, their options and what each option and argument takes), and hands it back to
`tix __complete` in the environment (_TIX_COMPLETE_SPEC). Values that live in the helpdesk
(statuses, priorities, team handles, queues, categories, views, templates, tags, ticket IDs) are
read from tix.yaml, templates/ and the index as last refreshed: no git, no Jinja2.

The answer is one candidate a line ("value<TAB>description" for zsh and fish), or a single
line ':files' or ':dirs' for the shell's own file-name completion."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click

SPEC_VARIABLE = "_TIX_COMPLETE_SPEC"
FILES, DIRS = ":files", ":dirs"

# What an argument or option takes, by its metavar, else by its name (those not here: free text).
KINDS = {"ID": "ticket", "[ID]": "ticket", "TICKET": "ticket", "NAME|ID...": "ticket", "STATUS": "status", "PRIORITY": "priority",
         "CATEGORY": "category", "QUEUE": "queue", "USER": "user", "WHO": "user", "TAG": "tag", "VIEW": "view",
         "DIR": "dir", "[DIR]": "dir", "FILE": "file", "PATH": "file", "FILE.eml...": "file", "ARTICLE": None, "SHELL": None,
         "status": "status", "new_status": "status", "priority": "priority", "level": "priority", "owner": "user",
         "as_user": "user", "user": "user", "queue": "queue", "category": "category", "template": "template",
         "tag": "tag", "view": "view", "directory": "dir", "maildirs": "dir", "out": "dir", "command": "command"}  # fmt: skip
NAME_KINDS = ("status", "new_status", "priority", "level", "owner", "as_user", "user", "queue", "category", "template", "tag",
              "view", "directory", "maildirs", "out", "command")  # fmt: skip


# --- the script, made from the Click commands ----------------------------------------------------


def spec(root: click.Command) -> dict[str, Any]:
    """{"": node, "list": node, "config set": node, ...}; a node: its subcommands (name:
    summary), options (spelling: kind, None for a switch) and arguments (kinds; '*': repeats)."""
    import click

    nodes: dict[str, Any] = {}

    def walk(command: click.Command, path: str) -> None:
        ctx = click.Context(command, info_name=path or "tix")
        options: dict[str, str | None] = {}
        arguments: list[str] = []
        for param in command.get_params(ctx):
            kind = _kind(param)
            if isinstance(param, click.Option):
                for spelling in (*param.opts, *param.secondary_opts):
                    options[spelling] = None if param.is_flag or param.count else (kind or "")
            elif isinstance(param, click.Argument):
                arguments.append((kind or "") + ("*" if param.nargs == -1 else ""))
        subcommands: dict[str, str] = {}
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    subcommands[name] = sub.get_short_help_str(limit=80)
                    walk(sub, f"{path} {name}".strip())
        nodes[path] = {"commands": subcommands, "options": options, "arguments": arguments}

    walk(root, "")
    return nodes


def _kind(param: click.Parameter) -> str | None:
    import click

    kind = getattr(param.type, "inner", param.type)  # cli/usage.py's Worded wraps a type
    if isinstance(kind, click.Choice):
        return "choice:" + ",".join(str(choice) for choice in kind.choices)
    if param.metavar in KINDS:
        return KINDS[param.metavar]
    if param.name in NAME_KINDS:
        return KINDS[param.name]
    if isinstance(kind, click.Path):
        return "file"
    return None


def script(root: click.Command, shell: str) -> str:
    data = json.dumps(spec(root), separators=(",", ":"), ensure_ascii=False).replace("'", "'\\''")
    return _SCRIPTS[shell].replace("@SPEC@", data)


_BASH = r"""# tix completion for bash. Install: eval "$(tix completion bash)" in ~/.bashrc
# (or: tix completion bash > ~/.local/share/bash-completion/completions/tix)
_tix_complete() {
    local spec='@SPEC@'
    local IFS=$'\n' cur="${COMP_WORDS[COMP_CWORD]}"
    local -a found
    found=($(_TIX_COMPLETE_SPEC="$spec" command tix __complete bash "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
    case "${found[0]}" in
        :files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
        :dirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
        *) COMPREPLY=("${found[@]}") ;;
    esac
}
complete -o nosort -F _tix_complete tix 2>/dev/null || complete -F _tix_complete tix
"""

_ZSH = r"""#compdef tix
# tix completion for zsh. Install: tix completion zsh > "${fpath[1]}/_tix" (then start a new shell),
# or: source <(tix completion zsh) in ~/.zshrc after compinit.
_tix_complete() {
    local spec='@SPEC@'
    local -a found
    found=("${(@f)$(_TIX_COMPLETE_SPEC="$spec" command tix __complete zsh "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    case "$found[1]" in
        :files) _files ;;
        :dirs) _files -/ ;;
        '') return 1 ;;
        *) _describe -V -t values tix found ;;
    esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _tix_complete "$@"
else
    compdef _tix_complete tix
fi
"""

_FISH = r"""# tix completion for fish. Install: tix completion fish > ~/.config/fish/completions/tix.fish
function __tix_complete
    set -l spec '@SPEC@'
    set -l before (commandline -opc)
    set -l current (commandline -ct)
    set -l found (env _TIX_COMPLETE_SPEC=$spec tix __complete fish $before[2..-1] "$current" 2>/dev/null)
    switch "$found[1]"
        case :files
            __fish_complete_path "$current"
        case :dirs
            __fish_complete_directories "$current"
        case '*'
            printf '%s\n' $found
    end
end
complete -c tix -f -a '(__tix_complete)'
"""

_SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


# --- answering a Tab, without Typer ----------------------------------------------------------------


def answer(arguments: list[str]) -> int:
    """`tix __complete SHELL WORD...`: print the candidates; never an error (a Tab must not fail)."""
    try:
        nodes = json.loads(os.environ.get(SPEC_VARIABLE) or "{}")
        shell, words = (arguments[0], arguments[1:]) if arguments else ("bash", [])
        for line in candidates(nodes, words or [""], shell):
            sys.stdout.write(line + "\n")
    except Exception:  # noqa: BLE001  a broken helpdesk or spec: no candidates, and no traceback on the prompt
        pass
    return 0


def candidates(nodes: dict[str, Any], words: list[str], shell: str) -> list[str]:
    """What may follow the words before the last one, beginning with the last one."""
    after_equals = shell == "bash" and words[-2:-1] == ["="]  # bash replaces only what follows '='
    if shell == "bash":  # bash splits `--status=op` into '--status', '=', 'op'
        words = _joined(words)
    *before, current = words
    path, position, start, expecting = "", 0, None, None
    tokens = iter(before)
    only_arguments = False
    for word in tokens:
        node = nodes.get(path, {})
        if not only_arguments and word == "--":
            only_arguments = True
        elif not only_arguments and word.startswith("-") and len(word) > 1:
            name, equals, _ = word.partition("=")
            kind = node.get("options", {}).get(name)
            if kind is not None and not equals:
                value = next(tokens, None)
                if value is None:
                    expecting = kind
                elif name == "-C":
                    start = value
        elif word in node.get("commands", {}):
            path, position = f"{path} {word}".strip(), 0
        else:
            position += 1
    node = nodes.get(path, {})
    options = node.get("options", {})
    if expecting is not None:
        return _values(expecting, current, "", start, shell, nodes)
    if not only_arguments and current.startswith("--") and "=" in current:
        name, _, typed = current.partition("=")
        prefix = "" if after_equals else name + "="
        return _values(options.get(name) or "", typed, prefix, start, shell, nodes)
    if not only_arguments and current.startswith("-"):
        return sorted(spelling for spelling in options if spelling.startswith(current))
    commands = node.get("commands", {})
    if commands:
        return [_described(name, summary, shell) for name, summary in commands.items() if name.startswith(current)]
    arguments = node.get("arguments", [])
    if not arguments:
        return []
    kind = arguments[min(position, len(arguments) - 1)] if position < len(arguments) or arguments[-1].endswith("*") else ""
    return _values(kind.rstrip("*"), current, "", start, shell, nodes)


def _joined(words: list[str]) -> list[str]:
    """bash's words with `--opt`, '=', 'value' put back together as `--opt=value`."""
    joined: list[str] = []
    for word in words:
        if joined and (word == "=" or joined[-1].endswith("=")) and joined[-1].startswith("--"):
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _described(value: str, description: str, shell: str) -> str:
    if shell == "bash" or not description:
        return value
    if shell == "zsh":
        return value.replace(":", "\\:") + ":" + description
    return f"{value}\t{description}"


def _values(kind: str, current: str, prefix: str, start: str | None, shell: str, nodes: dict[str, Any]) -> list[str]:
    if kind == "file":
        return [FILES]
    if kind == "dir":
        return [DIRS]
    if kind.startswith("choice:"):
        found: list[tuple[str, str]] = [(choice, "") for choice in kind[len("choice:"):].split(",")]
    elif kind == "command":
        found = list(nodes.get("", {}).get("commands", {}).items())
    elif kind:
        found = _helpdesk_values(kind, current, start)
    else:
        return []
    return [_described(prefix + value, description, shell) for value, description in found if value.lower().startswith(current.lower())]


def _ids_on_disk(hd: Any, prefix: str, known: set[str], indexed: bool) -> list[tuple[str, str]]:
    """The tickets the index has not seen yet (it is refreshed by the commands that read it, not
    by `tix new`): those of the prefix's shard, or of every shard while the index has none."""
    from tix.domain.ids import SHARD_LENGTH

    if len(prefix) >= SHARD_LENGTH:
        names = hd.ticket_names_in_shard(prefix[:SHARD_LENGTH])
    elif indexed:
        return []
    else:
        names = [path.split("/")[-2] for path in hd.all_ticket_paths()]
    return [(name, "") for name in sorted(names) if name.startswith(prefix) and name not in known][:100]


def _helpdesk_values(kind: str, current: str, start: str | None) -> list[tuple[str, str]]:
    from tix.storage.location import helpdesk_root

    folder = Path(start or os.environ.get("TIX_DIR") or Path.cwd()).expanduser()
    root = helpdesk_root(folder)
    if root is None:
        return []
    if kind == "template":
        from tix.mail.templates import available

        return [(name, "") for name in available(root)]
    from tix.storage.layout import Helpdesk

    hd = Helpdesk.discover(root)
    if kind in ("ticket", "tag"):
        from tix.storage.index import Index

        with Index.as_last_refreshed(hd) as index:
            if kind == "tag":
                return [(tag, "") for tag in index.tags_starting(current)] if index is not None else []
            found = index.ids_starting(current, limit=100) if index is not None else []
        return found + _ids_on_disk(hd, current.upper(), {ticket_id for ticket_id, _ in found}, bool(found))
    settings = hd.config.settings
    if kind == "status":
        return [(status, "") for status in settings.statuses.all]
    if kind == "priority":
        return [(level, "") for level in settings.priorities.levels]
    if kind == "category":
        return [(name, "") for name in settings.categories]
    if kind == "queue":
        return [(name, "") for name in settings.queues]
    if kind == "view":
        return [(name, query) for name, query in settings.views.items()]
    if kind == "user":
        return [(handle, member.name or member.email) for handle, member in settings.team.items()]
    return []
