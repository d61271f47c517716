"""Base for Grannar's commands: the scope is opened explicitly."""

from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled


class AdminCommand(BaseCommand):
    """A whole-installation task (loading files, demo data): runs with scopes disabled."""

    def execute(self, *args, **options):
        with scopes_disabled():
            return super().execute(*args, **options)
