from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from grannar.api.tokens import MAX_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the system that uses it."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=lambda: settings.GRANNAR_API_TOKEN_DAYS,
    )
