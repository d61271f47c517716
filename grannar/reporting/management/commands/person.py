from pathlib import Path

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from grannar.core.management.base import AdminCommand
from grannar.reporting.own_data import ExportError, export_main


class Command(AdminCommand):
    help = (
        "One person's data: `export EMAIL` writes everything held about them (GDPR art. 15 "
        "and 20) as JSON, or as PDF to --output."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Everything held about one person")
        export.add_argument("email")
        export.add_argument("--format", choices=["json", "pdf"], default="json")
        export.add_argument("--output", type=Path, help="File to write (default: standard out)")
        export.add_argument("--language", default="sv", choices=["sv", "en"])

    def handle(self, *args, action: str, **options):
        if action == "export":
            self._export(**options)

    def _export(self, *, email: str, format: str, output: Path | None, language: str, **options):
        with translation.override(language):
            try:
                size = export_main(email=email, fmt=format, output=output, stdout=self.stdout)
            except ExportError as error:
                raise CommandError(str(error)) from error
            if output is not None:
                self.stderr.write(
                    _("Wrote %(file)s (%(size)s bytes).") % {"file": output, "size": size}
                )
