"""The course flow in a real browser, axe on every page: a coordinator schedules, staff register,
a cancellation promotes the waiting list, attendance is marked on a phone, a certificate is
downloaded. Selectors use ids, names and URLs so that translations do not break them."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from courses.models import Course, Gathering, Registration
from tests.browser import PHONE

Status = Registration.Status


def _go(b, locator):
    """Click something that loads a new page: wait for that page, then check it with axe."""
    with b.page.expect_navigation():
        locator.click()
    b.check()


def _submit(b, form_selector="main form"):
    _go(b, b.page.locator(f"{form_selector} button[type=submit]").first)


def test_course_flow(browser_session, world):
    b = browser_session

    # A coordinator creates a course with two gatherings.
    b.login(world.coordinator_a)
    b.goto("/kurs/")
    _go(b, b.page.locator(f'a[href="/kurs/ny/?programme={world.programme.pk}"]'))
    b.page.locator("#id_title").fill("Partnerskap og samarbeid")
    b.page.locator("#id_description").fill("Kurs om partnerskap.")
    b.page.locator(f'input[name=competence_areas][value="{world.areas[1].pk}"]').check()
    _submit(b)
    course = Course.objects.get(title="Partnerskap og samarbeid")
    assert course.county == world.county_a
    assert b.page.url.endswith(f"/kurs/{course.pk}/samlinger/ny/")

    def fill_gathering(title, day, capacity):
        b.page.locator("#id_title").fill(title)
        b.page.locator("#id_starts_at").fill(f"2031-09-{day}T09:00")
        b.page.locator("#id_ends_at").fill(f"2031-09-{day}T15:30")
        b.page.locator("#id_venue_name").fill("Hovedbiblioteket")
        b.page.locator("#id_municipality").fill("Trondheim")
        b.page.locator("#id_capacity").fill(str(capacity))
        b.page.locator("#id_registration_deadline").fill(f"2031-09-0{day[-1]}T12:00")

    fill_gathering("Samling 1", "14", 1)
    _go(b, b.page.locator("button[name=add_another]"))
    fill_gathering("Samling 2", "18", 10)
    _submit(b)
    first, second = Gathering.objects.filter(course=course).order_by("starts_at")
    assert (first.capacity, second.title) == (1, "Samling 2")
    assert b.page.url.endswith(f"/kurs/{course.pk}/")

    # Staff register in two clicks; the second one ends on the waiting list.
    for person in (world.staff_a, world.library_leader_a):
        b.login(person)
        b.goto(f"/kurs/{course.pk}/")
        _go(b, b.page.locator(f'a[href="/kurs/samlinger/{first.pk}/pamelding/"]'))
        _submit(b)
        assert b.page.url.endswith("/kurs/pameldinger/")
    staff_reg = Registration.objects.get(user=world.staff_a)
    leader_reg = Registration.objects.get(user=world.library_leader_a)
    assert staff_reg.status == Status.CONFIRMED
    assert (leader_reg.status, leader_reg.waiting_position) == (Status.WAITING, 1)

    # The confirmed one cancels; the seat is offered to the next, told by e-mail, who takes it.
    b.login(world.staff_a)
    b.goto("/kurs/pameldinger/")
    mail.outbox.clear()
    _go(b, b.page.locator(f'a[href="/kurs/pameldinger/{staff_reg.pk}/avmeld/"]'))
    _submit(b)
    leader_reg.refresh_from_db()
    assert leader_reg.status == Status.OFFERED
    offered = [m for m in mail.outbox if m.to == [world.library_leader_a.email]]
    assert len(offered) == 1 and f"/kurs/pameldinger/{leader_reg.pk}/tilbud/" in offered[0].body
    b.login(world.library_leader_a)
    b.goto(f"/kurs/pameldinger/{leader_reg.pk}/tilbud/")
    _go(b, b.page.locator("button[name=response][value=accept]"))
    leader_reg.refresh_from_db()
    assert leader_reg.status == Status.CONFIRMED
    b.goto(f"/kurs/{course.pk}/")
    assert b.page.locator(f'a[href="/kurs/pameldinger/{leader_reg.pk}/avmeld/"]').count() == 1

    # The gathering day: the coordinator marks attendance on a phone.
    now = timezone.now()
    Gathering.objects.filter(pk=first.pk).update(
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=5),
        registration_deadline=now - timedelta(days=1),
    )
    b.login(world.coordinator_a)
    b.page.set_viewport_size(PHONE)
    b.goto(f"/kurs/samlinger/{first.pk}/oppmote/")
    b.page.locator(f"#id_r{leader_reg.pk}_0").check()
    _submit(b, "form.attendance-form")
    leader_reg.refresh_from_db()
    assert leader_reg.status == Status.ATTENDED
    b.goto(f"/kurs/samlinger/{first.pk}/deltakere/")

    # The attendee downloads the course certificate.
    b.login(world.library_leader_a)
    b.goto("/kurs/pameldinger/")
    with b.page.expect_download() as download:
        b.page.locator(f'a[href="/kurs/pameldinger/{leader_reg.pk}/kursbevis.pdf"]').click()
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"


def test_other_course_pages_pass_axe(browser_session, world):
    from courses import services

    from .factories import CourseFactory, GatheringFactory

    course = CourseFactory(
        programme=world.programme, county=world.county_a, competence_areas=world.areas[:1]
    )
    gathering = GatheringFactory(course=course, capacity=1, requires_leader_approval=True)
    registration = services.registration_create(user=world.staff_a, gathering=gathering)
    b = browser_session
    b.login(world.coordinator_a)
    for path in (
        "/kurs/",
        f"/kurs/{course.pk}/",
        f"/kurs/{course.pk}/endre/",
        f"/kurs/samlinger/{gathering.pk}/endre/",
        f"/kurs/samlinger/{gathering.pk}/avlys/",
        f"/kurs/samlinger/{gathering.pk}/evaluering/",
        f"/kurs/samlinger/{gathering.pk}/deltakere/",
        f"/kurs/samlinger/{gathering.pk}/oppmote/",
        f"/kurs/{course.pk}/sporsmal/",
        "/kurs/kalender/",
    ):
        b.goto(path)
    # A form sent back with errors is accessible too.
    b.goto(f"/kurs/samlinger/{gathering.pk}/endre/")
    b.page.locator("#id_capacity").fill("0")
    _submit(b)
    b.login(world.library_leader_a)
    b.goto("/kurs/godkjenning/")
    _go(
        b, b.page.locator(f'form[action="/kurs/pameldinger/{registration.pk}/godkjenning/"] button')
    )
    assert Registration.objects.get(user=world.staff_a).status == Status.CONFIRMED
    b.login(world.staff_b)
    b.goto(f"/kurs/samlinger/{gathering.pk}/pamelding/")  # full: the waiting-list offer
    b.goto("/kurs/")
