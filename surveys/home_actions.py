"""What the surveys app offers on the home page, and its demo survey."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions
from portal.demo import COLLEAGUE_DOMAIN, DemoCalendar
from portal.home import HomeAction, register, register_demo
from portal.models import Programme

from .builder import services
from .models import Participation, Survey
from .texts import LEVEL_LABELS


@register
def survey_actions(*, user, programme) -> list[HomeAction]:
    actions = []
    to_answer = Participation.objects.filter(
        user=user,
        completed_at__isnull=True,
        survey__programme=programme,
        survey__status=Survey.Status.OPEN,
    ).aggregate(total=Count("id"), started=Count("id", filter=Q(started_at__isnull=False)))
    if to_answer["total"]:
        actions.append(
            HomeAction(
                _("Surveys to answer"),
                reverse("surveys:survey_list"),
                _("Started: %(started)s of %(total)s. Your answers are kept until you send them.")
                % to_answer
                if to_answer["started"]
                else _("Not started yet. Your answers help plan the competence programme."),
                count=to_answer["total"],
            )
        )
    if permissions.can(user, "manage_content", programme):
        actions.append(
            HomeAction(
                _("Surveys"),
                reverse("surveys:survey_list"),
                _("Build competence-needs surveys, invite staff and follow the answers."),
            )
        )
    return actions


DEMO_TITLE = {
    "nb": "Kartlegging av kompetansebehov",
    "nn": "Kartlegging av kompetansebehov",
    "en": "Competence needs survey",
}
AGREEMENT = {
    "nb": ["Helt uenig", "Litt uenig", "Verken eller", "Litt enig", "Helt enig"],
    "nn": ["Heilt usamd", "Litt usamd", "Verken eller", "Litt samd", "Heilt samd"],
    "en": ["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"],
}


FOLLOW_UP_TITLE = {
    "nb": "Oppfølgingskartlegging av kompetanse",
    "nn": "Oppfølgingskartlegging av kompetanse",
    "en": "Follow-up competence survey",
}


@register_demo
@transaction.atomic
def demo_survey_load(*, programme: Programme, calendar: DemoCalendar | None = None) -> Survey:
    """The loop's surveys: a baseline of competence needs held about ten months before the
    calendar's day (closed; most of the invited answered) and its follow-up, open now with the
    people who can log in invited (e-mails on commit) — or, in a finished programme, closed
    with most of the invited answered. Returns the follow-up."""
    calendar = calendar or DemoCalendar.current()
    existing = Survey.objects.filter(programme=programme, title__nb=FOLLOW_UP_TITLE["nb"]).first()
    if existing:
        return existing
    leader = permissions.users_for("change", programme).order_by("pk").first()
    baseline = _demo_survey_build(programme=programme, leader=leader)
    _demo_survey_held(
        baseline, leader, opens_at=calendar.moment(-320), closes_at=calendar.moment(-290)
    )
    follow_up = services.survey_copy(
        survey=baseline, user=leader, as_follow_up=True, title=FOLLOW_UP_TITLE
    )
    if calendar.finished:
        _demo_survey_held(
            follow_up, leader, opens_at=calendar.moment(-7), closes_at=calendar.moment(30)
        )
        return follow_up
    follow_up = services.survey_open(
        survey=follow_up, user=leader, closes_at=timezone.now() + timedelta(days=30)
    )
    _demo_participations(follow_up, invited=calendar.moment(-7), answered_share=0.4)
    services.survey_invite_users(
        survey=follow_up,
        users=services.survey_audience_users(follow_up).exclude(
            email__endswith=f"@{COLLEAGUE_DOMAIN}"
        ),
        invited_by=leader,
    )
    return follow_up


def _demo_survey_held(survey: Survey, leader, *, opens_at, closes_at) -> None:
    """Opened and closed through the services (which refuse dates in the past), then dated to
    when it was held, with most of the invited colleagues having answered."""
    services.survey_open(survey=survey, user=leader, closes_at=timezone.now() + timedelta(1))
    services.survey_close(survey=survey, user=leader)
    Survey.objects.filter(pk=survey.pk).update(opens_at=opens_at, closes_at=closes_at)
    _demo_participations(survey, invited=opens_at, answered_share=0.7)


def _demo_participations(survey: Survey, *, invited, answered_share: float) -> None:
    """The generated colleagues' invitations, sent on `invited` (no e-mail now), a share of them
    answered. Their answers are the synthetic responses (`demo_responses_load`): anonymous, so
    not linked to these rows."""
    answered = invited + timedelta(days=3)
    people = list(
        services.survey_audience_users(survey)
        .filter(email__endswith=f"@{COLLEAGUE_DOMAIN}")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Participation.objects.bulk_create(
        [
            Participation(
                survey=survey,
                user_id=user_id,
                token_hash=f"unsent-{secrets.token_hex(16)}",
                invited_at=invited,
                invitation_sent_at=invited,
                completed_at=answered if index % 10 < answered_share * 10 else None,
            )
            for index, user_id in enumerate(people)
        ],
        batch_size=1000,
    )


def _demo_survey_build(*, programme: Programme, leader) -> Survey:
    """The competence-needs survey's structure (a draft)."""
    survey = services.survey_create(
        created_by=leader,
        programme=programme,
        title=DEMO_TITLE,
        intro={
            "nb": "Hjelp oss å finne ut hva bibliotekene trenger å lære mer om.",
            "nn": "Hjelp oss å finne ut kva biblioteka treng å lære meir om.",
            "en": "Help us find out what the libraries need to learn more about.",
        },
        reminder_interval_days=7,
    )
    about = services.page_create(
        survey=survey,
        user=leader,
        title={"nb": "Om deg", "nn": "Om deg", "en": "About you"},
    )
    services.question_create(
        page=about,
        user=leader,
        kind="likert",
        code="motivasjon",
        text={
            "nb": "Jeg ønsker å delta i kompetansetiltak det neste året.",
            "nn": "Eg ønskjer å delta i kompetansetiltak det neste året.",
            "en": "I want to take part in competence measures next year.",
        },
        scale_labels=AGREEMENT,
        allow_dont_know=True,
    )
    position = services.question_create(
        page=about,
        user=leader,
        kind="single_choice",
        code="stilling",
        text={"nb": "Hva er din stilling?", "nn": "Kva er stillinga di?", "en": "Your position?"},
        required=True,
    )
    services.options_set(
        question=position,
        user=leader,
        labels=[
            {"nb": "Bibliotekar", "nn": "Bibliotekar", "en": "Librarian"},
            {"nb": "Biblioteksjef", "nn": "Biblioteksjef", "en": "Head librarian"},
            {"nb": "Annen stilling", "nn": "Anna stilling", "en": "Other position"},
        ],
    )
    channels = services.question_create(
        page=about,
        user=leader,
        kind="multiple_choice",
        code="laeringsform",
        text={
            "nb": "Hvordan lærer du helst?",
            "nn": "Korleis lærer du helst?",
            "en": "How do you prefer to learn?",
        },
        allow_other=True,
    )
    services.options_set(
        question=channels,
        user=leader,
        labels=[
            {"nb": "Kurs og samlinger", "nn": "Kurs og samlingar", "en": "Courses and gatherings"},
            {"nb": "Nettkurs", "nn": "Nettkurs", "en": "Online courses"},
            {"nb": "Hospitering", "nn": "Hospitering", "en": "Job shadowing"},
        ],
    )
    needs = services.page_create(
        survey=survey,
        user=leader,
        title={"nb": "Kompetanse", "nn": "Kompetanse", "en": "Competence"},
        intro={
            "nb": "Vurder hvor viktig hvert område er i jobben din, og hvor god du er på det.",
            "nn": "Vurder kor viktig kvart område er i jobben din, og kor god du er på det.",
            "en": "Rate how important each area is in your job, and how competent you feel.",
        },
    )
    for area in programme.competence_areas.all():
        pair = services.question_create(
            page=needs,
            user=leader,
            kind="competence_pair",
            code=f"kompetanse-{area.code}"[:40],
            text={
                "nb": area.name,
                "nn": area.name_nn or area.name,
                "en": area.name_en or area.name,
            },
            competence_area=area,
            scale_labels=LEVEL_LABELS,
        )
        services.statements_set(
            question=pair,
            user=leader,
            texts=[
                {
                    "nb": f"{area.name}: å kjenne fagfeltet",
                    "nn": f"{area.name_nn or area.name}: å kjenne fagfeltet",
                    "en": f"{area.name_en or area.name}: knowing the field",
                },
                {
                    "nb": f"{area.name}: å bruke det i praksis",
                    "nn": f"{area.name_nn or area.name}: å bruke det i praksis",
                    "en": f"{area.name_en or area.name}: using it in practice",
                },
            ],
        )
    services.question_create(
        page=needs,
        user=leader,
        kind="long_text",
        code="onsker",
        text={
            "nb": "Hva annet ønsker du å lære mer om?",
            "nn": "Kva anna ønskjer du å lære meir om?",
            "en": "What else would you like to learn more about?",
        },
    )
    return survey
