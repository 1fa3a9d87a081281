"""Checkpoint times for people: local time with its zone (UTC with --utc); JSON keeps ISO 8601."""

from __future__ import annotations

from datetime import datetime, timezone

_USE_UTC = False


def use_utc(on: bool) -> None:
    """Show times in UTC instead of the local zone (the global `--utc`)."""
    global _USE_UTC
    _USE_UTC = on


def parse(iso: str) -> datetime | None:
    """A checkpoint `ts` (ISO 8601, with offset) as an aware datetime; None when it does not parse."""
    try:
        dt = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def shown(iso: str) -> datetime | None:
    dt = parse(iso)
    if dt is None:
        return None
    return dt.astimezone(timezone.utc) if _USE_UTC else dt.astimezone()


def zone_name(iso: str) -> str:
    """The zone times are shown in, e.g. `UTC` or `CET`."""
    dt = shown(iso)
    return "UTC" if dt is None or _USE_UTC else (dt.tzname() or dt.strftime("%z"))


def stamp(iso: str) -> str:
    """`2026-12-04 19:51:55 CET`: date, time and zone (the raw text when it does not parse)."""
    dt = shown(iso)
    return iso if dt is None else dt.strftime("%Y-%m-%d %H:%M:%S ") + zone_name(iso)


def clock(iso: str, with_date: bool) -> str:
    """`19:51:55` (or `12-04 19:51:55` when rows span several days), without the zone."""
    dt = shown(iso)
    if dt is None:
        return iso
    return dt.strftime("%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def one_day(isos: list[str]) -> bool:
    """Whether all these times fall on one calendar day (as shown)."""
    days = {dt.date() for dt in map(shown, isos) if dt is not None}
    return len(days) <= 1
