"""Celery tasks of the surveys app: thin, take ids, re-fetch, switch language, call a service.

The beat schedule in settings names survey_reminders_send, surveys_close_due,
survey_retention_purge and participations_blur_write_stamps.
"""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal import outbox
from portal.models import User

from .builder import services
from .models import Participation, Survey
from .results.selectors import ResultFilters, survey_results_refresh, surveys_results_warm
from .results.services import result_tallies_catch_up
from .texts import normalize_language


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def survey_language_for(survey: Survey, user) -> str:
    """The respondent's preferred language if the survey offers it, else Bokmål."""
    language = normalize_language(getattr(user, "preferred_language", None))
    return language if language in (survey.languages or []) else "nb"


def _send(participation_id: int, *, reminder: int) -> None:
    """E-mail the personal link once: the invitation (reminder 0) or reminder number `reminder`.

    The token is issued here and never stored. Skipped if this e-mail went out already, the person
    has answered, or the survey no longer takes answers."""
    with transaction.atomic():
        participation = (
            Participation.objects.select_for_update(of=("self",))
            .select_related("survey", "user")
            .filter(pk=participation_id, completed_at__isnull=True, link_revoked_at__isnull=True)
            .first()
        )
        if participation is None or not participation.survey.accepts_answers():
            return
        if reminder:
            already_sent = participation.reminders_sent >= reminder
        else:
            already_sent = participation.invitation_sent_at is not None
        if already_sent:
            return
        token = services.participation_token(participation=participation)
        now = timezone.now()
        if reminder:
            participation.last_reminded_at = now
            participation.reminders_sent = reminder
            participation.save(update_fields=["last_reminded_at", "reminders_sent"])
        else:
            participation.invitation_sent_at = now
            participation.save(update_fields=["invitation_sent_at"])
        survey, user = participation.survey, participation.user
        with translation.override(survey_language_for(survey, user)):
            context = {
                "survey": survey,
                "person": user,
                "reminder": bool(reminder),
                "url": absolute_url(reverse("surveys:answer_token", args=[token])),
            }
            send_mail(
                subject=render_to_string("surveys/email/invitation_subject.txt", context).strip(),
                message=render_to_string("surveys/email/invitation_body.txt", context),
                from_email=None,
                recipient_list=[user.email],
            )


@shared_task
def participation_invite(participation_id: int) -> None:
    _send(participation_id, reminder=0)


@shared_task
def participation_remind(participation_id: int, number: int) -> None:
    _send(participation_id, reminder=number)


@shared_task
def survey_invitations_send(survey_id: int) -> int:
    """Queue the personal link for everyone invited to this open survey and not yet sent one.

    One outbox message per person, keyed, so a repeated run queues nobody twice."""
    survey = Survey.objects.filter(pk=survey_id, status=Survey.Status.OPEN).first()
    if survey is None or not survey.accepts_answers():
        return 0  # before the opening time: the every-15-minutes run sends them once it opens
    pending = list(services.participations_to_invite(survey).values_list("pk", flat=True))
    for participation_id in pending:
        outbox.enqueue(
            participation_invite, participation_id, key=f"survey-invitation:{participation_id}"
        )
    return len(pending)


@shared_task
def survey_reminders_send() -> int:
    """Remind those who have not answered, at each survey's interval, up to its maximum.

    Each reminder is queued under a key naming its number, so a repeated run reminds nobody
    twice."""
    now = timezone.now()
    count = 0
    surveys = Survey.objects.filter(
        status=Survey.Status.OPEN, reminder_interval_days__isnull=False
    ).filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
    for survey in surveys:
        if not survey.accepts_answers(now):
            continue
        for participation in services.participations_to_remind(survey, now=now):
            number = participation.reminders_sent + 1
            outbox.enqueue(
                participation_remind,
                participation.pk,
                number,
                key=f"survey-reminder:{participation.pk}:{number}",
            )
            count += 1
    # Invitations that were not yet sent (invited while a draft, or a failed run) go out too.
    for survey in Survey.objects.filter(
        status=Survey.Status.OPEN,
        participations__invitation_sent_at__isnull=True,
        participations__completed_at__isnull=True,
    ).distinct():
        if survey.accepts_answers(now):
            count += survey_invitations_send(survey.pk)
    return count


@shared_task
def surveys_close_due() -> int:
    return services.surveys_close_due()


@shared_task
def survey_retention_purge() -> int | None:
    # Imported here: the retention module belongs to the results part of the app.
    from .results.services import surveys_purge_expired

    return surveys_purge_expired()


@shared_task
def participations_blur_write_stamps() -> int:
    from .answering.services import participations_blur_write_stamps as blur

    return blur()


@shared_task
def surveys_results_warm_task() -> int:
    """Every results overview and API answer of a county or more formed before anyone asks (a
    deploy's new templates key new HTML), every five minutes (beat)."""
    return surveys_results_warm()


@shared_task
def survey_results_refresh_task(
    *, survey_id: int, user_id: int, filters: list, part: str | int, language: str
) -> None:
    """Compute a results page's blocks and figures past their freshness anew, for the state of
    the sums as it is now, as the person whose reading queued it sees them (their scope, filters
    and part), in the language of that page."""
    survey = (
        Survey.objects.select_related("programme", "baseline", "result_snapshot")
        .filter(pk=survey_id)
        .first()
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if survey is None or user is None:
        return
    county_id, library_id, role = filters
    with translation.override(language):
        survey_results_refresh(
            survey=survey,
            user=user,
            filters=ResultFilters(county_id=county_id, library_id=library_id, role=role),
            part=part,
            language=language,
        )


# While submissions keep coming, a survey's catch-ups start at most once in this many seconds: a
# burst's submissions are then counted together, each cell of the sums written once for all of
# them. A burst of 500 submissions took 9.0 s so, 10.3–12.8 s with a catch-up started by each,
# and 8.0–8.5 s with the sums written in each submission (docs/performance.md, part 38). A single
# submission is counted at once, and the wait is short, so that readers seldom find a
# submission waiting (they would count it themselves).
CATCH_UP_SPACING_SECONDS = 0.25


def _catch_up_key(survey_id: int, what: str) -> str:
    return f"surveys:sums-catch-up-{what}:{survey_id}"


def result_tallies_catch_up_queue(*, survey_id: int) -> None:
    """Queue the catch-up of the survey's running sums, unless one is queued and has not started
    yet (it will count this submission too): at once, or CATCH_UP_SPACING_SECONDS after the
    last one started. A lost task holds the mark for a minute at most; readers catch up
    meanwhile."""
    queued = _catch_up_key(survey_id, "queued")
    if not cache.add(queued, True, timeout=60):
        return
    last_started = cache.get(_catch_up_key(survey_id, "started"), 0.0)
    wait = max(0.0, last_started + CATCH_UP_SPACING_SECONDS - time.time())
    try:
        result_tallies_catch_up_task.apply_async(kwargs={"survey_id": survey_id}, countdown=wait)
    except Exception:
        cache.delete(queued)  # not queued: the next submission queues it
        raise


@shared_task
def result_tallies_catch_up_task(*, survey_id: int) -> None:
    """Add the survey's submissions awaiting the running sums to them: all that were committed
    before it started (a submission committed from then on queues another)."""
    cache.set(_catch_up_key(survey_id, "started"), time.time(), timeout=60)
    cache.delete(_catch_up_key(survey_id, "queued"))
    result_tallies_catch_up(survey_id=survey_id)
