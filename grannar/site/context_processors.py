from django.urls import reverse
from django.utils.translation import gettext as _

from grannar.programmes.selectors import programme_list_for


def navigation(request) -> dict:
    """The main menu, built from what the signed-in user may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if user.requires_two_factor and not user.is_verified():
        return {"nav_items": []}
    items = [(reverse("site:start"), _("Start"))]
    programmes = list(programme_list_for(user))
    items += [(reverse("programmes:overview", args=[p.code]), p.name) for p in programmes]
    if user.is_superuser or user.has_role("admin", "auditor", "coordinator", "evaluator"):
        items += [
            (
                reverse("reporting:dashboard", args=[p.code]),
                _("Dashboard") if len(programmes) == 1 else f"{_('Dashboard')}: {p.name}",
            )
            for p in programmes
        ]
    items.append((reverse("training:catalogue"), _("Courses")))
    if user.person_id:
        items.append((reverse("training:my_registrations"), _("My registrations")))
    if user.has_role("coordinator"):
        items.append((reverse("training:municipality"), _("My municipality")))
    if user.is_superuser or user.has_role("admin", "coordinator"):
        items.append((reverse("people:list"), _("People")))
        items.append((reverse("collaboration:workshop_list"), _("Collaboration")))
    if user.is_superuser or user.has_role("admin", "evaluator"):
        items.append((reverse("evaluation:survey_list"), _("Surveys")))
    # Admins and coordinators reach the lessons through the collaboration pages.
    if user.has_role("evaluator") and not (
        user.is_superuser or user.has_role("admin", "coordinator")
    ):
        items.append((reverse("collaboration:lesson_list"), _("Lessons learned")))
    if user.is_superuser or user.has_role("admin", "auditor"):
        items.append((reverse("training:attestation_audit"), _("Attestations")))
        items.append((reverse("training:evidence_list"), _("Attendance evidence")))
    if user.is_superuser or user.has_role("admin"):
        items.append((reverse("training:course_list"), _("Course administration")))
    if user.is_superuser or user.has_role("admin", "auditor"):
        items.append((reverse("site:audit_log"), _("Audit log")))
    path = request.path
    # The most specific item the path lies under is current ("Min kommun" rather than the
    # catalogue at /training/ that every training page lies under).
    matches = [url for url, _label in items if path == url or (path.startswith(url) and url != "/")]
    current = max(matches, key=len, default=None)
    return {
        "nav_items": [
            {"url": url, "label": label, "current": url == current} for url, label in items
        ]
    }
