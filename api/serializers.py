"""What the API answers: the portal's objects as plain JSON, read-only.

Related objects are given by id (with a name where a report needs one), so a list costs a fixed
number of queries: the viewsets select and prefetch what these read.
"""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from courses.models import Course, Gathering, Registration
from hospitering.models import BudgetLine, Offer, OfferPeriod, Placement
from modelbibliotek.models import Indicator, IndicatorValue, ModelLibrary, ProgressReport
from portal.models import CompetenceArea, County, Library, Programme
from surveys.models import Option, Page, Question, Statement, Survey


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["id", "number", "name", "is_historical"]


class CompetenceAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetenceArea
        fields = ["id", "code", "name", "name_nn", "name_en", "position"]


class ProgrammeSerializer(serializers.ModelSerializer):
    counties = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    competence_areas = CompetenceAreaSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "short_name",
            "description",
            "start_date",
            "end_date",
            "lead_county",
            "counties",
            "competence_areas",
        ]


class LibrarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Library
        fields = ["id", "name", "kind", "county", "municipality_number", "isil"]


# --- surveys: their structure (never answers; figures only through /results/) ---------------


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Option
        fields = ["value", "label", "position"]


class StatementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Statement
        fields = ["id", "code", "text", "competence_area", "position"]


class QuestionSerializer(serializers.ModelSerializer):
    options = OptionSerializer(many=True, read_only=True)
    statements = StatementSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "code",
            "kind",
            "text",
            "help_text",
            "required",
            "competence_area",
            "scale_min",
            "scale_max",
            "scale_labels",
            "allow_dont_know",
            "position",
            "options",
            "statements",
        ]


class PageSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Page
        fields = ["id", "title", "position", "questions"]


class SurveySerializer(serializers.ModelSerializer):
    class Meta:
        model = Survey
        fields = [
            "id",
            "programme",
            "county",
            "title",
            "status",
            "anonymity",
            "opens_at",
            "closes_at",
            "min_group_size",
            "baseline",
            "raw_answers_purged_at",
        ]


class SurveyDetailSerializer(SurveySerializer):
    pages = PageSerializer(many=True, read_only=True)

    class Meta(SurveySerializer.Meta):
        fields = [*SurveySerializer.Meta.fields, "intro", "languages", "pages"]


# --- courses ---------------------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    competence_areas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "programme",
            "county",
            "title",
            "description",
            "competence_areas",
            "audience",
            "created_at",
        ]


class CourseCompletionSerializer(serializers.ModelSerializer):
    """A course's online part (the id is the course's): its size, its participants and who
    completed it."""

    modules = serializers.IntegerField(source="module_count", read_only=True)
    lessons = serializers.IntegerField(source="lesson_count", read_only=True)
    assignments = serializers.IntegerField(source="assignment_count", read_only=True)
    participants = serializers.IntegerField(source="participant_count", read_only=True)
    completed = serializers.IntegerField(source="completed_count", read_only=True)
    completion_share = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "id",
            "programme",
            "county",
            "title",
            "modules",
            "lessons",
            "assignments",
            "participants",
            "completed",
            "completion_share",
        ]

    def get_completion_share(self, course) -> float | None:
        """Completed participants over participants (0 to 1); none without participants."""
        if not course.participant_count:
            return None
        return round(course.completed_count / course.participant_count, 4)


class ParticipantCompletionSerializer(serializers.Serializer):
    """A participant's progress through a course's online part (see the completion page)."""

    person = serializers.IntegerField(source="user.pk")
    person_name = serializers.CharField(source="user.full_name")
    lessons_done = serializers.IntegerField()
    lessons_total = serializers.SerializerMethodField()
    assignments_approved = serializers.IntegerField()
    assignments_total = serializers.SerializerMethodField()
    percent = serializers.IntegerField()
    completed = serializers.SerializerMethodField()

    def get_lessons_total(self, row) -> int:
        return self.context["lessons_total"]

    def get_assignments_total(self, row) -> int:
        return self.context["assignments_total"]

    def get_completed(self, row) -> bool:
        """Every lesson done and every assignment approved: the certificate is theirs."""
        total = self.context["lessons_total"] + self.context["assignments_total"]
        return bool(total) and row.lessons_done + row.assignments_approved >= total


class GatheringSerializer(serializers.ModelSerializer):
    seats_taken = serializers.IntegerField(read_only=True)
    waiting_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Gathering
        fields = [
            "id",
            "course",
            "title",
            "starts_at",
            "ends_at",
            "venue_name",
            "municipality",
            "county",
            "capacity",
            "seats_taken",
            "waiting_count",
            "registration_opens_at",
            "registration_deadline",
            "hours",
            "cancelled_at",
        ]


class RegistrationSerializer(serializers.ModelSerializer):
    course = serializers.IntegerField(source="gathering.course_id", read_only=True)
    person = serializers.IntegerField(source="user_id", read_only=True)
    person_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "gathering",
            "course",
            "person",
            "person_name",
            "library",
            "status",
            "created_at",
            "decided_at",
            "cancelled_at",
        ]


# --- the exchange ----------------------------------------------------------------------------


class OfferPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfferPeriod
        fields = ["id", "starts_on", "ends_on", "places"]


class OfferSerializer(serializers.ModelSerializer):
    competence_areas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    periods = OfferPeriodSerializer(many=True, read_only=True)
    county = serializers.IntegerField(source="host_library.county_id", read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "programme",
            "host_library",
            "county",
            "title",
            "description",
            "competence_areas",
            "themes",
            "languages",
            "status",
            "periods",
            "created_at",
        ]


class BudgetLineSerializer(serializers.ModelSerializer):
    funding_source = serializers.CharField(source="funding_source.name", read_only=True)

    class Meta:
        model = BudgetLine
        fields = ["id", "kind", "description", "planned", "actual", "funding_source"]


class PlacementSerializer(serializers.ModelSerializer):
    offer = serializers.IntegerField(source="application.offer_id", read_only=True)
    programme = serializers.IntegerField(source="application.offer.programme_id", read_only=True)
    host_library = serializers.IntegerField(
        source="application.offer.host_library_id", read_only=True
    )
    home_library = serializers.IntegerField(source="application.home_library_id", read_only=True)
    home_county = serializers.IntegerField(
        source="application.home_library.county_id", read_only=True
    )
    participant = serializers.IntegerField(source="application.applicant_id", read_only=True)
    participant_name = serializers.CharField(
        source="application.applicant.full_name", read_only=True
    )
    costs = BudgetLineSerializer(source="budget_lines", many=True, read_only=True)
    planned_total = serializers.SerializerMethodField()
    actual_total = serializers.SerializerMethodField()

    class Meta:
        model = Placement
        fields = [
            "id",
            "offer",
            "programme",
            "host_library",
            "home_library",
            "home_county",
            "participant",
            "participant_name",
            "starts_on",
            "ends_on",
            "cancelled_at",
            "costs",
            "planned_total",
            "actual_total",
        ]

    def get_planned_total(self, placement) -> Decimal:
        return sum((line.planned for line in placement.budget_lines.all()), Decimal(0))

    def get_actual_total(self, placement) -> Decimal:
        return sum((line.actual or Decimal(0) for line in placement.budget_lines.all()), Decimal(0))


# --- model libraries ---------------------------------------------------------------------------


class ModelLibrarySerializer(serializers.ModelSerializer):
    county = serializers.IntegerField(source="library.county_id", read_only=True)
    competence_areas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ModelLibrary
        fields = [
            "id",
            "programme",
            "library",
            "county",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "competence_areas",
        ]


class IndicatorValueSerializer(serializers.ModelSerializer):
    period = serializers.IntegerField(source="report.period_id", read_only=True)
    period_title = serializers.CharField(source="report.period.title", read_only=True)
    period_ends_on = serializers.DateField(source="report.period.ends_on", read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["report", "period", "period_title", "period_ends_on", "number", "text"]


class IndicatorSerializer(serializers.ModelSerializer):
    model_library = serializers.IntegerField(source="goal.model_library_id", read_only=True)
    goal_title = serializers.CharField(source="goal.title", read_only=True)
    values = IndicatorValueSerializer(source="reported_values", many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "model_library",
            "goal",
            "goal_title",
            "name",
            "unit",
            "baseline_number",
            "baseline_text",
            "baseline_on",
            "target_number",
            "target_text",
            "target_on",
            "portal_figure",
            "values",
        ]


class ProgressReportSerializer(serializers.ModelSerializer):
    period_title = serializers.CharField(source="period.title", read_only=True)
    period_starts_on = serializers.DateField(source="period.starts_on", read_only=True)
    period_ends_on = serializers.DateField(source="period.ends_on", read_only=True)
    due_on = serializers.DateField(source="period.due_on", read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "model_library",
            "period",
            "period_title",
            "period_starts_on",
            "period_ends_on",
            "due_on",
            "status",
            "submitted_at",
            "approved_at",
        ]
