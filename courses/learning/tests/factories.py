"""Factories of the learning arena (see courses.tests.factories for courses and registrations)."""

from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from courses.learning.models import (
    Assignment,
    Criterion,
    GradeLevel,
    Lesson,
    LessonImage,
    Module,
    Post,
    Submission,
    Thread,
)
from courses.tests.factories import CourseFactory
from portal.tests.factories import UserFactory


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Modul {n}")
    position = factory.Sequence(int)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Leksjon {n}")
    kind = Lesson.Kind.TEXT
    body = "<p>Regional plan for bibliotekutvikling.</p>"
    position = factory.Sequence(int)


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    course = factory.SubFactory(CourseFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Tråd {n}")
    body = "Hvordan forankrer dere bibliotekplanen?"


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    author = factory.SubFactory(UserFactory)
    body = "Vi bruker kommuneplanens samfunnsdel."


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Oppgave {n}")
    instructions = "Beskriv bibliotekets rolle i kommuneplanen."
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    assignment = factory.SubFactory(AssignmentFactory)
    user = factory.SubFactory(UserFactory)
    text = "Biblioteket er nevnt i kommuneplanens samfunnsdel."
    submitted_at = factory.LazyFunction(timezone.now)


# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class LessonImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonImage

    course = factory.SubFactory(CourseFactory)
    file = factory.LazyFunction(lambda: ContentFile(PNG, name="kart.png"))
    file_name = "kart.png"


class GradeLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradeLevel

    course = factory.SubFactory(CourseFactory)
    label = factory.Sequence(lambda n: f"Nivå {n}")
    position = factory.Sequence(int)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    assignment = factory.SubFactory(AssignmentFactory)
    title = factory.Sequence(lambda n: f"Kriterium {n}")
    position = factory.Sequence(int)
