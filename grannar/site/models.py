from django.db import models
from django.utils.translation import gettext_lazy as _


class SitePage(models.Model):
    """A page every visitor can read, edited by programme admins (statement, privacy notice)."""

    class Slug(models.TextChoices):
        ACCESSIBILITY = "tillganglighet", _("Accessibility statement")
        PRIVACY = "personuppgifter", _("Privacy notice")

    slug = models.SlugField(_("page"), max_length=40, unique=True, choices=Slug.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Blank lines separate paragraphs."))
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("site page")
        verbose_name_plural = _("site pages")

    def __str__(self) -> str:
        return self.title


class AccessibilityReport(models.Model):
    """A visitor's report of an accessibility problem (required of Swedish public services)."""

    created = models.DateTimeField(_("received"), auto_now_add=True)
    description = models.TextField(_("what is the problem?"), max_length=5000)
    page_url = models.CharField(_("page"), max_length=500, blank=True)
    reply_to = models.EmailField(_("e-mail for our reply"), blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("accessibility report")
        verbose_name_plural = _("accessibility reports")

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M}"
