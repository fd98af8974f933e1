"""Every policy's four answers agree, for every action, person and object of the test world.

`can(person, action, obj)` is the reference; `for_action(person, Model, action)` must list
exactly the objects for which it is true, and `users_for(action, obj)` exactly the people. The
rules of a policy produce all three, so this proves the rule pieces, and every app's policy, at
once. Unknown actions raise; roles are read only in the permission modules.
"""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from portal import permissions
from portal.models import User

from .world import populators

pytestmark = pytest.mark.django_db


def test_every_app_with_policies_populates_the_test_world():
    apps_with_policies = {policy.model._meta.app_label for policy in permissions.registry.values()}
    populated = {populate.__module__.split(".tests.")[0] for populate in populators()}
    labels = {name.rsplit(".", 1)[-1] for name in populated}
    assert apps_with_policies - {"portal"} <= labels


def test_for_action_flags_and_users_for_agree_with_can(full_world):
    people = list(full_world.people().values())
    checked = 0
    for model, policy in permissions.registry.items():
        objects = list(model._default_manager.all())
        assert objects, f"the test world has no {model.__name__}"
        for action in sorted(policy.actions):
            for person in people:
                listed = set(
                    permissions.for_action(person, model, action).values_list("pk", flat=True)
                )
                allowed = {o.pk for o in objects if permissions.can(person, action, o)}
                assert listed == allowed, (model.__name__, action, str(person))
                flagged = permissions.with_permission_flags(
                    model._default_manager.all(), person, may=action
                ).values_list("pk", "may")
                assert {pk for pk, may in flagged if may is True} == allowed
                assert len(flagged) == len(objects)
            for obj in objects:
                deciders = set(
                    permissions.users_for(action, obj, include_site_admins=True).values_list(
                        "pk", flat=True
                    )
                )
                allowed = {p.pk for p in people if permissions.can(p, action, obj)}
                assert deciders & {p.pk for p in people} == allowed, (
                    model.__name__,
                    action,
                    obj.pk,
                )
                checked += 1
    assert checked > 100


def test_users_for_leaves_site_admins_out_unless_asked(full_world):
    programme = full_world.programme
    assert full_world.site_admin not in permissions.users_for("change", programme)
    assert full_world.site_admin in permissions.users_for(
        "change", programme, include_site_admins=True
    )
    assert set(permissions.users_for("change", programme)) == {full_world.project_leader}


def test_inactive_people_may_nothing_and_are_never_named(full_world):
    User.objects.filter(pk=full_world.project_leader.pk).update(is_active=False)
    # Fetched anew, as each request does: the world's object keeps the scope it was asked with.
    leader = User.objects.get(pk=full_world.project_leader.pk)
    assert not permissions.can(leader, "view", full_world.programme)
    assert leader not in permissions.users_for("change", full_world.programme)


def test_unknown_actions_raise_everywhere(full_world):
    for model in permissions.registry:
        obj = model._default_manager.first()
        with pytest.raises(permissions.UnknownAction):
            permissions.can(full_world.project_leader, "no-such-action", obj)
        with pytest.raises(permissions.UnknownAction):
            permissions.for_action(full_world.project_leader, model, "no-such-action")
        with pytest.raises(permissions.UnknownAction):
            permissions.users_for("no-such-action", obj)


def test_an_unknown_role_raises(full_world, monkeypatch):
    """The database refuses unknown roles (a check constraint); should one ever be read (a new
    role added to the model but not to the policy), the policy raises instead of guessing."""
    from portal.models import RoleAssignment

    class Rows:
        def select_related(self, *fields):
            return self

        def order_by(self, *fields):
            return self

        def __iter__(self):
            return iter([RoleAssignment(role="janitor", library=full_world.library_a)])

    monkeypatch.setattr(RoleAssignment.objects, "filter", lambda **kwargs: Rows())
    with pytest.raises(permissions.UnknownRole):
        permissions.can(full_world.staff_b, "view", full_world.programme)


def test_get_visible_or_404_finds_exactly_the_visible_objects(full_world, rf):
    """For every policy, person and object: found where `visible` lists it, else 404 (the flag
    is asked of the row in the same query, and must agree with the queryset's filter)."""
    checked = 0
    for model in permissions.registry:
        for person in full_world.people().values():
            visible = set(permissions.visible(person, model).values_list("pk", flat=True))
            for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:40]:
                request = rf.get("/")
                request.user = User.objects.get(pk=person.pk)
                try:
                    permissions.get_visible_or_404(request, model, pk=pk)
                    found = True
                except Http404:
                    found = False
                assert found == (pk in visible), (model.__name__, str(person), pk)
                checked += 1
    assert checked > 1000


def test_people_with_the_same_scope_key_may_do_an_action_to_the_same_objects(full_world):
    """`scope_key` (what a kept page is keyed by): for every policy and action, two people
    with the same key may do it to the same objects, and people who may not do it to the same
    objects have different keys."""
    shared = 0
    for model, policy in permissions.registry.items():
        for action in policy.actions:
            objects_of = {}
            for person in full_world.people().values():
                key = permissions.scope_key(person, model, action)
                objects = frozenset(
                    permissions.for_action(person, model, action).values_list("pk", flat=True)
                )
                shared += key in objects_of
                assert objects_of.setdefault(key, objects) == objects, (model, action, person)
    assert shared > 100


def test_a_refusal_costs_what_a_miss_costs(full_world, rf, caplog):
    """Out of scope and missing: the same 404, the same queries, one line in the access log
    each (naming the county of the refused object, read in the same query)."""
    compared = 0
    for model in permissions.registry:
        missing_pk = (model._default_manager.order_by("-pk").values_list("pk", flat=True)[0]) + 1
        for person in full_world.people().values():
            hidden = model._default_manager.exclude(
                pk__in=permissions.visible(person, model).values("pk")
            ).first()
            if hidden is None:
                continue
            costs = []
            for pk in (hidden.pk, missing_pk):
                request = rf.get("/")
                request.user = User.objects.get(pk=person.pk)  # nothing cached on the person
                caplog.clear()
                with CaptureQueriesContext(connection) as queries, pytest.raises(Http404):
                    permissions.get_visible_or_404(request, model, pk=pk)
                refusals = [r for r in caplog.records if r.name == "portal.access"]
                assert len(refusals) == 1, (model.__name__, person)
                costs.append(len(queries))
            assert costs[0] == costs[1], (model.__name__, str(person), costs)
            compared += 1
    assert compared > 30
