"""The admin of the learning arena asks the same access policy as every page."""

from django.contrib import admin
from django.db import models

from portal.admin import PolicyAdminMixin

from .models import (
    Assignment,
    Criterion,
    CriterionFeedback,
    Lesson,
    LessonImage,
    Module,
    Post,
    Submission,
    Thread,
)


class LessonInline(admin.StackedInline):
    model = Lesson
    extra = 0
    fields = ["position", "title", "kind", "body", "url", "video_url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Module)
class ModuleAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "course", "position"]
    list_filter = ["course__programme", "course__county"]
    search_fields = ["title", "course__title"]
    list_select_related = ["course"]
    raw_id_fields = ["course"]
    inlines = [LessonInline]


class PostInline(admin.TabularInline):
    model = Post
    extra = 0
    fields = ["author", "body", "created_at", "is_hidden"]
    readonly_fields = ["author", "created_at"]


@admin.register(Thread)
class ThreadAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "course", "author", "created_at", "is_hidden", "is_locked"]
    list_filter = ["is_hidden", "is_locked", "course__county"]
    search_fields = ["title", "body", "course__title"]
    list_select_related = ["course", "author"]
    raw_id_fields = ["course", "author"]
    readonly_fields = ["created_at", "edited_at"]
    inlines = [PostInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "title", "description"]


@admin.register(Assignment)
class AssignmentAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "course", "deadline"]
    list_filter = ["course__county"]
    search_fields = ["title", "course__title"]
    list_select_related = ["course"]
    raw_id_fields = ["course", "module"]
    inlines = [CriterionInline]


class CriterionFeedbackInline(admin.TabularInline):
    model = CriterionFeedback
    extra = 0
    fields = ["criterion", "grade", "passes", "feedback"]
    readonly_fields = ["criterion"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LessonImage)
class LessonImageAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["file_name", "course", "uploaded_by", "created_at"]
    list_filter = ["course__county"]
    list_select_related = ["course", "uploaded_by"]
    raw_id_fields = ["course", "uploaded_by"]
    readonly_fields = ["file_name", "created_at"]


@admin.register(Submission)
class SubmissionAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["assignment", "user", "status", "submitted_at", "feedback_at"]
    list_filter = ["status", "assignment__course__county"]
    search_fields = ["user__email", "user__full_name", "assignment__title"]
    list_select_related = ["assignment", "user"]
    raw_id_fields = ["assignment", "user", "feedback_by"]
    readonly_fields = ["submitted_at", "attempt", "file_name"]
    inlines = [CriterionFeedbackInline]
