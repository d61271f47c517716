import datetime as dt
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from grannar.people.models import Role, User
from grannar.programmes.models import Municipality, Programme, StaffCategory
from grannar.training.models import Course, ImportJob, Session


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


class StaffChoiceField(forms.ModelMultipleChoiceField):
    """A person with workplace and category, so that two of the same name can be told apart."""

    def label_from_instance(self, person) -> str:
        workplace = person.workplace.name if person.workplace else person.workplace_name
        category = (
            str(_("Support resource"))
            if person.support_resource
            else (person.staff_category.name if person.staff_category else "")
        )
        details = " · ".join(part for part in (workplace, category) if part)
        return f"{person.full_name} ({details})" if details else person.full_name


class StaffRegistrationForm(forms.Form):
    people = StaffChoiceField(
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


class MonthFilterForm(forms.Form):
    """Programme and month, the filters the auditor's lists share."""

    programme = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.all(),
        required=False,
        empty_label=_("All programmes"),
    )
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Give the month as YYYY-MM, e.g. 2025-03.")},
    )

    def filters(self) -> dict:
        """The chosen filters as selector arguments (none for an invalid form)."""
        if not self.is_valid():
            return {}
        programme = self.cleaned_data["programme"]
        return {
            "programme_id": programme.pk if programme else None,
            "month": self.cleaned_data["month"],
        }


class AttestationFilterForm(MonthFilterForm):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.all(),
        required=False,
        empty_label=_("All municipalities"),
    )
    signed = forms.TypedChoiceField(
        label=_("Attestation"),
        choices=[("", _("Signed and not signed")), ("yes", _("Signed")), ("no", _("Not signed"))],
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    field_order = ["programme", "municipality", "month", "signed"]

    def filters(self) -> dict:
        chosen = super().filters()
        if chosen:
            municipality = self.cleaned_data["municipality"]
            chosen["municipality_id"] = municipality.pk if municipality else None
            chosen["signed"] = self.cleaned_data["signed"]
        return chosen


class EvidenceFilterForm(MonthFilterForm):
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict:
        chosen = super().filters()
        if chosen:
            chosen["person_id"] = self.cleaned_data["person"]
        return chosen


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "programme",
            "code",
            "title",
            "description",
            "format",
            "subgoals",
            "target_categories",
            "credited_hours",
            "status",
        ]
        widgets = {
            "subgoals": forms.CheckboxSelectMultiple,
            "target_categories": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def clean(self):
        data = super().clean()
        programme = data.get("programme")
        foreign = [
            s for s in data.get("subgoals", []) if s.programme_id != getattr(programme, "pk", None)
        ]
        if foreign:
            self.add_error(
                "subgoals",
                forms.ValidationError(
                    _("Choose only sub-goals of the course's programme."), code="subgoal_programme"
                ),
            )
        return data


def _local(field_label, help_text=""):
    # type=datetime-local: browsers show a date and time picker; values are Swedish local time.
    return forms.DateTimeField(
        label=field_label,
        help_text=help_text,
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": 300}, format="%Y-%m-%dT%H:%M"
        ),
    )


def course_choices(current: Course | None = None) -> list:
    """Courses for a session, grouped: one group per programme, then the regular catalogue.
    Archived courses are left out unless the session already has one."""
    courses = Course.objects.select_related("programme").order_by(
        "programme__name", "title", "code"
    )
    if current is not None:
        courses = courses.exclude(~Q(pk=current.pk), status=Course.Status.ARCHIVED)
    else:
        courses = courses.exclude(status=Course.Status.ARCHIVED)
    groups: dict[str, list] = {}
    regular = []
    for course in courses:
        label = f"{course.title} ({course.code})"
        if course.status != Course.Status.PUBLISHED:
            label = f"{label} – {course.get_status_display()}"
        if course.programme is None:
            regular.append((course.pk, label))
        else:
            groups.setdefault(course.programme.name, []).append((course.pk, label))
    choices = [("", "---------"), *groups.items()]
    if regular:
        choices.append((_("Regular catalogue"), regular))
    return choices


def trainer_label(user: User) -> str:
    """A trainer by name where the account belongs to a person, always with the e-mail address."""
    return f"{user.person.full_name} ({user.email})" if user.person else user.email


class SessionForm(forms.ModelForm):
    starts = _local(_("Starts"), _("Date and time (Swedish time)."))
    ends = _local(_("Ends"), _("Date and time (Swedish time); after the start."))
    registration_opens = _local(
        _("Registration opens"),
        _("Empty: registration is open as soon as the course is published."),
    )
    registration_closes = _local(
        _("Registration closes"), _("Empty: registration is open until the session starts.")
    )
    cancellation_deadline = _local(
        _("Cancellation deadline"),
        _("Participants can cancel themselves until then. Empty: until the start."),
    )
    reservations_release_at = _local(_("Reserved seats are released"))
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")

    class Meta:
        model = Session
        fields = [
            "course",
            "code",
            "starts",
            "ends",
            "location",
            "online_url",
            "host_municipality",
            "credited_hours",
            "capacity",
            "registration_opens",
            "registration_closes",
            "cancellation_deadline",
            "reservations_release_at",
            "trainers",
        ]
        widgets = {"trainers": forms.CheckboxSelectMultiple}
        help_texts = {
            "code": _("A short unique code, e.g. trauma-2025-03-molndal; used in imports."),
            "capacity": _("All seats, including those reserved for municipalities."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts"].required = self.fields["ends"].required = True
        current = self.instance.course if self.instance.pk else None
        self.fields["course"].choices = course_choices(current)
        self.fields["trainers"].queryset = (
            User.objects.filter(roles__role=Role.TRAINER)
            .select_related("person")
            .distinct()
            .order_by("email")
        )
        self.fields["trainers"].label_from_instance = trainer_label
        self.fields["credited_hours"].required = False
        self.fields["credited_hours"].help_text = _("Empty: the course's hours.")
        self.fields["reservations_release_at"].help_text = _(
            "Seats reserved for a municipality are kept for its staff until this time; then "
            "the seats still free go to everyone, those on the waiting list first. Empty: "
            "%(days)s days before the start, once seats are reserved."
        ) % {"days": settings.GRANNAR_RESERVATION_RELEASE_DAYS}

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends <= starts:
            self.add_error(
                "ends",
                forms.ValidationError(
                    _("The end must be after the start."), code="ends_before_start"
                ),
            )
        for name in ("registration_closes", "cancellation_deadline", "reservations_release_at"):
            if starts and data.get(name) and data[name] > starts:
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Must be before the session starts."), code="after_start"
                    ),
                )
        opens, closes = data.get("registration_opens"), data.get("registration_closes")
        if opens and (closes or starts) and opens >= (closes or starts):
            self.add_error(
                "registration_opens",
                forms.ValidationError(
                    _("Registration must open before it closes and before the start."),
                    code="window",
                ),
            )
        if not data.get("credited_hours") and data.get("course"):
            data["credited_hours"] = data["course"].credited_hours
        instance = self.instance
        capacity = data.get("capacity")
        if (
            instance.pk
            and capacity is not None
            and capacity < instance.seats_taken + instance.reserved_free
        ):
            self.add_error(
                "capacity",
                forms.ValidationError(
                    ngettext(
                        "%(taken)s seat is taken or reserved; the capacity cannot be lower.",
                        "%(taken)s seats are taken or reserved; the capacity cannot be lower.",
                        instance.seats_taken + instance.reserved_free,
                    )
                    % {"taken": instance.seats_taken + instance.reserved_free},
                    code="capacity_too_low",
                ),
            )
        return data


class ReservationForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(memberships__participates=True).distinct(),
    )
    seats = forms.IntegerField(
        label=_("Reserved seats"),
        min_value=0,
        help_text=_(
            "Seats held for this municipality's staff: others cannot take them until the "
            "release time set above. A lower number gives seats not yet taken back to everyone."
        ),
    )


class SessionCancelForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, cancel the session and tell everyone registered"), required=True
    )


class CourseHandoverForm(forms.Form):
    on = forms.DateField(
        label=_("Handed over on"),
        help_text=_("Sessions that start after this day count in no programme figure."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    receiving_organiser = forms.CharField(label=_("Receiving organiser"), max_length=200)


class ImportUploadForm(forms.Form):
    MAX_BYTES = 10 * 1024 * 1024

    kind = forms.ChoiceField(label=_("What to import"), choices=ImportJob.Kind.choices)
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.all())
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_large")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."), code="file_type")
        return upload


class ImportConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and skip the rows with problems"), required=False
    )
