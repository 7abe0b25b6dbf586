"""What full-text search indexes and matches: words folded and stemmed the same way on both sides.

SQLite's FTS5 (`unicode61 remove_diacritics 2`) folds ó ź ż ś ć ń ą ę but not ł, nor Cyrillic ё,
and it does not stem (research/capabilities-anchors.md §3). So tix folds and stems in Python
before FTS5 sees the text, and the FTS table gets two columns of ready-made tokens:

- `words`: every word lowercased and without diacritics (ł -> l, ё -> е; й stays й, it is a
  letter of its own): `Zamówienie` -> `zamowienie`, `ЗАКАЗ` -> `заказ`;
- `stems`: every word's Snowball stem, folded the same way: `zamówienia` -> `zamowien`,
  `заказа` -> `заказ`. Cyrillic words take the Russian stemmer; Latin ones the Polish stemmer
  when the ticket has Polish letters, else both the English and the Polish one (Polish is
  often typed without its letters: `zamowienia`).

A query word matches either column: its folded form in `words`, or its stem in `stems` under
each stemmer it could be meant for (a query has no language: a Latin word is stemmed as Polish
and as English). Every token given to FTS5 is quoted, so nothing a user types is FTS5 syntax.

The vocabulary of a helpdesk is small next to its text (300,000 messages: 22 million words),
so each distinct token's folded form and stems are worked out once and memoised (`_FOLDED`,
`_DOCUMENT_STEMS`); a ticket's columns are then one dictionary look-up per word, in C (`map`).
Folding and stemming every word as it came took two thirds of building the index of 50,000
tickets (bench/bench_search.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from tix.domain.query import TextTerm

TYPE_CHECKING = False  # as typing's, without importing typing (3 ms; tests/test_startup_imports.py)
if TYPE_CHECKING:
    from typing import Any

_TOKEN = re.compile(r"[^\W_]+")  # what FTS5's unicode61 calls a token: letters and digits, '_' separates
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_POLISH = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
# Letters that carry no combining mark for NFD to strip, folded as a reader would.
_SPECIAL = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"})
_STEMMERS: dict[str, Any] = {}
_STEMS: dict[tuple[str, str], str] = {}
_STEM_CACHE_LIMIT = 500_000  # entries of each memo below; past it the memo starts again
_FOLDED: dict[str, str] = {}  # token as written -> fold(token)
_DOCUMENT_STEMS: dict[bool, dict[str, str]] = {True: {}, False: {}}  # Polish ticket? -> token -> its `stems` column text
HIGHLIGHT = ("**", "**")  # around the words matched, in snippets (Markdown's bold, as ticket files are Markdown)


def fold(word: str) -> str:
    """Lowercase, without diacritics: `Łódź` -> `lodz`, `ЁЛКА` -> `елка`, `Zamówienie` -> `zamowienie`."""
    word = word.lower().translate(_SPECIAL)
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word).replace("и\u0306", "й")  # й is a letter, not и with a mark
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def language_of(text: str) -> str:
    """The stemmer for Latin words of a text: Polish when it has Polish letters, else English."""
    return "polish" if _POLISH.search(text) else "english"


def stem(word: str, language: str) -> str:
    """The folded Snowball stem of one word; a Cyrillic word always takes the Russian stemmer."""
    lowered = word.lower()
    if _CYRILLIC.search(lowered):
        language = "russian"
    elif lowered.isdigit():
        return lowered
    key = (language, lowered)
    found = _STEMS.get(key)
    if found is None:
        stemmer = _STEMMERS.get(language)
        if stemmer is None:
            import snowballstemmer  # type: ignore[import-untyped]  # pure Python, the Snowball algorithms (>= 3: it has Polish)

            stemmer = _STEMMERS[language] = snowballstemmer.stemmer(language)
        if len(_STEMS) > _STEM_CACHE_LIMIT:
            _STEMS.clear()
        found = _STEMS[key] = fold(stemmer.stemWord(lowered))
    return found


def document(texts: Iterable[str]) -> tuple[str, str]:
    """(words, stems) of a ticket's texts: the two columns of its row in the FTS table."""
    joined = "\n".join(texts)
    found = tokens(joined)
    polish = language_of(joined) == "polish"
    folded, stems = _FOLDED, _DOCUMENT_STEMS[polish]
    unique = set(found)
    if len(folded) + len(unique) > _STEM_CACHE_LIMIT:
        folded.clear()
    if len(stems) + len(unique) > _STEM_CACHE_LIMIT:
        stems.clear()
    for token in unique.difference(folded):
        folded[token] = fold(token)
    for token in unique.difference(stems):
        if polish:
            stems[token] = stem(token, "polish")
        else:  # English, or Polish written without its letters (common in mail): both stems of each word
            stems[token] = " ".join(dict.fromkeys((stem(token, "english"), stem(token, "polish"))))
    return " ".join(map(folded.__getitem__, found)), " ".join(map(stems.__getitem__, found))


# --- matching ------------------------------------------------------------------------


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def match_expression(terms: Sequence[TextTerm]) -> str | None:
    """The FTS5 MATCH expression all `terms` must match (None when they hold no word at all)."""
    parts = [part for part in (_term_expression(term) for term in terms) if part]
    return " AND ".join(parts) if parts else None


def _term_expression(term: TextTerm) -> str | None:
    words = tokens(term.text)
    if not words:
        return None
    if term.phrase or len(words) > 1:  # `jan@example.pl` is the phrase `jan example pl`
        folded = " ".join(fold(w) for w in words)
        stems = " ".join(stem(w, "polish") for w in words), " ".join(stem(w, "english") for w in words)
        options = [f"words: {_quoted(folded)}"]
        if not term.phrase:
            options += [f"stems: {_quoted(s)}" for s in dict.fromkeys(stems)]
        return "(" + " OR ".join(options) + ")"
    [word] = words
    if term.prefix:
        return f"(words: {_quoted(fold(word))}*)"
    single = dict.fromkeys(stem(word, language) for language in ("polish", "english"))
    return "(" + " OR ".join([f"words: {_quoted(fold(word))}", *(f"stems: {_quoted(s)}" for s in single)]) + ")"


def snippet(texts: Sequence[str], terms: Sequence[TextTerm], width: int = 160) -> str:
    """The passage of `texts` (subject first, then the conversation) where the first word a term
    matches stands, on one line, with every matching word in it highlighted."""
    wanted_words: set[str] = set()
    wanted_stems: set[str] = set()
    prefixes: list[str] = []
    for term in terms:
        for word in tokens(term.text):
            if term.prefix and not term.phrase:
                prefixes.append(fold(word))
            wanted_words.add(fold(word))
            if not term.phrase:
                wanted_stems.update(stem(word, language) for language in ("polish", "english"))
    language = language_of("\n".join(texts))
    verdicts: dict[str, bool] = {}  # a ticket repeats its words: each is judged once

    def matches(token: str) -> bool:
        verdict = verdicts.get(token)
        if verdict is None:
            folded = fold(token)
            verdict = folded in wanted_words or bool(prefixes and folded.startswith(tuple(prefixes)))
            verdict = verdicts[token] = verdict or (bool(wanted_stems) and stem(token, language) in wanted_stems)
        return verdict

    best: tuple[int, str, list[re.Match[str]]] | None = None
    for text in texts:  # the text with the most different words matched; the first among equals
        line = " ".join(text.split())
        hits = [m for m in _TOKEN.finditer(line) if matches(m.group())]
        found = len({stem(m.group(), language) for m in hits})
        if hits and (best is None or found > best[0]):
            best = (found, line, hits)
    if best is not None:
        _, line, hits = best
        start = max(0, hits[0].start() - width // 4)
        if start:
            space = line.find(" ", start)
            start = space + 1 if 0 <= space < hits[0].start() else start
        end = min(len(line), start + width)
        if end < len(line):
            space = line.rfind(" ", hits[0].end(), end)
            end = space if space > 0 else end
        spans: list[list[int]] = []
        for hit in hits:
            if hit.start() < start or hit.end() > end:
                continue
            if spans and not line[spans[-1][1] : hit.start()].strip(".@-_+/") :  # jan@example.pl: one mark, not three
                spans[-1][1] = hit.end()
            else:
                spans.append([hit.start(), hit.end()])
        pieces, cursor = [], start
        for low, high in spans:
            pieces += [line[cursor:low], HIGHLIGHT[0], line[low:high], HIGHLIGHT[1]]
            cursor = high
        pieces.append(line[cursor:end])
        return ("…" if start else "") + "".join(pieces) + ("…" if end < len(line) else "")
    first = " ".join(texts[0].split()) if texts else ""
    return first[:width]
