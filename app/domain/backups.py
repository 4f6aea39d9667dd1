"""Which backups to keep: recent, daily, weekly and monthly, as desktop applications that hold
a person's only copy keep them. Pure rules; the storage layer makes and deletes the files."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

AUTOMATIC_REASONS = frozenset({"start-up", "editing", "signature", "migration"})
"""Backups the application made by itself; only these are ever deleted by the retention.
Backups asked for by hand ("manual") and those kept before a restore stay until removed."""

REASONS = AUTOMATIC_REASONS | {"manual", "before-restore"}

DAILY_BACKUP_AGE = timedelta(days=1)
"""At start-up a backup is made when the newest is older than this."""

EDITING_INTERVAL = timedelta(minutes=30)
"""While a workup is edited, a backup is made at most this often."""


class Retention(NamedTuple):
    """How many automatic backups to keep of each kind (a backup may count for several)."""

    recent: int = 6
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def _newest_per(
    times: list[datetime], period: Callable[[datetime], Hashable], count: int
) -> set[datetime]:
    """The newest time in each of the `count` newest periods that have any."""
    kept: dict[Hashable, datetime] = {}
    for made_at in times:  # newest first
        key = period(made_at)
        if key not in kept:
            if len(kept) == count:
                break
            kept[key] = made_at
    return set(kept.values())


def to_keep(times: Iterable[datetime], retention: Retention) -> set[datetime]:
    """Of the automatic backups made at `times`, the ones the retention keeps.

    The `recent` newest are kept, then the newest of each of the last `daily` days, `weekly`
    ISO weeks and `monthly` months that have a backup. Days, weeks and months are those of
    the times as given (the caller passes local times to follow the clinic's calendar).
    """
    newest_first = sorted(set(times), reverse=True)
    kept = set(newest_first[: max(retention.recent, 0)])
    kept |= _newest_per(newest_first, lambda t: t.date(), max(retention.daily, 0))
    kept |= _newest_per(newest_first, lambda t: t.isocalendar()[:2], max(retention.weekly, 0))
    kept |= _newest_per(newest_first, lambda t: (t.year, t.month), max(retention.monthly, 0))
    return kept


def start_up_backup_due(newest: datetime | None, now: datetime) -> bool:
    """Whether the start of the application should make a backup."""
    return newest is None or now - newest >= DAILY_BACKUP_AGE
