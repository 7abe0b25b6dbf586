"""Satisfaction ratings by reply, and the status question — pure rules, no I/O (issue 17).

A rating is given by mail, never by a web link: a link scanner can fetch an https URL, but it
cannot send mail (FreeScout #1743 counted ratings nobody gave). Two ways are recognised:

- a signed token in the subject, put there by the notice's `mailto:` links:
  `csat-TICKET-SCORE-SIG`, SIG = HMAC-SHA256(key, "csat:TICKET:SCORE")[:16];
- a bare score as the first line a customer wrote (`1`, `2`, `3`, 👍, 👎) — only in a reply to
  a notice that asked for a rating (the caller checks the reply's signed In-Reply-To).

Scores: 1 good, 2 okay, 3 bad. Anything else (`5`, `3 printers are broken`, a forged SIG) is
no rating: the mail is a normal message.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote

from tix.domain.ids import ALPHABET, ID_LENGTH

SCORES = {"1": "good", "2": "okay", "3": "bad"}
LABELS = tuple(SCORES.values())
_EMOJI = {"👍": "good", "👌": "okay", "👎": "bad", "🙂": "good", "😐": "okay", "🙁": "bad"}
TOKEN = re.compile(rf"\bcsat-([{ALPHABET}]{{{ID_LENGTH}}})-([0-9]+)-([0-9a-f]{{16}})\b", re.IGNORECASE)
# the first line, just the score: "1", "1.", " 2 ", "3!", "👍" (a word after it makes it a sentence, not a rating)
_BARE = re.compile(r"^\s*([0-9]+|\S{1,4})\s*[.!)]?\s*$")
# where a mail client starts the quoted mail: "On … wrote:", Polish and Russian forms, Outlook's header block
_QUOTE_START = re.compile(r"^(On .* wrote|W dniu .* pisze|.* (пишет|написал[а]?)|-{2,} ?Original Message|(From|Od|От|Sent|Wysłane): .+)")
_MODIFIERS = re.compile("[\U0001F3FB-\U0001F3FF\uFE0F]")  # skin tones and the emoji variation selector: 👍🏽 is 👍
SKIPPED_TAGS = frozenset({"spam", "robot", "duplicate", "bounce", "auto-reply", "list", "bulk"})


def key(secret: bytes) -> bytes:
    """The rating key, derived from the helpdesk's secret (a different use, a different key)."""
    return hmac.new(secret, b"tix-csat-key", hashlib.sha256).digest()


def token(rating_key: bytes, ticket_id: str, score: str) -> str:
    sig = hmac.new(rating_key, f"csat:{ticket_id.upper()}:{score}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"csat-{ticket_id.upper()}-{score}-{sig}"


def verify_token(rating_key: bytes, subject: str) -> tuple[str, str] | None:
    """(ticket, label) of a valid token in `subject`, else None (forged, out of range, absent)."""
    match = TOKEN.search(subject)
    if not match:
        return None
    ticket_id, score, sig = match.group(1).upper(), match.group(2), match.group(3).lower()
    if score not in SCORES:
        return None
    if not hmac.compare_digest(token(rating_key, ticket_id, score), f"csat-{ticket_id}-{score}-{sig}"):
        return None
    return ticket_id, SCORES[score]


def mailto(address: str, subject: str, rating_key: bytes, ticket_id: str, score: str) -> str:
    """An RFC 6068 link that opens a reply carrying the signed token (nothing happens until sent)."""
    text = f"{subject} {token(rating_key, ticket_id, score)}"
    return f"mailto:{address}?subject={quote(text, safe='')}&body={quote(score, safe='')}"


def written_lines(text: str) -> list[str]:
    """What the customer wrote: the lines before the quoted mail ('>' lines, 'On … wrote:')."""
    lines: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_START.match(stripped):
            break
        lines.append(line.rstrip())
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def bare_score(text: str) -> tuple[str, str] | None:
    """(label, comment) when the first line the customer wrote is only a score, else None."""
    lines = written_lines(text)
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    match = _BARE.match(lines[0])
    if not match:
        return None
    value = _MODIFIERS.sub("", match.group(1))
    label = SCORES.get(value) or _EMOJI.get(value)
    if label is None:
        return None
    return label, "\n".join(lines[1:]).strip()


def comment_of(text: str) -> str:
    """The comment of a rating reply by token: what the customer wrote, less a leading bare score."""
    found = bare_score(text)
    if found:
        return found[1]
    return "\n".join(written_lines(text)).strip()


def is_status_question(text: str, keywords: list[str], max_words: int = 12) -> bool:
    """A short message whose written part names one of the keywords ('status', 'jaki jest
    status', 'какой статус'): only a question about the case, nothing new for the agent to answer."""
    written = " ".join(line for line in written_lines(text) if line.strip() and not line.startswith("--"))
    words = written.split()
    if not words or len(words) > max_words:
        return False
    folded = " ".join(words).casefold()
    return any(keyword.casefold() in folded for keyword in keywords if keyword.strip())


def should_skip(tags: list[str], fields: dict[str, object]) -> bool:
    """No automatic mail for spam, robots, duplicates or a merged stub."""
    return bool(SKIPPED_TAGS.intersection(tags)) or "merged_into" in fields
