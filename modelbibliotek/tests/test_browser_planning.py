"""Planning in a real browser, axe on every page: the project leader sets a report period (a due
date outside the programme is refused, the input kept), the coordinator appoints a model library
and the library plans goals, indicators (a percent over 100 refused and kept), milestones and plan
anchoring (adopted without a date refused)."""

from django.urls import reverse

from modelbibliotek.models import Indicator, ModelLibrary, PlanAnchoring, ReportPeriod


def _submit(b):
    b.page.locator("main form button[type=submit]").first.click()
    b.page.wait_for_load_state("load")
    b.check()


def test_periods_appointment_and_the_plan(browser_session, world):
    b = browser_session
    programme = world.programme
    query = f"?programme={programme.pk}"

    b.login(world.project_leader)
    b.goto(reverse("modelbibliotek:period_add") + query)
    b.page.locator("#id_title").fill("Vår 2011")
    b.page.locator("#id_starts_on").fill("2011-03-01")
    b.page.locator("#id_ends_on").fill("2011-06-30")
    b.page.locator("#id_due_on").fill("2013-01-31")
    _submit(b)
    assert "inside the programme" in b.page.content()
    assert b.page.locator("#id_due_on").input_value() == "2013-01-31"
    assert not ReportPeriod.objects.exists()
    b.page.locator("#id_due_on").fill("2011-08-31")
    _submit(b)
    assert ReportPeriod.objects.filter(title="Vår 2011").exists()

    b.login(world.coordinator_a)
    b.goto(reverse("modelbibliotek:model_library_list") + query)
    b.goto(reverse("modelbibliotek:model_library_appoint") + query)
    b.page.locator("#id_library").select_option(str(world.library_a.pk))
    b.page.locator("#id_title").fill("Biblioteket i planene")
    b.page.locator("#id_starts_on").fill("2011-03-01")
    b.page.locator("#id_ends_on").fill("2012-12-31")
    _submit(b)
    project = ModelLibrary.objects.get(library=world.library_a)

    b.login(world.staff_a)
    b.goto(reverse("modelbibliotek:goal_add", args=[project.pk]))
    b.page.locator("#id_title").fill("Et kompetent personale")
    _submit(b)
    goal = project.goals.get()
    b.goto(reverse("modelbibliotek:indicator_add", args=[project.pk, goal.pk]))
    b.page.locator("#id_name").fill("Andel ansatte som har fullført kursrekka")
    b.page.locator("#id_unit").select_option("percent")
    b.page.locator("#id_baseline").fill("10")
    b.page.locator("#id_target").fill("150")
    _submit(b)
    assert "between 0 and 100" in b.page.content()
    assert b.page.locator("#id_target").input_value() == "150"
    assert not Indicator.objects.exists()
    b.page.locator("#id_target").fill("80")
    _submit(b)
    assert Indicator.objects.get().target_number == 80

    b.goto(reverse("modelbibliotek:milestone_add", args=[project.pk]))
    b.page.locator("#id_title").fill("Kursrekka i gang")
    b.page.locator("#id_due_on").fill("2011-09-30")
    _submit(b)
    assert project.milestones.count() == 1

    b.goto(reverse("modelbibliotek:plan_add", args=[project.pk]))
    b.page.locator("#id_kind").select_option("master")
    b.page.locator("#id_name").fill("Kommuneplanens samfunnsdel")
    b.page.locator("#id_level").select_option("municipal")
    b.page.locator("#id_status").select_option("adopted")
    _submit(b)
    assert "Give the date the plan was adopted" in b.page.content()
    assert not PlanAnchoring.objects.exists()
    b.page.locator("#id_decided_on").fill("2011-11-15")
    _submit(b)
    assert PlanAnchoring.objects.get().history.count() == 1
    b.goto(reverse("modelbibliotek:model_library_detail", args=[project.pk]))
