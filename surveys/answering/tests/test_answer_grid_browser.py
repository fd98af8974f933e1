"""The demo survey's competence page, answered with the keyboard alone at desktop and phone width.

The competence pairs are a compact grid (one row per statement, the two scales side by side) on a
desktop and a card per statement on a phone; each statement and scale is a radio group named for
both, and the arrow keys move within it. axe runs on every page (b.goto / b.check).
"""

import pytest

from portal.demo import COMPETENCE_AREAS
from portal.tests.factories import CompetenceAreaFactory
from surveys.builder import services
from surveys.home_actions import demo_survey_load
from surveys.models import Answer, Participation, Question, Response
from tests.browser import DESKTOP, PHONE

MAX_DESKTOP_HEIGHT = 1800


@pytest.fixture
def demo_link(world):
    """The demo survey on a programme with the demo's six competence areas; staff_a's link."""
    codes = {area.code for area in world.areas}
    for position, (code, nb, nn, en) in enumerate(COMPETENCE_AREAS):
        if code not in codes:
            CompetenceAreaFactory(
                programme=world.programme,
                code=code,
                name=nb,
                name_nn=nn,
                name_en=en,
                position=position,
            )
    survey = demo_survey_load(programme=world.programme)
    world.staff_a.preferred_language = "en"
    world.staff_a.save(update_fields=["preferred_language"])
    participation = Participation.objects.get(survey=survey, user=world.staff_a)
    token = services.participation_token(participation=participation)
    return survey, f"/undersokelser/svar/{token}/"


def _tab_to(page, name: str, limit: int = 30) -> None:
    """Press Tab until the named button has the focus."""
    for _press in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def _enter(b) -> None:
    """Press Enter on the focused button and wait for the next page."""
    with b.page.expect_navigation():
        b.page.keyboard.press("Enter")
    b.check()


def _answer_with_keyboard(b, survey, link):
    page = b.page
    b.goto(link)
    page.get_by_role("button", name="Start the survey").focus()
    _enter(b)
    # Page 1: the position (required) is enough.
    page.get_by_role("group", name="Your position? (required)").get_by_label(
        "Librarian", exact=True
    ).focus()
    page.keyboard.press("Space")
    _tab_to(page, "Next")
    _enter(b)
    assert "Page 2 of 2" in page.content()

    pairs = list(
        survey.questions.filter(kind=Question.Kind.COMPETENCE_PAIR).prefetch_related("statements")
    )
    statements = [s for question in pairs for s in question.statements.all()]
    assert len(statements) == 12  # 24 radio groups: importance and competence of each
    first = statements[0]
    group = page.get_by_role(
        "group", name=f"{first.text['en']}: How important is this in your job?"
    )
    assert group.count() == 1  # named for both the statement and the scale
    group.get_by_role("radio").first.focus()
    for _statement in statements:
        # Importance 5: from the first point, four steps right. Then Tab to the next group.
        for _step in range(4):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")
        # Competence 2: one step right.
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")
    page.keyboard.type("More about planning.")
    _tab_to(page, "Submit answers")
    _enter(b)
    assert "Thank you for your answers!" in page.content()
    response = Response.objects.get(survey=survey, submitted_at__isnull=False)
    pair_answers = Answer.objects.filter(response=response, question__in=pairs)
    assert pair_answers.count() == 24
    assert {(a.dimension, int(a.number)) for a in pair_answers} == {
        ("importance", 5),
        ("competence", 2),
    }
    # The way on: the areas rated above the respondent's competence, and the courses.
    assert page.get_by_role("link", name="See the courses").is_visible()


def _competence_page(b, link):
    """Page 2 (the competence page) of a fresh response."""
    page = b.page
    b.goto(link)
    page.get_by_role("button", name="Start the survey").click()
    page.wait_for_load_state("load")
    page.get_by_role("group", name="Your position? (required)").get_by_label(
        "Librarian", exact=True
    ).check()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state("load")
    b.check()
    return page


def test_competence_page_fits_two_desktop_screens_and_answers_by_keyboard(
    browser_session, world, demo_link
):
    survey, link = demo_link
    b = browser_session
    page = _competence_page(b, link)
    height = page.evaluate("document.documentElement.scrollHeight")
    b.screenshot("survey-competence-desktop")
    assert height <= MAX_DESKTOP_HEIGHT, f"the competence page is {height} px high"
    assert page.viewport_size == DESKTOP
    # Start afresh and answer it with the keyboard alone.
    Response.objects.all().delete()
    b.page.context.clear_cookies()
    _answer_with_keyboard(b, survey, link)


def test_competence_page_on_a_phone_is_cards_answered_by_keyboard(phone_session, world, demo_link):
    survey, link = demo_link
    b = phone_session
    page = _competence_page(b, link)
    assert page.viewport_size == PHONE
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A card per statement: the scale's name and each point's label are shown on the phone.
    group = page.get_by_role(
        "group", name="Samarbeid: knowing the field: How competent do you feel?"
    )
    assert group.get_by_text("How competent do you feel?").is_visible()
    assert group.get_by_text("1 – Very little").is_visible()
    b.screenshot("survey-competence-phone")
    Response.objects.all().delete()
    b.page.context.clear_cookies()
    _answer_with_keyboard(b, survey, link)
