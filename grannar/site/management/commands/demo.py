from django.utils.translation import ngettext

from grannar.core.management.base import AdminCommand
from grannar.demo import SCALES, demo_load


class Command(AdminCommand):
    help = (
        "Load deterministic demo data. Without --scale it loads what `make run` loads; "
        "the reference programme is loaded first when missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="region")

    def handle(self, *args, scale: str, **options):
        result = demo_load(scale=scale)
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
