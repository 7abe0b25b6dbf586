"""Benchmark for `tix fetch` (issue 16): the same messages fetched from a local Dovecot and imported from a Maildir.

    python bench/bench_fetch.py                    # 5,000 messages
    python bench/bench_fetch.py --count 1000 --tls none

The messages are bench_import.py's standard mix (English, Polish and Russian customers, 8-bit
charsets, HTML, attachments, one in four a reply), written once into a Maildir. That Maildir is
imported by `tix import` into one fresh helpdesk; the same files are delivered into the Maildir of a
Dovecot on 127.0.0.1 (tests/dovecot.py: unprivileged, a throwaway user when run as root) and
fetched by `tix fetch` into another, over STARTTLS with the certificate verified (`--tls none`: in
clear). Both are the real command in a fresh process. Reported: messages per second of each, the
ratio (target: fetch >= 0.7x import), the peak resident memory of each tix process (the parser
workers not counted), and the time of a second fetch with nothing new.

Measured (h/imap3, a shared 2-core machine, STARTTLS):

    messages                     5,000   (54.8 MB, 3,775 tickets)
    tix import (Maildir)           248 msg/s    20.13 s   peak   70 MB
    tix fetch  (IMAP, starttls)   250 msg/s    19.98 s   peak   74 MB
    ratio fetch / import          1.01x   (target >= 0.7x)
    fetch again, nothing new             0.31 s

    --count 10000 (107.3 MB): import 315 msg/s, peak 73 MB; fetch 346 msg/s, peak 76 MB (1.10x)
    --count 300 (3.5 MB):     import 273 msg/s, peak 47 MB; fetch 270 msg/s, peak 51 MB
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the Dovecot of the tests (tests/dovecot.py)


def _bench_import():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_import", HERE / "bench_import.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds the command took, and the peak resident memory of its process in MB."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, command
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5_000, help="messages (default 5,000)")
    parser.add_argument("--tls", choices=("starttls", "imaps", "none"), default="starttls", help="how tix talks to Dovecot")
    options = parser.parse_args()
    from dovecot import PASSWORD, Dovecot

    bench_import = _bench_import()
    tix, env = bench_import.TIX, bench_import.bench_env()
    env["TIX_IMAP_PASSWORD"] = PASSWORD
    work = Path(tempfile.mkdtemp(prefix="tix-fetch-bench-"))
    server = Dovecot()
    try:
        maildir = work / "Maildir"
        size = bench_import.build_maildir(maildir, options.count)
        for path in sorted((maildir / "new").iterdir()):  # delivered into the server's Maildir, as an MTA does
            target = server.maildir / "new" / path.name
            shutil.copyfile(path, target)
            os.chown(target, server.uid, server.gid)
        assert len(server.uids()) == options.count
        desks = {}
        for name in ("imported", "fetched"):
            desks[name] = work / name
            subprocess.run([*tix, "init", str(desks[name])], env=env, check=True, stdout=subprocess.DEVNULL)
            config = desks[name] / "tix.yaml"
            data = yaml.safe_load(config.read_text(encoding="utf-8"))
            data["mail"]["fallback_charsets"] = ["windows-1250", "iso-8859-2", "windows-1251", "koi8-r"]
            if name == "fetched":
                data["imap"] = {"support": server.account(tls=options.tls)}
            config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        imported, import_mb = timed([*tix, "import", "--quiet", str(maildir)], desks["imported"], env)
        fetched, fetch_mb = timed([*tix, "fetch", "--quiet"], desks["fetched"], env)
        again, _ = timed([*tix, "fetch", "--quiet"], desks["fetched"], env)
        tickets = {name: len(list((desk / "tickets").glob("*/*/ticket.md"))) for name, desk in desks.items()}
        assert tickets["imported"] == tickets["fetched"], tickets
        import_rate, fetch_rate = options.count / imported, options.count / fetched
        print(f"messages                {options.count:>10,}   ({size / 1e6:.1f} MB, {tickets['fetched']:,} tickets)")
        print(f"tix import (Maildir)    {import_rate:>10.0f} msg/s   {imported:6.2f} s   peak {import_mb:4.0f} MB")
        print(f"tix fetch  (IMAP, {options.tls:<8}) {fetch_rate:>5.0f} msg/s   {fetched:6.2f} s   peak {fetch_mb:4.0f} MB")
        print(f"ratio fetch / import    {fetch_rate / import_rate:>10.2f}x   (target >= 0.7x)")
        print(f"fetch again, nothing new           {again:6.2f} s")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
