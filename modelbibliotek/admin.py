from django.contrib import admin

from portal.admin import PolicyAdminMixin, SiteAdminOnly

from .models import (
    Goal,
    Indicator,
    Milestone,
    ModelLibrary,
    PlanAnchoring,
    ProgressReport,
    ReportAttachment,
    ReportPeriod,
)


class GoalInline(admin.StackedInline):
    model = Goal
    extra = 0
    filter_horizontal = ["competence_areas"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class PlanAnchoringInline(admin.TabularInline):
    model = PlanAnchoring
    extra = 0


@admin.register(ModelLibrary)
class ModelLibraryAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "library", "programme", "starts_on", "ends_on"]
    list_filter = ["programme", "library__county"]
    search_fields = ["title", "library__name"]
    raw_id_fields = ["library", "appointed_by"]
    filter_horizontal = ["competence_areas", "contact_people"]
    list_select_related = ["library", "programme"]
    inlines = [GoalInline, MilestoneInline, PlanAnchoringInline]


@admin.register(Indicator)
class IndicatorAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "goal", "unit", "portal_figure"]
    list_filter = ["unit"]
    search_fields = ["name", "goal__title"]
    raw_id_fields = ["goal"]
    list_select_related = ["goal"]


class ReportAttachmentInline(admin.TabularInline):
    model = ReportAttachment
    extra = 0
    readonly_fields = ["name", "size", "uploaded_by", "uploaded_at"]
    fields = ["name", "size", "uploaded_by", "uploaded_at"]


@admin.register(ProgressReport)
class ProgressReportAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["model_library", "period", "status", "submitted_at", "approved_at"]
    list_filter = ["status", "period__programme", "model_library__library__county"]
    search_fields = ["model_library__title", "model_library__library__name"]
    raw_id_fields = ["model_library", "period"]
    list_select_related = ["model_library__library", "period"]
    # Read-only here, for site admins too: reports are written and decided only through the
    # services (they check the status, lock the report, freeze it and keep the history).
    inlines = [ReportAttachmentInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportPeriod)
class ReportPeriodAdmin(SiteAdminOnly, admin.ModelAdmin):
    """Report periods belong to the programme (set by the project leader in the portal)."""

    list_display = ["title", "programme", "starts_on", "ends_on", "due_on"]
    list_filter = ["programme"]
