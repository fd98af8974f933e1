"""Building and running surveys through the services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.models import AuditLogEntry
from surveys.builder import services
from surveys.models import Participation, Question, Response, Survey
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


def test_build_a_survey_with_every_kind(world):
    survey = build_survey(world, county=world.county_a)
    kinds = set(survey.questions.values_list("kind", flat=True))
    assert kinds == set(Question.Kind.values)
    assert survey.pages.count() == 3
    assert list(survey.questions.get(code="role1").options.values_list("value", flat=True)) == [
        "1",
        "2",
    ]
    assert survey.questions.get(code="cp1").statements.count() == 2
    assert AuditLogEntry.objects.filter(action="surveys.survey.created").exists()


def test_survey_create_validates(world):
    with pytest.raises(ValidationError) as error:
        services.survey_create(
            created_by=world.coordinator_a,
            programme=world.programme,
            county=world.county_a,
            title="",
            audience=Survey.Audience.COUNTIES,
            audience_counties=[world.county_b],
        )
    assert "title" in error.value.message_dict
    assert "audience_counties" in error.value.message_dict


def test_structure_changes_only_until_somebody_answers(world):
    survey = build_survey(world)
    page = survey.pages.first()
    question = survey.questions.get(code="l1")
    open_survey(survey)
    # Open, but nobody has started: the structure may still change.
    services.question_update(question=question, user=None, required=True)
    Response.objects.create(survey=survey)
    with pytest.raises(ValidationError):
        services.page_create(survey=survey, user=None, title="Ny")
    with pytest.raises(ValidationError):
        services.question_update(question=question, user=None, text={"nb": "Endret"})
    with pytest.raises(ValidationError):
        services.question_delete(question=question, user=None)
    with pytest.raises(ValidationError):
        services.page_delete(page=page, user=None)
    with pytest.raises(ValidationError):
        services.options_set(question=survey.questions.get(code="role1"), user=None, labels=[])
    with pytest.raises(ValidationError):
        services.survey_update(survey=survey, user=None, title="Ny")


def test_question_codes_are_unique_and_reorder(world):
    survey = build_survey(world)
    page = survey.pages.first()
    # A code is the builder's: taken or too long, it is refused, never renamed or cut.
    for code in ("l1", "k" * 41, "Ikke slug"):
        with pytest.raises(ValidationError) as refused:
            services.question_create(page=page, user=None, kind="short_text", code=code, text="X")
        assert "code" in refused.value.message_dict
    q = services.question_create(page=page, user=None, kind="short_text", code="k" * 40, text="X")
    assert q.code == "k" * 40
    assert services.question_create(page=page, user=None, kind="short_text", text="Y").code == "q10"
    ids = list(page.questions.order_by("position").values_list("id", flat=True))
    services.questions_reorder(page=page, user=None, question_ids=list(reversed(ids)))
    assert list(page.questions.order_by("position").values_list("id", flat=True)) == list(
        reversed(ids)
    )
    with pytest.raises(ValidationError):
        services.questions_reorder(page=page, user=None, question_ids=ids[:-1])
    services.question_move(question=q, user=None, direction=1)  # already last after reversal? no
    first = page.questions.order_by("position").first()
    services.question_move(question=first, user=None, direction=-1)  # no-op at the top
    assert page.questions.order_by("position").first() == first


def test_invalid_question_settings(world):
    survey = build_survey(world)
    page = survey.pages.first()
    with pytest.raises(ValidationError) as error:
        services.question_create(
            page=page, user=None, kind="likert", text="X", scale_min=5, scale_max=1
        )
    assert "scale_max" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.question_create(
            page=page, user=None, kind="number", text="X", number_min=10, number_max=1
        )
    assert "number_max" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.question_create(
            page=page, user=None, kind="likert", text="X", scale_labels={"nb": ["a", "b"]}
        )


def test_conditions_must_refer_to_earlier_questions_and_valid_values(world):
    survey = build_survey(world)
    first, second = survey.pages.order_by("position")[:2]
    role = survey.questions.get(code="role1")
    # A question on a later page is not an earlier question (one earlier on the same page is:
    # the answer flow shows the page again with what the answers reveal).
    with pytest.raises(ValidationError):
        services.question_create(
            page=first,
            user=None,
            kind="short_text",
            text="X",
            condition_question=survey.questions.get(code="t1"),
            condition_value="1",
        )
    with pytest.raises(ValidationError):
        services.question_create(
            page=second,
            user=None,
            kind="short_text",
            text="X",
            condition_question=role,
            condition_value="9",
        )
    q = services.question_create(
        page=second,
        user=None,
        kind="short_text",
        text="X",
        condition_question=role,
        condition_value="2",
    )
    assert q.condition_value == "2"


def test_open_extend_close_archive(world):
    survey = build_survey(world)
    with pytest.raises(ValidationError):
        services.survey_open(survey=survey, user=None, closes_at=timezone.now() - timedelta(1))
    survey = open_survey(survey, days=3)
    assert survey.status == Survey.Status.OPEN and survey.accepts_answers()
    new_close = survey.closes_at + timedelta(days=5)
    with pytest.raises(ValidationError):
        services.survey_extend(survey=survey, user=None, closes_at=survey.closes_at)
    survey = services.survey_extend(survey=survey, user=None, closes_at=new_close)
    assert survey.closes_at == new_close
    with pytest.raises(ValidationError):
        services.survey_archive(survey=survey, user=None)
    survey = services.survey_close(survey=survey, user=None)
    assert survey.status == Survey.Status.CLOSED and not survey.accepts_answers()
    assert survey.closes_at <= timezone.now()
    survey = services.survey_archive(survey=survey, user=None)
    assert survey.status == Survey.Status.ARCHIVED


def test_empty_survey_cannot_open(world):
    survey = services.survey_create(created_by=None, programme=world.programme, title="Tom")
    with pytest.raises(ValidationError):
        open_survey(survey)


def test_open_link_token_made_on_opening(world):
    survey = build_survey(world, open_link_enabled=True)
    assert survey.open_link_token is None
    survey = open_survey(survey)
    assert survey.open_link_token


def test_copy_and_follow_up(world):
    survey = build_survey(world, county=world.county_a)
    open_survey(survey)
    copy = services.survey_copy(survey=survey, user=world.coordinator_a, as_follow_up=True)
    assert copy.status == Survey.Status.DRAFT and copy.baseline == survey
    assert copy.county == world.county_a
    assert copy.questions.count() == survey.questions.count()
    assert (
        copy.questions.get(code="cp1").statements.count()
        == survey.questions.get(code="cp1").statements.count()
    )
    conditional = copy.pages.get(condition_question__isnull=False)
    assert conditional.condition_question.survey == copy
    assert copy.questions.get(code="mc1").options.count() == 2
    plain = services.survey_copy(survey=survey, user=None)
    assert plain.baseline is None
    assert survey.follow_ups.get() == copy


def test_invite_users_skips_existing_and_sends_on_commit(world, django_capture_on_commit_callbacks):
    survey = build_survey(world)
    open_survey(survey)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            services.survey_invite_users(survey=survey, users=[world.staff_a, world.staff_b]) == 2
        )
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.survey_invite_users(survey=survey, users=[world.staff_a]) == 0
    assert len(mail.outbox) == 2
    assert all(not p.token_hash.startswith("unsent") for p in Participation.objects.all())
    assert "/undersokelser/svar/" in mail.outbox[0].body


def test_invite_audience(world, django_capture_on_commit_callbacks):
    county_survey = build_survey(world, county=world.county_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_invite_audience(survey=county_survey, invited_by=world.coordinator_a)
    invited = set(county_survey.participations.values_list("user_id", flat=True))
    # staff and leaders of libraries in county A only
    assert world.staff_a.pk in invited and world.library_leader_a.pk in invited
    assert world.coordinator_a.pk in invited  # staff at the county library
    assert world.staff_b.pk not in invited and world.library_leader_b.pk not in invited
    assert mail.outbox == []  # a draft: e-mails go when it opens
    with django_capture_on_commit_callbacks(execute=True):
        open_survey(county_survey)
    assert len(mail.outbox) == len(invited)


def test_close_due(world):
    survey = build_survey(world)
    open_survey(survey)
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=timezone.now() - timedelta(hours=2),
        closes_at=timezone.now() - timedelta(minutes=1),
    )
    assert services.surveys_close_due() == 1
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED


def test_a_page_cannot_move_before_its_condition(world):
    survey = build_survey(world)
    conditional = survey.pages.get(condition_question__isnull=False)
    services.page_move(page=conditional, user=None, direction=-1)  # page 3 → 2: still after 1
    first = survey.pages.order_by("position").first()
    with pytest.raises(ValidationError):
        services.page_move(page=first, user=None, direction=1)  # would put page 1 after it
    assert survey.pages.order_by("position").first() == first  # rolled back
