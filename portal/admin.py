from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox, permissions, privacy
from .forms import LibraryAdminForm, ProgrammeAdminForm, RoleAssignmentAdminForm
from .models import (
    AuditLogEntry,
    CompetenceArea,
    County,
    FundingSource,
    Invitation,
    Library,
    OutboxMessage,
    Programme,
    RoleAssignment,
    User,
)


class PolicyAdminMixin:
    """The admin asks the same access policy as every page, so /admin is no side door."""

    def get_queryset(self, request):
        return permissions.visible(request.user, self.model) & super().get_queryset(request)

    def has_view_permission(self, request, obj=None):
        return permissions.is_site_admin(request.user) and (
            obj is None or permissions.can(request.user, "view", obj)
        )

    def has_change_permission(self, request, obj=None):
        return permissions.is_site_admin(request.user)

    has_add_permission = has_delete_permission = has_module_permission = has_change_permission


class SiteAdminOnly:
    def has_module_permission(self, request):
        return permissions.is_site_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_site_admin(request.user)

    has_change_permission = has_add_permission = has_delete_permission = has_view_permission


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentAdminForm
    extra = 0
    autocomplete_fields = ["programme", "county", "library"]


@admin.register(User)
class UserAdmin(PolicyAdminMixin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_language", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_superuser", "roles__role"]
    readonly_fields = ["erased_at"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "preferred_language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [RoleAssignmentInline]
    actions = ["erase_personal_data"]

    @admin.action(description=_("Erase the personal data of the selected people"))
    def erase_personal_data(self, request, queryset):
        people = [person for person in queryset if person != request.user and not person.erased_at]
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/portal/user/erase_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase personal data"),
                    "people": people,
                    "opts": self.model._meta,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for person in people:
            privacy.person_erase(erased_by=request.user, person=person)
        self.message_user(
            request,
            ngettext(
                "The personal data of %(count)d person was erased.",
                "The personal data of %(count)d people was erased.",
                len(people),
            )
            % {"count": len(people)},
            messages.SUCCESS,
        )
        return None


@admin.register(County)
class CountyAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "name", "is_historical"]
    search_fields = ["name", "number"]


@admin.register(Library)
class LibraryAdmin(PolicyAdminMixin, admin.ModelAdmin):
    form = LibraryAdminForm
    list_display = ["name", "kind", "county", "municipality_number", "isil"]
    list_filter = ["kind", "county"]
    search_fields = ["name", "municipality_number", "isil"]
    list_select_related = ["county"]


class CompetenceAreaInline(admin.TabularInline):
    model = CompetenceArea
    extra = 0


class FundingSourceInline(admin.TabularInline):
    model = FundingSource
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(PolicyAdminMixin, admin.ModelAdmin):
    form = ProgrammeAdminForm
    list_display = ["name", "start_date", "end_date", "lead_county"]
    search_fields = ["name"]
    filter_horizontal = ["counties"]
    inlines = [CompetenceAreaInline, FundingSourceInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SiteAdminOnly, admin.ModelAdmin):
    form = RoleAssignmentAdminForm
    list_display = ["user", "role", "programme", "county", "library"]
    list_filter = ["role", "programme", "county"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user", "programme", "county", "library"]
    list_select_related = ["user", "programme", "county", "library"]


@admin.register(Invitation)
class InvitationAdmin(SiteAdminOnly, admin.ModelAdmin):
    list_display = ["email", "library", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "library__county"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by", "invited_by"]
    list_select_related = ["library"]


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(SiteAdminOnly, admin.ModelAdmin):
    list_display = ["created_at", "action", "user", "county", "object_type", "object_id"]
    list_filter = ["action", "county"]
    readonly_fields = [f.name for f in AuditLogEntry._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SiteAdminOnly, admin.ModelAdmin):
    """E-mails and tasks on their way (portal/outbox.py): the failed ones can be sent again."""

    list_display = ["created_at", "task", "args", "status", "attempts", "available_at"]
    list_filter = ["status", "task"]
    search_fields = ["task", "key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["deliver_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Deliver again"))
    def deliver_again(self, request, queryset):
        count = outbox.retry(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d message will be delivered again.",
                "%(count)d messages will be delivered again.",
                count,
            )
            % {"count": count},
        )
