"""What the exchange app holds about a person (portal/privacy.py): applications, the decisions on
them, placements and the participant's report."""

from django.db.models import Q

from portal.privacy import ERASED_TEXT, Section, erased_email, register_erasure, register_export

from .models import Application, Decision, HostFeedback, Offer, Placement, PlacementReport


@register_export
def exchanges(*, user):
    applications = Application.objects.filter(applicant=user).select_related(
        "offer", "home_library"
    )
    yield Section(
        "exchange-applications",
        [
            {
                "offer": a.offer.title,
                "home_library": a.home_library.name,
                "first_day": a.starts_on,
                "last_day": a.ends_on,
                "learning_goals": a.learning_goals,
                "sharing_plan": a.sharing_plan,
                "estimated_cost": a.estimated_cost,
                "budget_details": a.budget_note,
                "status": a.get_status_display(),
            }
            for a in applications
        ],
    )
    yield Section(
        "exchange-decisions",
        [
            {
                "offer": d.application.offer.title,
                "step": d.get_step_display(),
                "decision": d.get_outcome_display(),
                "reason": d.reason,
                "when": d.decided_at,
            }
            for d in Decision.objects.filter(application__applicant=user).select_related(
                "application__offer"
            )
        ],
    )
    yield Section(
        "exchange-reports",
        [
            {
                "offer": r.placement.application.offer.title,
                "first_day": r.placement.starts_on,
                "learnt": r.learnt,
                "changes_at_home": r.changes_at_home,
                "shared": r.shared,
                "submitted": r.submitted_at,
            }
            for r in PlacementReport.objects.filter(
                placement__application__applicant=user
            ).select_related("placement__application__offer")
        ],
    )


@register_erasure
def exchanges_erase(*, user):
    # Applications and placements stay (the programme's exchange figures and costs count them);
    # what the person wrote goes. Decisions they made stay, without their name.
    Application.objects.filter(applicant=user).update(
        learning_goals=ERASED_TEXT, sharing_plan=ERASED_TEXT, budget_note=""
    )
    PlacementReport.objects.filter(placement__application__applicant=user).update(
        learnt=ERASED_TEXT, changes_at_home=ERASED_TEXT, shared=ERASED_TEXT
    )
    Decision.objects.filter(decided_by=user).update(decided_by=None)
    HostFeedback.objects.filter(author=user).update(author=None)
    Offer.objects.filter(created_by=user).update(created_by=None)
    Offer.objects.filter(contact_email__iexact=user.email).update(
        contact_name=ERASED_TEXT, contact_email=erased_email(user), contact_phone=""
    )
    names = Q(host_contact__icontains=user.email)
    if user.full_name:
        names |= Q(host_contact__icontains=user.full_name)
    Placement.objects.filter(names).update(host_contact=ERASED_TEXT)
