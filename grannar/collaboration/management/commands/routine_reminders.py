from django.utils.translation import ngettext

from grannar.collaboration.notifications import send_due_routine_reminders
from grannar.core.management.base import AdminCommand


class Command(AdminCommand):
    help = (
        "Remind the owners of routines whose follow-up is due; run daily. Running it twice "
        "sends nothing twice."
    )

    def handle(self, *args, **options):
        sent = send_due_routine_reminders.call()
        self.stdout.write(
            ngettext("%(count)s reminder sent.", "%(count)s reminders sent.", sent)
            % {"count": sent}
        )
