"""Applications in a table, written in Python (hospitering/templatetags/applications.py): byte
for byte the template loop and status badge they replace, in every language and every status,
and days written as the date filter writes them."""

from datetime import date

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.utils import translation

from hospitering.models import Application
from portal.models import RoleAssignment
from portal.rows import short_day_written
from portal.tests.factories import UserFactory, grant

from .factories import OfferFactory, application_at

pytestmark = pytest.mark.django_db

# The loop and the badge as the templates wrote them before (_application_table.html and
# _status.html; the latter without its file's last newline, which only put a line break before
# "</td>").
STATUS = (
    "<span class=\"badge {% if application.status == 'approved' %}text-bg-success"
    "{% elif application.status == 'rejected' or application.status == 'withdrawn' %}"
    "text-bg-secondary{% elif application.status == 'changes' %}text-bg-warning"
    '{% else %}text-bg-info{% endif %}">{{ application.get_status_display }}</span>'
    '{% if application.step %} <span class="small">({% translate "waiting for" %}: '
    "{{ application.get_step_display|lower }})</span>{% endif %}"
)
LOOP = Template(
    """{% load i18n %}{% for application in applications %}
          <tr>
            <td><a href="{% url 'hospitering:application_detail' application.pk %}">{{ application.applicant.get_full_name }}</a></td>
            <td>{{ application.home_library }}, {{ application.home_library.county }}</td>
            <td>{{ application.offer.title }} ({{ application.offer.host_library }})</td>
            <td>{{ application.starts_on|date:"j. M Y" }}–{{ application.ends_on|date:"j. M Y" }}</td>
            <td>"""  # noqa: E501 - the template as it was
    + STATUS
    + """</td>
          </tr>
        {% endfor %}"""
)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_rows_and_badges_are_the_templates_markup(world, language):
    offer = OfferFactory(
        programme=world.programme,
        host_library=world.county_library_b,
        title="Formidling & <samarbeid>",
        periods=[(10, 20, 6)],
    )
    states = ["leader", "home", "host", "changes", "approved", "rejected", "withdrawn"]
    for n, state in enumerate(states):
        applicant = UserFactory(full_name=f"Søker «{n}» & co")
        grant(applicant, RoleAssignment.Role.STAFF, library=world.library_a)
        application_at(world, state, offer, applicant, world.library_a, start=n * 2)
    applications = list(Application.objects.order_by("pk"))
    assert {a.status for a in applications} == set(Application.Status.values)
    values = Context({"applications": applications})
    with translation.override(language):
        expected = LOOP.render(values)
        shown = Template("{% load applications %}{% application_rows applications %}")
        assert shown.render(values) == expected
        badge = Template("{% load applications %}{% application_status application %}")
        for application in applications:
            one = Context({"application": application})
            assert badge.render(one) == Template("{% load i18n %}" + STATUS).render(one)
    assert "Formidling &amp; &lt;samarbeid&gt;" in expected


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_days_are_written_as_the_date_filter_writes_them(language):
    with translation.override(language):
        written = short_day_written()
        for month in range(1, 13):
            day = date(2026, month, 9)
            assert written(day) == date_filter(day, "j. M Y")
