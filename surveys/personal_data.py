"""What the surveys app holds about a person (portal/privacy.py).

Anonymous answers are not linked to anyone and are never exported. For a confidential survey the
person's own answers are; who was invited to which survey is for both kinds.
"""

from portal.privacy import Section, register_erasure, register_export

from .models import Answer, Participation, Response


@register_export
def surveys(*, user):
    yield Section(
        "survey-participation",
        [
            {
                "survey": str(p.survey),
                "invited": p.invited_at,
                "started": p.started_at,
                "completed": p.completed_at,
                "reminders": p.reminders_sent,
            }
            for p in Participation.objects.filter(user=user).select_related("survey")
        ],
    )
    answers = (
        Answer.objects.filter(response__respondent=user)
        .select_related("response__survey", "question", "statement")
        .order_by("response_id", "id")
    )
    yield Section(
        "survey-answers",
        [
            {
                "survey": str(a.response.survey),
                "submitted": a.response.submitted_at,
                "question": a.question.code,
                "statement": a.statement.code if a.statement else "",
                "dimension": a.dimension,
                "choice": a.choice,
                "number": a.number,
                "text": a.text,
                "dont_know": a.dont_know,
            }
            for a in answers
        ],
    )


@register_erasure
def surveys_erase(*, user):
    # Confidential responses stay in the figures but lose the link to the person, as if they
    # had been anonymous; unfinished ones are deleted (they count in no figure).
    Response.objects.filter(respondent=user, submitted_at__isnull=True).delete()
    Response.objects.filter(respondent=user).update(respondent=None, resume_key=None)
    Participation.objects.filter(invited_by=user).update(invited_by=None)
