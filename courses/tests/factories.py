from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory

from courses.models import (
    Course,
    Gathering,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)
from portal.tests.factories import CountyFactory, ProgrammeFactory, UserFactory

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args) -> datetime:
    """A time in Europe/Oslo, e.g. oslo(2011, 9, 14, 9, 0)."""
    return datetime(*args, tzinfo=OSLO)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    county = None
    title = factory.Sequence(lambda n: f"Kurs {n}")
    description = "Om bibliotekets rolle som samfunnsaktør."
    audience = Course.Audience.PROGRAMME

    @factory.post_generation
    def competence_areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.competence_areas.set(extracted)

    @factory.post_generation
    def audience_counties(self, create, extracted, **kwargs):
        if create and extracted:
            self.audience_counties.set(extracted)


class GatheringFactory(factory.django.DjangoModelFactory):
    """A gathering far in the future whose registration is open now."""

    class Meta:
        model = Gathering

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Samling {n}")
    starts_at = factory.LazyFunction(
        lambda: (datetime.now(OSLO) + timedelta(days=30)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda g: g.starts_at + timedelta(hours=6, minutes=30))
    venue_name = "Trondheim folkebibliotek, Hovedbiblioteket"
    venue_address = "Peter Egges plass 1"
    municipality = "Trondheim"
    county = factory.LazyAttribute(
        lambda g: g.course.county or g.course.programme.lead_county or CountyFactory()
    )
    capacity = 20
    registration_opens_at = None
    registration_deadline = factory.LazyAttribute(lambda g: g.starts_at - timedelta(days=7))


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    gathering = factory.SubFactory(GatheringFactory)
    user = factory.SubFactory(UserFactory)
    status = Registration.Status.CONFIRMED


class RegistrationQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationQuestion

    course = factory.SubFactory(CourseFactory)
    text = factory.Sequence(lambda n: f"Spørsmål {n}")
    position = factory.Sequence(int)


class RegistrationAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationAnswer

    registration = factory.SubFactory(RegistrationFactory)
    question = factory.SubFactory(RegistrationQuestionFactory)
    value = "Vegetar"
