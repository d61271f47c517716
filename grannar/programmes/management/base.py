"""Base for commands about one programme, named with `--programme CODE`."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from grannar.core.management.base import AdminCommand
from grannar.programmes.models import Programme


class ProgrammeCommand(AdminCommand):
    """An administrative command about one programme, named with `--programme CODE`."""

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="Programme code, e.g. nya-grannar")

    def programme(self, code: str) -> Programme:
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            raise CommandError(_("No programme with code %(code)s.") % {"code": code})
        return programme
