"""Knowledge-base articles as pure values (issue 15): what an article is, which names are valid,
where its file lives, and which article answers a customer in which language. No I/O here:
storage/kb.py reads and writes the files.

An article is `kb/<lang>/<category>/<id>.md`: YAML front-matter, then Markdown. Its `id` is the
link key (`tix reply --kb ID`, `kb_link("ID")`, the site's URL); it never changes when the file
moves. A translation is another file with the same `id` in another language; its
`translation_of` names the language it was translated from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tix.domain.model import Ticket

KB_DIR = "kb"
VISIBILITIES = ("public", "internal", "draft", "archived")
FOR_CUSTOMERS = ("public",)  # what may go into mail to a customer and onto the published site
FOR_AGENTS = ("public", "internal")  # what `tix kb suggest` and `tix kb search` offer by default
FIELD_ORDER = ("id", "title", "lang", "translation_of", "visibility", "category", "keywords", "tags", "owner", "reviewed")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")  # ids and categories: safe in a path and in a URL
LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")  # en, pl, ru, pt-br


@dataclass
class Article:
    id: str
    title: str
    lang: str
    category: str
    visibility: str = "draft"
    translation_of: str | None = None  # the language this one was translated from
    keywords: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    owner: str | None = None
    reviewed: str | None = None  # ISO date
    body: str = ""
    path: str = ""  # relative to the helpdesk root
    extra: dict[str, Any] = field(default_factory=dict)  # front-matter keys tix does not know, kept

    @property
    def key(self) -> tuple[str, str]:
        return self.id, self.lang

    def summary(self) -> dict[str, Any]:
        """The stable JSON shape of `tix kb list`."""
        return {"id": self.id, "lang": self.lang, "title": self.title, "category": self.category, "visibility": self.visibility,
                "translation_of": self.translation_of, "keywords": list(self.keywords), "tags": list(self.tags),
                "owner": self.owner, "reviewed": self.reviewed, "path": self.path}  # fmt: skip

    def details(self) -> dict[str, Any]:
        """The stable JSON shape of `tix kb show`."""
        return {**self.summary(), "fields": dict(self.extra), "body": self.body}


def relpath(lang: str, category: str, article_id: str) -> str:
    return f"{KB_DIR}/{lang}/{category}/{article_id}.md"


def page_url(base_url: str, article: Article) -> str:
    """The article's page on the published site (`kb_link("ID")`): kb.base_url + LANG/ID.html."""
    return f"{base_url.rstrip('/')}/{article.lang}/{article.id}.html"


def slugify(title: str) -> str:
    """An id made from a title: `Zwrot towaru` -> `zwrot-towaru` (diacritics folded, ASCII only)."""
    import unicodedata

    special = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe"})
    folded = unicodedata.normalize("NFKD", title.translate(special).lower()).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80].strip("-")
    return slug


def pick_for_customer(versions: dict[str, Article], wanted: str, default: str) -> tuple[Article | None, bool]:
    """The version of one article to send a customer who reads `wanted`: that language when it is
    public, else the helpdesk's `default` language when that is public (the bool says it fell
    back). (None, False) when neither is public."""
    for lang, fell_back in ((wanted, False), (default, wanted != default)):
        article = versions.get(lang)
        if article is not None and article.visibility in FOR_CUSTOMERS:
            return article, fell_back
    return None, False


def pick_for_agent(versions: dict[str, Article], wanted: str, default: str) -> Article | None:
    """The version an agent working in `wanted` sees first: that language, the default one, any."""
    return versions.get(wanted) or versions.get(default) or (versions[sorted(versions)[0]] if versions else None)


def ticket_language(ticket: Ticket) -> str:
    """The language a ticket's customer writes: its `lang` field when it has a valid one (set it by
    hand with `tix edit`), else a guess from the subject and the first message (domain/rules.py)."""
    from tix.domain.rules import guess_language

    given = ticket.extra.get("lang")
    if isinstance(given, str) and LANG.match(given):
        return given
    return guess_language(f"{ticket.subject}\n{first_message(ticket)}")


def first_message(ticket: Ticket) -> str:
    """The text of a ticket's first inbound message ('' when it has none)."""
    return next((entry.text for entry in ticket.entries if entry.kind == "inbound"), "")


# Words that say nothing about what a customer asks, folded (storage/fulltext.fold): left out of the
# words a ticket is matched by (`tix kb suggest`), so that "Dzień dobry, …" or "Can you …" alone
# suggests no article. Words of one or two letters and numbers are left out as well.
_STOPWORD_TEXT = """
a about after again all also am an and any are as at be because been before but by can cannot could dear did
do does for from get got had has have hello hi how i if in into is it its just me my no not now of on or our
please regards so some still than thank thanks that the their them then there these they this to today too up
us was we were what when which who why will with would yes yesterday you your ale bo by byc czy dla do dobry
dzien dziekuje gdy i ich im jak jaki jest juz ktora ktore ktory lub ma mam mi mnie moge moj moja moje mozna na
nam nas nie nic o od oraz po pod pozdrawiam powazaniem prosze przez sa sie sobie ta tak tam te tego tej ten to
tu ty u w we wczoraj z za ze
а без бы был была было в вам вас во вот все всё вы где да для до его ее если есть еще ещё же за здравствуите и
из или им их к как когда ко кто ли мне мы на над не нет но ну о об от по под пожалуиста при с со спасибо так
там то тоже только у уже хотя что чтобы эта эти это я
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def meaningful(folded: str) -> bool:
    """Whether a folded word of a ticket can point at an article (not a stop word, a number or a scrap)."""
    return len(folded) > 2 and not folded.isdigit() and folded not in STOPWORDS
