"""A library's working day in a real browser, axe on every page: a freed seat offered and taken,
an offer that expires and passes on, a leader registering staff, check-in by name on a phone,
and lists that reflow at 390 px. Selectors use names, values and URLs, not visible text."""

from datetime import timedelta

from django.utils import timezone

from courses import services
from courses.models import Registration
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant
from tests.browser import PHONE

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

Status = Registration.Status


def _go(b, locator):
    """Click something that loads a new page: wait for that page, then check it with axe."""
    with b.page.expect_navigation():
        locator.click()
    b.check()


def _people(world, *names):
    people = []
    for name in names:
        person = UserFactory(full_name=name, preferred_language="en")
        grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
        people.append(person)
    return people


def _no_sideways_scroll(b):
    width = b.page.evaluate("document.documentElement.scrollWidth")
    assert width <= b.page.viewport_size["width"], (b.page.url, width)


def test_a_seat_offer_taken_and_one_that_expires_and_passes_on(browser_session, world):
    b = browser_session
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a), capacity=1
    )
    ada, bo, cato, dina = _people(world, "Ada Aas", "Bo Berg", "Cato Cruz", "Dina Dahl")
    first, second, third, fourth = (
        services.registration_create(user=p, gathering=gathering) for p in (ada, bo, cato, dina)
    )
    services.registration_cancel(registration=first, cancelled_by=ada)

    # Offered → accepted: Bo finds the offer under My registrations and says yes.
    b.login(bo)
    b.goto("/kurs/pameldinger/")
    offer = f"/kurs/pameldinger/{second.pk}/tilbud/"
    _go(b, b.page.locator(f'a[href="{offer}"]'))
    _go(b, b.page.locator("button[name=response][value=accept]"))
    second.refresh_from_db()
    assert second.status == Status.CONFIRMED
    assert b.page.locator(f'a[href="{offer}"]').count() == 0

    # Bo cancels after all: the seat is offered to Cato, who does not answer in time.
    _go(b, b.page.locator(f'a[href="/kurs/pameldinger/{second.pk}/avmeld/"]'))
    _go(b, b.page.locator("main form button[type=submit]"))
    third.refresh_from_db()
    assert third.status == Status.OFFERED
    Registration.objects.filter(pk=third.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    from courses.tasks import registration_offers_expire

    assert registration_offers_expire() == 1  # the beat
    b.login(cato)
    b.goto(f"/kurs/pameldinger/{third.pk}/tilbud/")  # the old e-mail link
    assert b.page.locator("button[name=response]").count() == 0
    b.goto("/kurs/pameldinger/")
    assert "The seat offer expired" in b.page.locator("main").inner_text()

    # → next person: Dina has the offer now.
    b.login(dina)
    b.goto(f"/kurs/{gathering.course_id}/")
    _go(b, b.page.locator(f'a[href="/kurs/pameldinger/{fourth.pk}/tilbud/"]'))
    _go(b, b.page.locator("button[name=response][value=accept]"))
    fourth.refresh_from_db()
    assert fourth.status == Status.CONFIRMED


def test_a_library_leader_registers_staff_at_once(browser_session, world):
    b = browser_session
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a),
        capacity=2,
        requires_leader_approval=True,
    )
    team = _people(world, "Siri Samling", "Tor Tilstede", "Una Underveis")
    b.login(world.library_leader_a)
    b.goto(f"/kurs/{gathering.course_id}/")
    _go(b, b.page.locator(f'a[href="/kurs/samlinger/{gathering.pk}/ansatte/"]'))
    _go(b, b.page.locator("main form button[type=submit]"))  # nobody ticked: explained
    for person in team:
        b.page.locator(f'input[name=people][value="{person.pk}:{world.library_a.pk}"]').check()
    _go(b, b.page.locator("main form button[type=submit]"))
    assert b.page.url.endswith("/kurs/ansatte/")
    statuses = dict(
        Registration.objects.filter(gathering=gathering).values_list("user__full_name", "status")
    )
    assert statuses == {
        "Siri Samling": Status.CONFIRMED,
        "Tor Tilstede": Status.CONFIRMED,
        "Una Underveis": Status.WAITING,
    }
    text = b.page.locator("main").inner_text()
    assert "Una Underveis: On the waiting list (number 1)" in text
    # On a phone the same page and the leader's approvals reflow.
    b.page.set_viewport_size(PHONE)
    b.goto("/kurs/ansatte/")
    _no_sideways_scroll(b)


def test_check_in_by_name_on_a_phone(phone_session, world):
    b = phone_session
    now = timezone.now()
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=5),
        registration_deadline=now - timedelta(days=1),
    )
    names = ["Ingrid Øyen-Kristiansen", "Ola Nordmann", "Kari Nordmann", "Per Paulsen"]
    registrations = {
        name: RegistrationFactory(
            gathering=gathering, user=person, library=world.library_a, status=Status.CONFIRMED
        )
        for name, person in zip(names, _people(world, *names), strict=True)
    }
    services.question_create(
        course=gathering.course,
        created_by=world.coordinator_a,
        text="Matallergier eller andre behov ved lunsjen",
        personal=True,
    )
    b.login(world.coordinator_a)
    b.goto(f"/kurs/samlinger/{gathering.pk}/oppmote/")
    _no_sideways_scroll(b)
    b.page.locator("#attendance-q").fill("kari")  # filters as one types
    visible = b.page.locator(".attendance-row:visible")
    assert visible.count() == 1 and "Kari Nordmann" in visible.inner_text()
    kari = registrations["Kari Nordmann"]
    b.page.locator(f"label[for=id_r{kari.pk}_0]").click()
    _go(b, b.page.locator("form.attendance-form button[type=submit]"))
    kari.refresh_from_db()
    assert kari.status == Status.ATTENDED
    # Everyone present, then the one who did not come is corrected.
    b.page.once("dialog", lambda dialog: dialog.accept())
    _go(b, b.page.locator("button[name=everyone][value=present]"))
    assert set(gathering.registrations.values_list("status", flat=True)) == {Status.ATTENDED}
    per = registrations["Per Paulsen"]
    b.page.locator("#attendance-q").fill("paulsen")
    b.page.locator(f"label[for=id_r{per.pk}_1]").click()
    _go(b, b.page.locator("form.attendance-form button[type=submit]"))
    per.refresh_from_db()
    assert per.status == Status.ABSENT
    _no_sideways_scroll(b)
    # The participant list and My registrations reflow on the phone too.
    b.goto(f"/kurs/samlinger/{gathering.pk}/deltakere/")
    _no_sideways_scroll(b)
    b.login(per.user)
    b.goto("/kurs/pameldinger/")
    _no_sideways_scroll(b)
