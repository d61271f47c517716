from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.management.base import AdminCommand
from grannar.programmes.loader import ProgrammeFileError
from grannar.programmes.services import programme_load_file


class Command(AdminCommand):
    help = "Load a programme file (TOML). Loading the same file again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Programme file, e.g. nya-grannar.toml")

    def handle(self, *args, file: Path, **options):
        try:
            result = programme_load_file(path=file)
        except ProgrammeFileError as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(
                _("%(file)s: not loaded, nothing was written.") % {"file": file} + f"\n{problems}"
            ) from error
        changes = result.changes
        if result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Loaded %(code)s: %(created)s, %(updated)s, %(unchanged)s.")
                    % {
                        "code": result.programme.code,
                        "created": ngettext(
                            "%(count)s created", "%(count)s created", changes["created"]
                        )
                        % {"count": changes["created"]},
                        "updated": ngettext(
                            "%(count)s updated", "%(count)s updated", changes["updated"]
                        )
                        % {"count": changes["updated"]},
                        "unchanged": ngettext(
                            "%(count)s unchanged", "%(count)s unchanged", changes["unchanged"]
                        )
                        % {"count": changes["unchanged"]},
                    }
                )
            )
        else:
            self.stdout.write(
                _("%(code)s is up to date: nothing changed.") % {"code": result.programme.code}
            )
