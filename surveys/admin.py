"""The admin asks the same survey policy as every page (portal.admin.PolicyAdminMixin)."""

from django.contrib import admin

from portal.admin import PolicyAdminMixin, SiteAdminOnly

from .builder.services import survey_structure_changed
from .models import Option, Page, Question, Statement, Survey


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    fields = ["position", "title", "condition_question", "condition_value"]
    raw_id_fields = ["condition_question"]


@admin.register(Survey)
class SurveyAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "programme",
        "county",
        "status",
        "anonymity",
        "opens_at",
        "closes_at",
    ]
    list_filter = ["status", "anonymity", "programme", "county"]
    list_select_related = ["programme", "county"]
    readonly_fields = ["open_link_token", "raw_answers_purged_at", "created_at", "updated_at"]
    raw_id_fields = ["baseline", "created_by"]
    filter_horizontal = ["audience_counties", "audience_libraries"]
    inlines = [PageInline]

    def save_related(self, request, form, formsets, change):
        # Pages changed here, past the builder's services: the answer pages' cached structure
        # must not outlive them.
        super().save_related(request, form, formsets, change)
        survey_structure_changed(survey_id=form.instance.pk)


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0


@admin.register(Question)
class QuestionAdmin(SiteAdminOnly, admin.ModelAdmin):
    """Questions of surveys the person may see; only site admins change them here."""

    list_display = ["code", "kind", "survey", "page", "position", "required"]
    list_filter = ["kind"]
    search_fields = ["code"]
    raw_id_fields = ["survey", "page", "condition_question", "competence_area"]
    inlines = [OptionInline, StatementInline]

    def save_related(self, request, form, formsets, change):
        # A question changed here, past the builder's services (see SurveyAdmin.save_related).
        super().save_related(request, form, formsets, change)
        moved_from = form.initial.get("survey")  # a question moved to another survey
        for survey_id in {form.instance.survey_id, moved_from} - {None}:
            survey_structure_changed(survey_id=survey_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        survey_structure_changed(survey_id=obj.survey_id)

    def delete_queryset(self, request, queryset):
        survey_ids = set(queryset.values_list("survey_id", flat=True))
        super().delete_queryset(request, queryset)
        for survey_id in survey_ids:
            survey_structure_changed(survey_id=survey_id)

    def get_queryset(self, request):
        from portal import permissions

        return (
            super()
            .get_queryset(request)
            .filter(survey__in=permissions.visible(request.user, Survey))
            .select_related("survey", "page")
        )
