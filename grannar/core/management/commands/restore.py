from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.backup import BackupError, backup_restore
from grannar.core.management.base import AdminCommand


class Command(AdminCommand):
    help = (
        "Restore a backup made by `grannar backup` into an empty database of the same kind "
        "and schema. The keys it was made with must be set (or --other-keys given)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--other-keys",
            action="store_true",
            help="Restore although the keys differ from the backup's (encrypted fields and "
            "survey pseudonyms then cannot be read or paired).",
        )

    def handle(self, *args, file: Path, other_keys: bool, **options):
        try:
            outcome = backup_restore(path=file, other_keys=other_keys)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Restored %(file)s (made %(created)s): %(rows)s row in %(tables)s tables, "
                    "as its manifest lists them.",
                    "Restored %(file)s (made %(created)s): %(rows)s rows in %(tables)s tables, "
                    "as its manifest lists them.",
                    outcome.rows,
                )
                % {
                    "file": file,
                    "created": outcome.manifest["created"],
                    "rows": outcome.rows,
                    "tables": outcome.tables,
                }
            )
        )
        self.stdout.write(_("Next: `grannar rollups verify` checks the figures."))
