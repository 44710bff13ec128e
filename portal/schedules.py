"""The django-q2 schedules the portal needs, created idempotently.

One schedule, the minute `tick`, drives every periodic job (due syncs, retries of
failed pushes, recovery of runs whose worker died). Per-connection timing lives on
the connection (`next_sync_at`), so editing, pausing or deleting a connection never
leaves a schedule row out of step.
"""

from django.utils import timezone

TICK_NAME = "portal-tick"
TICK_FUNC = "portal.tasks.tick"


def ensure_schedules(**kwargs):
    from django_q.models import Schedule

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
    return schedule
