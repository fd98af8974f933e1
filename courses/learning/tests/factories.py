"""Factories of the learning arena (see courses.tests.factories for courses and registrations)."""

from datetime import timedelta

import factory
from django.utils import timezone

from courses.learning.models import Assignment, Lesson, Module, Post, Submission, Thread
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
