"""Benchmark for mail intake: import a Maildir of realistic messages into an empty helpdesk.

    python bench/bench_import.py                  # 2,000 and 10,000 messages
    python bench/bench_import.py --sizes 10000

Messages are generated (deterministically): English, Polish and Russian customers, plain and
multipart/alternative with HTML, UTF-8 / ISO-8859-2 / windows-1250 / KOI8-R / windows-1251
bodies, RFC 2047 subjects and names, one in five with an attachment (PDF-like or image, 8-60 KB),
one in four a reply to an earlier message. The real `tix import` runs in a fresh process.

Reports messages per second, peak memory (largest process, workers included) and the time
of a second run over the same Maildir with nothing new. Targets: >= 300 msg/s, memory flat
in the number of messages, re-run <= 2 s (10,000 messages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

TIX = [str(Path(sys.executable).with_name("tix"))] if Path(sys.executable).with_name("tix").exists() else [sys.executable, "-m", "tix"]
PEOPLE = [
    ("Jan Kowalski", "jan.kowalski@example.pl", "pl"), ("Zofia Wiśniewska", "zofia@example.pl", "pl"),
    ("Иван Петров", "ivan@example.ru", "ru"), ("Ольга Смирнова", "olga@example.ru", "ru"),
    ("Mary Smith", "mary@example.com", "en"), ("John O'Neil", "john@example.co.uk", "en"),
]  # fmt: skip
TEXTS = {
    "pl": ("Reklamacja zamówienia nr {n}", "Dzień dobry,\nzamówienie nr {n} dotarło uszkodzone. Proszę o zwrot pieniędzy "
           "albo wymianę towaru. Zażółć gęślą jaźń.\nPozdrawiam serdecznie\n"),
    "ru": ("Вопрос по заказу N {n}", "Здравствуйте!\nЗаказ N {n} до сих пор не пришёл. Подскажите, пожалуйста, "
           "когда его ожидать? Съешь же ещё этих мягких французских булок.\nС уважением\n"),
    "en": ("Question about order {n}", "Hello,\nmy order {n} arrived broken. Could you send a replacement or a refund?\n"
           "The quick brown fox jumps over the lazy dog.\nKind regards\n"),
}  # fmt: skip
CHARSETS = {"pl": ["utf-8", "iso-8859-2", "windows-1250"], "ru": ["utf-8", "koi8-r", "windows-1251"], "en": ["utf-8", "us-ascii"]}


def make_message(n: int, rng: random.Random, sent: list[str]) -> bytes:
    name, address, language = rng.choice(PEOPLE)
    subject, body = (part.format(n=n) for part in TEXTS[language])
    body = body * rng.randint(1, 6)
    message = EmailMessage()
    message["From"] = f"{name} <{address}>"
    message["To"] = "Pomoc <pomoc@firma.example>"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=7 * n))
    message_id = f"<bench.{n}.{rng.getrandbits(32):x}@{address.split('@')[1]}>"
    message["Message-ID"] = message_id
    if sent and rng.random() < 0.25:
        parent = rng.choice(sent[-200:])
        message.replace_header("Subject", "Re: " + subject)
        message["In-Reply-To"] = parent
        message["References"] = parent
    charset = rng.choice(CHARSETS[language])
    message.set_content(body, charset=charset if charset != "us-ascii" else "utf-8")
    if rng.random() < 0.5:
        html = "<html><head><style>p{color:red}</style></head><body>" + "".join(
            f"<p>{line}</p>" for line in body.splitlines()) + "</body></html>"  # fmt: skip
        message.add_alternative(html, subtype="html")
    if rng.random() < 0.2:
        size = rng.randint(8_000, 60_000)
        filename = rng.choice(["faktura.pdf", "zdjęcie uszkodzenia.jpg", "счёт.pdf", "photo.png"])
        message.add_attachment(rng.randbytes(size), maintype="application", subtype="octet-stream", filename=filename)
    sent.append(message_id)
    return bytes(message)


def build_maildir(root: Path, count: int) -> int:
    rng = random.Random(20261122)
    sent: list[str] = []
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    for n in range(count):
        data = make_message(n, rng, sent)
        total += len(data)
        (root / "new" / f"{1767225600 + n}.M{n}P1.bench").write_bytes(data)
    return total


def run(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(TIX + args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench(count: int, env: dict[str, str]) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix=f"tix-import-{count}-"))
    try:
        maildir = work / "Maildir"
        size = build_maildir(maildir, count)
        desk = work / "desk"
        subprocess.run(TIX + ["init", str(desk)], env=env, check=True, stdout=subprocess.DEVNULL)
        run(["config", "set", "mail.fallback_charsets", "windows-1250, iso-8859-2, windows-1251, koi8-r"], desk, env)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        seconds = run(["import", "--quiet", str(maildir)], desk, env)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rerun = run(["import", "--quiet", str(maildir)], desk, env)
        return {
            "maildir_mb": size / 1e6,
            "import_s": seconds,
            "messages_per_s": count / seconds,
            "peak_rss_mb": max(peak_kib, before) / 1024,
            "rerun_nothing_new_s": rerun,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size in this process (own peak memory)
    options = parser.parse_args()
    if options.one is None:
        results = {}
        for count in options.sizes:  # a fresh process per size, so peak memory is that size's own
            line = subprocess.run([sys.executable, __file__, "--one", str(count)], check=True, capture_output=True, text=True).stdout
            results[count] = json.loads(line.strip().splitlines()[-1])
        print(f"{'figure':<24}" + "".join(f"{f'{n:,} messages':>18}" for n in results))
        for name in next(iter(results.values())):
            print(f"{name:<24}" + "".join(f"{results[n][name]:>18.2f}" for n in results))
        return
    env = dict(os.environ, TIX_USER="Importer <cron@firma.example>", GIT_AUTHOR_NAME="Bench",
               GIT_AUTHOR_EMAIL="bench@example.com", GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")  # fmt: skip
    env.pop("TIX_NOW", None)
    print(json.dumps(bench(options.one, env)))


if __name__ == "__main__":
    main()
