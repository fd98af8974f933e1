from django.contrib import admin

from portal.admin import PolicyAdminMixin

from .models import Application, BudgetLine, Offer, OfferPeriod, Placement


class OfferPeriodInline(admin.TabularInline):
    model = OfferPeriod
    extra = 0


@admin.register(Offer)
class OfferAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "host_library", "programme", "status", "created_at"]
    list_filter = ["status", "programme", "host_library__county"]
    search_fields = ["title", "host_library__name"]
    raw_id_fields = ["host_library", "created_by"]
    filter_horizontal = ["competence_areas"]
    list_select_related = ["host_library", "programme"]
    inlines = [OfferPeriodInline]


@admin.register(Application)
class ApplicationAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["applicant", "offer", "starts_on", "status", "step"]
    list_filter = ["status", "step"]
    search_fields = ["applicant__email", "applicant__full_name", "offer__title"]
    raw_id_fields = ["offer", "period", "applicant", "home_library"]
    list_select_related = ["applicant", "offer"]
    # The approval chain and the places move only through the services (they lock the period).
    readonly_fields = ["status", "step"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


@admin.register(Placement)
class PlacementAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["application", "starts_on", "ends_on", "cancelled_at"]
    raw_id_fields = ["application"]
    list_select_related = ["application__applicant", "application__offer"]
    inlines = [BudgetLineInline]
