"""Those who organise a gathering record what it cost; bad input is told and kept."""

from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import GatheringCost
from portal.models import AuditLogEntry, FundingSource

from .factories import CourseFactory, GatheringFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gathering(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    return GatheringFactory(course=course, county=world.county_a)


@pytest.fixture
def grant(world):
    return FundingSource.objects.create(
        programme=world.programme, name="Nasjonalbiblioteket", amount=Decimal("300000")
    )


def test_the_coordinator_records_changes_and_removes_a_cost(client_for, world, gathering, grant):
    client = client_for(world.coordinator_a)
    course_page = client.get(reverse("courses:course_detail", args=[gathering.course_id]))
    url = reverse("courses:gathering_costs", args=[gathering.pk])
    assert url in course_page.content.decode()
    data = {"kind": "venue", "amount": "8000.50", "note": "Leie av sal", "funding_source": grant.pk}
    response = client.post(url, data, follow=True)
    assert "The cost was saved." in response.content.decode()
    cost = gathering.costs.get()
    assert (cost.kind, cost.amount, cost.funding_source) == ("venue", Decimal("8000.50"), grant)
    assert "Leie av sal" in response.content.decode()
    assert AuditLogEntry.objects.filter(action="courses.gathering_cost.saved").exists()
    change = reverse("courses:gathering_cost_update", args=[gathering.pk, cost.pk])
    client.post(change, {**data, "amount": "9000"})
    cost.refresh_from_db()
    assert cost.amount == Decimal("9000")
    response = client.post(change, {**data, "delete": "1"}, follow=True)
    assert "The cost was removed." in response.content.decode()
    assert not GatheringCost.objects.exists()


def test_bad_input_is_told_and_kept_and_nothing_is_stored(client_for, world, gathering, grant):
    client = client_for(world.coordinator_a)
    url = reverse("courses:gathering_costs", args=[gathering.pk])
    for amount, words in (
        ("-5", "A cost cannot be negative."),
        ("mange", "Enter a number."),
        ("", "This field is required."),
    ):
        response = client.post(
            url, {"kind": "catering", "amount": amount, "note": "Lunsj", "funding_source": grant.pk}
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert words in html and 'value="Lunsj"' in html
    other = FundingSource.objects.create(
        programme=CourseFactory().programme, name="Et annet program", amount=1
    )
    response = client.post(url, {"kind": "catering", "amount": "10", "funding_source": other.pk})
    assert response.status_code == 400
    assert not GatheringCost.objects.exists()


def test_only_those_who_manage_the_gathering_record_costs(client_for, world, gathering, grant):
    url = reverse("courses:gathering_costs", args=[gathering.pk])
    assert client_for(world.project_leader).get(url).status_code == 200
    assert client_for(world.coordinator_b).get(url).status_code in (403, 404)
    assert client_for(world.staff_a).get(url).status_code in (403, 404)
    response = client_for(world.staff_a).post(
        url, {"kind": "venue", "amount": "1", "funding_source": grant.pk}
    )
    assert response.status_code in (403, 404)
    assert not GatheringCost.objects.exists()


def test_a_gathering_with_costs_is_cancelled_not_deleted(client_for, world, gathering, grant):
    GatheringCost.objects.create(
        gathering=gathering, kind="venue", amount=Decimal("100"), funding_source=grant
    )
    client = client_for(world.coordinator_a)
    response = client.post(reverse("courses:gathering_delete", args=[gathering.pk]), follow=True)
    assert "Costs are recorded for this gathering" in response.content.decode()
    assert gathering.costs.exists()
