"""The exchange in a real browser, axe on every page: an offer is published, a visitor applies,
three parties approve, the host confirms the programme, the visitor reports and the host gives
feedback; a rejection with its reason; "ask for changes" → edit → approve. Selectors use ids,
names and URLs so that translations do not break them."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hospitering.models import Application, Offer, Placement
from portal.models import FundingSource
from tests.browser import PHONE

from .factories import OfferFactory, apply

Status, Step = Application.Status, Application.Step


def _submit(b, selector="main form button[type=submit]"):
    b.page.locator(selector).first.click()
    b.page.wait_for_load_state("load")
    b.check()


def _decide(b, application, outcome, reason=""):
    b.goto("/hospitering/til-behandling/")
    b.page.locator(f'a[href="/hospitering/soknader/{application.pk}/"]').click()
    b.check()
    b.page.locator(f"input[name=outcome][value={outcome}]").check()
    if reason:
        b.page.locator("#id_reason").fill(reason)
    _submit(b, f'form[action="/hospitering/soknader/{application.pk}/vedtak/"] button')


def test_offer_to_report(browser_session, world):
    b = browser_session
    start = timezone.localdate() + timedelta(days=40)

    # The host library's leader publishes an offer.
    b.login(world.library_leader_a)
    b.goto("/hospitering/")
    b.page.locator(f'a[href="/hospitering/tilbud/ny/?programme={world.programme.pk}"]').click()
    b.check()
    b.page.locator("#id_title").fill("Tre dager i Trondheim")
    b.page.locator(f'input[name=competence_areas][value="{world.areas[1].pk}"]').check()
    b.page.locator("#id_address").fill("Peter Egges plass 1")
    b.page.locator("#id_contact_name").fill("Vera Vert")
    b.page.locator("#id_contact_email").fill("vera@example.no")
    b.page.locator("#id_periods-0-starts_on").fill(start.isoformat())
    b.page.locator("#id_periods-0-ends_on").fill((start + timedelta(days=20)).isoformat())
    b.page.locator("#id_periods-0-places").fill("1")
    _submit(b)
    offer = Offer.objects.get(title="Tre dager i Trondheim")
    assert b.page.url.endswith(f"/hospitering/tilbud/{offer.pk}/")

    # A staff member of the other county applies, on a phone.
    b.login(world.staff_b)
    b.page.set_viewport_size(PHONE)
    b.goto("/hospitering/")
    b.page.locator(f'a[href="/hospitering/tilbud/{offer.pk}/"]').click()
    b.check()
    b.page.locator(f'a[href="/hospitering/tilbud/{offer.pk}/sok/"]').click()
    b.check()
    b.page.locator("input[name=period]").first.check()
    b.page.locator("#id_starts_on").fill((start + timedelta(days=2)).isoformat())
    b.page.locator("#id_ends_on").fill((start + timedelta(days=4)).isoformat())
    b.page.locator("#id_learning_goals").fill("Partnerskap med kommunen.")
    b.page.locator("#id_sharing_plan").fill("Personalmøte.")
    b.page.locator("#id_estimated_cost").fill("5200")
    _submit(b)
    application = Application.objects.get(applicant=world.staff_b)
    assert b.page.url.endswith(f"/hospitering/soknader/{application.pk}/")
    assert b.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    b.page.set_viewport_size({"width": 1280, "height": 900})

    # Three parties approve, each from their list.
    for decider, step in (
        (world.library_leader_b, Step.HOME_COUNTY),
        (world.coordinator_b, Step.HOST),
        (world.coordinator_a, None),
    ):
        b.login(decider)
        _decide(b, application, "approved")
        application.refresh_from_db()
        assert application.step == step
    assert application.status == Status.APPROVED
    placement = Placement.objects.get(application=application)

    # The host confirms the programme for the days.
    b.login(world.library_leader_a)
    b.goto(f"/hospitering/opphold/{placement.pk}/")
    b.page.locator(f'a[href="/hospitering/opphold/{placement.pk}/endre/"]').click()
    b.check()
    b.page.locator("#id_day_programme").fill("Dag 1: omvisning. Dag 2: arrangementer.")
    _submit(b)
    placement.refresh_from_db()
    assert placement.day_programme.startswith("Dag 1")

    # The participant adds a budget line, charged to a funding source of the programme.
    FundingSource.objects.create(
        programme=world.programme, name="Nasjonalbiblioteket", amount=Decimal("300000")
    )
    b.login(world.staff_b)
    b.goto(f"/hospitering/opphold/{placement.pk}/")
    b.page.locator(f'a[href="/hospitering/opphold/{placement.pk}/budsjett/ny/"]').click()
    b.check()
    b.page.locator("#id_kind").select_option("travel")
    b.page.locator("#id_planned").fill("2400")
    b.page.locator("#id_actual").fill("2310")
    _submit(b)
    assert placement.budget_lines.get().actual == Decimal("2310")

    # Afterwards: the report and the feedback.
    today = timezone.localdate()
    Placement.objects.filter(pk=placement.pk).update(
        starts_on=today - timedelta(days=3), ends_on=today - timedelta(days=1)
    )
    b.goto(f"/hospitering/opphold/{placement.pk}/")
    b.page.locator(f'a[href="/hospitering/opphold/{placement.pk}/rapport/"]').click()
    b.check()
    b.page.locator("#id_learnt").fill("Hvordan de samarbeider med skolene.")
    b.page.locator("#id_changes_at_home").fill("Vi starter et skoleforum.")
    b.page.locator("#id_shared").fill("Personalmøtet.")
    _submit(b)
    b.login(world.library_leader_a)
    b.goto(f"/hospitering/opphold/{placement.pk}/")
    b.page.locator(f'a[href="/hospitering/opphold/{placement.pk}/tilbakemelding/"]').click()
    b.check()
    b.page.locator("#id_feedback").fill("Et godt besøk.")
    _submit(b)
    placement.refresh_from_db()
    assert placement.report.shared == "Personalmøtet."
    assert placement.feedback.feedback == "Et godt besøk."
    b.login(world.coordinator_b)
    b.goto(f"/hospitering/opphold/{placement.pk}/")
    assert "Vi starter et skoleforum." in b.page.content()
    b.goto("/hospitering/kalender/")
    b.goto(f"/programmer/{world.programme.pk}/oversikt/")


def test_rejection_and_changes(browser_session, world):
    b = browser_session
    offer = OfferFactory(
        programme=world.programme, host_library=world.library_a, periods=[(30, 20, 2)]
    )
    first = apply(offer, world.staff_b, world.library_b, start=1)
    second = apply(offer, world.library_leader_b, world.library_b, start=8)  # a leader applies

    # The library leader rejects with a reason; the applicant reads it.
    b.login(world.library_leader_b)
    _decide(b, first, "rejected")  # no reason: refused, kept on the page
    assert Application.objects.get(pk=first.pk).status == Status.PENDING
    b.page.locator("#id_reason").fill("Vi har ikke bemanning den uka.")
    _submit(b, f'form[action="/hospitering/soknader/{first.pk}/vedtak/"] button')
    assert Application.objects.get(pk=first.pk).status == Status.REJECTED
    b.login(world.staff_b)
    b.goto(f"/hospitering/soknader/{first.pk}/")
    assert "Vi har ikke bemanning den uka." in b.page.content()

    # The leader's own application: nobody decides on their own, so the home county's
    # coordinator stands in. They ask for changes; the leader edits; the coordinator approves.
    b.login(world.coordinator_b)
    _decide(b, second, "changes", "Ett døgn kortere, takk.")
    assert Application.objects.get(pk=second.pk).status == Status.CHANGES_REQUESTED
    b.login(world.library_leader_b)
    b.goto(f"/hospitering/soknader/{second.pk}/")
    b.page.locator(f'a[href="/hospitering/soknader/{second.pk}/endre/"]').click()
    b.check()
    assert "Ett døgn kortere, takk." in b.page.content()
    b.page.locator("#id_ends_on").fill(second.starts_on.isoformat())
    _submit(b)
    second.refresh_from_db()
    assert (second.status, second.step, second.days) == (Status.PENDING, Step.LIBRARY_LEADER, 1)
    b.goto("/hospitering/soknader/")
    b.login(world.coordinator_b)
    _decide(b, second, "approved")
    assert Application.objects.get(pk=second.pk).step == Step.HOME_COUNTY


def test_other_pages_pass_axe(browser_session, world):
    offer = OfferFactory(programme=world.programme, host_library=world.library_a)
    period = offer.periods.get()
    application = apply(offer, world.staff_b, world.library_b)
    b = browser_session
    b.login(world.library_leader_a)
    for path in (
        f"/hospitering/tilbud/{offer.pk}/",
        f"/hospitering/tilbud/{offer.pk}/endre/",
        f"/hospitering/tilbud/{offer.pk}/trekk/",
        f"/hospitering/tilbud/{offer.pk}/perioder/ny/",
        f"/hospitering/tilbud/{offer.pk}/perioder/{period.pk}/",
        "/hospitering/til-behandling/",
        "/hospitering/kalender/",
    ):
        b.goto(path)
    # A form sent back with errors is accessible too.
    b.goto(f"/hospitering/tilbud/{offer.pk}/perioder/{period.pk}/")
    b.page.locator("#id_places").fill("0")
    _submit(b)
    b.login(world.staff_b)
    for path in ("/hospitering/soknader/", f"/hospitering/soknader/{application.pk}/trekk/"):
        b.goto(path)
