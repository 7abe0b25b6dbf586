"""What the `tix kb` commands print: a change, the list of articles, one article, search hits and
suggestions (text or JSON), and the suggestions under `tix show`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tix import messages as msg
from tix.render import text
from tix.render.printout import Printout

if TYPE_CHECKING:
    from tix.services.kb import Found, KbChange, Listing, Shown

_HIGHLIGHT = re.compile(r"\*\*(.+?)\*\*")


def _warnings(printout: Printout, warnings: list[str]) -> None:
    for warning in warnings:
        printout.warn(warning)


def change(done: KbChange) -> str:
    article_id = done.articles[0].id
    return msg.kb_change(article_id, done.summary) if done.summary else msg.kb_unchanged(article_id)


def listing(found: Listing, format: str) -> Printout:
    printout = Printout()
    _warnings(printout, found.warnings)
    rows = text.printable([article.summary() for article in found.articles])
    if format == "json":
        printout.out(text.json_rows(rows))
    elif rows:
        width = max(len(row["id"]) for row in rows)
        printout.out("\n".join(f"{row['id']:<{width}}  {row['lang']:<3}  {row['visibility']:<8}  {row['category']:<12}  {row['title']}"
                               for row in rows))  # fmt: skip
    else:
        printout.err(msg.kb_none())
    return printout


def shown(found: Shown, format: str) -> Printout:
    printout = Printout()
    _warnings(printout, found.warnings)
    details = text.printable({**found.article.details(), "translations": found.translations})
    if format == "json":
        printout.out(text.to_json(details))
        return printout
    colour = text.use_colour()
    lines = [
        text.paint(f"{details['id']} ({details['lang']})  {details['title']}", "bold", colour),
        f"Visibility: {details['visibility']}",
        f"Category:   {details['category']}",
        f"Keywords:   {', '.join(details['keywords']) or '-'}",
        f"Tags:       {', '.join(details['tags']) or '-'}",
        f"Owner:      {details['owner'] or '-'}",
        f"Reviewed:   {details['reviewed'] or '-'}",
        f"File:       {details['path']}",
        f"Languages:  {msg.kb_translations(details['translations'])}",
    ]
    if details["translation_of"]:
        lines.insert(3, f"Translated: {details['translation_of']}")
    printout.out("\n".join([*lines, "", details["body"]]))
    return printout


def hits(found: Found, format: str) -> Printout:
    """`tix kb search` and `tix kb suggest`: best first, each with a one-line snippet."""
    printout = Printout()
    _warnings(printout, found.warnings)
    rows = [{**hit.article.summary(), "score": hit.score, "snippet": hit.snippet} for hit in found.hits]
    if format == "json":
        if found.ticket is not None:
            printout.out(text.to_json({"ticket": found.ticket, "lang": found.lang, "articles": text.printable(rows)}))
        else:
            printout.out(text.json_rows(text.printable(rows)))
        return printout
    if not rows:
        printout.err(msg.kb_no_matches())
        return printout
    printout.out(_hit_lines(rows, text.use_colour()))
    return printout


def _hit_lines(rows: list[dict[str, object]], colour: bool, indent: str = "") -> str:
    lines = []
    for row in text.printable(rows):
        lines.append(f"{indent}{text.paint(str(row['id']), 'bold', colour)} ({row['lang']}, {row['visibility']})  {row['title']}")
        snippet = str(row["snippet"])
        if snippet:
            lines.append(f"{indent}    " + (_HIGHLIGHT.sub(lambda m: text.paint(m.group(1), "bold", True), snippet) if colour else snippet))
    return "\n".join(lines)


def under_ticket(found: Found) -> str:
    """The lines under `tix show`: the three articles that may answer the ticket."""
    if not found.hits:
        return ""
    rows = [{**hit.article.summary(), "snippet": hit.snippet} for hit in found.hits]
    return "\n".join(["", msg.kb_suggestions_heading(found.ticket or ""), _hit_lines(rows, text.use_colour(), "  ")])
