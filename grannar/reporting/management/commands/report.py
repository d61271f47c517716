import json
import sys
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from grannar.core.audit import log_action
from grannar.evaluation.analysis import evaluation_summary
from grannar.programmes.management.base import ProgrammeCommand
from grannar.reporting import reports

FORMATS = {
    "summary": ("json", "xlsx", "pdf"),
    "final": ("pdf", "html"),
    "evaluation": ("json",),
}


class Command(ProgrammeCommand):
    help = (
        "Report a programme's figures: `summary` (json, xlsx, pdf), the `final` report "
        "(pdf, html) or the survey results (`evaluation`, json). Written to --output, or to "
        "standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(FORMATS))
        super().add_arguments(parser)
        parser.add_argument("--format", required=True, choices=["html", "json", "pdf", "xlsx"])
        parser.add_argument("--output", type=Path, help="File to write (default: standard out)")
        parser.add_argument("--language", default="sv", choices=["sv", "en"])

    def handle(self, *args, kind: str, programme: str, format: str, output, language, **options):
        if format not in FORMATS[kind]:
            raise CommandError(
                _("report %(kind)s comes as %(formats)s, not %(format)s.")
                % {"kind": kind, "formats": ", ".join(FORMATS[kind]), "format": format}
            )
        subject = self.programme(programme)
        with translation.override(language):
            content = self._make(kind, format, subject)
        log_action(action=f"reporting.{kind}.made", target=subject, data={"format": format})
        data = content.encode() if isinstance(content, str) else content
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"{output}: {error}") from error
        self.stderr.write(
            _("Wrote %(file)s (%(size)s bytes).") % {"file": output, "size": len(data)}
        )

    def _make(self, kind: str, format: str, programme) -> str | bytes:
        if kind == "evaluation":
            return json.dumps(evaluation_summary(programme), ensure_ascii=False) + "\n"
        if kind == "summary":
            if format == "json":
                return reports.summary_json(programme) + "\n"
            if format == "xlsx":
                return reports.summary_xlsx(programme)
            return reports.summary_document(programme).as_pdf()
        document = reports.final_report(programme)
        return document.as_pdf() if format == "pdf" else document.as_html()
