"""The report cycle in a real browser, axe on every page: the library writes a report (a wrong
value is refused and kept), submits it, cannot edit it any more, the coordinator returns it with
a comment, the library changes it on a phone and submits it again, the coordinator approves it;
the project leader reads the overview. Selectors use ids, names and URLs so that translations do
not break them."""

from django.urls import reverse

from modelbibliotek.models import ProgressReport
from tests.browser import DESKTOP, PHONE

from .factories import model_library, periods

Status = ProgressReport.Status


def _submit(b, selector="main form button[type=submit]"):
    b.page.locator(selector).first.click()
    b.page.wait_for_load_state("load")
    b.check()


def _no_sideways_scroll(b):
    width = b.page.evaluate("document.documentElement.scrollWidth")
    assert width <= b.page.viewport_size["width"], width


def test_draft_submit_return_resubmit_approve(browser_session, world):
    b = browser_session
    project = model_library(world)
    period = periods(world.programme, 2)[0]
    percent = project.goals.first().indicators.get(unit="percent")
    detail = reverse("modelbibliotek:model_library_detail", args=[project.pk])

    # The library starts the report of the first period and writes it.
    b.login(world.staff_a)
    b.goto(detail)
    b.page.locator("#id_period").select_option(str(period.pk))
    _submit(b, f'form[action="{detail}rapporter/ny/"] button')
    report = ProgressReport.objects.get(model_library=project, period=period)
    assert b.page.url.endswith(reverse("modelbibliotek:report_edit", args=[report.pk]))
    b.page.locator("#id_activities").fill("Tre samlinger for hele personalet.")
    b.page.locator(f"#id_value_{percent.pk}").fill("150")
    _submit(b, "main form button[type=submit]")
    # Refused with a message, the input kept, nothing stored.
    assert b.page.locator(f"#id_value_{percent.pk}").input_value() == "150"
    assert b.page.locator("#id_activities").input_value() == "Tre samlinger for hele personalet."
    assert "between 0 and 100" in b.page.content()
    report.refresh_from_db()
    assert report.activities == ""
    b.page.locator(f"#id_value_{percent.pk}").fill("35")
    _submit(b, "main form button[type=submit]")
    submit = reverse("modelbibliotek:report_submit", args=[report.pk])
    _submit(b, f'form[action="{submit}"] button')
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED

    # A submitted report cannot be edited: the page says so and nothing changes.
    b.goto(reverse("modelbibliotek:report_edit", args=[report.pk]))
    assert "can no longer be changed" in b.page.content()
    assert b.page.locator("#id_activities").count() == 0

    # The coordinator returns it with a comment.
    b.login(world.coordinator_a)
    b.goto(reverse("modelbibliotek:report_detail", args=[report.pk]))
    decide = reverse("modelbibliotek:report_decide", args=[report.pk])
    b.page.locator(f'form[action="{decide}"] textarea').last.fill("Skriv mer om effekten.")
    _submit(b, f'form[action="{decide}"] button[value=return]')
    report.refresh_from_db()
    assert report.status == Status.RETURNED

    # The library reads the comment on a phone, changes the report and submits it again.
    b.login(world.library_leader_a)
    b.page.set_viewport_size(PHONE)
    b.goto(reverse("modelbibliotek:report_detail", args=[report.pk]))
    assert "Skriv mer om effekten." in b.page.content()
    _no_sideways_scroll(b)
    b.goto(reverse("modelbibliotek:report_edit", args=[report.pk]))
    _no_sideways_scroll(b)
    b.page.locator("#id_results").fill("Flere lånere på arrangementene.")
    _submit(b, "main form button[type=submit]")
    _submit(b, f'form[action="{submit}"] button')
    report.refresh_from_db()
    assert (report.status, report.results) == (Status.SUBMITTED, "Flere lånere på arrangementene.")

    # The coordinator approves; the report shows its frozen content and its history.
    b.login(world.coordinator_a)
    b.page.set_viewport_size(DESKTOP)
    b.goto(reverse("modelbibliotek:report_detail", args=[report.pk]))
    _submit(b, f'form[action="{decide}"] button[value=approve]')
    report.refresh_from_db()
    assert report.status == Status.APPROVED and report.frozen
    page = b.page.content()
    assert "Approved on" in page and "Submitted the report again" in page
    assert "35 %" in page

    # The project leader reads the overview and the model library.
    b.login(world.project_leader)
    b.goto(reverse("modelbibliotek:model_library_list") + f"?programme={world.programme.pk}")
    b.goto(detail)
    b.page.set_viewport_size(PHONE)
    b.goto(detail)
    _no_sideways_scroll(b)
