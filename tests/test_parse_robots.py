"""Auto-replies recognised by their headers and by the subjects robots write (issue 9: #11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli, make_eml

from tix.mail import parse as mailparse


def robot(subject: str = "Faktura", **headers: str) -> str | None:
    return mailparse.parse(make_eml(subject=subject, headers={k.replace("_", "-"): v for k, v in headers.items()})).robot


@pytest.mark.parametrize(
    "subject",
    [
        "Automatyczna odpowiedź: Faktura 12/2026", "Odpowiedź automatyczna: Faktura", "Автоматический ответ: Счёт",
        "Автоответ: Счёт", "Auto-Reply: Invoice", "Automatic reply: Invoice", "AUTOMATIC REPLY: Invoice", "Out of Office",
        "Out of Office: Invoice", "Out of office until Monday", "Abwesenheitsnotiz: Rechnung", "Automatische Antwort: Rechnung",
        "Autom. Antwort: Rechnung", "AUTO: Jan Kowalski is out of the office (returning 2026-12-07)",
        "Réponse automatique : Facture", "Automatická odpověď: Faktura",
    ],
)
def test_auto_reply_subjects_in_many_languages(subject: str) -> None:
    assert robot(subject) == "auto-reply"


@pytest.mark.parametrize(
    "subject",
    ["Re: Automatic reply: Invoice", "Auto: Reparatur", "Automatyczna faktura nie działa", "Automation question",
     "Outage in the office", "Printer on fire"],
)
def test_people_are_not_robots(subject: str) -> None:
    assert robot(subject) is None


@pytest.mark.parametrize(
    "header",
    [{"X_Autoreply": "yes"}, {"X_Autorespond": "x"}, {"X_MS_Exchange_Inbox_Rules_Loop": "jan@example.pl"},
     {"Precedence": "auto_reply"}, {"Precedence": "Auto-Reply"}],
)
def test_auto_reply_headers(header: dict[str, str]) -> None:
    assert robot(**header) == "auto-reply"


def test_a_polish_outlook_auto_reply_opens_no_customer_ticket_and_is_not_acknowledged(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    (tmp_path / "ooo.eml").write_bytes(make_eml(subject="Automatyczna odpowiedź: Drukarka", body="Jestem na urlopie."))
    result = tix("import", str(tmp_path / "ooo.eml"))
    assert result.code == 0 and "1 from robots" in result.out
