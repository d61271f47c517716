"""Base for Grannar's commands: the scope is opened explicitly."""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from grannar.programmes.models import Programme


class AdminCommand(BaseCommand):
    """A whole-installation task (loading files, demo data): runs with scopes disabled."""

    def execute(self, *args, **options):
        with scopes_disabled():
            return super().execute(*args, **options)


class ProgrammeCommand(AdminCommand):
    """An administrative command about one programme, named with `--programme CODE`."""

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="Programme code, e.g. nya-grannar")

    def programme(self, code: str) -> Programme:
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            raise CommandError(f"No programme with code {code!r}.")
        return programme
