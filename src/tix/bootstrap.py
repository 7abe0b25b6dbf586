"""`tix init`: turn a new or existing git repository into a helpdesk. Safe to run again."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tix import config as configmod
from tix.errors import TixError
from tix.gitrepo import GitRepo, git_dir
from tix.people import acting_user
from tix.store import Helpdesk, write_atomic

GITATTRIBUTES_LINE = "tickets/**/ticket.md merge=tix"
GITATTRIBUTES = f"""# tix: ticket files are merged field by field by tix's merge driver (docs/FORMAT.md).
{GITATTRIBUTES_LINE}
"""
GITIGNORE_LINE = ".*.tmp"
GITIGNORE = f"""# tix: temporary files of interrupted atomic writes
{GITIGNORE_LINE}
"""


@dataclass
class InitResult:
    root: Path
    created_repo: bool
    written: list[str] = field(default_factory=list)
    commit: str | None = None


def default_templates_dir() -> Path:
    """The reply templates a new helpdesk is seeded with (the repo's top-level templates/)."""
    from importlib import resources  # only init needs it; every command opens the helpdesk through this module

    packaged = Path(str(resources.files("tix"))) / "default_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"  # an editable checkout


def init_helpdesk(
    directory: Path, name: str | None = None, email: str | None = None,
    timezone: str | None = None, actor_override: str | None = None, config_file: Path | None = None,
) -> InitResult:  # fmt: skip
    """Create or complete a helpdesk in `directory`; commits what it adds, as the acting user."""
    directory.mkdir(parents=True, exist_ok=True)
    root = directory.resolve()
    git = GitRepo(root)
    result = InitResult(root, created_repo=not (root / ".git").exists())
    if result.created_repo:
        git.init()
    actor = acting_user(git, actor_override)  # before writing anything: the init is committed

    config_path = root / configmod.CONFIG_FILE
    if config_path.exists():
        configmod.Config.load(root)  # an existing config must be valid; say so now
        if name or email or timezone or config_file:
            raise TixError(f"{config_path} exists already; change it with `tix config set`")
    else:
        raw = _load_seed(config_file) if config_file else {}
        overrides = {k: v for k, v in (("name", name), ("email", email), ("timezone", timezone)) if v}
        raw.setdefault("helpdesk", {}).update(overrides)
        raw["helpdesk"].setdefault("instance", _random_instance())
        write_atomic(config_path, configmod.render(configmod.validate(raw, str(config_file or config_path))))
        result.written.append(configmod.CONFIG_FILE)

    templates = root / "templates"
    for source in sorted(default_templates_dir().iterdir()):
        target = templates / source.name
        if source.is_file() and not target.exists():
            templates.mkdir(exist_ok=True)
            shutil.copyfile(source, target)
            result.written.append(f"templates/{source.name}")

    for filename, line, text in ((".gitattributes", GITATTRIBUTES_LINE, GITATTRIBUTES), (".gitignore", GITIGNORE_LINE, GITIGNORE)):
        if _ensure_line(root / filename, line, text):
            result.written.append(filename)

    ensure_merge_driver(Helpdesk(root))
    if result.written:
        message = "tix: initialize helpdesk\n\nTix-Action: init\n"
        result.commit = git.commit(result.written, message, actor)
    return result


def _random_instance() -> str:
    from tix import ids

    return "T" + ids.random_id()[:4]


def _load_seed(path: Path) -> dict[str, Any]:
    from tix.yamlio import YAMLError, load_yaml

    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TixError(f"--config: cannot read {path}: {exc.strerror}") from None
    except YAMLError:
        raise TixError(f"--config: {path} is not valid YAML") from None
    if not isinstance(raw, dict):
        raise TixError(f"--config: {path} must be a mapping of sections")
    return raw


def _ensure_line(path: Path, line: str, text: str) -> bool:
    """Add `text` to the file unless it already holds `line`; True if the file changed."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if line in current.splitlines():
        return False
    separator = "" if not current or current.endswith("\n") else "\n"
    write_atomic(path, current + separator + ("\n" if current else "") + text)
    return True


# --- the ticket merge driver: registered in every clone, since git config never travels ---

DRIVER_NAME = "tix ticket merge (field by field, entries as a union)"


def open_helpdesk(start: Path) -> Helpdesk:
    """The helpdesk at or above `start`, with the ticket merge driver registered in this clone
    (a fresh `git clone` has none until some tix command runs)."""
    helpdesk = Helpdesk.discover(start)
    ensure_merge_driver(helpdesk)
    return helpdesk


def driver_command() -> str:
    return f"{shlex.quote(sys.executable)} -m tix.mergedriver %O %A %B %P"


INFO_ATTRIBUTES = "tickets/**/ticket.md merge=tix"


def ensure_merge_driver(hd: Helpdesk) -> bool:
    """Register the ticket merge driver in this clone's config (it cannot travel with a clone),
    and declare it in .git/info/attributes, which outranks every committed .gitattributes: a
    pushed `merge=union` line cannot bypass it (issue 10 #7). Cheap when both are there: two
    small reads. True if the driver had to be registered."""
    _ensure_info_attributes(hd)
    config = git_dir(hd.root) / "config"
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    if '[merge "tix"]' in text:
        start = text.index('[merge "tix"]')
        section = text[start : text.find("\n[", start + 1) if "\n[" in text[start + 1 :] else len(text)]
        for line in section.splitlines():
            key, _, value = line.strip().partition("=")
            if key.strip() == "driver":
                executable = shlex.split(value.strip())[0] if value.strip() else ""
                if executable and os.path.exists(executable):
                    return False
    hd.git.run("config", "merge.tix.name", DRIVER_NAME)
    hd.git.run("config", "merge.tix.driver", driver_command())
    return True


def _ensure_info_attributes(hd: Helpdesk) -> None:
    path = git_dir(hd.root) / "info" / "attributes"
    try:
        current = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        current = ""
    except OSError:
        return
    if INFO_ATTRIBUTES in current.splitlines():
        return
    separator = "" if not current or current.endswith("\n") else "\n"
    note = "# tix: its own merge driver for ticket files, above any committed .gitattributes\n"
    write_atomic(path, current + separator + note + INFO_ATTRIBUTES + "\n")
