"""Base for Grannar's commands: the scope is opened explicitly and errors read as plain text."""

import sys

from django.core.management.base import BaseCommand, CommandError, SystemCheckError
from django_scopes import scopes_disabled


class GrannarCommand(BaseCommand):
    """A command that speaks the interface language: on the command line a refusal prints its
    message alone (no `CommandError:` prefix, no traceback) and exits with the error's status."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if (
                not getattr(self, "_called_from_command_line", False)
                or options.get("traceback")
                or isinstance(error, SystemCheckError)
            ):
                raise
            self.stderr.write(str(error), style_func=lambda text: text)
            sys.exit(error.returncode)


class AdminCommand(GrannarCommand):
    """A whole-installation task (loading files, demo data): runs with scopes disabled."""

    def execute(self, *args, **options):
        with scopes_disabled():
            return super().execute(*args, **options)
