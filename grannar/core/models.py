from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change or one disclosure of personal data; written only through `log_action`."""

    created = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    # A plain id, not a foreign key: the log outlives what it describes.
    municipality_id = models.BigIntegerField(_("municipality"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M} {self.action}"


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
