"""A graded assignment in a real browser, axe on every page: the course sets its grading scale,
an assignment gets a rubric, the participant hands in, the coordinator grades each criterion,
and the participant sees the grades, the comments and the online part's certificate."""

from django.urls import reverse

from courses.learning.models import Assignment, GradeLevel, Submission
from courses.tests.factories import CourseFactory

from .conftest import enrol


def _go(b, locator):
    """Click something that loads a new page: wait for that page, then check it with axe."""
    with b.page.expect_navigation():
        locator.click()
    b.check()


def _save(b, form="main form[method=post]"):
    _go(b, b.page.locator(f"{form} button[type=submit]").first)


def test_a_graded_assignment(browser_session, world):
    b = browser_session
    course = CourseFactory(programme=world.programme, county=world.county_a, title="Planarbeid")
    enrol(world.staff_a, course)

    # The coordinator sets the course's scale and an assignment with two criteria.
    b.login(world.coordinator_a)
    b.goto(reverse("learning:assignment_list", args=[course.pk]))
    _go(b, b.page.locator(f'a[href="{reverse("learning:grade_scale", args=[course.pk])}"]'))
    for index, (label, passes) in enumerate(
        [("Svært godt", True), ("Godt", True), ("Ikke ennå", False)]
    ):
        b.page.locator(f"input[name=levels-{index}-label]").fill(label)
        if passes:
            b.page.locator(f"input[name=levels-{index}-passes]").check()
    _save(b)
    assert list(GradeLevel.objects.values_list("label", "passes")) == [
        ("Svært godt", True),
        ("Godt", True),
        ("Ikke ennå", False),
    ]
    b.goto(reverse("learning:assignment_create", args=[course.pk]))
    b.page.locator("input[name=title]").fill("Biblioteket i kommuneplanen")
    b.page.locator("textarea[name=instructions]").fill("Finn bibliotekets plass i planen.")
    b.page.locator("input[name=deadline]").fill("2031-06-01T12:00")
    b.page.locator("input[name=criteria-0-title]").fill("Forankring")
    b.page.locator("textarea[name=criteria-0-description]").fill("Er biblioteket nevnt i planen?")
    b.page.locator("input[name=criteria-1-title]").fill("Tiltak")
    _save(b)
    assignment = Assignment.objects.get(course=course)
    forankring, tiltak = assignment.criteria.all()

    # The participant reads the criteria and hands in.
    b.login(world.staff_a)
    b.goto(reverse("learning:assignment_detail", args=[assignment.pk]))
    assert "Er biblioteket nevnt i planen?" in b.page.locator("main").inner_text()
    b.page.locator("textarea[name=text]").fill("Biblioteket står i samfunnsdelen.")
    _save(b, f'main form[action="{reverse("learning:submission_create", args=[assignment.pk])}"]')
    submission = Submission.objects.get(assignment=assignment)

    # The coordinator grades each criterion and the whole.
    levels = {level.label: level.pk for level in GradeLevel.objects.all()}
    b.login(world.coordinator_a)
    b.goto(reverse("learning:submission_detail", args=[submission.pk]))
    b.page.locator(f'input[name=c{forankring.pk}_grade][value="{levels["Svært godt"]}"]').check()
    b.page.locator(f"textarea[name=c{forankring.pk}_feedback]").fill("Tydelig forankret.")
    b.page.locator(f'input[name=c{tiltak.pk}_grade][value="{levels["Godt"]}"]').check()
    b.page.locator(f"textarea[name=c{tiltak.pk}_feedback]").fill("Konkretiser gjerne mer.")
    b.page.locator(f'input[name=grade][value="{levels["Godt"]}"]').check()
    b.page.locator("textarea[name=feedback]").fill("Godt arbeid!")
    _save(b)
    submission.refresh_from_db()
    assert (submission.status, submission.grade) == ("approved", "Godt")

    # The participant sees the grade, each criterion's comment, and the online certificate.
    b.login(world.staff_a)
    b.goto(reverse("learning:submission_detail", args=[submission.pk]))
    text = b.page.locator("main").inner_text()
    assert "Godt" in text and "Tydelig forankret." in text and "Konkretiser gjerne mer." in text
    b.goto(reverse("learning:my_progress", args=[course.pk]))
    with b.page.expect_download() as download:
        b.page.locator(
            f'a[href="{reverse("learning:online_certificate", args=[course.pk])}"]'
        ).click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
