from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    action = forms.CharField(
        label=_("Action"),
        required=False,
        help_text=_(
            "Pick an action, or write words of its description or the beginning of its code, "
            "e.g. people.person"
        ),
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
    )
    actor = forms.CharField(
        label=_("Done by (e-mail address)"),
        required=False,
        help_text=_("The whole address or a part of it."),
    )
    target = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
