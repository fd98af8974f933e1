"""The courses' part of the generated regional programme: 60 courses, 150 gatherings, 10,000
registrations.

A fifth of the courses are programme-wide, the rest belong to a county (open to that county's
staff). Gatherings lie from a year ago to three months ahead; the past ones have attendance
marked, the coming ones confirmed seats and waiting lists. The last `OPENING` gatherings have
registration open since the moment of generation and nobody registered yet: the load test's
staff register for those.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from portal.region import PageVisit, Region, register_pages, register_region

from .models import Course, Gathering, Registration

Status = Registration.Status
COURSES = 60
GATHERINGS = 150
REGISTRATIONS = 10000
OPENING = 10
TOPICS = [
    "Biblioteket som samfunnsaktør",
    "Partnerskap med skole og kultur",
    "Politiske prosesser for bibliotekarer",
    "Ressursdeling i regionen",
    "Biblioteket i kommuneplanen",
    "Samarbeid over fylkesgrensene",
]


def _courses(region: Region, rng) -> list[Course]:
    count = max(region.size(COURSES), 2)  # at least one programme-wide and one county course
    courses = []
    for index in range(count):
        county = None if index % 5 == 0 else region.counties[(index // 5) % len(region.counties)]
        courses.append(
            Course(
                programme=region.programme,
                county=county,
                title=f"{TOPICS[index % len(TOPICS)]} ({index + 1})",
                description="Kurs i den regionale kursrekken.",
                audience=Course.Audience.PROGRAMME if county is None else Course.Audience.COUNTIES,
                created_by=region.leader if county is None else region.coordinators[county.pk],
            )
        )
    courses = Course.objects.bulk_create(courses)
    Areas = Course.competence_areas.through
    Areas.objects.bulk_create(
        [
            Areas(course=course, competencearea=area)
            for course in courses
            for area in rng.sample(region.areas, 2)
        ]
    )
    Audience = Course.audience_counties.through
    Audience.objects.bulk_create(
        [Audience(course=c, county_id=c.county_id) for c in courses if c.county_id]
    )
    return courses


def _gatherings(region: Region, rng, courses: list[Course]) -> list[Gathering]:
    count = max(region.size(GATHERINGS), len(courses), 2)
    opening_count = max(1, min(OPENING, count // 3))
    gatherings = []
    for index in range(count):
        course = courses[index % len(courses)]
        if course.county_id is None:
            county = region.counties[index % len(region.counties)]
        else:
            county = next(c for c in region.counties if c.pk == course.county_id)
        opening = index >= count - opening_count
        if opening:
            starts = region.now + timedelta(days=60 + index % 30)
            opens = region.now - timedelta(minutes=1)
        else:
            # From a year ago to three months ahead.
            starts = region.now + timedelta(days=rng.randint(-365, 90))
            opens = starts - timedelta(days=60)
        starts = starts.replace(hour=9, minute=0, second=0, microsecond=0)
        gatherings.append(
            Gathering(
                course=course,
                title=f"Samling {index // len(courses) + 1}, {county.name}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=6, minutes=30),
                venue_name=f"{county.name} fylkesbibliotek",
                municipality=county.name,
                county=county,
                capacity=400 if opening else rng.choice([40, 50, 60, 80]),
                registration_opens_at=opens,
                registration_deadline=starts - timedelta(days=7),
                requires_leader_approval=not opening and rng.random() < 0.1,
                hours=6,
            )
        )
    return Gathering.objects.bulk_create(gatherings)


def _registrations(region: Region, rng, gatherings: list[Gathering]) -> int:
    filled = [g for g in gatherings if g.registration_opens_at < region.now - timedelta(days=1)]
    total = region.size(REGISTRATIONS)
    # Spread the total over the gatherings, some more popular than others.
    weights = [rng.uniform(0.5, 1.5) for _ in filled]
    counts = [int(total * w / sum(weights)) for w in weights]
    counts[0] += total - sum(counts)
    registrations = []
    for gathering, count in zip(filled, counts, strict=True):
        course = gathering.course
        pool = region.staff if course.county_id is None else region.staff_in([course.county_id])
        people = rng.sample(pool, min(count, len(pool)))
        past = gathering.starts_at < region.now
        seat = Status.AWAITING_APPROVAL if gathering.requires_leader_approval else Status.CONFIRMED
        waiting = 0
        for place, user in enumerate(people):
            position = None
            if rng.random() < 0.04:
                status = Status.CANCELLED
            elif place < gathering.capacity:
                if past:
                    status = Status.ATTENDED if rng.random() < 0.85 else Status.ABSENT
                else:
                    status = seat
            elif past:
                status = Status.CANCELLED
            else:
                status, waiting = Status.WAITING, waiting + 1
                position = waiting
            registrations.append(
                Registration(
                    gathering=gathering,
                    user=user,
                    library=region.library_of[user.pk],
                    status=status,
                    waiting_position=position,
                )
            )
    Registration.objects.bulk_create(registrations, batch_size=2000)
    return len(registrations)


@register_region
def courses_region(region: Region) -> str:
    rng = region.random("courses")
    courses = _courses(region, rng)
    gatherings = _gatherings(region, rng, courses)
    registrations = _registrations(region, rng, gatherings)
    return f"{len(courses)} courses, {len(gatherings)} gatherings, {registrations} registrations"


@register_pages
def course_pages(programme) -> list[PageVisit]:
    pages = [
        PageVisit("course list", reverse("courses:course_list"), "staff", weight=2),
        PageVisit("course list", reverse("courses:course_list"), "coordinator"),
    ]
    gatherings = Gathering.objects.filter(
        course__programme=programme, course__county__isnull=False
    ).values_list("pk", "course__county_id")
    pages += [
        PageVisit(
            "participant list",
            reverse("courses:participant_list", args=[pk]),
            "coordinator",
            county_id=county_id,
            weight=2,
        )
        for pk, county_id in gatherings
    ]
    return pages
