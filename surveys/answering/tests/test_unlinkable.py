"""Anonymous means unlinkable, also for someone holding the database and the secret key.

A signed-in person answers an anonymous survey (by the open link, by their personal link and
from their home page); then every row that names the person (their sessions, audit entries,
participation, the person row) is searched for anything that ties it to the response: its id,
a key or secret that finds it, or a time within a second of the response's times.
"""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLogEntry
from surveys.answering import services as answering
from surveys.answering.tests.test_answering import page1_data, page2_data, q
from surveys.builder import services
from surveys.models import Answer, Participation, Response, Survey
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


def answer_everything(client, survey, url):
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey))
    client.post(url, page2_data(survey))
    done = client.post(
        url,
        {
            "page": str(survey.pages.order_by("position")[2].pk),
            "action": "submit",
            f"q{q(survey, 't2').pk}": "Travelt",
        },
        follow=True,
    )
    assert done.status_code == 200 and b"Thank you for your answers!" in done.content


def session_rows(user):
    rows = []
    for session in Session.objects.all():
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) == str(user.pk):
            rows.append((session.session_key, session.session_data, session.expire_date))
    return rows


def person_times(user, survey) -> list[datetime]:
    """Every time stored in a row that names the person."""
    times = [user.last_login, user.date_joined]
    for participation in Participation.objects.filter(user=user):
        times += [
            participation.invited_at,
            participation.invitation_sent_at,
            participation.started_at,
            participation.completed_at,
            participation.last_reminded_at,
        ]
    # A session row is written with expire_date = the time of writing + the session's age.
    times += [
        expire - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        for _key, _data, expire in session_rows(user)
    ]
    times += list(AuditLogEntry.objects.filter(user=user).values_list("created_at", flat=True))
    return [time for time in times if time is not None]


def is_a_day(time: datetime) -> bool:
    return (time.hour, time.minute, time.second, time.microsecond) == (0, 0, 0, 0)


def assert_unlinkable(user, survey, response: Response, sessions_before):
    # The response names nobody and keeps nothing to find it by.
    assert response.respondent_id is None and response.resume_key is None
    assert not Answer.objects.filter(response=response, text__icontains=user.email).exists()
    # The person's session was not written while they answered anonymously.
    assert session_rows(user) == sessions_before
    for _key, data, _expire in session_rows(user):
        decoded = Session(session_data=data).get_decoded()
        assert not any("survey" in str(key) for key in decoded)
        assert str(response.pk) not in map(str, decoded.values())
    # No audit entry is about the response or was written by the person while answering.
    assert not AuditLogEntry.objects.filter(object_type__icontains="response").exists()
    assert not AuditLogEntry.objects.filter(user=user, action__startswith="surveys.").exists()
    # The response's times are days, shared with everyone who answered that day; no time of a
    # row naming the person is within a second of them.
    response_times = [response.started_at, response.submitted_at]
    assert all(is_a_day(time) for time in response_times)
    for mine in person_times(user, survey):
        if is_a_day(mine):
            continue  # a day, like the response's: nothing to pair on
        for theirs in response_times:
            assert abs((mine - theirs).total_seconds()) > 1
    # The participation points at no response, and no column of it is the response's id.
    for participation in Participation.objects.filter(user=user).values():
        assert "response_id" not in participation


@pytest.fixture
def survey(world):
    survey = open_survey(build_survey(world, county=world.county_a, open_link_enabled=True))
    # Opened and answered within the same minute, to make a time trace as close as it can be.
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    return Survey.objects.get(pk=survey.pk)


def test_open_link_answered_by_a_signed_in_person_leaves_no_trace(client_for, world, survey):
    client = client_for(world.staff_a)
    client.get(reverse("home"))
    sessions_before = session_rows(world.staff_a)
    assert sessions_before  # signed in: a session row that names the person
    answer_everything(client, survey, reverse("surveys:answer_open", args=[survey.open_link_token]))
    response = Response.objects.get(survey=survey)
    assert response.submitted_at is not None
    assert_unlinkable(world.staff_a, survey, response, sessions_before)
    # This browser has answered: the open link says so, and starts no second response.
    again = client.get(reverse("surveys:answer_open", args=[survey.open_link_token]))
    assert again.status_code == 200 and Response.objects.filter(survey=survey).count() == 1


@pytest.mark.parametrize("way", ["personal link", "home page"])
def test_personal_invitation_answered_anonymously_leaves_no_trace(client_for, world, survey, way):
    client = client_for(world.staff_a)
    client.get(reverse("home"))
    participation = Participation.objects.get(survey=survey, user=world.staff_a)
    if way == "personal link":
        token = services.participation_token(participation=participation)
        url = reverse("surveys:answer_token", args=[token])
    else:
        url = reverse("surveys:answer_mine", args=[survey.pk])
    sessions_before = session_rows(world.staff_a)
    answer_everything(client, survey, url)
    response = Response.objects.get(survey=survey)
    participation.refresh_from_db()
    assert participation.completed_at is not None and is_a_day(participation.completed_at)
    assert_unlinkable(world.staff_a, survey, response, sessions_before)


def test_an_unfinished_anonymous_answer_cannot_be_attributed(client_for, world, survey):
    """With the database and the secret key, nothing derived from the person or their
    participation finds their unfinished response: its key is an HMAC of a secret that only the
    browser holds."""
    client = client_for(world.staff_a)
    participation = Participation.objects.get(survey=survey, user=world.staff_a)
    url = reverse("surveys:answer_mine", args=[survey.pk])
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey))
    response = Response.objects.get(survey=survey)
    assert response.submitted_at is None and response.resume_key
    token = services.participation_token(participation=participation)
    candidates = [
        f"participation:{participation.pk}:{participation.invited_at.isoformat()}",
        token,
        participation.token_hash,
        str(participation.pk),
        str(world.staff_a.pk),
        world.staff_a.email,
    ]
    assert response.resume_key not in {answering.resume_key_for(c) for c in candidates}
    assert response.resume_key not in candidates
    secret = client.cookies[f"survey-answer-{survey.pk}"].value
    for session in Session.objects.all():
        assert secret not in session.session_data
        assert response.resume_key not in str(session.get_decoded())


def test_a_confidential_answer_is_found_by_its_respondent_not_a_derived_key(client_for, world):
    survey = open_survey(build_survey(world, county=world.county_a, anonymity="confidential"))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    client = client_for(world.staff_a)
    url = reverse("surveys:answer_mine", args=[survey.pk])
    client.post(url, {"action": "start"})
    response = Response.objects.get(survey=survey)
    assert response.respondent == world.staff_a and response.resume_key is None


def test_expired_sessions_are_cleared_on_a_schedule(client_for, world):
    from portal.tasks import sessions_clear_expired

    client_for(world.staff_a).get(reverse("home"))
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    sessions_clear_expired()
    assert not Session.objects.exists()
    assert "portal.tasks.sessions_clear_expired" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def _write_stamp(table: str, pk: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_databases_write_stamps_do_not_pair_them_up(world, monkeypatch):
    """Submitting changes the participation and the response in one transaction, so PostgreSQL
    stamps both with its id; the scheduled rewrite gives the participations a stamp of their own.
    (Adding a response to the running sums after its commit rewrites it too: here that task has
    not run, as when the broker is slow.)"""
    from surveys import tasks

    monkeypatch.setattr(tasks, "result_tallies_catch_up_queue", lambda **kwargs: None)
    survey = open_survey(build_survey(world, county=world.county_a))
    services.survey_invite_users(survey=survey, users=[world.staff_a, world.staff_b])
    for participation in Participation.objects.filter(survey=survey):
        response = answering.response_start(survey=survey, participation=participation)
        answering.response_submit(response=response, participation=participation)
    pairs = [
        (_write_stamp("surveys_participation", p.pk), _write_stamp("surveys_response", r.pk))
        for p, r in zip(
            Participation.objects.filter(survey=survey).order_by("id"),
            Response.objects.filter(survey=survey).order_by("id"),
            strict=True,
        )
    ]
    assert any(mine == theirs for mine, theirs in pairs)  # the trace the rewrite removes
    assert tasks.participations_blur_write_stamps() == 2
    stamps = {_write_stamp("surveys_participation", p.pk) for p in Participation.objects.all()}
    responses = {_write_stamp("surveys_response", r.pk) for r in Response.objects.all()}
    assert len(stamps) == 1 and not stamps & responses
    assert "surveys.tasks.participations_blur_write_stamps" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
