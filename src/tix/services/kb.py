"""The knowledge base's use cases (issue 15): write, edit and archive articles (each change one
commit by the acting person), list, show and search them, suggest them for a ticket, and write
the published site's files into its folder.

Articles live in `kb/<lang>/<category>/<id>.md` (storage/kb.py); which version a customer gets
is domain/kb.py's. Searching and suggesting fold and stem words exactly as `tix search` does
(storage/fulltext.py), and rank with BM25 over the words of each article: storage/kb.rank, which
the importer's acknowledgements share (autoack.suggest_kb links the best public matches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tix import messages as msg
from tix.domain import commits
from tix.domain.kb import FOR_AGENTS, LANG, SLUG, VISIBILITIES, Article, first_message, meaningful, relpath, slugify, ticket_language
from tix.errors import ArticleFormatError, InvalidValue, TixError
from tix.storage import kb as store
from tix.storage.files import read_text, write_atomic
from tix.storage.kb import Hit, rank
from tix.storage.refs import resolve as resolve_ref

if TYPE_CHECKING:  # `tix show` suggests articles: it needs neither the desk (subprocess, git) nor the layout's locks
    from tix.services.desk import Desk
    from tix.storage.layout import Helpdesk


@dataclass
class KbChange:
    articles: list[Article]
    summary: str  # empty when nothing changed
    commit: str | None = None


@dataclass
class Listing:
    articles: list[Article]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Shown:
    article: Article
    translations: list[str]  # the other languages it is written in
    warnings: list[str] = field(default_factory=list)


@dataclass
class Found:
    hits: list[Hit]
    warnings: list[str] = field(default_factory=list)
    ticket: str | None = None  # suggestions: the ticket they are for
    lang: str | None = None  # suggestions: the language its customer writes


def default_language(hd: Helpdesk) -> str:
    return hd.config.settings.helpdesk.language


def library(hd: Helpdesk) -> store.Library:
    return store.load(hd.root)


# --- changing articles ------------------------------------------------------------------


def new(
    desk: Desk, title: str, lang: str | None = None, category: str = "general", article_id: str | None = None,
    visibility: str = "draft", translation_of: str | None = None, keywords: list[str] | None = None,
    tags: list[str] | None = None, owner: str | None = None, body: str = "",
) -> KbChange:  # fmt: skip
    """`tix kb new`: a new article (or a new language of one: the same id, `translation_of` set)."""
    hd = desk.hd
    title = " ".join(title.split())
    if not title:
        raise InvalidValue(msg.kb_needs_title())
    lang = lang or default_language(hd)
    article_id = article_id or slugify(title)
    _check(lang=lang, category=category, article_id=article_id, visibility=visibility)
    actor = desk.actor
    article = Article(article_id, title, lang, category, visibility, translation_of or None, _clean(keywords), _clean(tags),
                      owner or actor.email, desk.now().date().isoformat(), body.strip("\n"))  # fmt: skip
    with hd.locked():
        found = library(hd)
        existing = found.get(article_id, lang)
        if existing is not None:
            raise InvalidValue(msg.kb_exists(article_id, lang, existing.path))
        if translation_of and found.get(article_id, translation_of) is None:
            raise InvalidValue(msg.kb_translation_of_missing(article_id, translation_of, sorted(found.versions(article_id))))
        path = relpath(lang, category, article_id)
        if (hd.root / path).exists():
            raise InvalidValue(msg.kb_path_taken(path))
        article.path = path
        return _commit(desk, [article], "kb-new", msg.kb_created(lang, path))


def _check(lang: str, category: str, article_id: str, visibility: str) -> None:
    if not LANG.match(lang):
        raise InvalidValue(msg.kb_bad_lang(lang))
    if not SLUG.match(category):
        raise InvalidValue(msg.kb_bad_slug("category", category))
    if not SLUG.match(article_id):
        raise InvalidValue(msg.kb_bad_slug("id", article_id))
    if visibility not in VISIBILITIES:
        raise InvalidValue(msg.kb_bad_visibility(visibility, VISIBILITIES))


def _clean(words: list[str] | None) -> list[str]:
    return [" ".join(w.split()) for word in words or [] for w in word.split(",") if w.strip()]


def _commit(desk: Desk, articles: list[Article], action: str, summary: str) -> KbChange:
    """Write the articles and commit them as one change by the acting person (the caller holds
    the lock); put the files back as they were if the commit fails."""
    hd = desk.hd
    before = {a.path: (hd.root / a.path).read_bytes() if (hd.root / a.path).exists() else None for a in articles}
    paths = [store.save(hd.root, article) for article in articles]
    try:
        commit = hd.git.commit(paths, commits.article_message(articles[0].id, action, summary), desk.actor, desk.now())
    except BaseException:
        for path, data in before.items():
            if data is None:
                (hd.root / path).unlink(missing_ok=True)
            else:
                (hd.root / path).write_bytes(data)
        raise
    return KbChange(articles, summary, commit)


def edit(desk: Desk, article_ref: str, lang: str | None = None, editor: str | None = None) -> KbChange:
    """`tix kb edit`: the file in $EDITOR (a copy); committed if it is still a valid article with
    the same id and language."""
    from tix.services.desk import edit_a_copy

    hd = desk.hd
    _ = desk.actor  # fail on a missing identity before the editor runs
    article = choose(library(hd), article_ref, lang, default_language(hd))
    path = hd.root / article.path
    original, edited, draft = edit_a_copy(hd, path, f"kb-{article.id}-{article.lang}.md", editor)
    if edited == original:
        return KbChange([article], "")
    try:
        changed = store.loads(edited, article.path)
        if changed.key != article.key:
            raise InvalidValue(msg.kb_edit_key_changed(article.id, article.lang, changed.id, changed.lang))
    except TixError as exc:
        raise InvalidValue(msg.kb_edit_rejected(article.path, exc.message, draft)) from None
    with hd.locked():
        if read_text(path) != original:
            raise InvalidValue(msg.kb_edit_changed_meanwhile(article.path, draft))
        write_atomic(path, edited)
        try:
            commit = hd.git.commit([article.path], commits.article_message(article.id, "kb-edit", msg.kb_edited(article.lang)),
                                   desk.actor, desk.now())  # fmt: skip
        except BaseException:
            write_atomic(path, original)
            raise
        draft.unlink()
        return KbChange([changed], msg.kb_edited(article.lang), commit)


def archive(desk: Desk, article_ref: str, lang: str | None = None) -> KbChange:
    """`tix kb archive`: every language of the article (or only `lang`) becomes `archived`: kept
    in git and findable with --all, never suggested, sent or published."""
    hd = desk.hd
    _ = desk.actor
    with hd.locked():
        found = library(hd)
        versions = found.versions(article_ref)
        if not versions:
            raise InvalidValue(found.unknown(article_ref))
        if lang is not None and lang not in versions:
            raise InvalidValue(msg.kb_no_version(article_ref, lang, sorted(versions)))
        chosen = [a for code, a in sorted(versions.items()) if lang in (None, code) and a.visibility != "archived"]
        if not chosen:
            return KbChange(list(versions.values()), "")
        for article in chosen:
            article.visibility = "archived"
        return _commit(desk, chosen, "kb-archive", msg.kb_archived([a.lang for a in chosen]))


def choose(found: store.Library, article_ref: str, lang: str | None, default: str) -> Article:
    """The version of an article a command about one file means: `lang`, or the only one, or the default language's."""
    versions = found.versions(article_ref)
    if not versions:
        raise InvalidValue(found.unknown(article_ref))
    if lang is not None:
        if lang not in versions:
            raise InvalidValue(msg.kb_no_version(article_ref, lang, sorted(versions)))
        return versions[lang]
    if len(versions) == 1:
        return next(iter(versions.values()))
    if default in versions:
        return versions[default]
    raise InvalidValue(msg.kb_which_language(article_ref, sorted(versions)))


# --- reading ----------------------------------------------------------------------------


def list_articles(hd: Helpdesk, lang: str | None = None, category: str | None = None, visibility: str | None = None,
                  include_archived: bool = False) -> Listing:  # fmt: skip
    """`tix kb list`: the articles, by language, category and id; archived ones only when asked."""
    if visibility is not None and visibility not in VISIBILITIES:
        raise InvalidValue(msg.kb_bad_visibility(visibility, VISIBILITIES))
    found = library(hd)
    shown = [a for a in found.articles
             if lang in (None, a.lang) and category in (None, a.category) and visibility in (None, a.visibility)
             and (include_archived or visibility == "archived" or a.visibility != "archived")]  # fmt: skip
    return Listing(shown, found.warnings)


def show(hd: Helpdesk, article_ref: str, lang: str | None = None) -> Shown:
    found = library(hd)
    article = choose(found, article_ref, lang, default_language(hd))
    return Shown(article, sorted(set(found.versions(article.id)) - {article.lang}), found.warnings)


def search(hd: Helpdesk, words: list[str], lang: str | None = None, include_all: bool = False, limit: int = 10) -> Found:
    """`tix kb search`: articles by their words in any inflection (as `tix search`), best first;
    public and internal ones unless `include_all`."""
    text = " ".join(words)
    from tix.storage.fulltext import tokens

    if not tokens(text):
        raise InvalidValue(msg.kb_search_empty())
    found = library(hd)
    candidates = [a for a in found.articles if lang in (None, a.lang) and (include_all or a.visibility in FOR_AGENTS)]
    return Found(store.rank(hd.state_dir, found, candidates, text, limit), found.warnings)


def suggest(hd: Helpdesk, ticket_ref: str, limit: int = 3) -> Found:
    """`tix kb suggest` (and the top three in `tix show`): articles for a ticket, ranked by the
    words of its subject and first message; for each article the version in the customer's
    language, else the default language's; public and internal ones (agents read them)."""
    from tix.storage.files import read_bytes

    ticket_id = resolve_ref(hd, ticket_ref)
    data = read_bytes(hd.path_of(ticket_id))
    ticket = hd.load(ticket_id)
    lang = ticket_language(ticket)
    found = library(hd)
    cache = store.SuggestionCache(hd.state_dir)
    key = cache.key(data, found, lang, default_language(hd), limit)
    remembered = cache.get(key)
    if remembered is not None:
        hits = [Hit(article, float(score), str(passage)) for article_id, code, score, passage in remembered
                if (article := found.get(str(article_id), str(code))) is not None]  # fmt: skip
        if len(hits) == len(remembered):
            return Found(hits, found.warnings, ticket.id, lang)
    hits = suggest_for(hd, found, f"{ticket.subject}\n{first_message(ticket)}", lang, limit)
    cache.put(key, [[hit.article.id, hit.article.lang, hit.score, hit.snippet] for hit in hits])
    return Found(hits, found.warnings, ticket.id, lang)


def suggest_for(hd: Helpdesk, found: store.Library, text: str, lang: str, limit: int) -> list[Hit]:
    candidates = store.suggestion_candidates(found, lang, default_language(hd))
    return store.rank(hd.state_dir, found, candidates, text, limit, meaningful)


# --- the published site ----------------------------------------------------------------


def published(hd: Helpdesk) -> store.Library:
    """The public articles only (what `tix kb build` publishes), with the knowledge base's warnings."""
    found = library(hd)
    return store.Library([a for a in found.articles if a.visibility == "public"], found.warnings, found.blobs)


def write_site(hd: Helpdesk, out: Path, files: dict[str, bytes], copies: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Write the site's `files` below `out`, and copy there the kb/ files the articles link to
    (`copies`: site path -> helpdesk path, read only as regular files inside kb/). Never anywhere
    else: each path is relative, without `..`, and no folder on the way is a symlink (one left in
    `out` would lead outside: storage/files.py refuses it). Returns how many files were written,
    and a warning for each linked file that could not be read."""
    from tix.storage.files import UnsafePath, ensure_real_dirs, read_bytes, register_root

    out = out.absolute()
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InvalidValue(msg.kb_out_not_a_folder(out))
    warnings = []
    everything = dict(files)
    for name, source in (copies or {}).items():
        if not source.startswith("kb/") or ".." in source.split("/"):
            raise InvalidValue(msg.kb_site_bad_path(source))
        try:
            everything[name] = read_bytes(hd.root / source)
        except (OSError, UnsafePath) as exc:
            warnings.append(msg.kb_site_file_unreadable(source, getattr(exc, "message", None) or getattr(exc, "strerror", None) or str(exc)))
    for name in everything:
        parts = name.split("/")
        if name.startswith("/") or any(part in ("", ".", "..") for part in parts) or "\\" in name:
            raise InvalidValue(msg.kb_site_bad_path(name))
    out.mkdir(parents=True, exist_ok=True)
    register_root(out)  # writes below it never follow a symlink (storage/files.py)
    for name, data in everything.items():
        target = out / name
        ensure_real_dirs(target.parent)
        if target.is_symlink():
            target.unlink()  # replaced by a regular file, never written through
        write_atomic(target, data, durable=False)
    return len(everything), warnings


__all__ = ["ArticleFormatError", "Found", "Hit", "KbChange", "Listing", "Shown", "archive", "choose", "edit", "list_articles",
           "new", "published", "rank", "search", "show", "suggest", "write_site"]  # fmt: skip
