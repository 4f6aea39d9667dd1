"""Which backups the retention keeps: recent, daily, weekly, monthly."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.domain.backups import Retention, start_up_backup_due, to_keep

START = datetime(2026, 12, 4, 18, 0)


def _every(step: timedelta, count: int) -> list[datetime]:
    return [START - step * index for index in range(count)]


def test_only_the_recent_ones_are_kept_when_the_others_count_for_nothing() -> None:
    times = _every(timedelta(minutes=30), 20)
    kept = to_keep(times, Retention(recent=3, daily=0, weekly=0, monthly=0))
    assert kept == set(times[:3])


def test_one_per_day_for_the_last_days_newest_of_each() -> None:
    times = _every(timedelta(hours=6), 4 * 10)  # ten days, four a day
    kept = to_keep(times, Retention(recent=0, daily=5, weekly=0, monthly=0))
    assert len(kept) == 5
    assert {moment.date() for moment in kept} == {
        (START - timedelta(days=day)).date() for day in range(5)
    }
    for moment in kept:
        assert moment == max(t for t in times if t.date() == moment.date())


def test_weeks_and_months_reach_further_back() -> None:
    times = _every(timedelta(days=1), 400)
    kept = to_keep(times, Retention(recent=0, daily=0, weekly=4, monthly=12))
    weeks = {moment.isocalendar()[:2] for moment in kept if moment >= START - timedelta(days=28)}
    assert len(weeks) >= 4
    months = {(moment.year, moment.month) for moment in kept}
    assert len(months) == 12
    assert min(kept) >= START - timedelta(days=366)


def test_a_backup_may_count_for_several_kinds_and_nothing_is_kept_twice() -> None:
    times = [START, START - timedelta(minutes=30)]
    assert to_keep(times, Retention()) == set(times)
    assert to_keep([], Retention()) == set()


def test_negative_counts_keep_nothing_of_that_kind() -> None:
    times = _every(timedelta(hours=1), 5)
    assert to_keep(times, Retention(recent=-1, daily=0, weekly=0, monthly=0)) == set()


def test_a_start_up_backup_is_due_once_a_day() -> None:
    assert start_up_backup_due(None, START)
    assert not start_up_backup_due(START - timedelta(hours=23), START)
    assert start_up_backup_due(START - timedelta(hours=24), START)
