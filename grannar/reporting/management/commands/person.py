from pathlib import Path

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from grannar.core.management.base import AdminCommand
from grannar.people.models import Person, normalize_email
from grannar.reporting.erasure import ErasureError, person_erase
from grannar.reporting.own_data import ExportError, export_main


class Command(AdminCommand):
    help = (
        "Things done for one person: export (everything held about them, GDPR art. 15 and "
        "20) and erase (identity removed, counted facts kept)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser(
            "export", help="Everything held about one person, as JSON or (to --output) PDF."
        )
        export.add_argument("email")
        export.add_argument("--format", choices=["json", "pdf"], default="json")
        export.add_argument("--output", type=Path, help="File to write (default: standard out)")
        export.add_argument("--language", default="sv", choices=["sv", "en"])
        erase = actions.add_parser(
            "erase",
            help=(
                "Erase a person: name, e-mail, personnummer and free text go, the counted "
                "facts stay under a pseudonym. Refused while the funder's retention rules "
                "hold, unless --legal-ground is given."
            ),
        )
        erase.add_argument("email")
        erase.add_argument("--reason", required=True, help="Why the person is erased.")
        erase.add_argument(
            "--legal-ground",
            default="",
            help="The legal ground that overrides the funder's retention rules.",
        )

    def handle(self, *args, action: str, **options):
        if action == "export":
            self.export(**options)
        elif action == "erase":
            self.erase(**options)

    def export(self, *, email: str, format: str, output: Path | None, language: str, **options):
        with translation.override(language):
            try:
                size = export_main(email=email, fmt=format, output=output, stdout=self.stdout)
            except ExportError as error:
                raise CommandError(str(error)) from error
            if output is not None:
                self.stderr.write(
                    _("Wrote %(file)s (%(size)s bytes).") % {"file": output, "size": size}
                )

    def erase(self, *, email: str, reason: str, legal_ground: str, **options):
        person = Person.objects.filter(email=normalize_email(email)).first()
        if person is None:
            raise CommandError(_("No person with e-mail address %(email)s.") % {"email": email})
        try:
            request = person_erase(person=person, by=None, reason=reason, legal_ground=legal_ground)
        except ErasureError as error:
            raise CommandError(str(error)) from error
        person.refresh_from_db()
        self.stdout.write(
            _("Erased: the record is now %(pseudonym)s (request %(request)s).")
            % {"pseudonym": person.last_name, "request": request.pk}
        )
