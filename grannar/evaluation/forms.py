from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grannar.evaluation.models import Question, Survey, localized
from grannar.evaluation.services import SurveyError, check_series, default_series
from grannar.evaluation.templates import DEFAULT_SERIES, NO_CHILD_DATA, TEMPLATES

TEMPLATE_LABELS = {
    "reaction": _("Reaction after each session"),
    "before": _("Competence before the training (per sub-goal)"),
    "after": _("Competence after the training (per sub-goal)"),
    "followup": _("Use in practice, 4–6 months later"),
    "organisation": _("Change in the unit (for managers)"),
}


class SurveyCreateForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Template"), choices=[(t, TEMPLATE_LABELS[t]) for t in TEMPLATES]
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=Survey.Mode.choices,
        help_text=_(
            "Anonymous: no link to the person. Pseudonymous: before, after and follow-up are "
            "linked through a code. Named: the answer is stored with the person."
        ),
    )
    # The length is checked with the rest of the series, so that one message says it all.
    series = forms.CharField(label=_("Series"), required=False)
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=None, required=False, empty_label=_("The whole programme")
    )
    closes = forms.DateTimeField(
        label=_("Closes"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        from grannar.training.models import Course

        self.programme = programme
        self.fields["series"].help_text = _(
            "Before, after and follow-up surveys in the same series are linked, so that change "
            "is measured on the same people. Empty: “%(series)s” for these three kinds when "
            "the mode is pseudonymous or named, otherwise none. Give a series of your own, "
            "such as “kompetens-2025”, for a second round; lowercase letters a–z, digits and "
            "hyphens."
        ) % {"series": DEFAULT_SERIES}
        self.fields["course"].queryset = Course.objects.filter(programme=programme)

    def clean(self):
        data = super().clean()
        template, mode = data.get("template"), data.get("mode")
        if template and mode:
            series = data.get("series") or default_series(template=template, mode=mode)
            try:
                check_series(programme=self.programme, series=series, phase=template, mode=mode)
            except SurveyError as error:
                self.add_error("series", str(error))
            data["series"] = series
        return data


class SurveySeriesForm(forms.Form):
    """The series of an existing survey, changeable until someone has answered."""

    series = forms.CharField(label=_("Series"), required=False)

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.initial.setdefault("series", survey.series)
        self.fields["series"].help_text = _(
            "Before, after and follow-up surveys in the same series are linked, so that change "
            "is measured on the same people. Empty: the survey stands alone. Lowercase letters "
            "a–z, digits and hyphens; it can change only until someone has answered."
        )

    def clean_series(self):
        series = self.cleaned_data["series"]
        try:
            check_series(
                programme=self.survey.programme,
                series=series,
                phase=self.survey.phase,
                mode=self.survey.mode,
                survey=self.survey,
            )
        except SurveyError as error:
            raise ValidationError(str(error)) from error
        return series


class QuestionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: value | Swedish | English. Only for choice questions."),
    )

    section = forms.ModelChoiceField(
        label=_("Section"), queryset=None, required=False, empty_label=_("A new section")
    )
    new_section = forms.CharField(label=_("New section (Swedish)"), required=False, max_length=200)
    new_section_en = forms.CharField(
        label=_("New section (English)"), required=False, max_length=200
    )

    class Meta:
        model = Question
        fields = ["section", "code", "kind", "text", "text_en", "required"]

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.fields["section"].queryset = survey.sections.all()
        if not self.instance.pk:
            self.initial.setdefault("section", survey.sections.order_by("-order").first())
        if self.instance.pk and self.instance.choices:
            self.initial["choices_text"] = "\n".join(
                f"{c['value']} | {c['sv']} | {c.get('en', '')}" for c in self.instance.choices
            )

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = Question.objects.filter(section__survey=self.survey, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Another question in this survey has that code."))
        return code

    def clean(self):
        data = super().clean()
        if not data.get("section") and not (data.get("new_section") or "").strip():
            self.add_error("new_section", _("Choose a section or name a new one."))
        kind = data.get("kind")
        lines = [line for line in (data.get("choices_text") or "").splitlines() if line.strip()]
        choices = []
        for number, line in enumerate(lines, start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) < 2 or not parts[0] or not parts[1]:
                self.add_error(
                    "choices_text",
                    _("Line %(line)s: write value | Swedish | English.") % {"line": number},
                )
                continue
            choices.append({"value": parts[0], "sv": parts[1], "en": parts[2] if parts[2:] else ""})
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(choices) < 2:
            self.add_error("choices_text", _("A choice question needs at least two choices."))
        self.instance.choices = (
            choices if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) else []
        )
        return data


class InviteForm(forms.Form):
    who = forms.ChoiceField(
        label=_("Invite"),
        choices=[
            ("attended", _("Everyone who attended (the course, or the whole programme)")),
            ("emails", _("The people with these e-mail addresses")),
        ],
        widget=forms.RadioSelect,
    )
    emails = forms.CharField(
        label=_("E-mail addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line."),
    )

    def clean(self):
        data = super().clean()
        if data.get("who") == "emails" and not (data.get("emails") or "").strip():
            self.add_error("emails", _("Write at least one e-mail address."))
        return data


class AnswerForm(forms.Form):
    """The survey's questions as a form, in the reader's language."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[question.code] = self._field(question)
            self.fields[question.code].section = question.section

    def _field(self, question: Question) -> forms.Field:
        common = {"label": question.localized_text, "required": question.required}
        if question.kind == Question.Kind.LIKERT:
            low, high = question.scale_label("low"), question.scale_label("high")
            choices = [(str(v), str(v)) for v in range(1, 6)]
            if low:
                choices[0] = ("1", f"1 – {low}")
            if high:
                choices[4] = ("5", f"5 – {high}")
            return forms.TypedChoiceField(
                choices=choices, coerce=int, widget=forms.RadioSelect, empty_value=None, **common
            )
        if question.kind == Question.Kind.SINGLE:
            return forms.ChoiceField(
                choices=question.localized_choices(), widget=forms.RadioSelect, **common
            )
        if question.kind == Question.Kind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=question.localized_choices(), widget=forms.CheckboxSelectMultiple, **common
            )
        if question.kind == Question.Kind.NUMBER:
            return forms.DecimalField(min_value=0, max_value=100000, decimal_places=2, **common)
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=4000,
            help_text=localized(NO_CHILD_DATA["sv"], NO_CHILD_DATA["en"]),
            **common,
        )
