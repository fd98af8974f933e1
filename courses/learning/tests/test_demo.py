import pytest

from courses.learning.demo import learning_demo_load
from courses.learning.models import Assignment, Lesson, Module, Thread
from portal.home import demo_loaders

pytestmark = pytest.mark.django_db


def test_demo_material_is_added_once_to_the_first_course(world, arena):
    assert learning_demo_load in demo_loaders
    learning_demo_load(programme=world.programme)
    learning_demo_load(programme=world.programme)
    assert Module.objects.count() == 1
    assert Module.objects.get().course == arena.course_a
    assert Lesson.objects.count() == 2 and Assignment.objects.count() == 1
    assert Thread.objects.count() == 1
