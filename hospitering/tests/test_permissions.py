"""The exchange's permission matrix, walked both ways, with the cross-county cases.

`can`, `visible`, `for_action` and `users_for` come from the same rules; every check below
compares all of them, so a rule that answered one way for a page and another for a list or an
e-mail would fail here."""

import pytest

from hospitering.models import Application, Offer, Placement
from hospitering.permissions import offer_host_choices
from portal import permissions
from portal.models import Library, RoleAssignment
from portal.permissions import for_action, users_for
from portal.tests.factories import LibraryFactory, ProgrammeFactory, UserFactory, grant

from .factories import OfferFactory, application_at
from .world import populate

pytestmark = pytest.mark.django_db
Role = RoleAssignment.Role


def agrees(world, action, obj, allowed: set[str]) -> None:
    """can(), for_action() and users_for() all say exactly `allowed` (site admins always may)."""
    model = type(obj)
    for name, user in world.people().items():
        expected = name in allowed or name == "site_admin"
        assert permissions.can(user, action, obj) == expected, (action, name)
        listed = for_action(user, model, action).filter(pk=obj.pk).exists()
        assert listed == expected, (action, name, "for_action")
    people = set(users_for(action, obj).values_list("email", flat=True))
    assert people == {getattr(world, n).email for n in allowed}, action


@pytest.fixture
def made(world):
    return populate(world)


def test_application_visibility_across_counties(world, made):
    # Staff of county B applied to the offer hosted in county A.
    application = made["applications"][("a", "home")]
    agrees(
        world,
        "view",
        application,
        {
            "project_leader",
            "coordinator_a",
            "coordinator_b",
            "library_leader_a",
            "library_leader_b",
            "staff_b",
        },
    )
    agrees(world, "edit", application, {"staff_b"})
    agrees(world, "withdraw", application, {"staff_b"})


def test_host_side_sees_only_applications_to_its_own_offers(world, made):
    """County A's coordinator and the host library's leader see county B's application to their
    offer, but not county B's application to an offer hosted in county B."""
    offer_in_b = OfferFactory(programme=world.programme, host_library=world.county_library_b)
    elsewhere = application_at(world, "leader", offer_in_b, world.staff_b, world.library_b)
    for name in ("coordinator_a", "library_leader_a", "staff_a"):
        user = getattr(world, name)
        assert not permissions.can(user, "view", elsewhere), name
        assert not permissions.visible(user, Application).filter(pk=elsewhere.pk).exists()
    mine = permissions.visible(world.staff_b, Application)
    assert set(mine.values_list("applicant", flat=True)) == {world.staff_b.pk}
    # The host library's leader: applications to their offers, and their own staff's.
    for application in permissions.visible(world.library_leader_a, Application):
        assert world.library_a.pk in (
            application.offer.host_library_id,
            application.home_library_id,
        )


DECIDERS = {
    "leader": {"library_leader_b"},
    "home": {"coordinator_b"},
    "host": {"library_leader_a", "coordinator_a"},
    "changes": set(),
    "approved": set(),
    "rejected": set(),
    "withdrawn": set(),
}


def test_who_decides_at_each_step(world, made):
    for state, deciders in DECIDERS.items():
        agrees(world, "decide", made["applications"][("a", state)], deciders)


def test_library_without_leader_falls_to_the_home_coordinator_then_project_leader(world):
    applicant = UserFactory()
    grant(applicant, Role.STAFF, library=world.county_library_b)  # county library B: no leader
    offer = OfferFactory(programme=world.programme, host_library=world.library_a)
    application = application_at(world, "leader", offer, applicant, world.county_library_b)
    agrees(world, "decide", application, {"coordinator_b"})
    RoleAssignment.objects.filter(user=world.coordinator_b, role=Role.COORDINATOR).delete()
    world.coordinator_b = type(world.coordinator_b).objects.get(pk=world.coordinator_b.pk)
    agrees(world, "decide", application, {"project_leader"})


def test_county_without_coordinator_falls_to_the_project_leader(world, made):
    application = made["applications"][("a", "home")]
    RoleAssignment.objects.filter(user=world.coordinator_b, role=Role.COORDINATOR).delete()
    world.coordinator_b = type(world.coordinator_b).objects.get(pk=world.coordinator_b.pk)
    agrees(world, "decide", application, {"project_leader"})


def test_host_without_leader_or_coordinator_falls_to_the_project_leader(world):
    offer = OfferFactory(programme=world.programme, host_library=world.county_library_b)
    application = application_at(world, "host", offer, world.staff_a, world.library_a)
    agrees(world, "decide", application, {"coordinator_b"})  # county library B has no leader
    RoleAssignment.objects.filter(user=world.coordinator_b, role=Role.COORDINATOR).delete()
    world.coordinator_b = type(world.coordinator_b).objects.get(pk=world.coordinator_b.pk)
    agrees(world, "decide", application, {"project_leader"})


def test_placement_reports_are_read_by_leader_both_coordinators_and_project_leader(world, made):
    placement = made["placements"][("a", "completed")]  # staff_b from B, hosted by library_a
    readers = {"staff_b", "library_leader_b", "coordinator_b", "coordinator_a", "project_leader"}
    agrees(world, "view_report", placement, readers)
    agrees(world, "write_report", placement, {"staff_b"})
    agrees(
        world, "give_feedback", placement, {"library_leader_a", "coordinator_a", "project_leader"}
    )
    agrees(world, "manage", placement, {"library_leader_a", "coordinator_a", "project_leader"})
    agrees(world, "edit_budget", placement, {"staff_b", "coordinator_b", "project_leader"})
    agrees(
        world,
        "view",
        placement,
        {
            "staff_b",
            "library_leader_b",
            "coordinator_b",
            "coordinator_a",
            "project_leader",
            "library_leader_a",
        },
    )


def test_offers_open_to_the_programme_managed_by_the_host_side(world, made):
    offer = made["offers"]["a"]
    agrees(world, "manage", offer, {"library_leader_a", "coordinator_a", "project_leader"})
    agrees(
        world,
        "apply",
        offer,
        {
            "project_leader",
            "coordinator_a",
            "library_leader_a",
            "library_leader_b",
            "staff_a",
            "staff_b",
        },
    )
    for name in world.people():
        expected = name != "outsider"
        assert permissions.can(getattr(world, name), "view", offer) == expected, name


def test_unknown_actions_raise(world, made):
    with pytest.raises(permissions.UnknownAction):
        permissions.can(world.staff_a, "approve", made["applications"][("a", "leader")])
    with pytest.raises(permissions.UnknownAction):
        for_action(world.staff_a, Placement, "delete")
    with pytest.raises(permissions.UnknownAction):
        users_for("delete", made["offers"]["a"])
    assert Offer in permissions.registry


def test_nobody_decides_on_their_own_application(world):
    """A library leader's own application goes to the home coordinator; a coordinator's own
    application (as staff of their county library) to the project leader at both home steps."""
    offer = OfferFactory(programme=world.programme, host_library=world.library_b)
    own = application_at(world, "leader", offer, world.library_leader_a, world.library_a)
    agrees(world, "decide", own, {"coordinator_a"})
    coordinators = application_at(
        world, "leader", offer, world.coordinator_a, world.county_library_a
    )
    agrees(world, "decide", coordinators, {"project_leader"})
    other = OfferFactory(programme=world.programme, host_library=world.library_b)
    coordinators = application_at(
        world, "home", other, world.coordinator_a, world.county_library_a, start=6
    )
    agrees(world, "decide", coordinators, {"project_leader"})


def test_the_libraries_one_may_publish_at_are_the_policys_answer_for_each(world):
    """`offer_host_choices` is `can("manage")` of an offer at each library of the programme, for
    every person: also where it answers without asking for each library (a person the rule's
    query form allows no offer: staff, a library leader or coordinator of another programme,
    someone outside), and not for a library outside the programme."""
    other_programme_leader = UserFactory()
    grant(other_programme_leader, Role.LIBRARY_LEADER, library=world.library_a)
    outside = ProgrammeFactory()  # another programme, another county
    grant(other_programme_leader, Role.COORDINATOR, programme=outside, county=outside.lead_county)
    LibraryFactory(county=outside.lead_county)
    people = {**world.people(), "other": other_programme_leader}
    libraries = list(Library.objects.all())
    assert len(libraries) > 4
    for name, user in people.items():
        expected = {
            library.pk
            for library in libraries
            if library.county.programmes.filter(pk=world.programme.pk).exists()
            and permissions.can(
                user, "manage", Offer(programme=world.programme, host_library=library)
            )
        }
        shown = offer_host_choices(user=user, programme=world.programme)
        assert set(shown.values_list("pk", flat=True)) == expected, name
    assert not offer_host_choices(user=world.staff_a, programme=world.programme).exists()
    assert offer_host_choices(user=world.library_leader_a, programme=world.programme).exists()
