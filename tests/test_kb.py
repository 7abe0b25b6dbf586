"""Issue 15: the knowledge base — articles as files in kb/, each change one commit by the acting
person, broken files named and skipped, search in any inflection, through the real CLI and git."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Cli, Clock, git

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


# --- step 2: articles in replies -----------------------------------------------------------


def mail_body(preview: str) -> str:
    """The text of the mail `tix reply --preview` prints: decoded already, after the headers (issue 18 #4)."""
    return preview.split("\n\n", 1)[1]


def customer_ticket(tix: Cli, subject: str, sender: str, body: str) -> str:
    return tix.ok("new", subject, "--from", sender, "-b", body).out.strip()


def test_reply_with_an_article_in_the_customers_language(tix: Cli, helpdesk: Path) -> None:
    small_kb(tix)
    zofia = customer_ticket(tix, "Zwrot towaru", "Zofia <zofia@example.pl>", "Dzień dobry, chcę zwrócić zamówienie nr 12. Jak to zrobić?")
    preview = tix.ok("reply", zofia, "--kb", "returns", "--preview")
    assert RETURNS_PL in mail_body(preview.out) and RETURNS_EN not in mail_body(preview.out) and preview.err == ""
    head = int(git(helpdesk, "rev-list", "--count", "HEAD"))
    done = tix.ok("reply", zofia, "-m", "Dzień dobry!", "--kb", "returns", "--kb", "reset-your-password")
    assert "articles used: returns, reset-your-password" in done.out
    assert int(git(helpdesk, "rev-list", "--count", "HEAD")) == head + 1
    details = json.loads(tix.ok("show", zofia, "-f", "json").out)
    assert details["fields"]["kb"] == ["returns", "reset-your-password"]
    reply = details["entries"][-1]
    assert reply["kb"] == ["returns", "reset-your-password"]
    assert reply["text"].index("Dzień dobry!") < reply["text"].index(RETURNS_PL) < reply["text"].index("Forgot password")
    # the password article has no Polish version: the English one, and the agent is told
    assert done.err == "tix: note: article 'reset-your-password' has no public pl version (the customer's language): the en one is in the reply\n"

    olga = customer_ticket(tix, "Возврат", "Ольга <olga@example.ru>", "Здравствуйте! Хочу вернуть заказ, он мне не подошёл.")
    assert RETURNS_RU in mail_body(tix.ok("reply", olga, "--kb", "returns", "--preview").out)
    tix.ok("kb", "archive", "returns", "--lang", "ru")
    fallback = tix.ok("reply", olga, "--kb", "returns", "--preview")
    assert RETURNS_EN in mail_body(fallback.out) and "the en one is in the reply" in fallback.err  # helpdesk.language
    tix.ok("config", "set", "helpdesk.language", "pl")
    assert RETURNS_PL in mail_body(tix.ok("reply", olga, "--kb", "returns", "--preview").out)


def test_internal_draft_archived_or_unknown_articles_never_go_out(tix: Cli, helpdesk: Path) -> None:
    small_kb(tix)
    tix.ok("kb", "new", "Nowe zasady", "--lang", "pl", "--id", "new-rules", "-b", "Jeszcze nie gotowe.")  # a draft
    jan = customer_ticket(tix, "Refund", "Jan <jan@example.com>", "I want my money back.")
    head = git(helpdesk, "rev-parse", "HEAD")
    internal = tix("reply", jan, "--kb", "manual-refund")
    assert internal.code == 1
    assert internal.err == ("tix: error: article 'manual-refund' has no public version (en: internal): "
                            "only public articles go into mail to a customer\n")  # fmt: skip
    assert "(pl: draft)" in tix("reply", jan, "--kb", "new-rules", "--preview").err
    assert tix("reply", jan, "--kb", "retrns").err == "tix: error: no article 'retrns' in kb/ — did you mean 'returns'?\n"
    (helpdesk / "templates" / "sneaky.j2").write_text('Subject: Re: {{ ticket.subject }}\n\n{{ kb("manual-refund") }}\n', encoding="utf-8")
    assert "has no public version (en: internal)" in tix("reply", jan, "-t", "sneaky").err
    assert git(helpdesk, "rev-parse", "HEAD") == head and not (helpdesk / "outbox").exists()


def test_templates_get_kb_and_kb_link(tix: Cli, helpdesk: Path) -> None:
    small_kb(tix)
    (helpdesk / "templates" / "answer.j2").write_text(
        'Subject: Re: {{ ticket.subject }}\n\n{{ kb("returns") }}\n\nMore: {{ kb_link("returns") }}\n', encoding="utf-8")
    zofia = customer_ticket(tix, "Zwrot", "Zofia <zofia@example.pl>", "Chcę zwrócić towar, paczka przyszła wczoraj.")
    missing = tix("reply", zofia, "-t", "answer", "--preview")
    assert missing.code == 1 and "kb_link() needs kb.base_url" in missing.err
    tix.ok("config", "set", "kb.base_url", "https://help.example.com/kb/")
    preview = mail_body(tix.ok("reply", zofia, "-t", "answer", "--preview").out)
    assert RETURNS_PL in preview and "More: https://help.example.com/kb/pl/returns.html" in preview
    tix.ok("reply", zofia, "-t", "answer")
    assert json.loads(tix.ok("show", zofia, "-f", "json").out)["fields"]["kb"] == ["returns"]


# --- step 3: suggestions -----------------------------------------------------------------------


def test_suggest_ranks_articles_for_a_ticket_in_its_customers_language(tix: Cli, helpdesk: Path) -> None:
    small_kb(tix)
    tix.ok("kb", "new", "Czas dostawy", "--lang", "pl", "-c", "dostawa", "--id", "delivery-times", "--visibility", "public",
           "-k", "dostawa", "-k", "kurier", "-b", "Paczki dostarczamy w 1-2 dni robocze. Kurier dzwoni przed dostawą.")  # fmt: skip
    tix.ok("kb", "new", "Szkic o zwrotach", "--lang", "pl", "--id", "returns-draft", "-b", "Zwrot towaru, zwroty, zwracanie.")  # a draft
    zofia = customer_ticket(tix, "Zwrot zamówienia", "Zofia <zofia@example.pl>", "Dzień dobry, chciałabym zwrócić buty, które przyszły wczoraj.")
    found = tix.ok("kb", "suggest", zofia).out.splitlines()
    assert found[0] == "returns (pl, public)  Zwrot towaru" and "**zwrócić**" in found[1]
    assert "returns-draft" not in "\n".join(found)  # drafts are not offered
    kurier = customer_ticket(tix, "Kiedy przyjdzie paczka?", "Jan <jan@example.pl>", "Zamówiłem w poniedziałek, kiedy kurier dostarczy przesyłkę?")
    assert tix.ok("kb", "suggest", kurier).out.startswith("delivery-times (pl, public)  Czas dostawy")
    olga = customer_ticket(tix, "Не могу войти", "Ольга <olga@example.ru>", "Здравствуйте, хочу вернуть товар, но не могу войти.")
    data = json.loads(tix.ok("kb", "suggest", olga, "-f", "json").out)
    assert data["ticket"] == olga and data["lang"] == "ru"
    assert (data["articles"][0]["id"], data["articles"][0]["lang"]) == ("returns", "ru")  # вернуть: the article's word
    mary = customer_ticket(tix, "Forgot my password", "Mary <mary@example.com>", "Hi, I cannot log in: I forgot my password. Can you reset it?")
    rows = json.loads(tix.ok("kb", "suggest", mary, "-f", "json", "-n", "5").out)["articles"]
    assert rows[0]["id"] == "reset-your-password"
    refund = customer_ticket(tix, "Refund please", "Tom <tom@example.com>", "Please refund my order, I returned it.")
    ids = [row["id"] for row in json.loads(tix.ok("kb", "suggest", refund, "-f", "json").out)["articles"]]
    assert ids[:2] == ["manual-refund", "returns"] or ids[:2] == ["returns", "manual-refund"]  # internal ones are for agents too

    shown = tix.ok("show", zofia).out
    assert f"Articles that may help (tix reply {zofia} --kb ID):\n  returns (pl, public)  Zwrot towaru\n" in shown
    assert shown.count("(pl, public)") + shown.count("(en, ") <= 3


def test_show_without_a_knowledge_base_is_unchanged_and_with_one_stays_light(tix: Cli, helpdesk: Path) -> None:
    import subprocess
    import sys

    ticket = customer_ticket(tix, "Zwrot", "Zofia <zofia@example.pl>", "Chcę zwrócić towar.")
    assert "Articles that may help" not in tix.ok("show", ticket).out
    small_kb(tix)
    heavy = ("email.message", "socket", "smtplib", "csv", "tempfile", "tix.storage.history", "tix.mail.transport", "jinja2", "git", "markdown_it", "nh3")
    code = f"import sys\nfrom tix.cli.main import main\nassert main(['show', {ticket!r}]) == 0\nprint(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=helpdesk)
    assert "Articles that may help" in result.stdout and result.stdout.strip().splitlines()[-1] == "[]"
    cache = json.loads((helpdesk / ".git" / "tix" / "kb-words.json").read_text(encoding="utf-8"))
    assert len(cache["articles"]) == 3  # the version of each article ranked for the ticket, by its file's blob id
    tix.ok("kb", "search", "zwrot")  # all five files
    assert len(json.loads((helpdesk / ".git" / "tix" / "kb-words.json").read_text(encoding="utf-8"))["articles"]) == 5
    assert git(helpdesk, "status", "--porcelain").strip() == ""  # nothing in the working tree
    # shown again, unchanged: the suggestions are remembered (by the blob ids of the ticket and the articles), no stemming
    again = code.replace(f"{heavy!r}", repr((*heavy, "snowballstemmer")))
    result = subprocess.run([sys.executable, "-c", again], capture_output=True, text=True, check=True, cwd=helpdesk)
    assert "returns (pl, public)" in result.stdout and result.stdout.strip().splitlines()[-1] == "[]"
    tix.ok("kb", "archive", "returns", "--lang", "pl")  # the knowledge base changed: ranked again
    assert "returns (pl, public)" not in tix.ok("show", ticket).out  # the English version has none of her words


# --- step 5: the example knowledge base ------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_the_example_kb_answers_the_example_mail(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from conftest import Clock, main

    Clock(monkeypatch)
    root = tmp_path / "desk"
    monkeypatch.setenv("TIX_USER", "Anna Nowak <anna@firma.example>")
    assert main(["init", str(root), "--config", str(EXAMPLES / "tix.yaml")]) == 0
    tix = Cli(root, capsys, monkeypatch)
    tix.ok("import", str(EXAMPLES / "Maildir"))
    shutil.copytree(EXAMPLES / "kb", root / "kb")
    git(root, "add", "kb")
    git(root, "commit", "-qm", "the knowledge base")
    listed = tix.ok("kb", "list")
    assert listed.err == "" and len(listed.lines) == 10  # 3 articles x 3 languages + 1 internal, every file valid
    assert {line.split()[0] for line in listed.lines} == {"returns", "delivery-times", "password-reset", "refund-by-hand"}

    def ticket_of(address: str) -> str:
        return tix.ok("list", "--all", "--format", "csv", "--customer", address).lines[1].split(",")[0]

    mary, olga, zofia = ticket_of("mary.smith@example.com"), ticket_of("olga@example.ru"), ticket_of("zofia@example.pl")
    first = json.loads(tix.ok("kb", "suggest", mary, "-f", "json").out)["articles"][0]
    assert (first["id"], first["lang"]) == ("returns", "en")  # "arrived damaged … send a replacement"
    first = json.loads(tix.ok("kb", "suggest", olga, "-f", "json").out)["articles"][0]
    assert (first["id"], first["lang"]) == ("password-reset", "ru")  # "Не могу войти … неверный пароль"
    assert json.loads(tix.ok("kb", "suggest", zofia, "-f", "json").out)["articles"] == []  # an invoice: no article is about it
    assert "password-reset (ru, public)  Не можете войти? Сбросьте пароль" in tix.ok("show", olga).out

    preview = mail_body(tix.ok("reply", olga, "--kb", "password-reset", "--preview").out)
    assert "Откройте страницу входа в магазин" in preview
    built = tix.ok("kb", "build", "--out", str(tmp_path / "site"))
    assert "(9 public articles)" in built.err and "warning" not in built.err
    assert (tmp_path / "site" / "ru" / "password-reset.html").is_file()


# --- autoack.suggest_kb: the acknowledgement of a new ticket links the best public articles ----------


def example_kb_desk(tix: Cli, helpdesk: Path, *settings: tuple[str, str]) -> None:
    """The helpdesk with examples/kb committed and the acknowledgement on (plus `settings`)."""
    import shutil

    shutil.copytree(EXAMPLES / "kb", helpdesk / "kb")
    git(helpdesk, "add", "kb")
    git(helpdesk, "commit", "-qm", "the knowledge base")
    for key, value in (("autoack.enabled", "true"), *settings):
        tix.ok("config", "set", key, value)


def import_mail(tix: Cli, tmp_path: Path, subject: str, sender: str, body: str) -> tuple[str, str, str]:
    """`tix import` of one .eml: the new ticket's id, the text of the acknowledgement queued for it, and stderr."""
    import email
    from email import policy

    from conftest import make_eml

    address = sender.rpartition("<")[2].rstrip(">")
    source = tmp_path / f"{address}.eml"
    source.write_bytes(make_eml(subject=subject, sender=sender, body=body, message_id=f"<{address}>"))
    result = tix.ok("import", str(source))
    assert "1 new ticket" in result.out
    ticket = tix.ok("list", "--all", "--format", "csv", "--customer", address).lines[1].split(",")[0]
    acks = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (tix.cwd / "outbox" / "queue").glob("*.eml")]
    [ack] = [m for m in acks if address in str(m["To"])]
    assert ack["Auto-Submitted"] == "auto-replied"
    return ticket, str(ack.get_body().get_content()), result.err  # type: ignore[union-attr]


RETURNS_EN_TITLE = "Returns, refunds and damaged goods"
BLOCK_EN = "These articles may already answer your question:\n"


def test_the_ack_links_the_best_public_articles_in_the_customers_language(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    example_kb_desk(tix, helpdesk, ("autoack.suggest_kb", "true"), ("kb.base_url", "https://help.example.com/kb/"))
    _, mary, _ = import_mail(tix, tmp_path, "Order 1042 arrived damaged", "Mary Smith <mary@example.com>",
                          "Hello, the mug I ordered arrived broken. Can I get a replacement or a refund?")  # fmt: skip
    assert (f"reply to this mail to add anything.\n\n{BLOCK_EN}- {RETURNS_EN_TITLE}\n  https://help.example.com/kb/en/returns.html\n\n"
            "Helpdesk\n") in mary  # fmt: skip
    assert "delivery-times" not in mary  # matched weakly ("ordered … arrived"): not good enough for a customer
    _, zofia, _ = import_mail(tix, tmp_path, "Zwrot butów", "Zofia <zofia@example.pl>",
                           "Dzień dobry, chcę zwrócić buty, które kupiłam w zeszłym tygodniu. Jak to zrobić?")  # fmt: skip
    assert "- Zwroty, reklamacje i uszkodzone przesyłki\n  https://help.example.com/kb/pl/returns.html\n" in zofia
    _, olga, _ = import_mail(tix, tmp_path, "Не могу войти", "Ольга <olga@example.ru>",
                          "Здравствуйте, не могу войти в личный кабинет, пишет неверный пароль.")  # fmt: skip
    assert "- Не можете войти? Сбросьте пароль\n  https://help.example.com/kb/ru/password-reset.html\n" in olga
    _, tom, _ = import_mail(tix, tmp_path, "Invoice", "Tom <tom@example.com>", "Hello, the invoice for order 55 has the wrong VAT number.")
    _, hi, _ = import_mail(tix, tmp_path, "Hello", "Ann <ann@example.com>", "Hello, can you help me?")
    for text in (tom, hi):  # nothing good enough: the acknowledgement as it always was
        assert BLOCK_EN not in text and "reply to this mail to add anything.\n\nHelpdesk\n" in text
    assert len(list((helpdesk / "outbox" / "queue").glob("*.eml"))) == 5
    assert "kb:" not in (helpdesk / ticket_relpath_of(tix, "mary@example.com")).read_text(encoding="utf-8")  # linked, not answered with

    tix.ok("config", "set", "kb.base_url", "")  # no published site: the titles alone
    _, jan, _ = import_mail(tix, tmp_path, "Where is my parcel?", "Jan <jan@example.com>",
                         "I ordered on Monday. When will the courier deliver it? No tracking mail yet.")  # fmt: skip
    assert f"{BLOCK_EN}- Delivery times and tracking\n\nHelpdesk\n" in jan and "http" not in jan

    tix.ok("config", "set", "mail.sendmail", "cat")  # what the customer gets: the same text, delivered
    tix.ok("send")
    import email
    from email import policy

    sent = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in (helpdesk / "outbox" / "sent").glob("*.eml")]
    [delivered] = [m for m in sent if "mary@example.com" in str(m["To"])]
    assert "https://help.example.com/kb/en/returns.html" in str(delivered.get_body().get_content())  # type: ignore[union-attr]


def ticket_relpath_of(tix: Cli, address: str) -> str:
    from tix.storage.layout import ticket_relpath

    return ticket_relpath(tix.ok("list", "--all", "--format", "csv", "--customer", address).lines[1].split(",")[0])


def test_without_the_option_the_ack_links_nothing(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    example_kb_desk(tix, helpdesk, ("kb.base_url", "https://help.example.com/kb/"))
    ticket, mary, _ = import_mail(tix, tmp_path, "Order 1042 arrived damaged", "Mary Smith <mary@example.com>",
                               "Hello, the mug I ordered arrived broken. Can I get a replacement or a refund?")  # fmt: skip
    assert BLOCK_EN not in mary and RETURNS_EN_TITLE not in mary and "reply to this mail to add anything.\n\nHelpdesk\n" in mary
    assert json.loads(tix.ok("kb", "suggest", ticket, "-f", "json").out)["articles"][0]["id"] == "returns"  # it would have matched
    assert "\n  suggest_kb: false\n" in (helpdesk / "tix.yaml").read_text(encoding="utf-8")  # in the file, documented, off
    refused = tix("config", "set", "autoack.suggest_kb", "sometimes")
    assert refused.code == 1 and refused.err == "tix: error: autoack.suggest_kb: expected true or false, got 'sometimes'\n"


def test_internal_and_draft_articles_are_never_linked(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    example_kb_desk(tix, helpdesk, ("autoack.suggest_kb", "true"), ("kb.base_url", "https://help.example.com/kb/"))
    write_article(helpdesk, "kb/en/billing/chargebacks.md", "---\nid: chargebacks\ntitle: Handling chargebacks\nvisibility: internal\n"
                  "keywords: [chargeback, dispute, bank]\n---\nA chargeback dispute from the bank: answer within 7 days.\n")  # fmt: skip
    write_article(helpdesk, "kb/en/billing/gift-cards.md", "---\nid: gift-cards\ntitle: Gift cards (being written)\nvisibility: draft\n"
                  "keywords: [gift card, voucher]\n---\nGift card vouchers are valid for a year.\n")  # fmt: skip
    git(helpdesk, "add", "kb")
    git(helpdesk, "commit", "-qm", "an internal and a draft article")
    ticket, text, _ = import_mail(tix, tmp_path, "Chargeback and my gift card voucher", "Mary Smith <mary@example.com>",
                               "My bank opened a chargeback dispute; and my gift card voucher does not work.")  # fmt: skip
    agents = [row["id"] for row in json.loads(tix.ok("kb", "suggest", ticket, "-f", "json").out)["articles"]]
    assert agents[0] == "chargebacks"  # agents are offered the internal one …
    assert BLOCK_EN not in text and "chargeback" not in text.lower()  # … the customer nothing
    for leak in ("Handling chargebacks", "Gift cards", "/chargebacks.html", "/gift-cards.html", "/refund-by-hand.html"):
        assert leak not in text
    _, refund, _ = import_mail(tix, tmp_path, "Refund please", "Tom <tom@example.com>", "Please refund my order, I returned it.")
    assert f"{BLOCK_EN}- {RETURNS_EN_TITLE}\n" in refund and "Refunding an order by hand" not in refund  # refund-by-hand is internal


def test_a_broken_knowledge_base_never_stops_intake_nor_the_ack(tix: Cli, helpdesk: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    example_kb_desk(tix, helpdesk, ("autoack.suggest_kb", "true"))
    write_article(helpdesk, "kb/en/orders/broken.md", "---\nid: broken\ntitle: [unclosed\nkeywords: [damaged, broken]\n---\nBroken.\n")
    (helpdesk / "kb/en/orders/outside.md").symlink_to(tmp_path / "elsewhere.md")
    (tmp_path / "elsewhere.md").write_text("---\nid: outside\ntitle: Outside\nvisibility: public\n---\nbroken mug\n", encoding="utf-8")
    git(helpdesk, "add", "kb")
    git(helpdesk, "commit", "-qm", "a broken article and a symlink")
    from conftest import make_eml

    sources = [tmp_path / f"c{n}.eml" for n in range(2)]
    for n, source in enumerate(sources):
        source.write_bytes(make_eml(subject="Arrived damaged", sender=f"C{n} <c{n}@example.com>",
                                    body="The mug arrived broken, replacement please.", message_id=f"<c{n}@example.com>"))  # fmt: skip
    result = tix.ok("import", *map(str, sources))
    assert "2 new tickets" in result.out
    warnings = result.err.splitlines()
    assert any(w.startswith("tix: warning: knowledge base, for acknowledgements: kb/en/orders/broken.md: bad front-matter") for w in warnings)
    assert any("kb/en/orders/outside.md" in w for w in warnings) and len(warnings) == 2  # each named once per run
    acks = [mail_body(p.read_text(encoding="utf-8")) for p in (helpdesk / "outbox" / "queue").glob("*.eml")]
    assert len(acks) == 2 and all(f"{BLOCK_EN}- {RETURNS_EN_TITLE}\n" in text for text in acks)  # the rest of the knowledge base still answers

    from tix.storage import kb as kb_store

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the stemmer broke")

    monkeypatch.setattr(kb_store, "rank", fails)  # whatever goes wrong in the knowledge base …
    _, text, err = import_mail(tix, tmp_path, "Arrived damaged", "Eve <eve@example.com>", "The mug arrived broken.")
    assert BLOCK_EN not in text and "reply to this mail to add anything.\n\nHelpdesk\n" in text  # … the ack goes out without articles
    assert "tix: warning: acknowledgements sent without knowledge-base articles: RuntimeError: the stemmer broke\n" in err


def test_stats_by_article_counts_the_tickets_answered_with_each_and_those_reopened_after(tix: Cli, helpdesk: Path, clock: Clock) -> None:
    small_kb(tix)
    zofia = customer_ticket(tix, "Zwrot towaru", "Zofia <zofia@example.pl>", "Dzień dobry, chcę zwrócić zamówienie.")
    jan = customer_ticket(tix, "Refund", "Jan <jan@example.com>", "I want my money back and cannot log in.")
    olga = customer_ticket(tix, "Вопрос", "Ольга <olga@example.ru>", "Здравствуйте!")
    clock.advance(hours=1)
    tix.ok("reply", zofia, "-m", "Dzień dobry!", "--kb", "returns")
    tix.ok("reply", jan, "-m", "Hello!", "--kb", "returns", "--kb", "reset-your-password")
    tix.ok("reply", olga, "-m", "Здравствуйте!")  # no article: the "-" group
    clock.advance(hours=1)
    tix.ok("close", zofia)
    tix.ok("close", jan)
    before_reopen = clock.now.isoformat()
    clock.advance(hours=1)
    tix.ok("reopen", zofia)  # the customer came back after the returns article
    groups = {g["key"]: g for g in json.loads(tix.ok("stats", "--by", "article", "-f", "json").out)["groups"]}
    assert sorted(groups) == ["-", "reset-your-password", "returns"]
    assert (groups["returns"]["answered_with"], groups["returns"]["reopened_after"]) == (2, 1)  # Zofia and Jan; Zofia reopened
    assert (groups["reset-your-password"]["answered_with"], groups["reset-your-password"]["reopened_after"]) == (1, 0)
    assert (groups["-"]["answered_with"], groups["-"]["created"]) == (0, 1)  # Olga's, answered without an article
    assert groups["returns"]["resolved"] == 2 and groups["returns"]["reopen_rate"] == 0.5  # 1 of the 2 resolved came back
    earlier = {g["key"]: g for g in json.loads(tix.ok("stats", "--by", "article", "-f", "json", "--as-of", before_reopen).out)["groups"]}
    assert earlier["returns"]["reopened_after"] == 0  # not known yet then
    table = tix.ok("stats", "--by", "article").out
    assert "answered" in table and "reopened after" in table
    row = next(line for line in table.splitlines() if line.startswith("returns"))
    assert row.split()[-2:] == ["2", "1"]
    csv_head = tix.ok("stats", "--by", "article", "-f", "csv").out.splitlines()[0]
    assert "answered_with" in csv_head and "reopened_after" in csv_head
