import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from grannar.collaboration.models import Engagement, GroupMember, Outcome, Routine
from grannar.programmes.models import Sector, StaffCategory, SubGoal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _today() -> dt.date:
    return dt.date.today()


class WorkshopForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    focus = forms.CharField(
        label=_("Focus"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The area the municipality chose to develop."),
    )
    subgoals = forms.ModelMultipleChoiceField(
        label=_("Sub-goals"),
        queryset=SubGoal.objects.select_related("programme").order_by("programme", "number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, programmes=None, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is None:
            del self.fields["programme"], self.fields["municipality"]
        else:
            self.fields["programme"].queryset = programmes
            self.fields["municipality"].queryset = municipalities


class MemberForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=None)
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.order_by("name"))
    role = forms.ChoiceField(label=_("Role"), choices=GroupMember.Role.choices)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE, initial=_today)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Present"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members


class RoutineForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem it solves"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors it binds"),
        queryset=Sector.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Two or more."),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members


class StepDateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE, initial=_today)


class AdoptForm(StepDateForm):
    decided_by = forms.CharField(label=_("Decided by"), max_length=200)
    reference = forms.CharField(
        label=_("Decision reference"),
        max_length=200,
        help_text=_("For example the minutes of a management-group meeting."),
    )


class FollowUpForm(StepDateForm):
    in_use = forms.ChoiceField(
        label=_("Still in use"), choices=Routine.InUse.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


STEP_FORMS = {
    "testing": StepDateForm,
    "adopt": AdoptForm,
    "follow_up": FollowUpForm,
    "retire": StepDateForm,
}


class EngagementForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Session"), queryset=None, required=False)
    meeting = forms.ModelChoiceField(
        label=_("Pilot workshop meeting"), queryset=None, required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=Engagement.Role.choices)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.25"), max_digits=5, decimal_places=2
    )

    def __init__(self, *args, sessions, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["meeting"].queryset = meetings


class OutcomeForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    moment = forms.ChoiceField(label=_("Moment"), choices=Outcome.Moment.choices)
    result = forms.ChoiceField(label=_("Outcome"), choices=Outcome.Result.choices)
    recorded_on = forms.DateField(label=_("Date"), widget=DATE, initial=_today)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class LetterForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes


class PlanForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    workplace = forms.ModelChoiceField(label=_("Workplace"), queryset=None)
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)
    actions = forms.CharField(
        label=_("Actions"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the workplace does to meet its needs: training, recruitment, routines."),
    )

    def __init__(self, *args, programmes=None, workplaces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is None:
            del self.fields["programme"], self.fields["workplace"]
        else:
            self.fields["programme"].queryset = programmes
            self.fields["workplace"].queryset = workplaces


class NeedForm(forms.Form):
    staff_category = forms.ModelChoiceField(
        label=_("Staff category"), queryset=StaffCategory.objects.order_by("name")
    )
    head_count = forms.IntegerField(label=_("Head count"), min_value=1, max_value=10000)
    competences = forms.CharField(
        label=_("Competences needed"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    courses = forms.ModelMultipleChoiceField(
        label=_("Courses that meet the need"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courses"].queryset = courses


class PlanAdoptForm(StepDateForm):
    reference = forms.CharField(
        label=_("Decision reference"),
        max_length=200,
        help_text=_("For example the minutes of a management-group meeting."),
    )


class PlanFollowUpForm(StepDateForm):
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


PLAN_STEP_FORMS = {"adopt": PlanAdoptForm, "follow_up": PlanFollowUpForm}


class LessonForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    context = forms.CharField(
        label=_("Context"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    what_we_did = forms.CharField(
        label=_("What we did"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    what_happened = forms.CharField(
        label=_("What happened"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    recommendation = forms.CharField(
        label=_("Recommendation"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    workshop = forms.ModelChoiceField(label=_("Pilot workshop"), queryset=None, required=False)
    routine = forms.ModelChoiceField(label=_("Routine"), queryset=None, required=False)
    course = forms.ModelChoiceField(label=_("Course"), queryset=None, required=False)

    def __init__(self, *args, programmes, workshops, routines, courses, edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["programme"]
        else:
            self.fields["programme"].queryset = programmes
        self.fields["workshop"].queryset = workshops
        self.fields["routine"].queryset = routines
        self.fields["course"].queryset = courses
