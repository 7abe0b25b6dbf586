"""The one place that reads the time. `TIX_NOW` (ISO 8601) overrides it for tests and what-if questions."""

from __future__ import annotations

import os
from datetime import datetime, tzinfo

from tix import messages as msg
from tix.errors import ConfigError


def now(tz: tzinfo | None = None) -> datetime:
    """Current time, aware, to the second, in `tz` (the helpdesk's timezone) when given."""
    override = os.environ.get("TIX_NOW")
    if override:
        try:
            moment = datetime.fromisoformat(override)
        except ValueError:
            raise ConfigError(msg.clock_bad_now(override)) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz) if tz else moment.astimezone()
    else:
        moment = datetime.now(tz).astimezone(tz) if tz else datetime.now().astimezone()
    if tz is not None:
        moment = moment.astimezone(tz)
    return moment.replace(microsecond=0)


def parse_time(text: str, tz: tzinfo | None = None) -> datetime:
    """Parse an ISO 8601 time; a time without offset is taken in `tz`."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz) if tz else moment.astimezone()
    return moment


def is_what_if() -> bool:
    """True when TIX_NOW sets the time: a what-if question, which commands that record should not record."""
    return bool(os.environ.get("TIX_NOW"))
