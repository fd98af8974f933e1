"""What the model libraries hold about a person (portal/privacy.py): the projects they are a
contact person of, the comments they wrote on reports, the files they attached and the plan
anchoring changes they made. (Who did what to a report is in the portal's audit log, exported
and erased with the portal's own data.)"""

from portal.privacy import Section, register_erasure, register_export

from .models import ModelLibrary, PlanAnchoringChange, ReportAttachment, ReportComment


@register_export
def model_libraries(*, user):
    yield Section(
        "model-library-contacts",
        [
            {"model_library": m.title, "library": m.library.name}
            for m in user.model_library_contacts.select_related("library")
        ],
    )
    yield Section(
        "model-library-report-comments",
        [
            {
                "report": str(c.report),
                "kind": c.get_kind_display(),
                "comment": c.text,
                "when": c.created_at,
            }
            for c in ReportComment.objects.filter(author=user).select_related(
                "report__model_library__library", "report__period"
            )
        ],
    )
    yield Section(
        "model-library-attachments",
        [
            {"report": str(a.report), "file": a.name, "uploaded": a.uploaded_at}
            for a in ReportAttachment.objects.filter(uploaded_by=user).select_related(
                "report__model_library__library", "report__period"
            )
        ],
    )
    yield Section(
        "model-library-plan-changes",
        [
            {"plan": c.plan.name, "status": c.get_status_display(), "when": c.changed_at}
            for c in PlanAnchoringChange.objects.filter(changed_by=user).select_related("plan")
        ],
    )


@register_erasure
def model_libraries_erase(*, user):
    # Reports, their comments and files belong to the library's project and stay (a returned
    # report's comment is the coordinator's decision); the person's name goes from all of them.
    user.model_library_contacts.clear()
    ReportComment.objects.filter(author=user).update(author=None)
    ReportAttachment.objects.filter(uploaded_by=user).update(uploaded_by=None)
    PlanAnchoringChange.objects.filter(changed_by=user).update(changed_by=None)
    ModelLibrary.objects.filter(appointed_by=user).update(appointed_by=None)
