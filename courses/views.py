"""Pages of the course series. Thin: fetch through the policy, call a service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import permissions, querystring
from portal.forms import add_service_errors
from portal.models import Programme
from portal.table_versions import kept_html

from . import selectors, services
from .certificate import certificate_pdf
from .exports import participants_csv, participants_xlsx
from .forms import (
    AnswersForm,
    AttendanceForm,
    CourseForm,
    DeclineForm,
    EvaluationSurveyForm,
    GatheringCostForm,
    GatheringForm,
    QuestionForm,
    RegistrationForm,
    StaffRegistrationForm,
)
from .ical import calendar_bytes
from .models import (
    CalendarFeed,
    Course,
    Gathering,
    GatheringCost,
    Registration,
    RegistrationQuestion,
)

Status = Registration.Status


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _posted(request):
    """The form data of a POST (even an empty one: nothing ticked is an answer), else None."""
    return request.POST if request.method == "POST" else None


# --- courses ---


@login_required
def course_list(request):
    now = timezone.now()
    return render(
        request,
        "courses/course_list.html",
        {
            "overview": selectors.course_overview(user=request.user),
            "open_courses": _open_courses_html(request.user, now=now),
            "now": now,
            "programmes": permissions.for_action(
                request.user, Programme, "manage_content"
            ).order_by("-start_date", "name"),
        },
    )


def _open_courses_html(user, *, now) -> str:
    """The cards of the courses this person may register for, kept as HTML once for everyone
    with the same rule while the courses, their gatherings and areas are unchanged. The seats
    are not read into it: its key names which gatherings are coming and which of them are full,
    so a registration that takes a gathering's last seat shows at the next read, and the
    others leave the cards kept (a registration opening writes registrations all day)."""
    coming = selectors.coming_gatherings(now=now)
    scope = permissions.scope_key(user, Course, "register")
    (cards,) = kept_html(
        f"courses:open:{scope}:{coming.key()}",
        ["courses/_open_courses.html"],
        lambda: {"courses": selectors.courses_open(user=user, now=now), "full": coming.full},
    )
    return cards


def _course_queryset():
    return Course.objects.select_related("programme", "county").prefetch_related(
        "competence_areas",
        "audience_counties",
        "registration_questions",
        "programme__counties",  # the audience rule asks it for every gathering
        Prefetch(
            "gatherings",
            queryset=selectors.gatherings_with_counts().order_by("starts_at", "id"),
        ),
    )


@login_required
def course_detail(request, pk):
    course = permissions.get_visible_or_404(request, _course_queryset(), pk=pk)
    gatherings = list(course.gatherings.all())
    mine = {
        r.gathering_id: r
        for r in Registration.objects.filter(
            user=request.user,
            gathering__course=course,
            status__in=Registration.ACTIVE_STATUSES,
        )
    }
    rows = []
    for gathering in gatherings:
        registration = mine.get(gathering.pk)
        problem = None
        if registration is None:
            problem = services.registration_problem(
                user=request.user, gathering=gathering, registered=False
            )
        row = {"gathering": gathering, "registration": registration, "problem": problem}
        rows.append(row)
        row["may_register_staff"] = not gathering.is_cancelled and permissions.can(
            request.user, "register_staff", gathering
        )
    may_manage = permissions.can(request.user, "manage", course)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "rows": rows,
            "may_manage": may_manage,
            "statistics": _course_numbers(course) if may_manage else None,
            "is_participant": selectors.course_is_participant(user=request.user, course=course),
        },
    )


def _course_numbers(course: Course) -> dict:
    """The course's figures for its managers, with those who completed its online part."""
    from .learning.selectors import online_completer_counts

    numbers = selectors.course_statistics(courses=[course])
    numbers["completed_online"] = online_completer_counts(course_ids=[course.pk])[course.pk]
    return numbers


def _county_choices(user, programme):
    """The counties in which this person may run a course of the programme (by the policy)."""
    counties = [
        county
        for county in programme.counties.order_by("number")
        if permissions.can(user, "manage", Course(programme=programme, county=county))
    ]
    may_be_programme_wide = permissions.can(user, "manage", Course(programme=programme))
    return counties, may_be_programme_wide


@login_required
def course_create(request):
    programmes = list(
        permissions.for_action(request.user, Programme, "manage_content").order_by(
            "-start_date", "name"
        )
    )
    programme_id = request.POST.get("programme") or querystring.object_id_from_query(
        request, "programme"
    )
    if programme_id is None and len(programmes) == 1:
        programme_id = programmes[0].pk
    if programme_id is None:
        if not programmes:
            raise PermissionDenied
        return render(request, "courses/course_programme_choose.html", {"programmes": programmes})
    programme = permissions.get_visible_or_404(request, Programme, pk=programme_id)
    counties, may_be_programme_wide = _county_choices(request.user, programme)
    if not counties and not may_be_programme_wide:
        raise PermissionDenied
    county_qs = programme.counties.filter(pk__in=[c.pk for c in counties]).order_by("number")
    form = CourseForm(
        request.POST or None,
        programme=programme,
        county_choices=county_qs,
        may_be_programme_wide=may_be_programme_wide,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = services.course_create(
                created_by=request.user,
                programme=programme,
                county=data["county"],
                title=data["title"],
                description=data["description"],
                competence_areas=data["competence_areas"],
                audience=data["audience"],
                audience_counties=data["audience_counties"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The course was created. Now add its gatherings."))
            return redirect("courses:gathering_create", pk=course.pk)
    return render(
        request,
        "courses/course_form.html",
        {"form": form, "programme": programme, "course": None},
        status=400 if form.errors else 200,
    )


@login_required
def course_update(request, pk):
    course = permissions.get_visible_or_404(
        request, Course.objects.select_related("programme", "county"), pk=pk
    )
    permissions.require(request, "manage", course)
    form = CourseForm(
        request.POST or None, programme=course.programme, initial=CourseForm.initial_for(course)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.course_update(
                course=course,
                updated_by=request.user,
                title=data["title"],
                description=data["description"],
                competence_areas=data["competence_areas"],
                audience=data["audience"],
                audience_counties=data["audience_counties"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The course was saved."))
            return redirect("courses:course_detail", pk=course.pk)
    return render(
        request,
        "courses/course_form.html",
        {"form": form, "programme": course.programme, "course": course},
        status=400 if form.errors else 200,
    )


# --- gatherings ---


def _get_gathering(request, pk):
    return permissions.get_visible_or_404(
        request,
        Gathering.objects.select_related("course__programme", "course__county", "county"),
        pk=pk,
    )


@login_required
def gathering_create(request, pk):
    course = permissions.get_visible_or_404(
        request, Course.objects.select_related("programme", "county"), pk=pk
    )
    permissions.require(request, "manage", course)
    form = GatheringForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            gathering = services.gathering_create(
                course=course, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The gathering “%(name)s” was added.") % {"name": gathering}
            )
            if "add_another" in request.POST:
                return redirect("courses:gathering_create", pk=course.pk)
            return redirect("courses:course_detail", pk=course.pk)
    return render(
        request,
        "courses/gathering_form.html",
        {"form": form, "course": course, "gathering": None},
        status=400 if form.errors else 200,
    )


@login_required
def gathering_update(request, pk):
    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    form = GatheringForm(request.POST or None, instance=gathering, course=gathering.course)
    if request.method == "POST" and form.is_valid():
        try:
            # The service compares with the stored row (it locks and re-reads it).
            services.gathering_update(
                gathering=gathering, updated_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The gathering was saved."))
            return redirect("courses:course_detail", pk=gathering.course_id)
    return render(
        request,
        "courses/gathering_form.html",
        {"form": form, "course": gathering.course, "gathering": gathering},
        status=400 if form.errors else 200,
    )


@login_required
def gathering_costs(request, pk, cost_pk=None):
    """What a gathering cost: the recorded costs, and a form to add one (or change `cost_pk`)."""
    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    cost = None
    if cost_pk is not None:
        cost = get_object_or_404(GatheringCost, gathering=gathering, pk=cost_pk)
    if request.method == "POST" and "delete" in request.POST and cost is not None:
        services.gathering_cost_delete(cost=cost, deleted_by=request.user)
        messages.success(request, _("The cost was removed."))
        return redirect("courses:gathering_costs", pk=gathering.pk)
    form = GatheringCostForm(
        request.POST or None, instance=cost, programme=gathering.course.programme
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.gathering_cost_save(
                gathering=gathering, saved_by=request.user, cost=cost, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The cost was saved."))
            return redirect("courses:gathering_costs", pk=gathering.pk)
    costs = list(gathering.costs.select_related("funding_source"))
    return render(
        request,
        "courses/gathering_costs.html",
        {
            "gathering": gathering,
            "course": gathering.course,
            "costs": costs,
            "total": sum(c.amount for c in costs),
            "form": form,
            "cost": cost,
        },
        status=400 if form.errors else 200,
    )


@login_required
def gathering_cancel(request, pk):
    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    if request.method == "POST":
        try:
            services.gathering_cancel(gathering=gathering, cancelled_by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, _("The gathering was cancelled. Everyone registered is told by e-mail.")
            )
        return redirect("courses:course_detail", pk=gathering.course_id)
    registrants = gathering.registrations.filter(status__in=Registration.ACTIVE_STATUSES).count()
    return render(
        request,
        "courses/gathering_cancel.html",
        {"gathering": gathering, "course": gathering.course, "registrants": registrants},
    )


@login_required
def gathering_delete(request, pk):
    """A gathering nobody has registered for can be deleted (else it is cancelled)."""
    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    if request.method == "POST":
        services.gathering_delete(gathering=gathering, deleted_by=request.user)
        messages.success(request, _("The gathering “%(name)s” was deleted.") % {"name": gathering})
        return redirect("courses:course_detail", pk=gathering.course_id)
    if gathering.registrations.exists():
        messages.info(request, _("People have registered: cancel the gathering instead."))
        return redirect("courses:gathering_cancel", pk=gathering.pk)
    return render(
        request,
        "courses/gathering_delete.html",
        {"gathering": gathering, "course": gathering.course},
    )


# --- registration questions ---


def _managed_course(request, pk) -> Course:
    course = permissions.get_visible_or_404(
        request, Course.objects.select_related("programme", "county"), pk=pk
    )
    permissions.require(request, "manage", course)
    return course


@login_required
def question_list(request, pk):
    course = _managed_course(request, pk)
    form = QuestionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_create(course=course, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The question was added."))
            return redirect("courses:question_list", pk=course.pk)
    return render(
        request,
        "courses/question_list.html",
        {"course": course, "form": form, "questions": course.registration_questions.all()},
        status=400 if form.errors else 200,
    )


@login_required
def question_update(request, pk, question_pk):
    course = _managed_course(request, pk)
    question = get_object_or_404(RegistrationQuestion, course=course, pk=question_pk)
    form = QuestionForm(_posted(request), instance=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(
                question=question, updated_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("courses:question_list", pk=course.pk)
    return render(
        request,
        "courses/question_form.html",
        {"course": course, "form": form, "question": question},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def question_delete(request, pk, question_pk):
    course = _managed_course(request, pk)
    question = get_object_or_404(RegistrationQuestion, course=course, pk=question_pk)
    services.question_delete(question=question, deleted_by=request.user)
    messages.success(request, _("The question and its answers were deleted."))
    return redirect("courses:question_list", pk=course.pk)


def gathering_ics(request, pk):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    gathering = _get_gathering(request, pk)
    response = HttpResponse(calendar_bytes([gathering]), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="samling-{gathering.pk}.ics"'
    return response


# --- registration ---


@login_required
def registration_create(request, pk):
    """Step two of the two clicks: confirm (GET shows the page, POST registers)."""
    # No seat counted with it: the service counts under the gathering's lock, and the page only
    # says whether it is full (three counts compiled into this query cost a registration ~1 ms).
    gathering = permissions.get_visible_or_404(
        request,
        Gathering.objects.select_related(
            "county", "course__programme", "course__county"
        ).prefetch_related(  # read once, for the form, the rules and the service
            "course__registration_questions", "course__programme__counties"
        ),
        pk=pk,
    )
    libraries = services.registration_libraries(user=request.user, course=gathering.course)
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        libraries=libraries,  # read once: `if libraries` fills its cache for the form's `len`
        questions=gathering.course.registration_questions.all(),
        initial={"library": libraries[0].pk if libraries else None},
    )
    problem = None  # a POST asks the service, which checks under the gathering's lock
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(
                user=request.user,
                gathering=gathering,
                library=form.cleaned_data.get("library"),
                libraries=libraries,
                answers=form.answers(),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:
                problem = _error_text(error)
        else:
            if registration.status == Status.WAITING:
                messages.warning(
                    request,
                    _(
                        "The gathering is full: you are number %(position)s on the waiting "
                        "list. If a seat becomes free, it is offered to you by e-mail."
                    )
                    % {"position": registration.waiting_position},
                )
            elif registration.status == Status.AWAITING_APPROVAL:
                messages.info(
                    request,
                    _("A seat is kept for you until your library leader approves."),
                )
            else:
                messages.success(
                    request, _("You are registered. A confirmation is on its way by e-mail.")
                )
            return redirect("courses:registration_list")
    if problem is None:
        problem = services.registration_problem(user=request.user, gathering=gathering)
    return render(
        request,
        "courses/registration_confirm.html",
        {
            "gathering": gathering,
            "course": gathering.course,
            "form": form,
            "problem": problem,
            "full": selectors.gathering_is_full(gathering=gathering),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def registration_list(request):
    return render(
        request,
        "courses/registration_list.html",
        {
            "registrations": selectors.registration_list(user=request.user),
            "now": timezone.now(),
        },
    )


def _get_registration(request, pk):
    return permissions.get_visible_or_404(
        request,
        Registration.objects.select_related(
            "user", "library", "gathering__course__programme", "gathering__county"
        ),
        pk=pk,
    )


@login_required
def registration_cancel(request, pk):
    registration = _get_registration(request, pk)
    permissions.require(request, "cancel", registration)
    own = registration.user_id == request.user.pk
    back = (
        reverse("courses:registration_list")
        if own
        else reverse("courses:participant_list", args=[registration.gathering_id])
    )
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration, cancelled_by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The registration was cancelled."))
        return redirect(back)
    return render(
        request,
        "courses/registration_cancel.html",
        {"registration": registration, "gathering": registration.gathering, "back": back},
    )


@login_required
def approval_list(request):
    return render(
        request,
        "courses/approval_list.html",
        {"registrations": selectors.approvals_pending(user=request.user)},
    )


def _after_decision(request, registration):
    if request.POST.get("back") == "participants" or request.GET.get("back") == "participants":
        return redirect("courses:participant_list", pk=registration.gathering_id)
    return redirect("courses:approval_list")


@login_required
@require_POST
def registration_decide(request, pk):
    """Approve with one click (declining asks for a reason: `registration_decline`)."""
    registration = _get_registration(request, pk)
    permissions.require(request, "decide", registration)
    if request.POST.get("decision") == "decline":  # an old form: a "no" needs its reason
        return redirect("courses:registration_decline", pk=registration.pk)
    try:
        services.registration_decide(
            registration=registration, decided_by=request.user, approve=True
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        name = registration.user.get_full_name()
        messages.success(request, _("%(name)s's registration was approved.") % {"name": name})
    return _after_decision(request, registration)


@login_required
def registration_decline(request, pk):
    registration = _get_registration(request, pk)
    permissions.require(request, "decide", registration)
    if registration.status != Status.AWAITING_APPROVAL:
        messages.info(request, _("This registration is not waiting for a decision."))
        return _after_decision(request, registration)
    form = DeclineForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_decide(
                registration=registration,
                decided_by=request.user,
                approve=False,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            name = registration.user.get_full_name()
            messages.success(request, _("%(name)s's registration was declined.") % {"name": name})
            return _after_decision(request, registration)
    return render(
        request,
        "courses/registration_decline.html",
        {"registration": registration, "gathering": registration.gathering, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def registration_answers(request, pk):
    """The person answers (or changes their answers to) the course's registration questions."""
    registration = _get_registration(request, pk)
    permissions.require(request, "respond", registration)
    form = AnswersForm(
        _posted(request),
        questions=registration.gathering.course.registration_questions.all(),
        answers={a.question_id: a.value for a in registration.answers.all()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_answers_update(
                registration=registration, updated_by=request.user, answers=form.answers()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answers were saved."))
            return redirect("courses:registration_list")
    return render(
        request,
        "courses/registration_answers.html",
        {"registration": registration, "gathering": registration.gathering, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def registration_offer(request, pk):
    """The link in the seat-offer e-mail: say yes or no to the seat (a GET changes nothing)."""
    registration = _get_registration(request, pk)
    permissions.require(request, "respond", registration)
    if request.method == "POST":
        accept = request.POST.get("response") == "accept"
        try:
            if accept:
                services.registration_offer_accept(
                    registration=registration, accepted_by=request.user
                )
            else:
                services.registration_offer_decline(
                    registration=registration, declined_by=request.user
                )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("The seat is yours. A confirmation is on its way by e-mail.")
                if accept
                else _("You said no to the seat; it goes to the next person."),
            )
        return redirect("courses:registration_list")
    return render(
        request,
        "courses/registration_offer.html",
        {"registration": registration, "gathering": registration.gathering},
    )


@login_required
def staff_register(request, pk):
    """A library leader registers several of their staff for a gathering at once."""
    gathering = _get_gathering(request, pk)
    permissions.require(request, "register_staff", gathering)
    candidates = selectors.staff_candidates(user=request.user, gathering=gathering)
    form = StaffRegistrationForm(_posted(request), candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.registration_create_for_staff(
                registered_by=request.user, gathering=gathering, people=form.chosen()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            waiting = sum(1 for r in created if r.status == Status.WAITING)
            messages.success(
                request,
                _("%(count)s registered, %(waiting)s of them on the waiting list.")
                % {"count": len(created), "waiting": waiting},
            )
            return redirect("courses:staff_registrations")
    return render(
        request,
        "courses/staff_register.html",
        {
            "gathering": gathering,
            "course": gathering.course,
            "form": form,
            "candidates": candidates,
            "problem": services.registration_problem(user=request.user, gathering=gathering)
            if not candidates
            else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
def staff_registrations(request):
    """A library leader sees their staff's registrations, gathering by gathering."""
    return render(
        request,
        "courses/staff_registrations.html",
        {
            "gatherings": selectors.staff_registrations(user=request.user),
            "approvals": selectors.approvals_pending(user=request.user).count(),
            "now": timezone.now(),
        },
    )


@login_required
def certificate(request, pk):
    registration = _get_registration(request, pk)
    permissions.require(request, "certificate", registration)
    if not selectors.certificate_available(registration=registration):
        raise Http404
    response = HttpResponse(
        certificate_pdf(registration=registration), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="kursbevis-{registration.pk}.pdf"'
    return response


# --- managers: participants, attendance, exports, evaluation ---


@login_required
def participant_list(request, pk):
    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    registrations = selectors.participant_list(gathering=gathering, user=request.user)
    return render(
        request,
        "courses/participant_list.html",
        {
            "gathering": gathering,
            "course": gathering.course,
            "registrations": registrations,
            "seats_taken": sum(1 for r in registrations if r.holds_seat),
        },
    )


@login_required
def participant_export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    registrations = selectors.participant_list(gathering=gathering, user=request.user, export=True)
    if fmt == "csv":
        body = participants_csv(gathering=gathering, registrations=registrations)
        content_type = "text/csv; charset=utf-8"
    else:
        body = participants_xlsx(gathering=gathering, registrations=registrations)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="deltakere-{gathering.pk}.{fmt}"'
    return response


@login_required
def attendance(request, pk):
    """Check-in on the day: search by name, mark each person, or everyone present at once."""
    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    search = querystring.text_from_query(request, "q", max_length=100)
    registrations = selectors.attendance_list(gathering=gathering, search=search)
    form = AttendanceForm(
        request.POST if request.method == "POST" else None, registrations=registrations
    )
    everyone = request.POST.get("everyone") == "present"
    if request.method == "POST" and (everyone or form.is_valid()):
        try:
            services.attendance_mark(
                gathering=gathering,
                marked_by=request.user,
                attended=form.attended() if not everyone else {},
                everyone_present=everyone,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Attendance was saved."))
            query = f"?{urlencode({'q': search})}" if search else ""
            return redirect(reverse("courses:attendance", args=[gathering.pk]) + query)
    return render(
        request,
        "courses/attendance.html",
        {
            "gathering": gathering,
            "course": gathering.course,
            "form": form,
            "is_open": services.attendance_open(gathering),
            "search": search,
        },
        status=400 if form.errors else 200,
    )


@login_required
def gathering_evaluation(request, pk):
    from surveys.models import Survey

    gathering = _get_gathering(request, pk)
    permissions.require(request, "manage", gathering)
    surveys = permissions.for_action(request.user, Survey, "manage").filter(
        programme_id=gathering.course.programme_id
    )
    form = EvaluationSurveyForm(
        request.POST if request.POST.get("action") == "attach" else None,
        surveys=surveys,
        initial={"survey": gathering.evaluation_survey_id},
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "attach" and form.is_valid():
            try:
                services.gathering_evaluation_attach(
                    gathering=gathering,
                    survey=form.cleaned_data["survey"],
                    attached_by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The evaluation survey was saved."))
                return redirect("courses:gathering_evaluation", pk=gathering.pk)
        elif action == "invite":
            try:
                count = services.gathering_evaluation_invite(
                    gathering=gathering, invited_by=request.user
                )
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(
                    request,
                    _("%(count)s participants were invited to the evaluation.") % {"count": count},
                )
            return redirect("courses:gathering_evaluation", pk=gathering.pk)
    return render(
        request,
        "courses/gathering_evaluation.html",
        {
            "gathering": gathering,
            "course": gathering.course,
            "form": form,
            "has_ended": timezone.now() >= gathering.ends_at,
            "may_invite": gathering.evaluation_survey_id is not None
            and surveys.filter(pk=gathering.evaluation_survey_id).exists(),
            "attended": gathering.registrations.filter(status=Status.ATTENDED).count(),
        },
        status=400 if form.errors else 200,
    )


# --- calendar feed ---


@login_required
def calendar_feed_manage(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if services.calendar_feed_revoke(user=request.user):
                messages.success(request, _("Your calendar address no longer works."))
        else:
            services.calendar_feed_issue(user=request.user)
            messages.success(
                request, _("You have a new calendar address. Any old one no longer works.")
            )
        return redirect("courses:calendar_feed_manage")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    token = feed and services.calendar_feed_token(feed=feed)
    url = token and request.build_absolute_uri(reverse("courses:calendar_feed", args=[token]))
    return render(request, "courses/calendar_feed.html", {"feed": feed, "feed_url": url})


@never_cache
def calendar_feed(request, token):
    """A person's private feed: no login, the unguessable token is the key."""
    feed = selectors.calendar_feed_by_token(token)
    if feed is None:
        raise Http404
    gatherings = selectors.calendar_gatherings(user=feed.user)
    body = calendar_bytes(gatherings, name=_("My course gatherings"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kurs.ics"'
    return response
