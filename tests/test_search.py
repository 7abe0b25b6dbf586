"""`tix search`, the query language, `tix customer`, saved views (issue 14), through the real CLI."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Cli, Clock, git
from test_sync import Team

from tix.cli.main import main
from tix.domain.query import parse
from tix.errors import InvalidValue
from tix.storage import fulltext
from tix.storage.layout import ticket_relpath


def ids(result_out: str) -> set[str]:
    return {row["id"] for row in json.loads(result_out)}


def search(tix: Cli, *query: str) -> set[str]:
    return ids(tix.ok("search", *query, "--format", "json", "--all").out)


@pytest.fixture
def desk(tix: Cli, clock: Clock) -> dict[str, str]:
    made = {
        "pl": tix.ok("new", "Zamówienia nie ma", "--from", "Jan Kowalski <jan@example.pl>", "-b", "Moje zamówienia nie dotarły.").out.strip(),
        "pl_plain": tix.ok("new", "Pytanie", "--from", "Ola <ola@example.pl>", "-b", "gdzie jest zamowienie").out.strip(),
        "pl_complaint": tix.ok("new", "Reklamacja", "--from", "Jan Kowalski <jan@example.pl>",
                               "-b", "Składam reklamację: dostawa przyszła zniszczona. Łódź.").out.strip(),
        "ru": tix.ok("new", "Вопрос", "--from", "Ivan <ivan@example.ru>", "-b", "Где мой ЗАКАЗА? Ёлка сломана.").out.strip(),
        "ru2": tix.ok("new", "Заказ", "--from", "Petr <petr@example.ru>", "-b", "заказ не пришёл, елка").out.strip(),
        "en": tix.ok("new", "Orders missing", "--from", "Bob <bob@shop.example.com>", "-b", "My orders never arrived",
                     "-t", "spam").out.strip(),
    }  # fmt: skip
    return made


def test_polish_inflection_case_and_diacritics(tix: Cli, desk: dict[str, str]) -> None:
    expected = {desk["pl"], desk["pl_plain"]}  # zamówienia (subject, text) and zamowienie (no diacritics)
    assert search(tix, "zamówienie") == expected
    assert search(tix, "zamowienie") == expected
    assert search(tix, "ZAMÓWIENIA") == expected
    assert search(tix, "reklamacja", "dostawa") == {desk["pl_complaint"]}  # reklamację, dostawa
    assert search(tix, "lodz") == search(tix, "Łódź") == {desk["pl_complaint"]}  # ł matches l


def test_russian_inflection_case_and_yo(tix: Cli, desk: dict[str, str]) -> None:
    assert search(tix, "заказ") == {desk["ru"], desk["ru2"]}  # ЗАКАЗА, Заказ, заказ
    assert search(tix, "елка") == search(tix, "ёлка") == {desk["ru"], desk["ru2"]}  # ё matches е


def test_english_stems_phrases_prefixes_and_negation(tix: Cli, desk: dict[str, str]) -> None:
    assert search(tix, "order") == {desk["en"]}
    assert search(tix, '"orders never arrived"') == {desk["en"]}
    assert search(tix, '"arrived never"') == set()
    assert search(tix, "zamów*") == {desk["pl"], desk["pl_plain"]}
    assert search(tix, "zamowienie", "-dotarły") == {desk["pl_plain"]}
    assert search(tix, "zamowienie", "not:pytanie") == {desk["pl"]}
    assert search(tix, "-tag:spam", "customer:example.com") == set()
    assert search(tix, "tag:spam") == {desk["en"]}
    assert search(tix, "jan@example.pl") == {desk["pl"], desk["pl_complaint"]}  # the requester's address


def test_the_table_shows_a_highlighted_snippet_and_best_match_first(tix: Cli, desk: dict[str, str]) -> None:
    out = tix.ok("search", "reklamacja dostawa").out
    assert out.splitlines()[0].startswith(desk["pl_complaint"])
    assert "**reklamację**" in out and "**dostawa**" in out
    rows = json.loads(tix.ok("search", "zamówienie", "--format", "json").out)
    assert {row["id"] for row in rows} == {desk["pl"], desk["pl_plain"]}
    assert [row["score"] for row in rows] == sorted((row["score"] for row in rows), reverse=True)  # best first
    csv = tix.ok("search", "order", "--format", "csv").out.splitlines()
    assert csv[0].endswith("closed,score,snippet") and csv[1].startswith(desk["en"])


def test_closed_tickets_are_found_and_marked(tix: Cli, desk: dict[str, str]) -> None:
    tix.ok("close", desk["en"])
    [row] = json.loads(tix.ok("search", "order", "--format", "json").out)
    assert row["closed"] is True
    assert search(tix, "order", "is:open") == set()


@pytest.mark.parametrize(("query", "error"), [
    ([""], "empty query"),
    (["*"], "empty query"),
    (['"dostawa'], "unbalanced quote at position 1"),
    (["zamowienie", '"dostawa'], "unbalanced quote at position 12"),
    (["stauts:open"], "unknown field 'stauts' at position 1 — did you mean 'status'?"),
    (["is:breachd"], "did you mean 'breached'?"),
    (["has:wings"], "'has:wings' at position 1: not one of attachment"),
    (["created:>soon"], "'created:>soon' at position 1: not a time"),
    (["status:"], "'status:' at position 1 needs a value"),
    (["status:bogus"], "unknown status 'bogus'"),
])  # fmt: skip
def test_malformed_queries_are_one_clear_line(tix: Cli, desk: dict[str, str], query: list[str], error: str) -> None:
    result = tix("search", *query)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("tix: error: ") and error in result.err and len(result.err.splitlines()) == 1


@pytest.mark.parametrize("query", ["NEAR(a b)", "a AND OR", "zam*ów", "a:b", "-", "^x", "col:umn:x", "\"\"", "(", "re:faktura"])
def test_fts5_syntax_typed_by_a_user_is_searched_literally(tix: Cli, desk: dict[str, str], query: str) -> None:
    result = tix("search", query)
    assert result.code == 0 or (result.code == 1 and "empty query" in result.err), result.err  # `-`, `""`: no word
    assert "sqlite" not in result.err.lower() and "fts5" not in result.err.lower()


def test_a_hand_edited_ticket_committed_with_git_is_found_by_its_new_text(tix: Cli, helpdesk: Path, desk: dict[str, str]) -> None:
    assert search(tix, "kaloryfer") == set()
    path = helpdesk / ticket_relpath(desk["en"])
    path.write_text(path.read_text(encoding="utf-8").replace("My orders never arrived", "Kaloryfery przeciekają"), encoding="utf-8")
    assert search(tix, "kaloryfer") == {desk["en"]}  # not committed yet: the working tree is indexed
    git(helpdesk, "commit", "-qam", "hand edit")
    assert search(tix, "kaloryfer") == {desk["en"]} and search(tix, "arrived") == set()


def test_a_ticket_synced_from_a_teammate_is_found_after_sync(tmp_path: Path, clock: Clock) -> None:
    team = Team(tmp_path)
    team.shared_ticket()
    assert json.loads(team.ok("bob", "search", "faktura", "--format", "json")) == []
    new = team.ok("alice", "new", "Faktura korygująca", "--from", "jan@example.pl", "-b", "Proszę o fakturę").strip()
    team.ok("alice", "sync")
    team.ok("bob", "sync")
    assert [row["id"] for row in json.loads(team.ok("bob", "search", "faktury", "--format", "json"))] == [new]


def test_list_takes_the_query_language(tix: Cli, desk: dict[str, str]) -> None:
    listed = ids(tix.ok("list", "-f", "json", "customer:@example.pl", "-tag:spam").out)
    assert listed == {desk["pl"], desk["pl_plain"], desk["pl_complaint"]}
    assert ids(tix.ok("list", "-f", "json", "zamowienie", "is:unanswered").out) == {desk["pl"], desk["pl_plain"]}
    assert ids(tix.ok("list", "-f", "json", "not:tag:spam", "order").out) == set()
    tix.ok("assign", desk["ru"], "anna@example.com")
    assert ids(tix.ok("list", "-f", "json", "owner:me").out) == {desk["ru"]}
    assert ids(tix.ok("list", "-f", "json", "is:assigned", "priority:normal,high").out) == {desk["ru"]}
    assert ids(tix.ok("list", "-f", "json", "created:>1d").out) == set(desk.values())
    assert ids(tix.ok("list", "-f", "json", "created:<1d").out) == set()
    result = tix("list", "prio:hihg", "stauts:open")
    assert result.code == 1 and "'stauts' at position 11" in result.err


def test_the_parser_keeps_positions_and_literal_colons() -> None:
    query = parse('status:open "exact phrase" -tag:spam re:faktura zam*')
    assert [(t.field, t.negated, t.position) for t in query.terms] == [
        ("status", False, 1), (None, False, 13), ("tag", True, 28), (None, False, 38), (None, False, 49)]  # fmt: skip
    assert query.terms[1].text is not None and query.terms[1].text.phrase
    assert query.terms[4].text is not None and query.terms[4].text.prefix
    with pytest.raises(InvalidValue, match="position 5"):
        parse('abc "def')


def test_folding_and_stemming() -> None:
    assert fulltext.fold("Łódź") == "lodz" and fulltext.fold("ЁЛКА") == "елка" and fulltext.fold("мой") == "мой"
    assert fulltext.stem("zamówienia", "polish") == fulltext.stem("zamowienie", "polish") == "zamowien"
    assert fulltext.stem("ЗАКАЗА", "english") == fulltext.stem("заказ", "polish") == "заказ"  # Cyrillic: Russian


def test_customer_history_across_tickets_and_domains(tix: Cli, clock: Clock, desk: dict[str, str]) -> None:
    clock.advance(days=40)
    later = tix.ok("new", "Znowu ja", "--from", "Jan Kowalski <jan@example.pl>").out.strip()
    clock.advance(hours=2)
    tix.ok("reply", later, "-m", "Dzień dobry")
    tix.ok("close", desk["pl"])
    data = json.loads(tix.ok("customer", "jan@example.pl", "-f", "json").out)
    assert [t["id"] for t in data["tickets"]] == [later, desk["pl_complaint"], desk["pl"]]  # open first, newest first
    assert data["open"] == 2 and data["closed"] == 1 and data["tickets"][2]["ended"]["status"] == "closed"
    assert data["median_first_response_seconds"] == 2 * 3600  # the only reply: two hours after opening
    assert data["per_month"]["2026-11"] == 2 and data["per_month"]["2027-01"] == 1 and len(data["per_month"]) == 12
    assert data["first_contact"].startswith("2026-11-23") and data["last_contact"].startswith("2027-01-02")
    org = json.loads(tix.ok("customer", "example.pl", "-f", "json").out)
    assert org["addresses"] == ["jan@example.pl", "ola@example.pl"] and len(org["tickets"]) == 4
    assert json.loads(tix.ok("customer", "@example.pl", "-f", "json").out)["tickets"] == org["tickets"]
    assert len(json.loads(tix.ok("customer", "jan kowalski", "-f", "json").out)["tickets"]) == 3
    text = tix.ok("customer", "jan@example.pl").out
    assert "jan@example.pl: 3 tickets, 2 open" in text and "median first response: 2 h 0 min" in text
    missing = tix("customer", "nobody@example.pl")
    assert missing.code == 1 and "no tickets from nobody@example.pl" in missing.err


def test_show_lists_the_customers_other_tickets(tix: Cli, desk: dict[str, str]) -> None:
    assert "other tickets" not in tix.ok("show", desk["pl"]).out  # no index yet: show never builds one
    tix.ok("list")
    out = tix.ok("show", desk["pl"]).out
    assert "This customer's other tickets (1 open, 0 recent closed shown):" in out and desk["pl_complaint"] in out
    tix.ok("close", desk["pl_complaint"])  # a state change: show re-checks the requester's files itself
    out = tix.ok("show", desk["pl"]).out
    assert "(0 open, 1 recent closed shown)" in out
    assert "other tickets" not in tix.ok("show", desk["ru"]).out  # nobody else wrote from that address


def test_saved_views(tix: Cli, helpdesk: Path, desk: dict[str, str]) -> None:
    tix.ok("config", "set", "views.polish", "customer:@example.pl -tag:spam")
    tix.ok("config", "set", "views.spam", "tag:spam")
    assert ids(tix.ok("list", "@polish", "-f", "json").out) == {desk["pl"], desk["pl_plain"], desk["pl_complaint"]}
    assert ids(tix.ok("list", "--view", "spam", "-f", "json").out) == {desk["en"]}
    assert search(tix, "@polish") == {desk["pl"], desk["pl_plain"], desk["pl_complaint"]}
    assert tix.ok("views").out.splitlines() == ["@polish  customer:@example.pl -tag:spam", "@spam    tag:spam"]
    wrong = tix("list", "@polsh")
    assert wrong.code == 1 and "unknown view 'polsh' — did you mean '@polish'?" in wrong.err
    both = tix("list", "--view", "spam", "order")
    assert both.code == 1 and "either a view" in both.err
    bad = tix("config", "set", "views.broken", "stauts:open")
    assert bad.code != 0 and "views.broken: unknown field 'stauts'" in bad.err


def test_one_changed_ticket_is_all_the_next_search_reindexes(tix: Cli, helpdesk: Path, desk: dict[str, str]) -> None:
    from tix.storage.index import Index
    from tix.storage.layout import Helpdesk

    tix.ok("search", "order")
    tix.ok("note", desk["en"], "kaloryfer")
    with Index.current(Helpdesk(helpdesk)) as index:
        assert index.refresh() == 0  # already current
    path = helpdesk / ticket_relpath(desk["ru"])
    path.write_text(path.read_text(encoding="utf-8") + "\nkaloryfer\n", encoding="utf-8")
    index = Index(Helpdesk(helpdesk))
    try:
        assert index.refresh() == 1  # the one file changed, not the six
    finally:
        index.close()


def test_n_is_short_for_limit_as_in_list(tix: Cli, desk: dict[str, str]) -> None:
    assert ids(tix.ok("search", "zamówienie", "-n", "3", "--format", "json").out) == {desk["pl"], desk["pl_plain"]}  # not words
    assert len(json.loads(tix.ok("search", "zamówienie", "-n", "1", "--format", "json").out)) == 1
    assert len(json.loads(tix.ok("search", "-n1", "zamówienie", "--format", "json").out)) == 1
    assert tix.ok("search", "zamówienie", "-n", "1").out == tix.ok("search", "zamówienie", "--limit", "1").out
    assert ids(tix.ok("search", "zamowienie", "-nie", "--format", "json").out) == {desk["pl_plain"]}  # `-nie`: a negated word
    assert ids(tix.ok("search", "-n", "5", "--format", "json", "--", "zamowienie", "-n").out) == {desk["pl"], desk["pl_plain"]}
    bad = tix("search", "zamówienie", "-n", "zero")
    assert bad.code == 2 and "--limit" in bad.err


def work_of_one_change(tix: Cli, helpdesk: Path, monkeypatch: pytest.MonkeyPatch, tickets: int) -> dict[str, Counter[str]]:
    """A helpdesk of `tickets` tickets, searched once; then one ticket changed by `tix note`, and
    another by hand and committed with git. Counts, for each change and the search after it, the
    tickets tokenised for the FTS table (fulltext.document) and the FTS rows added and removed
    (SQLite's trace of each statement run). The counters call through to the real code."""
    from datetime import datetime

    from tix.domain import ids as ticket_ids
    from tix.domain.model import Entry, Person, Ticket
    from tix.storage import index as index_module
    from tix.storage import ticketfile

    made = []
    for number in range(tickets):
        when = datetime.fromisoformat("2026-11-01T09:00:00+01:00")
        ticket = Ticket(id=ticket_ids.derived_id(f"count-{number}"), subject=f"Zamówienie {number}", requester=Person("Jan", "jan@example.pl"),
                        status="new", priority="normal", created=when, updated=when)  # fmt: skip
        ticket.entries.append(Entry(ticket_ids.derived_id(f"entry-{number}"), "inbound", "Jan <jan@example.pl>", when,
                                    f"Reklamacja numer {number}: dostawa nie dotarła."))  # fmt: skip
        path = helpdesk / ticket_relpath(ticket.id)
        path.parent.mkdir(parents=True)
        path.write_text(ticketfile.dumps(ticket), encoding="utf-8")
        made.append(ticket.id)
    git(helpdesk, "add", "-A")
    git(helpdesk, "commit", "-qm", "tickets")
    assert len(search(tix, "reklamacja")) == tickets  # the index built: every ticket tokenised once

    counts: Counter[str] = Counter()
    real_document, real_init = fulltext.document, index_module.Index.__init__

    def counting_document(texts):  # type: ignore[no-untyped-def]
        counts["tokenised"] += 1
        return real_document(texts)

    def counting_init(self, helpdesk):  # type: ignore[no-untyped-def]
        real_init(self, helpdesk)

        def trace(statement: str) -> None:
            if statement.startswith("INSERT INTO search (rowid,"):
                counts["FTS rows added"] += 1
            elif statement.startswith("INSERT INTO search (search, rowid,") and "'delete'" in statement:
                counts["FTS rows removed"] += 1
            elif statement.startswith(("INSERT INTO search (", "DELETE FROM search ", "UPDATE search ")):  # not search_tokens
                counts["other FTS writes"] += 1

        self.db.set_trace_callback(trace)

    def measured(*steps: Callable[[], object]) -> Counter[str]:
        counts.clear()
        with monkeypatch.context() as patch:
            patch.setattr(fulltext, "document", counting_document)
            patch.setattr(index_module.Index, "__init__", counting_init)
            for step in steps:
                step()
        return Counter(counts)

    first, second = made[tickets // 3], made[tickets // 2]
    path = helpdesk / ticket_relpath(second)

    def hand_edit() -> None:
        path.write_text(path.read_text(encoding="utf-8").replace("dostawa nie dotarła", "kaloryfer przecieka"), encoding="utf-8")
        git(helpdesk, "commit", "-qam", "hand edit")

    return {
        "nothing changed": measured(lambda: search(tix, "reklamacja")),
        "tix note, then search": measured(lambda: tix.ok("note", first, "Klient dzwonił: kaloryfery"),
                                          lambda: search(tix, "kaloryfer")),
        "hand edit + git commit, then search": measured(hand_edit, lambda: search(tix, "kaloryfer")),
    }


def test_after_one_change_the_next_search_reindexes_that_ticket_alone(tix: Cli, helpdesk: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:  # fmt: skip
    small = work_of_one_change(tix, helpdesk, monkeypatch, 20)
    assert small["nothing changed"] == Counter()
    one = Counter({"tokenised": 1, "FTS rows added": 1, "FTS rows removed": 1})  # its old row out, the new one in
    assert small["tix note, then search"] == one
    assert small["hand edit + git commit, then search"] == one
    large_desk = tmp_path / "large"
    assert main(["init", str(large_desk), "--email", "support@example.com"]) == 0
    assert work_of_one_change(Cli(large_desk, capsys, monkeypatch), large_desk, monkeypatch, 80) == small  # whatever the size


def test_stats_figures_cover_the_tickets_a_query_or_view_matches(tix: Cli, desk: dict[str, str]) -> None:
    period = ("--since", "2026-11-01", "--until", "2026-11-30")
    def created(*query: str) -> int:
        return int(json.loads(tix.ok("stats", *period, "-f", "json", *query).out)["created"])

    tix.ok("config", "set", "categories", "general, reklamacje")
    tix.ok("assign", desk["ru"], "anna@example.com")  # anna is "me" (git's identity in the tests)
    tix.ok("assign", desk["pl_complaint"], "anna@example.com")
    tix.ok("category", desk["pl_complaint"], "reklamacje")
    tix.ok("category", desk["en"], "reklamacje")
    tix.ok("close", desk["pl_complaint"])
    assert created() == 5  # the ticket tagged spam is no customer's request (tix spam, issue 18)
    assert created("owner:me") == 2
    mine = json.loads(tix.ok("stats", *period, "-f", "json", "owner:me", "category:reklamacje").out)
    assert (mine["created"], mine["resolved"], mine["backlog"]["open"]) == (1, 1, 0)  # the closed complaint alone
    assert created("category:reklamacje") == created("-tag:spam", "category:reklamacje") == 1
    assert created("zamówienie") == 2 and created("reklamacja", "dostawa") == 1  # words too, in any inflection
    assert created("is:closed") == 1 and created("not:is:closed") == 4
    groups = json.loads(tix.ok("stats", *period, "-f", "json", "--by", "owner", "category:reklamacje").out)["groups"]
    assert [(group["key"], group["created"]) for group in groups] == [("anna@example.com", 1)]
    tix.ok("config", "set", "views.complaints", "category:reklamacje")
    assert created("--view", "complaints") == created("@complaints") == 1
    assert "Created 1 · Resolved 1" in tix.ok("stats", *period, "owner:me", "category:reklamacje").out  # the table too
    for query, error in ((["stauts:open"], "unknown field 'stauts' at position 1"), (["--view", "complaint"], "unknown view"),
                         (["--view", "complaints", "owner:me"], "either a view"), (["@nothing"], "unknown view")):  # fmt: skip
        result = tix("stats", *query)
        assert result.code == 1 and error in result.err and len(result.err.splitlines()) == 1, result.err


def test_a_search_asks_git_for_head_and_the_working_tree_once_each(tix: Cli, helpdesk: Path, desk: dict[str, str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Both begin before the index is read (storage/gitrepo.py, begin_worktree_check), and the
    refresh takes their answers instead of asking again: counted, the real git runs."""
    import os
    import subprocess

    asked: list[str] = []
    real_popen, real_spawn = subprocess.Popen, os.posix_spawnp

    class CountingPopen(real_popen):  # type: ignore[misc,valid-type]
        def __init__(self, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
            if isinstance(args, list) and args and args[0] == "git":
                asked.append(args[1])
            super().__init__(args, *rest, **kwargs)

    def counting_spawn(path, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        asked.append(args[3])  # git -C ROOT COMMAND ... (storage/gitstart.py)
        return real_spawn(path, args, *rest, **kwargs)

    tix.ok("search", "order")
    path = helpdesk / ticket_relpath(desk["ru"])
    for change in ("nothing", "a hand edit"):
        if change == "a hand edit":
            path.write_text(path.read_text(encoding="utf-8") + "\nkaloryfer\n", encoding="utf-8")
        asked.clear()
        with monkeypatch.context() as patch:
            patch.setattr(subprocess, "Popen", CountingPopen)
            patch.setattr(os, "posix_spawnp", counting_spawn)
            found = search(tix, "kaloryfer")
        assert sorted(asked) == ["diff-index", "rev-parse"], change
        assert found == ({desk["ru"]} if change == "a hand edit" else set())


def test_changed_and_removed_tickets_leave_no_words_behind_in_the_fts_table(tix: Cli, helpdesk: Path, desk: dict[str, str]) -> None:
    """The FTS table keeps no copy of its text (contentless): a row is taken out by giving back
    its very tokens, kept packed beside it. Checked in the table itself, not through the join."""
    import sqlite3

    tix.ok("search", "order")
    path = helpdesk / ticket_relpath(desk["en"])
    path.write_text(path.read_text(encoding="utf-8").replace("My orders never arrived", "Kaloryfery przeciekają"), encoding="utf-8")
    assert search(tix, "kaloryfer") == {desk["en"]}
    tix.ok("note", desk["ru"], "hydraulik")
    assert search(tix, "hydraulik") == {desk["ru"]}
    git(helpdesk, "rm", "-rq", str(Path(ticket_relpath(desk["pl_plain"])).parent))
    git(helpdesk, "commit", "-qam", "a ticket removed by hand")
    assert search(tix, "gdzie") == set()
    with sqlite3.connect(helpdesk / ".git" / "tix" / "index.sqlite") as db:
        def fts(word: str) -> set[int]:
            return {rowid for (rowid,) in db.execute("SELECT rowid FROM search WHERE search MATCH ?", (f'words: "{word}"',))}

        tickets = {rowid for (rowid,) in db.execute("SELECT rowid FROM tickets")}
        assert len(tickets) == 5 and {rowid for (rowid,) in db.execute("SELECT id FROM search_docsize")} == tickets
        assert fts("arrived") == fts("gdzie") == set() and len(fts("kaloryfery")) == len(fts("hydraulik")) == 1
        assert {rowid for (rowid,) in db.execute("SELECT rowid FROM search_tokens")} == tickets
        db.execute("INSERT INTO search (search) VALUES ('integrity-check')")


def test_the_console_script_asks_git_once_for_head_and_the_working_tree_and_sees_a_hand_edit(
        tix: Cli, helpdesk: Path, desk: dict[str, str], tmp_path: Path) -> None:  # fmt: skip
    """`tix list` and `tix search` begin git's reads before Python imports tix (storage/gitstart.py,
    begin_for), from -C, TIX_DIR or the folder they run in; the refresh takes those answers. Counted
    by a `git` first on PATH that logs each run and hands it to the real one."""
    import os
    import shutil

    from conftest import run_console_script

    log, shim = tmp_path / "git.log", tmp_path / "bin" / "git"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {shutil.which("git")} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {"PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
    tix.ok("search", "order")  # the index built
    path = helpdesk / ticket_relpath(desk["ru"])
    path.write_text(path.read_text(encoding="utf-8") + "\nkaloryfer\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for args, cwd, extra in ((("search", "kaloryfer"), helpdesk / "tickets", {}),
                             (("-C", str(helpdesk), "list", "kaloryfer"), elsewhere, {}),
                             (("list", "--format", "json", "kaloryfer"), elsewhere, {"TIX_DIR": str(helpdesk)})):  # fmt: skip
        log.unlink(missing_ok=True)
        result = run_console_script(*args, cwd=cwd, env=env | extra)
        assert result.returncode == 0 and desk["ru"] in result.stdout, (args, result.stderr)
        runs = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
        assert sorted(run[2] for run in runs if run[0] == "-C") == ["diff-index", "rev-parse"], (args, runs)  # begun
        assert len(runs) == 2, (args, runs)  # and nothing asked again
