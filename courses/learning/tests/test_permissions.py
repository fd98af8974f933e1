"""The permission matrix of the learning arena, walked both ways for every role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.learning import services
from courses.learning.models import Assignment, Lesson, Module, Post, Submission, Thread
from courses.models import Course
from portal import permissions

from .factories import (
    AssignmentFactory,
    LessonFactory,
    PostFactory,
    SubmissionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db

# Who reads course A's arena, who manages it.
READERS_A = {"site_admin", "project_leader", "coordinator_a", "staff_a"}
MANAGERS_A = {"site_admin", "project_leader", "coordinator_a"}


@pytest.fixture
def material(world, arena):
    lesson = LessonFactory(module__course=arena.course_a)
    thread = ThreadFactory(course=arena.course_a, author=world.staff_a)
    post = PostFactory(thread=thread, author=world.coordinator_a)
    assignment = AssignmentFactory(course=arena.course_a)
    submission = SubmissionFactory(assignment=assignment, user=world.staff_a)
    return lesson, thread, post, assignment, submission


def test_readers_and_managers_of_a_course(world, arena, material):
    lesson, thread, post, assignment, submission = material
    for name, user in world.people().items():
        reads, manages = name in READERS_A, name in MANAGERS_A
        for obj in (lesson.module, lesson, thread, post, assignment):
            assert permissions.can(user, "view", obj) is reads, (name, obj)
            visible = permissions.visible(user, type(obj)).filter(pk=obj.pk).exists()
            assert visible is reads, (name, obj)
        assert permissions.can(user, "manage", lesson) is manages, name
        assert permissions.can(user, "manage", lesson.module) is manages, name
        assert permissions.can(user, "manage", assignment) is manages, name
        assert permissions.can(user, "moderate", thread) is manages, name
        assert permissions.can(user, "moderate", post) is manages, name
        arena_courses = permissions.for_action(user, Course, "use_arena")
        assert arena_courses.filter(pk=arena.course_a.pk).exists() is reads, name


def test_waiting_list_is_not_participation(world, arena, material):
    lesson, thread, *_ = material
    assert not permissions.can(arena.waiting, "view", lesson)
    assert not permissions.visible(arena.waiting, Thread).exists()


def test_participants_of_one_course_cannot_read_another(world, arena, material):
    lesson, thread, post, assignment, submission = material
    for model in (Module, Lesson, Thread, Post, Assignment, Submission):
        assert not permissions.visible(world.staff_b, model).exists(), model
    assert not permissions.can(world.staff_b, "view", thread)
    assert not permissions.can(world.coordinator_b, "view", lesson)
    assert not permissions.can(world.coordinator_b, "manage", lesson)


def test_programme_wide_course_is_managed_by_the_project_leader_only(world, arena):
    lesson = LessonFactory(module__course=arena.programme_course)
    assert permissions.can(world.project_leader, "manage", lesson)
    assert not permissions.can(world.coordinator_a, "manage", lesson)
    assert not permissions.can(world.coordinator_a, "view", lesson)


def test_a_participant_sees_only_their_own_submissions(world, arena, material):
    from .conftest import enrol

    *_, assignment, submission = material
    colleague = world.library_leader_a
    enrol(colleague, arena.course_a)
    other = SubmissionFactory(assignment=assignment, user=colleague)
    assert set(permissions.visible(world.staff_a, Submission)) == {submission}
    assert set(permissions.visible(colleague, Submission)) == {other}
    assert not permissions.can(world.staff_a, "view", other)
    assert set(permissions.visible(world.coordinator_a, Submission)) == {submission, other}
    assert permissions.can(world.coordinator_a, "review", other)
    assert not permissions.can(world.staff_a, "review", submission)
    assert not permissions.can(world.coordinator_b, "view", submission)


def test_only_participants_submit_and_mark_lessons_done(world, arena, material):
    lesson, _thread, _post, assignment, _submission = material
    assert permissions.can(world.staff_a, "submit", assignment)
    assert permissions.can(world.staff_a, "complete", lesson)
    assert not permissions.can(world.coordinator_a, "submit", assignment)
    assert not permissions.can(world.staff_b, "submit", assignment)


def test_hidden_threads_and_posts_are_seen_by_moderators_only(world, arena, material):
    _lesson, thread, post, *_ = material
    post.is_hidden = True
    post.save()
    assert not permissions.visible(world.staff_a, Post).filter(pk=post.pk).exists()
    assert permissions.visible(world.coordinator_a, Post).filter(pk=post.pk).exists()
    thread.is_hidden = True
    thread.save()
    assert not permissions.can(world.staff_a, "view", thread)
    assert not permissions.visible(world.staff_a, Thread).exists()
    assert permissions.can(world.coordinator_a, "view", thread)


def test_edit_only_by_the_author_within_the_window_and_never_when_locked(
    world, arena, material, settings
):
    """Who edits is the policy's (the author only); when is the services' (the window, the
    lock), for everyone."""
    _lesson, thread, post, *_ = material
    assert permissions.can(world.staff_a, "edit", thread)
    assert not permissions.can(world.coordinator_a, "edit", thread)  # moderators hide, not edit
    assert permissions.can(world.coordinator_a, "edit", post)
    assert not permissions.can(world.staff_a, "edit", post)
    assert services.thread_edit_open(thread) and services.thread_takes_replies(thread)
    Thread.objects.filter(pk=thread.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    thread.refresh_from_db()
    assert not services.thread_edit_open(thread)
    settings.LEARNING_EDIT_WINDOW_MINUTES = 60
    assert services.thread_edit_open(thread)
    thread.is_locked = True
    assert not services.thread_edit_open(thread)
    assert not services.thread_takes_replies(thread)
    post.thread = thread
    assert not services.post_edit_open(post)


def test_unknown_actions_raise(world, arena, material):
    lesson, *_ = material
    with pytest.raises(permissions.UnknownAction):
        permissions.can(world.staff_a, "delete_everything", lesson)
