from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.management.base import AdminCommand
from grannar.demo import SCALES, demo_load

MIN_PERSONS = 10


class Command(AdminCommand):
    help = (
        "Load deterministic demo data. Without --scale it loads what `make run` loads; "
        "the reference programme is loaded first when missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="region")
        parser.add_argument(
            "--persons",
            type=int,
            default=None,
            help="National scale only: persons to create (100 400 by default).",
        )

    def handle(self, *args, scale: str, persons: int | None = None, **options):
        if persons is not None and scale != "national":
            raise CommandError(_("--persons can only be given with --scale national."))
        if persons is not None and persons < MIN_PERSONS:
            raise CommandError(
                _("--persons must be at least %(minimum)s.") % {"minimum": MIN_PERSONS}
            )
        result = demo_load(scale=scale, persons=persons)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Demo (%(scale)s) for %(code)s: %(people)s person added.",
                    "Demo (%(scale)s) for %(code)s: %(people)s people added.",
                    result.people_created,
                )
                % {"scale": scale, "code": result.programme.code, "people": result.people_created}
            )
        )
