"""Issue 15: the knowledge base — articles as files in kb/, each change one commit by the acting
person, broken files named and skipped, search in any inflection, through the real CLI and git."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, git

ANNA = "Anna Nowak <anna@example.com>"
BOB = "Bob Builder <bob@example.com>"
RETURNS_PL = "Towar można zwrócić w ciągu 14 dni od odbioru paczki. Zwroty przyjmujemy pocztą i w sklepie."
RETURNS_EN = "You can return goods within 14 days of delivery. We accept returns by post and in the shop."
RETURNS_RU = "Товар можно вернуть в течение 14 дней после получения. Возврат принимаем почтой."


def write_article(root: Path, relpath: str, text: str) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def small_kb(tix: Cli) -> None:
    tix.ok("--as", ANNA, "kb", "new", "Zwrot towaru", "--lang", "pl", "-c", "zwroty", "--id", "returns", "--visibility", "public",
           "-k", "zwrot", "-k", "reklamacja", "-b", RETURNS_PL)  # fmt: skip
    tix.ok("--as", BOB, "kb", "new", "Returns", "--lang", "en", "-c", "orders", "--id", "returns", "--visibility", "public",
           "--translation-of", "pl", "-b", RETURNS_EN)  # fmt: skip
    tix.ok("kb", "new", "Возврат товара", "--lang", "ru", "-c", "zakazy", "--id", "returns", "--visibility", "public",
           "--translation-of", "pl", "-b", RETURNS_RU)  # fmt: skip
    tix.ok("kb", "new", "Reset your password", "--lang", "en", "-c", "account", "--visibility", "public",
           "-k", "password", "-k", "log in", "-b", "Open the log-in page and choose *Forgot password*; a link arrives by mail.")  # fmt: skip
    tix.ok("kb", "new", "Refund by hand (agents only)", "--lang", "en", "-c", "orders", "--id", "manual-refund",
           "--visibility", "internal", "-b", "In the shop's admin panel, open the order and press Refund.")  # fmt: skip


def test_each_change_is_one_commit_by_the_acting_person(tix: Cli, helpdesk: Path) -> None:
    before = int(git(helpdesk, "rev-list", "--count", "HEAD"))
    small_kb(tix)
    assert int(git(helpdesk, "rev-list", "--count", "HEAD")) == before + 5
    log = git(helpdesk, "log", "--format=%an|%s|%(trailers:key=Tix-Article,valueonly,separator=)|%(trailers:key=Tix-Action,valueonly,separator=)", "-5")
    assert log.splitlines()[-1] == "Anna Nowak|tix: kb returns created (pl, kb/pl/zwroty/returns.md)|returns|kb-new"
    assert log.splitlines()[-2].startswith("Bob Builder|tix: kb returns created (en, kb/en/orders/returns.md)")
    assert git(helpdesk, "show", "--name-only", "--format=", "HEAD~3").split() == ["kb/en/orders/returns.md"]
    text = (helpdesk / "kb/en/orders/returns.md").read_text(encoding="utf-8")
    assert text.startswith("---\nid: returns\ntitle: Returns\nlang: en\ntranslation_of: pl\nvisibility: public\ncategory: orders\n")
    assert "owner: bob@example.com\nreviewed: '2026-11-23'\n---\n\nYou can return goods" in text

    listed = tix.ok("kb", "list").out.splitlines()
    assert listed[1].split() == ["manual-refund", "en", "internal", "orders", "Refund", "by", "hand", "(agents", "only)"]
    assert [line.split()[:2] for line in listed] == [["reset-your-password", "en"], ["manual-refund", "en"], ["returns", "en"],
                                                      ["returns", "pl"], ["returns", "ru"]]  # fmt: skip
    rows = json.loads(tix.ok("kb", "list", "--lang", "pl", "-f", "json").out)
    assert [(r["id"], r["title"], r["keywords"]) for r in rows] == [("returns", "Zwrot towaru", ["zwrot", "reklamacja"])]

    shown = tix.ok("kb", "show", "returns", "--lang", "pl").out
    assert shown.startswith("returns (pl)  Zwrot towaru\nVisibility: public\n") and "Languages:  also in: en, ru" in shown
    assert shown.rstrip().endswith(RETURNS_PL)
    assert tix.ok("kb", "show", "returns").out.startswith("returns (en)  Returns")  # helpdesk.language: en
    assert tix("kb", "show", "retruns").err == "tix: error: no article 'retruns' in kb/ — did you mean 'returns'?\n"
    assert tix("kb", "show", "returns", "--lang", "de").err == "tix: error: article 'returns' has no de version (it is written in en, pl, ru)\n"

    again = tix("kb", "new", "Zwroty", "--lang", "pl", "--id", "returns")
    assert again.code == 1 and again.err == "tix: error: article 'returns' already has a pl version: kb/pl/zwroty/returns.md (tix kb edit returns --lang pl)\n"
    nowhere = tix("kb", "new", "Retouren", "--lang", "de", "--id", "returns", "--translation-of", "fr")
    assert nowhere.err == "tix: error: --translation-of fr: article 'returns' has no fr version (it is written in en, pl, ru)\n"


def test_archive_keeps_the_files_and_hides_them(tix: Cli, helpdesk: Path) -> None:
    small_kb(tix)
    assert tix.ok("--as", BOB, "kb", "archive", "returns", "--lang", "ru").out == "returns: archived (ru)\n"
    assert git(helpdesk, "log", "-1", "--format=%an %s").strip() == "Bob Builder tix: kb returns archived (ru)"
    assert "visibility: archived" in (helpdesk / "kb/ru/zakazy/returns.md").read_text(encoding="utf-8")
    assert "ru" not in [line.split()[1] for line in tix.ok("kb", "list").lines]
    assert [line.split()[:3] for line in tix.ok("kb", "list", "--all", "--lang", "ru").lines] == [["returns", "ru", "archived"]]
    assert tix.ok("kb", "archive", "returns").out == "returns: archived (en, pl)\n"  # one commit for both
    assert git(helpdesk, "show", "--name-only", "--format=", "HEAD").split() == ["kb/en/orders/returns.md", "kb/pl/zwroty/returns.md"]
    assert tix.ok("kb", "archive", "returns").out == "returns: nothing changed\n"


def test_search_finds_any_inflection_in_any_language(tix: Cli) -> None:
    small_kb(tix)
    found = tix.ok("kb", "search", "zwrotu").out.splitlines()  # zwrot, Zwroty: the same stem
    assert found[0] == "returns (pl, public)  Zwrot towaru" and "**Zwroty**" in found[1]
    assert tix.ok("kb", "search", "возврата").out.startswith("returns (ru, public)")
    assert tix.ok("kb", "search", "passwords").out.startswith("reset-your-password (en, public)")
    assert tix.ok("kb", "search", "odbior").out.startswith("returns (pl")  # without its diacritics
    assert tix.ok("kb", "search", "refund").out.startswith("manual-refund (en, internal)")  # agents see internal ones
    rows = json.loads(tix.ok("kb", "search", "returns", "--lang", "en", "-f", "json").out)
    assert [r["id"] for r in rows] == ["returns"] and rows[0]["score"] > 0
    assert tix("kb", "search", "nothing-like-it").err == "no article matches\n"


def test_a_broken_article_is_named_and_never_stops_the_rest(tix: Cli, helpdesk: Path) -> None:
    small_kb(tix)
    write_article(helpdesk, "kb/en/orders/broken.md", "---\nid: broken\ntitle: [unclosed\n---\nText\n")
    write_article(helpdesk, "kb/en/orders/nofront.md", "Just text, no front-matter.\n")
    write_article(helpdesk, "kb/en/orders/zcopy.md", "---\nid: returns\ntitle: Returns again\nvisibility: public\n---\nA copy.\n")
    write_article(helpdesk, "kb/de/orders/returns.md", "---\nid: returns\ntitle: Retouren\ntranslation_of: fr\nvisibility: public\n---\nRücksendung.\n")
    write_article(helpdesk, "kb/pl/konto/haslo.md", "---\nid: haslo\ntitle: Hasło\nlang: ru\n---\nx\n")
    result = tix.ok("kb", "list")
    warnings = result.err.splitlines()
    assert "tix: warning: kb/en/orders/broken.md: bad front-matter:" in warnings[0]
    assert "tix: warning: kb/en/orders/zcopy.md: skipped: id 'returns' in en is already kb/en/orders/returns.md (one article per id and language)" in warnings
    assert any(w.startswith("tix: warning: kb/en/orders/nofront.md: no front-matter") for w in warnings)
    assert "tix: warning: kb/pl/konto/haslo.md: lang: ru, but the file is in kb/pl/ (move it to kb/ru/ or correct the field)" in warnings
    assert "tix: warning: kb/de/orders/returns.md: translation_of: fr, but there is no 'returns' in fr (kb/fr/…/returns.md)" in warnings
    assert len(warnings) == 5
    assert [line.split()[:2] for line in result.lines] == [["returns", "de"], ["reset-your-password", "en"], ["manual-refund", "en"],
                                                            ["returns", "en"], ["returns", "pl"], ["returns", "ru"]]  # fmt: skip
    assert tix.ok("kb", "search", "zwrot").out.startswith("returns (pl")  # the rest still works


def test_edit_validates_and_commits_or_leaves_the_article_unchanged(tix: Cli, helpdesk: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    small_kb(tix)
    path = helpdesk / "kb/pl/zwroty/returns.md"
    monkeypatch.setenv("EDITOR", "sed -i -e 's/14 dni/30 dni/'")
    assert tix.ok("--as", BOB, "kb", "edit", "returns", "--lang", "pl").out == "returns: edited by hand (pl)\n"
    assert "30 dni" in path.read_text(encoding="utf-8")
    assert git(helpdesk, "log", "-1", "--format=%an|%(trailers:key=Tix-Action,valueonly)").strip() == "Bob Builder|kb-edit"
    before = path.read_bytes()
    monkeypatch.setenv("EDITOR", "sed -i 's/^visibility: public/visibility: secret/'")
    rejected = tix("kb", "edit", "returns", "--lang", "pl")
    assert rejected.code == 1 and rejected.err.startswith(
        "tix: error: edit rejected, kb/pl/zwroty/returns.md is unchanged: kb/pl/zwroty/returns.md: visibility 'secret' is not one of public")
    assert path.read_bytes() == before
    monkeypatch.setenv("EDITOR", "sed -i 's/^id: returns/id: zwroty/'")
    assert "the id and language of an article never change" in tix("kb", "edit", "returns", "--lang", "pl").err
    monkeypatch.setenv("EDITOR", "true")
    assert tix.ok("kb", "edit", "reset-your-password").out == "reset-your-password: nothing changed\n"
