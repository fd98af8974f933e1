from django.contrib import admin

from portal import permissions
from portal.admin import PolicyAdminMixin

from .models import (
    CalendarFeed,
    Course,
    Gathering,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)


class GatheringInline(admin.TabularInline):
    model = Gathering
    extra = 0
    fields = ["title", "starts_at", "ends_at", "venue_name", "county", "capacity", "cancelled_at"]
    show_change_link = True


class RegistrationQuestionInline(admin.TabularInline):
    model = RegistrationQuestion
    extra = 0
    fields = ["position", "text", "kind", "choices", "required", "personal"]


@admin.register(Course)
class CourseAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "programme", "county", "audience", "created_at"]
    list_filter = ["programme", "county", "audience"]
    search_fields = ["title"]
    autocomplete_fields = ["programme", "county"]
    filter_horizontal = ["competence_areas", "audience_counties"]
    inlines = [GatheringInline, RegistrationQuestionInline]


class RegistrationAnswerInline(admin.TabularInline):
    model = RegistrationAnswer
    extra = 0
    fields = ["question", "value"]
    readonly_fields = ["question"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Gathering)
class GatheringAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "course", "starts_at", "county", "capacity", "cancelled_at"]
    list_filter = ["county", "requires_leader_approval"]
    search_fields = ["title", "course__title", "venue_name", "municipality"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["course", "evaluation_survey"]
    list_select_related = ["course", "county"]


@admin.register(Registration)
class RegistrationAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "gathering", "library", "status", "waiting_position", "created_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__full_name", "gathering__course__title"]
    raw_id_fields = ["gathering", "user", "library", "decided_by", "registered_by"]
    list_select_related = ["user", "gathering__course", "library"]
    # Seats, offers and the waiting list change only through the services (which lock the
    # gathering).
    readonly_fields = ["status", "waiting_position", "offer_expires_at"]
    inlines = [RegistrationAnswerInline]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "issued_at"]
    fields = ["user", "created_at", "issued_at"]
    readonly_fields = ["user", "created_at", "issued_at"]

    def has_module_permission(self, request):
        return permissions.is_site_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_site_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return permissions.is_site_admin(request.user)
