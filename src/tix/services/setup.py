"""`tix init`: turn a new or existing git repository into a helpdesk. Safe to run again."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tix import messages as msg
from tix.domain import commits
from tix.errors import TixError
from tix.storage import config as configmod
from tix.storage.files import write_atomic
from tix.storage.gitrepo import GitRepo, ensure_merge_driver
from tix.storage.layout import Helpdesk
from tix.storage.people import acting_user

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
    return Path(__file__).resolve().parents[3] / "templates"  # an editable checkout


def init_helpdesk(
    directory: Path, name: str | None = None, email: str | None = None,
    timezone: str | None = None, actor_override: str | None = None, config_file: Path | None = None,
) -> InitResult:  # fmt: skip
    """Create or complete a helpdesk in `directory`; commits what it adds, as the acting user.
    A run that fails leaves nothing half-made (issue 18 #7): the folders, the repository and the
    files it made are removed, the files it changed are put back."""
    undo = _Undo()
    try:
        return _init(directory, name, email, timezone, actor_override, config_file, undo)
    except BaseException as exc:
        undo.run()
        if isinstance(exc, OSError) and not isinstance(exc, TixError):
            raise TixError(msg.init_failed(exc.filename or directory, exc.strerror or str(exc))) from None
        raise


class _Undo:
    """What a failed `tix init` takes back: folders and a repository it made, files it wrote."""

    def __init__(self) -> None:
        self.folders: list[Path] = []  # made by this run: removed with all they hold
        self.files: dict[Path, bytes | None] = {}  # the content before (None: there was no file)

    def made_folders(self, folder: Path) -> None:
        """Make `folder` and its missing parents, remembering the topmost one made."""
        top = None
        for candidate in [folder, *folder.parents]:
            if candidate.exists():
                break
            top = candidate
        folder.mkdir(parents=True, exist_ok=True)
        if top is not None:
            self.folders.append(top.resolve())

    def owns(self, path: Path) -> bool:
        """`path` is in a folder this run made (and goes with it)."""
        return any(folder == path or folder in path.parents for folder in self.folders)

    def writing(self, path: Path) -> None:
        if path not in self.files and not self.owns(path):
            self.files[path] = path.read_bytes() if path.is_file() else None

    def run(self) -> None:
        for path, before in self.files.items():
            try:
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(before)
            except OSError:
                pass  # best effort: what cannot be taken back is left for the error to explain
        for folder in reversed(self.folders):
            shutil.rmtree(folder, ignore_errors=True)


def _init(directory: Path, name: str | None, email: str | None, timezone: str | None, actor_override: str | None,
          config_file: Path | None, undo: _Undo) -> InitResult:  # fmt: skip
    undo.made_folders(directory)
    root = directory.resolve()
    git = GitRepo(root)
    result = InitResult(root, created_repo=not (root / ".git").exists())
    if result.created_repo:
        if not undo.owns(root):
            undo.folders.append(root / ".git")
        git.init()
    actor = acting_user(git, actor_override)  # before writing anything: the init is committed

    config_path = root / configmod.CONFIG_FILE
    if config_path.exists():
        configmod.Config.load(root)  # an existing config must be valid; say so now
        if name or email or timezone or config_file:
            raise TixError(msg.init_config_exists(config_path))
    else:
        raw = _load_seed(config_file) if config_file else {}
        overrides = {k: v for k, v in (("name", name), ("email", email), ("timezone", timezone)) if v}
        raw.setdefault("helpdesk", {}).update(overrides)
        raw["helpdesk"].setdefault("instance", _random_instance())
        text = configmod.render(configmod.validate(raw, str(config_file or config_path)))
        undo.writing(config_path)
        write_atomic(config_path, text)
        result.written.append(configmod.CONFIG_FILE)

    templates = root / "templates"
    for source in sorted(default_templates_dir().iterdir()):
        target = templates / source.name
        if source.is_file() and not target.exists():
            if not templates.is_dir():
                undo.made_folders(templates)
            undo.writing(target)
            shutil.copyfile(source, target)
            result.written.append(f"templates/{source.name}")

    for filename, line, text in ((".gitattributes", GITATTRIBUTES_LINE, GITATTRIBUTES), (".gitignore", GITIGNORE_LINE, GITIGNORE)):
        undo.writing(root / filename)
        if _ensure_line(root / filename, line, text):
            result.written.append(filename)

    ensure_merge_driver(Helpdesk(root).git)
    if result.written:
        result.commit = git.commit(result.written, commits.message(msg.commit_init(), "init"), actor)
    return result


def _random_instance() -> str:
    from tix.domain import ids

    return "T" + ids.random_id()[:4]


def _load_seed(path: Path) -> dict[str, Any]:
    from tix.storage.yamlio import YAMLError, load_yaml

    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TixError(msg.init_seed_unreadable(path, exc.strerror)) from None
    except YAMLError:
        raise TixError(msg.init_seed_not_yaml(path)) from None
    if not isinstance(raw, dict):
        raise TixError(msg.init_seed_not_a_mapping(path))
    return raw


def _ensure_line(path: Path, line: str, text: str) -> bool:
    """Add `text` to the file unless it already holds `line`; True if the file changed."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if line in current.splitlines():
        return False
    separator = "" if not current or current.endswith("\n") else "\n"
    write_atomic(path, current + separator + ("\n" if current else "") + text)
    return True
