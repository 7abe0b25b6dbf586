"""Reply templates: the only module that imports Jinja2.

A template is `templates/NAME.j2` in the helpdesk: a `Subject:` line, a blank line, the body.
Templates are trusted and customer data is not: rendering runs in Jinja2's sandbox, values
are inserted as text and never evaluated (a subject of `{{ 7*7 }}` stays literally that),
and a missing variable is an error naming the template and the variable, never "Dear ,".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tix.errors import InvalidValue

TEMPLATE_DIR = "templates"
SUFFIX = ".j2"


@dataclass
class Rendered:
    template: str
    subject: str
    body: str


def available(root: Path) -> list[str]:
    folder = root / TEMPLATE_DIR
    return sorted(path.name[: -len(SUFFIX)] for path in folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def source(root: Path, name: str) -> str:
    path = root / TEMPLATE_DIR / f"{name}{SUFFIX}"
    if not path.is_file():
        names = ", ".join(available(root)) or "none"
        raise InvalidValue(f"no template '{name}' in {TEMPLATE_DIR}/ (available: {names})")
    return path.read_text(encoding="utf-8")


def render(root: Path, name: str, context: dict[str, Any]) -> Rendered:
    """Render a template against a context of plain data (dicts, lists, strings)."""
    return render_text(name, source(root, name), context)


def render_text(name: str, text: str, context: dict[str, Any]) -> Rendered:
    from jinja2 import StrictUndefined, TemplateError, UndefinedError
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    try:
        output = environment.from_string(text).render(**context)
    except UndefinedError as exc:
        raise InvalidValue(f"template '{name}': {exc.message} (see docs/TEMPLATES.md for the variables)") from None
    except TemplateError as exc:
        raise InvalidValue(f"template '{name}': {exc}") from None
    return split(name, output)


def split(name: str, output: str) -> Rendered:
    """'Subject: …' first, a blank line, then the body."""
    head, _, body = output.partition("\n")
    if not head.lower().startswith("subject:"):
        raise InvalidValue(f"template '{name}' must start with a 'Subject:' line")
    return Rendered(name, " ".join(head[len("subject:") :].split()), body.lstrip("\n").rstrip() + "\n")
