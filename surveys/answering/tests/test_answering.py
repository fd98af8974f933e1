"""Answering a survey: the personal link, pages, validation, resume, conditions, submitting once."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, connection
from django.urls import reverse
from django.utils import timezone, translation

from portal.models import User
from surveys.answering import services as answering
from surveys.builder import services
from surveys.models import Answer, Participation, Response, Survey
from surveys.tests.factories import build_survey, open_survey, translate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings, world):
    """Respondents who prefer English see the pages in English (the tests read English text)."""
    User.objects.update(preferred_language="en")
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def survey(world):
    survey = build_survey(world, county=world.county_a)
    open_survey(survey)
    services.survey_invite_users(survey=survey, users=[world.staff_a, world.library_leader_a])
    return Survey.objects.get(pk=survey.pk)


def link_for(survey, user):
    participation = Participation.objects.get(survey=survey, user=user)
    token = services.participation_token(participation=participation)
    return reverse("surveys:answer_token", args=[token])


def q(survey, code):
    return survey.questions.get(code=code)


def page1_data(survey, *, role="1", hours="12", **extra):
    data = {
        "page": str(survey.pages.order_by("position")[0].pk),
        "action": "next",
        f"q{q(survey, 'l1').pk}": "4",
        f"q{q(survey, 'role1').pk}": role,
        f"q{q(survey, 'mc1').pk}": ["1", "other"],
        f"q{q(survey, 'mc1').pk}_other": "Eget kurs",
        f"q{q(survey, 'n1').pk}": hours,
    }
    data.update(extra)
    return data


def page2_data(survey, action="next"):
    matrix, pair = q(survey, "m1"), q(survey, "cp1")
    data = {"page": str(survey.pages.order_by("position")[1].pk), "action": action}
    for statement in matrix.statements.all():
        data[f"q{matrix.pk}_s{statement.pk}"] = "3"
    for statement in pair.statements.all():
        data[f"q{pair.pk}_s{statement.pk}_importance"] = "5"
        data[f"q{pair.pk}_s{statement.pk}_competence"] = "2"
    data[f"q{q(survey, 't1').pk}"] = "Bibliotekar"
    return data


def test_whole_flow_with_the_personal_link(client, world, survey):
    url = link_for(survey, world.staff_a)
    start = client.get(url)
    assert start.status_code == 200
    text = start.content.decode()
    assert "anonymous" in text and "730 days" in text  # anonymity and retention before starting
    assert client.post(url, {"action": "start"}).status_code == 302
    page = client.get(url)
    assert b"<progress" in page.content and b"Page 1 of 3" in page.content

    # A number out of range comes back with the message and all other input kept.
    bad = client.post(url, page1_data(survey, hours="99"))
    assert bad.status_code == 400
    body = bad.content.decode()
    assert f'id="q{q(survey, "n1").pk}-error"' in body and "60" in body
    assert 'value="Eget kurs"' in body and 'value="99"' in body
    assert 'aria-invalid="true"' in body

    assert client.post(url, page1_data(survey)).status_code == 302
    page2 = client.get(url).content.decode()
    assert "Page 2 of 3" in page2
    # Each statement of the matrix and of the competence pair is its own group with a legend.
    assert page2.count('class="survey-statement"') == 4
    assert "<table" not in page2

    # Required competence pair left out: a clear message per statement.
    missing = client.post(url, {"page": page2_data(survey)["page"], "action": "next"})
    assert missing.status_code == 400
    assert "Please answer this statement." in missing.content.decode()

    # Back keeps what was given on this page and shows page 1 with its answers.
    client.post(url, {**page2_data(survey), "action": "back"})
    page1 = client.get(url).content.decode()
    assert "Page 1 of 3" in page1 and 'value="Eget kurs"' in page1
    client.post(url, page1_data(survey))
    assert client.post(url, page2_data(survey)).status_code == 302
    page3 = client.get(url).content.decode()
    assert "Page 3 of 3" in page3 and "Submit answers" in page3
    done = client.post(
        url,
        {
            "page": str(survey.pages.order_by("position")[2].pk),
            "action": "submit",
            f"q{q(survey, 't2').pk}": "Travelt",
        },
        follow=True,
    )
    assert done.redirect_chain == [(url, 302)] and b"Thank you" in done.content

    response = Response.objects.get(survey=survey)
    assert response.submitted_at is not None
    assert response.respondent is None  # anonymous
    assert (response.county, response.library, response.role) == (
        world.county_a,
        world.library_a,
        "staff",
    )
    assert response.resume_key is None  # nothing left that points to the link
    answers = Answer.objects.filter(response=response)
    assert answers.filter(question__code="cp1").count() == 4
    gaps = {(a.statement_id, a.dimension): a.number for a in answers.filter(question__code="cp1")}
    assert set(gaps.values()) == {5, 2}
    assert answers.get(question__code="mc1", choice="other").text == "Eget kurs"
    assert answers.filter(question__code="l1").get().number == 4
    participation = Participation.objects.get(survey=survey, user=world.staff_a)
    assert participation.completed_at is not None

    # Coming back afterwards: a friendly page, and no second response.
    again = client.get(url)
    assert again.status_code == 200 and b"already answered" in again.content
    assert Response.objects.filter(survey=survey).count() == 1


def test_an_anonymous_answer_resumes_only_in_the_browser_that_started_it(client, world, survey):
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    saved = client.post(url, {**page1_data(survey), "action": "save"}).content.decode()
    assert "in this browser on this device" in saved
    assert "Page 1 of 3" in client.get(url).content.decode()
    from django.test import Client

    # Nothing in the portal ties the unfinished answer to the person: another browser starts anew.
    other_browser = Client()
    assert b"Start the survey" in other_browser.get(url).content


def test_a_confidential_answer_resumes_in_a_new_browser(client, world, survey):
    Survey.objects.filter(pk=survey.pk).update(anonymity=Survey.Anonymity.CONFIDENTIAL)
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey))
    from django.test import Client

    page = Client().get(url).content.decode()
    assert "Page 2 of 3" in page


def test_condition_skips_a_page(client, world, survey):
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey, role="2"))
    page = client.get(url).content.decode()
    assert "Page 2 of 2" in page and "Submit answers" in page
    done = client.post(url, page2_data(survey, action="next"), follow=True)
    assert done.status_code == 200 and b"Thank you" in done.content
    assert Response.objects.get().submitted_at


def test_hidden_answers_are_dropped_on_submit(client, world, survey):
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey, role="1"))
    client.post(url, page2_data(survey))
    client.post(
        url,
        {
            "page": str(survey.pages.order_by("position")[2].pk),
            "action": "back",
            f"q{q(survey, 't2').pk}": "Skal bort",
        },
    )
    client.post(url, {**page2_data(survey), "action": "back"})
    client.post(url, page1_data(survey, role="2"))  # page 3 is no longer shown
    client.post(url, page2_data(survey))
    response = Response.objects.get()
    assert response.submitted_at
    assert not Answer.objects.filter(response=response, question__code="t2").exists()


def test_confidential_keeps_the_respondent(client, world):
    survey = build_survey(world, anonymity="confidential")
    open_survey(survey)
    services.survey_invite_users(survey=survey, users=[world.staff_b])
    url = link_for(survey, world.staff_b)
    assert "confidential" in client.get(url).content.decode()
    client.post(url, {"action": "start"})
    assert Response.objects.get().respondent == world.staff_b


def test_signed_in_staff_answer_from_the_list(client_for, world, survey):
    client = client_for(world.staff_a)
    listing = client.get(reverse("surveys:survey_list")).content.decode()
    assert reverse("surveys:answer_mine", args=[survey.pk]) in listing
    url = reverse("surveys:answer_mine", args=[survey.pk])
    client.post(url, {"action": "start"})
    assert client.post(url, page1_data(survey)).status_code == 302
    # ... and the same response continues through the e-mailed link.
    token_url = link_for(survey, world.staff_a)
    assert "Page 2 of 3" in client.get(token_url).content.decode()
    assert client_for(world.staff_b).get(url).status_code == 404


def test_before_opening_and_after_closing(client, world, survey):
    url = link_for(survey, world.staff_a)
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=3)
    )
    early = client.get(url)
    assert early.status_code == 200 and b"not open yet" in early.content
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now() - timedelta(days=1)
    )
    late = client.get(url)
    assert late.status_code == 410 and b"closed" in late.content
    assert client.post(url, {"action": "start"}).status_code == 410
    assert not Response.objects.exists()


def test_closing_while_answering_refuses_kindly(client, world, survey):
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    services.survey_close(survey=survey, user=None)
    refused = client.post(url, page1_data(survey))
    assert refused.status_code == 410


def test_bad_links_are_404(client, world, survey):
    assert client.get(reverse("surveys:answer_token", args=["nonsense"])).status_code == 404
    assert client.get(reverse("surveys:answer_open", args=["nonsense"])).status_code == 404


def test_language_follows_the_respondent(client, world):
    survey = open_survey(translate(build_survey(world, county=world.county_a), "en"))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    world.staff_a.preferred_language = "en"
    world.staff_a.save()
    url = link_for(survey, world.staff_a)
    page = client.get(url).content.decode()
    assert "<h1>Competence needs</h1>" in page and "Start the survey" in page
    survey.languages = ["nb"]
    survey.save()
    # The survey's texts in the language it offers, marked as such; the page in the person's.
    page = client.get(url).content.decode()
    assert '<h1 lang="nb">Kompetansebehov</h1>' in page and "Start the survey" in page
    client.post(url, {"action": "start"})
    page = client.get(url).content.decode()
    assert "Page 1 of 3" in page and "Save and continue later" in page
    assert f'id="question-{q(survey, "l1").pk}" lang="nb"' in page and "Hvor fornøyd er du?" in page
    assert 'lang="en">(required)' in page and 'lang="en">Don&#x27;t know' in page


def test_anonymous_open_link_in_the_browser_language(client, world):
    survey = open_survey(build_survey(world, open_link_enabled=True))
    url = reverse("surveys:answer_open", args=[survey.open_link_token])
    with translation.override("nb"):
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        nynorsk = client.get(url, HTTP_ACCEPT_LANGUAGE="nn").content.decode()
    assert '<html lang="en">' in english and "Start the survey" in english
    assert '<html lang="nn">' in nynorsk and 'lang="nb">Kompetansebehov' in nynorsk


def test_open_link_answers_anonymously(client, world):
    survey = build_survey(world, open_link_enabled=True)
    survey = open_survey(survey)
    url = reverse("surveys:answer_open", args=[survey.open_link_token])
    assert client.get(url).status_code == 200
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey, role="2"))
    assert client.post(url, page2_data(survey)).status_code == 302
    response = Response.objects.get()
    assert response.submitted_at and response.county is None and response.role == ""
    assert b"Thank you for your answers!" in client.get(url).content
    again = client.get(url)
    assert b"already answered" in again.content
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_record_exactly_one(world):
    survey = open_survey(build_survey(world))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    participation = Participation.objects.get()
    response = answering.response_start(survey=survey, participation=participation)
    barrier = threading.Barrier(4)
    results = []

    def submit():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(
                answering.response_submit(response=response, participation=participation)
            )
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert Response.objects.filter(submitted_at__isnull=False).count() == 1
    assert connection.vendor == "postgresql"


def test_a_submission_leaves_the_instances_as_their_rows_are(world):
    survey = open_survey(build_survey(world))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    participation = Participation.objects.get()
    response = answering.response_start(survey=survey, participation=participation)
    assert answering.response_submit(response=response, participation=participation)
    in_hand = (response.submitted_at, response.resume_key, participation.completed_at)
    response.refresh_from_db()
    participation.refresh_from_db()
    assert in_hand == (response.submitted_at, None, participation.completed_at)
    assert None not in (response.submitted_at, participation.completed_at)


def test_submitting_a_response_submitted_already_changes_nothing(world):
    survey = open_survey(build_survey(world))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    participation = Participation.objects.get()
    response = answering.response_start(survey=survey, participation=participation)
    assert answering.response_submit(response=response)  # without its participation
    # The participation's completion, written first, is undone with the refusal.
    assert not answering.response_submit(response=response, participation=participation)
    participation.refresh_from_db()
    assert participation.completed_at is None


@pytest.mark.django_db(transaction=True)
def test_parallel_starts_make_one_response(world):
    survey = open_survey(build_survey(world))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    participation = Participation.objects.get()
    barrier = threading.Barrier(3)
    ids = []

    def start():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            # One browser clicking twice: the same secret in both requests.
            ids.append(
                answering.response_start(
                    survey=survey, participation=participation, resume_secret="one-browser"
                ).pk
            )
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and Response.objects.count() == 1


@pytest.mark.parametrize("statements", [2, 12])
def test_answer_page_query_count_does_not_grow(
    client, world, django_assert_max_num_queries, statements
):
    survey = build_survey(world)
    pair = survey.questions.get(code="cp1")
    services.statements_set(
        question=pair, user=None, texts=[{"nb": f"Påstand {i}"} for i in range(statements)]
    )
    survey = open_survey(survey)
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey))
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert page.content.decode().count('class="survey-statement"') == 2 + statements


def test_a_very_long_free_text_is_refused_with_a_clear_message(client, world, survey):
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey))
    data = page2_data(survey)
    data[f"q{q(survey, 't1').pk}"] = "x" * 200_000
    refused = client.post(url, data)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Your answer has 200000 characters; at most 500 fit. Please shorten it." in body
    assert "maxlength" not in body  # nothing is cut silently in the browser either
    assert not Answer.objects.filter(question__code="t1").exists()
    # Saving for later keeps nothing too long either: the same message.
    assert client.post(url, {**data, "action": "save"}).status_code == 400
    response = Response.objects.get()
    with pytest.raises(ValidationError):
        answering.response_save_page(
            response=response,
            questions=[q(survey, "t2")],
            answers=[{"question": q(survey, "t2"), "text": "y" * 200_000}],
            current_page=1,
        )
    assert not Answer.objects.filter(text__startswith="xxx").exists()


def test_answers_are_stored_exactly_and_a_refused_one_stores_nothing(client, world, survey):
    """The answers are written with PostgreSQL's COPY: text with its tabs, line breaks and
    backslashes comes back as written, a number as its column keeps it; a value the column
    refuses raises Django's own error, and nothing of the page is stored."""
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    response = Response.objects.get()
    text = "Linje 1\nLinje\t2 \\N \\. æøå"
    answering.response_save_page(
        response=response,
        questions=[q(survey, "t1"), q(survey, "n1")],
        answers=[
            {"question": q(survey, "t1"), "text": text},
            {"question": q(survey, "n1"), "number": Decimal("12.345")},
        ],
        current_page=1,
    )
    stored = {a.question.code: a for a in Answer.objects.select_related("question")}
    assert stored["t1"].text == text
    assert stored["n1"].number == Decimal("12.35")
    with pytest.raises(DataError):
        answering.response_save_page(
            response=response,
            questions=[q(survey, "t1"), q(survey, "mc1")],
            answers=[
                {"question": q(survey, "t1"), "text": "kept?"},
                {"question": q(survey, "mc1"), "choice": "x" * 101},
            ],
            current_page=2,
        )
    assert Answer.objects.get(question__code="t1").text == text
    assert not Answer.objects.filter(question__code="mc1").exists()
    response.refresh_from_db()
    assert response.current_page == 1


def test_save_and_continue_later_says_how_to_come_back(client, world, survey):
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    page = client.get(url).content.decode()
    assert "Next saves your answers on this page" in page
    saved = client.post(url, {**page1_data(survey, hours=""), "action": "save"})
    assert saved.status_code == 200  # the required number may wait
    text = saved.content.decode()
    assert "Your answers are saved" in text and "in this browser on this device" in text
    page = client.get(url).content.decode()
    assert "Page 1 of 3" in page and 'value="Eget kurs"' in page


def test_last_page_and_thank_you_offer_the_way_on(client_for, world):
    from courses.tests.factories import CourseFactory

    survey = open_survey(build_survey(world, county=world.county_a, anonymity="confidential"))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    course = CourseFactory(
        programme=world.programme, title="Samarbeid i praksis", competence_areas=[world.areas[0]]
    )
    CourseFactory(programme=world.programme, title="Noe annet", competence_areas=[world.areas[1]])
    client = client_for(world.staff_a)
    url = reverse("surveys:answer_mine", args=[survey.pk])
    client.post(url, {"action": "start"})
    client.post(url, page1_data(survey))
    client.post(url, page2_data(survey))
    last = client.get(url).content.decode()
    assert "This is the last page. When you submit" in last and "the last page" in last
    done = client.post(
        url,
        {"page": str(survey.pages.order_by("position")[2].pk), "action": "submit"},
        follow=True,
    ).content.decode()
    assert "Thank you for your answers!" in done
    assert "<strong>Samarbeid</strong>" in done  # rated 5 in importance, 2 in competence
    assert reverse("courses:course_detail", args=[course.pk]) in done
    assert "Noe annet" not in done
    assert reverse("surveys:my_answers", args=[survey.pk]) in done
    assert "Go to your home page" in done
    # The gaps came in a cookie of this browser alone, and are shown once: a reload (or the next
    # person at a shared computer) sees that the survey is answered, not this person's gaps.
    assert client.cookies[f"survey-thanks-{survey.pk}"].value == ""
    again = client.get(url).content.decode()
    assert "already answered" in again and "Samarbeid" not in again
    # A cookie not signed by the portal is no thank-you page.
    client.cookies[f"survey-thanks-{survey.pk}"] = str(world.areas[1].pk)
    assert "Noe annet" not in client.get(url).content.decode()


def test_an_answer_can_reveal_a_question_on_the_same_page(client, world):
    survey = build_survey(world, county=world.county_a)
    role = survey.questions.get(code="role1")
    services.question_create(
        page=survey.pages.order_by("position")[0],
        user=None,
        kind="short_text",
        code="skranke",
        text="Hvor mange timer i skranken?",
        condition_question=role,
        condition_value="1",
        required=True,
    )
    open_survey(survey)
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    url = link_for(survey, world.staff_a)
    client.post(url, {"action": "start"})
    assert "Hvor mange timer i skranken?" not in client.get(url).content.decode()
    assert client.post(url, page1_data(survey, role="1")).status_code == 302
    page = client.get(url).content.decode()
    assert "Page 1 of 3" in page and "Hvor mange timer i skranken?" in page
    assert "Your answers show more questions on this page." in page
    data = page1_data(survey, role="1", **{f"q{q(survey, 'skranke').pk}": "10"})
    client.post(url, data)
    assert "Page 2 of 3" in client.get(url).content.decode()
