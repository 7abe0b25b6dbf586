"""The published knowledge base (`tix kb build`): a static site of the public articles that works
from `file://` with no server and no CDN.

    index.html                    the languages
    LANG/index.html               a language's categories and their articles, and the search box
    LANG/category/CATEGORY.html   one category
    LANG/ID.html                  one article, linking its other languages (the URL kb_link() gives)
    assets/style.css, assets/search.js, assets/index.js   the style, the search, its index
    files/…                       files under kb/ the articles link to (images)

Article Markdown is rendered by markdown-it-py and the HTML sanitised by nh3 (ammonia): scripts,
event handlers, `javascript:` URLs and the like never reach a page, and an article that holds them
is named in a warning. Links are rewritten: `kb:ID` and relative links to another article's file
lead to its page; a relative link that leaves kb/ is dropped with a warning. Every page carries a
Content-Security-Policy that runs only the site's own script files, as a second wall.

The search is client-side, over `assets/index.js`: each article's words and stems folded and stemmed
by storage/fulltext (as `tix search`), so the script only folds what is typed (lowercase, no
diacritics, ł → l, ё → е) and matches a word, a prefix of a word, or a stem the typed word begins
with: `zwroty` finds an article that says `zwrotu`. It is a `.js` file, not JSON fetched at run
time, because browsers refuse fetch() from file://. Every text is escaped here (`_e`); the script
builds its results with textContent, never HTML.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from tix import messages as msg
from tix.domain.kb import KB_DIR, Article

if TYPE_CHECKING:
    from tix.storage.config import Config
    from tix.storage.kb import Library

CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_DANGER = re.compile(r"<\s*(script|iframe|object|embed|base|meta|link|form)\b|\son[a-z]+\s*=|javascript\s*:|vbscript\s*:", re.I)
_SAFE_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Site:
    files: dict[str, bytes] = field(default_factory=dict)  # path below --out -> content
    assets: dict[str, str] = field(default_factory=dict)  # path below --out -> the kb/ file to copy there
    warnings: list[str] = field(default_factory=list)
    articles: int = 0


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def page_path(article: Article) -> str:
    return f"{article.lang}/{article.id}.html"


def category_path(lang: str, category: str) -> str:
    return f"{lang}/category/{category}.html"


def _relative(target: str, page: str) -> str:
    """The link from the page at `page` (a path below --out) to `target` (another such path)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def site(library: Library, config: Config) -> Site:
    """Every file of the site, for the public articles of `library` (services/kb.published)."""
    built = Site(warnings=list(library.warnings))
    articles = [a for a in library.articles if a.visibility == "public"]
    built.articles = len(articles)
    by_path = {a.path: a for a in articles}
    by_id: dict[str, dict[str, Article]] = {}
    for article in articles:
        by_id.setdefault(article.id, {})[article.lang] = article
    languages = sorted({a.lang for a in articles})
    name = config.settings.helpdesk.name
    bodies = {}
    for article in articles:
        bodies[article.key] = _article_html(article, by_path, by_id, built)
    for lang in languages:
        mine = [a for a in articles if a.lang == lang]
        categories = sorted({a.category for a in mine})
        built.files[f"{lang}/index.html"] = _language_index(lang, name, mine, categories, languages)
        for category in categories:
            listed = [a for a in mine if a.category == category]
            built.files[category_path(lang, category)] = _category_page(lang, name, category, listed)
        for article in mine:
            built.files[page_path(article)] = _article_page(article, name, bodies[article.key], by_id[article.id])
    built.files["index.html"] = _root_index(name, languages, articles)
    built.files["assets/style.css"] = STYLE.encode("utf-8")
    built.files["assets/search.js"] = SEARCH_JS.encode("utf-8")
    built.files["assets/index.js"] = _search_index(articles, bodies)
    return built


# --- Markdown ---------------------------------------------------------------------------------


def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(["table", "strikethrough"])


def _article_html(article: Article, by_path: dict[str, Article], by_id: dict[str, dict[str, Article]], built: Site) -> str:
    import nh3

    md = _markdown()
    tokens = md.parse(article.body)
    page = page_path(article)
    dangerous = False
    for token in tokens:
        if token.type == "html_block" and _DANGER.search(token.content):
            dangerous = True
        for child in token.children or []:
            if child.type == "html_inline" and _DANGER.search(child.content):
                dangerous = True
            for attr in ("href", "src"):
                value = child.attrGet(attr)
                if isinstance(value, str):
                    rewritten = _rewrite(value, article, page, by_path, by_id, built)
                    if rewritten is None:
                        child.attrs.pop(attr, None)
                    else:
                        child.attrSet(attr, rewritten)
    if dangerous:
        built.warnings.append(msg.kb_site_script_removed(article.path))
    html = md.renderer.render(tokens, md.options, {})
    cleaned: str = nh3.clean(html, url_schemes=_SAFE_SCHEMES, link_rel="noopener noreferrer")
    return cleaned


def _rewrite(url: str, article: Article, page: str, by_path: dict[str, Article], by_id: dict[str, dict[str, Article]],
             built: Site) -> str | None:  # fmt: skip
    """Where a link or image of `article` points on the site; None drops it (with a warning)."""
    if url.startswith("#"):
        return url
    if url.lower().startswith("kb:"):
        target_id = url[3:].split("#")[0].strip()
        versions = by_id.get(target_id) or {}
        target = versions.get(article.lang) or (versions[sorted(versions)[0]] if versions else None)
        if target is None:
            built.warnings.append(msg.kb_site_link_unpublished(article.path, url))
            return None
        return _relative(page_path(target), page)
    if _SCHEME.match(url) or url.startswith("//"):
        return url  # nh3 keeps http, https and mailto only
    path, _, fragment = url.partition("#")
    path = path.partition("?")[0]
    from urllib.parse import unquote

    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(article.path), unquote(path))) if path else article.path
    if not resolved.startswith(KB_DIR + "/") or resolved.startswith("/"):
        built.warnings.append(msg.kb_site_link_outside(article.path, url))
        return None
    suffix = f"#{fragment}" if fragment else ""
    if resolved.endswith(".md"):
        target = by_path.get(resolved)
        if target is None:
            built.warnings.append(msg.kb_site_link_unpublished(article.path, url))
            return None
        return _relative(page_path(target), page) + suffix
    copied = "files/" + resolved[len(KB_DIR) + 1 :]
    built.assets[copied] = resolved
    return _relative(copied, page) + suffix


# --- pages ------------------------------------------------------------------------------------


def _page(lang: str, title: str, site_name: str, depth: int, content: str) -> bytes:
    root = "../" * depth
    labels = msg.kb_site_labels(lang)
    search = (f'<form class="search" role="search" action="#" data-root="{root}">'
              f'<input id="kb-q" type="search" autocomplete="off" placeholder="{_e(labels["search"])}" aria-label="{_e(labels["search"])}">'
              f'</form><ol id="kb-results" data-none="{_e(labels["no_results"])}"></ol>')  # fmt: skip
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)} · {_e(site_name)}</title>\n"
        f'<link rel="stylesheet" href="{root}assets/style.css">\n</head>\n<body>\n'
        f'<header><a class="home" href="{root}index.html">{_e(site_name)}</a>{search}</header>\n'
        f"<main>\n{content}\n</main>\n"
        f'<script src="{root}assets/index.js"></script>\n<script src="{root}assets/search.js"></script>\n'
        "</body>\n</html>\n"
    ).encode()


def _article_list(articles: list[Article], page: str) -> str:
    items = "".join(f'<li><a href="{_e(_relative(page_path(a), page))}">{_e(a.title)}</a></li>' for a in sorted(articles, key=lambda a: a.title.lower()))
    return f"<ul class=\"articles\">{items}</ul>"


def _root_index(site_name: str, languages: list[str], articles: list[Article]) -> bytes:
    labels = msg.kb_site_labels("en")
    items = "".join(f'<li><a href="{_e(lang)}/index.html" lang="{_e(lang)}">{_e(msg.kb_site_language_name(lang))}</a> '
                    f'<span class="count">({sum(a.lang == lang for a in articles)})</span></li>' for lang in languages)  # fmt: skip
    content = f"<h1>{_e(site_name)}</h1>\n<ul class=\"languages\">{items}</ul>" if languages else f"<p>{_e(labels['empty'])}</p>"
    return _page("en", labels["title"], site_name, 0, content)


def _language_index(lang: str, site_name: str, articles: list[Article], categories: list[str], languages: list[str]) -> bytes:
    labels = msg.kb_site_labels(lang)
    page = f"{lang}/index.html"
    sections = []
    for category in categories:
        link = _relative(category_path(lang, category), page)
        listed = [a for a in articles if a.category == category]
        sections.append(f'<section class="category"><h2><a href="{_e(link)}">{_e(category)}</a></h2>{_article_list(listed, page)}</section>')
    others = " ".join(f'<a href="../{_e(code)}/index.html" lang="{_e(code)}">{_e(msg.kb_site_language_name(code))}</a>'
                      for code in languages if code != lang)  # fmt: skip
    nav = f'<p class="languages">{_e(labels["other_languages"])}: {others}</p>' if others else ""
    return _page(lang, labels["title"], site_name, 1, f"<h1>{_e(labels['title'])}</h1>\n{nav}\n" + "\n".join(sections))


def _category_page(lang: str, site_name: str, category: str, articles: list[Article]) -> bytes:
    labels = msg.kb_site_labels(lang)
    page = category_path(lang, category)
    crumbs = f'<p class="crumbs"><a href="../index.html">{_e(labels["title"])}</a> › {_e(category)}</p>'
    return _page(lang, category, site_name, 2, f"{crumbs}\n<h1>{_e(category)}</h1>\n{_article_list(articles, page)}")


def _article_page(article: Article, site_name: str, body: str, versions: dict[str, Article]) -> bytes:
    labels = msg.kb_site_labels(article.lang)
    page = page_path(article)
    crumbs = (f'<p class="crumbs"><a href="index.html">{_e(labels["title"])}</a> › '
              f'<a href="{_e(_relative(category_path(article.lang, article.category), page))}">{_e(article.category)}</a></p>')  # fmt: skip
    others = [v for code, v in sorted(versions.items()) if code != article.lang]
    links = " ".join(f'<a class="translation" href="{_e(_relative(page_path(v), page))}" hreflang="{_e(v.lang)}" lang="{_e(v.lang)}">'
                     f"{_e(msg.kb_site_language_name(v.lang))}: {_e(v.title)}</a>" for v in others)  # fmt: skip
    translations = f'<p class="translations">{_e(labels["other_languages"])}: {links}</p>' if others else ""
    reviewed = f'<p class="reviewed">{_e(labels["reviewed"])}: {_e(article.reviewed)}</p>' if article.reviewed else ""
    content = (f'{crumbs}\n<article id="kb-article" data-id="{_e(article.id)}">\n<h1>{_e(article.title)}</h1>\n{translations}\n'
               f'<div class="body">\n{body}\n</div>\n{reviewed}\n</article>')  # fmt: skip
    return _page(article.lang, article.title, site_name, 1, content)


# --- the search index -------------------------------------------------------------------------


def _search_index(articles: list[Article], bodies: dict[tuple[str, str], str]) -> bytes:
    """Each article's words and stems (storage/fulltext.document, as `tix search`), from the text
    readers see: the sanitised page, not the Markdown source (no URLs, no removed markup)."""
    from html import unescape

    import nh3

    from tix.storage.fulltext import document

    entries = []
    for article in articles:
        plain = " ".join(unescape(nh3.clean(bodies[article.key], tags=set())).split())
        words, stems = (part.split() for part in document([article.title, " ".join(article.keywords), " ".join(article.tags), plain]))
        entries.append({"id": article.id, "lang": article.lang, "title": article.title, "category": article.category,
                        "url": page_path(article), "words": sorted(set(words)), "stems": sorted(set(stems) - set(words)),
                        "text": plain[:200] + ("…" if len(plain) > 200 else "")})  # fmt: skip
    data = json.dumps({"articles": entries}, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return f"window.TIX_KB_INDEX = {data};\n".encode("ascii")


STYLE = """
body{font-family:"DejaVu Sans","Noto Sans","Segoe UI",Arial,sans-serif;margin:0;color:#1d2630;background:#fff;line-height:1.5}
header{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start;padding:12px 24px;background:#f3f5f7;border-bottom:1px solid #d8dee4}
header .home{font-weight:bold;color:#1d2630;text-decoration:none;padding-top:6px}
.search{flex:1;min-width:200px;max-width:480px}#kb-q{width:100%;padding:6px 10px;font-size:15px;border:1px solid #b8c0c8;border-radius:6px}
#kb-results{flex-basis:100%;margin:0;padding-left:20px}#kb-results:empty{display:none}#kb-results li{margin:4px 0}
#kb-results .snippet{display:block;font-size:13px;color:#57606a}
main{max-width:860px;margin:0 auto;padding:12px 24px 40px}h1{font-size:26px;margin:16px 0 8px}h2{font-size:18px;margin:20px 0 6px}
a{color:#0b5cad}.crumbs,.reviewed,.translations,.languages,.count{font-size:13px;color:#57606a}.translation{margin-right:12px}
.body img{max-width:100%}.body pre{background:#f3f5f7;padding:8px;overflow:auto}.body table{border-collapse:collapse}
.body th,.body td{border:1px solid #d8dee4;padding:4px 8px}
"""

# The client-side search: fold as storage/fulltext.fold does, then match each typed word against
# the article's folded words (exactly, or as a prefix while typing) and stems (a stem the typed
# word begins with: another inflection); every typed word must match. Results are built with
# textContent: no text from an article or the query is ever parsed as HTML.
SEARCH_JS = r"""(function () {
  "use strict";
  var SPECIAL = {"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"};
  function fold(word) {
    word = word.toLowerCase().replace(/[łđøßæœıħ]/g, function (c) { return SPECIAL[c]; });
    word = word.replace(/й/g, "\u0001").normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC");
    return word.replace(/\u0001/g, "й");
  }
  function words(text) { return (text.match(/[\p{L}\p{N}]+/gu) || []).map(fold); }
  function matchWord(entry, q) {
    var best = 0, i;
    for (i = 0; i < entry.words.length; i++) {
      var w = entry.words[i];
      if (w === q) { return 3; }
      if (q.length >= 2 && w.indexOf(q) === 0) { best = Math.max(best, 2); }
      if (w.length >= 4 && q.indexOf(w) === 0) { best = Math.max(best, 1.5); }
    }
    for (i = 0; i < entry.stems.length; i++) {
      var s = entry.stems[i];
      if (s.length >= Math.min(4, q.length) && q.indexOf(s) === 0) { best = Math.max(best, 2.5); }
    }
    return best;
  }
  function search(query) {
    var typed = words(query), found = [];
    if (!typed.length || !window.TIX_KB_INDEX) { return found; }
    var lang = document.documentElement.lang;
    window.TIX_KB_INDEX.articles.forEach(function (entry) {
      var score = 0;
      for (var i = 0; i < typed.length; i++) {
        var one = matchWord(entry, typed[i]);
        if (!one) { return; }
        score += one;
      }
      found.push({entry: entry, score: score + (entry.lang === lang ? 0.5 : 0)});
    });
    found.sort(function (a, b) { return b.score - a.score || a.entry.title.localeCompare(b.entry.title); });
    return found.slice(0, 20);
  }
  function show(query) {
    var list = document.getElementById("kb-results"), form = document.querySelector("form.search");
    if (!list || !form) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!query.trim()) { return; }
    var found = search(query), root = form.getAttribute("data-root") || "";
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = list.getAttribute("data-none");
      list.appendChild(none);
      return;
    }
    found.forEach(function (hit) {
      var item = document.createElement("li"), link = document.createElement("a"), snippet = document.createElement("span");
      link.href = root + hit.entry.url;
      link.textContent = hit.entry.title + " (" + hit.entry.lang + ")";
      snippet.className = "snippet";
      snippet.textContent = hit.entry.text;
      item.appendChild(link);
      item.appendChild(snippet);
      list.appendChild(item);
    });
  }
  function fromHash() {
    var match = /(?:^#|&)q=([^&]*)/.exec(window.location.hash);
    return match ? decodeURIComponent(match[1].replace(/\+/g, " ")) : "";
  }
  var input = document.getElementById("kb-q");
  if (!input) { return; }
  input.value = fromHash();
  show(input.value);
  input.addEventListener("input", function () { show(input.value); });
  input.form.addEventListener("submit", function (event) { event.preventDefault(); show(input.value); });
  window.addEventListener("hashchange", function () { input.value = fromHash(); show(input.value); });
})();
"""
