from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from grannar.programmes.management.base import ProgrammeCommand
from grannar.training.imports import IMPORTS, ImportRefused
from grannar.training.models import ImportJob


class Command(ProgrammeCommand):
    help = (
        "Import sessions.csv or attendance.csv (CSV or XLSX). All or nothing unless "
        "--skip-invalid; --dry-run shows what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTS))
        super().add_arguments(parser)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and report only.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the valid rows, report the rest."
        )

    def handle(self, *args, kind: str, programme: str, file: Path, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(
                _("%(file)s: the file cannot be read (%(error)s).")
                % {"file": file, "error": error.strerror or error}
            ) from error
        try:
            report = IMPORTS[kind](
                programme=self.programme(programme),
                filename=file.name,
                content=content,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )
        except ImportRefused as refused:
            problems = "\n".join(f"  {problem}" for problem in refused.report.problems)
            raise CommandError(
                _("%(file)s: not imported, nothing was written.") % {"file": file} + "\n" + problems
            ) from refused
        for problem in report.problems:
            self.stderr.write(_("skipped: %(problem)s") % {"problem": problem})
        for note in report.notes:
            self.stdout.write(_("note: %(note)s") % {"note": note})
        names = {"kind": ImportJob.Kind(kind).label, "summary": report.summary()}
        if report.dry_run:
            line = _("Dry run (%(kind)s), nothing written. Would change: %(summary)s") % names
        else:
            line = _("Imported (%(kind)s): %(summary)s") % names
        self.stdout.write(self.style.SUCCESS(line))
