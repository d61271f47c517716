from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_scopes import scopes_disabled

from grannar.core import charts
from grannar.core.downloads import attachment
from grannar.core.permissions import role_required
from grannar.evaluation import analysis, exports, selectors
from grannar.evaluation.forms import (
    AnswerForm,
    InviteForm,
    QuestionForm,
    SurveyCreateForm,
    SurveySeriesForm,
)
from grannar.evaluation.models import Question, Survey
from grannar.evaluation.services import (
    SurveyError,
    access_invitation,
    check_answerable,
    invitations_create,
    question_save,
    response_submit,
    survey_create_from_template,
    survey_set_series,
    survey_set_status,
)
from grannar.people.models import Role
from grannar.programmes.selectors import programme_list_for


def access_survey(user, pk: int) -> Survey:
    """A survey of a programme the user works in; otherwise 404."""
    return get_object_or_404(
        Survey.objects.select_related("programme", "course"),
        pk=pk,
        programme__in=programme_list_for(user),
    )


@role_required(Role.ADMIN, Role.EVALUATOR)
@require_GET
def survey_list_view(request):
    programmes = list(programme_list_for(request.user))
    surveys = selectors.survey_list(programmes=programmes)
    forms = []
    if request.user.is_superuser or request.user.has_role(Role.ADMIN):
        forms = [(p, SurveyCreateForm(programme=p, prefix=p.code)) for p in programmes]
    return render(request, "evaluation/survey_list.html", {"surveys": surveys, "forms": forms})


@role_required(Role.ADMIN)
@require_POST
def survey_create_view(request, code: str):
    programme = get_object_or_404(programme_list_for(request.user), code=code)
    form = SurveyCreateForm(request.POST, programme=programme, prefix=programme.code)
    if not form.is_valid():
        programmes = list(programme_list_for(request.user))
        forms = [
            (p, form if p == programme else SurveyCreateForm(programme=p, prefix=p.code))
            for p in programmes
        ]
        return render(
            request,
            "evaluation/survey_list.html",
            {"surveys": selectors.survey_list(programmes=programmes), "forms": forms},
            status=400,
        )
    survey = survey_create_from_template(
        programme=programme,
        template=form.cleaned_data["template"],
        mode=form.cleaned_data["mode"],
        course=form.cleaned_data["course"],
        closes=form.cleaned_data["closes"],
        series=form.cleaned_data["series"],
        by=request.user,
    )
    messages.success(request, _("The survey has been created as a draft."))
    return redirect("evaluation:survey", pk=survey.pk)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def survey_view(request, pk: int):
    survey = access_survey(request.user, pk)
    form = QuestionForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        question_save(form=form, by=request.user)
        messages.success(request, _("The question has been added."))
        return redirect("evaluation:survey", pk=survey.pk)
    return _survey_page(request, survey, form=form)


def _survey_page(request, survey: Survey, *, form=None, series_form=None):
    """The survey page; a form given with errors makes it a 400."""
    form = form or QuestionForm(survey=survey)
    series_form = series_form or SurveySeriesForm(survey=survey)
    return render(
        request,
        "evaluation/survey.html",
        {
            "survey": survey,
            "sections": survey.sections.prefetch_related("questions"),
            "form": form,
            "series_form": series_form,
            "invite_form": InviteForm(),
            "counts": selectors.survey_counts(survey),
        },
        status=400 if form.errors or series_form.errors else 200,
    )


@role_required(Role.ADMIN)
@require_POST
def survey_series_view(request, pk: int):
    survey = access_survey(request.user, pk)
    form = SurveySeriesForm(request.POST, survey=survey)
    if not form.is_valid():
        return _survey_page(request, survey, series_form=form)
    try:
        survey_set_series(survey=survey, series=form.cleaned_data["series"], by=request.user)
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The series has been saved."))
    return redirect("evaluation:survey", pk=survey.pk)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def question_edit_view(request, pk: int):
    question = get_object_or_404(
        Question.objects.select_related("section__survey"),
        pk=pk,
        section__survey__programme__in=programme_list_for(request.user),
    )
    form = QuestionForm(request.POST or None, instance=question, survey=question.section.survey)
    if request.method == "POST" and form.is_valid():
        question_save(form=form, by=request.user)
        messages.success(request, _("The question has been saved."))
        return redirect("evaluation:survey", pk=question.section.survey_id)
    return render(
        request,
        "evaluation/question_form.html",
        {"form": form, "question": question, "survey": question.section.survey},
        status=400 if form.errors else 200,
    )


@role_required(Role.ADMIN)
@require_POST
def survey_status_view(request, pk: int):
    survey = access_survey(request.user, pk)
    status = request.POST.get("status")
    if status not in (Survey.Status.OPEN, Survey.Status.CLOSED):
        raise Http404
    try:
        survey_set_status(survey=survey, status=status, by=request.user)
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The survey is now %(status)s.") % {"status": survey.get_status_display()}
        )
    return redirect("evaluation:survey", pk=survey.pk)


@role_required(Role.ADMIN)
@require_POST
def survey_invite_view(request, pk: int):
    survey = access_survey(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("evaluation:survey", pk=survey.pk)
    try:
        with scopes_disabled():
            people = selectors.invitees(
                survey=survey, who=form.cleaned_data["who"], emails=form.cleaned_data["emails"]
            )
        made = invitations_create(survey=survey, people=people, by=request.user)
    except (SurveyError, selectors.InviteeError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext("%(count)s invitation sent.", "%(count)s invitations sent.", made)
            % {"count": made},
        )
    return redirect("evaluation:survey", pk=survey.pk)


@role_required(Role.ADMIN, Role.EVALUATOR)
@require_GET
def survey_results_view(request, pk: int):
    survey = access_survey(request.user, pk)
    with scopes_disabled():
        cache: dict = {}
        result = analysis.survey_result(survey, labels=analysis.breakdown_labels(), cache=cache)
        series = analysis.series_result(survey, cache=cache)
        impact = (
            analysis.organisational_impact(survey)
            if survey.phase == Survey.Phase.ORGANISATION
            else None
        )
    for question in result.questions:
        question.chart = (
            charts.bar_chart(question.distribution, title=question.question.localized_text)
            if question.distribution
            else ""
        )
    return render(
        request,
        "evaluation/results.html",
        {"survey": survey, "result": result, "series": series, "impact": impact},
    )


@role_required(Role.ADMIN, Role.EVALUATOR)
@require_GET
def survey_export_view(request, pk: int, fmt: str):
    survey = access_survey(request.user, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    content, content_type = exports.survey_export(survey=survey, fmt=fmt, by=request.user)
    return attachment(
        content, filename=exports.survey_file_name(survey, fmt), content_type=content_type
    )


@require_http_methods(["GET", "POST"])
def survey_answer_view(request, token: str):
    """The one-time link: no sign-in, the token is the key."""
    try:
        invitation = access_invitation(token)
    except SurveyError as error:
        return render(request, "evaluation/answer_message.html", {"message": error}, status=404)
    try:
        check_answerable(invitation)
    except SurveyError as error:
        return render(request, "evaluation/answer_message.html", {"message": error}, status=410)
    survey = invitation.survey
    questions = list(Question.objects.filter(section__survey=survey).select_related("section"))
    form = AnswerForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            response_submit(token=token, answers=form.cleaned_data)
        except SurveyError as error:
            return render(request, "evaluation/answer_message.html", {"message": error}, status=410)
        return render(
            request,
            "evaluation/answer_message.html",
            {"message": _("Thank you! Your answer has been saved."), "done": True},
        )
    return render(
        request,
        "evaluation/answer.html",
        {"survey": survey, "form": form},
        status=400 if form.errors else 200,
    )
