"""Reply templates: the only module that imports Jinja2.

A template is `templates/NAME.j2` in the helpdesk: a `Subject:` line, a blank line, the body.
Customer data is never code: rendering runs in Jinja2's immutable sandbox, values are inserted
as text and never evaluated (a subject of `{{ 7*7 }}` stays literally that), and a missing
variable is an error naming the template and the variable, never "Dear ,".

Templates arrive from teammates through git, so they are not trusted further than that
(issue 10 #4, issue 9 #24): a template is read only as a regular file directly inside the
repository's templates/ (no symlink, no `..`), a template is one file ({% include %},
{% import %} and {% extends %} are refused), and rendering is bounded: ranges, repeated
strings, powers and the output are capped and the time is limited. Every failure is a
TemplateError naming the template (and the line when known), never a traceback.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tix import messages as msg
from tix.errors import InvalidValue, TemplateError

TEMPLATE_DIR = "templates"
SUFFIX = ".j2"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_SOURCE = 256 * 1024  # bytes of one template file
MAX_OUTPUT = 1_000_000  # characters of a rendered mail, and of any one value built while rendering
MAX_RANGE = 10_000  # items in range()
MAX_SECONDS = 5.0  # rendering time (where a timer can run: the main thread)
_BIG_WIDTH = re.compile(r"\d{7,}")  # a width or precision in a format string that would build a huge string


@dataclass
class Rendered:
    template: str
    subject: str
    body: str


def available(root: Path) -> list[str]:
    """Names of the templates that can be used (regular files in templates/)."""
    folder = root / TEMPLATE_DIR
    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(path.name[: -len(SUFFIX)] for path in folder.glob(f"*{SUFFIX}")
                  if _NAME.match(path.name) and path.is_file() and not path.is_symlink())  # fmt: skip


_LANG = re.compile(r"^[a-z]{2,3}$")


def localized(root: Path, name: str, lang: str | None) -> str | None:
    """The language folder whose NAME.j2 serves a customer writing `lang` (templates/pl/NAME.j2),
    or None: then templates/NAME.j2 does (issue 18 item 4). A symlinked folder or file is never used."""
    if not lang or not _LANG.match(lang) or not _NAME.match(name):
        return None
    folder = root / TEMPLATE_DIR / lang
    if (root / TEMPLATE_DIR).is_symlink() or folder.is_symlink() or not folder.is_dir():
        return None
    path = folder / f"{name}{SUFFIX}"
    return f"{TEMPLATE_DIR}/{lang}" if path.is_file() and not path.is_symlink() else None


def source(root: Path, name: str, lang: str | None = None) -> str:
    """The text of templates/NAME.j2 (or templates/LANG/NAME.j2, when there is one for `lang`),
    read only as a regular file inside the repository's templates/."""
    if not _NAME.match(name) or ".." in name:
        raise TemplateError(name, msg.template_bad_name())
    where = localized(root, name, lang) or TEMPLATE_DIR
    folder = root / where
    path = folder / f"{name}{SUFFIX}"
    shown = f"{where}/{path.name}"
    if (root / TEMPLATE_DIR).is_symlink():
        raise TemplateError(name, msg.template_folder_symlink(TEMPLATE_DIR))
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise InvalidValue(msg.template_missing(name, TEMPLATE_DIR, available(root))) from None
    if stat.S_ISLNK(info.st_mode):
        raise TemplateError(name, msg.template_file_symlink(shown))
    if not stat.S_ISREG(info.st_mode):
        raise TemplateError(name, msg.template_not_regular(shown))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise TemplateError(name, msg.template_cannot_read(shown, exc.strerror)) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise TemplateError(name, msg.template_not_regular(shown))
        data = handle.read(MAX_SOURCE + 1)
    if len(data) > MAX_SOURCE:
        raise TemplateError(name, msg.template_too_large_file(MAX_SOURCE // 1024))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateError(name, msg.template_not_utf8()) from None


def render(root: Path, name: str, context: dict[str, Any], lang: str | None = None) -> Rendered:
    """Render a template (in the customer's language `lang` when the helpdesk has it) against a
    context of plain data (dicts, lists, strings)."""
    return render_text(name, source(root, name, lang), context)


class _TooBig(Exception):
    pass


class _OutOfTime(Exception):
    pass


def _environment() -> Any:
    import functools

    from jinja2 import StrictUndefined
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def check_size(value: Any) -> Any:
        if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_OUTPUT:
            raise _TooBig(msg.template_too_long_value(MAX_OUTPUT))
        return value

    def check_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        for arg in (*args, *kwargs.values()):
            if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_OUTPUT:
                raise _TooBig(msg.template_too_big_number(MAX_OUTPUT))

    class Generator(CodeGenerator):
        def visit_Concat(self, node: Any, frame: Any) -> None:  # `a ~ b` is checked like `a * 3`
            self.write("environment.tix_checked(")
            super().visit_Concat(node, frame)
            self.write(")")

    class Bounded(ImmutableSandboxedEnvironment):
        code_generator_class = Generator
        intercepted_binops = frozenset(["*", "**", "%", "+"])

        def tix_checked(self, value: Any) -> Any:
            return check_size(value)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            sized = (str, bytes, list, tuple)
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if isinstance(seq, sized) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                        raise _TooBig(msg.template_too_long_value(MAX_OUTPUT))
            numbers = isinstance(left, (int, float)) and isinstance(right, (int, float))
            if operator == "**" and numbers and (abs(right) > 1000 or (abs(left) > 1 and abs(right) * max(1, int(abs(left))).bit_length() > 10_000)):
                raise _TooBig(msg.template_too_big_power())
            if operator == "%" and isinstance(left, str) and _BIG_WIDTH.search(left):
                raise _TooBig(msg.template_too_wide_format())
            return check_size(super().call_binop(context, operator, left, right))

        def wrap_str_format(self, value: Any) -> Any:  # '{:>999999999}'.format(1)
            text = getattr(value, "__self__", None)
            if isinstance(text, str) and _BIG_WIDTH.search(text):
                raise _TooBig(msg.template_too_wide_format())
            return super().wrap_str_format(value)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
            if __obj is not bounded_range:
                check_args(args, kwargs)
            return check_size(super().call(__context, __obj, *args, **kwargs))

    def bounded_range(*args: int) -> range:
        result = range(*args)
        if len(result) > MAX_RANGE:
            raise _TooBig(msg.template_too_long_range(MAX_RANGE))
        return result

    def wrap_filter(function: Any) -> Any:
        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check_args(args[1:], kwargs)
            if function.__name__ == "do_format" and any(isinstance(a, str) and _BIG_WIDTH.search(a) for a in args):
                raise _TooBig(msg.template_too_wide_format())
            return check_size(function(*args, **kwargs))

        return wrapped

    environment = Bounded(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    environment.globals["range"] = bounded_range
    environment.globals.pop("namespace", None)  # no state carried across loop iterations
    environment.filters = {name: wrap_filter(function) for name, function in environment.filters.items()}
    return environment


_REFUSED = {"Include": "{% include %}", "Import": "{% import %}", "FromImport": "{% from … import %}", "Extends": "{% extends %}"}


def _template_line(tb: Any) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_text(name: str, text: str, context: dict[str, Any]) -> Rendered:
    import signal
    import threading

    from jinja2 import TemplateError as JinjaError
    from jinja2 import TemplateSyntaxError, UndefinedError, nodes

    environment = _environment()
    try:
        tree = environment.parse(text)
    except TemplateSyntaxError as exc:
        raise TemplateError(name, exc.message or msg.template_syntax_error(), exc.lineno) from None
    for kind, label in _REFUSED.items():
        for node in tree.find_all(getattr(nodes, kind)):
            raise TemplateError(name, msg.template_refused_tag(label), node.lineno)
    timer = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")

    def out_of_time(signum: int, frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, out_of_time) if timer else None
    if timer:
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        parts: list[str] = []
        size = 0
        for chunk in environment.from_string(tree).generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _TooBig(msg.template_too_long_output(MAX_OUTPUT))
            parts.append(chunk)
        output = "".join(parts)
    except UndefinedError as exc:
        raise TemplateError(name, msg.template_undefined(exc.message), _template_line(exc.__traceback__)) from None
    except _TooBig as exc:
        raise TemplateError(name, msg.template_too_large(exc), _template_line(exc.__traceback__)) from None
    except _OutOfTime as exc:
        raise TemplateError(name, msg.template_too_slow(MAX_SECONDS), _template_line(exc.__traceback__)) from None
    except JinjaError as exc:
        raise TemplateError(name, str(exc.message or exc), _template_line(exc.__traceback__)) from None
    except (ArithmeticError, ValueError, TypeError, LookupError, AttributeError, RecursionError, MemoryError) as exc:
        raise TemplateError(name, msg.template_failed(type(exc).__name__, exc), _template_line(exc.__traceback__)) from None
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return split(name, output)


def split(name: str, output: str) -> Rendered:
    """'Subject: …' first, a blank line, then the body."""
    head, _, body = output.partition("\n")
    if not head.lower().startswith("subject:"):
        raise InvalidValue(msg.template_needs_subject(name))
    return Rendered(name, " ".join(head[len("subject:") :].split()), body.lstrip("\n").rstrip() + "\n")
