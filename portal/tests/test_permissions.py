"""The permission matrix: every role × in-scope/out-of-scope object × action, both ways."""

import pytest

from conftest import World
from portal import permissions
from portal.models import County, Library, Programme, User

ALL = set(World.PEOPLE)
MANAGERS_A = {"site_admin", "project_leader", "coordinator_a"}
MANAGERS_B = {"site_admin", "project_leader", "coordinator_b"}

# (object in the world, action) → the people who may; everyone else may not.
MATRIX = [
    ("programme", "view", ALL - {"outsider"}),
    ("programme", "change", {"site_admin", "project_leader"}),
    (
        "programme",
        "view_dashboard",
        {"site_admin", "project_leader", "coordinator_a", "coordinator_b"},
    ),
    ("county_a", "view", ALL - {"outsider"}),
    ("county_a", "manage", MANAGERS_A),
    ("county_b", "manage", MANAGERS_B),
    ("library_a", "view", MANAGERS_A | {"library_leader_a", "staff_a"}),
    ("library_a", "change", MANAGERS_A),
    ("library_a", "view_staff", MANAGERS_A | {"library_leader_a", "staff_a"}),
    ("library_a", "manage_staff", MANAGERS_A | {"library_leader_a"}),
    ("library_b", "view", MANAGERS_B | {"library_leader_b", "staff_b"}),
    ("library_b", "change", MANAGERS_B),
    ("library_b", "view_staff", MANAGERS_B | {"library_leader_b", "staff_b"}),
    ("library_b", "manage_staff", MANAGERS_B | {"library_leader_b"}),
    ("county_library_a", "view_staff", MANAGERS_A | {"project_leader", "coordinator_a"}),
    ("county_library_a", "manage_staff", MANAGERS_A),
    ("staff_a", "view", MANAGERS_A | {"library_leader_a", "staff_a"}),
    ("staff_a", "change_roles", MANAGERS_A | {"library_leader_a"}),
    ("staff_b", "view", MANAGERS_B | {"library_leader_b", "staff_b"}),
    ("staff_b", "change_roles", MANAGERS_B | {"library_leader_b"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("target", "action", "allowed"), MATRIX)
def test_matrix(world, target, action, allowed):
    obj = getattr(world, target)
    for name, person in world.people().items():
        expected = name in allowed
        assert permissions.can(person, action, obj) is expected, (name, action, target)


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Programme, County, Library, User])
def test_visible_querysets_agree_with_view(world, model):
    """List pages (querysets) and detail pages (can view) never disagree."""
    everything = list(model.objects.all())
    for name, person in world.people().items():
        listed = set(permissions.visible(person, model))
        may_view = {obj for obj in everything if permissions.can(person, "view", obj)}
        assert listed == may_view, (name, model.__name__)


@pytest.mark.django_db
def test_coordinator_of_a_sees_no_library_or_staff_of_b(world):
    libraries = set(permissions.visible(world.coordinator_a, Library))
    people = set(permissions.visible(world.coordinator_a, User))
    assert world.library_b not in libraries and world.county_library_b not in libraries
    assert world.staff_b not in people and world.library_leader_b not in people
    assert world.library_a in libraries and world.staff_a in people


@pytest.mark.django_db
def test_unknown_action_raises_instead_of_denying(world):
    with pytest.raises(permissions.UnknownAction):
        permissions.can(world.site_admin, "delete_everything", world.library_a)


@pytest.mark.django_db
def test_inactive_and_anonymous_users_may_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    world.coordinator_a.is_active = False
    world.coordinator_a.save()
    inactive = User.objects.get(pk=world.coordinator_a.pk)
    for person in (AnonymousUser(), inactive):
        assert not permissions.can(person, "view", world.library_a)
        assert not permissions.visible(person, Library).exists()


@pytest.mark.django_db
def test_a_rule_that_matches_nothing_stays_empty_whatever_is_added_without_a_query(world):
    """Where a person's rule matches nothing, the filters a page adds are not resolved (they
    could only narrow nothing): the queryset stays empty through filters, exclusions, values and
    subqueries, reads nothing from the database, and pickles as any queryset."""
    import pickle

    from django.db import connection
    from django.db.models import Exists, OuterRef
    from django.db.models.query import EmptyQuerySet
    from django.test.utils import CaptureQueriesContext

    nothing = permissions.for_action(world.staff_a, Library, "manage_staff")
    narrowed = nothing.filter(county__programmes=world.programme).exclude(name="x")
    assert isinstance(narrowed, EmptyQuerySet)
    assert not narrowed.query.alias_map  # the lookups' joins never resolved
    with CaptureQueriesContext(connection) as queries:
        assert list(narrowed) == []
        assert narrowed.count() == 0 and not narrowed.exists()
        assert list(narrowed.values_list("pk", flat=True).filter(pk=1)) == []
        assert pickle.loads(pickle.dumps(narrowed)).count() == 0  # noqa: S301 - our own bytes
    assert not queries.captured_queries
    may = Exists(nothing.filter(pk=OuterRef("pk")))
    assert not any(Library.objects.annotate(may=may).values_list("may", flat=True))
    assert not Library.objects.filter(pk__in=nothing.values("pk")).exists()
    with pytest.raises(TypeError):
        nothing[:1].filter(pk=1)


@pytest.mark.django_db
def test_nobody_may_change_their_own_roles(world):
    assert not permissions.can(world.library_leader_a, "change_roles", world.library_leader_a)


@pytest.mark.django_db
def test_managed_programmes_are_for_project_leaders_coordinators_and_site_admins(world):
    may_create_there = {"site_admin", "project_leader", "coordinator_a", "coordinator_b"}
    for name, person in world.people().items():
        managed = set(permissions.for_action(person, Programme, "manage_content"))
        assert (world.programme in managed) is (name in may_create_there), name


@pytest.mark.django_db
def test_a_condition_over_a_relation_with_many_rows_per_object_still_finds_one_object(world):
    """The visibility flag is asked of the row itself, except where the condition joins a
    relation with several rows per object (a programme's counties), which would repeat the
    object: then it is asked with EXISTS, and the object is found once, flagged rightly."""
    from django.db.models import Exists, Q

    programme = world.programme
    assert programme.counties.count() > 1
    one = Programme.objects.filter(pk=programme.pk)
    for condition, visible, many in (
        (Q(counties__in=programme.counties.all()), True, True),
        (Q(counties__number="99"), False, True),
        (Q(name=programme.name), True, False),
        (Q(name="Another"), False, False),
        (permissions.NOBODY, False, False),
        (permissions.EVERYONE, True, False),
    ):
        flagged = permissions._flagged(one, "visible", condition)
        assert flagged.get().visible is visible, condition
        assert isinstance(flagged.query.annotations["visible"], Exists) is many
