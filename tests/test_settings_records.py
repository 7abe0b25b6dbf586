"""The settings sections are plain records (domain/record.py), not named tuples: importing them
costs neither `typing` nor namedtuple class creation (issue 12), and they still behave as values."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tix.domain.settings import Settings, StatusAnswerSettings, settings_from
from tix.storage.config import defaults


def test_importing_the_settings_imports_no_typing() -> None:
    code = "import sys, tix.domain.settings; print('typing' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.strip() == "False"


def test_sections_are_values_built_by_position_or_keyword() -> None:
    first, second = settings_from(defaults()), settings_from(defaults())
    assert first == second and first is not second
    assert first.mail == second.mail and hash(first.mail) == hash(second.mail)
    assert {first.helpdesk, second.helpdesk} == {first.helpdesk}  # the sections of plain values are hashable
    assert StatusAnswerSettings(True, ("status",)) == StatusAnswerSettings(enabled=True, keywords=("status",))
    assert StatusAnswerSettings(True, ("status",)) != (True, ("status",))  # no tuple any more
    assert repr(StatusAnswerSettings(False, ())) == "StatusAnswerSettings(enabled=False, keywords=())"
    with pytest.raises(TypeError):
        hash(first)  # holds dicts: a Record, never hashed


def test_the_defaults_of_settings_are_new_for_each_instance() -> None:
    base = settings_from(defaults())
    sections = [getattr(base, name) for name in Settings.__slots__[:16]]
    one, two = Settings(*sections), Settings(*sections)
    assert one.kb_base_url == "" and one.notify == {} and one.status_answer == StatusAnswerSettings(False, ())
    one.notify["closed"] = "closed-notice"
    assert two.notify == {}
