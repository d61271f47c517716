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


class EmailDelivery(models.Model):
    """An e-mail handed to the mail server, by its idempotency key: a job run again after a
    worker died finds the row and sends nothing. The key holds ids only, no address."""

    key = models.CharField(max_length=200, unique=True)
    sent = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")

    def __str__(self) -> str:
        return self.key
