from datetime import date

import factory
from allauth.account.models import EmailAddress

from portal.models import CompetenceArea, County, Library, Programme, RoleAssignment, User

TEST_PASSWORD = "a-long-test-password-2011"


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"{(n % 80) + 20:02d}")
    name = factory.Sequence(lambda n: f"Fylke {n}")


class LibraryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Library

    name = factory.Sequence(lambda n: f"Bibliotek {n}")
    kind = Library.Kind.PUBLIC
    county = factory.SubFactory(CountyFactory)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Programme {n}")
    start_date = date(2011, 3, 1)
    end_date = date(2012, 12, 31)
    lead_county = factory.SubFactory(CountyFactory)

    @factory.post_generation
    def counties(self, create, extracted, **kwargs):
        if create:
            self.counties.set(extracted or [self.lead_county])


class CompetenceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetenceArea

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Område {n}")
    position = factory.Sequence(int)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.no")
    full_name = factory.Faker("name", locale="no_NO")
    password = factory.django.Password(TEST_PASSWORD)
    preferred_language = "en"  # tests read the English source strings

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def grant(user, role, **scope) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, **scope)
