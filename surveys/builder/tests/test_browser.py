"""Browser flows: a coordinator builds and opens a survey; a staff member answers it on a phone.

axe runs on every page visited (b.goto / b.check).
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from surveys.builder import services
from surveys.models import Participation, Question, Response, Survey
from surveys.tests.factories import build_survey, open_survey


def _english(*users):
    for user in users:
        user.preferred_language = "en"
        user.save(update_fields=["preferred_language"])


def _submit(b, name):
    b.page.get_by_role("button", name=name, exact=True).click()
    b.page.wait_for_load_state("load")
    b.check()


QUESTIONS = [
    ("likert", "How satisfied are you?", {"#id_scale_labels_nb": "Low\nSome\nMiddle\nMuch\nHigh"}),
    ("matrix", "Rate these", {"#id_statements_nb": "First\nSecond"}),
    ("single_choice", "Front desk?", {"#id_options_nb": "Yes\nNo"}),
    ("multiple_choice", "Courses taken", {"#id_options_nb": "A\nB"}),
    ("short_text", "Your title", {}),
    ("long_text", "Anything else", {}),
    ("number", "Hours of training", {"#id_number_min": "0", "#id_number_max": "100"}),
    ("competence_pair", "Cooperation", {"#id_statements_nb": "With schools\nWith the council"}),
]


def test_coordinator_builds_a_survey_with_every_kind_and_opens_it(browser_session, world):
    _english(world.coordinator_a)
    b = browser_session
    page = b.page
    b.login(world.coordinator_a)
    b.goto("/undersokelser/")
    page.get_by_role("link", name="New survey").click()
    page.wait_for_load_state("load")
    b.check()
    page.fill("#id_title_nb", "Kompetansebehov i Sør-Trøndelag")
    page.fill("#id_title_en", "Competence needs in Sør-Trøndelag")
    page.select_option("#id_county", str(world.county_a.pk))
    page.uncheck("input[name=languages][value=nn]")
    _submit(b, "Save")
    survey = Survey.objects.get()
    assert survey.county == world.county_a

    page.get_by_role("link", name="Add a page").click()
    page.wait_for_load_state("load")
    b.check()
    page.fill("#id_title_nb", "Om kompetansen din")
    _submit(b, "Save page")

    for kind, text, extra in QUESTIONS:
        page.select_option("select[name=kind]", kind)
        page.get_by_role("button", name="Add a question to page 1").click()
        page.wait_for_load_state("load")
        b.check()
        page.fill("#id_text_nb", text)
        for selector, value in extra.items():
            page.fill(selector, value)
        if kind == "multiple_choice":
            page.check("#id_allow_other")
        if kind == "competence_pair":
            page.select_option("#id_competence_area", str(world.areas[0].pk))
            page.check("#id_required")
        _submit(b, "Save question")
        assert "The question was saved." in page.content(), kind
    assert set(survey.questions.values_list("kind", flat=True)) == set(Question.Kind.values)

    page.get_by_role("link", name="Preview").click()
    page.wait_for_load_state("load")
    b.check()
    page.get_by_role("link", name="Back to the survey").click()
    page.wait_for_load_state("load")

    closes = timezone.localtime(timezone.now() + timedelta(days=14))
    # English is offered but only the title is written in it: the survey cannot open yet.
    missing = page.locator("#missing-texts").inner_text()
    assert "Missing in English:" in missing and "question q1 (text" in missing
    page.fill("#id_closes_at", closes.strftime("%Y-%m-%dT%H:%M"))
    _submit(b, "Open the survey")
    assert "Texts are missing in English" in page.content()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    page.get_by_role("link", name="Settings").click()
    page.wait_for_load_state("load")
    page.uncheck("input[name=languages][value=en]")
    _submit(b, "Save")
    page.fill("#id_closes_at", closes.strftime("%Y-%m-%dT%H:%M"))
    _submit(b, "Open the survey")
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    assert page.locator("#survey-status").inner_text() == "Open"


def test_staff_answers_on_a_phone_leaves_halfway_and_comes_back(phone_session, world):
    _english(world.staff_a)
    survey = open_survey(build_survey(world, county=world.county_a))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    participation = Participation.objects.get(user=world.staff_a)
    link = f"/undersokelser/svar/{services.participation_token(participation=participation)}/"
    b = phone_session
    page = b.page
    b.goto(link)
    assert "anonymous" in page.locator("main").inner_text()
    _submit(b, "Start the survey")
    assert page.locator("progress").get_attribute("max") == "3"

    # Page 1 with the keyboard alone: focus a choice and press Space, type, press Enter.
    page.get_by_role("group", name="Hvor fornøyd er du?").get_by_label("4 – Godt").press("Space")
    page.get_by_role("group", name="Arbeider du i skranke?").get_by_label("Ja").press("Space")
    page.get_by_label("Hvor mange timer? (required)").press_sequentially("200")
    page.get_by_label("Hvor mange timer? (required)").press("Enter")  # submits: Next
    page.wait_for_load_state("load")
    b.check()
    assert "Some answers need your attention" in page.content()
    number = page.get_by_label("Hvor mange timer? (required)")
    assert number.input_value() == "200"  # the input is kept
    assert page.get_by_role("group", name="Arbeider du i skranke?").get_by_label("Ja").is_checked()
    number.fill("12")
    _submit(b, "Next")
    assert "Page 2 of 3" in page.content()

    # Leave halfway (the tab closed): the same browser later resumes on page 2. (An anonymous
    # answer's progress is kept in this browser only: nothing in the portal ties it to her.)
    b.page = page.context.new_page()
    page.close()
    page = b.page
    b.goto(link)
    assert "Page 2 of 3" in page.content()
    for statement in ("Påstand én", "Påstand to"):
        page.get_by_role("group", name=statement).get_by_label("3 – Middels").check()
    for statement in ("Samarbeid med skoler", "Samarbeid med kommunen"):
        page.get_by_role(
            "group", name=f"{statement}: How important is this in your job?"
        ).get_by_label("5 – Svært mye").check()
        page.get_by_role("group", name=f"{statement}: How competent do you feel?").get_by_label(
            "2 – Lite"
        ).check()
    _submit(b, "Next")
    assert "Page 3 of 3" in page.content()
    page.get_by_label("Fortell om skranken").fill("Travelt.")
    _submit(b, "Submit answers")
    assert "Thank you for your answers!" in page.content()
    response = Response.objects.get()
    assert response.submitted_at and response.respondent is None
    assert response.answers.filter(question__code="cp1").count() == 4
    b.goto(link)
    assert "already answered" in page.content()


def test_the_question_form_shows_only_the_parts_of_the_chosen_kind(browser_session, world):
    """With JavaScript the parts of other kinds hide, and come back when the kind changes."""
    _english(world.coordinator_a)
    survey = build_survey(world, county=world.county_a)
    b = browser_session
    b.login(world.coordinator_a)
    page_pk = survey.pages.order_by("position").first().pk
    b.goto(reverse("surveys:question_create", args=[survey.pk, page_pk]) + "?kind=likert")

    def parts_shown():
        return b.page.evaluate(
            "[...document.querySelectorAll('fieldset[data-kinds]')]"
            ".filter((part) => !part.hidden)"
            ".map((part) => part.querySelector('legend').textContent.trim())"
        )

    scale = "Scale (Likert, matrix, competence pair)"
    options = "Options (single and multiple choice)"
    statements = "Statements (matrix and competence pair)"
    number = "Number"
    assert parts_shown() == [scale]
    for kind, parts in [
        ("multiple_choice", [options]),
        ("competence_pair", [statements, scale]),
        ("number", [number]),
        ("short_text", []),
    ]:
        b.page.select_option("select[name=kind]", kind)
        assert parts_shown() == parts, kind
    b.check()
    b.page.select_option("select[name=kind]", "single_choice")
    b.page.fill("#id_text_nb", "Front desk?")
    b.page.fill("#id_options_nb", "Yes\nNo")
    _submit(b, "Save question")
    question = survey.questions.get(text__nb="Front desk?")
    assert question.kind == "single_choice" and question.options.count() == 2
