"""`tix kb …`: the knowledge base (docs/KB.md) — articles in kb/LANG/CATEGORY/ID.md, written,
edited and archived as commits, searched, suggested for tickets, and built into a static site."""

from pathlib import Path
from typing import Optional

import typer

from tix.cli.common import TextOrJson, emit, read_text, say, state

app = typer.Typer()
kb_app = typer.Typer(help="The knowledge base: articles for replies and for a published help site (docs/KB.md).", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("new")
def new(
    ctx: typer.Context,
    title: str = typer.Argument(..., metavar="TITLE", help="The article's title."),
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Its language (default: helpdesk.language)."),
    category: str = typer.Option("general", "--category", "-c", help="Its category (the folder kb/LANG/CATEGORY/)."),
    article_id: Optional[str] = typer.Option(None, "--id", help="The stable link key (default: made from the title)."),
    visibility: str = typer.Option("draft", "--visibility", help="public, internal, draft or archived."),
    translation_of: Optional[str] = typer.Option(None, "--translation-of", metavar="LANG", help="A translation of the article's LANG version (give --id)."),
    keyword: Optional[list[str]] = typer.Option(None, "--keyword", "-k", help="A word it is found by (repeatable)."),
    tag: Optional[list[str]] = typer.Option(None, "--tag", "-t", help="A tag (repeatable)."),
    owner: Optional[str] = typer.Option(None, "--owner", help="Who keeps it up to date (default: you)."),
    body: str = typer.Option("", "--body", "-b", help="The Markdown text ('-': stdin)."),
) -> None:
    """Write a new article (or a new language of one), committed as you.

    \b
    Examples:
      tix kb new "Resetting your password" -c accounts -k password --visibility public
      tix kb new "Resetowanie hasła" --lang pl --id resetting-your-password --translation-of en
    """
    from tix.render.kb import change
    from tix.services import kb

    done = kb.new(state(ctx).desk(), title, lang, category, article_id, visibility, translation_of, keyword, tag, owner, read_text(body) if body else "")
    say(change(done))


@kb_app.command("edit")
def edit(
    ctx: typer.Context,
    article: str = typer.Argument(..., metavar="ID", help="The article's id."),
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Which language's version."),
) -> None:
    """Edit an article in $EDITOR; the result is validated before it is committed.

    \b
    Examples:
      tix kb edit resetting-your-password --lang pl
    """
    from tix.render.kb import change
    from tix.services import kb

    say(change(kb.edit(state(ctx).desk(), article, lang)))


@kb_app.command("list")
def list_(
    ctx: typer.Context,
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Only this language."),
    category: Optional[str] = typer.Option(None, "--category", "-c", help="Only this category."),
    visibility: Optional[str] = typer.Option(None, "--visibility", help="Only public, internal, draft or archived ones."),
    all_: bool = typer.Option(False, "--all", "-a", help="Include archived articles."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """List the articles; a file that cannot be read is named in a warning.

    \b
    Examples:
      tix kb list --lang pl
      tix kb list --all -f json
    """
    from tix.render.kb import listing
    from tix.services import kb

    emit(listing(kb.list_articles(state(ctx).helpdesk, lang, category, visibility, all_), format.value))


@kb_app.command("show")
def show(
    ctx: typer.Context,
    article: str = typer.Argument(..., metavar="ID", help="The article's id."),
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Which language's version (default: the only one, or helpdesk.language)."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Show an article: its fields, its languages and its text.

    \b
    Examples:
      tix kb show resetting-your-password
    """
    from tix.render.kb import shown
    from tix.services import kb

    emit(shown(kb.show(state(ctx).helpdesk, article, lang), format.value))


@kb_app.command("search")
def search(
    ctx: typer.Context,
    words: list[str] = typer.Argument(..., metavar="WORDS...", help="Words, in any inflection."),
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Only this language."),
    all_: bool = typer.Option(False, "--all", "-a", help="Also drafts and archived articles."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="At most N articles."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Find articles by their words (folded and stemmed as `tix search`), best first.

    \b
    Examples:
      tix kb search hasło reset
      tix kb search vpn --all -n 3
    """
    from tix.render.kb import hits
    from tix.services import kb

    emit(hits(kb.search(state(ctx).helpdesk, words, lang, all_, limit), format.value))


@kb_app.command("archive")
def archive(
    ctx: typer.Context,
    article: str = typer.Argument(..., metavar="ID", help="The article's id."),
    lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Only this language's version (default: all of them)."),
) -> None:
    """Archive an article: kept in git, never suggested, sent or published again.

    \b
    Examples:
      tix kb archive resetting-your-password
    """
    from tix.render.kb import change
    from tix.services import kb

    say(change(kb.archive(state(ctx).desk(), article, lang)))


@kb_app.command("suggest")
def suggest(
    ctx: typer.Context,
    ticket: str = typer.Argument(..., metavar="TICKET", help="Ticket ID or prefix."),
    limit: int = typer.Option(3, "--limit", "-n", min=1, help="At most N articles."),
    format: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f", help="Output format."),
) -> None:
    """Articles that may answer a ticket, from its subject and first message, in its customer's language.

    \b
    Examples:
      tix kb suggest 4KX2 -n 5
    """
    from tix.render.kb import hits
    from tix.services import kb

    emit(hits(kb.suggest(state(ctx).helpdesk, ticket, limit), format.value))


@kb_app.command("build")
def build(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="The folder to write the site into (and nothing outside it)."),
) -> None:
    """Write the public articles as a static site (works from file://, no server, no CDN).

    \b
    Examples:
      tix kb build --out site/
    """
    from tix import messages as msg
    from tix.render.kb_site import site
    from tix.render.printout import Printout
    from tix.services import kb

    hd = state(ctx).helpdesk
    built = site(kb.published(hd), hd.config)
    written, warnings = kb.write_site(hd, out, built.files, built.assets)
    printout = Printout()
    for warning in [*built.warnings, *warnings]:
        printout.warn(warning)
    printout.err(msg.kb_site_written(out, written, built.articles))
    emit(printout)
