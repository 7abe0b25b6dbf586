"""A large synthetic helpdesk with conversations and history, for the search and report benchmarks.

    from large_helpdesk import build_large_helpdesk
    ticket_ids = build_large_helpdesk(root, tickets=50_000, entries=6, env=env)

Each ticket has `entries` conversation entries (an inbound message, then agent replies, customer
follow-ups and the odd internal note) in Polish, Russian or English, with inflected words so that
stemming has work to do, and a history of a few commits per ticket file (created; some answered
and moved on; some resolved; a few reopened) with author times spread over a year, so that reports
see status timelines and search sees real text. The same arguments always build the same helpdesk.

Commits touch many files at once (one commit per history step, not per ticket): building 50,000
tickets with 300,000 entries takes a few minutes, most of it writing files and `git add`.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tix.domain import ids
from tix.domain.model import Entry, Person, Ticket
from tix.storage import ticketfile
from tix.storage.layout import ticket_relpath

TIX = [str(Path(sys.executable).with_name("tix"))] if Path(sys.executable).with_name("tix").exists() else [sys.executable, "-m", "tix"]
AGENTS = ["anna@example.com", "bartek@example.com", "olga@example.com", "tom@example.com", "zofia@example.com"]
CATEGORIES = ["reklamacje", "dostawa", "faktury", "техподдержка", "returns", None]
QUEUES = ["support", "sales", None]
PRIORITIES = ["urgent", "high", "normal", "normal", "normal", "low"]
START = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)  # a year of mail that ends before today

# Inflected forms on purpose: search must find "zamówienie" in "zamówienia" and "заказ" in "заказа".
_WORDS = {
    "pl": ("zamówienie zamówienia zamówieniu reklamacja reklamacji dostawa dostawy dostawie faktura faktury "
           "przesyłka przesyłki paczka paczki kurier kuriera zwrot zwrotu pieniądze płatność płatności konto "
           "hasło logowanie błąd błędu prosimy dziękuję pozdrawiam uszkodzony uszkodzona towar towaru sklep"),
    "ru": ("заказ заказа заказу доставка доставки доставку счёт счета оплата оплаты возврат возврата посылка "
           "посылки курьер курьера ошибка ошибки пароль вход аккаунт товар товара магазин спасибо пожалуйста "
           "повреждён повреждена деньги платёж платежа"),
    "en": ("order orders ordered delivery deliveries delivered invoice invoices parcel parcels courier refund "
           "refunds refunded payment payments account password login error errors damaged item items shop "
           "thanks please broken missing shipping shipped"),
}
WORDS = {language: words.split() for language, words in _WORDS.items()}
RARE = ["kwarcowy", "кварцевый", "quartzite"]  # each in about one ticket in 5,000: the "rare word" of a search
NAMES = {"pl": ["Jan Kowalski", "Anna Nowak", "Łukasz Wiśniewski", "Zofia Wójcik"],
         "ru": ["Иван Петров", "Ольга Смирнова", "Алексей Кузнецов"],
         "en": ["John Smith", "Mary Jones", "Peter Brown"]}
DOMAINS = ["example.pl", "firma.pl", "example.ru", "example.com", "shop.example.org"]


def _text(rng: random.Random, language: str, words: int) -> str:
    chosen = rng.choices(WORDS[language], k=words)
    if rng.random() < 1 / 5000:
        chosen[rng.randrange(words)] = RARE[list(WORDS).index(language)]
    sentences = [" ".join(chosen[n:n + 12]).capitalize() + "." for n in range(0, words, 12)]
    return " ".join(sentences)


def _ticket(number: int, tickets: int, rng: random.Random, entries: int) -> tuple[Ticket, str]:
    language = rng.choices(["pl", "ru", "en"], weights=[5, 3, 2])[0]
    name = rng.choice(NAMES[language])
    customer = f"customer{number % 9000}@{rng.choice(DOMAINS)}"  # some customers come back
    created = START + timedelta(minutes=number * 525_600 // tickets + rng.randrange(60))
    ticket_id = ids.derived_id(f"large-{number}")
    ticket = Ticket(
        id=ticket_id, subject=_text(rng, language, 6).rstrip("."), requester=Person(name, customer),
        status="new", priority=rng.choice(PRIORITIES), created=created, updated=created,
        category=rng.choice(CATEGORIES), queue=rng.choice(QUEUES), channel="email",
        tags=rng.sample(["vip", "hardware", "invoice", "spam"], rng.randrange(2)),
        message_ids=[f"<large-{number}@{customer.split('@')[1]}>"],
    )  # fmt: skip
    when = created
    for n in range(entries):
        kind = "inbound" if n % 2 == 0 else ("note" if rng.random() < 0.15 else "reply")
        author = str(ticket.requester) if kind == "inbound" else rng.choice(AGENTS)
        entry = Entry(ids.random_id(), kind, author, when, _text(rng, language, rng.randrange(30, 120)),
                      message_id=f"<large-{number}-{n}@example>" if kind != "note" else None)
        ticket.entries.append(entry)
        when += timedelta(minutes=rng.randrange(5, 3 * 24 * 60))
    ticket.updated = when
    return ticket, language


def _commit(root: Path, env: dict[str, str], message: str, when: datetime, paths: Sequence[Path]) -> None:
    stamped = dict(env, GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat())
    for start in range(0, len(paths), 5000):
        subprocess.run(["git", "add", "--", *(str(p) for p in paths[start:start + 5000])], cwd=root, env=stamped, check=True)
    subprocess.run(["git", "-c", "gc.auto=0", "commit", "-qm", message], cwd=root, env=stamped, check=True)  # packed at the end


def build_large_helpdesk(root: Path, tickets: int, entries: int, env: dict[str, str]) -> list[str]:
    """Build the helpdesk at `root` (which must not exist); return the ticket IDs in creation order."""
    subprocess.run(TIX + ["init", str(root)], env=env, check=True, stdout=subprocess.DEVNULL)
    rng = random.Random(f"{tickets}-{entries}")
    built = [_ticket(number, tickets, rng, entries) for number in range(tickets)]
    paths = [root / ticket_relpath(ticket.id) for ticket, _ in built]

    def write(indexes: Sequence[int]) -> list[Path]:
        for index in indexes:
            paths[index].parent.mkdir(parents=True, exist_ok=True)
            paths[index].write_text(ticketfile.dumps(built[index][0]), encoding="utf-8")
        return [paths[index] for index in indexes]

    month = timedelta(days=30)
    by_month: dict[int, list[int]] = {}
    for index, (ticket, _) in enumerate(built):
        by_month.setdefault((ticket.created - START) // month, []).append(index)
    for step in range(max(by_month) + 4):  # a month's mail arrives; last month's is answered; older is resolved
        when = START + month * (step + 1)
        if arrived := by_month.get(step, []):
            _commit(root, env, f"bench: month {step}: tickets arrive", when - timedelta(days=1), write(arrived))
        answered = [n for n in by_month.get(step - 1, []) if rng.random() < 0.85]
        for n in answered:
            built[n][0].owner = rng.choice(AGENTS)
            built[n][0].status = rng.choice(["open", "open", "pending"])
        resolved = [n for n in by_month.get(step - 2, []) if built[n][0].owner and rng.random() < 0.7]
        for n in resolved:
            built[n][0].status = "closed"
        reopened = [n for n in by_month.get(step - 3, []) if built[n][0].status == "closed" and rng.random() < 0.05]
        for n in reopened:
            built[n][0].status = "open"
        if changed := sorted(set(answered + resolved + reopened)):
            _commit(root, env, f"bench: month {step}: answered, resolved, reopened", when, write(changed))
    # A helpdesk that has lived a year is packed: git's auto-gc packs every few thousand loose objects as
    # tix commits. The bulk adds above leave some 260,000 loose ones instead (and a gc.log that stops
    # auto-gc), which every read of a tree pays for and no real helpdesk has.
    subprocess.run(["git", "gc", "--quiet", "--prune=now"], cwd=root, env=env, check=True)
    return [ticket.id for ticket, _ in built]
