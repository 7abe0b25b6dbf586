"""Templates from teammates are data with limits: read only as regular files inside templates/, one
file each, rendering bounded; every failure is one line naming the template (issue 10 #4, issue 9 #24)."""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import pytest
from conftest import Cli

from tix.errors import TemplateError
from tix.mail.templates import render_text

SECRET = "Subject: stolen\n\nTOP SECRET outside the helpdesk\n"


def test_a_symlinked_template_is_refused_and_the_outside_file_never_shown(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET, encoding="utf-8")
    ticket = tix.new()
    ack = helpdesk / "templates" / "ack.j2"
    ack.unlink()
    os.symlink(outside, ack)
    result = tix("reply", ticket, "-t", "ack", "--preview")
    assert result.code == 1 and "TOP SECRET" not in result.out + result.err
    assert result.err == "tix: error: template 'ack': templates/ack.j2 is a symlink; templates are read only as regular files\n"
    assert "ack" not in tix.ok("templates").out.split()


def test_a_symlinked_templates_folder_and_dotted_names_are_refused(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    ticket = tix.new()
    result = tix("reply", ticket, "-t", "../tix", "--preview")
    assert (result.code, result.err) == (1, "tix: error: template '../tix': not a template name (letters, digits, '-', '_', '.')\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "ack.j2").write_text(SECRET, encoding="utf-8")
    os.rename(helpdesk / "templates", tmp_path / "moved")
    os.symlink(tmp_path / "elsewhere", helpdesk / "templates")
    result = tix("reply", ticket, "-t", "ack", "--preview")
    assert result.code == 1 and "TOP SECRET" not in result.out + result.err
    assert "templates/ is a symlink" in result.err and result.err.count("\n") == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% include 'ack.j2' %}", "template 'evil': {% include %} is not allowed: a template is one file (line 3)"),
        ("{% import 'ack.j2' as a %}", "template 'evil': {% import %} is not allowed: a template is one file (line 3)"),
        ("{% from 'ack.j2' import x %}", "template 'evil': {% from … import %} is not allowed: a template is one file (line 3)"),
        ("{% extends 'ack.j2' %}", "template 'evil': {% extends %} is not allowed: a template is one file (line 3)"),
        ("{% for i in range(10**9) %}x{% endfor %}", "template 'evil': too large to render: range() over 10,000 items (line 3)"),
        ("{{ 'x' * 10**9 }}", "template 'evil': too large to render: a value longer than 1,000,000 characters (line 3)"),
        ("{{ 'x'|center(10**9) }}", "template 'evil': too large to render: a number over 1,000,000 given to a filter or method (line 3)"),
        ("{{ '{:>999999999}'.format(1) }}", "template 'evil': too large to render: a format width too large (line 3)"),
        ("{{ 7 ** 100000 }}", "template 'evil': too large to render: a power too large (line 3)"),
        ("{% set a = 'x' * 900000 %}{% set b = a ~ a %}{{ b }}",
         "template 'evil': too large to render: a value longer than 1,000,000 characters (line 3)"),
        ("{% for i in range(10000) %}{% for j in range(200) %}x{% endfor %}{% endfor %}",
         "template 'evil': too large to render: the output is longer than 1,000,000 characters"),
        ("{{ 1 / 0 }}", "template 'evil': ZeroDivisionError: division by zero (line 3)"),
        ("{{ nobody }}", "template 'evil': 'nobody' is undefined; see docs/TEMPLATES.md for the variables (line 3)"),
        ("{% for %}", "template 'evil': Expected an expression, got 'end of statement block' (line 3)"),
    ],
)
def test_refused_and_unbounded_templates_are_one_clear_line(tix: Cli, helpdesk: Path, body: str, message: str) -> None:
    (helpdesk / "templates" / "evil.j2").write_text(f"Subject: x\n\n{body}\n", encoding="utf-8")
    ticket = tix.new()
    result = tix("reply", ticket, "-t", "evil", "--preview")
    assert (result.code, result.err) == (1, f"tix: error: {message}\n")


def test_a_template_error_carries_the_template_and_line_for_the_importer() -> None:
    with pytest.raises(TemplateError) as caught:
        render_text("ack", "Subject: x\n\nline\n{% include 'x' %}", {})
    assert (caught.value.template, caught.value.line) == ("ack", 4)


def test_rendering_is_time_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    import tix.mail.templates as templates

    monkeypatch.setattr(templates, "MAX_SECONDS", 0.2)
    with pytest.raises(TemplateError, match=r"rendering took longer than 0.2 s"):
        render_text("ack", "Subject: x\n\n{% for i in range(10000) %}{% for j in range(10000) %}{{ '' }}{% endfor %}{% endfor %}", {})


def test_ordinary_templates_still_render(tix: Cli) -> None:
    ticket = tix.new("{{ 1111*1111 }}")  # 1234321: unlike 49, it cannot turn up in an ID or a hex seed by chance
    out = tix.ok("reply", ticket, "-t", "ack", "--preview").out
    message = email.message_from_string(out, policy=email.policy.default)
    shown = str(message["Subject"]) + message.get_content()
    assert "{{ 1111*1111 }}" in shown and "1234321" not in out
