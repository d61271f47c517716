from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.backup import BackupError, backup_make
from grannar.core.management.base import AdminCommand


class Command(AdminCommand):
    help = (
        "Write a consistent snapshot of the database, with a manifest, to FILE while Grannar "
        "runs. The keys (GRANNAR_FIELD_KEY, GRANNAR_PSEUDONYM_KEY) are not in it: keep them apart."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            outcome = backup_make(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Backup written to %(file)s: %(rows)s row in %(tables)s tables.",
                    "Backup written to %(file)s: %(rows)s rows in %(tables)s tables.",
                    outcome.rows,
                )
                % {"file": file, "rows": outcome.rows, "tables": outcome.tables}
            )
        )
        self.stdout.write(
            _("sha256 of the data: %(sha)s") % {"sha": outcome.manifest["data"]["sha256"]}
        )
