"""Person.parse reads 'Name <addr>' and bare addresses without email.utils (issue 12: loading it
and socket is 5 ms of `tix sync`); what it gives must be what parseaddr gives."""

from email.utils import parseaddr

import pytest

from tix.domain.model import Person

SAMPLES = [
    "Anna Nowak <anna@x.pl>", "Łukasz O'Brien <l@x.pl>", "Jan-Maria  Kowalski <j@x.pl>", "Иван Петров <ivan@x.ru>",
    "<a@b.cd>", "anna <Anna@X.PL>", "Jan 3 <j@x.pl>", "Jan_Ko <j@x.pl>", "Anna Nowak<anna@x.pl>", "Anna Nowak  <anna@x.pl>",
    "-Anna- <a@b.cd>", "'quoted' <a@b.cd>", "Anna <a..b@c.de>", "Anna <a@c>", "Importer <cron@firma.example>",
    # beyond the fast path: parseaddr still reads these
    "Nowak, Anna <anna@x.pl>", "J. Smith <j@x.pl>", '"Anna Nowak" <anna@x.pl>', "Anna (work) <anna@x.pl>",
    "a\u00a0b <a@b.cd>", "Ann\u0301a <a@b.cd>", "anna@x.pl (Anna)", "Anna <anna@x.pl", "Anna anna@x.pl",
]  # fmt: skip


@pytest.mark.parametrize("text", SAMPLES)
def test_parse_gives_what_parseaddr_gives(text: str) -> None:
    name, address = parseaddr(text)
    person = Person.parse(text)
    if "@" not in address or " " in address:
        assert person is None
    else:
        assert person == Person(name, address)


def test_a_named_address_does_not_load_email_utils() -> None:
    import subprocess
    import sys

    code = "import sys; from tix.domain.model import Person; Person.parse('Anna Nowak <anna@x.pl>'); print('email.utils' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
