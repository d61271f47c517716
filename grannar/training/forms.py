import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from grannar.programmes.models import Municipality, StaffCategory


class CatalogueFilterForm(forms.Form):
    subgoal = forms.TypedChoiceField(
        label=_("Sub-goal"), required=False, coerce=int, empty_value=None
    )
    category = forms.ModelChoiceField(
        label=_("Staff category"),
        queryset=StaffCategory.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(memberships__participates=True).distinct(),
        required=False,
        empty_label=_("All municipalities"),
    )
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    free_only = forms.BooleanField(label=_("Only sessions with free seats"), required=False)

    def __init__(self, *args, subgoals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subgoal"].choices = [("", _("All sub-goals"))] + [
            (s.number, f"{s.number}. {s.title}") for s in subgoals
        ]


class StaffRegistrationForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("Staff to register"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person.")},
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people


class AttendanceForm(forms.Form):
    present = forms.TypedChoiceField(
        choices=[("yes", _("Present")), ("no", _("Absent"))],
        coerce=lambda value: value == "yes",
    )
    hours = forms.DecimalField(
        label=_("Hours, if only part of the session"),
        required=False,
        min_value=Decimal("0.25"),
        max_digits=5,
        decimal_places=2,
    )


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class AttestForm(forms.Form):
    programme = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.DateField(widget=forms.HiddenInput, input_formats=["%Y-%m-%d"])

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)
