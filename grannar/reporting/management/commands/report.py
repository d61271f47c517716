import datetime as dt
import getpass
import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from grannar.core.audit import log_action
from grannar.core.files import atomic_file
from grannar.evaluation.analysis import evaluation_summary
from grannar.programmes.management.base import ProgrammeCommand
from grannar.reporting import reports
from grannar.reporting.esf import EXPORTS, check_month, esf_export

FORMATS = {
    "summary": ("json", "xlsx", "pdf"),
    "final": ("pdf", "html"),
    "evaluation": ("json",),
    "esf": ("xlsx",),
}


def _made_by() -> str:
    """Who made a file on the command line: the command and the system account running it."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "?"
    return f"grannar report ({account})"


def _month(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return check_month(value)
    except ValidationError as error:
        raise CommandError(f"--month: {' '.join(error.messages)}") from error


class Command(ProgrammeCommand):
    help = (
        "Report a programme's figures: `summary` (json, xlsx, pdf), the `final` report "
        "(pdf, html; --summary for its short version), the survey results (`evaluation`, "
        "json), or the funder's `esf` files "
        "(--kind participants|attendance|cofinancing, optionally --month YYYY-MM; xlsx to "
        "--output only). Written to --output, or to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(FORMATS))
        super().add_arguments(parser)
        parser.add_argument("--format", choices=["html", "json", "pdf", "xlsx"])
        parser.add_argument(
            "--kind", dest="export", choices=sorted(EXPORTS), help="Which ESF file (esf only)"
        )
        parser.add_argument("--month", help="Only this month, YYYY-MM (esf only)")
        parser.add_argument("--output", type=Path, help="File to write (default: standard out)")
        parser.add_argument(
            "--summary",
            action="store_true",
            help="The final report's short version: key figures and recommendations (final only)",
        )
        parser.add_argument("--language", default="sv", choices=["sv", "en"])

    def handle(self, *args, kind: str, programme: str, format, output, language, **options):
        short = options["summary"]
        if short and kind != "final":
            raise CommandError(_("--summary belongs to report final."))
        if kind == "esf":
            self._esf(programme, format, output, language, options["export"], options["month"])
            return
        if options["export"] or options["month"]:
            raise CommandError(_("--kind and --month belong to report esf."))
        if format is None:
            raise CommandError(
                _("report %(kind)s needs --format: %(formats)s.")
                % {"kind": kind, "formats": ", ".join(FORMATS[kind])}
            )
        if format not in FORMATS[kind]:
            raise CommandError(
                _("report %(kind)s comes as %(formats)s, not %(format)s.")
                % {"kind": kind, "formats": ", ".join(FORMATS[kind]), "format": format}
            )
        subject = self.programme(programme)
        with translation.override(language):
            content = self._make(kind, format, subject, short=short)
        data = content.encode() if isinstance(content, str) else content

        def log() -> None:
            log_action(
                action=f"reporting.{kind}.made",
                target=subject,
                data={"format": format, "summary": True} if short else {"format": format},
            )

        if output is None:
            log()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        self._write(output, data, log=log)

    def _esf(self, code: str, format, output, language, export: str | None, month) -> None:
        """The funder's files, as the web download makes them and audit-logged the same way;
        only to a file, since they hold personal data."""
        if export is None:
            raise CommandError(
                _("report esf needs --kind: %(kinds)s.") % {"kinds": ", ".join(sorted(EXPORTS))}
            )
        if format not in (None, "xlsx"):
            raise CommandError(
                _("report %(kind)s comes as %(formats)s, not %(format)s.")
                % {"kind": "esf", "formats": "xlsx", "format": format}
            )
        if output is None:
            raise CommandError(_("report esf needs --output FILE: the file holds personal data."))
        first = _month(month)
        subject = self.programme(code)
        if output.is_dir() or not output.parent.is_dir():
            raise CommandError(_("%(file)s: not a file in an existing folder.") % {"file": output})
        with translation.override(language):
            content = esf_export(
                programme=subject, kind=export, by=None, made_by=_made_by(), month=first
            )
        self._write(output, content)

    def _write(self, output: Path, data: bytes, *, log=None) -> None:
        """Write the file whole or not at all; its audit entry (`log`) is committed with it, so a
        process killed midway leaves neither."""
        try:
            with transaction.atomic(), atomic_file(output) as file:
                if log is not None:
                    log()
                file.write(data)
        except OSError as error:
            raise CommandError(f"{output}: {error.strerror or error}") from error
        self.stderr.write(
            _("Wrote %(file)s (%(size)s bytes).") % {"file": output, "size": len(data)}
        )

    def _make(self, kind: str, format: str, programme, *, short: bool = False) -> str | bytes:
        if kind == "evaluation":
            return json.dumps(evaluation_summary(programme), ensure_ascii=False) + "\n"
        if kind == "summary":
            if format == "json":
                return reports.summary_json(programme) + "\n"
            if format == "xlsx":
                return reports.summary_xlsx(programme, made_by=_made_by())
            return reports.summary_document(programme).as_pdf()
        document = reports.final_summary(programme) if short else reports.final_report(programme)
        return document.as_pdf() if format == "pdf" else document.as_html()
