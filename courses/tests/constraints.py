"""Each constraint of the courses app, violated through the form a person would use."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Registration
from portal.models import FundingSource

from .factories import CourseFactory, GatheringFactory, RegistrationFactory


def _gathering_form(world, **changes):
    when = timezone.now() + timedelta(days=60)
    data = {
        "title": "Samling",
        "starts_at": when.strftime("%Y-%m-%dT09:00"),
        "ends_at": when.strftime("%Y-%m-%dT15:00"),
        "venue_name": "Biblioteket",
        "county": world.county_a.pk,
        "capacity": "10",
        "registration_deadline": (when - timedelta(days=7)).strftime("%Y-%m-%dT12:00"),
    }
    data.update(changes)
    return data


def _course(world):
    return CourseFactory(programme=world.programme, county=world.county_a)


def ends_before_start(world, client_for):
    when = timezone.now() + timedelta(days=60)
    return client_for(world.coordinator_a).post(
        reverse("courses:gathering_create", args=[_course(world).pk]),
        _gathering_form(world, ends_at=when.strftime("%Y-%m-%dT08:00")),
    )


def opens_after_deadline(world, client_for):
    gathering = GatheringFactory(course=_course(world), county=world.county_a)
    data = _gathering_form(world)
    data["registration_opens_at"] = data["registration_deadline"].replace("T12:00", "T13:00")
    return client_for(world.coordinator_a).post(
        reverse("courses:gathering_update", args=[gathering.pk]), data
    )


def registers_twice(world, client_for):
    gathering = GatheringFactory(course=_course(world))
    client = client_for(world.staff_a)
    url = reverse("courses:registration_create", args=[gathering.pk])
    client.post(url)
    return client.post(url)


def waiting_position_in_the_admin(world, client_for):
    # The admin shows status and place read-only (the services keep the list), so posting a
    # place to a confirmed registration changes nothing.
    registration = RegistrationFactory(gathering=GatheringFactory(course=_course(world)))
    url = reverse("admin:courses_registration_change", args=[registration.pk])
    client = client_for(world.site_admin)
    response = client.post(
        url,
        {
            "gathering": registration.gathering_id,
            "user": registration.user_id,
            "waiting_position": "3",
            "status": Registration.Status.WAITING,
            "answers-TOTAL_FORMS": "0",
            "answers-INITIAL_FORMS": "0",
            "answers-MIN_NUM_FORMS": "0",
            "answers-MAX_NUM_FORMS": "1000",
        },
        follow=True,
    )
    registration.refresh_from_db()
    assert (registration.status, registration.waiting_position) == ("confirmed", None)
    return response


def answers_twice(world, client_for):
    course = _course(world)
    question = services.question_create(course=course, created_by=world.coordinator_a, text="Diett")
    registration = services.registration_create(
        user=world.staff_a, gathering=GatheringFactory(course=course), answers={question.pk: "A"}
    )
    client = client_for(world.staff_a)
    url = reverse("courses:registration_answers", args=[registration.pk])
    client.post(url, {f"q{question.pk}": "B"})
    response = client.post(url, {f"q{question.pk}": "C"}, follow=True)
    assert registration.answers.get().value == "C"
    return response


def cost_below_zero(world, client_for):
    gathering = GatheringFactory(course=_course(world), county=world.county_a)
    grant = FundingSource.objects.create(
        programme=world.programme, name="Nasjonalbiblioteket", amount=300000
    )
    response = client_for(world.coordinator_a).post(
        reverse("courses:gathering_costs", args=[gathering.pk]),
        {"kind": "venue", "amount": "-100", "note": "Leie", "funding_source": grant.pk},
    )
    assert not gathering.costs.exists()
    return response


CASES = {
    "gathering_ends_after_start": (ends_before_start, "The gathering must end after it starts."),
    "gathering_deadline_after_opening": (
        opens_after_deadline,
        "Registration must open before the deadline.",
    ),
    "registration_one_active_per_person": (
        registers_twice,
        "You are already registered for this gathering.",
    ),
    "registration_position_only_when_waiting": (waiting_position_in_the_admin, "was changed"),
    "registration_answer_once": (answers_twice, "Your answers were saved."),
    "gathering_cost_not_negative": (cost_below_zero, "A cost cannot be negative."),
}
