from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from grannar.people.checks import check_birth_year, check_personnummer, personnummer_birth_year
from grannar.people.models import Person, User, normalize_email
from grannar.people.selectors import managed_municipalities, workplace_list
from grannar.people.services import PERSON_FIELDS
from grannar.programmes.models import (
    Municipality,
    normalise_organisation_number,
    organisation_number_validator,
)


class PersonForm(forms.ModelForm):
    """A person's data as an admin or coordinator edits it; the personnummer is write-only."""

    personnummer = forms.CharField(
        label=_("Personnummer"),
        required=False,
        max_length=13,
        help_text=_(
            "Only needed for the funder's participant report. Stored encrypted and never shown."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    clear_personnummer = forms.BooleanField(label=_("Remove stored personnummer"), required=False)

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        field_classes = {"workplace": SafeModelChoiceField}
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["municipality"].queryset = managed_municipalities(user)
        self.fields["workplace"].queryset = workplace_list(user=user)
        self.fields["staff_category"].help_text = _(
            "Required unless the person is a support resource."
        )
        if not (self.instance.pk and self.instance.has_personnummer):
            del self.fields["clear_personnummer"]

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        others = Person.objects.with_scopes_disabled().filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(
                _("A person with this e-mail address is already registered."), code="duplicate"
            )
        return email

    def clean_birth_year(self) -> int | None:
        value = self.cleaned_data.get("birth_year")
        check_birth_year(value)
        return value

    def clean_personnummer(self) -> str:
        value = self.cleaned_data.get("personnummer", "")
        return check_personnummer(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        if not data.get("support_resource") and not data.get("staff_category"):
            self.add_error(
                "staff_category",
                ValidationError(
                    _("Choose a staff category, or mark the person as a support resource."),
                    code="category_required",
                ),
            )
        workplace, municipality = data.get("workplace"), data.get("municipality")
        if workplace and municipality and workplace.municipality_id != municipality.pk:
            self.add_error(
                "workplace",
                ValidationError(
                    _("The workplace belongs to %(other)s, not %(municipality)s.")
                    % {"other": workplace.municipality, "municipality": municipality},
                    code="workplace_municipality",
                ),
            )
        pnr = data.get("personnummer")
        if pnr:
            year = personnummer_birth_year(pnr)
            if data.get("birth_year") and data["birth_year"] != year:
                self.add_error(
                    "birth_year",
                    ValidationError(
                        _("The birth year does not match the personnummer (%(year)s).")
                        % {"year": year},
                        code="birth_year_mismatch",
                    ),
                )
            elif not data.get("birth_year"):
                data["birth_year"] = year
        return data

    def person_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def personnummer_change(self) -> str | None:
        """The new personnummer, "" to remove it, or None to keep what is stored."""
        if self.cleaned_data.get("personnummer"):
            return self.cleaned_data["personnummer"]
        if self.cleaned_data.get("clear_personnummer"):
            return ""
        return None


class WorkplaceForm(forms.Form):
    """A workplace's own organisation number, for an employer other than the municipality."""

    organisation_number = forms.CharField(
        label=_("Organisation number of the employer"),
        required=False,
        max_length=13,
        help_text=_(
            "Only when the employer is not the municipality, e.g. a private HVB home. "
            "Leave empty and the municipality's number is used."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_organisation_number(self) -> str:
        value = self.cleaned_data.get("organisation_number", "").strip()
        if value:
            organisation_number_validator(value)
            value = normalise_organisation_number(value)
        return value


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("All municipalities"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = managed_municipalities(user)


class LoginForm(AuthenticationForm):
    """Sign-in with e-mail address and password; the address is compared case-insensitively."""

    username = UsernameField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _("Wrong e-mail address or password. Both are needed to sign in."),
        "inactive": _("This account is not active."),
    }

    def clean_username(self) -> str:
        return normalize_email(self.cleaned_data.get("username", ""))


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    token = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )
