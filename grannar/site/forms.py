from django import forms
from django.utils.translation import gettext_lazy as _

from grannar.site.models import AccessibilityReport, SitePage


class SitePageForm(forms.ModelForm):
    class Meta:
        model = SitePage
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20})}


class AccessibilityReportForm(forms.ModelForm):
    class Meta:
        model = AccessibilityReport
        fields = ["description", "page_url", "reply_to"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "reply_to": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        help_texts = {
            "page_url": _("The address or name of the page, if the problem is on one page."),
            "reply_to": _("Optional. We only use it to answer you."),
        }
