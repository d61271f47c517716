from pathlib import Path

from django.core.management.base import CommandError

from grannar.programmes.management.base import ProgrammeCommand
from grannar.training.imports import IMPORTS, ImportRefused


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
            raise CommandError(f"{file}: {error}") from error
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
                f"{file}: not imported, nothing was written.\n{problems}"
            ) from refused
        for problem in report.problems:
            self.stderr.write(f"skipped: {problem}")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        prefix = "Dry run, nothing written. Would change" if report.dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{prefix} {kind}: {report.summary()}"))
