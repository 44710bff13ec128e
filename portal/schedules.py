"""The django-q2 schedules the portal needs, created idempotently.

One schedule, the minute `tick`, drives every periodic job (due syncs, retries of
failed pushes, recovery of runs whose worker died). Per-connection timing lives on
the connection (`next_sync_at`), so editing, pausing or deleting a connection never
leaves a schedule row out of step.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_q.models import Schedule

TICK_NAME = "portal-tick"
TICK_FUNC = "portal.tasks.tick"
# The daily retention prune (portal.retention), at a quiet hour.
PRUNE_NAME = "portal-prune"
PRUNE_FUNC = "portal.tasks.prune"
PRUNE_AT = time(3, 0)


def ensure_schedules(**kwargs):
    schedule, created = Schedule.objects.get_or_create(
        name=TICK_NAME,
        defaults={
            "func": TICK_FUNC,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )
    if not created and (schedule.func, schedule.schedule_type, schedule.minutes) != (TICK_FUNC, Schedule.MINUTES, 1):
        schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats = TICK_FUNC, Schedule.MINUTES, 1, -1
        schedule.save()
    ensure_prune_schedule()
    return schedule


def next_prune_at(now: datetime) -> datetime:
    """The next PRUNE_AT (UTC) after `now`."""
    today = datetime.combine(now.date(), PRUNE_AT, tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)


def ensure_prune_schedule():
    fields = {"func": PRUNE_FUNC, "schedule_type": Schedule.DAILY, "repeats": -1}
    schedule, created = Schedule.objects.get_or_create(
        name=PRUNE_NAME, defaults={**fields, "next_run": next_prune_at(timezone.now())}
    )
    if not created and (schedule.func, schedule.schedule_type, schedule.repeats) != tuple(fields.values()):
        Schedule.objects.filter(pk=schedule.pk).update(**fields)
    return schedule
