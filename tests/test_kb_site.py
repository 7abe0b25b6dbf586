"""Issue 15 #4: `tix kb build` writes a static site of the public articles, tested in a real
headless Chromium: the pages render, the search finds a Polish word in another inflection from
file://, no script from an article runs, and nothing is written outside --out (TIX_KB_PNG=path
keeps a screenshot to look at)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import Cli, git
from test_kb import RETURNS_EN, RETURNS_PL, RETURNS_RU, small_kb, write_article
from test_reports_html import browse, chromium

EVIL = """---
id: evil
title: Paczka uszkodzona
lang: pl
visibility: public
category: dostawa
---

Jeśli paczka dotarła uszkodzona, zrób zdjęcie: ![paczka](paczka.png)

<script>document.title='PWNED'</script>
<img src=x onerror="document.title='PWNED2'">

[kliknij](javascript:document.title='PWNED3') · [konfiguracja](../../../tix.yaml) · [zwroty](kb:returns) · [też zwroty](../zwroty/returns.md)
"""


def dom(binary: str, page: Path, profile: Path, fragment: str = "") -> str:
    """The page's DOM once its scripts ran (a `#q=…` fragment searches, as a typed query does)."""
    import subprocess
    from urllib.parse import quote

    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
               page.as_uri() + (("#" + quote(fragment.lstrip("#"), safe="=&")) if fragment else "")]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_site_in_a_real_browser(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    binary = chromium()
    small_kb(tix)
    tix.ok("kb", "new", "Czas dostawy", "--lang", "pl", "-c", "dostawa", "--id", "delivery-times", "--visibility", "public",
           "-b", "Paczki dostarczamy w 1-2 dni robocze. Kurier dzwoni przed dostawą.")  # fmt: skip
    tix.ok("kb", "new", "Szkic", "--lang", "pl", "--id", "draft-one", "-b", "Tajny szkic.")
    write_article(helpdesk, "kb/pl/dostawa/evil.md", EVIL)
    (helpdesk / "kb/pl/dostawa/paczka.png").write_bytes((Path(__file__).parent / "data" / "tiny.png").read_bytes()
                                                        if (Path(__file__).parent / "data" / "tiny.png").exists() else b"\x89PNG\r\n\x1a\n")  # fmt: skip
    out = tmp_path / "site" / "kb"
    result = tix.ok("kb", "build", "--out", str(out))
    assert "tix: warning: kb/pl/dostawa/evil.md: raw HTML with a script, an event handler or a javascript: URL; removed from the site (nh3)" in result.err
    assert "tix: warning: kb/pl/dostawa/evil.md: the link ../../../tix.yaml leads outside kb/; left out of the site" in result.err
    assert result.err.endswith(f"wrote 19 files to {out} (6 public articles); open {out}/index.html\n")
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(helpdesk))
    assert git(helpdesk, "status", "--porcelain", "--untracked-files=all").split() == ["??", "kb/pl/dostawa/evil.md", "??", "kb/pl/dostawa/paczka.png"]
    assert written == sorted(f"site/kb/{name}" for name in [
        "index.html", "assets/style.css", "assets/search.js", "assets/index.js", "files/pl/dostawa/paczka.png",
        "en/index.html", "en/category/account.html", "en/category/orders.html", "en/returns.html", "en/reset-your-password.html",
        "pl/index.html", "pl/category/zwroty.html", "pl/category/dostawa.html", "pl/returns.html", "pl/delivery-times.html", "pl/evil.html",
        "ru/index.html", "ru/category/zakazy.html", "ru/returns.html"])  # fmt: skip
    everything = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.*"))
    assert "manual-refund" not in everything and "Tajny" not in everything  # internal and draft articles are not published
    assert not re.search(r"https?://(?!www\.w3\.org)", everything.replace("https: data:", ""))  # no CDN, nothing fetched

    profile = tmp_path / "profile"
    page = dom(binary, out / "pl" / "returns.html", profile)
    assert "<h1>Zwrot towaru</h1>" in page and RETURNS_PL in page
    assert 'href="../en/returns.html"' in page and 'href="../ru/returns.html"' in page and 'href="category/zwroty.html"' in page
    assert dom(binary, out / "ru" / "returns.html", profile).count(RETURNS_RU) == 1
    assert RETURNS_EN in dom(binary, out / "en" / "returns.html", profile)

    evil = dom(binary, out / "pl" / "evil.html", profile)
    body = evil.split('<div class="body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "onerror" not in body and 'href="javascript' not in body  # the Markdown link stays text
    assert re.search(r"<title>Paczka uszkodzona · Helpdesk</title>", evil)  # no article script changed it
    assert "PWNED" not in re.search(r"<title>(.*?)</title>", evil, re.S).group(1)  # type: ignore[union-attr]
    assert 'href="returns.html"' in body and body.count('href="returns.html"') == 2  # kb:returns and ../zwroty/returns.md
    assert 'src="../files/pl/dostawa/paczka.png"' in body and "tix.yaml" not in body.split(">konfiguracja<")[0][-80:]

    # the search, from file://, over the pre-folded index: another inflection, without diacritics, in Russian
    found = dom(binary, out / "pl" / "index.html", profile, "#q=zwrotów")
    results = found.split('<ol id="kb-results"', 1)[1].split("</ol>", 1)[0]
    assert '<a href="../pl/returns.html">Zwrot towaru (pl)</a>' in results
    results = dom(binary, out / "pl" / "index.html", profile, "#q=dostawie").split('<ol id="kb-results"', 1)[1].split("</ol>", 1)[0]
    assert "Czas dostawy (pl)" in results and "Zwrot towaru" not in results
    assert "Возврат товара (ru)" in dom(binary, out / "ru" / "index.html", profile, "#q=возврата")
    assert "Nic nie znaleziono." in dom(binary, out / "pl" / "index.html", profile, "#q=xyzzy")
    assert 'href="../en/index.html"' in dom(binary, out / "pl" / "index.html", profile)

    shot = tmp_path / "kb.png"
    taken = browse(binary, out / "pl" / "returns.html", profile, "--window-size=1000,700", f"--screenshot={shot}")
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr
    if os.environ.get("TIX_KB_PNG"):
        shutil.copy(shot, os.environ["TIX_KB_PNG"])


def test_the_build_never_writes_outside_out(tix: Cli, helpdesk: Path, tmp_path: Path) -> None:
    small_kb(tix)
    out, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "pl").symlink_to(elsewhere)  # left in --out by someone: writing through it would leave --out
    result = tix("kb", "build", "--out", str(out))
    assert result.code == 1 and "pl" in result.err and "symlink" in result.err
    assert list(elsewhere.iterdir()) == []
    (out / "pl").unlink()
    (out / "index.html").symlink_to(elsewhere / "index.html")
    tix.ok("kb", "build", "--out", str(out))
    assert list(elsewhere.iterdir()) == [] and not (out / "index.html").is_symlink()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    assert "is not a folder (or is a symlink)" in tix("kb", "build", "--out", str(link)).err


@pytest.mark.parametrize("name", ["../x.html", "/etc/x", "a/../../x", "a//b"])
def test_site_paths_that_would_leave_out_are_refused(helpdesk: Path, tmp_path: Path, name: str) -> None:
    from tix.errors import InvalidValue
    from tix.services.kb import write_site
    from tix.storage.layout import Helpdesk

    with pytest.raises(InvalidValue, match="outside the site's folder"):
        write_site(Helpdesk(helpdesk), tmp_path / "out", {name: b"x"})
    assert not (tmp_path / "x.html").exists()
