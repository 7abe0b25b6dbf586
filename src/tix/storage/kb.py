"""The knowledge base on disk (issue 15): `kb/<lang>/<category>/<id>.md` files, each YAML
front-matter and Markdown, read into a `Library`, and written back deterministically.

Reading never stops at a bad file: a file whose front-matter is broken, a second article with
the same id in one language, a `translation_of` naming a version that does not exist — each is a
warning naming the file, and the rest of the knowledge base is there as usual. Files are read only
as regular files inside the helpdesk (never through a committed symlink, storage/files.py).

The words of each article, folded and stemmed for `tix kb search`, `tix kb suggest` and `tix show`
(storage/fulltext.py, the same as `tix search`), are cached in `.git/tix/kb-words.json`, keyed by
the git blob id of the file's content: derived, disposable, never trusted over the files. `rank`
(BM25 over those words) is here, below the use cases, because two of them share it: services/kb.py
(search, suggestions) and the importer's acknowledgements (autoack.suggest_kb, services/outgoing.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tix import messages as msg
from tix.domain.kb import FIELD_ORDER, KB_DIR, LANG, SLUG, VISIBILITIES, Article
from tix.errors import ArticleFormatError
from tix.storage.blobs import blob_id

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.S | re.M)
CACHE_FILE = "kb-words.json"
CACHE_VERSION = 1


# --- one file ---------------------------------------------------------------------------


def loads(text: str, path: str) -> Article:
    """An article from its file text; `path` (relative, `kb/<lang>/<category>/<id>.md`) gives the
    language and category a file leaves out, and names the file in errors."""
    from tix.storage.yamlio import YAMLError, load_yaml

    found = _FRONT.match(text.lstrip("\ufeff"))
    if not found:
        raise ArticleFormatError(path, msg.kb_no_front_matter())
    try:
        meta = load_yaml(found.group(1), strict=True)
    except YAMLError as exc:
        raise ArticleFormatError(path, msg.kb_bad_yaml(exc)) from None
    if not isinstance(meta, dict):
        raise ArticleFormatError(path, msg.kb_bad_yaml(type(meta).__name__))
    parts = path.split("/")
    folder_lang = parts[1] if len(parts) >= 3 else None
    folder_category = parts[2] if len(parts) >= 4 else None
    meta = {str(key): value for key, value in meta.items()}
    article_id = _text(meta, "id", path, required=True)
    if not SLUG.match(article_id):
        raise ArticleFormatError(path, msg.kb_bad_slug("id", article_id))
    title = _text(meta, "title", path, required=True)
    lang = _text(meta, "lang", path) or folder_lang or ""
    if not LANG.match(lang):
        raise ArticleFormatError(path, msg.kb_bad_lang(lang))
    if folder_lang and lang != folder_lang:
        raise ArticleFormatError(path, msg.kb_lang_not_folder(lang, folder_lang))
    category = _text(meta, "category", path) or folder_category or ""
    if not SLUG.match(category):
        raise ArticleFormatError(path, msg.kb_bad_slug("category", category))
    visibility = _text(meta, "visibility", path) or "draft"
    if visibility not in VISIBILITIES:
        raise ArticleFormatError(path, msg.kb_bad_visibility(visibility, VISIBILITIES))
    translation_of = _text(meta, "translation_of", path) or None
    if translation_of is not None and (not LANG.match(translation_of) or translation_of == lang):
        raise ArticleFormatError(path, msg.kb_bad_translation_of(translation_of, lang))
    reviewed = meta.get("reviewed")
    if isinstance(reviewed, datetime):
        reviewed = reviewed.date()
    if isinstance(reviewed, date):
        reviewed = reviewed.isoformat()
    elif reviewed is not None:
        try:
            reviewed = date.fromisoformat(str(reviewed)).isoformat()
        except ValueError:
            raise ArticleFormatError(path, msg.kb_bad_reviewed(reviewed)) from None
    body = found.group(2).replace("\r\n", "\n").strip("\n")
    extra = {key: value for key, value in meta.items() if key not in FIELD_ORDER}
    return Article(article_id, title, lang, category, visibility, translation_of, _words(meta, "keywords", path),
                   _words(meta, "tags", path), _text(meta, "owner", path) or None, reviewed, body, path, extra)  # fmt: skip


def _text(meta: dict[str, Any], key: str, path: str, required: bool = False) -> str:
    value = meta.get(key)
    if value is None or value == "":
        if required:
            raise ArticleFormatError(path, msg.kb_field_missing(key))
        return ""
    if isinstance(value, (dict, list)):
        raise ArticleFormatError(path, msg.kb_field_not_text(key))
    return " ".join(str(value).split())


def _words(meta: dict[str, Any], key: str, path: str) -> list[str]:
    value = meta.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or any(isinstance(item, (dict, list)) for item in value):
        raise ArticleFormatError(path, msg.kb_field_not_list(key))
    return [" ".join(str(item).split()) for item in value if str(item).strip()]


def dumps(article: Article) -> str:
    """The file text: the known fields in FIELD_ORDER (empty optional ones left out), then the
    unknown ones in their order, then the Markdown."""
    from tix.storage.yamlio import dump_yaml

    meta: dict[str, Any] = {"id": article.id, "title": article.title, "lang": article.lang}
    if article.translation_of:
        meta["translation_of"] = article.translation_of
    meta.update(visibility=article.visibility, category=article.category, keywords=list(article.keywords), tags=list(article.tags))
    if article.owner:
        meta["owner"] = article.owner
    if article.reviewed:
        meta["reviewed"] = article.reviewed
    for key, value in article.extra.items():
        meta.setdefault(key, value)
    body = article.body.strip("\n")
    return "---\n" + dump_yaml(meta, flow_lists=True) + "---\n" + (f"\n{body}\n" if body else "")


# --- the whole knowledge base ------------------------------------------------------------


@dataclass
class Library:
    """Every article that could be read, and a warning for each file that could not (or clashed)."""

    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    blobs: dict[str, str] = field(default_factory=dict)  # path -> git blob id of the file as read

    def versions(self, article_id: str) -> dict[str, Article]:
        return {a.lang: a for a in self.articles if a.id == article_id}

    def get(self, article_id: str, lang: str) -> Article | None:
        return next((a for a in self.articles if a.id == article_id and a.lang == lang), None)

    def ids(self) -> list[str]:
        return sorted({a.id for a in self.articles})

    def by_path(self, relpath: str) -> Article | None:
        return next((a for a in self.articles if a.path == relpath), None)

    def unknown(self, article_ref: str) -> str:
        """The error for an id no article has: the nearest one, and how many files could not be read."""
        import difflib

        close = difflib.get_close_matches(article_ref, self.ids(), n=1)
        return msg.kb_unknown(article_ref, close[0] if close else None, self.warnings)


def article_paths(root: Path) -> list[str]:
    """Relative paths of the `.md` files under kb/<lang>/ (not following symlinked folders)."""
    base = root / KB_DIR
    if base.is_symlink() or not base.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relfolder = os.path.relpath(folder, root).replace(os.sep, "/")
        if relfolder == KB_DIR:
            continue  # kb/README.md and the like are no articles
        found += [f"{relfolder}/{name}" for name in files if name.endswith(".md") and not name.startswith(".")]
    return sorted(found)


def load(root: Path) -> Library:
    """The knowledge base of the helpdesk at `root`; see the module's docstring for the warnings."""
    from tix.storage.files import UnsafePath, read_bytes

    library = Library()
    seen: dict[tuple[str, str], str] = {}
    for relpath in article_paths(root):
        try:
            data = read_bytes(root / relpath)
            article = loads(data.decode("utf-8", errors="replace"), relpath)
        except (ArticleFormatError, UnsafePath) as exc:
            library.warnings.append(exc.message)
            continue
        except OSError as exc:
            library.warnings.append(msg.kb_format_error(relpath, exc.strerror or str(exc)))
            continue
        if article.key in seen:
            library.warnings.append(msg.kb_duplicate_id(relpath, article.id, article.lang, seen[article.key]))
            continue
        seen[article.key] = relpath
        library.blobs[relpath] = blob_id(data)
        library.articles.append(article)
    for article in library.articles:
        if article.translation_of and article.translation_of != article.lang and (article.id, article.translation_of) not in seen:
            library.warnings.append(msg.kb_translation_of_nowhere(article.path, article.id, article.translation_of))
    library.articles.sort(key=lambda a: (a.lang, a.category, a.id))
    return library


def save(root: Path, article: Article) -> str:
    """Write the article to its path (atomically); returns the path relative to the root."""
    from tix.domain.kb import relpath as path_for
    from tix.storage.files import write_atomic

    relpath = article.path or path_for(article.lang, article.category, article.id)
    article.path = relpath
    write_atomic(root / relpath, dumps(article))
    return relpath


# --- the words of each article, cached by content ------------------------------------------


def article_texts(article: Article) -> list[str]:
    """What an article is found by: its title and keywords count three times, then the text."""
    head = "\n".join([article.title, " ".join(article.keywords), " ".join(article.tags)])
    return [head, head, head, article.body]


class WordCache:
    """Folded words and stems of each article (storage/fulltext.document), by the blob id of its
    file, in .git/tix/kb-words.json; entries of files that are gone are dropped on saving."""

    def __init__(self, state_dir: Path | None) -> None:
        self.path = state_dir / CACHE_FILE if state_dir is not None else None
        self.entries: dict[str, list[str]] = {}
        self.used: set[str] = set()
        self.changed = False
        if self.path is not None:
            import json

            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("version") == CACHE_VERSION and isinstance(data.get("articles"), dict):
                    self.entries = data["articles"]
            except (OSError, ValueError):
                pass  # no cache, or a broken one: it is rebuilt

    def words(self, article: Article, key: str | None = None) -> tuple[list[str], list[str]]:
        """(folded words, stems) of an article's texts, by `key` (the blob id of its file); one
        entry of the stems may hold two stems (English and Polish)."""
        key = key or blob_id(dumps(article).encode("utf-8"))
        self.used.add(key)
        found = self.entries.get(key)
        if found is None or len(found) != 2:
            from tix.storage.fulltext import document

            words, stems = document(article_texts(article))
            found = self.entries[key] = [words, stems]
            self.changed = True
        words, stems = found
        return words.split(), stems.split()

    def save(self, live: set[str] | None = None) -> None:
        """Write the cache if it changed, keeping the entries of `live` blobs (the files there are
        now; default: those used) and dropping the rest."""
        keep = self.used | (live or set())
        if self.path is None or not (self.changed or set(self.entries) - keep):
            return
        import json

        kept = {key: value for key, value in self.entries.items() if key in keep}
        data = json.dumps({"version": CACHE_VERSION, "articles": kept}, ensure_ascii=False).encode("utf-8")
        # a temporary name and a rename (not storage/files.write_atomic: `tix show` keeps the
        # tempfile module unloaded), in .git/tix, which no teammate's commit reaches
        temporary = self.path.with_name(f".{CACHE_FILE}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)  # a cache that cannot be written is rebuilt next time


SUGGESTED_FILE = "kb-suggested.json"
SUGGESTED_KEEP = 500  # tickets remembered; the oldest are forgotten first


class SuggestionCache:
    """The articles last suggested for a ticket, in .git/tix/kb-suggested.json, by a key of the
    ticket file's blob id and every article file's: `tix show` then needs no stemming until the
    ticket or the knowledge base changes. Derived and disposable like WordCache."""

    def __init__(self, state_dir: Path) -> None:
        import json

        self.path = state_dir / SUGGESTED_FILE
        self.entries: dict[str, list[list[Any]]] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == CACHE_VERSION and isinstance(data.get("tickets"), dict):
                self.entries = data["tickets"]
        except (OSError, ValueError):
            pass

    @staticmethod
    def key(ticket_file: bytes, library: Library, *parts: object) -> str:
        import hashlib

        text = "\n".join([blob_id(ticket_file), *sorted(library.blobs.values()), *(str(p) for p in parts)])
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def get(self, key: str) -> list[list[Any]] | None:
        found = self.entries.get(key)
        return found if isinstance(found, list) else None

    def put(self, key: str, rows: list[list[Any]]) -> None:
        import json

        self.entries.pop(key, None)
        self.entries[key] = rows
        while len(self.entries) > SUGGESTED_KEEP:
            self.entries.pop(next(iter(self.entries)))
        data = json.dumps({"version": CACHE_VERSION, "tickets": self.entries}, ensure_ascii=False).encode("utf-8")
        temporary = self.path.with_name(f".{SUGGESTED_FILE}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)


# --- ranking: tix kb search, tix kb suggest, tix show, and the acknowledgement's suggestions -----

K1, B = 1.2, 0.75  # BM25's usual constants
_MARKUP = re.compile(r"[*_`#>|]+|^\s*\d+\.\s+", re.M)  # Markdown's marks, kept out of snippets
# What the acknowledgement of a new ticket may link (autoack.suggest_kb), where a customer reads it,
# not an agent who can tell a weak guess: only hits scoring at least GOOD_SCORE (BM25; a few of the
# ticket's meaningful words, or one of them many times, in the article's title and keywords) and at
# least GOOD_SHARE of the best hit's score, at most GOOD_COUNT of them.
GOOD_SCORE = 2.5
GOOD_SHARE = 0.5
GOOD_COUNT = 3


@dataclass
class Hit:
    article: Article
    score: float
    snippet: str


def suggestion_candidates(library: Library, lang: str, default: str, for_customers: bool = False) -> list[Article]:
    """One version of each article to rank for a ticket whose customer writes `lang`: for agents
    (`tix kb suggest`) the public or internal one in that language, else the default language's,
    else any; for customers (the acknowledgement) only a public one, in `lang` or else `default`
    (domain/kb.pick_for_customer). Drafts and archived articles are never candidates."""
    from tix.domain.kb import FOR_AGENTS, pick_for_agent, pick_for_customer

    chosen: list[Article] = []
    for article_id in library.ids():
        versions = library.versions(article_id)
        if for_customers:
            article, _ = pick_for_customer(versions, lang, default)
        else:
            article = pick_for_agent({code: a for code, a in versions.items() if a.visibility in FOR_AGENTS}, lang, default)
        if article is not None:
            chosen.append(article)
    return chosen


def good_enough(hits: list[Hit]) -> list[Hit]:
    """The hits (best first) good enough to send a customer: see GOOD_SCORE and GOOD_SHARE."""
    if not hits:
        return []
    floor = max(GOOD_SCORE, hits[0].score * GOOD_SHARE)
    return [hit for hit in hits if hit.score >= floor][:GOOD_COUNT]


def rank(state_dir: Path | None, library: Library, candidates: list[Article], text: str, limit: int | None,
         keep: Callable[[str], bool] | None = None, snippets: bool = True) -> list[Hit]:  # fmt: skip
    """BM25 over the candidates' folded words and stems: a word of `text` matches an article where
    its folded form or one of its stems (Polish and English for Latin words, Russian for Cyrillic
    ones: storage/fulltext.stem) is among the article's. Each different word of `text` counts once;
    `keep` (a folded word -> bool) leaves words out (suggestions: domain/kb.meaningful). The words
    of each article are cached in `state_dir` (WordCache; None: not cached). Without `snippets`
    (the acknowledgement shows none) each hit's snippet is '', and half the work is saved."""
    import math
    from collections import Counter

    from tix.domain.query import TextTerm
    from tix.storage.fulltext import fold, snippet, stem, tokens

    if not candidates:
        return []
    cache = WordCache(state_dir)
    documents = []
    for article in candidates:
        words, stems = cache.words(article, library.blobs.get(article.path))
        documents.append((article, Counter(words), Counter(stems), len(words)))
    cache.save(set(library.blobs.values()))
    concepts: dict[str, tuple[str, set[str]]] = {}
    for token in tokens(text):
        folded = fold(token)
        if folded not in concepts and len(folded) > 1 and (keep is None or keep(folded)):
            concepts[folded] = (token, {stem(token, language) for language in ("polish", "english")})
    average = sum(d[3] for d in documents) / len(documents) or 1.0
    counts = []  # per document: the term frequency of each concept it has
    having: Counter[str] = Counter()
    for _, word_counts, stem_counts, _ in documents:
        found_here = {}
        for folded, (_, its_stems) in concepts.items():
            tf = max([word_counts.get(folded, 0), *(stem_counts.get(s, 0) for s in its_stems)])
            if tf:
                found_here[folded] = tf
                having[folded] += 1
        counts.append(found_here)
    hits = []
    for (article, _, _, length), found_here in zip(documents, counts, strict=True):
        score, matched = 0.0, []
        for folded, tf in found_here.items():
            idf = math.log(1 + (len(documents) - having[folded] + 0.5) / (having[folded] + 0.5))
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
            matched.append(concepts[folded][0])
        if matched:
            passage = snippet([_MARKUP.sub("", article.body) or article.title], [TextTerm(word) for word in matched]) if snippets else ""
            hits.append(Hit(article, round(score, 4), passage))
    hits.sort(key=lambda hit: (-hit.score, hit.article.id, hit.article.lang))
    return hits[:limit] if limit else hits
