from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from grannar.core.management.base import AdminCommand
from grannar.programmes.models import Programme
from grannar.training import rollups

SHOWN = 10  # differences named before the rest are only counted
TABLES = {
    "person": gettext_lazy("person"),
    "tally": gettext_lazy("tally (municipality, breakdown, key)"),
    "session": gettext_lazy("session"),
    "session_municipality": gettext_lazy("session and municipality"),
}


class Command(AdminCommand):
    help = (
        "verify: recompute the figures' rollups from the raw registrations and compare; "
        "rebuild: recompute and store them. Every programme unless --programme."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "rebuild"])
        parser.add_argument("--programme", help="Programme code, e.g. nya-grannar")

    def handle(self, *args, action: str, programme: str | None, **options):
        programmes = Programme.objects.order_by("code")
        if programme is not None:
            programmes = programmes.filter(code=programme)
            if not programmes.exists():
                raise CommandError(_("No programme with code %(code)s.") % {"code": programme})
        if action == "rebuild":
            for each in programmes:
                people = rollups.rollups_rebuild(programme=each)
                self.stdout.write(
                    _("%(programme)s: rollups rebuilt (%(people)s people).")
                    % {"programme": each.code, "people": people}
                )
            return
        drifted = []
        for each in programmes:
            differences = rollups.verify(each)
            if not differences:
                self.stdout.write(
                    _("%(programme)s: the rollups agree with the registrations.")
                    % {"programme": each.code}
                )
                continue
            drifted.append(each.code)
            self.stderr.write(
                ngettext(
                    "%(programme)s: %(count)s difference between the rollups and the "
                    "registrations:",
                    "%(programme)s: %(count)s differences between the rollups and the "
                    "registrations:",
                    len(differences),
                )
                % {"programme": each.code, "count": len(differences)}
            )
            for difference in differences[:SHOWN]:
                self.stderr.write(
                    "  "
                    + _("%(table)s %(key)s: stored %(stored)s, recomputed %(recomputed)s")
                    % {
                        "table": TABLES[difference.table],
                        "key": difference.key,
                        "stored": _absent(difference.stored),
                        "recomputed": _absent(difference.recomputed),
                    }
                )
        if drifted:
            raise CommandError(
                _(
                    "The rollups differ from the registrations in %(programmes)s; run "
                    "`grannar rollups rebuild`."
                )
                % {"programmes": ", ".join(drifted)},
                returncode=1,
            )


def _absent(value) -> str:
    return _("nothing") if value is None else str(value)
