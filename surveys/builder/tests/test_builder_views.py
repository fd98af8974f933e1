"""The builder pages: create, add pages and questions of every kind, open, run, copy."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from surveys.models import Question, Response, Survey
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def survey_form_data(world, **extra):
    data = {
        "title_nb": "Kompetansebehov Trøndelag",
        "title_en": "Competence needs",
        "intro_nb": "Hei",
        "programme": world.programme.pk,
        "county": world.county_a.pk,
        "anonymity": "anonymous",
        "min_group_size": "5",
        "retention_days": "730",
        "audience": "programme",
        "max_reminders": "2",
        "languages": ["nb"],
    }
    data.update(extra)
    return data


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_coordinator_builds_and_opens_a_survey(world, client_for):
    client = client_for(world.coordinator_a)
    assert client.get(reverse("surveys:survey_create")).status_code == 200
    created = client.post(reverse("surveys:survey_create"), survey_form_data(world))
    assert created.status_code == 302
    survey = Survey.objects.get()
    assert survey.county == world.county_a and survey.created_by == world.coordinator_a
    detail = reverse("surveys:survey_detail", args=[survey.pk])
    assert (
        client.post(
            reverse("surveys:page_create", args=[survey.pk]), {"title_nb": "Side 1"}
        ).status_code
        == 302
    )
    page = survey.pages.get()
    add = reverse("surveys:question_create", args=[survey.pk, page.pk])
    base = {"scale_min": "1", "scale_max": "5"}
    questions = {
        "likert": {"scale_labels_nb": "a\nb\nc\nd\ne", "allow_dont_know": "on"},
        "matrix": {"statements_nb": "En\nTo"},
        "single_choice": {"options_nb": "Ja\nNei"},
        "multiple_choice": {"options_nb": "A\nB\nC", "allow_other": "on"},
        "short_text": {},
        "long_text": {},
        "number": {"number_min": "0", "number_max": "100"},
        "competence_pair": {
            "statements_nb": "Skoler\nKommunen",
            "statements_en": "Schools\nThe municipality",
            "competence_area": world.areas[0].pk,
            "required": "on",
        },
    }
    for kind, extra in questions.items():
        assert client.get(add + f"?kind={kind}").status_code == 200
        response = client.post(add, {"kind": kind, "text_nb": f"Spørsmål {kind}", **base, **extra})
        assert response.status_code == 302, (kind, response.content.decode()[:3000])
    assert set(survey.questions.values_list("kind", flat=True)) == set(Question.Kind.values)
    pair = survey.questions.get(kind="competence_pair")
    assert [s.text for s in pair.statements.all()] == [
        {"nb": "Skoler", "en": "Schools"},
        {"nb": "Kommunen", "en": "The municipality"},
    ]
    assert survey.questions.get(kind="multiple_choice").options.count() == 3
    assert client.get(detail).status_code == 200
    assert client.get(reverse("surveys:survey_preview", args=[survey.pk])).status_code == 200
    opened = client.post(
        reverse("surveys:survey_open", args=[survey.pk]),
        {"closes_at": local(timezone.now() + timedelta(days=10))},
    )
    assert opened.status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    # Once somebody answers, the structure is fixed: the question editor corrects texts only.
    Response.objects.create(survey=survey)
    question = survey.questions.first()
    editor = client.get(reverse("surveys:question_update", args=[survey.pk, question.pk]))
    assert editor.status_code == 200
    assert "Correct the texts of" in editor.content.decode()
    assert 'name="kind"' not in editor.content.decode()


def test_question_form_errors_keep_input(world, client_for):
    survey = build_survey(world, county=world.county_a)
    page = survey.pages.first()
    client = client_for(world.coordinator_a)
    response = client.post(
        reverse("surveys:question_create", args=[survey.pk, page.pk]),
        {
            "kind": "single_choice",
            "text_nb": "Hva?",
            "scale_min": "1",
            "scale_max": "5",
            "options_en": "Yes",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write at least one option" in body and "Hva?" in body
    # Scale that ends below its start: the service's message is shown on the field.
    response = client.post(
        reverse("surveys:question_create", args=[survey.pk, page.pk]),
        {"kind": "likert", "text_nb": "Skala", "scale_min": "3", "scale_max": "2"},
    )
    assert response.status_code == 400
    assert "The scale must end above where it starts." in response.content.decode()


def test_edit_move_and_delete(world, client_for):
    survey = build_survey(world, county=world.county_a)
    client = client_for(world.coordinator_a)
    question = survey.questions.get(code="role1")
    url = reverse("surveys:question_update", args=[survey.pk, question.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "single_choice",
            "code": "role1",
            "text_nb": "Jobber du i skranken?",
            "scale_min": "1",
            "scale_max": "5",
            "options_nb": "Ja\nNei\nAv og til",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text == {"nb": "Jobber du i skranken?"}
    assert question.options.count() == 3
    first_page = survey.pages.order_by("position").first()
    client.post(
        reverse("surveys:page_move", args=[survey.pk, first_page.pk]), {"direction": "down"}
    )
    assert survey.pages.order_by("position").first() != first_page
    client.post(reverse("surveys:question_delete", args=[survey.pk, question.pk]))
    assert not survey.questions.filter(pk=question.pk).exists()
    # Deleting the question removed the page condition that pointed at it.
    assert not survey.pages.filter(condition_question__isnull=False).exists()


def test_run_buttons(world, client_for, django_capture_on_commit_callbacks):
    survey = open_survey(build_survey(world, county=world.county_a))
    client = client_for(world.coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:survey_invite", args=[survey.pk]))
    assert survey.participations.filter(user=world.staff_a).exists()
    new_close = survey.closes_at + timedelta(days=7)
    client.post(reverse("surveys:survey_extend", args=[survey.pk]), {"closes_at": local(new_close)})
    survey.refresh_from_db()
    assert survey.closes_at.date() == new_close.date()
    client.post(reverse("surveys:survey_close", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED
    client.post(reverse("surveys:survey_copy", args=[survey.pk]), {"follow_up": "1"})
    follow_up = Survey.objects.get(baseline=survey)
    assert follow_up.status == Survey.Status.DRAFT and follow_up.county == world.county_a
    # A wrong date comes back as a message, not a crash.
    response = client.post(
        reverse("surveys:survey_open", args=[follow_up.pk]), {"closes_at": "tomorrow"}, follow=True
    )
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.status == Survey.Status.DRAFT


def test_coordinator_cannot_create_for_another_county(world, client_for):
    client = client_for(world.coordinator_a)
    response = client.post(
        reverse("surveys:survey_create"), survey_form_data(world, county=world.county_b.pk)
    )
    assert response.status_code == 400
    assert not Survey.objects.exists()
    assert client_for(world.staff_a).get(reverse("surveys:survey_create")).status_code == 403


def test_malformed_ids_are_404(world, client_for):
    survey = build_survey(world, county=world.county_a)
    client = client_for(world.coordinator_a)
    assert client.get(f"/undersokelser/{survey.pk}/sider/999999/endre/").status_code == 404
    assert client.get(f"/undersokelser/{survey.pk}/sporsmal/999999/endre/").status_code == 404


@pytest.mark.parametrize("extra_surveys", [1, 6])
def test_list_and_detail_query_counts(
    world, client_for, django_assert_max_num_queries, extra_surveys
):
    for _ in range(extra_surveys):
        build_survey(world, county=world.county_a)
    survey = Survey.objects.first()
    client = client_for(world.coordinator_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("surveys:survey_list")).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("surveys:survey_detail", args=[survey.pk])).status_code == 200


def test_reminder_schedule_can_change_while_open(world, client_for):
    survey = open_survey(build_survey(world, county=world.county_a))
    client = client_for(world.coordinator_a)
    url = reverse("surveys:survey_reminders", args=[survey.pk])
    client.post(url, {"reminders-reminder_interval_days": "4", "reminders-max_reminders": "3"})
    survey.refresh_from_db()
    assert (survey.reminder_interval_days, survey.max_reminders) == (4, 3)
    client.post(url, {"reminders-reminder_interval_days": "", "reminders-max_reminders": "99"})
    survey.refresh_from_db()
    assert survey.max_reminders == 3  # refused with a message
    assert client_for(world.coordinator_b).post(url, {}).status_code == 404


def test_statements_get_their_own_competence_areas(world, client_for):
    survey = build_survey(world, county=world.county_a)
    pair = survey.questions.get(code="cp1")
    first, second = pair.statements.all()
    url = reverse("surveys:question_update", args=[survey.pk, pair.pk])
    client = client_for(world.coordinator_a)
    form = client.get(url).content.decode()
    assert f"statement_area_{first.pk}" in form
    response = client.post(
        url,
        {
            "kind": "competence_pair",
            "code": "cp1",
            "text_nb": "Samarbeid",
            "scale_min": "1",
            "scale_max": "5",
            "required": "on",
            "competence_area": world.areas[0].pk,
            "statements_nb": "Samarbeid med skoler\nSamarbeid med kommunen",
            f"statement_area_{first.pk}": "",
            f"statement_area_{second.pk}": world.areas[2].pk,
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.competence_area is None and second.competence_area == world.areas[2]
    assert pair.statements.count() == 2  # kept, not replaced


def test_list_counts_invited_and_answered(world, client_for):
    """The coordinator who runs the survey sees all of it counted."""
    from surveys.answering import services as answering
    from surveys.builder import services
    from surveys.models import Participation

    survey = open_survey(build_survey(world, county=world.county_a))
    services.survey_invite_users(survey=survey, users=[world.staff_a, world.library_leader_a])
    for participation in Participation.objects.all()[:1]:
        response = answering.response_start(survey=survey, participation=participation)
        answering.response_submit(response=response, participation=participation)
    html = client_for(world.coordinator_a).get(reverse("surveys:survey_list")).content.decode()
    row = html[html.index(reverse("surveys:survey_detail", args=[survey.pk])) :]
    row = row[: row.index("</tr>")]
    assert re.findall(r"<td>([^<]*)</td>", row)[-2:] == ["2", "1"]  # invited, answered


def test_detail_links_to_results_and_structure(world, client_for):
    survey = open_survey(build_survey(world, county=world.county_a))
    html = (
        client_for(world.coordinator_a)
        .get(reverse("surveys:survey_detail", args=[survey.pk]))
        .content.decode()
    )
    assert reverse("surveys:results", args=[survey.pk]) in html
    assert reverse("surveys:export_structure", args=[survey.pk]) in html
    leader_html = (
        client_for(world.library_leader_a)
        .get(reverse("surveys:survey_detail", args=[survey.pk]))
        .content.decode()
    )
    assert reverse("surveys:results", args=[survey.pk]) in leader_html
    assert reverse("surveys:survey_open", args=[survey.pk]) not in leader_html


# --- a builder coordinators trust ---------------------------------------------------------------


def question_url(survey, page=None):
    page = page or survey.pages.first()
    return reverse("surveys:question_create", args=[survey.pk, page.pk])


def test_question_form_shows_the_parts_of_each_kind_and_ignores_the_others(world, client_for):
    survey = build_survey(world, county=world.county_a)
    client = client_for(world.coordinator_a)
    page = client.get(question_url(survey) + "?kind=likert").content.decode()
    assert "surveys/question_form.js" in page and "<script>" not in page  # no inline script
    assert 'data-kinds="multiple_choice single_choice"' in page
    assert 'data-kinds="competence_pair likert matrix"' in page
    assert 'data-kinds="number"' in page
    # New scales are labelled in all three languages, ready to change.
    assert "Svært lite\nLite\nMiddels\nMye\nSvært mye" in page
    assert "Svært mykje" in page and "Very much" in page
    response = client.post(
        question_url(survey),
        {
            "kind": "likert",
            "text_nb": "Hvor godt?",
            "scale_min": "1",
            "scale_max": "5",
            "scale_labels_nb": "En\nTo\nTre\nFire\nFem",
            "options_nb": "Ja\nNei",  # left in a field of another kind
            "number_min": "5",
            "allow_other": "on",
        },
    )
    assert response.status_code == 302
    likert = survey.questions.get(text__nb="Hvor godt?")
    assert likert.scale_labels["nb"] == ["En", "To", "Tre", "Fire", "Fem"]
    assert (likert.number_min, likert.allow_other, likert.options.count()) == (None, False, 0)


def test_competence_pair_without_area_and_too_long_code_are_refused(world, client_for):
    survey = build_survey(world, county=world.county_a)
    client = client_for(world.coordinator_a)
    before = survey.questions.count()
    pair = {"kind": "competence_pair", "text_nb": "Par", "scale_min": "1", "scale_max": "5"}
    refused = client.post(question_url(survey), {**pair, "statements_nb": "A\nB"})
    assert refused.status_code == 400
    assert "never reach the gap analysis" in refused.content.decode()
    too_long = client.post(
        question_url(survey),
        {**pair, "statements_nb": "A", "competence_area": world.areas[0].pk, "code": "k" * 41},
    )
    assert too_long.status_code == 400 and "at most 40 characters" in too_long.content.decode()
    assert survey.questions.count() == before
    from surveys.builder import services

    with pytest.raises(ValidationError) as error:
        services.question_create(
            page=survey.pages.first(), user=None, kind="competence_pair", text="Par"
        )
    assert "competence_area" in error.value.message_dict


def test_new_scale_questions_get_labelled_scales(world):
    from surveys.builder import services

    survey = build_survey(world)
    page = survey.pages.first()
    five = services.question_create(page=page, user=None, kind="likert", text="Fem")
    assert five.scale_labels["nb"] == ["Svært lite", "Lite", "Middels", "Mye", "Svært mye"]
    assert (
        five.scale_labels["nn"][-1] == "Svært mykje" and five.scale_labels["en"][0] == "Very little"
    )
    seven = services.question_create(
        page=page, user=None, kind="matrix", text="Sju", scale_min=1, scale_max=7
    )
    assert seven.scale_labels["nb"] == ["Svært lite", "", "", "", "", "", "Svært mye"]
    # Default labels follow a new scale length; a builder's own labels are kept.
    services.question_update(question=five, user=None, scale_max=7)
    five.refresh_from_db()
    assert five.scale_labels["nb"][0] == "Svært lite" and len(five.scale_labels["nb"]) == 7


def open_with_an_answer(world):
    survey = open_survey(build_survey(world, county=world.county_a))
    Response.objects.create(survey=survey)
    return survey


def test_open_survey_texts_are_corrected_with_audit_while_structure_stays_locked(world, client_for):
    from portal.models import AuditLogEntry

    survey = open_with_an_answer(world)
    client = client_for(world.coordinator_a)
    detail = client.get(reverse("surveys:survey_detail", args=[survey.pk])).content.decode()
    assert "People have started answering" in detail and "Copy to a new version" in detail
    assert "Correct the texts of role1" in detail
    role = survey.questions.get(code="role1")
    url = reverse("surveys:question_update", args=[survey.pk, role.pk])
    form = client.get(url).content.decode()
    assert 'name="kind"' not in form and 'name="code"' not in form
    corrected = client.post(
        url,
        {
            "text_nb": "Arbeider du i skranken?",
            "options_nb": "Ja\nNei, ikke",
            "kind": "long_text",  # structure fields are not on the form: ignored
            "code": "endret",
        },
    )
    assert corrected.status_code == 302
    role.refresh_from_db()
    assert (role.kind, role.code, role.text["nb"]) == (
        "single_choice",
        "role1",
        "Arbeider du i skranken?",
    )
    assert [o.label["nb"] for o in role.options.all()] == ["Ja", "Nei, ikke"]
    assert [o.value for o in role.options.all()] == ["1", "2"]
    entries = AuditLogEntry.objects.filter(action="surveys.survey.text_corrected")
    assert sorted((e.data["item"], e.data["old"], e.data["new"]) for e in entries) == [
        ("role1.option.2", "Nei", "Nei, ikke"),
        ("role1.text", "Arbeider du i skranke?", "Arbeider du i skranken?"),
    ]
    # Lines can be corrected, not added: that would change the structure.
    added = client.post(url, {"text_nb": "X", "options_nb": "Ja\nNei\nKanskje"})
    assert added.status_code == 400 and "Keep the same number of lines" in added.content.decode()
    assert role.options.count() == 2
    # Adding a question is refused with the reason.
    refused = client.get(question_url(survey), follow=True).content.decode()
    assert "People have started answering" in refused
    # The page and the survey's own texts can be corrected too.
    page = survey.pages.first()
    page_url = reverse("surveys:page_update", args=[survey.pk, page.pk])
    assert client.post(page_url, {"title_nb": "Om deg selv"}).status_code == 302
    settings_url = reverse("surveys:survey_update", args=[survey.pk])
    assert client.post(settings_url, {"title_nb": "Kompetansebehov 2011"}).status_code == 302
    page.refresh_from_db()
    survey.refresh_from_db()
    assert page.title["nb"] == "Om deg selv" and survey.title["nb"] == "Kompetansebehov 2011"
    assert survey.anonymity == "anonymous"


def test_an_open_survey_nobody_has_answered_can_still_change(world, client_for):
    survey = open_survey(build_survey(world, county=world.county_a))
    client = client_for(world.coordinator_a)
    response = client.post(
        question_url(survey),
        {"kind": "short_text", "text_nb": "Ny", "scale_min": "1", "scale_max": "5"},
    )
    assert response.status_code == 302 and survey.questions.filter(text__nb="Ny").exists()


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "1 person was added to the invitation list", "4 people were added"),
        ("nb", "1 person ble satt på invitasjonslista", "4 personer ble satt på"),
        ("nn", "1 person vart sett på invitasjonslista", "4 personar vart sette på"),
    ],
)
def test_invite_on_a_draft_says_when_invitations_go_out(world, client_for, language, one, two):
    from portal.tests.factories import UserFactory, grant

    survey = build_survey(world, county=world.county_a)
    world.coordinator_a.preferred_language = language
    world.coordinator_a.save()
    client = client_for(world.coordinator_a)
    url = reverse("surveys:survey_invite", args=[survey.pk])
    with translation.override(language):
        page = client.post(url, follow=True).content.decode()
    assert two in page  # the staff and leaders of the county's two libraries
    assert "e-mailed when the survey opens" in page or language != "en"
    newcomer = UserFactory(email="ny@example.no")
    grant(newcomer, "staff", library=world.library_a)
    with translation.override(language):
        page = client.post(url, follow=True).content.decode()
    assert one in page


def test_opening_lists_what_is_missing_in_each_language(world, client_for):
    survey = build_survey(world, county=world.county_a, languages=["nb", "nn"])
    client = client_for(world.coordinator_a)
    detail = client.get(reverse("surveys:survey_detail", args=[survey.pk])).content.decode()
    assert "Missing in Nynorsk:" in detail and "question l1 (text, scale labels)" in detail
    opened = client.post(
        reverse("surveys:survey_open", args=[survey.pk]),
        {"closes_at": local(timezone.now() + timedelta(days=10))},
        follow=True,
    ).content.decode()
    assert "Texts are missing in Nynorsk: the survey (title, introduction)" in opened
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT


def test_a_programme_survey_names_who_runs_it(world, client_for):
    survey = open_survey(build_survey(world))
    page = client_for(world.coordinator_a).get(reverse("surveys:survey_detail", args=[survey.pk]))
    assert "This survey is run by Per Prosjektleder (leder@example.no)" in page.content.decode()
