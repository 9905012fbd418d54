"""Dates and times as Slack shows them to each reader: `<!date^…>` renders in the reader's own
time zone, and its fallback (for notifications and clients that cannot) is written in the zone
the date belongs to, usually the fulfilling department's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

DATE_TOKENS = "{date_short_pretty}"
MOMENT_TOKENS = "{date_short_pretty} {time}"


def slack_date(value: date | datetime | None, zone: ZoneInfo | None = None) -> str:
    """`value` for a mrkdwn text or a message's `text` (never a plain_text field).

    A date is a calendar day, not an instant: it is anchored at noon UTC, so that every reader
    from UTC−12 to UTC+11 sees the same day, and shown without a time. A datetime (UTC when
    naive, as SQLite hands them back) is shown with the reader's local time; its fallback uses
    `zone` (default UTC)."""
    if value is None:
        return "no date given"
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        local = moment.astimezone(zone or UTC)
        fallback = f"{local:%a %-d %b %Y %H:%M} {local.tzname()}"
        return _token(moment, MOMENT_TOKENS, fallback)
    noon = datetime.combine(value, time(12), tzinfo=UTC)
    return _token(noon, DATE_TOKENS, f"{value:%a %-d %b %Y}")


def plain_day(value: date | None) -> str:
    """A date for plain_text (headers, buttons), where Slack shows `<!date…>` literally."""
    return f"{value:%a %-d %b %Y}" if value else "no date given"


def _token(moment: datetime, tokens: str, fallback: str) -> str:
    return f"<!date^{int(moment.timestamp())}^{tokens}|{fallback}>"
