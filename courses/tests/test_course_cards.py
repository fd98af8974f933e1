"""The course list's cards written in Python (`{% course_cards %}`) are the template loop they
replaced, byte for byte, in every language and state: a cancelled gathering, a full one, one
with seats, a course with no coming gathering, with and without competence areas, and text
that must be escaped."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from courses import selectors
from courses.models import Registration
from portal.models import CompetenceArea

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

# The loop as course_list.html wrote it before the cards moved to Python (a full gathering then
# told by its seats counted with it, now by the ids of the full ones).
TEMPLATE_LOOP = """{% load i18n %}{% for course in courses %}
        <li class="card mb-3">
          <div class="card-body">
            <h3 class="h5 card-title"><a href="{% url 'courses:course_detail' course.pk %}">{{ course.title }}</a></h3>
            {% if course.competence_area_list %}<p class="small mb-1">{% translate "Competence areas" %}: {% for area in course.competence_area_list %}{{ area.localized_name }}{% if not forloop.last %}, {% endif %}{% endfor %}</p>{% endif %}
            <ul class="mb-0">
              {% for gathering in course.coming_gatherings %}
                <li>{{ gathering.starts_at|date:"j. F Y" }}, {{ gathering.municipality|default:gathering.venue_name }}{% if gathering.cancelled_at %} – <strong>{% translate "cancelled" %}</strong>{% elif gathering.pk in full %} – {% translate "full (waiting list)" %}{% endif %}</li>
              {% empty %}
                <li>{% translate "No coming gatherings." %}</li>
              {% endfor %}
            </ul>
          </div>
        </li>
      {% endfor %}"""  # noqa: E501


def test_the_cards_are_the_template_loop_in_every_state(world):
    area = CompetenceArea.objects.create(
        programme=world.programme, code="X1", name="Lesing & <formidling>", name_en="Reading"
    )
    course = CourseFactory(
        programme=world.programme, title="Kurs <b>&</b> «sitat»", competence_areas=[area]
    )
    late = timezone.now() + timedelta(days=40)
    GatheringFactory(course=course, municipality="Ås & Vestby", starts_at=late)
    GatheringFactory(course=course, cancelled_at=timezone.now())
    full = GatheringFactory(course=course, capacity=1, municipality="")
    RegistrationFactory(gathering=full, status=Registration.Status.CONFIRMED)
    CourseFactory(programme=world.programme, title="Uten samlinger")
    now = timezone.now()
    courses = selectors.courses_open(user=world.project_leader, now=now)
    full_ids = selectors.coming_gatherings(now=now).full
    assert len(courses) >= 2 and full_ids == {full.pk}
    cards = {}
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            values = {"courses": courses, "full": full_ids}
            loop = Template(TEMPLATE_LOOP).render(Context(values))
            cards[language] = Template(
                "{% load course_cards %}{% course_cards courses full %}"
            ).render(Context(values))
        assert cards[language] == loop, language
    # Every state was shown (else the comparison proves less than it says).
    for shown in (
        "Kurs &lt;b&gt;&amp;&lt;/b&gt; «sitat»",
        "Reading",
        "Ås &amp; Vestby",
        "<strong>cancelled</strong>",
        "full (waiting list)",
        "No coming gatherings.",
    ):
        assert shown in cards["en"], shown
    assert "Lesing &amp; &lt;formidling&gt;" in cards["nb"]
