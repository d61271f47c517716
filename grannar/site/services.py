"""Changes owned by the site app: site pages and accessibility reports."""

from django.db import transaction
from django.utils.translation import gettext as _

from grannar.core.audit import log_action
from grannar.core.tasks import email_after_commit
from grannar.site.models import AccessibilityReport, SitePage


def site_page_save(*, slug: str, title: str, body: str, by) -> SitePage:
    """Create or change a site page."""
    with transaction.atomic():
        page, created = SitePage.objects.update_or_create(
            slug=slug, defaults={"title": title, "body": body}
        )
        log_action(
            action="site.site_page.created" if created else "site.site_page.changed",
            actor=by,
            target=page,
            data={"slug": slug},
        )
    return page


def accessibility_report_create(
    *, description: str, page_url: str, reply_to: str, recipients: list[str]
) -> AccessibilityReport:
    """Store a reported accessibility problem and tell the programme admins."""
    with transaction.atomic():
        report = AccessibilityReport.objects.create(
            description=description, page_url=page_url, reply_to=reply_to
        )
        log_action(action="site.accessibility_report.received", target=report)
        email_after_commit(
            subject=_("Accessibility problem reported in Grannar"),
            body=_("Page: %(page)s\nReply to: %(reply)s\n\n%(text)s")
            % {"page": page_url or "-", "reply": reply_to or "-", "text": description},
            to=recipients,
            key=f"site.accessibility_report:{report.pk}",
        )
    return report
