"""Times as people at a school read them: in the school's zone, with the zone named.

Two kinds of time are kept. A meeting's `scheduled_at` is the school's wall-clock time, as the
specialist typed it; every moment the app records itself (created_at, sent_at, signed_at ...)
is UTC. Both are naive in the database; these functions say which is which.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_timezone_name

from plpcore.models import School

LOCALE = "en_US"
SPOKEN = "EEEE, MMMM d, y 'at' h:mm a"


def zone(school: School) -> ZoneInfo:
    return ZoneInfo(school.time_zone)


def wall(scheduled_at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock time kept at the school (a meeting's), made aware of its zone."""
    return scheduled_at.replace(tzinfo=tz)


def local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A moment the app recorded (naive UTC), at the school."""
    return moment.replace(tzinfo=dt.UTC).astimezone(tz)


def utc(wall_time: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock time at the school as the naive UTC the app records moments in."""
    return wall_time.replace(tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)


def stamp(value: dt.datetime | str, tz: ZoneInfo) -> dt.datetime:
    """A moment the app recorded, naive UTC or its ISO text (as a record keeps it), at the school."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.astimezone(tz) if moment.tzinfo else local(moment, tz)


def scheduled(value: dt.datetime | str, tz: ZoneInfo) -> dt.datetime:
    """A meeting's time, the school's wall clock (or its ISO text), made aware of the zone."""
    return wall(value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value), tz)


def today(school: School, now: dt.datetime) -> dt.date:
    """The school's date at `now` (naive UTC)."""
    return local(now, zone(school)).date()


def spoken(at: dt.datetime) -> str:
    """'Tuesday, December 8, 2026 at 3:30 PM Mountain Standard Time': what a notice says."""
    return f"{format_datetime(at, SPOKEN, locale=LOCALE)} {zone_name(at)}"


def short(at: dt.datetime) -> str:
    """'Dec 8, 2026, 3:30 PM MST': a time in a table or a log."""
    return f"{format_datetime(at, 'MMM d, y, h:mm a', locale=LOCALE)} {get_timezone_name(at, 'short', locale=LOCALE)}"


def zone_name(at: dt.datetime) -> str:
    return get_timezone_name(at, "long", locale=LOCALE)
